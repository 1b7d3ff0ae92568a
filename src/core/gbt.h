/* General block transfer (tag E0, protocols.md (c)): blocks in BN order are joined
 * in the APDU state's buffer until the last-block bit. */
#ifndef HP_CORE_GBT_H
#define HP_CORE_GBT_H

#include "apdu.h"

/* Tag of general-block-transfer. */
#define HP_GBT_TAG 0xE0

enum hp_gbt_result {
	HP_GBT_PENDING,  /* block stored, more to come */
	HP_GBT_COMPLETE, /* s->gbt[0..s->gbt_len) holds the joined APDU */
	HP_GBT_ERROR,    /* err set; the open message (if any) was dropped */
};

/* Adds one block (p[0] = E0). A block number that is not the previous + 1 drops the
 * open message and reports `truncated` ("segment gap"); a block 1 that arrives while
 * a message is open starts a new one and reports the old one as `truncated`, unless
 * the new block is also the last, which then completes on its own. */
enum hp_gbt_result hp_gbt_add(struct hp_apdu_state *s, const uint8_t *p, size_t n,
			      struct hp_error *err, const struct hp_trace *trace);

/* Drops an open message; true (and err set to `truncated`) when there was one. */
bool hp_gbt_abandon(struct hp_apdu_state *s, struct hp_error *err);

#endif
