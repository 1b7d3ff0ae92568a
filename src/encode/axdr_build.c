/* A-XDR values, COSEM date-time and the data-notification header
 * (protocols.md (d) length rule, (e)). */
#include <string.h>

#include "encode.h"

void hp_enc_length_form(struct hp_buf *b, size_t n, unsigned nbytes)
{
	if (nbytes == 0) {
		if (n < 0x80) {
			hp_buf_u8(b, (uint8_t)n);
			return;
		}
		nbytes = 1;
		while (nbytes < 4 && ((uint64_t)n >> (8 * nbytes)) != 0)
			nbytes++;
	}
	if (nbytes > 4 || ((uint64_t)n >> (8 * nbytes)) != 0) {
		hp_buf_fail(b); /* does not fit the asked form */
		return;
	}
	hp_buf_u8(b, (uint8_t)(0x80 | nbytes));
	for (unsigned i = nbytes; i-- > 0;)
		hp_buf_u8(b, (uint8_t)(n >> (8 * i)));
}

void hp_enc_length(struct hp_buf *b, size_t n)
{
	hp_enc_length_form(b, n, 0);
}

static void tag_count(struct hp_buf *b, uint8_t tag, size_t count)
{
	hp_buf_u8(b, tag);
	hp_enc_length(b, count);
}

void hp_enc_structure(struct hp_buf *b, size_t count)
{
	tag_count(b, HP_AXDR_STRUCTURE, count);
}

void hp_enc_array(struct hp_buf *b, size_t count)
{
	tag_count(b, HP_AXDR_ARRAY, count);
}

void hp_enc_null(struct hp_buf *b)
{
	hp_buf_u8(b, HP_AXDR_NULL);
}

void hp_enc_bool(struct hp_buf *b, bool v)
{
	hp_buf_u8(b, HP_AXDR_BOOLEAN);
	hp_buf_u8(b, v ? 1 : 0);
}

void hp_enc_u8(struct hp_buf *b, uint8_t v)
{
	hp_buf_u8(b, HP_AXDR_UNSIGNED);
	hp_buf_u8(b, v);
}

void hp_enc_i8(struct hp_buf *b, int8_t v)
{
	hp_buf_u8(b, HP_AXDR_INTEGER);
	hp_buf_u8(b, (uint8_t)v);
}

void hp_enc_u16(struct hp_buf *b, uint16_t v)
{
	hp_buf_u8(b, HP_AXDR_LONG_UNSIGNED);
	hp_buf_be16(b, v);
}

void hp_enc_i16(struct hp_buf *b, int16_t v)
{
	hp_buf_u8(b, HP_AXDR_LONG);
	hp_buf_be16(b, (uint16_t)v);
}

void hp_enc_u32(struct hp_buf *b, uint32_t v)
{
	hp_buf_u8(b, HP_AXDR_DOUBLE_LONG_UNSIGNED);
	hp_buf_be32(b, v);
}

void hp_enc_i32(struct hp_buf *b, int32_t v)
{
	hp_buf_u8(b, HP_AXDR_DOUBLE_LONG);
	hp_buf_be32(b, (uint32_t)v);
}

void hp_enc_u64(struct hp_buf *b, uint64_t v)
{
	hp_buf_u8(b, HP_AXDR_LONG64_UNSIGNED);
	hp_buf_be64(b, v);
}

void hp_enc_i64(struct hp_buf *b, int64_t v)
{
	hp_buf_u8(b, HP_AXDR_LONG64);
	hp_buf_be64(b, (uint64_t)v);
}

void hp_enc_enum(struct hp_buf *b, uint8_t v)
{
	hp_buf_u8(b, HP_AXDR_ENUM);
	hp_buf_u8(b, v);
}

/* Range and width of each fixed-size integer tag. */
struct int_type {
	uint8_t tag, width;
	int64_t min, max;
};

static const struct int_type int_types[] = {
    {HP_AXDR_DOUBLE_LONG, 4, INT32_MIN, INT32_MAX},
    {HP_AXDR_DOUBLE_LONG_UNSIGNED, 4, 0, UINT32_MAX},
    {HP_AXDR_INTEGER, 1, INT8_MIN, INT8_MAX},
    {HP_AXDR_LONG, 2, INT16_MIN, INT16_MAX},
    {HP_AXDR_UNSIGNED, 1, 0, UINT8_MAX},
    {HP_AXDR_LONG_UNSIGNED, 2, 0, UINT16_MAX},
    {HP_AXDR_LONG64, 8, INT64_MIN, INT64_MAX},
    {HP_AXDR_LONG64_UNSIGNED, 8, 0, INT64_MAX}, /* the values builders hold fit int64 */
    {HP_AXDR_ENUM, 1, 0, UINT8_MAX},
};

