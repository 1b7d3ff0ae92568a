/* DSMR lexical pieces: hand-written scanners, no sscanf/strtod (they run once per
 * value of every telegram). The common paths are inline in dsmr_lex.h. */
#include <string.h>

#include "dsmr_lex.h"

#define digit hp_dsmr_digit

/* One OBIS field: 1..3 decimal digits, at most 255. Returns the end, NULL if none. */
static const char *obis_field(const char *s, const char *e, unsigned *v)
{
	unsigned x, d;
	if (s >= e || (x = digit(*s)) > 9)
		return NULL;
	s++;
	if (s < e && (d = digit(*s)) <= 9) {
		x = x * 10 + d;
		s++;
		if (s < e && (d = digit(*s)) <= 9) {
			x = x * 10 + d;
			s++;
		}
	}
	if (x > 255)
		return NULL;
	*v = x;
	return s;
}

/* One field and the separator after it. */
static const char *obis_field_sep(const char *s, const char *e, unsigned *v, char sep)
{
	s = obis_field(s, e, v);
	if (s == NULL || s >= e || *s != sep)
		return NULL;
	return s + 1;
}

const char *hp_dsmr_obis_scan_checked(const char *s, const char *e, uint64_t *key, unsigned *f)
{
	unsigned a, b, c, d, x;
	if (!(s = obis_field_sep(s, e, &a, '-')) || !(s = obis_field_sep(s, e, &b, ':')) ||
	    !(s = obis_field_sep(s, e, &c, '.')) || !(s = obis_field_sep(s, e, &d, '.')) ||
	    !(s = obis_field(s, e, &x)))
		return NULL;
	*f = 255;
	if (s < e && *s == '*' && !(s = obis_field(s + 1, e, f)))
		return NULL;
	*key = HP_DSMR_OBIS(a, b, c, d, x);
	return s;
}

size_t hp_dsmr_parse_obis(const char *p, size_t n, uint64_t *key, unsigned *f)
{
	const char *s = hp_dsmr_obis_scan(p, p + n, key, f);
	return s ? (size_t)(s - p) : 0;
}

/* Digits for numbers longer than the mantissa: keeps HP_DSMR_MANTISSA_DIGITS
 * significant digits, counting dropped integer digits in the exponent. */
static const char *add_digits_capped(const char *s, const char *e, uint64_t *m, int *sig,
				     int *exp10, bool fraction)
{
	unsigned d;
	for (; s < e && (d = digit(*s)) <= 9; s++) {
		if (*sig < HP_DSMR_MANTISSA_DIGITS) {
			*m = *m * 10 + d;
			*sig += *m != 0;
			*exp10 -= fraction;
		} else if (!fraction) {
			(*exp10)++;
		}
	}
	return s;
}

