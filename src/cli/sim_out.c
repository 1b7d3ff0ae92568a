/* The simulator's outputs and pacing (sim_out.h). */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim_out.h"

#define MS_PER_S 1000

/* The pipe SIGINT and SIGTERM wake the pacing wait through: a signal handler can
 * only reach file-scope state. */
static int stop_pipe[2] = {-1, -1};

void sim_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("hanp1d sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* "HOST:PORT" or "[V6]:PORT", optionally after "tcp://". */
int sim_split_addr(const char *text, char *host, char *port)
{
	if (strncmp(text, "tcp://", 6) == 0)
		text += 6;
	const char *colon = strrchr(text, ':');
	if (colon == NULL || colon == text || colon[1] == '\0')
		return -1;
	const char *h = text;
	size_t len = (size_t)(colon - text);
	if (h[0] == '[') {
		if (len < 3 || h[len - 1] != ']')
			return -1;
		h++;
		len -= 2;
	}
	if (len >= SIM_HOST_MAX || strlen(colon + 1) >= SIM_PORT_MAX)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	snprintf(port, SIM_PORT_MAX, "%s", colon + 1);
	return 0;
}

/* ---- outputs ---- */

void sim_out_init(struct sim_out *out, bool live, bool hex)
{
	memset(out, 0, sizeof(*out));
	out->to_stdout = !live;
	out->hex = hex;
	out->info = out->to_stdout ? stderr : stdout;
	out->pty_fd = -1;
	out->tcp_fd = -1;
	out->listen_fd = -1;
	for (int i = 0; i < SIM_CLIENTS_MAX; i++)
		out->clients[i] = -1;
}

void sim_say(struct sim_out *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("hanp1d sim: ", out->info);
	vfprintf(out->info, fmt, ap);
	fputc('\n', out->info);
	fflush(out->info);
	va_end(ap);
}

static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* The line discipline would turn CR into LF, echo, and take control bytes as
 * signals: the slave is raw before the first byte, as a serial port is. The
 * setting stays with the pty when the slave is closed again. */
static int make_raw(const char *slave)
{
	int fd = open(slave, O_RDWR | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct termios t;
	int rc = tcgetattr(fd, &t);
	if (rc == 0) {
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		rc = tcsetattr(fd, TCSANOW, &t);
	}
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* PATH becomes a symlink to the slave. A symlink left by a simulator that was
 * killed is replaced in one step (rename); anything else at PATH is left alone. */
static int link_path(const char *path, const char *slave)
{
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
		sim_error("--pty %s: the path exists and is not a symlink; not replacing it", path);
		return -1;
	}
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp)) {
		sim_error("--pty %s: the path is too long", path);
		return -1;
	}
	unlink(tmp);
	if (symlink(slave, tmp) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		sim_error("--pty %s: cannot link it to %s: %s", path, slave, strerror(e));
		return -1;
	}
	return 0;
}

static int pty_open(struct sim_out *out, const char *path)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY);
	if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) {
		sim_error("--pty: cannot create a pseudo-terminal: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const char *slave = ptsname(fd);
	if (slave == NULL || strlen(slave) >= sizeof(out->pty_slave) || make_raw(slave) != 0 ||
	    set_nonblocking(fd) != 0) {
		sim_error("--pty: cannot set up the pseudo-terminal: %s", strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(out->pty_slave, sizeof(out->pty_slave), "%s", slave);
	if (link_path(path, slave) != 0) {
		close(fd);
		return -1;
	}
	out->pty_fd = fd;
	out->pty_path = path;
	sim_say(out, "pty %s -> %s", path, slave);
	return 0;
}

/* Removes the symlink when it is still ours (another simulator may have taken the
 * path meanwhile), then closes the master: the reader sees the device vanish. */
static void pty_close(struct sim_out *out)
{
	if (out->pty_fd < 0)
		return;
	char target[PATH_MAX];
	ssize_t n = readlink(out->pty_path, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, out->pty_slave) == 0)
			unlink(out->pty_path);
	}
	close(out->pty_fd);
	out->pty_fd = -1;
}

static int bind_listen(int fd, const struct addrinfo *ai)
{
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		return -1;
	return listen(fd, SIM_CLIENTS_MAX);
}

/* A connected (or, listening, a bound and listening) non-blocking socket; -1 with
 * the reason in err. */
static int tcp_open(const char *text, bool listening, char *err, size_t err_size)
{
	char host[SIM_HOST_MAX], port[SIM_PORT_MAX];
	if (sim_split_addr(text, host, port) != 0) {
		snprintf(err, err_size, "%s: expected HOST:PORT", text);
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | (listening ? AI_PASSIVE : 0)};
	struct addrinfo *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, err_size, "%s: %s", text, gai_strerror(rc));
		return -1;
	}
	int fd = -1, e = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && (listening ? bind_listen(fd, ai)
					  : connect(fd, ai->ai_addr, ai->ai_addrlen)) == 0)
			break;
		e = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0 && set_nonblocking(fd) != 0) {
		e = errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		snprintf(err, err_size, "%s: %s", text, strerror(e));
	return fd;
}

