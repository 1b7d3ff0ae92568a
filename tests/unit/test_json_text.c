/* The JSON text writer against jansson, which prints every other answer: strings
 * escaped alike, reals alike digit for digit (a table of edge cases and a few
 * hundred thousand generated values), reading-model numbers as /now prints them,
 * and a buffer that grows into a mapping of its own and stays whole. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json_text.h"
#include "reading_json.h"

/* What json_dumps prints for one value with the API's flags. */
static void jansson_text(json_t *v, char *out, size_t size)
{
	char *s = json_dumps(v, HP_JSON_FLAGS | JSON_ENCODE_ANY);
	snprintf(out, size, "%s", s != NULL ? s : "(null)");
	free(s);
	json_decref(v);
}

/* ---- strings ---- */

static void check_string_like_jansson(const char *s, size_t n)
{
	char want[512];
	jansson_text(json_stringn(s, n), want, sizeof(want));
	struct hp_json_text t;
	hp_json_text_init(&t);
	hp_json_string(&t, s, n);
	CHECK_MSG(t.buf != NULL && strcmp(t.buf, want) == 0, "got %s, want %s",
		  t.buf != NULL ? t.buf : "(null)", want);
	hp_json_text_release(&t);
}

static void check_string(const char *s, size_t n, const char *want)
{
	struct hp_json_text t;
	hp_json_text_init(&t);
	hp_json_string(&t, s, n);
	CHECK(!t.failed);
	CHECK_STREQ(t.buf != NULL ? t.buf : "(null)", want);
	hp_json_text_release(&t);
}

static void test_strings(void)
{
	check_string("plain", 5, "\"plain\"");
	check_string("", 0, "\"\"");
	check_string("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	check_string("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	check_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001F\x7f\"");
	check_string("a\0b", 3, "\"a\\u0000b\"");
	/* UTF-8 passes through: 2, 3 and 4 bytes. */
	check_string("\xC3\xA6\xC3\xB8\xC3\xA5 \xE2\x82\xAC \xF0\x9F\x94\x8C", 15,
		     "\"\xC3\xA6\xC3\xB8\xC3\xA5 \xE2\x82\xAC \xF0\x9F\x94\x8C\"");
	/* Not UTF-8: a stray continuation byte, a cut sequence, an overlong '/', a
	 * surrogate, a code point past U+10FFFF; each byte that starts no sequence
	 * becomes U+FFFD. */
	check_string("a\x80z", 3, "\"a\xEF\xBF\xBDz\"");
	check_string("a\xE2\x82", 3, "\"a\xEF\xBF\xBD\xEF\xBF\xBD\"");
	check_string("\xC0\xAF", 2, "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
	check_string("\xED\xA0\x80", 3, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	check_string("\xF4\x90\x80\x80", 4, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	/* Every control character and the rest of ASCII, and valid UTF-8, as jansson. */
	char all[128];
	for (int i = 0; i < 128; i++)
		all[i] = (char)i;
	check_string_like_jansson(all, sizeof(all));
	check_string_like_jansson("2024-05-01T10:00:00", 19);
	check_string_like_jansson("\xE2\x80\xA8 \xEF\xBF\xBF \xF4\x8F\xBF\xBF", 12);
}

/* ---- reals ---- */

static int real_mismatches;

static void check_real_like_jansson(double v)
{
	char want[64], got[HP_JSON_NUMBER_MAX];
	if (!isfinite(v))
		return; /* jansson has no real for these; check_real covers them */
	jansson_text(json_real(v), want, sizeof(want));
	size_t n = hp_json_format_real(v, got);
	if (strcmp(got, want) != 0 || n != strlen(want)) {
		/* Report the first few; one count check below fails the test. */
		if (real_mismatches++ < 10)
			fprintf(stderr, "%.17g: got %s, want %s\n", v, got, want);
	}
}

static void check_real(double v, const char *want)
{
	char got[HP_JSON_NUMBER_MAX];
	hp_json_format_real(v, got);
	CHECK_MSG(strcmp(got, want) == 0, "%.17g: got %s, want %s", v, got, want);
	check_real_like_jansson(v);
}

/* A reproducible stream of 64-bit numbers (xorshift64*). */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

static double from_bits(uint64_t bits)
{
	double v;
	memcpy(&v, &bits, sizeof(v));
	return v;
}

static void test_reals(void)
{
	check_real(16.1, "16.1");
	check_real(230.0, "230.0");
	check_real(0.001, "0.001");
	check_real(1e21, "1e21");
	check_real(-0.0, "-0.0");
	check_real(0.0, "0.0");
	check_real(1e-7, "1e-7");
	check_real(0.0001, "0.0001");
	check_real(0.00012345, "0.00012345");
	check_real(1e15, "1e15");
	check_real(999999999999999.0, "999999999999999.0");
	check_real(123456789012345678.0, "1.23456789012346e17");
	check_real(1.7976931348623157e308, "1.79769313486232e308");
	check_real(5e-324, "4.94065645841247e-324");
	check_real(-2.5e-300, "-2.5e-300");
	check_real(0.1 + 0.2, "0.3");
	check_real(1.0 / 3, "0.333333333333333");
	check_real(-7793.587, "-7793.587");
	check_real(9.9999999999999995, "10.0");
	check_real(0.000099999999999999995, "0.0001");
	/* 99999999999999.953125 rounds up to the next exponent. */
	check_real(99999999999999.95, "100000000000000.0");
	check_real(NAN, "null");
	check_real(INFINITY, "null");

	/* Neighbours of powers of ten and of rounding ties, where a scaled product's
	 * last bit decides. */
	for (int e = -30; e <= 30; e++) {
		double p = pow(10, e);
		double up = p, down = p;
		for (int i = 0; i < 40; i++) {
			check_real_like_jansson(up);
			check_real_like_jansson(down);
			check_real_like_jansson(-up);
			up = nextafter(up, INFINITY);
			down = nextafter(down, 0);
		}
	}
	uint64_t state = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < 100000; i++) {
		uint64_t r = next_random(&state);
		/* Meter-like values: few decimals, any sign and size. */
		check_real_like_jansson((double)(int64_t)(r >> 20) / pow(10, (double)(r % 12)));
		/* Fifteen digits and a half at the sixteenth: ties after scaling. */
		double half = ((double)(r % 900000000000000ULL + 100000000000000ULL) + 0.5) /
			      pow(10, (double)(r % 19));
		check_real_like_jansson(half);
		/* Any bit pattern (NaN and infinities included). */
		check_real_like_jansson(from_bits(next_random(&state)));
		/* Any double in the range printed without an exponent. */
		check_real_like_jansson(ldexp((double)(r >> 11), -(int)(r % 100)) * 1e-4 *
					(double)(r % 7 + 1));
	}
	CHECK_INT(real_mismatches, 0);
}

/* ---- integers and reading-model numbers ---- */

/* The text /now gives a value: hp_reading_to_json's, cut out of its object. */
static void now_text(double v, char *out, size_t size)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, v);
	json_t *o = hp_reading_to_json(&r);
	char *s = json_dumps(o, HP_JSON_FLAGS);
	json_decref(o);
	const char *key = "\"power_import_w\":";
	const char *p = s != NULL ? strstr(s, key) : NULL;
	if (p == NULL) {
		snprintf(out, size, "(absent)");
	} else {
		p += strlen(key);
		snprintf(out, size, "%.*s", (int)strcspn(p, ",}"), p);
	}
	free(s);
}

