/* PARMRK un-marking: the marks of the Linux line discipline, whole and cut by the
 * end of a read. */
#include <stdint.h>

#include "check.h"
#include "parmrk.h"

struct parmrk_case {
	const char *legend;
	uint8_t in[16];
	size_t in_len;
	uint8_t out[16];
	uint8_t flags[16];
	size_t out_len;
	uint64_t errors, breaks;
};

static const struct parmrk_case cases[] = {
    {"plain bytes pass", {0x7E, 0xA0, 0x41}, 3, {0x7E, 0xA0, 0x41}, {0, 0, 0}, 3, 0, 0},
    {"FF FF is a real FF", {0x01, 0xFF, 0xFF, 0x02}, 4, {0x01, 0xFF, 0x02}, {0, 0, 0}, 3, 0, 0},
    {"FF 00 x is x with an error",
     {0x41, 0xFF, 0x00, 0x42, 0x43},
     5,
     {0x41, 0x42, 0x43},
     {0, HP_PARMRK_ERROR, 0},
     3,
     1,
     0},
    {"FF 00 00 is a break",
     {0xFF, 0x00, 0x00, 0x7E},
     4,
     {0x00, 0x7E},
     {HP_PARMRK_BREAK, 0},
     2,
     0,
     1},
    {"an error on a real FF", {0xFF, 0x00, 0xFF}, 3, {0xFF}, {HP_PARMRK_ERROR}, 1, 1, 0},
    {"FF x is no kernel mark: x flagged", {0xFF, 0x41}, 2, {0x41}, {HP_PARMRK_ERROR}, 1, 1, 0},
    {"runs of marks",
     {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0x00, 0x10},
     10,
     {0xFF, 0xFF, 0x00, 0x10},
     {0, 0, HP_PARMRK_BREAK, HP_PARMRK_ERROR},
     4,
     1,
     1},
};

static void run_case(const struct parmrk_case *c, size_t split)
{
	struct hp_parmrk p;
	uint8_t out[32], flags[32];
	hp_parmrk_init(&p);
	size_t n = hp_parmrk_feed(&p, c->in, split, out, flags);
	n += hp_parmrk_feed(&p, c->in + split, c->in_len - split, out + n, flags + n);
	CHECK_MSG(n == c->out_len, "%s (split %zu): %zu bytes", c->legend, split, n);
	CHECK_MSG(memcmp(out, c->out, c->out_len) == 0, "%s (split %zu)", c->legend, split);
	CHECK_MSG(memcmp(flags, c->flags, c->out_len) == 0, "%s (split %zu): flags", c->legend,
		  split);
	CHECK_INT(p.errors, c->errors);
	CHECK_INT(p.breaks, c->breaks);
}

/* Every case at every split point: a mark cut by the end of a read is whole in
 * the next. */
static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t split = 0; split <= cases[i].in_len; split++)
			run_case(&cases[i], split);
	}
}

/* In place, and without flags. */
static void test_in_place(void)
{
	uint8_t buf[] = {0x01, 0xFF, 0xFF, 0xFF, 0x00, 0x05, 0x06, 0xFF, 0x00, 0x00};
	struct hp_parmrk p;
	hp_parmrk_init(&p);
	size_t n = hp_parmrk_feed(&p, buf, sizeof(buf), buf, NULL);
	const uint8_t want[] = {0x01, 0xFF, 0x05, 0x06, 0x00};
	CHECK_INT(n, sizeof(want));
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
	CHECK_INT(p.errors, 1);
	CHECK_INT(p.breaks, 1);
}

int main(void)
{
	test_cases();
	test_in_place();
	return check_report("parmrk");
}
