/* Bare APDUs: general-glo-ciphering, LLC + APDU, data-notification (bare.h).
 *
 * These have no frame check, so each probe first requires the fixed signature of
 * protocols-dsmr-serial.md "Auto-detection" before it believes a length: garbage
 * holds the stream back only while those few bytes are plausible. */
#include <string.h>

#include "bare.h"
#include "dlms.h"
#include "sizes.h"
#include "wire.h"

#define TAG_NOTIFICATION   0x0F
#define TAG_GLO_CIPHERING  0xDB
#define TAG_BLOCK_TRANSFER 0xE0

/* general-glo-ciphering: DB, title length, title, LEN, SC, IC (4), ..., tag (12). */
#define GGC_TITLE_LEN    8
#define GGC_LEN_AT       (2 + GGC_TITLE_LEN)
#define GGC_SC_IC_LEN    5
#define GGC_TAG_LEN      12
#define SC_AUTHENTICATED 0x10
#define SC_COMPRESSED    0x80

/* data-notification: 0F, long-invoke-id-and-priority (4), date-time. */
#define NOTIFICATION_DT_AT 5
/* A-XDR date-time forms in the header: absent, 0C + 12, 09 0C + 12, 19 + 12. */
#define DT_ABSENT      0x00
#define DT_OCTETS      0x0C
#define DT_TAGGED      0x09
#define DT_AXDR        0x19
#define DT_LEN         12
#define AXDR_ARRAY     0x01
#define AXDR_STRUCTURE 0x02

/* general-block-transfer: E0, BC, BN (2), BNA (2), A-XDR length, block data. */
#define GBT_LEN_AT 6

/* A-XDR length forms: 00..7F, or 8n followed by n (1..4) bytes. */
#define AXDR_LEN_LONG      0x80
#define AXDR_LEN_MAX_BYTES 4

static const uint8_t llc_header[HP_LLC_LEN] = {0xE6, 0xE7, 0x00};

enum parse_status { PARSE_NO, PARSE_MORE, PARSE_DONE };

static void set_result(struct hp_probe_result *res, enum hp_probe_status st, size_t len)
{
	res->status = st;
	res->len = len;
	res->error.code = HP_ERR_NONE;
}

/* An A-XDR length at p: *bytes is its size (also on MORE, when known). Values above
 * HP_APDU_MAX are refused: nothing larger can be held. */
static enum parse_status axdr_length(const uint8_t *p, size_t avail, size_t *value, size_t *bytes)
{
	*bytes = 1;
	if (avail < 1)
		return PARSE_MORE;
	if (p[0] < AXDR_LEN_LONG) {
		*value = p[0];
		return PARSE_DONE;
	}
	size_t n = p[0] & 0x7F;
	if (n == 0 || n > AXDR_LEN_MAX_BYTES)
		return PARSE_NO;
	*bytes = 1 + n;
	if (avail < 1 + n)
		return PARSE_MORE;
	uint64_t v = 0;
	for (size_t i = 1; i <= n; i++)
		v = v << 8 | p[i];
	if (v > HP_APDU_MAX)
		return PARSE_NO;
	*value = (size_t)v;
	return PARSE_DONE;
}

/* Security control values seen or legal (protocols.md (d)); bit 7 (compression) is
 * delimited here and reported by the APDU layer. */
static bool sc_plausible(uint8_t sc)
{
	switch (sc & (uint8_t)~SC_COMPRESSED) {
	case 0x10:
	case 0x20:
	case 0x21:
	case 0x30:
	case 0x31:
		return true;
	default:
		return false;
	}
}

/* Ends a probe once the header and its length are read: total bytes make the APDU.
 * MORE then marks the APDU plausible (reported truncated at end of input). */
static void finish_length(size_t avail, size_t total, struct hp_probe_result *res)
{
	if (total > HP_APDU_MAX) {
		set_result(res, HP_PROBE_NO, 0);
	} else if (avail < total) {
		set_result(res, HP_PROBE_MORE, total);
		res->error.code = HP_ERR_TRUNCATED;
	} else {
		set_result(res, HP_PROBE_FRAME, total);
	}
}