/* "HOST:PORT" of a bound socket (the port the kernel chose for port 0). */
static void bound_addr(int fd, char *text, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[SIM_HOST_MAX], port[SIM_PORT_MAX];
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(text, size, "?");
		return;
	}
	bool v6 = ss.ss_family == AF_INET6;
	snprintf(text, size, "%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

static int listen_open(struct sim_out *out, const char *addr)
{
	char err[SIM_HOST_MAX + 128];
	out->listen_fd = tcp_open(addr, true, err, sizeof(err));
	if (out->listen_fd < 0) {
		sim_error("--listen %s", err);
		return -1;
	}
	char where[SIM_HOST_MAX + SIM_PORT_MAX + 4];
	bound_addr(out->listen_fd, where, sizeof(where));
	sim_say(out, "listening on %s", where);
	return 0;
}

static int free_client_slot(const struct sim_out *out)
{
	for (int i = 0; i < SIM_CLIENTS_MAX; i++) {
		if (out->clients[i] < 0)
			return i;
	}
	return -1;
}

static void accept_clients(struct sim_out *out)
{
	for (;;) {
		int fd = accept(out->listen_fd, NULL, NULL);
		if (fd < 0)
			return; /* EAGAIN: nobody else waiting */
		int slot = free_client_slot(out);
		if (slot < 0 || set_nonblocking(fd) != 0) {
			sim_say(out, "turning a client away (%d served at once)", SIM_CLIENTS_MAX);
			close(fd);
			continue;
		}
		out->clients[slot] = fd;
		sim_say(out, "client connected");
	}
}

/* A socket takes the whole frame or is closed: a peer that stopped reading must
 * not stall the meter, and a cut frame must not be followed by more. */
static bool send_frame(int fd, const uint8_t *p, size_t n)
{
	return send(fd, p, n, MSG_NOSIGNAL) == (ssize_t)n;
}

static bool clients_deliver(struct sim_out *out, const uint8_t *p, size_t n)
{
	bool took = false;
	for (int i = 0; i < SIM_CLIENTS_MAX; i++) {
		if (out->clients[i] < 0)
			continue;
		if (send_frame(out->clients[i], p, n)) {
			took = true;
			continue;
		}
		close(out->clients[i]);
		out->clients[i] = -1;
		sim_say(out, "client gone");
	}
	return took;
}

/* A lost connection is made again at the next frame, at most once a second. */
static bool tcp_deliver(struct sim_out *out, const uint8_t *p, size_t n)
{
	if (out->tcp_fd < 0) {
		int64_t now = hp_mono_ms();
		if (now < out->tcp_retry_ms)
			return false;
		out->tcp_retry_ms = now + SIM_RECONNECT_MS;
		char err[SIM_HOST_MAX + 128];
		out->tcp_fd = tcp_open(out->tcp_addr, false, err, sizeof(err));
		if (out->tcp_fd < 0)
			return false;
		out->tcp_lost_said = false;
		sim_say(out, "connected to %s again", out->tcp_addr);
	}
	if (send_frame(out->tcp_fd, p, n))
		return true;
	close(out->tcp_fd);
	out->tcp_fd = -1;
	out->tcp_retry_ms = hp_mono_ms() + SIM_RECONNECT_MS;
	if (!out->tcp_lost_said)
		sim_say(out, "connection to %s lost; connecting again", out->tcp_addr);
	out->tcp_lost_said = true;
	return false;
}

/* The master takes the frame unless nobody has the device open (EIO) or the reader
 * lets its buffer fill (EAGAIN): then the frame is lost, as on a real line. */
static bool pty_deliver(struct sim_out *out, const uint8_t *p, size_t n)
{
	return write(out->pty_fd, p, n) == (ssize_t)n;
}

int sim_out_open(struct sim_out *out, const char *pty_path, const char *tcp_addr,
		 const char *listen_addr)
{
	if (pty_path != NULL && pty_open(out, pty_path) != 0)
		return -1;
	if (tcp_addr != NULL) {
		char err[SIM_HOST_MAX + 128];
		out->tcp_addr = tcp_addr;
		out->tcp_fd = tcp_open(tcp_addr, false, err, sizeof(err));
		if (out->tcp_fd < 0) {
			sim_error("--tcp %s", err);
			return -1;
		}
		sim_say(out, "connected to %s", tcp_addr);
	}
	if (listen_addr != NULL && listen_open(out, listen_addr) != 0)
		return -1;
	return 0;
}

void sim_out_close(struct sim_out *out)
{
	pty_close(out);
	if (out->tcp_fd >= 0)
		close(out->tcp_fd);
	if (out->listen_fd >= 0)
		close(out->listen_fd);
	out->tcp_fd = -1;
	out->listen_fd = -1;
	for (int i = 0; i < SIM_CLIENTS_MAX; i++) {
		if (out->clients[i] >= 0)
			close(out->clients[i]);
		out->clients[i] = -1;
	}
}

/* "# frame N: PROFILE, B bytes, meter time 2025-01-15T00:00:02.50" (hundredths
 * when the frame is not on a whole second). */
static void hex_comment(const char *name, const struct hp_enc_datetime *c, size_t n, unsigned index)
{
	printf("# frame %u: %s, %zu bytes, meter time %04u-%02u-%02uT%02u:%02u:%02u", index, name,
	       n, c->year, c->month, c->day, c->hour, c->minute, c->second);
	if (c->hundredths != 0)
		printf(".%02u", c->hundredths);
	putchar('\n');
}

static int stdout_frame(const struct sim_out *out, const char *name,
			const struct hp_enc_datetime *c, const uint8_t *p, size_t n, unsigned index)
{
	if (!out->hex) {
		fwrite(p, 1, n, stdout);
	} else {
		hex_comment(name, c, n, index);
		for (size_t i = 0; i < n; i++)
			printf("%02X%c", p[i], (i % 16 == 15 || i + 1 == n) ? '\n' : ' ');
	}
	if (fflush(stdout) != 0) {
		sim_error("standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sim_out_frame(struct sim_out *out, const char *name, const struct hp_enc_datetime *c,
		  const uint8_t *p, size_t n, unsigned index)
{
	if (out->to_stdout)
		return stdout_frame(out, name, c, p, n, index);
	bool took = false;
	if (out->pty_fd >= 0)
		took |= pty_deliver(out, p, n);
	if (out->tcp_addr != NULL)
		took |= tcp_deliver(out, p, n);
	if (out->listen_fd >= 0) {
		accept_clients(out);
		took |= clients_deliver(out, p, n);
	}
	if (took)
		out->delivered++;
	else
		out->dropped++;
	return 0;
}

/* ---- pacing ---- */

static void on_signal(int sig)
{
	(void)sig;
	int e = errno;
	ssize_t rc = write(stop_pipe[1], "", 1);
	(void)rc;
	errno = e;
}

int sim_catch_signals(void)
{
	if (pipe(stop_pipe) != 0 || set_nonblocking(stop_pipe[0]) != 0 ||
	    set_nonblocking(stop_pipe[1]) != 0)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return -1;
	return 0;
}

void sim_release_signals(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
		stop_pipe[i] = -1;
	}
}

/* Waits until the monotonic clock reaches due_ms, taking clients meanwhile; false
 * when SIGINT or SIGTERM came. */
bool sim_wait_until(struct sim_out *out, int64_t due_ms)
{
	for (;;) {
		int64_t left = due_ms - hp_mono_ms();
		struct pollfd fds[2] = {{.fd = stop_pipe[0], .events = POLLIN},
					{.fd = out->listen_fd, .events = POLLIN}};
		nfds_t n = out->listen_fd >= 0 ? 2 : 1;
		int timeout = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		int rc = poll(fds, n, timeout);
		if (rc > 0 && (fds[0].revents & POLLIN))
			return false;
		if (rc > 0 && n > 1 && (fds[1].revents & POLLIN))
			accept_clients(out);
		if (rc < 0 && errno != EINTR)
			return false;
		if (left <= 0)
			return true;
	}
}
