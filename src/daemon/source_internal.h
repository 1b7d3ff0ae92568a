/* What the source kinds (serial, tcp, replay, sim) share with the thread and status
 * machinery of source.c. Private to src/daemon/source*.c. */
#ifndef HP_DAEMON_SOURCE_INTERNAL_H
#define HP_DAEMON_SOURCE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autodetect.h"
#include "config.h"
#include "log.h"
#include "ring.h"
#include "source.h"
#include "state.h"

/* How one session (open .. close) ended. */
enum hp_session_end {
	HP_SESSION_STOP,     /* hp_source_stop was called */
	HP_SESSION_RETRY,    /* an error or EOF: back off, then open again */
	HP_SESSION_FINISHED, /* nothing more will come (a replay that does not loop) */
};

/* One source kind: a session opens the device, pushes bytes until something
 * ends it, and closes everything it opened. */
struct hp_source_driver {
	const char *name;
	enum hp_session_end (*session)(struct hp_source *s);
	int64_t backoff_max_ms; /* the longest wait between reopening attempts */
};

extern const struct hp_source_driver hp_source_serial_driver;
extern const struct hp_source_driver hp_source_tcp_driver;
extern const struct hp_source_driver hp_source_replay_driver;
extern const struct hp_source_driver hp_source_sim_driver;
extern const struct hp_source_driver hp_source_mep_driver;

/* Events a source made that the daemon has not taken yet. A mep: meter answers one
 * poll every few seconds and the daemon takes each at once, so a few are plenty;
 * when full, the oldest goes. */
#define HP_SOURCE_EVENTS_MAX 4

struct hp_source {
	struct hp_meter_config m; /* a copy: the config may go away */
	struct hp_ring *ring;
	const struct hp_source_driver *driver;
	pthread_t thread;
	int stop_fd; /* eventfd: wakes every wait of the thread at once */
	atomic_bool stopping;
	/* Monotonic ms by which the thread will be back from what it is doing (a wait
	 * ends, bytes are pushed): hp_source_alive. INT64_MAX while it waits for the
	 * stop request alone. */
	_Atomic int64_t due_ms;

	pthread_mutex_t lock; /* guards st and the events */
	struct hp_source_status st;
	struct hp_source_event events[HP_SOURCE_EVENTS_MAX];
	unsigned events_first, events_count;

	/* Owned by the source thread alone. */
	struct hp_log_limit limit;
	bool had_bytes;                    /* this session read something */
	bool opened_once;                  /* a later open is a reconnect */
	bool lines_warned;                 /* modem lines unsupported: said once */
	struct hp_line_setting remembered; /* the last detected setting; baud 0 = none */
	char line_memo[HP_PATH_MAX];       /* where it is kept across restarts; "" = nowhere */
	bool memo_read;                    /* line_memo was looked at */
	int64_t window_ms;                 /* autodetection window per candidate */
};

/* Result of waiting for a descriptor. */
enum hp_wait {
	HP_WAIT_READY,
	HP_WAIT_TIMEOUT,
	HP_WAIT_STOP,
};

/* Says the thread may be away up to ms from now without being stuck: for a call
 * that can block longer than a wait (name resolution). */
void hp_source_busy_for(struct hp_source *s, int64_t ms);

/* Waits up to timeout_ms (-1 = no limit) for events on fd (fd < 0: only for the
 * stop request or the timeout); revents gets what poll said about fd. */
enum hp_wait hp_source_wait(struct hp_source *s, int fd, short events, int timeout_ms,
			    short *revents);

/* How a read went. */
enum hp_read {
	HP_READ_DATA,  /* n bytes */
	HP_READ_NONE,  /* nothing yet (timeout) */
	HP_READ_EOF,   /* end of file, hang-up, peer closed */
	HP_READ_ERROR, /* err = errno */
	HP_READ_STOP,
};

/* Waits up to timeout_ms for bytes on fd and reads at most cap of them. */
enum hp_read hp_source_read(struct hp_source *s, int fd, uint8_t *buf, size_t cap, int timeout_ms,
			    size_t *n, int *err);

/* Pushes bytes into the ring and counts them in the status. */
void hp_source_push(struct hp_source *s, const uint8_t *p, size_t n);
/* Free bytes in the ring now (the consumer may free more meanwhile). */
size_t hp_source_ring_room(struct hp_source *s);
/* Counts bytes read that do not go to the ring (autodetection listening). */
void hp_source_heard(struct hp_source *s, size_t n);
/* Adds line errors seen by the PARMRK un-marking. */
void hp_source_line_errors(struct hp_source *s, uint64_t errors, uint64_t breaks);

/* Queues a reading or an error for the daemon and wakes it. */
void hp_source_post_event(struct hp_source *s, const struct hp_source_event *ev);
/* A mep: source's diagnosis and counters, for the status. */
void hp_source_set_mep(struct hp_source *s, enum hp_mep_diagnosis diagnosis,
		       const struct hp_mep_stats *stats);

/* Serial ports (source_serial.c), shared with the mep: source: opens the device
 * raw at a fixed setting with PARMRK marking, exclusively (-1 on failure, with the
 * reason in the status); closes it, giving up the exclusive use first. */
int hp_serial_open(struct hp_source *s, struct hp_line_setting at);
void hp_serial_close(int fd);

/* State changes, under the lock. */
void hp_source_set_state(struct hp_source *s, enum hp_source_state st);
void hp_source_set_line(struct hp_source *s, unsigned baud, enum hp_parity parity, bool detected);
/* Says what is wrong (detail and a rate-limited warning). */
void hp_source_fail(struct hp_source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Sets the detail without logging (a state that is not an error of the link). */
void hp_source_set_detail(struct hp_source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The problem cleared: empties the detail and, once after a failure, logs the
 * message. */
void hp_source_cleared(struct hp_source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The device is open (again): counts a reconnect, clears the detail and logs the
 * recovery once. */
void hp_source_opened(struct hp_source *s, const char *what);

/* Options a test sets; hp_source_start uses the defaults. */
struct hp_source_opts {
	int64_t detect_window_ms; /* autodetection window per candidate; 0 = HP_DETECT_WINDOW_MS */
	struct hp_line_setting saved; /* a setting detected in an earlier run; baud 0 = none */
	const char *line_memo;        /* see hp_source_start; NULL = none */
};

struct hp_source *hp_source_start_opts(const struct hp_meter_config *m, struct hp_ring *ring,
				       const struct hp_source_opts *opts);

#endif
