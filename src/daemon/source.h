/* Sources: one thread per meter that owns a file descriptor (serial, TCP, replay
 * file or simulator), pushes raw bytes into the meter's ring and reopens with
 * backoff when the device goes away. A source never parses, except the serial
 * autodetection, which listens for frames to choose the line settings. */
#ifndef HP_DAEMON_SOURCE_H
#define HP_DAEMON_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "hanp1d/decode.h"
#include "mep_client.h"
#include "ring.h"

enum hp_source_state {
	HP_SOURCE_STARTING,
	HP_SOURCE_DETECTING, /* serial autodetection is trying settings */
	HP_SOURCE_RUNNING,   /* open and reading */
	HP_SOURCE_RETRYING,  /* closed after an error; reopening after a backoff */
	HP_SOURCE_FINISHED,  /* a replay that does not loop has ended */
	HP_SOURCE_STOPPED,
};

#define HP_SOURCE_DETAIL_MAX 320

/* A mep: source's client: what it makes of the link, and its counters. */
struct hp_source_mep {
	bool on; /* the source is a mep: one */
	enum hp_mep_diagnosis diagnosis;
	struct hp_mep_stats stats;
};

struct hp_source_status {
	enum hp_source_state state;
	unsigned baud;         /* in use or detected; 0 = unknown */
	enum hp_parity parity; /* in use or detected */
	bool detected;         /* baud/parity came from autodetection */
	uint64_t bytes;        /* read from the device */
	uint64_t reconnects;
	uint64_t line_errors; /* serial: bytes with a parity or framing error (PARMRK) */
	uint64_t breaks;      /* serial: breaks (line held low) */
	int64_t last_byte_ms; /* wall clock of the last byte, 0 = none yet */
	char detail[HP_SOURCE_DETAIL_MAX]; /* the last problem in plain words, "" = none */
	struct hp_source_mep mep;
};

/* A reading or an error a source made itself: a mep: source polls the meter and
 * decodes its answers in the source thread, so no bytes go through the ring. */
struct hp_source_event {
	bool is_reading;
	struct hp_reading reading;
	struct hp_error error;
};

struct hp_source;

/* Starts the source's thread. The source writes into `ring`. A serial source with
 * autodetection keeps the setting it detects in the file `line_memo` (NULL = not
 * kept; line_memo.h) and starts from it next time. Returns NULL (errno) only when
 * the thread cannot be made; a device that cannot be opened is retried. */
struct hp_source *hp_source_start(const struct hp_meter_config *m, struct hp_ring *ring,
				  const char *line_memo);

/* Stops the thread and closes the device; the status and the events it left can
 * still be taken. */
void hp_source_halt(struct hp_source *s);
/* Halts (when not yet) and frees the source. */
void hp_source_stop(struct hp_source *s);

/* A consistent copy of the status (taken under the source's lock). */
void hp_source_get_status(struct hp_source *s, struct hp_source_status *out);

/* Takes the oldest event the source made (the ring's wake_fd signals a new one);
 * false when there is none. */
bool hp_source_take_event(struct hp_source *s, struct hp_source_event *out);

/* Whether the source's thread is still turning: it came back from its last wait
 * (or pushed bytes) no later than grace_ms after it was due. A thread blocked in
 * a call that never returns is not, and the daemon stops pinging the watchdog. */
bool hp_source_alive(struct hp_source *s, int64_t now_mono_ms, int64_t grace_ms);

const char *hp_source_state_name(enum hp_source_state st);
const char *hp_parity_name(enum hp_parity p);

#endif
