/* Where `hanp1d sim` writes its frames: standard output, a pseudo-terminal the
 * daemon opens as its serial device, a TCP listener, or the TCP clients that
 * connect to it; and the real-time pacing between frames. */
#ifndef HP_CLI_SIM_OUT_H
#define HP_CLI_SIM_OUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "meters.h"
#include "state.h" /* hp_mono_ms */

/* Clients --listen serves at once; more are turned away. */
#define SIM_CLIENTS_MAX 8
/* A lost --tcp connection is tried again at most once a second (real time). */
#define SIM_RECONNECT_MS 1000
/* HOST:PORT texts: a DNS name is at most 253 characters. */
#define SIM_HOST_MAX 256
#define SIM_PORT_MAX 16

/* Where the frames go. */
struct sim_out {
	bool to_stdout;
	bool hex;
	FILE *info; /* status lines: standard output unless the frames go there */
	int pty_fd;
	const char *pty_path;
	char pty_slave[PATH_MAX];
	int tcp_fd;
	const char *tcp_addr;
	int64_t tcp_retry_ms;
	bool tcp_lost_said;
	int listen_fd;
	int clients[SIM_CLIENTS_MAX];
	uint64_t delivered, dropped;
};

/* "hanp1d sim: ..." on standard error. */
void sim_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A status line on the output's info stream. */
void sim_say(struct sim_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "HOST:PORT" or "[V6]:PORT", optionally after "tcp://"; 0 or -1. */
int sim_split_addr(const char *text, char *host, char *port);

/* live: a pty or TCP output (else standard output, raw or hex). */
void sim_out_init(struct sim_out *out, bool live, bool hex);
/* Opens the outputs given (NULL = not wanted); 0, or -1 after saying why. */
int sim_out_open(struct sim_out *out, const char *pty_path, const char *tcp_addr,
		 const char *listen_addr);
void sim_out_close(struct sim_out *out);
/* Writes one frame (all of a profile's link frames) where it goes; a live output
 * drops a frame nobody takes, as a meter's line does. 0, or -1 on a stdout error. */
int sim_out_frame(struct sim_out *out, const char *name, const struct hp_enc_datetime *c,
		  const uint8_t *p, size_t n, unsigned index);

/* SIGINT and SIGTERM end the pacing wait. */
int sim_catch_signals(void);
void sim_release_signals(void);
/* Waits until the monotonic clock reaches due_ms, taking clients meanwhile; false
 * when SIGINT or SIGTERM came. */
bool sim_wait_until(struct sim_out *out, int64_t due_ms);

#endif
