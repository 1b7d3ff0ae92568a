/* MEP envelopes (mep.md sections 2-4): request frames out, response frames in. */
#include <string.h>

#include "mep.h"
#include "wire.h"

const char *hp_mep_code_name(uint8_t code)
{
	switch (code) {
	case HP_MEP_OK:
		return "ok";
	case HP_MEP_ERR_UNRECOGNIZED:
		return "unrecognized";
	case HP_MEP_ERR_UNSUPPORTED:
		return "unsupported";
	case HP_MEP_ERR_PERMISSION:
		return "no permission";
	case HP_MEP_ERR_NOT_POSSIBLE:
		return "operation not possible";
	case HP_MEP_ERR_TABLE_OP:
		return "table operation not possible";
	case HP_MEP_ERR_AUTH:
		return "authentication failure";
	case HP_MEP_ERR_SEQUENCE:
		return "invalid sequence number";
	default:
		return "unknown";
	}
}

size_t hp_mep_apdu_full_read(uint8_t *out, size_t cap, uint16_t table)
{
	if (cap < 5)
		return 0;
	out[0] = HP_MEP_OP_FULL_READ;
	hp_put_be16(out + 1, table);
	/* 512: the longest reply the firmware accepts. */
	hp_put_be16(out + 3, 0x0200);
	return 5;
}

size_t hp_mep_apdu_partial_read(uint8_t *out, size_t cap, uint16_t table, uint32_t offset,
				uint16_t count)
{
	if (cap < 8 || offset > 0xFFFFFF)
		return 0;
	out[0] = HP_MEP_OP_PARTIAL_READ;
	hp_put_be16(out + 1, table);
	out[3] = (uint8_t)(offset >> 16);
	out[4] = (uint8_t)(offset >> 8);
	out[5] = (uint8_t)offset;
	hp_put_be16(out + 6, count);
	return 8;
}

size_t hp_mep_apdu_procedure(uint8_t *out, size_t cap, uint16_t procedure, uint8_t ss,
			     const uint8_t *params, size_t n)
{
	size_t len = 8 + n;
	if (cap < len || n > 0xFFFF - 3)
		return 0;
	out[0] = HP_MEP_OP_FULL_WRITE;
	hp_put_be16(out + 1, HP_MEP_BT07);
	hp_put_be16(out + 3, (uint16_t)(3 + n));
	/* The procedure id is the one little-endian field of the request. */
	hp_put_le16(out + 5, procedure);
	out[7] = ss;
	if (n > 0)
		memcpy(out + 8, params, n);
	return len;
}

size_t hp_mep_apdu_ep39(uint8_t *out, size_t cap, uint8_t ss)
{
	/* 04 scheduled read data + alarms, 01 success, 0x0006 LE bytes of placeholder data. */
	static const uint8_t params[] = {0x04, 0x01, 0x06, 0x00, 1, 2, 3, 4, 5, 6};
	return hp_mep_apdu_procedure(out, cap, HP_MEP_EP39, ss, params, sizeof(params));
}

size_t hp_mep_request(const uint8_t key[HP_MEP_KEY_LEN], const uint8_t *apdu, size_t n,
		      uint32_t seq, uint8_t *out, size_t cap)
{
	size_t len = 2 + n + 4 + HP_MEP_DIGEST_LEN;
	if (cap < len || n > HP_MEP_APDU_MAX)
		return 0;
	hp_put_be16(out, (uint16_t)(len - 2));
	memcpy(out + 2, apdu, n);
	hp_put_be32(out + 2 + n, seq);
	/* The digest covers APDU || SEQ: neither LEN nor itself. */
	hp_mep_digest(key, HP_MEP_KEY_LEN, out + 2, n + 4, out + 6 + n);
	return len;
}

void hp_mep_framer_init(struct hp_mep_framer *f)
{
	f->have = 0;
	f->dropped = 0;
}

void hp_mep_framer_reset(struct hp_mep_framer *f)
{
	f->dropped += f->have;
	f->have = 0;
}

bool hp_mep_framer_partial(const struct hp_mep_framer *f)
{
	return f->have > 0;
}

enum hp_mep_frame_kind hp_mep_framer_byte(struct hp_mep_framer *f, uint8_t b, const uint8_t **frame,
					  size_t *len)
{
	f->buf[f->have++] = b;
	if (f->have < 2)
		return HP_MEP_FRAME_NONE;
	size_t declared = (size_t)f->buf[0] << 8 | f->buf[1];
	if (f->have == 2) {
		if (declared == 0) {
			f->have = 0;
			*frame = f->buf;
			*len = 2;
			return HP_MEP_FRAME_ALERT;
		}
		if (declared > HP_MEP_LEN_MAX) {
			/* Noise: drop one byte, the next may start a frame. */
			f->buf[0] = f->buf[1];
			f->have = 1;
			f->dropped++;
			return HP_MEP_FRAME_NONE;
		}
		return HP_MEP_FRAME_NONE;
	}
	if (f->have < declared + 2)
		return HP_MEP_FRAME_NONE;
	*frame = f->buf;
	*len = f->have;
	f->have = 0;
	return HP_MEP_FRAME_RESPONSE;
}

int hp_mep_response_parse(const uint8_t *frame, size_t len, struct hp_mep_response *r,
			  struct hp_error *err)
{
	memset(r, 0, sizeof(*r));
	if (len < 3 || (((size_t)frame[0] << 8) | frame[1]) + 2 != len) {
		hp_error_set(err, HP_ERR_MALFORMED, "MEP response of %zu bytes without a code",
			     len);
		return -1;
	}
	size_t declared = len - 2;
	r->code = frame[2];
	r->body = frame + 3;
	r->body_len = len - 3;
	if (r->code == HP_MEP_ERR_SEQUENCE) {
		if (r->body_len < 4) {
			hp_error_set(err, HP_ERR_MALFORMED,
				     "MEP code 0C without the expected sequence number");
			return -1;
		}
		r->expected_seq = hp_be32(frame + 3);
		return 0;
	}
	/* A bare 00 answers a write; a read's 00 carries COUNT and the table data. */
	if (r->code == HP_MEP_OK && r->body_len >= 2) {
		size_t count = (size_t)frame[3] << 8 | frame[4];
		if (count > declared - 3) {
			hp_error_set(err, HP_ERR_MALFORMED,
				     "MEP COUNT %zu runs past the frame (LEN %zu)", count,
				     declared);
			return -1;
		}
		r->has_data = true;
		r->data = frame + 5;
		r->data_len = count;
	}
	return 0;
}
