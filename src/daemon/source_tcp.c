/* TCP sources: tcp://host:port (ser2net, WiFi P1 dongles). A non-blocking connect
 * with a timeout, keepalive so that a dongle that vanished is noticed, and a
 * reconnect with backoff (source.c) on EOF or error. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "source_internal.h"

/* A dongle on WiFi answers in well under a second; 10 s covers a slow network
 * without holding the retry loop long. */
#define CONNECT_TIMEOUT_MS 10000
/* The longest a name lookup may keep the thread away (several servers and tries). */
#define RESOLVE_MAX_MS 60000
/* Keepalive: probe after 30 s of silence, every 10 s, give up after 3 (a meter
 * pushes at least every 10 s, so a minute of silence means the peer is gone). */
#define KEEPALIVE_IDLE_S  30
#define KEEPALIVE_INTVL_S 10
#define KEEPALIVE_COUNT   3
#define TCP_READ_MAX      4096
/* How long a read waits before it checks for stop (stop also wakes it at once). */
#define TCP_POLL_MS   1000
#define PORT_TEXT_MAX 8

/* "connection refused" and friends, in the words users search for. */
static const char *tcp_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused (nothing listening on that port?)";
	case ETIMEDOUT:
		return "connection timed out";
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	case ECONNRESET:
		return "connection reset by the peer";
	default:
		return strerror(err);
	}
}

/* The URL as the user wrote it; IPv6 addresses get their brackets back. */
static void url_of(const struct hp_meter_config *m, char *out, size_t size)
{
	bool v6 = strchr(m->host, ':') != NULL;
	snprintf(out, size, "tcp://%s%s%s:%u", v6 ? "[" : "", m->host, v6 ? "]" : "", m->port);
}

static void keepalive(int fd)
{
	int on = 1, idle = KEEPALIVE_IDLE_S, intvl = KEEPALIVE_INTVL_S, cnt = KEEPALIVE_COUNT;
	/* Best effort: without keepalive a silent peer is still found by the backoff of
	 * the next failure. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* Connects to one address: the fd, -1 with *err set, or -2 when stopped. */
static int connect_one(struct hp_source *s, const struct addrinfo *ai, int *err)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*err = errno;
		close(fd);
		return -1;
	}
	int64_t until = hp_mono_ms() + CONNECT_TIMEOUT_MS;
	for (;;) {
		int64_t left = until - hp_mono_ms();
		if (left <= 0) {
			*err = ETIMEDOUT;
			close(fd);
			return -1;
		}
		short rev = 0;
		enum hp_wait w = hp_source_wait(s, fd, POLLOUT, (int)left, &rev);
		if (w == HP_WAIT_STOP) {
			close(fd);
			return -2;
		}
		if (w == HP_WAIT_READY)
			break;
	}
	int so = 0;
	socklen_t len = sizeof(so);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) != 0)
		so = errno;
	if (so != 0) {
		*err = so;
		close(fd);
		return -1;
	}
	return fd;
}

/* Tries each address of the host in turn. The fd, -1 (the detail is set) or -2
 * when stopped. */
static int tcp_connect(struct hp_source *s, const char *url)
{
	char port[PORT_TEXT_MAX];
	snprintf(port, sizeof(port), "%u", s->m.port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	/* The resolver's own timeouts (resolv.conf: 5 s per server and try) bound it. */
	hp_source_busy_for(s, RESOLVE_MAX_MS);
	int gai = getaddrinfo(s->m.host, port, &hints, &res);
	hp_source_busy_for(s, 0);
	if (gai != 0) {
		hp_source_fail(s, "%s: cannot resolve the host: %s", url, gai_strerror(gai));
		return -1;
	}
	int fd = -1, err = ECONNREFUSED;
	for (const struct addrinfo *ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = connect_one(s, ai, &err);
	freeaddrinfo(res);
	if (fd == -1)
		hp_source_fail(s, "%s: %s", url, tcp_reason(err));
	return fd;
}

static enum hp_session_end tcp_session(struct hp_source *s)
{
	char url[HP_HOST_MAX + 32];
	url_of(&s->m, url, sizeof(url));
	int fd = tcp_connect(s, url);
	if (fd == -2)
		return HP_SESSION_STOP;
	if (fd < 0)
		return HP_SESSION_RETRY;
	keepalive(fd);
	hp_source_opened(s, url);
	hp_source_set_state(s, HP_SOURCE_RUNNING);
	enum hp_session_end end = HP_SESSION_RETRY;
	for (;;) {
		uint8_t buf[TCP_READ_MAX];
		size_t n;
		int err;
		enum hp_read r = hp_source_read(s, fd, buf, sizeof(buf), TCP_POLL_MS, &n, &err);
		if (r == HP_READ_DATA) {
			hp_source_push(s, buf, n);
			continue;
		}
		if (r == HP_READ_NONE)
			continue;
		if (r == HP_READ_STOP)
			end = HP_SESSION_STOP;
		else if (r == HP_READ_EOF)
			hp_source_fail(s, "%s: connection closed by the peer", url);
		else
			hp_source_fail(s, "%s: %s", url, tcp_reason(err));
		break;
	}
	close(fd);
	return end;
}

const struct hp_source_driver hp_source_tcp_driver = {
    .name = "tcp",
    .session = tcp_session,
    .backoff_max_ms = 30000, /* a dongle that is off is not hammered with connects */
};
