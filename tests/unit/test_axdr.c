/* A-XDR decoder: every type of the table in protocols.md (e), the length rule,
 * nesting, and bounded failure on bad tags, short or oversized input. */
#include <stdlib.h>

#include "axdr.h"
#include "check.h"
#include "sizes.h"

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* Copies bytes into keep (so that pointers into them outlive the literal), then
 * parses them. */
static enum hp_axdr_status parse_kept(uint8_t *keep, const uint8_t *b, size_t len,
				      struct hp_axdr_tree *t, size_t *end)
{
	memcpy(keep, b, len);
	return hp_axdr_parse(keep, 0, len, len, t, end);
}

/* Parses a whole buffer (cap = avail = len, as the decoder does). */
static enum hp_axdr_status parse(const uint8_t *b, size_t len, struct hp_axdr_tree *t, size_t *end)
{
	return hp_axdr_parse(b, 0, len, len, t, end);
}

struct scalar_case {
	const char *legend;
	const uint8_t *bytes;
	size_t len;
	uint8_t cls;
	double number; /* for numbers */
};

static void test_scalars(void)
{
	const struct scalar_case cases[] = {
	    {"boolean", BYTES(0x03, 0x01), HP_AXDR_CLASS_UNSIGNED, 1},
	    {"double-long negative", BYTES(0x05, 0xFF, 0xFF, 0xFF, 0xFE), HP_AXDR_CLASS_SIGNED, -2},
	    {"double-long-unsigned", BYTES(0x06, 0x00, 0x00, 0x01, 0x18), HP_AXDR_CLASS_UNSIGNED,
	     280},
	    {"double-long-unsigned max", BYTES(0x06, 0xFF, 0xFF, 0xFF, 0xFF),
	     HP_AXDR_CLASS_UNSIGNED, 4294967295.0},
	    {"bcd", BYTES(0x0D, 0x42), HP_AXDR_CLASS_UNSIGNED, 0x42},
	    {"integer -1", BYTES(0x0F, 0xFF), HP_AXDR_CLASS_SIGNED, -1},
	    {"integer -128", BYTES(0x0F, 0x80), HP_AXDR_CLASS_SIGNED, -128},
	    {"long -300", BYTES(0x10, 0xFE, 0xD4), HP_AXDR_CLASS_SIGNED, -300},
	    {"unsigned", BYTES(0x11, 0xFE), HP_AXDR_CLASS_UNSIGNED, 254},
	    {"long-unsigned", BYTES(0x12, 0x08, 0xE2), HP_AXDR_CLASS_UNSIGNED, 2274},
	    {"long64 negative", BYTES(0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x9C),
	     HP_AXDR_CLASS_SIGNED, -100},
	    {"long64-unsigned", BYTES(0x15, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00),
	     HP_AXDR_CLASS_UNSIGNED, 4294967296.0},
	    {"enum", BYTES(0x16, 0x1E), HP_AXDR_CLASS_UNSIGNED, 30},
	    {"float32 1.5", BYTES(0x17, 0x3F, 0xC0, 0x00, 0x00), HP_AXDR_CLASS_FLOAT, 1.5},
	    {"float32 -0.25", BYTES(0x17, 0xBE, 0x80, 0x00, 0x00), HP_AXDR_CLASS_FLOAT, -0.25},
	    {"float64 -2.25", BYTES(0x18, 0xC0, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
	     HP_AXDR_CLASS_FLOAT, -2.25},
	    {"float64 230.5", BYTES(0x18, 0x40, 0x6C, 0xD0, 0x00, 0x00, 0x00, 0x00, 0x00),
	     HP_AXDR_CLASS_FLOAT, 230.5},
	};
	struct hp_axdr_tree *t = malloc(sizeof(*t));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scalar_case *c = &cases[i];
		size_t end = 0;
		double d = 0;
		CHECK_MSG(parse(c->bytes, c->len, t, &end) == HP_AXDR_OK, "%s", c->legend);
		CHECK_INT(end, c->len);
		CHECK_INT(t->count, 1);
		CHECK_INT(t->node[0].tag, c->bytes[0]);
		CHECK_INT(t->node[0].cls, c->cls);
		CHECK_INT(t->node[0].end, 1);
		CHECK_MSG(hp_axdr_number(&t->node[0], &d), "%s", c->legend);
		CHECK_NEAR(d, c->number);
	}
	/* long64-unsigned keeps all 64 bits in v.u. */
	CHECK(parse(BYTES(0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), t, &(size_t){0}) ==
	      HP_AXDR_OK);
	CHECK(t->node[0].v.u == UINT64_MAX);
	/* long64 keeps the full signed range. */
	CHECK(parse(BYTES(0x14, 0x80, 0, 0, 0, 0, 0, 0, 0), t, &(size_t){0}) == HP_AXDR_OK);
	CHECK(t->node[0].v.i == INT64_MIN);
	free(t);
}

