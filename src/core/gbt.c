/* General block transfer reassembly (protocols.md (c)). */
#include <string.h>

#include "axdr.h"
#include "gbt.h"
#include "wire.h"

/* E0 | BC | BN (2) | BNA (2), then the A-XDR length of the block data. */
#define GBT_HEADER_LEN 6
/* Block control: bit 7 last block, bit 6 streaming, bits 5..0 window. */
#define GBT_BC_LAST      0x80
#define GBT_BC_STREAMING 0x40

struct gbt_block {
	bool last;
	uint16_t bn;
	uint16_t bna;
	const uint8_t *data;
	size_t len;
};

static int parse_block(const uint8_t *p, size_t n, struct gbt_block *b, struct hp_error *err)
{
	if (n < GBT_HEADER_LEN + 1) {
		hp_error_set(err, HP_ERR_TRUNCATED, "general-block-transfer: %zu-byte block header",
			     n);
		return -1;
	}
	b->last = (p[1] & GBT_BC_LAST) != 0;
	b->bn = hp_be16(p + 2);
	b->bna = hp_be16(p + 4);
	uint32_t len;
	size_t used;
	enum hp_axdr_status st =
	    hp_axdr_length(p + GBT_HEADER_LEN, n - GBT_HEADER_LEN, &len, &used);
	if (st == HP_AXDR_SHORT) {
		hp_error_set(err, HP_ERR_TRUNCATED,
			     "general-block-transfer: cut inside the length");
		return -1;
	}
	if (st != HP_AXDR_OK) {
		hp_error_set(err, HP_ERR_MALFORMED, "general-block-transfer: bad block length");
		return -1;
	}
	size_t avail = n - GBT_HEADER_LEN - used;
	if (len > avail) {
		hp_error_set(err, HP_ERR_TRUNCATED,
			     "general-block-transfer: block %u says %lu bytes, %zu present",
			     (unsigned)b->bn, (unsigned long)len, avail);
		return -1;
	}
	b->data = p + GBT_HEADER_LEN + used;
	b->len = (size_t)len;
	return 0;
}

static void start(struct hp_apdu_state *s)
{
	s->gbt_active = true;
	s->gbt_next = 1;
	s->gbt_len = 0;
}

static void drop(struct hp_apdu_state *s)
{
	s->gbt_active = false;
	s->gbt_len = 0;
}

bool hp_gbt_abandon(struct hp_apdu_state *s, struct hp_error *err)
{
	if (!s->gbt_active)
		return false;
	hp_error_set(err, HP_ERR_TRUNCATED,
		     "segment gap: general-block-transfer message ended after block %u",
		     (unsigned)(s->gbt_next - 1));
	drop(s);
	return true;
}

/* Block 1 starts a message. One that arrives while another is open reports the
 * old one as truncated (true, err set), unless it is also the last block: a complete
 * message then wins over the report, and the old one is only traced. */
static bool restart(struct hp_apdu_state *s, const struct gbt_block *b, struct hp_error *err,
		    const struct hp_trace *trace)
{
	bool reported = false;
	if (s->gbt_active) {
		hp_tracef(trace, 1, "GBT: block 1 while block %u was expected: old message dropped",
			  (unsigned)s->gbt_next);
		if (!b->last)
			reported = hp_gbt_abandon(s, err);
	}
	start(s);
	return reported;
}

static void gap(struct hp_apdu_state *s, const struct gbt_block *b, struct hp_error *err)
{
	if (s->gbt_active)
		hp_error_set(err, HP_ERR_TRUNCATED,
			     "segment gap: general-block-transfer block %u after block %u",
			     (unsigned)b->bn, (unsigned)(s->gbt_next - 1));
	else
		hp_error_set(err, HP_ERR_TRUNCATED,
			     "segment gap: general-block-transfer block %u without block 1",
			     (unsigned)b->bn);
	drop(s);
}

static void append(struct hp_apdu_state *s, const struct gbt_block *b)
{
	memcpy(s->gbt + s->gbt_len, b->data, b->len);
	s->gbt_len += b->len;
	s->gbt_next = (uint16_t)(b->bn + 1);
}

enum hp_gbt_result hp_gbt_add(struct hp_apdu_state *s, const uint8_t *p, size_t n,
			      struct hp_error *err, const struct hp_trace *trace)
{
	struct gbt_block b;
	if (parse_block(p, n, &b, err) != 0) {
		drop(s);
		return HP_GBT_ERROR;
	}
	hp_tracef(trace, 1, "APDU E0 general-block-transfer: block %u%s%s, BNA %u, %zu bytes",
		  (unsigned)b.bn, b.last ? " (last)" : "",
		  (p[1] & GBT_BC_STREAMING) ? ", streaming" : "", (unsigned)b.bna, b.len);
	if (b.data + b.len < p + n)
		hp_tracef(trace, 1, "GBT: %zu bytes after the block data ignored",
			  (size_t)(p + n - (b.data + b.len)));
	bool reported = false;
	if (b.bn == 1) {
		reported = restart(s, &b, err, trace);
	} else if (!s->gbt_active || b.bn != s->gbt_next) {
		gap(s, &b, err);
		return HP_GBT_ERROR;
	}
	if (b.len > sizeof(s->gbt) - s->gbt_len) {
		if (!reported)
			hp_error_set(err, HP_ERR_UNSUPPORTED,
				     "general-block-transfer message larger than %zu bytes",
				     sizeof(s->gbt));
		drop(s);
		return HP_GBT_ERROR;
	}
	append(s, &b);
	if (reported)
		return HP_GBT_ERROR; /* the old message; the new one stays open */
	if (!b.last)
		return HP_GBT_PENDING;
	s->gbt_active = false;
	hp_tracef(trace, 1, "GBT: message complete, %u blocks, %zu bytes", (unsigned)b.bn,
		  s->gbt_len);
	return HP_GBT_COMPLETE;
}
