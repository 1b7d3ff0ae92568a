/* HDLC frame format type 3 (protocols.md (a)).
 *
 * Layout from the opening flag at offset 0: format (2) at 1, addresses, control,
 * HCS (2), information, FCS (2), closing flag at L + 1. DLMS HDLC has no byte
 * stuffing, so the frame is delimited by L alone and the closing flag is a check. */
#include <string.h>

#include "crc.h"
#include "hdlc.h"
#include "wire.h"

/* The format field's high nibble: frame format type 3. */
#define FORMAT_TYPE3     0xA0
#define FORMAT_TYPE_MASK 0xF0
#define FORMAT_SEGMENT   0x08
#define FORMAT_LEN_HIGH  0x07
#define CRC_LEN          2

enum parse_status { PARSE_NO, PARSE_MORE, PARSE_DONE };

/* Reads one address field starting at *pos: bytes up to the first with bit 0 set. */
static enum parse_status read_address(const uint8_t *buf, size_t avail, size_t *pos, uint8_t *addr,
				      uint8_t *len)
{
	for (uint8_t i = 0; i < HP_HDLC_ADDR_MAX; i++) {
		if (*pos >= avail)
			return PARSE_MORE;
		uint8_t b = buf[(*pos)++];
		addr[i] = b;
		if (b & 1) {
			*len = (uint8_t)(i + 1);
			return PARSE_DONE;
		}
	}
	return PARSE_NO;
}

/* Parses flag .. control and sets the information field bounds from L. *need is
 * the byte count that would let a MORE answer progress. */
static enum parse_status parse_header(const uint8_t *buf, size_t avail, struct hp_hdlc_header *h,
				      size_t *need)
{
	*need = 3;
	if (avail < 2)
		return PARSE_MORE;
	if (buf[0] != HP_HDLC_FLAG || (buf[1] & FORMAT_TYPE_MASK) != FORMAT_TYPE3)
		return PARSE_NO;
	if (avail < 3)
		return PARSE_MORE;
	h->segmented = (buf[1] & FORMAT_SEGMENT) != 0;
	h->length = (uint16_t)((buf[1] & FORMAT_LEN_HIGH) << 8 | buf[2]);
	size_t pos = 3;
	enum parse_status st = read_address(buf, avail, &pos, h->dst, &h->dst_len);
	if (st == PARSE_DONE)
		st = read_address(buf, avail, &pos, h->src, &h->src_len);
	if (st == PARSE_DONE && pos >= avail)
		st = PARSE_MORE;
	if (st != PARSE_DONE) {
		*need = pos + 1;
		return st;
	}
	h->control = buf[pos++];
	/* format..control is pos - 1 bytes; then either FCS only, or HCS + info + FCS. */
	size_t hdr = pos - 1;
	if (h->length == hdr + CRC_LEN) {
		h->has_info = false;
		h->info_off = pos;
		h->info_len = 0;
	} else if (h->length >= hdr + 2 * CRC_LEN) {
		h->has_info = true;
		h->info_off = pos + CRC_LEN;
		h->info_len = h->length - hdr - 2 * CRC_LEN;
	} else {
		return PARSE_NO;
	}
	*need = (size_t)h->length + 2;
	return PARSE_DONE;
}

/* The check bytes at p against the CRC over [start, p), sent low byte first. */
static bool crc_ok(const uint8_t *buf, size_t start, size_t at, uint16_t *computed)
{
	*computed = hp_crc16_x25(buf + start, at - start);
	return hp_le16(buf + at) == *computed;
}

/* A type-3 format and a length, but an address field that does not end within
 * HP_HDLC_ADDR_MAX bytes: a frame whose header took a bit error. Delimited by its
 * length and closing flag, its FCS tells; left alone, the LLC and APDU inside it
 * would be found as a bare frame and decoded from damaged bytes. */