static void test_strings_and_times(void)
{
	struct hp_axdr_tree *t = malloc(sizeof(*t));
	size_t end;
	double d;
	uint8_t keep[32];

	CHECK(parse_kept(keep, BYTES(0x00), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].tag, HP_AXDR_NULL);
	CHECK(!hp_axdr_number(&t->node[0], &d));

	CHECK(parse_kept(keep, BYTES(0x09, 0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF), t, &end) ==
	      HP_AXDR_OK);
	CHECK(hp_axdr_is_obis(&t->node[0]));
	CHECK_INT(t->node[0].count, 6);
	CHECK_INT(t->node[0].v.p[3], 0x07);
	CHECK(!hp_axdr_number(&t->node[0], &d));

	CHECK(parse_kept(keep, BYTES(0x0A, 0x05, 'A', 'I', 'D', 'O', 'N'), t, &end) == HP_AXDR_OK);
	CHECK(hp_axdr_is_string(&t->node[0]));
	CHECK(!hp_axdr_is_obis(&t->node[0]));
	CHECK(memcmp(t->node[0].v.p, "AIDON", 5) == 0);

	CHECK(parse_kept(keep, BYTES(0x0C, 0x02, 0xC3, 0xA5), t, &end) == HP_AXDR_OK);
	CHECK(hp_axdr_is_string(&t->node[0]));
	CHECK_INT(t->node[0].count, 2);

	/* Empty strings are values too. */
	CHECK(parse_kept(keep, BYTES(0x09, 0x00), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].count, 0);
	CHECK_INT(end, 2);

	/* bit-string: the length counts bits; 12 bits take 2 bytes. */
	CHECK(parse_kept(keep, BYTES(0x04, 0x0C, 0xAB, 0xC0), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].count, 12);
	CHECK_INT(t->node[0].v.p[0], 0xAB);
	CHECK_INT(end, 4);
	CHECK(parse_kept(keep, BYTES(0x04, 0x08, 0xFF), t, &end) == HP_AXDR_OK);
	CHECK_INT(end, 3);

	/* date-time, date, time: fixed sizes, no length byte. */
	CHECK(parse_kept(keep,
			 BYTES(0x19, 0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80,
			       0x00, 0x00),
			 t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].count, 12);
	CHECK_INT(t->node[0].v.p[1], 0xE6);
	CHECK_INT(end, 13);
	CHECK(parse_kept(keep, BYTES(0x1A, 0x07, 0xE6, 0x01, 0x18, 0x01), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].count, 5);
	CHECK(parse_kept(keep, BYTES(0x1B, 0x12, 0x3A, 0x32, 0xFF), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].count, 4);
	free(t);
}

