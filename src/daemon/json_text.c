/* JSON text into a growable buffer (json_text.h). Numbers are formatted without
 * printf in the common range: a day of raw history has some 160,000 of them, and
 * printf's "%.15g" (multi-precision arithmetic) took a sixth of the jansson-built
 * answer's time. */
#define _GNU_SOURCE /* mremap */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "json_text.h"

/* The first allocation; doubled as the text grows. */
#define START_CAP 4096
/* Doubles hold integers exactly up to 2^53 (reading_json.c uses the same bound). */
#define EXACT_INTEGER_LIMIT 9007199254740992.0
/* Fifteen significant digits: the integers 10^14 .. 10^15 - 1. */
#define DIGITS15_MIN 100000000000000ULL
#define DIGITS15_END 1000000000000000ULL
/* The powers of ten a double holds exactly. */
#define POW10_EXACT_MAX 22

void hp_json_text_init(struct hp_json_text *t)
{
	memset(t, 0, sizeof(*t));
}

void hp_json_text_release(struct hp_json_text *t)
{
	if (t->mapped)
		munmap(t->buf, t->cap);
	else
		free(t->buf);
	hp_json_text_init(t);
}

struct hp_json_text *hp_json_text_new(void)
{
	return calloc(1, sizeof(struct hp_json_text));
}

void hp_json_text_free(struct hp_json_text *t)
{
	if (t == NULL)
		return;
	hp_json_text_release(t);
	free(t);
}

void hp_json_text_truncate(struct hp_json_text *t, size_t len)
{
	if (t->buf == NULL || len > t->len)
		return;
	t->len = len;
	t->buf[len] = '\0';
}

/* Moves the text to a buffer of cap bytes: heap up to HP_JSON_TEXT_MAP_FROM, a
 * mapping beyond (mremap grows it without copying where it can). */
static char *reallocate(struct hp_json_text *t, size_t cap)
{
	if (cap <= HP_JSON_TEXT_MAP_FROM)
		return realloc(t->buf, cap);
	if (t->mapped) {
		void *p = mremap(t->buf, t->cap, cap, MREMAP_MAYMOVE);
		return p == MAP_FAILED ? NULL : p;
	}
	void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (t->buf != NULL)
		memcpy(p, t->buf, t->len + 1);
	free(t->buf);
	t->mapped = true;
	return p;
}

/* Room for n more bytes and the NUL: where to write them, or NULL (failed). */
char *hp_json_reserve(struct hp_json_text *t, size_t n)
{
	if (t->failed)
		return NULL;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap < START_CAP ? START_CAP : t->cap;
		while (cap < t->len + n + 1 && cap <= SIZE_MAX / 2)
			cap *= 2;
		char *buf = cap >= t->len + n + 1 ? reallocate(t, cap) : NULL;
		if (buf == NULL) {
			t->failed = true;
			return NULL;
		}
		if (t->buf == NULL)
			buf[0] = '\0';
		t->buf = buf;
		t->cap = cap;
	}
	return t->buf + t->len;
}

/* Takes n bytes written after hp_json_reserve() into the text. */
void hp_json_commit(struct hp_json_text *t, size_t n)
{
	t->len += n;
	t->buf[t->len] = '\0';
}

void hp_json_append(struct hp_json_text *t, const char *s, size_t n)
{
	char *p = hp_json_reserve(t, n);
	if (p == NULL)
		return;
	memcpy(p, s, n);
	hp_json_commit(t, n);
}

void hp_json_char(struct hp_json_text *t, char c)
{
	hp_json_append(t, &c, 1);
}

/* ---- strings ---- */

/* The length of the UTF-8 sequence at s (n bytes left), or 0 when it is not one:
 * overlong forms, surrogates and code points past U+10FFFF are not (RFC 3629). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : lo;
		hi = c == 0xED ? 0x9F : hi;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : lo;
		hi = c == 0xF4 ? 0x8F : hi;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* Writes the escape of an ASCII byte that needs one (as jansson's dump does) and
 * returns its length, or 0 for a byte that goes as it is. */
static size_t escape(unsigned char c, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *short_form = NULL;
	switch (c) {
	case '"':
		short_form = "\\\"";
		break;
	case '\\':
		short_form = "\\\\";
		break;
	case '\b':
		short_form = "\\b";
		break;
	case '\f':
		short_form = "\\f";
		break;
	case '\n':
		short_form = "\\n";
		break;
	case '\r':
		short_form = "\\r";
		break;
	case '\t':
		short_form = "\\t";
		break;
	default:
		if (c >= 0x20)
			return 0;
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 0xF];
		return 6;
	}
	memcpy(out, short_form, 2);
	return 2;
}

