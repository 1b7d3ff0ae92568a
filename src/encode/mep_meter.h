/* A simulated MEP meter (mep.md section 8): request frames in, response frames out,
 * table images filled from a sim_model. Pure: the caller supplies bytes and the clock;
 * `hanp1d sim --meter mep` and the unit tests put it on a pty or wire it to the client. */
#ifndef HP_ENCODE_MEP_METER_H
#define HP_ENCODE_MEP_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mep.h"
#include "sim_model.h"

#define MEP_METER_REPLY_MAX (2 + 1 + 2 + 512 + 12)

struct mep_meter_config {
	char mbk[HP_MEP_MBK_LEN + 1];
	uint32_t first_seq;     /* 0x1000: the client's SEQ 0 draws 0C */
	bool trailer;           /* append a SEQ echo and 8 digest bytes (default) */
	uint8_t present_values; /* BT21 PV: 55, or fewer to test `unsupported` */
};

struct mep_meter_stats {
	uint64_t requests, answered, auth_failures, seq_failures, ignored, alerts;
	uint64_t handshake_ok, handshake_bad; /* alert handshakes that followed 5.3, or not */
};

struct mep_meter {
	struct mep_meter_config cfg;
	uint8_t key[HP_MEP_KEY_LEN];
	uint32_t expected_seq;
	struct hp_mep_framer framer;
	struct sim_model model;
	uint64_t model_ms; /* the client clock the model was last advanced to */
	uint8_t last_ss;   /* 0: no procedure called yet */
	uint8_t bt08[4];
	bool swallow_next;
	/* After an alert: the next five APDUs should be the 5.3 handshake. */
	int handshake_step; /* 0 none, 1..5 the step expected */
	struct mep_meter_stats stats;
};

void mep_meter_config_defaults(struct mep_meter_config *cfg);
/* -1 when the MBK is not 20 characters. */
int mep_meter_init(struct mep_meter *m, const struct mep_meter_config *cfg, uint64_t seed,
		   time_t start);
/* Takes bytes from the client; on a whole request returns the reply length written to out
 * (0: no reply, e.g. a swallowed or ignored frame) and sets *consumed. */
size_t mep_meter_input(struct mep_meter *m, uint64_t now_ms, const uint8_t *p, size_t n,
		       size_t *consumed, uint8_t *out, size_t cap);
/* Drops a partial request (after 500 ms of silence). */
void mep_meter_silence(struct mep_meter *m);
/* The `00 00` alert; the handshake that should follow is checked. */
size_t mep_meter_alert(struct mep_meter *m, uint8_t *out, size_t cap);
/* Uplink traffic: the expected SEQ jumps by delta. */
void mep_meter_jump_seq(struct mep_meter *m, uint32_t delta);

#endif
