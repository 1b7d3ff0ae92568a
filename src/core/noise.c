/* Line diagnostics for an input in which no frame was found (noise.h).
 *
 * The causes are tried in table order, the most specific first: a frame that
 * appears after a transformation of the bytes is near proof, byte statistics only
 * a hint. Runs once per input, so clarity wins over speed here. */
#include <stdbool.h>
#include <stdio.h>

#include "dsmr.h"
#include "hdlc.h"
#include "mbus.h"
#include "noise.h"

#define INVERT_MASK 0xFF
#define PARITY_MASK 0x7F

/* Thresholds in percent of the bytes looked at. */
#define MOSTLY_PCT      50
#define NEARLY_ALL_PCT  90
#define SLOW4X_HIGH_PCT 25
#define HALF_LOW_PCT    25
#define HALF_HIGH_PCT   75
/* Spikes are a few bytes while the meter is idle, not a stream. */
#define SPIKES_MAX 16

struct noise_counts {
	size_t n;
	size_t high;        /* >= 0x80 */
	size_t zero_ff;     /* 00 or FF */
	size_t slow4x;      /* 00 80 78 F8 F0: a line 4x slower than set */
	size_t slow4x_hi;   /* the same without 00 */
	size_t spikes;      /* FF FE F0 */
	size_t text;        /* printable ASCII, CR, LF */
	size_t masked_text; /* text once bit 7 is masked */
};

struct noise_input {
	const uint8_t *buf;
	size_t len;
	struct noise_counts c;
};

static bool is_text(uint8_t b)
{
	return (b >= 0x20 && b <= 0x7E) || b == '\r' || b == '\n';
}

static bool is_slow4x(uint8_t b)
{
	return b == 0x80 || b == 0x78 || b == 0xF8 || b == 0xF0;
}

static void count(const uint8_t *buf, size_t len, struct noise_counts *c)
{
	*c = (struct noise_counts){.n = len};
	for (size_t i = 0; i < len; i++) {
		uint8_t b = buf[i];
		c->high += b >= 0x80;
		c->zero_ff += b == 0x00 || b == 0xFF;
		c->slow4x += b == 0x00 || is_slow4x(b);
		c->slow4x_hi += is_slow4x(b);
		c->spikes += b == 0xFF || b == 0xFE || b == 0xF0;
		c->text += is_text(b);
		c->masked_text += is_text((uint8_t)(b & PARITY_MASK));
	}
}

static bool pct_at_least(size_t part, size_t n, unsigned pct)
{
	return n > 0 && part * 100 >= (size_t)pct * n;
}

/* A telegram without CRC is easily delimited in random bytes ('/', letters, '!'):
 * only text counts. */
static bool mostly_text(const uint8_t *p, size_t n)
{
	size_t text = 0;
	for (size_t i = 0; i < n; i++)
		text += is_text(p[i]);
	return pct_at_least(text, n, NEARLY_ALL_PCT);
}

/* A frame of one of the line framings delimited at buf[0]. For HDLC and M-Bus a
 * frame cut off by the end of the sample counts once its header checked out. */
static bool frame_at(const uint8_t *buf, size_t avail, bool text_only)
{
	struct hp_probe_result res = {.status = HP_PROBE_NO};
	switch (buf[0]) {
	case HP_HDLC_FLAG:
		if (text_only)
			return false;
		hp_hdlc_probe(buf, avail, true, &res);
		break;
	case HP_MBUS_START:
		if (text_only)
			return false;
		hp_mbus_probe(buf, avail, true, &res);
		break;
	case '/':
		hp_dsmr_probe(buf, avail, true, &res);
		return (res.status == HP_PROBE_FRAME || res.status == HP_PROBE_BAD) &&
		       mostly_text(buf, res.len);
	default:
		return false;
	}
	return res.status == HP_PROBE_FRAME || res.status == HP_PROBE_BAD ||
	       (res.status == HP_PROBE_MORE && res.error.code == HP_ERR_TRUNCATED);
}

/* Applies mask (xor for inversion, and for parity) to a copy and looks for frames. */
static bool frame_after(const struct noise_input *in, uint8_t xor_mask, uint8_t and_mask,
			bool text_only)
{
	uint8_t copy[HP_NOISE_SAMPLE];
	for (size_t i = 0; i < in->len; i++)
		copy[i] = (uint8_t)((in->buf[i] ^ xor_mask) & and_mask);
	for (size_t i = 0; i < in->len; i++) {
		if (frame_at(copy + i, in->len - i, text_only))
			return true;
	}
	return false;
}

