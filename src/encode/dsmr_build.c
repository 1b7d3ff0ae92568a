/* DSMR / P1 telegrams (protocols-dsmr-serial.md (h)). */
#include "crc.h"
#include "encode.h"

void hp_enc_dsmr_eol(struct hp_enc_dsmr *t)
{
	hp_buf_str(t->b, t->lf_only ? "\n" : "\r\n");
}

void hp_enc_dsmr_begin(struct hp_enc_dsmr *t, struct hp_buf *b, const char *ident, bool lf_only,
		       enum hp_enc_dsmr_crc crc)
{
	t->b = b;
	t->start = b->len;
	t->lf_only = lf_only;
	t->crc = crc;
	hp_buf_u8(b, '/');
	hp_buf_str(b, ident);
	hp_enc_dsmr_eol(t);
	hp_enc_dsmr_eol(t);
}

void hp_enc_dsmr_line(struct hp_enc_dsmr *t, const char *text)
{
	hp_buf_str(t->b, text);
	hp_enc_dsmr_eol(t);
}

/* The CRC as hex digits: 4 padded, or without leading zeros (at least one digit). */
static void put_crc_hex(struct hp_buf *b, uint16_t crc, enum hp_enc_dsmr_crc form)
{
	const char *digits = form == HP_DSMR_CRC_LOWER ? "0123456789abcdef" : "0123456789ABCDEF";
	bool started = form != HP_DSMR_CRC_UNPADDED;
	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned d = (crc >> shift) & 15;
		if (d != 0 || shift == 0)
			started = true;
		if (started)
			hp_buf_u8(b, (uint8_t)digits[d]);
	}
}

uint16_t hp_enc_dsmr_end(struct hp_enc_dsmr *t)
{
	struct hp_buf *b = t->b;
	uint16_t crc = 0;
	hp_buf_u8(b, '!');
	if (hp_buf_ok(b))
		crc = hp_crc16_arc(b->p + t->start, b->len - t->start);
	if (t->crc != HP_DSMR_CRC_NONE)
		put_crc_hex(b, crc, t->crc);
	hp_enc_dsmr_eol(t);
	return crc;
}

void hp_enc_dsmr_timestamp(struct hp_buf *b, const struct hp_enc_datetime *dt, bool with_dst)
{
	hp_buf_dec(b, dt->year % 100, 2);
	hp_buf_dec(b, dt->month, 2);
	hp_buf_dec(b, dt->day, 2);
	hp_buf_dec(b, dt->hour, 2);
	hp_buf_dec(b, dt->minute, 2);
	hp_buf_dec(b, dt->second, 2);
	if (with_dst)
		hp_buf_u8(b, (dt->status & 0x80) != 0 && dt->status != 0xFF ? 'S' : 'W');
}
