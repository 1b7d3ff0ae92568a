/* Autodetection without a device: encoder-made frames are sent through a model of
 * the line (the transmitter's baud rate and framing, the bits on the wire) and
 * received by an ideal UART at the setting the detector listens at, with the marks
 * the Linux line discipline adds under PARMRK. So every wrong setting produces the
 * bytes and flags a real port would give it. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "autodetect.h"
#include "check.h"
#include "meters.h"
#include "parmrk.h"

/* ---- the line: a transmitter sends bits, an ideal UART receives them ---- */

struct line {
	unsigned baud;
	enum hp_parity framing; /* 8N1, 8E1 or 7E1 */
	bool inverted;          /* idle low, every bit flipped (P1 without an inverter) */
	int corrupt_byte;       /* >= 0: flip this byte of every frame (bad CRC) */
};

/* Idle bits before a burst, so that a receiver finds the line at rest. */
#define IDLE_BITS 40
#define BITS_MAX  (16384 * 11 + IDLE_BITS)
#define RX_MAX    (3 * 16384)

struct bits {
	uint8_t b[BITS_MAX];
	size_t n;
};

static unsigned data_bits(enum hp_parity p)
{
	return p == HP_PARITY_7E1 ? 7 : 8;
}

static bool has_parity(enum hp_parity p)
{
	return p == HP_PARITY_8E1 || p == HP_PARITY_7E1;
}

static unsigned weight(unsigned v)
{
	return (unsigned)__builtin_popcount(v);
}

/* The levels on the wire for a frame: 1 = mark (idle), start 0, LSB first, even
 * parity, one stop bit. */
static void transmit(const struct line *l, const uint8_t *p, size_t n, struct bits *out)
{
	out->n = 0;
	for (int i = 0; i < IDLE_BITS; i++)
		out->b[out->n++] = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned v = p[i] & (data_bits(l->framing) == 7 ? 0x7F : 0xFF);
		out->b[out->n++] = 0;
		for (unsigned k = 0; k < data_bits(l->framing); k++)
			out->b[out->n++] = (uint8_t)(v >> k & 1);
		if (has_parity(l->framing))
			out->b[out->n++] = (uint8_t)(weight(v) & 1);
		out->b[out->n++] = 1;
	}
	if (l->inverted) {
		for (size_t i = 0; i < out->n; i++)
			out->b[i] ^= 1;
	}
}

struct rx {
	const struct bits *bits;
	double tx_bit; /* seconds per transmitted bit */
	uint8_t idle;
};

static uint8_t level(const struct rx *r, double t)
{
	double idx = floor(t / r->tx_bit);
	if (idx < 0 || idx >= (double)r->bits->n)
		return r->idle;
	return r->bits->b[(size_t)idx];
}

/* The first time at or after t at which the line is at `want`; < 0 when it stays
 * otherwise until the end of the burst. */
static double next_level(const struct rx *r, double t, uint8_t want)
{
	if (level(r, t) == want)
		return t;
	for (size_t i = (size_t)floor(t / r->tx_bit) + 1; i < r->bits->n; i++) {
		if (r->bits->b[i] == want)
			return (double)i * r->tx_bit;
	}
	return r->idle == want ? (double)r->bits->n * r->tx_bit : -1;
}

static void put_marked(uint8_t *out, size_t *k, uint8_t v, bool error, bool brk)
{
	if (brk) {
		out[(*k)++] = 0xFF;
		out[(*k)++] = 0x00;
		out[(*k)++] = 0x00;
	} else if (error) {
		out[(*k)++] = 0xFF;
		out[(*k)++] = 0x00;
		out[(*k)++] = v;
	} else if (v == 0xFF) {
		out[(*k)++] = 0xFF;
		out[(*k)++] = 0xFF;
	} else {
		out[(*k)++] = v;
	}
}