void hp_json_string(struct hp_json_text *t, const char *s, size_t n)
{
	/* Each byte takes at most 6 (\u001F; U+FFFD for a stray byte is 3). */
	char *out = hp_json_reserve(t, n * 6 + 2);
	if (out == NULL)
		return;
	char *p = out;
	const unsigned char *u = (const unsigned char *)s;
	*p++ = '"';
	for (size_t i = 0; i < n;) {
		if (u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' && u[i] != '\\') {
			*p++ = (char)u[i++]; /* the usual byte, as it is */
			continue;
		}
		size_t e = escape(u[i], p);
		if (e > 0) {
			p += e;
			i++;
			continue;
		}
		size_t len = utf8_sequence(u + i, n - i);
		if (len == 0) {
			memcpy(p, "\xEF\xBF\xBD", 3);
			p += 3;
			i++;
			continue;
		}
		memcpy(p, u + i, len);
		p += len;
		i += len;
	}
	*p++ = '"';
	hp_json_commit(t, (size_t)(p - out));
}

/* ---- numbers ---- */

static const char two_digits[] = "00010203040506070809101112131415161718192021222324"
				 "25262728293031323334353637383940414243444546474849"
				 "50515253545556575859606162636465666768697071727374"
				 "75767778798081828384858687888990919293949596979899";

/* Writes u's digits so they end just before end; returns where they start. */
static char *digits_before(char *end, uint64_t u)
{
	while (u >= 100) {
		end -= 2;
		memcpy(end, two_digits + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		end -= 2;
		memcpy(end, two_digits + 2 * u, 2);
	} else {
		*--end = (char)('0' + u);
	}
	return end;
}

size_t hp_json_format_int(int64_t v, char out[HP_JSON_NUMBER_MAX])
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t digits = 1;
	for (uint64_t rest = u; rest >= 10; rest /= 10)
		digits++;
	size_t n = digits + (v < 0 ? 1 : 0);
	digits_before(out + n, u);
	if (v < 0)
		out[0] = '-';
	out[n] = '\0';
	return n;
}

void hp_json_int(struct hp_json_text *t, int64_t v)
{
	char *p = hp_json_reserve(t, HP_JSON_NUMBER_MAX);
	if (p != NULL)
		hp_json_commit(t, hp_json_format_int(v, p));
}

