/* DSMR lexical pieces (protocols-dsmr-serial.md (h)): OBIS codes, decimal numbers,
 * units and timestamps. Private to the DSMR decoder; everything works on text spans
 * (pointer + end, no NUL) and never reads outside them.
 *
 * The scanners run on every line of every telegram, so their common paths are inline
 * here (the decoder's line loop inlines them); the rare paths are in dsmr_lex.c. */
#ifndef HP_CORE_DSMR_LEX_H
#define HP_CORE_DSMR_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/reading.h"

/* OBIS A-B:C.D.E packed into one integer: a table key. */
#define HP_DSMR_OBIS(a, b, c, d, e)                                                                \
	(((uint64_t)(a) << 32) | ((uint64_t)(b) << 24) | ((uint64_t)(c) << 16) |                   \
	 ((uint64_t)(d) << 8) | (uint64_t)(e))

/* The longest OBIS text, "255-255:255.255.255*255". */
#define HP_DSMR_OBIS_TEXT_MAX 23

static inline unsigned hp_dsmr_digit(char c)
{
	return (unsigned)(unsigned char)c - '0';
}

/* One OBIS field of 1..3 digits (at most 255), in text known to go on for
 * HP_DSMR_OBIS_TEXT_MAX bytes. Returns the end, NULL if none. */
static inline const char *hp_dsmr_obis_field_fast(const char *s, unsigned *v)
{
	unsigned x = hp_dsmr_digit(s[0]), d;
	if (x > 9)
		return NULL;
	s++;
	if ((d = hp_dsmr_digit(*s)) <= 9) {
		x = x * 10 + d;
		s++;
		if ((d = hp_dsmr_digit(*s)) <= 9) {
			x = x * 10 + d;
			s++;
		}
	}
	if (x > 255)
		return NULL;
	*v = x;
	return s;
}

/* The same and the separator after it. */
static inline const char *hp_dsmr_obis_field_sep_fast(const char *s, unsigned *v, char sep)
{
	s = hp_dsmr_obis_field_fast(s, v);
	return s != NULL && *s == sep ? s + 1 : NULL;
}

/* A-B:C.D.E[*F] at s..e; returns its end, NULL when s does not start with a code.
 * *f is 255 when no suffix was sent. */
const char *hp_dsmr_obis_scan_checked(const char *s, const char *e, uint64_t *key, unsigned *f);

/* The same; text that goes on for more than HP_DSMR_OBIS_TEXT_MAX bytes (every line
 * but the last ones) needs no end checks. */
static inline const char *hp_dsmr_obis_scan(const char *s, const char *e, uint64_t *key,
					    unsigned *f)
{
	if (e - s <= HP_DSMR_OBIS_TEXT_MAX)
		return hp_dsmr_obis_scan_checked(s, e, key, f);
	unsigned a, b, c, d, x;
	/* Nearly every code has one-digit A and B ("1-0:", "0-1:"): one test for both. */
	if (s[1] == '-' && s[3] == ':' && (a = hp_dsmr_digit(s[0])) <= 9 &&
	    (b = hp_dsmr_digit(s[2])) <= 9)
		s += 4;
	else if (!(s = hp_dsmr_obis_field_sep_fast(s, &a, '-')) ||
		 !(s = hp_dsmr_obis_field_sep_fast(s, &b, ':')))
		return NULL;
	if (!(s = hp_dsmr_obis_field_sep_fast(s, &c, '.')) ||
	    !(s = hp_dsmr_obis_field_sep_fast(s, &d, '.')) || !(s = hp_dsmr_obis_field_fast(s, &x)))
		return NULL;
	*f = 255;
	if (*s == '*' && !(s = hp_dsmr_obis_field_fast(s + 1, f)))
		return NULL;
	*key = HP_DSMR_OBIS(a, b, c, d, x);
	return s;
}

/* Parses "A-B:C.D.E[*F]" at p[0..n): the bytes used, 0 when there is no code. */
size_t hp_dsmr_parse_obis(const char *p, size_t n, uint64_t *key, unsigned *f);

/* A decimal as sent: value = mant x 10^exp10. */
struct hp_dsmr_decimal {
	int64_t mant;
	int exp10;
};

/* Significant digits kept in the int64 mantissa: 10^18 < 2^63. Meters send at most
 * 15 (EasyMeter's 8.7-digit registers). */
#define HP_DSMR_MANTISSA_DIGITS 18