void hp_enc_integer(struct hp_buf *b, uint8_t tag, int64_t v)
{
	for (size_t i = 0; i < sizeof(int_types) / sizeof(int_types[0]); i++) {
		const struct int_type *t = &int_types[i];
		if (t->tag != tag)
			continue;
		if (v < t->min)
			v = t->min;
		if (v > t->max)
			v = t->max;
		hp_buf_u8(b, tag);
		for (unsigned k = t->width; k-- > 0;)
			hp_buf_u8(b, (uint8_t)((uint64_t)v >> (8 * k)));
		return;
	}
	hp_buf_fail(b);
}

void hp_enc_octets(struct hp_buf *b, const uint8_t *p, size_t n)
{
	tag_count(b, HP_AXDR_OCTET_STRING, n);
	hp_buf_put(b, p, n);
}

void hp_enc_octet_text(struct hp_buf *b, const char *s)
{
	hp_enc_octets(b, (const uint8_t *)s, strlen(s));
}

void hp_enc_visible(struct hp_buf *b, const char *s)
{
	size_t n = strlen(s);
	tag_count(b, HP_AXDR_VISIBLE_STRING, n);
	hp_buf_put(b, s, n);
}

void hp_enc_obis(struct hp_buf *b, const uint8_t obis[6])
{
	hp_enc_octets(b, obis, 6);
}

void hp_enc_scaler_unit(struct hp_buf *b, int8_t scaler, uint8_t unit)
{
	hp_enc_structure(b, 2);
	hp_enc_i8(b, scaler);
	hp_enc_enum(b, unit);
}

uint8_t hp_enc_weekday(uint16_t year, uint8_t month, uint8_t day)
{
	/* Sakamoto's method: 0 = Sunday. */
	static const int offs[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
	int y = year;
	if (month < 1 || month > 12)
		return 0xFF;
	if (month < 3)
		y -= 1;
	int w = (y + y / 4 - y / 100 + y / 400 + offs[month - 1] + day) % 7;
	return (uint8_t)(w == 0 ? 7 : w);
}

void hp_enc_datetime_raw(struct hp_buf *b, const struct hp_enc_datetime *dt)
{
	uint8_t wd = dt->weekday;
	if (wd == 0)
		wd = hp_enc_weekday(dt->year, dt->month, dt->day);
	hp_buf_be16(b, dt->year);
	hp_buf_u8(b, dt->month);
	hp_buf_u8(b, dt->day);
	hp_buf_u8(b, wd);
	hp_buf_u8(b, dt->hour);
	hp_buf_u8(b, dt->minute);
	hp_buf_u8(b, dt->second);
	hp_buf_u8(b, dt->hundredths);
	hp_buf_be16(b, (uint16_t)dt->deviation); /* INT16_MIN is 80 00, "not specified" */
	hp_buf_u8(b, dt->status);
}

void hp_enc_datetime_octets(struct hp_buf *b, const struct hp_enc_datetime *dt)
{
	hp_buf_u8(b, HP_AXDR_OCTET_STRING);
	hp_buf_u8(b, HP_DATETIME_LEN);
	hp_enc_datetime_raw(b, dt);
}

void hp_enc_dn_header(struct hp_buf *b, uint32_t invoke_id, enum hp_enc_dt_form form,
		      const struct hp_enc_datetime *dt)
{
	hp_buf_u8(b, 0x0F);
	hp_buf_be32(b, invoke_id);
	switch (form) {
	case HP_DT_ABSENT:
		hp_buf_u8(b, 0x00);
		return;
	case HP_DT_BARE:
		hp_buf_u8(b, HP_DATETIME_LEN);
		break;
	case HP_DT_OCTET:
		hp_buf_u8(b, HP_AXDR_OCTET_STRING);
		hp_buf_u8(b, HP_DATETIME_LEN);
		break;
	case HP_DT_TAGGED:
		hp_buf_u8(b, HP_AXDR_DATE_TIME);
		break;
	}
	hp_enc_datetime_raw(b, dt);
}

void hp_enc_llc(struct hp_buf *b)
{
	static const uint8_t llc[3] = {0xE6, 0xE7, 0x00};
	hp_buf_put(b, llc, sizeof(llc));
}