static const double pow10_exact[POW10_EXACT_MAX + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* a * 10^k rounded to an integer as printf rounds the exact binary value: to
 * nearest, ties to even. 10^k is exact for k <= 22, and fma gives the product's
 * rounding error r exactly, so p + r is the exact product; its distance from the
 * half-way point, (p - floor(p) - 0.5) + r, is computed exactly up to the final
 * rounding, which keeps its sign. Meant for products below 2^53. */
static uint64_t round_scaled(double a, int k)
{
	double s = pow10_exact[k];
	double p = a * s;
	double whole = (double)(uint64_t)p; /* floor: p >= 0 */
	double beyond_half = p - whole - 0.5;
	/* p is off by at most half its last bit, 1/16 below 2^50 (larger products are
	 * too large anyway): only near the half-way point can that change the
	 * rounding, and there the exact error decides. */
	if (fabs(beyond_half) <= 0.0625)
		beyond_half += fma(a, s, -p);
	uint64_t m = (uint64_t)whole;
	if (beyond_half > 0 || (beyond_half == 0 && (m & 1) != 0))
		m++;
	return m;
}

/* floor(log10(a)) for a normal a >= 1e-4, or one less (then corrected by the
 * caller): from the binary exponent, then one comparison with an exact power. */
static int decimal_exponent(double a)
{
	uint64_t bits;
	memcpy(&bits, &a, sizeof(bits));
	int e2 = (int)((bits >> 52) & 0x7FF) - 1023; /* 2^e2 <= a < 2^(e2 + 1) */
	/* floor(e2 * log10(2)), exact for |e2| < 1000 (78913 / 2^18 ~ log10(2)) */
	int e = e2 >= 0 ? (e2 * 78913) >> 18 : -((-e2 * 78913 + (1 << 18) - 1) >> 18);
	if (e + 1 >= 0 && e + 1 <= POW10_EXACT_MAX && a >= pow10_exact[e + 1])
		e++;
	return e;
}

/* "%.15g" for 1e-4 <= a < 1e15 (a = |v|), the range where %g prints without an
 * exponent, from the 15 significant digits m = a * 10^k rounded. Returns the
 * length, or 0 when the value needs printf after all. */
static size_t format_fixed(double v, double a, char *out)
{
	int k = 14 - decimal_exponent(a); /* corrected below when one off */
	uint64_t m = 0;
	for (int tries = 0;; tries++) {
		if (k < 0 || k > POW10_EXACT_MAX || tries > 3)
			return 0;
		m = round_scaled(a, k);
		if (m >= DIGITS15_END)
			k--;
		else if (m < DIGITS15_MIN)
			k++;
		else
			break;
	}
	/* 10^14 may be 99999999999999.5 or more rounded up, whose sixteenth digit
	 * decides: 1e15 - 5 or more (printf's X, the exponent, is that of 10^14), or less
	 * (one digit more, an exponent lower). */
	if (m == DIGITS15_MIN) {
		if (k + 1 > POW10_EXACT_MAX)
			return 0;
		uint64_t finer = round_scaled(a, k + 1);
		if (finer < DIGITS15_END) {
			m = finer;
			k++;
		}
	}
	int x = 14 - k; /* the decimal exponent of the first digit */
	if (x < -4 || x > 14)
		return 0;
	/* %g drops trailing zeros: strip them (8, 4, 2, 1 at a time), then print. */
	int n = 15;
	static const struct {
		uint64_t pow;
		int zeros;
	} strip[] = {{100000000, 8}, {10000, 4}, {100, 2}, {10, 1}};
	for (size_t i = 0; i < sizeof(strip) / sizeof(strip[0]); i++) {
		if (m % strip[i].pow == 0) {
			m /= strip[i].pow;
			n -= strip[i].zeros;
		}
	}
	/* The n digits end at buf + 16, so 16 bytes copied from any of them stay in
	 * buf: fixed-size copies, which the compiler inlines, write the number (and
	 * scratch after it, which out has room for). */
	char buf[32];
	const char *digits = digits_before(buf + 16, m);
	char *p = out;
	if (v < 0)
		*p++ = '-';
	if (x < 0) { /* 0.000ddd */
		memcpy(p, "0.000", 5);
		p += 1 - x;
		memcpy(p, digits, 16);
		p += n;
	} else if (n <= x + 1) { /* ddd00, then jansson's ".0" for what looks integral */
		memcpy(p, digits, 16);
		for (int i = n; i < x + 1; i++)
			p[i] = '0';
		p += x + 1;
		memcpy(p, ".0", 2);
		p += 2;
	} else { /* ddd.ddd */
		memcpy(p, digits, 16);
		p[x + 1] = '.';
		memcpy(p + x + 2, digits + x + 1, 16);
		p += n + 1;
	}
	*p = '\0';
	return (size_t)(p - out);
}

/* What jansson's jsonp_dtostr does with "%.15g": ".0" when there is neither '.'
 * nor 'e', and the exponent without '+' and leading zeros. */
static size_t format_printf(double v, char *out)
{
	int n = snprintf(out, HP_JSON_NUMBER_MAX, "%.15g", v);
	if (n < 0 || n >= HP_JSON_NUMBER_MAX - 3)
		return (size_t)snprintf(out, HP_JSON_NUMBER_MAX, "null");
	size_t len = (size_t)n;
	char *exp = strchr(out, 'e');
	if (exp == NULL && strchr(out, '.') == NULL) {
		memcpy(out + len, ".0", 3);
		return len + 2;
	}
	if (exp != NULL) {
		char *digits = exp + 1;
		if (*digits == '-')
			digits++;
		char *first = digits;
		if (*first == '+')
			first++;
		while (*first == '0' && first[1] != '\0')
			first++;
		memmove(digits, first, strlen(first) + 1);
		len = strlen(out);
	}
	return len;
}

size_t hp_json_format_real(double v, char out[HP_JSON_NUMBER_MAX])
{
	if (!isfinite(v)) {
		memcpy(out, "null", 5);
		return 4;
	}
	double a = fabs(v);
	if (a == 0) { /* common in buckets (no export); "%.15g" gives 0 or -0 */
		const char *zero = signbit(v) ? "-0.0" : "0.0";
		size_t n = strlen(zero);
		memcpy(out, zero, n + 1);
		return n;
	}
	if (a >= 1e-4 && a < 1e15) {
		size_t n = format_fixed(v, a, out);
		if (n > 0)
			return n;
	}
	return format_printf(v, out);
}

void hp_json_real(struct hp_json_text *t, double v)
{
	char *p = hp_json_reserve(t, HP_JSON_NUMBER_MAX);
	if (p != NULL)
		hp_json_commit(t, hp_json_format_real(v, p));
}

size_t hp_json_format_number(double v, char out[HP_JSON_NUMBER_MAX])
{
	/* Integral (as floor(v) == v in reading_json.c, -0.0 as 0) without calling
	 * floor: this runs for every value of a history answer. */
	if (fabs(v) < EXACT_INTEGER_LIMIT && (double)(int64_t)v == v)
		return hp_json_format_int((int64_t)v, out);
	return hp_json_format_real(v, out);
}

void hp_json_number(struct hp_json_text *t, double v)
{
	char *p = hp_json_reserve(t, HP_JSON_NUMBER_MAX);
	if (p != NULL)
		hp_json_commit(t, hp_json_format_number(v, p));
}

void hp_json_bool(struct hp_json_text *t, bool v)
{
	if (v)
		hp_json_literal(t, "true");
	else
		hp_json_literal(t, "false");
}

void hp_json_null(struct hp_json_text *t)
{
	hp_json_literal(t, "null");
}