/* An ideal UART at `at`: a start bit is a low level sampled again at its middle;
 * bits are sampled at their middles; after a stop bit sampled low (framing error,
 * break) it waits for the line to go high before the next start. Returns the bytes
 * with PARMRK marks. */
static size_t receive(const struct line *l, const struct bits *bits, struct hp_line_setting at,
		      uint8_t *out)
{
	struct rx r = {.bits = bits, .tx_bit = 1.0 / l->baud, .idle = l->inverted ? 0 : 1};
	double rx_bit = 1.0 / at.baud;
	unsigned nd = data_bits(at.parity);
	size_t k = 0;
	bool need_mark = l->inverted; /* an inverted line was low (a break) since open */
	double t = 0;
	while (k + 3 <= RX_MAX) {
		if (need_mark) {
			t = next_level(&r, t, 1);
			if (t < 0 || t >= (double)bits->n * r.tx_bit)
				break;
			need_mark = false;
		}
		double edge = next_level(&r, t, 0);
		if (edge < 0 || edge >= (double)bits->n * r.tx_bit)
			break;
		if (level(&r, edge + rx_bit / 2) != 0) {
			t = edge + rx_bit / 2; /* a glitch, not a start bit */
			continue;
		}
		unsigned v = 0, slot = 1;
		for (unsigned i = 0; i < nd; i++, slot++)
			v |= (unsigned)level(&r, edge + (slot + 0.5) * rx_bit) << i;
		bool parity_error = false;
		unsigned parity_bit = 0;
		if (has_parity(at.parity)) {
			parity_bit = level(&r, edge + (slot + 0.5) * rx_bit);
			parity_error = parity_bit != (weight(v) & 1);
			slot++;
		}
		uint8_t stop = level(&r, edge + (slot + 0.5) * rx_bit);
		bool brk = v == 0 && parity_bit == 0 && stop == 0;
		put_marked(out, &k, (uint8_t)v, parity_error || stop == 0, brk);
		t = edge + (slot + 0.5) * rx_bit;
		need_mark = stop == 0;
	}
	return k;
}

/* ---- frames ---- */

#define FRAME_MAX 16384

struct meter {
	enum hp_enc_profile profile;
	bool plain; /* drop the profile's ciphering */
};

static size_t make_frame(const struct meter *m, const struct line *l, unsigned index, uint8_t *out)
{
	struct hp_enc_values v;
	struct hp_enc_link link;
	hp_enc_values_example(&v, 3);
	v.energy_import_kwh += index; /* frames differ, as a live meter's do */
	hp_enc_meter_default_link(m->profile, &link);
	if (m->plain)
		link.cipher = false;
	link.ggc.ic += index;
	struct hp_buf b;
	hp_buf_init(&b, out, FRAME_MAX);
	if (hp_enc_meter_frames(&b, m->profile, &v, &link) != 0)
		return 0;
	if (l->corrupt_byte >= 0 && (size_t)l->corrupt_byte < b.len)
		out[l->corrupt_byte] ^= 0x10;
	return b.len;
}

/* ---- driving the detector as the serial source does ---- */

/* Simulated time: the meter pushes on its own clock, every PERIOD_MS from a start
 * that is not the detector's; the source reads (or times out) every TICK_MS. A
 * short window keeps the silent cases quick; test_settle uses the real one. */
#define WINDOW_MS      3000
#define PERIOD_MS      1000
#define TICK_MS        200
#define PUSH_OFFSET_MS 370
#define SIM_LIMIT_MS   (600 * 1000)

struct outcome {
	bool found;
	struct hp_line_setting setting;
	int64_t found_ms; /* simulated time of the decision */
	bool confirmed;
	unsigned listened; /* candidates listened to */
	struct hp_line_setting first;
};

struct harness {
	struct hp_autodetect *d;
	const struct meter *meter;
	const struct line *line; /* NULL: no bytes at all */
	int64_t now, period_ms, next_push;
	unsigned frame;
};