static bool damaged_address(const uint8_t *buf, size_t avail, struct hp_probe_result *res)
{
	if (avail < 3 || buf[0] != HP_HDLC_FLAG || (buf[1] & FORMAT_TYPE_MASK) != FORMAT_TYPE3)
		return false;
	size_t pos = 3;
	uint8_t addr[HP_HDLC_ADDR_MAX], len;
	if (read_address(buf, avail, &pos, addr, &len) == PARSE_DONE &&
	    read_address(buf, avail, &pos, addr, &len) != PARSE_NO)
		return false; /* the addresses end where they should: not this case */
	size_t total = (size_t)((buf[1] & FORMAT_LEN_HIGH) << 8 | buf[2]) + 2;
	/* Too short to hold the unterminated address it was read with. */
	if (total < 3 + HP_HDLC_ADDR_MAX + CRC_LEN)
		return false;
	if (avail < total) {
		res->status = HP_PROBE_MORE;
		res->len = total;
		return true;
	}
	uint16_t fcs;
	size_t fcs_at = total - 1 - CRC_LEN;
	if (buf[total - 1] != HP_HDLC_FLAG || crc_ok(buf, 1, fcs_at, &fcs))
		return false;
	res->status = HP_PROBE_BAD;
	res->len = total;
	hp_error_set(&res->error, HP_ERR_CRC,
		     "FCS: frame has %04X, computed %04X (address field damaged)",
		     hp_le16(buf + fcs_at), fcs);
	return true;
}

void hp_hdlc_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res)
{
	(void)at_eof;
	struct hp_hdlc_header h;
	size_t need;
	res->len = 0;
	res->error.code = HP_ERR_NONE;
	enum parse_status st = parse_header(buf, avail, &h, &need);
	if (st == PARSE_NO && damaged_address(buf, avail, res))
		return;
	if (st != PARSE_DONE) {
		res->status = st == PARSE_NO ? HP_PROBE_NO : HP_PROBE_MORE;
		res->len = st == PARSE_NO ? 0 : need;
		return;
	}
	size_t total = need;
	size_t hcs_at = h.info_off - CRC_LEN;
	uint16_t hcs = 0;
	bool hcs_known = h.has_info && avail >= hcs_at + CRC_LEN;
	bool hcs_good = hcs_known && crc_ok(buf, 1, hcs_at, &hcs);
	if (avail < total) {
		res->status = HP_PROBE_MORE;
		res->len = total;
		if (hcs_good)
			res->error.code = HP_ERR_TRUNCATED;
		return;
	}
	if (buf[total - 1] != HP_HDLC_FLAG) {
		/* Bytes went missing (or this was no frame): garbage, never an error. */
		res->status = HP_PROBE_NO;
		res->len = hcs_good ? total : 0;
		return;
	}
	res->len = total;
	if (h.has_info && !hcs_good) {
		res->status = HP_PROBE_BAD;
		hp_error_set(&res->error, HP_ERR_CRC, "HCS: frame has %04X, computed %04X",
			     hp_le16(buf + hcs_at), hcs);
		return;
	}
	uint16_t fcs;
	size_t fcs_at = total - 1 - CRC_LEN;
	if (!crc_ok(buf, 1, fcs_at, &fcs)) {
		res->status = HP_PROBE_BAD;
		hp_error_set(&res->error, HP_ERR_CRC, "FCS: frame has %04X, computed %04X",
			     hp_le16(buf + fcs_at), fcs);
		return;
	}
	res->status = HP_PROBE_FRAME;
}

bool hp_hdlc_header_ok(const uint8_t *buf, size_t avail)
{
	struct hp_hdlc_header h;
	size_t need;
	uint16_t hcs;
	return parse_header(buf, avail, &h, &need) == PARSE_DONE && h.has_info &&
	       avail >= h.info_off && crc_ok(buf, 1, h.info_off - CRC_LEN, &hcs);
}

bool hp_hdlc_header(const uint8_t *frame, size_t len, struct hp_hdlc_header *h)
{
	size_t need;
	memset(h, 0, sizeof(*h));
	return parse_header(frame, len, h, &need) == PARSE_DONE && need <= len;
}
