/* The MEP client (mep.md section 5) as a pure state machine: the source feeds it the
 * bytes it reads and the clock; it answers with bytes to send, ENABLE line changes,
 * input flushes and readings. One request is outstanding at a time. */
#ifndef HP_CORE_MEP_CLIENT_H
#define HP_CORE_MEP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mep.h"

struct hp_mep_client_config {
	uint32_t poll_interval_ms; /* start of one cycle to the next (default 10 s) */
	uint32_t min_gap_ms;       /* a cycle starts at least this long after the last send (2 s) */
	uint32_t reply_timeout_ms; /* 10 s */
	uint32_t clock_every;      /* read BT52 every N cycles; 0 = only at start-up */
};

/* What the source should tell the user about the link; see hp_mep_diagnosis_cause(). */
enum hp_mep_diagnosis {
	HP_MEP_DIAG_STARTING,
	HP_MEP_DIAG_OK,
	HP_MEP_DIAG_AUTH,           /* 0B: the digest is rejected */
	HP_MEP_DIAG_NO_ANSWER,      /* timeouts although ENABLE was cycled */
	HP_MEP_DIAG_SEQUENCE_CHURN, /* 0C again and again */
	HP_MEP_DIAG_UNSUPPORTED,    /* BT28 not laid out as the three-phase map */
};

struct hp_mep_stats {
	uint64_t requests, responses, timeouts, enable_toggles, auth_failures, resyncs, alerts,
	    handshakes, readings, unsolicited, port_resets;
	uint8_t last_code;         /* of the latest response */
	int last_procedure_result; /* BT08/ET58 byte 3 of the latest handshake, -1 none */
};

/* One step's work for the source, in this order: flush, ENABLE, reopen, send, deliver. */
struct hp_mep_output {
	bool flush_input;
	int enable;  /* -1 unchanged, 0 drop, 1 raise */
	bool reopen; /* 50 attempts failed: close and reopen the port (the client restarted) */
	size_t tx_len;
	uint8_t tx[HP_MEP_REQUEST_MAX];
	bool has_reading;
	struct hp_reading reading;
	bool has_error;
	struct hp_error error;
};

enum hp_mep_job {
	HP_MEP_JOB_BT52,
	HP_MEP_JOB_BT01,
	HP_MEP_JOB_BT21,
	HP_MEP_JOB_ET03,
	HP_MEP_JOB_BT23,
	HP_MEP_JOB_BT28,
	HP_MEP_JOB_ET11,
	HP_MEP_JOB_ET13,
	HP_MEP_JOB_ET50,
	HP_MEP_JOB_EP39,
	HP_MEP_JOB_RESULT,
	HP_MEP_JOB_COUNT
};

struct hp_mep_client {
	struct hp_mep_client_config cfg;
	uint8_t key[HP_MEP_KEY_LEN];
	struct hp_mep_framer framer;
	int phase;
	uint64_t phase_until; /* end of a timed phase */
	uint64_t last_send, last_rx, next_cycle;
	uint32_t seq;
	uint8_t ss; /* procedure sequence, 5..9 */

	/* The outstanding request. */
	enum hp_mep_job job;
	uint8_t apdu[HP_MEP_APDU_MAX];
	size_t apdu_len;
	uint8_t frame[HP_MEP_REQUEST_MAX];
	size_t frame_len;
	unsigned attempts;

	unsigned resyncs_in_row, timeouts_in_row, ss_retries;
	uint32_t backoff_ms;
	uint64_t retry_at[HP_MEP_JOB_COUNT]; /* after a refusal: not before */
	uint32_t logged;                     /* jobs whose refusal was reported */
	uint32_t identity_done;              /* BT01, BT21, ET03 read (or refused) once */

	bool started; /* BT52 answered: the meter talks to us */
	bool have_regs;
	struct hp_mep_regs regs;
	struct hp_reading ident; /* BT01 and ET03 */
	bool have_clock;
	char clock[HP_TIME_MAX];
	int8_t clock_dst;

	int cycle_step; /* 0 idle, 1 clock, 2 BT23, 3 BT28 */
	uint32_t cycles;
	struct hp_reading cycle;

	bool alert_pending;
	int handshake; /* 0 off, else the step 1..5 */
	uint8_t alert_entry, mep_flags;

	bool stale;
	enum hp_mep_diagnosis diag;
	struct hp_mep_stats stats;
};

void hp_mep_client_config_defaults(struct hp_mep_client_config *cfg);
/* Starts the client at `now` (milliseconds of a monotonic clock): ENABLE drops first. */
void hp_mep_client_init(struct hp_mep_client *c, const uint8_t key[HP_MEP_KEY_LEN],
			const struct hp_mep_client_config *cfg, uint64_t now,
			struct hp_mep_output *out);
/* Bytes from the meter. Stops after a whole frame or alert was handled and returns the
 * bytes it took: call again with the rest after acting on out. */
size_t hp_mep_client_input(struct hp_mep_client *c, uint64_t now, const uint8_t *p, size_t n,
			   struct hp_mep_output *out);
/* Timers: call when hp_mep_client_deadline() has passed (calling earlier is harmless). */
void hp_mep_client_tick(struct hp_mep_client *c, uint64_t now, struct hp_mep_output *out);
uint64_t hp_mep_client_deadline(const struct hp_mep_client *c, uint64_t now);
void hp_mep_output_clear(struct hp_mep_output *out);

const char *hp_mep_diagnosis_name(enum hp_mep_diagnosis d);
/* The probable cause in plain words, for /api/v1/status. */
const char *hp_mep_diagnosis_cause(enum hp_mep_diagnosis d);

#endif
