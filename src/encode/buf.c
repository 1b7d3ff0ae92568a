/* The bounded output buffer every builder appends to. */
#include <math.h>
#include <string.h>

#include "encode.h"

void hp_buf_init(struct hp_buf *b, uint8_t *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = mem == NULL ? 0 : cap;
	b->overflow = false;
}

bool hp_buf_ok(const struct hp_buf *b)
{
	return !b->overflow;
}

void hp_buf_fail(struct hp_buf *b)
{
	b->overflow = true;
}

void hp_buf_put(struct hp_buf *b, const void *src, size_t n)
{
	if (b->overflow)
		return;
	if (n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (n > 0)
		memcpy(b->p + b->len, src, n);
	b->len += n;
}

void hp_buf_u8(struct hp_buf *b, uint8_t v)
{
	hp_buf_put(b, &v, 1);
}

void hp_buf_be16(struct hp_buf *b, uint16_t v)
{
	uint8_t t[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	hp_buf_put(b, t, sizeof(t));
}

void hp_buf_be32(struct hp_buf *b, uint32_t v)
{
	hp_buf_be16(b, (uint16_t)(v >> 16));
	hp_buf_be16(b, (uint16_t)v);
}

void hp_buf_be64(struct hp_buf *b, uint64_t v)
{
	hp_buf_be32(b, (uint32_t)(v >> 32));
	hp_buf_be32(b, (uint32_t)v);
}

void hp_buf_le16(struct hp_buf *b, uint16_t v)
{
	uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	hp_buf_put(b, t, sizeof(t));
}

void hp_buf_str(struct hp_buf *b, const char *s)
{
	hp_buf_put(b, s, strlen(s));
}

/* Enough digits for any uint64 (20) plus padding requests up to this width. */
#define DEC_DIGITS_MAX 32

void hp_buf_dec(struct hp_buf *b, int64_t v, unsigned width)
{
	char t[DEC_DIGITS_MAX];
	size_t n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	if (width > DEC_DIGITS_MAX)
		width = DEC_DIGITS_MAX;
	do {
		t[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && n < DEC_DIGITS_MAX);
	while (n < width)
		t[n++] = '0';
	if (v < 0)
		hp_buf_u8(b, '-');
	while (n > 0)
		hp_buf_u8(b, (uint8_t)t[--n]);
}

/* Most fraction digits hp_buf_fixed writes: DSMR meters send up to 7 (EasyMeter), and
 * 10^9 keeps the scaled value well inside int64. */
#define FIXED_DECIMALS_MAX 9

/* 10^n for n <= FIXED_DECIMALS_MAX. */
static double pow10_small(unsigned n)
{
	double p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

void hp_buf_fixed(struct hp_buf *b, double value, unsigned int_digits, unsigned decimals)
{
	if (decimals > FIXED_DECIMALS_MAX)
		decimals = FIXED_DECIMALS_MAX;
	double scale = pow10_small(decimals);
	double x = value * scale;
	/* llround is undefined past int64: such a value is not a meter reading. */
	if (!(x > -9.2e18 && x < 9.2e18))
		x = 0;
	int64_t q = llround(x);
	uint64_t u = q < 0 ? (uint64_t)0 - (uint64_t)q : (uint64_t)q;
	uint64_t div = (uint64_t)scale;
	if (q < 0)
		hp_buf_u8(b, '-');
	hp_buf_dec(b, (int64_t)(u / div), int_digits);
	if (decimals == 0)
		return;
	hp_buf_u8(b, '.');
	hp_buf_dec(b, (int64_t)(u % div), decimals);
}

void hp_buf_hex(struct hp_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		hp_buf_u8(b, (uint8_t)digits[p[i] >> 4]);
		hp_buf_u8(b, (uint8_t)digits[p[i] & 15]);
	}
}