/* Eight bytes at p, the first in the low bits (explicit little-endian). */
static inline uint64_t hp_dsmr_le64(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
	       (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 |
	       (uint64_t)u[7] << 56;
}

/* 0x80 in each byte of x that is zero, 0 elsewhere (exact: no carry between bytes). */
static inline uint64_t hp_dsmr_zero_bytes(uint64_t x)
{
	const uint64_t low7 = 0x7F7F7F7F7F7F7F7Fu;
	return ~(((x & low7) + low7) | x | low7);
}

/* The run of digits at the start of w (text, first byte in the low bits), at most 8:
 * returns its length and sets *value, eight digits at a time (SWAR). */
static inline unsigned hp_dsmr_digits8(uint64_t w, uint64_t *value)
{
	const uint64_t ones = 0x0101010101010101u;
	/* Per byte c - '0'; a byte below '0' borrows only from the bytes after it, which
	 * are past the first non-digit anyway. A byte is a digit when that is <= 9. */
	uint64_t t = w - '0' * ones;
	uint64_t non_digit = ((t + 0x76 * ones) | t) & 0x80 * ones;
	unsigned n = non_digit ? (unsigned)__builtin_ctzll(non_digit) >> 3 : 8;
	if (n == 0) {
		*value = 0;
		return 0;
	}
	/* Leading zero digits in place of the bytes after the run, then pairs, quads,
	 * eights: the first byte is the most significant digit. */
	t <<= 8 * (8 - n);
	t = ((t & 0x0F0F0F0F0F0F0F0Fu) * (10 * 256 + 1)) >> 8;
	t = ((t & 0x00FF00FF00FF00FFu) * (100 * 65536 + 1)) >> 16;
	t = ((t & 0x0000FFFF0000FFFFu) * (10000 * (UINT64_C(1) << 32) + 1)) >> 32;
	*value = t;
	return n;
}

/* Bytes the word-wise number scan reads: 8 integer digits, '.', 8 fraction digits. */
#define HP_DSMR_DECIMAL_READ 17

/* Powers of ten up to 10^8, for joining the fraction digits. */
static inline uint64_t hp_dsmr_pow10_u64(unsigned n)
{
	static const uint64_t pow10[9] = {1,      10,      100,      1000,     10000,
					  100000, 1000000, 10000000, 100000000};
	return pow10[n];
}

/* Numbers with more digits than the fast path takes. */
const char *hp_dsmr_decimal_scan_long(const char *s, const char *e, struct hp_dsmr_decimal *out);

/* Digits at s, before lim, into *m (m * 10 + d each); returns the end of the digits. */
static inline const char *hp_dsmr_add_digits(const char *s, const char *lim, uint64_t *m)
{
	uint64_t x = *m;
	unsigned d;
	for (; s < lim && (d = hp_dsmr_digit(*s)) <= 9; s++)
		x = x * 10 + d;
	*m = x;
	return s;
}

/* [+-]digits[.digits] at s..e; returns its end, NULL when no number starts there. */
static inline const char *hp_dsmr_decimal_scan(const char *s, const char *e,
					       struct hp_dsmr_decimal *out)
{
	const char *start = s;
	bool neg = false;
	if (s < e && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	if (e - s >= HP_DSMR_DECIMAL_READ) {
		/* Word-wise: up to 8 digits, '.', up to 8 digits. */
		uint64_t whole, frac = 0;
		unsigned n = hp_dsmr_digits8(hp_dsmr_le64(s), &whole), nf = 0;
		if (n < 8) {
			const char *q = s + n;
			if (*q == '.') {
				nf = hp_dsmr_digits8(hp_dsmr_le64(q + 1), &frac);
				q += 1 + nf;
			}
			if (nf < 8 && n + nf > 0) {
				uint64_t m = whole * hp_dsmr_pow10_u64(nf) + frac;
				out->mant = neg ? -(int64_t)m : (int64_t)m;
				out->exp10 = -(int)nf;
				return q;
			}
			if (n + nf == 0)
				return NULL;
		}
	}
	/* Up to HP_DSMR_MANTISSA_DIGITS digits in all cannot overflow. */
	size_t room = HP_DSMR_MANTISSA_DIGITS;
	uint64_t m = 0;
	const char *q = hp_dsmr_add_digits(s, (size_t)(e - s) > room ? s + room : e, &m);
	size_t digits = (size_t)(q - s);
	int exp10 = 0;
	if (q < e && *q == '.') {
		const char *frac = q + 1;
		room -= digits;
		q = hp_dsmr_add_digits(frac, (size_t)(e - frac) > room ? frac + room : e, &m);
		exp10 = -(int)(q - frac);
		digits += (size_t)(q - frac);
	}
	if (q < e && hp_dsmr_digit(*q) <= 9)
		return hp_dsmr_decimal_scan_long(start, e, out);
	if (digits == 0)
		return NULL;
	out->mant = neg ? -(int64_t)m : (int64_t)m;
	out->exp10 = exp10;
	return q;
}

/* Parses [+-]digits[.digits] at the start of p[0..n): returns the bytes used, 0 when
 * no number starts there. */
size_t hp_dsmr_scan_decimal(const char *p, size_t n, struct hp_dsmr_decimal *out);

/* The same filling all of p[0..n); false for anything else. */
bool hp_dsmr_parse_decimal(const char *p, size_t n, struct hp_dsmr_decimal *out);

/* Powers of ten beyond 10^22 are not exact in a double. */
#define HP_DSMR_POW10_EXACT 22

/* mant x 10^exp10: one multiplication or division by an exact power of ten, so the
 * nearest double when mant is exact (123456 x 10^-3 is the double nearest 123.456). */
static inline double hp_dsmr_value(int64_t mant, int exp10)
{
	static const double pow10[HP_DSMR_POW10_EXACT + 1] = {
	    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	double m = (double)mant;
	if (exp10 >= 0) {
		for (; exp10 > HP_DSMR_POW10_EXACT; exp10 -= HP_DSMR_POW10_EXACT)
			m *= pow10[HP_DSMR_POW10_EXACT];
		return m * pow10[exp10];
	}
	int e = -exp10;
	for (; e > HP_DSMR_POW10_EXACT; e -= HP_DSMR_POW10_EXACT)
		m /= pow10[HP_DSMR_POW10_EXACT];
	return m / pow10[e];
}

/* What a DSMR unit measures, after conversion to the reading model's unit. */
enum hp_dsmr_qty {
	HP_DSMR_QTY_NONE, /* no unit sent: counters, tariff, power factor */
	HP_DSMR_QTY_W,
	HP_DSMR_QTY_VAR,
	HP_DSMR_QTY_KWH,
	HP_DSMR_QTY_KVARH,
	HP_DSMR_QTY_V,
	HP_DSMR_QTY_A,
	HP_DSMR_QTY_HZ,
	HP_DSMR_QTY_M3,
	HP_DSMR_QTY_GJ,
	HP_DSMR_QTY_S,
	HP_DSMR_QTY_UNKNOWN /* a unit the table does not know: the value is dropped */
};

struct hp_dsmr_unit {
	enum hp_dsmr_qty qty;
	int exp10;        /* kW -> W: +3, Wh -> kWh: -3 */
	const char *name; /* the reading model's spelling: "W", "kWh", "m3", ... */
};

/* The longest unit in the table ("kvarh"); longer text is not a known unit. */
#define HP_DSMR_UNIT_MAX 5

/* A unit's i-th character, lower case, in place for the packed key. */
static inline uint64_t hp_dsmr_unit_char(char ch, size_t i)
{
	unsigned c = (unsigned char)ch;
	c += (c - 'A' < 26u) << 5;
	return (uint64_t)c << (8 * i);
}

/* The unit text "xyz)" at u, with 8 bytes readable there: returns its length and
 * packed key, or -1 when no ')' comes within 8 bytes. Lower-cases with | 0x20, which
 * is exact for letters and digits (a control byte could alias, but the probe lets none
 * into a telegram). */
static inline int hp_dsmr_unit_scan8(const char *u, uint64_t *key)
{
	const uint64_t ones = 0x0101010101010101u;
	uint64_t w = hp_dsmr_le64(u);
	uint64_t close = hp_dsmr_zero_bytes(w ^ ')' * ones);
	if (close == 0)
		return -1;
	int n = __builtin_ctzll(close) >> 3;
	*key = n == 0 ? 0 : (w | 0x20 * ones) & (~UINT64_C(0) >> (64 - 8 * n));
	return n;
}

/* Looks up a packed unit key (hp_dsmr_unit_char of each character); 0 = no unit. */
struct hp_dsmr_unit hp_dsmr_unit_by_key(uint64_t key);

/* Looks up a unit, case-insensitively; an empty unit gives HP_DSMR_QTY_NONE. */
struct hp_dsmr_unit hp_dsmr_unit(const char *p, size_t n);

/* A value group "number[*unit]" split and converted. */
struct hp_dsmr_quantity {
	double value;
	struct hp_dsmr_unit unit;
	const char *unit_text; /* as sent, for the trace */
	size_t unit_len;
};

/* Parses "number" or "number*unit"; false when the number is not a decimal. */
bool hp_dsmr_parse_quantity(const char *p, size_t n, struct hp_dsmr_quantity *q);

enum hp_dsmr_time_status {
	HP_DSMR_TIME_OK,
	HP_DSMR_TIME_PLACEHOLDER, /* year 00 or 70: the meter has no time */
	HP_DSMR_TIME_INVALID,     /* wrong length, not digits, or a field out of range */
};

/* Parses YYMMDDhhmmss[S|W] into "20YY-MM-DDThh:mm:ss" (out gets "" unless OK).
 * *dst is 1 for S, 0 for W, -1 without the letter (DSMR 2.2/3 24.3.0). */
enum hp_dsmr_time_status hp_dsmr_parse_time(const char *p, size_t n, char out[HP_TIME_MAX],
					    int8_t *dst);

#endif