static bool looks_inverted(const struct noise_input *in)
{
	return frame_after(in, INVERT_MASK, 0xFF, false);
}

/* A telegram once bit 7 is masked, or text with bit 7 set on about half the bytes
 * (the parity bit of 7E1 read as data). */
static bool looks_7e1(const struct noise_input *in)
{
	const struct noise_counts *c = &in->c;
	if (c->high > 0 && frame_after(in, 0, PARITY_MASK, true))
		return true;
	return pct_at_least(c->masked_text, c->n, NEARLY_ALL_PCT) &&
	       pct_at_least(c->high, c->n, HALF_LOW_PCT) &&
	       !pct_at_least(c->high, c->n, HALF_HIGH_PCT + 1);
}

static bool looks_spikes(const struct noise_input *in)
{
	return in->c.n <= SPIKES_MAX && in->c.spikes == in->c.n;
}

static bool looks_slow4x(const struct noise_input *in)
{
	return pct_at_least(in->c.slow4x, in->c.n, NEARLY_ALL_PCT) &&
	       pct_at_least(in->c.slow4x_hi, in->c.n, SLOW4X_HIGH_PCT);
}

static bool looks_zero_ff(const struct noise_input *in)
{
	return pct_at_least(in->c.zero_ff, in->c.n, MOSTLY_PCT);
}

static bool looks_high(const struct noise_input *in)
{
	return pct_at_least(in->c.high, in->c.n, NEARLY_ALL_PCT);
}

static bool looks_text(const struct noise_input *in)
{
	return pct_at_least(in->c.text, in->c.n, NEARLY_ALL_PCT);
}

static bool always(const struct noise_input *in)
{
	(void)in;
	return true;
}

struct noise_rule {
	enum hp_noise_class cls;
	bool (*test)(const struct noise_input *in);
	const char *cause;
};

/* protocols-dsmr-serial.md "Diagnostics: what the bytes say", most specific first. */
static const struct noise_rule rules[] = {
    {HP_NOISE_INVERTED, looks_inverted,
     "inverted signal: the bytes hold frames once every bit is inverted (idle level low); "
     "invert RX in the adapter or add an inverter"},
    {HP_NOISE_7E1, looks_7e1, "7E1 line read as 8N1: the text is DSMR once bit 7 is masked"},
    {HP_NOISE_SPIKES, looks_spikes,
     "isolated FF/FE/F0: spikes on the cable (EMI, switching supply, ground loop)"},
    {HP_NOISE_SLOW4X, looks_slow4x,
     "only 00 80 78 F8 F0: line about 4x slower than set (2400 read at 9600)"},
    {HP_NOISE_ZERO_FF, looks_zero_ff, "mostly 00/FF: line much slower than set or held low"},
    {HP_NOISE_HIGH, looks_high,
     "mostly bytes >= 0x80 without a frame: inverted signal or wrong baud rate"},
    {HP_NOISE_TEXT, looks_text, "text without a complete frame: telegrams cut off or not DSMR"},
    {HP_NOISE_RANDOM, always, "random bytes: wrong baud rate or noise"},
};

static unsigned pct(size_t part, size_t n)
{
	return n ? (unsigned)(part * 100 / n) : 0;
}

enum hp_noise_class hp_noise_classify(const uint8_t *buf, size_t len, char *detail, size_t size)
{
	struct noise_input in = {.buf = buf, .len = len < HP_NOISE_SAMPLE ? len : HP_NOISE_SAMPLE};
	if (in.len == 0) {
		if (size > 0)
			snprintf(detail, size,
				 "no bytes at all: no data request, pull-up, port "
				 "activation or adapter power");
		return HP_NOISE_NONE;
	}
	count(in.buf, in.len, &in.c);
	size_t i = 0;
	while (!rules[i].test(&in))
		i++;
	if (size > 0)
		snprintf(detail, size, "%s (%zu bytes, %u%% >= 0x80, %u%% 00/FF)", rules[i].cause,
			 in.len, pct(in.c.high, in.len), pct(in.c.zero_ff, in.len));
	return rules[i].cls;
}