static void harness_init(struct harness *h, struct hp_autodetect *d, const struct meter *m,
			 const struct line *l, int64_t period_ms)
{
	*h = (struct harness){.d = d, .meter = m, .line = l, .period_ms = period_ms};
	h->next_push = PUSH_OFFSET_MS;
}

/* One tick: the push that fell in it arrives whole, as the bytes the port at `at`
 * would give; otherwise the read times out. */
static enum hp_detect_step tick(struct harness *h, struct hp_line_setting at)
{
	static uint8_t frame[FRAME_MAX], marked[RX_MAX], bytes[RX_MAX], flags[RX_MAX];
	static struct bits bits;
	h->now += TICK_MS;
	if (h->line == NULL || h->now < h->next_push)
		return hp_autodetect_feed(h->d, NULL, NULL, 0, h->now);
	h->next_push += h->period_ms;
	size_t n = make_frame(h->meter, h->line, h->frame++, frame);
	transmit(h->line, frame, n, &bits);
	size_t m = receive(h->line, &bits, at, marked);
	struct hp_parmrk pm;
	hp_parmrk_init(&pm);
	size_t k = hp_parmrk_feed(&pm, marked, m, bytes, flags);
	return hp_autodetect_feed(h->d, bytes, flags, k, h->now);
}

static struct hp_autodetect *detector_w(unsigned baud, enum hp_parity parity,
					struct hp_line_setting saved, int64_t window_ms)
{
	struct hp_autodetect_config c = {
	    .baud = baud, .parity = parity, .saved = saved, .window_ms = window_ms};
	return hp_autodetect_new(&c);
}

static struct hp_autodetect *detector(unsigned baud, enum hp_parity parity,
				      struct hp_line_setting saved)
{
	return detector_w(baud, parity, saved, WINDOW_MS);
}

/* Listens candidate after candidate until a frame validates, then verifies. */
static struct outcome run(struct harness *h, unsigned max_candidates)
{
	struct outcome o = {0};
	o.first = hp_autodetect_listen_setting(h->d);
	while (o.listened < max_candidates && !o.found && h->now < SIM_LIMIT_MS) {
		struct hp_line_setting at = hp_autodetect_listen_setting(h->d);
		hp_autodetect_listen(h->d, h->now);
		o.listened++;
		enum hp_detect_step r;
		while ((r = tick(h, at)) == HP_DETECT_LISTEN)
			;
		if (r == HP_DETECT_FOUND) {
			o.found = true;
			o.found_ms = h->now;
			o.setting = hp_autodetect_found(h->d);
		}
	}
	if (!o.found)
		return o;
	/* Reopened at the exact setting: the next frames must confirm it. */
	hp_autodetect_verify(h->d, o.setting, h->now);
	int64_t until = h->now + 10 * h->period_ms;
	while (h->now < until) {
		enum hp_detect_step r = tick(h, o.setting);
		if (r == HP_DETECT_CONFIRMED)
			o.confirmed = true;
		if (r != HP_DETECT_LISTEN)
			break;
	}
	return o;
}

static const struct hp_line_setting no_saved = {0, HP_PARITY_AUTO};

static void expect_found(const char *legend, const struct meter *m, const struct line *l,
			 unsigned baud, enum hp_parity parity, unsigned want_baud,
			 enum hp_parity want_parity, unsigned want_listens)
{
	struct harness h;
	harness_init(&h, detector(baud, parity, no_saved), m, l, PERIOD_MS);
	struct outcome o = run(&h, 8);
	CHECK_MSG(o.found, "%s: nothing found", legend);
	CHECK_MSG(o.setting.baud == want_baud && o.setting.parity == want_parity,
		  "%s: found %u parity %d", legend, o.setting.baud, (int)o.setting.parity);
	CHECK_MSG(o.confirmed, "%s: not confirmed at the exact setting", legend);
	/* No wrong candidate before the right one validated anything. */
	CHECK_MSG(o.listened == want_listens, "%s: %u listens", legend, o.listened);
	hp_autodetect_free(h.d);
}