static void test_numbers(void)
{
	const double values[] = {230.0,
				 16.1,
				 -0.0,
				 0.0,
				 0.001,
				 1e21,
				 9586.0,
				 -12.0,
				 0.5,
				 1e-9,
				 4.5e15,
				 9.007199254740991e15,
				 9.007199254740992e15,
				 -1e300,
				 7793.587};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char want[64];
		now_text(values[i], want, sizeof(want));
		struct hp_json_text t;
		hp_json_text_init(&t);
		hp_json_number(&t, values[i]);
		CHECK_MSG(t.buf != NULL && strcmp(t.buf, want) == 0, "%.17g: got %s, /now %s",
			  values[i], t.buf != NULL ? t.buf : "(null)", want);
		hp_json_text_release(&t);
	}
	const int64_t ints[] = {0, 1, -1, 1714557600000, INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		char want[64];
		jansson_text(json_integer(ints[i]), want, sizeof(want));
		struct hp_json_text t;
		hp_json_text_init(&t);
		hp_json_int(&t, ints[i]);
		CHECK_STREQ(t.buf != NULL ? t.buf : "(null)", want);
		hp_json_text_release(&t);
	}
	struct hp_json_text t;
	hp_json_text_init(&t);
	hp_json_bool(&t, true);
	hp_json_char(&t, ',');
	hp_json_bool(&t, false);
	hp_json_char(&t, ',');
	hp_json_null(&t);
	CHECK_STREQ(t.buf, "true,false,null");
	hp_json_text_release(&t);
}

/* ---- the buffer ---- */

static void test_growth(void)
{
	struct hp_json_text *t = hp_json_text_new();
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(t->buf == NULL && t->len == 0);
	hp_json_char(t, '[');
	CHECK(!t->mapped);
	/* A megabyte and more of rows: past the heap into a mapping, grown in place or
	 * moved, and every row where it was written. */
	const int rows = 40000;
	for (int i = 0; i < rows; i++) {
		if (i > 0)
			hp_json_char(t, ',');
		hp_json_literal(t, "{\"i\":");
		hp_json_int(t, i);
		hp_json_literal(t, ",\"v\":");
		hp_json_real(t, i / 8.0);
		hp_json_char(t, '}');
	}
	hp_json_char(t, ']');
	CHECK(!t->failed);
	CHECK(t->mapped);
	CHECK(t->len > HP_JSON_TEXT_MAP_FROM && t->cap > t->len);
	CHECK_INT(strlen(t->buf), t->len);
	json_error_t e;
	json_t *a = json_loadb(t->buf, t->len, 0, &e);
	CHECK_MSG(a != NULL, "%s", e.text);
	CHECK_INT(json_array_size(a), rows);
	json_t *last = json_array_get(a, (size_t)rows - 1);
	CHECK_INT(json_integer_value(json_object_get(last, "i")), rows - 1);
	CHECK_NEAR(json_real_value(json_object_get(last, "v")), (rows - 1) / 8.0);
	json_decref(a);

	/* Cut back: the text ends there. */
	hp_json_text_truncate(t, 1);
	CHECK_STREQ(t->buf, "[");
	hp_json_char(t, ']');
	CHECK_STREQ(t->buf, "[]");
	hp_json_text_free(t);
	hp_json_text_free(NULL);
}

int main(void)
{
	test_strings();
	test_reals();
	test_numbers();
	test_growth();
	return check_report("test_json_text");
}
