/* A small HTTP/1.1 client for the tests that talk to the daemon's server over
 * loopback: connect, send, and read a whole answer (Connection: close). */
#ifndef HP_TEST_HTTP_CLIENT_H
#define HP_TEST_HTTP_CLIENT_H

#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Seconds a test client waits for an answer before calling it lost. */
#define HTTP_CLIENT_TIMEOUT_S 10
/* An answer is read whole into this (the largest, openapi.json, is tens of kB). */
#define HTTP_RESPONSE_MAX (256 * 1024)

struct http_response {
	int status; /* 0: the connection closed without an answer; -1: no connection */
	char head[8192];
	char *body;
	size_t body_len;
	char raw[HTTP_RESPONSE_MAX + 1];
};

/* A connected socket with send and receive timeouts, or -1. */
static inline int http_connect(const char *host, uint16_t port)
{
	char service[8];
	snprintf(service, sizeof(service), "%u", port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *res;
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -1;
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct timeval tv = {.tv_sec = HTTP_CLIENT_TIMEOUT_S};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* Sends what it can: a server may answer and close early on a request it refuses. */
static inline void http_send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, buf, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		buf += k;
		n -= (size_t)k;
	}
}

/* An answer that says nothing: no connection, or nothing came. */
static inline void http_response_none(struct http_response *r, int status)
{
	r->status = status;
	r->raw[0] = r->head[0] = '\0';
	r->body = r->raw;
	r->body_len = 0;
}

/* Reads until the server closes; a 100 Continue before the answer is skipped. */
static inline void http_read_response(int fd, struct http_response *r)
{
	size_t len = 0;
	ssize_t k;
	while (len < HTTP_RESPONSE_MAX &&
	       (k = recv(fd, r->raw + len, HTTP_RESPONSE_MAX - len, 0)) > 0)
		len += (size_t)k;
	r->raw[len] = '\0';
	r->status = 0;
	r->head[0] = '\0';
	r->body_len = 0;
	char *p = r->raw;
	while (strncmp(p, "HTTP/1.1 100", 12) == 0 && strstr(p, "\r\n\r\n") != NULL)
		p = strstr(p, "\r\n\r\n") + 4;
	char *end = strstr(p, "\r\n\r\n");
	r->body = r->raw + len;
	if (strncmp(p, "HTTP/1.", 7) != 0 || end == NULL)
		return;
	r->status = atoi(p + 9);
	size_t head_len = (size_t)(end - p) + 2; /* keeps the last header's CRLF */
	if (head_len >= sizeof(r->head))
		head_len = sizeof(r->head) - 1;
	memcpy(r->head, p, head_len);
	r->head[head_len] = '\0';
	r->body = end + 4;
	r->body_len = len - (size_t)(r->body - r->raw);
}

/* One exchange on a new connection: raw is the whole request. */
static inline void http_exchange(const char *host, uint16_t port, const char *raw, size_t n,
				 struct http_response *r)
{
	int fd = http_connect(host, port);
	if (fd < 0) {
		http_response_none(r, -1);
		return;
	}
	http_send_all(fd, raw, n);
	http_read_response(fd, r);
	close(fd);
}

#endif