/* One listen per baud rate covers each framing at that rate. */
static void test_settings(void)
{
	const struct meter aidon = {HP_PROFILE_AIDON_LIST2, false};
	const struct meter kamstrup = {HP_PROFILE_KAMSTRUP_LIST2, false};
	const struct meter dsmr22 = {HP_PROFILE_DSMR22_NL, false};
	const struct meter dsmr50 = {HP_PROFILE_DSMR50_NL, false};
	const struct meter iskra = {HP_PROFILE_ISKRA_12, false};
	const struct meter sagemcom = {HP_PROFILE_SAGEMCOM_AT, false};
	struct line l = {.corrupt_byte = -1};

	l.baud = 2400, l.framing = HP_PARITY_8E1;
	expect_found("Aidon 2400 8E1", &aidon, &l, 0, HP_PARITY_AUTO, 2400, HP_PARITY_8E1, 1);
	l.baud = 2400, l.framing = HP_PARITY_8N1;
	expect_found("Kamstrup 2400 8N1", &kamstrup, &l, 0, HP_PARITY_AUTO, 2400, HP_PARITY_8N1, 1);
	l.baud = 9600, l.framing = HP_PARITY_7E1;
	expect_found("DSMR 2.2 9600 7E1", &dsmr22, &l, 0, HP_PARITY_AUTO, 9600, HP_PARITY_7E1, 3);
	l.baud = 115200, l.framing = HP_PARITY_8N1;
	expect_found("DSMR 5 115200 8N1", &dsmr50, &l, 0, HP_PARITY_AUTO, 115200, HP_PARITY_8N1, 2);
	l.baud = 38400, l.framing = HP_PARITY_8N1;
	expect_found("Iskra 38400 8N1", &iskra, &l, 0, HP_PARITY_AUTO, 38400, HP_PARITY_8N1, 4);
	/* Encrypted without a key: `no_key` proves the framing as well as a reading. */
	l.baud = 2400, l.framing = HP_PARITY_8E1;
	expect_found("Sagemcom AT encrypted, no key", &sagemcom, &l, 0, HP_PARITY_AUTO, 2400,
		     HP_PARITY_8E1, 1);
	/* A fixed baud rate with the parity on auto; a fixed parity with the rate on auto. */
	l.baud = 9600, l.framing = HP_PARITY_7E1;
	expect_found("fixed 9600, parity auto", &dsmr22, &l, 9600, HP_PARITY_AUTO, 9600,
		     HP_PARITY_7E1, 1);
	l.baud = 2400, l.framing = HP_PARITY_8E1;
	expect_found("fixed 8E1, baud auto", &aidon, &l, 0, HP_PARITY_8E1, 2400, HP_PARITY_8E1, 1);
}

/* The byte forms themselves, as the detector's evidence relies on them. */
static void test_line_model(void)
{
	const struct line l8e1 = {.baud = 2400, .framing = HP_PARITY_8E1, .corrupt_byte = -1};
	const struct line l7e1 = {.baud = 9600, .framing = HP_PARITY_7E1, .corrupt_byte = -1};
	const uint8_t text[] = {'/', 'K', 'F', 'M', '5', 0x00, 0xFF};
	static struct bits bits;
	uint8_t out[64];
	/* 8E1 read as 8N1: the bytes of even weight ('K' 4B, 'M' 4D, '5' 35, FF) have
	 * their parity bit 0 in the stop-bit slot (framing error), 00 is a break. */
	transmit(&l8e1, text, sizeof(text), &bits);
	size_t n = receive(&l8e1, &bits, (struct hp_line_setting){2400, HP_PARITY_8N1}, out);
	const uint8_t want8[] = {0x2F, 0xFF, 0x00, 0x4B, 0x46, 0xFF, 0x00, 0x4D, 0xFF,
				 0x00, 0x35, 0xFF, 0x00, 0x00, 0xFF, 0x00, 0xFF};
	CHECK_INT(n, sizeof(want8));
	CHECK(memcmp(out, want8, sizeof(want8)) == 0);
	/* 7E1 read as 8N1: the parity bit is bit 7 (/KFM5 -> AF 4B C6 4D 35). */
	transmit(&l7e1, text, 5, &bits);
	n = receive(&l7e1, &bits, (struct hp_line_setting){9600, HP_PARITY_8N1}, out);
	const uint8_t want7[] = {0xAF, 0x4B, 0xC6, 0x4D, 0x35};
	CHECK_INT(n, sizeof(want7));
	CHECK(memcmp(out, want7, sizeof(want7)) == 0);
}