static void test_lengths(void)
{
	uint32_t v = 0;
	size_t used = 0;
	CHECK(hp_axdr_length(BYTES(0x7F), &v, &used) == HP_AXDR_OK);
	CHECK_INT(v, 127);
	CHECK_INT(used, 1);
	CHECK(hp_axdr_length(BYTES(0x81, 0x80), &v, &used) == HP_AXDR_OK);
	CHECK_INT(v, 128);
	CHECK_INT(used, 2);
	CHECK(hp_axdr_length(BYTES(0x82, 0x01, 0xF2), &v, &used) == HP_AXDR_OK);
	CHECK_INT(v, 0x1F2);
	CHECK(hp_axdr_length(BYTES(0x83, 0x01, 0x00, 0x00), &v, &used) == HP_AXDR_OK);
	CHECK_INT(v, 0x10000);
	CHECK_INT(used, 4);
	CHECK(hp_axdr_length(BYTES(0x84, 0x01, 0x00, 0x00, 0x00), &v, &used) == HP_AXDR_OK);
	CHECK_INT(v, 0x1000000);
	CHECK_INT(used, 5);
	CHECK(hp_axdr_length(BYTES(0x80), &v, &used) == HP_AXDR_BAD_LENGTH);
	CHECK(hp_axdr_length(BYTES(0x85, 0, 0, 0, 0, 0), &v, &used) == HP_AXDR_BAD_LENGTH);
	CHECK(hp_axdr_length(BYTES(0x82, 0x01), &v, &used) == HP_AXDR_SHORT);
	CHECK(hp_axdr_length(NULL, 0, &v, &used) == HP_AXDR_SHORT);

	/* Long forms inside values. */
	struct hp_axdr_tree *t = malloc(sizeof(*t));
	size_t end;
	uint8_t big[3 + 130];
	big[0] = 0x09;
	big[1] = 0x81;
	big[2] = 130;
	memset(big + 3, 'x', 130);
	CHECK(parse(big, sizeof(big), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].count, 130);
	CHECK_INT(end, sizeof(big));
	CHECK(parse(BYTES(0x02, 0x82, 0x00, 0x02, 0x11, 0x01, 0x11, 0x02), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->node[0].count, 2);
	CHECK_INT(t->count, 3);
	CHECK(parse(BYTES(0x09, 0x80), t, &end) == HP_AXDR_BAD_LENGTH);
	free(t);
}

static void test_nesting(void)
{
	struct hp_axdr_tree *t = malloc(sizeof(*t));
	size_t end;
	uint8_t keep[16];
	/* array(2) { structure(3) { OBIS, u32, structure(2) {int8, enum} },
	 *            structure(2) { OBIS, null } } then one trailing byte */
	const uint8_t b[] = {0x01, 0x02, 0x02, 0x03, 0x09, 0x06, 1,    0,    1,    7,    0,    0xFF,
			     0x06, 0x00, 0x00, 0x01, 0x18, 0x02, 0x02, 0x0F, 0x00, 0x16, 0x1B, 0x02,
			     0x02, 0x09, 0x06, 0,    0,    1,    0,    0,    0xFF, 0x00, 0xEE};
	CHECK(parse(b, sizeof(b), t, &end) == HP_AXDR_OK);
	CHECK_INT(end, sizeof(b) - 1); /* stops after the one value */
	CHECK_INT(t->count, 10);
	CHECK_INT(t->node[0].tag, HP_AXDR_ARRAY);
	CHECK_INT(t->node[0].end, 10);
	CHECK_INT(t->node[1].tag, HP_AXDR_STRUCTURE);
	CHECK_INT(t->node[1].end, 7);
	CHECK_INT(t->node[2].end, 3);                 /* OBIS */
	CHECK_INT(t->node[3].v.u, 280);               /* value */
	CHECK_INT(t->node[4].tag, HP_AXDR_STRUCTURE); /* scaler-unit */
	CHECK_INT(t->node[4].end, 7);
	CHECK_INT(t->node[5].v.i, 0);
	CHECK_INT(t->node[5].end, 6);
	CHECK_INT(t->node[6].v.u, 27);
	CHECK_INT(t->node[7].tag, HP_AXDR_STRUCTURE);
	CHECK_INT(t->node[7].end, 10);
	CHECK_INT(t->node[9].tag, HP_AXDR_NULL);
	CHECK_INT(t->node[4].offset, 17);

	/* A scaler-unit-like structure that is not one ({integer, unsigned}) takes the
	 * generic path and ends the same way. */
	CHECK(parse_kept(keep, BYTES(0x02, 0x02, 0x0F, 0xFE, 0x11, 0x21), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->count, 3);
	CHECK_INT(t->node[0].end, 3);
	CHECK_INT(t->node[1].v.i, -2);
	CHECK_INT(t->node[2].v.u, 33);
	CHECK(parse_kept(keep, BYTES(0x02, 0x02, 0x0F, 0xFE, 0x16, 0x21), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->count, 3);
	CHECK_INT(t->node[0].end, 3);
	CHECK_INT(t->node[1].end, 2);
	CHECK_INT(t->node[2].end, 3);
	CHECK_INT(t->node[1].v.i, -2);
	CHECK_INT(t->node[2].v.u, 33);
	CHECK_INT(t->node[2].offset, 4);

	/* Empty containers are leaves. */
	CHECK(parse_kept(keep, BYTES(0x02, 0x02, 0x01, 0x00, 0x02, 0x00), t, &end) == HP_AXDR_OK);
	CHECK_INT(t->count, 3);
	CHECK_INT(t->node[1].end, 2);

	/* Depth: HP_AXDR_DEPTH_MAX open containers are fine, one more is not. */
	uint8_t deep[2 * (HP_AXDR_DEPTH_MAX + 1) + 1];
	for (int levels = HP_AXDR_DEPTH_MAX; levels <= HP_AXDR_DEPTH_MAX + 1; levels++) {
		size_t n = 0;
		for (int i = 0; i < levels; i++) {
			deep[n++] = 0x02;
			deep[n++] = 0x01;
		}
		deep[n++] = 0x00;
		enum hp_axdr_status st = parse(deep, n, t, &end);
		CHECK_INT(st, levels <= HP_AXDR_DEPTH_MAX ? HP_AXDR_OK : HP_AXDR_TOO_DEEP);
	}
	free(t);
}

static void test_bad_input(void)
{
	struct hp_axdr_tree *t = malloc(sizeof(*t));
	size_t end;
	/* Tags outside the table. */
	const uint8_t unknown[] = {0x07, 0x08, 0x0B, 0x0E, 0x1C, 0x20, 0x7E, 0xFF};
	for (size_t i = 0; i < sizeof(unknown); i++) {
		uint8_t b[] = {0x02, 0x01, unknown[i], 0x00, 0x00};
		CHECK_INT(parse(b, sizeof(b), t, &end), HP_AXDR_BAD_TAG);
		CHECK_INT(end, 2);
	}
	CHECK(parse(BYTES(0x13, 0x02, 0x11, 0x00), t, &end) == HP_AXDR_COMPACT);
	CHECK(strcmp(hp_axdr_tag_name(0x07), "unknown") == 0);
	CHECK(strcmp(hp_axdr_tag_name(0x06), "double-long-unsigned") == 0);
	CHECK(strcmp(hp_axdr_tag_name(0xFF), "unknown") == 0);

	/* Lengths past the end: a string longer than the buffer, a count with fewer
	 * bytes left than values. */
	CHECK(parse(BYTES(0x09, 0x06, 0x01, 0x00), t, &end) == HP_AXDR_OVERSIZED);
	CHECK(parse(BYTES(0x01, 0x05, 0x00, 0x00), t, &end) == HP_AXDR_OVERSIZED);
	CHECK(parse(BYTES(0x01, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00), t, &end) == HP_AXDR_OVERSIZED);
	CHECK(parse(BYTES(0x09, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00), t, &end) == HP_AXDR_OVERSIZED);
	CHECK(parse(BYTES(0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00), t, &end) == HP_AXDR_OVERSIZED);
	/* With room up to the cap, the same bytes only need more input. */
	const uint8_t short_string[] = {0x09, 0x06, 0x01, 0x00};
	const uint8_t short_array[] = {0x01, 0x05, 0x00, 0x00};
	CHECK(hp_axdr_parse(short_string, 0, sizeof(short_string), HP_APDU_MAX, t, &end) ==
	      HP_AXDR_SHORT);
	CHECK(hp_axdr_parse(short_array, 0, sizeof(short_array), HP_APDU_MAX, t, &end) ==
	      HP_AXDR_SHORT);
	/* A start offset inside the buffer. */
	CHECK(hp_axdr_parse(short_array, 2, sizeof(short_array), sizeof(short_array), t, &end) ==
	      HP_AXDR_OK);
	CHECK_INT(end, 3);

	/* Too many values for the pool: an array of null-data. */
	size_t n = 4 + HP_AXDR_NODES_MAX + 10;
	uint8_t *many = calloc(1, n);
	many[0] = 0x01;
	many[1] = 0x82;
	many[2] = (uint8_t)((HP_AXDR_NODES_MAX + 10) >> 8);
	many[3] = (uint8_t)(HP_AXDR_NODES_MAX + 10);
	CHECK_INT(parse(many, n, t, &end), HP_AXDR_TOO_MANY);
	CHECK_INT(t->count, HP_AXDR_NODES_MAX);
	free(many);
	free(t);
}

/* Every strict prefix of a valid value fails (SHORT or OVERSIZED), never reads
 * past it (ASan) and never succeeds; with room up to the cap it is always SHORT. */
static void test_truncation(void)
{
	const uint8_t b[] = {0x02, 0x06, 0x09, 0x06, 1,    0,    1,    8,    0,    0xFF, 0x06, 0x00,
			     0x22, 0xAB, 0x8A, 0x02, 0x02, 0x0F, 0x01, 0x16, 0x1E, 0x0A, 0x03, 'a',
			     'b',  'c',  0x17, 0x3F, 0xC0, 0x00, 0x00, 0x01, 0x81, 0x01, 0x19, 1,
			     2,    3,    4,    5,    6,    7,    8,    9,    10,   11,   12};
	struct hp_axdr_tree *t = malloc(sizeof(*t));
	size_t end;
	CHECK(parse(b, sizeof(b), t, &end) == HP_AXDR_OK);
	CHECK_INT(end, sizeof(b));
	for (size_t len = 0; len < sizeof(b); len++) {
		uint8_t *copy = malloc(len + 1); /* exact-size copy: ASan sees any overread */
		memcpy(copy, b, len);
		enum hp_axdr_status st = parse(copy, len, t, &end);
		CHECK_MSG(st == HP_AXDR_SHORT || st == HP_AXDR_OVERSIZED, "prefix %zu: %d", len,
			  (int)st);
		CHECK(end <= len);
		st = hp_axdr_parse(copy, 0, len, HP_APDU_MAX, t, &end);
		CHECK_MSG(st == HP_AXDR_SHORT, "prefix %zu with cap: %d", len, (int)st);
		free(copy);
	}
	free(t);
}

/* Random bytes: the walk ends with some status, inside the buffer. */
static void test_garbage(void)
{
	struct hp_axdr_tree *t = malloc(sizeof(*t));
	uint32_t seed = 12345;
	for (int round = 0; round < 2000; round++) {
		size_t len = 1 + (size_t)(round % 64);
		uint8_t *b = malloc(len);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly small tags and lengths, so that walks go deep. */
			b[i] = (uint8_t)((seed >> 16) % (round % 2 ? 0x1D : 256));
		}
		size_t end = 0;
		enum hp_axdr_status st = parse(b, len, t, &end);
		CHECK(end <= len);
		CHECK(st <= HP_AXDR_TOO_MANY);
		CHECK(t->count <= HP_AXDR_NODES_MAX);
		free(b);
	}
	for (int s = HP_AXDR_OK; s <= HP_AXDR_TOO_MANY; s++)
		CHECK(strlen(hp_axdr_status_text((enum hp_axdr_status)s)) > 0);
	free(t);
}

int main(void)
{
	test_scalars();
	test_strings_and_times();
	test_lengths();
	test_nesting();
	test_bad_input();
	test_truncation();
	test_garbage();
	return check_report("axdr");
}