const char *hp_dsmr_decimal_scan_long(const char *s, const char *e, struct hp_dsmr_decimal *out)
{
	bool neg = false;
	if (s < e && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	uint64_t m = 0;
	int sig = 0, exp10 = 0;
	const char *q = add_digits_capped(s, e, &m, &sig, &exp10, false);
	size_t digits = (size_t)(q - s);
	if (q < e && *q == '.') {
		const char *frac = q + 1;
		q = add_digits_capped(frac, e, &m, &sig, &exp10, true);
		digits += (size_t)(q - frac);
	}
	if (digits == 0)
		return NULL;
	out->mant = neg ? -(int64_t)m : (int64_t)m;
	out->exp10 = exp10;
	return q;
}

size_t hp_dsmr_scan_decimal(const char *p, size_t n, struct hp_dsmr_decimal *out)
{
	const char *s = hp_dsmr_decimal_scan(p, p + n, out);
	return s ? (size_t)(s - p) : 0;
}

bool hp_dsmr_parse_decimal(const char *p, size_t n, struct hp_dsmr_decimal *out)
{
	return n > 0 && hp_dsmr_scan_decimal(p, n, out) == n;
}

/* Units packed lower-case, one byte per character (hp_dsmr_unit_char), so that a
 * unit is one integer. */
#define K1(a)             ((uint64_t)(a))
#define K2(a, b)          (K1(a) | (uint64_t)(b) << 8)
#define K3(a, b, c)       (K2(a, b) | (uint64_t)(c) << 16)
#define K4(a, b, c, d)    (K3(a, b, c) | (uint64_t)(d) << 24)
#define K5(a, b, c, d, e) (K4(a, b, c, d) | (uint64_t)(e) << 32)

/* The unit table of reading-model.md: X(packed unit, quantity, exp10, model unit).
 * One list makes both the data and the switch that finds a row. */
#define DSMR_UNITS(X)                                                                              \
	X(K2('k', 'w'), W, 3, "W")                                                                 \
	X(K1('w'), W, 0, "W")                                                                      \
	X(K4('k', 'v', 'a', 'r'), VAR, 3, "var")                                                   \
	X(K3('v', 'a', 'r'), VAR, 0, "var")                                                        \
	X(K3('k', 'w', 'h'), KWH, 0, "kWh")                                                        \
	X(K5('k', 'v', 'a', 'r', 'h'), KVARH, 0, "kvarh")                                          \
	X(K2('w', 'h'), KWH, -3, "kWh")                                                            \
	X(K4('v', 'a', 'r', 'h'), KVARH, -3, "kvarh")                                              \
	X(K1('v'), V, 0, "V")                                                                      \
	X(K1('a'), A, 0, "A")                                                                      \
	X(K2('h', 'z'), HZ, 0, "Hz")                                                               \
	X(K2('m', '3'), M3, 0, "m3")                                                               \
	X(K2('g', 'j'), GJ, 0, "GJ")                                                               \
	X(K1('s'), S, 0, "s")

#define UNIT_CASE(key, qty, exp10, name)                                                           \
	case key: {                                                                                \
		struct hp_dsmr_unit u = {HP_DSMR_QTY_##qty, exp10, name};                          \
		return u;                                                                          \
	}

struct hp_dsmr_unit hp_dsmr_unit_by_key(uint64_t key)
{
	struct hp_dsmr_unit none = {HP_DSMR_QTY_NONE, 0, ""};
	struct hp_dsmr_unit unknown = {HP_DSMR_QTY_UNKNOWN, 0, ""};
	switch (key) {
	case 0:
		return none;
		DSMR_UNITS(UNIT_CASE)
	default:
		return unknown;
	}
}

struct hp_dsmr_unit hp_dsmr_unit(const char *p, size_t n)
{
	struct hp_dsmr_unit unknown = {HP_DSMR_QTY_UNKNOWN, 0, ""};
	if (n > HP_DSMR_UNIT_MAX)
		return unknown;
	uint64_t key = 0;
	for (size_t i = 0; i < n; i++)
		key |= hp_dsmr_unit_char(p[i], i);
	/* A NUL in the unit would pack like a shorter unit. */
	if (memchr(p, '\0', n))
		return unknown;
	return hp_dsmr_unit_by_key(key);
}

bool hp_dsmr_parse_quantity(const char *p, size_t n, struct hp_dsmr_quantity *q)
{
	struct hp_dsmr_decimal d;
	size_t used = hp_dsmr_scan_decimal(p, n, &d);
	if (used == 0 || (used < n && p[used] != '*'))
		return false;
	q->unit_text = used < n ? p + used + 1 : p + n;
	q->unit_len = used < n ? n - used - 1 : 0;
	q->unit = hp_dsmr_unit(q->unit_text, q->unit_len);
	q->value = hp_dsmr_value(d.mant, d.exp10 + q->unit.exp10);
	return true;
}

static unsigned two_digits(const char *p)
{
	return digit(p[0]) * 10 + digit(p[1]);
}

static unsigned days_in_month(unsigned year, unsigned month)
{
	static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/* True when the 8 bytes of w are all digits (SWAR, see hp_dsmr_digits8). */
static bool all_digits8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u;
	uint64_t t = w - '0' * ones;
	return (((t + 0x76 * ones) | t) & 0x80 * ones) == 0;
}

/* Two characters of the timestamp and the separator after them. */
static char *put_field(char *o, const char *two, char sep)
{
	memcpy(o, two, 2);
	o[2] = sep;
	return o + 3;
}

/* The 12 digits YYMMDDhhmmss of a DSMR timestamp. */
#define TST_DIGITS 12

enum hp_dsmr_time_status hp_dsmr_parse_time(const char *p, size_t n, char out[HP_TIME_MAX],
					    int8_t *dst)
{
	out[0] = '\0';
	if (n != TST_DIGITS && n != TST_DIGITS + 1)
		return HP_DSMR_TIME_INVALID;
	/* Digits 0..7 and 4..11: two words cover all twelve. */
	if (!all_digits8(hp_dsmr_le64(p)) || !all_digits8(hp_dsmr_le64(p + 4)))
		return HP_DSMR_TIME_INVALID;
	int8_t flag = -1;
	if (n == TST_DIGITS + 1) {
		char x = p[TST_DIGITS];
		if (x == 'S' || x == 's')
			flag = 1;
		else if (x == 'W' || x == 'w')
			flag = 0;
		else
			return HP_DSMR_TIME_INVALID;
	}
	unsigned yy = two_digits(p), mo = two_digits(p + 2), dd = two_digits(p + 4);
	if (yy == 0 || yy == 70)
		return HP_DSMR_TIME_PLACEHOLDER;
	if (mo < 1 || mo > 12 || dd < 1 || dd > days_in_month(2000 + yy, mo) ||
	    two_digits(p + 6) > 23 || two_digits(p + 8) > 59 || two_digits(p + 10) > 59)
		return HP_DSMR_TIME_INVALID;
	char *o = out;
	memcpy(o, "20", 2);
	o = put_field(o + 2, p, '-');
	o = put_field(o, p + 2, '-');
	o = put_field(o, p + 4, 'T');
	o = put_field(o, p + 6, ':');
	o = put_field(o, p + 8, ':');
	memcpy(o, p + 10, 2);
	o[2] = '\0';
	*dst = flag;
	return HP_DSMR_TIME_OK;
}