void hp_bare_ggc_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res)
{
	(void)at_eof;
	if (buf[0] != TAG_GLO_CIPHERING || (avail >= 2 && buf[1] != GGC_TITLE_LEN)) {
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	size_t value = 0, bytes;
	size_t rest = avail > GGC_LEN_AT ? avail - GGC_LEN_AT : 0;
	enum parse_status st = axdr_length(buf + GGC_LEN_AT, rest, &value, &bytes);
	size_t sc_at = GGC_LEN_AT + bytes;
	if (st == PARSE_NO) {
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	if (st == PARSE_MORE || avail <= sc_at) {
		set_result(res, HP_PROBE_MORE, sc_at + 1);
		return;
	}
	uint8_t sc = buf[sc_at];
	size_t least = GGC_SC_IC_LEN + ((sc & SC_AUTHENTICATED) ? GGC_TAG_LEN : 0);
	if (!sc_plausible(sc) || value < least) {
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	finish_length(avail, sc_at + value, res);
}

/* The date-time field of a data-notification header: its size, or 0 if not one. */
static size_t datetime_len(const uint8_t *p, size_t avail, bool *more)
{
	*more = false;
	switch (p[0]) {
	case DT_ABSENT:
		return 1;
	case DT_OCTETS:
	case DT_AXDR:
		return 1 + DT_LEN;
	case DT_TAGGED:
		if (avail < 2) {
			*more = true;
			return 2;
		}
		return p[1] == DT_OCTETS ? 2 + DT_LEN : 0;
	default:
		return 0;
	}
}

void hp_bare_apdu_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res)
{
	if (buf[0] != TAG_NOTIFICATION) {
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	if (avail <= NOTIFICATION_DT_AT) {
		set_result(res, HP_PROBE_MORE, NOTIFICATION_DT_AT + 1);
		return;
	}
	bool more;
	size_t dt = datetime_len(buf + NOTIFICATION_DT_AT, avail - NOTIFICATION_DT_AT, &more);
	if (more) {
		set_result(res, HP_PROBE_MORE, NOTIFICATION_DT_AT + dt);
		return;
	}
	size_t body_at = NOTIFICATION_DT_AT + dt;
	if (dt == 0 ||
	    (avail > body_at && buf[body_at] != AXDR_STRUCTURE && buf[body_at] != AXDR_ARRAY)) {
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	if (avail <= body_at) {
		set_result(res, HP_PROBE_MORE, body_at + 1);
		return;
	}
	hp_dlms_probe_notification(buf, avail, at_eof, res);
	if (res->status == HP_PROBE_MORE) {
		/* The body's length is only known once it is parsed. */
		if (res->len <= avail)
			res->len = 0;
		res->error.code = HP_ERR_TRUNCATED;
	}
}

/* A GBT block after an LLC header: delimited by its block length. */
static void gbt_probe(const uint8_t *buf, size_t avail, struct hp_probe_result *res)
{
	if (avail <= GBT_LEN_AT) {
		set_result(res, HP_PROBE_MORE, GBT_LEN_AT + 1);
		return;
	}
	size_t value = 0, bytes;
	enum parse_status st = axdr_length(buf + GBT_LEN_AT, avail - GBT_LEN_AT, &value, &bytes);
	/* Blocks are numbered from 1. */
	if (st == PARSE_NO || hp_be16(buf + 2) == 0) {
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	if (st == PARSE_MORE) {
		set_result(res, HP_PROBE_MORE, GBT_LEN_AT + bytes);
		return;
	}
	finish_length(avail, GBT_LEN_AT + bytes + value, res);
}

bool hp_llc_present(const uint8_t *buf, size_t len)
{
	return len >= HP_LLC_LEN && memcmp(buf, llc_header, HP_LLC_LEN) == 0;
}

void hp_bare_llc_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res)
{
	size_t n = avail < HP_LLC_LEN ? avail : HP_LLC_LEN;
	if (memcmp(buf, llc_header, n) != 0) {
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	if (avail <= HP_LLC_LEN) {
		set_result(res, HP_PROBE_MORE, HP_LLC_LEN + 1);
		return;
	}
	const uint8_t *apdu = buf + HP_LLC_LEN;
	size_t rest = avail - HP_LLC_LEN;
	switch (apdu[0]) {
	case TAG_NOTIFICATION:
		hp_bare_apdu_probe(apdu, rest, at_eof, res);
		break;
	case TAG_GLO_CIPHERING:
		hp_bare_ggc_probe(apdu, rest, at_eof, res);
		break;
	case TAG_BLOCK_TRANSFER:
		gbt_probe(apdu, rest, res);
		break;
	default:
		set_result(res, HP_PROBE_NO, 0);
		return;
	}
	if (res->len > 0)
		res->len += HP_LLC_LEN;
}