static void test_saved_first(void)
{
	const struct meter dsmr22 = {HP_PROFILE_DSMR22_NL, false};
	const struct line l = {.baud = 9600, .framing = HP_PARITY_7E1, .corrupt_byte = -1};
	struct hp_line_setting saved = {9600, HP_PARITY_7E1};
	struct harness h;
	harness_init(&h, detector(0, HP_PARITY_AUTO, saved), &dsmr22, &l, PERIOD_MS);
	struct outcome o = run(&h, 8);
	CHECK_INT(o.first.baud, 9600);
	CHECK_INT(o.first.parity, HP_PARITY_8N1); /* listened to at 8N1, as every candidate */
	CHECK_INT(o.listened, 1);
	CHECK(o.found && o.setting.parity == HP_PARITY_7E1);
	hp_autodetect_free(h.d);
}

/* The scan order without a saved setting, and the wrap after a full cycle. */
static void test_order_and_cycle(void)
{
	struct harness h;
	harness_init(&h, detector(0, HP_PARITY_AUTO, no_saved), NULL, NULL, PERIOD_MS);
	const unsigned order[] = {2400, 115200, 9600, 38400, 2400};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct hp_line_setting at = hp_autodetect_listen_setting(h.d);
		CHECK_INT(at.baud, order[i]);
		CHECK_INT(at.parity, HP_PARITY_8N1);
		CHECK_INT(hp_autodetect_cycles(h.d), i < 4 ? 0 : 1);
		if (i < 4)
			CHECK_STREQ(hp_autodetect_diagnosis(h.d), "");
		hp_autodetect_listen(h.d, h.now);
		/* Quiet until the window is over. */
		CHECK_INT(hp_autodetect_feed(h.d, NULL, NULL, 0, h.now + WINDOW_MS - 1),
			  HP_DETECT_LISTEN);
		h.now += WINDOW_MS;
		CHECK_INT(hp_autodetect_feed(h.d, NULL, NULL, 0, h.now), HP_DETECT_NEXT);
	}
	CHECK_MSG(strstr(hp_autodetect_diagnosis(h.d), "no bytes at all") != NULL, "%s",
		  hp_autodetect_diagnosis(h.d));
	hp_autodetect_free(h.d);
}

/* Every setting fails: the diagnosis names the probable cause. */
static void expect_diagnosis(const char *legend, const struct meter *m, const struct line *l,
			     const char *want)
{
	struct harness h;
	harness_init(&h, detector(0, HP_PARITY_AUTO, no_saved), m, l, PERIOD_MS);
	struct outcome o = run(&h, 4);
	CHECK_MSG(!o.found, "%s: found %u", legend, o.setting.baud);
	CHECK_INT(hp_autodetect_cycles(h.d), 1);
	const char *diag = hp_autodetect_diagnosis(h.d);
	CHECK_MSG(strstr(diag, want) != NULL, "%s: \"%s\" lacks \"%s\"", legend, diag, want);
	printf("%s: %s\n", legend, diag);
	hp_autodetect_free(h.d);
}

static void test_diagnosis(void)
{
	const struct meter kamstrup = {HP_PROFILE_KAMSTRUP_LIST2, false};
	const struct meter dsmr50 = {HP_PROFILE_DSMR50_NL, false};
	struct line l = {
	    .baud = 115200, .framing = HP_PARITY_8N1, .inverted = true, .corrupt_byte = -1};
	expect_diagnosis("inverted P1", &dsmr50, &l, "inverted");
	l = (struct line){.baud = 2400, .framing = HP_PARITY_8N1, .corrupt_byte = 30};
	expect_diagnosis("bad CRC", &kamstrup, &l, "fail their CRC");
	expect_diagnosis("silent", &kamstrup, NULL, "no bytes at all");
}

/* A remembered setting that no longer works is given up after the verify windows. */
static void test_verify_lost(void)
{
	const struct meter kamstrup = {HP_PROFILE_KAMSTRUP_LIST2, false};
	const struct line l = {.baud = 2400, .framing = HP_PARITY_8N1, .corrupt_byte = -1};
	struct harness h;
	harness_init(&h, detector(0, HP_PARITY_AUTO, no_saved), &kamstrup, &l, PERIOD_MS);
	struct hp_line_setting wrong = {9600, HP_PARITY_8N1};
	hp_autodetect_verify(h.d, wrong, h.now);
	enum hp_detect_step r = HP_DETECT_LISTEN;
	while (r == HP_DETECT_LISTEN && h.now < SIM_LIMIT_MS)
		r = tick(&h, wrong);
	CHECK_INT(r, HP_DETECT_LOST);
	CHECK_INT(h.now, 3 * WINDOW_MS);
	CHECK_INT(hp_autodetect_listen_setting(h.d).baud, 2400);
	/* And listening from there finds the right one. */
	struct outcome o = run(&h, 8);
	CHECK(o.found && o.setting.baud == 2400 && o.confirmed);
	hp_autodetect_free(h.d);
}

/* With the real 12 s window: a whole push heard at a wrong rate moves on at once,
 * so a DSMR 5 meter (115200, every second) settles in a few seconds and a HAN
 * meter at 2400 within one push interval. */
static void expect_settle(const char *legend, const struct meter *m, const struct line *l,
			  int64_t period_ms, int64_t within_ms)
{
	struct harness h;
	harness_init(&h, detector_w(0, HP_PARITY_AUTO, no_saved, 0), m, l, period_ms);
	struct outcome o = run(&h, 8);
	CHECK_MSG(o.found && o.setting.baud == l->baud && o.setting.parity == l->framing,
		  "%s: found %u", legend, o.setting.baud);
	CHECK_MSG(o.found_ms <= within_ms, "%s: settled after %lld ms", legend,
		  (long long)o.found_ms);
	printf("%s: settled after %lld ms (%u settings listened to)\n", legend,
	       (long long)o.found_ms, o.listened);
	hp_autodetect_free(h.d);
}

static void test_settle(void)
{
	const struct meter dsmr50 = {HP_PROFILE_DSMR50_NL, false};
	const struct meter aidon = {HP_PROFILE_AIDON_LIST2, false};
	const struct meter dsmr22 = {HP_PROFILE_DSMR22_NL, false};
	const struct line p1 = {.baud = 115200, .framing = HP_PARITY_8N1, .corrupt_byte = -1};
	const struct line han = {.baud = 2400, .framing = HP_PARITY_8E1, .corrupt_byte = -1};
	const struct line old = {.baud = 9600, .framing = HP_PARITY_7E1, .corrupt_byte = -1};
	expect_settle("DSMR 5, 1 s pushes", &dsmr50, &p1, 1000, 10000);
	expect_settle("Aidon HAN, 10 s pushes", &aidon, &han, 10000, 10000);
	/* Third in the scan order with 10 s pushes: about three push intervals. */
	expect_settle("DSMR 2.2, 10 s pushes", &dsmr22, &old, 10000, 32000);
}

int main(void)
{
	test_line_model();
	test_settings();
	test_saved_first();
	test_order_and_cycle();
	test_diagnosis();
	test_verify_lost();
	test_settle();
	return check_report("autodetect");
}
