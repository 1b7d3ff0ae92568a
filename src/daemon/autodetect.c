/* Serial line autodetection (autodetect.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodetect.h"
#include "noise.h"
#include "parmrk.h"

/* The scan order of protocols-dsmr-serial.md: the HAN rate first, then the P1 rates. */
static const unsigned scan_bauds[] = {2400, 115200, 9600, 38400};
#define SCAN_COUNT (sizeof(scan_bauds) / sizeof(scan_bauds[0]))
/* The saved setting plus the scan list. */
#define CANDIDATES_MAX (SCAN_COUNT + 1)

/* Bytes of even bit-weight seen before the parity is judged from them: a frame has
 * dozens, a handful could be noise. */
#define PARITY_EVIDENCE_MIN 8
#define PARITY_MASK         0x7F
/* Byte statistics over fewer bytes than this (a frame's worth) are a weak hint. */
#define DIAG_SAMPLE_MIN 64
/* Silence that separates two pushes. Pushes come every second at the most; the
 * frames or segments of one push follow each other at once. */
#define BURST_GAP_MS 500
/* Verifying gives up after this many windows of bytes without a single frame. */
#define VERIFY_WINDOWS 3

/* A valid frame counts from the first decoder event that proves the framing. */
struct frame_counter {
	unsigned valid;
};

/* What one candidate heard when no frame validated. */
struct candidate_noise {
	enum hp_noise_class cls;
	bool crc_failures; /* frames delimited right but failing their check */
	uint64_t heard;    /* bytes */
	char detail[HP_DETAIL_MAX];
};

/* Framing errors by bit-weight: an 8E1 line read as 8N1 flags exactly the bytes
 * whose parity bit (even parity: 0 for even weight) lands in the stop-bit slot. */
struct parity_evidence {
	uint64_t even, even_flagged, odd, odd_flagged;
};

struct hp_autodetect {
	struct hp_autodetect_config cfg;
	struct hp_line_setting cand[CANDIDATES_MAX];
	unsigned cand_count, cur;
	bool verifying;
	struct hp_line_setting found;
	int64_t started_ms;
	struct hp_decoder *plain, *masked;
	struct frame_counter plain_frames, masked_frames;
	uint64_t crc_at_start, frames_at_start; /* both decoders */
	/* Bursts: a push heard whole (silence before and after it) at a setting that
	 * checked no link frame is proof enough that the setting is wrong. */
	int64_t last_byte_ms;
	bool in_burst, burst_whole;
	unsigned whole_bursts;
	struct parity_evidence ev;
	uint64_t bytes;
	size_t sample_len;
	uint8_t sample[HP_NOISE_SAMPLE];
	struct candidate_noise noise[CANDIDATES_MAX];
	unsigned cycles;
	char diagnosis[HP_DETAIL_MAX];
};

static void on_event(void *ctx, const struct hp_event *ev)
{
	struct frame_counter *c = ctx;
	if (ev->reading != NULL) {
		c->valid++;
		return;
	}
	/* These codes come only from a frame whose link check (CRC, length) passed. */
	switch (ev->error->code) {
	case HP_ERR_AUTH:
	case HP_ERR_NO_KEY:
	case HP_ERR_UNSUPPORTED:
		c->valid++;
		break;
	default:
		break;
	}
}

static struct hp_decoder *decoder_for(const struct hp_keys *keys, struct frame_counter *c)
{
	struct hp_decoder_config dc = {.keys = *keys, .on_event = on_event, .ctx = c};
	return hp_decoder_new(&dc);
}

static enum hp_parity listen_parity(const struct hp_autodetect_config *cfg)
{
	return cfg->parity == HP_PARITY_AUTO ? HP_PARITY_8N1 : cfg->parity;
}

static void add_candidate(struct hp_autodetect *d, unsigned baud)
{
	for (unsigned i = 0; i < d->cand_count; i++) {
		if (d->cand[i].baud == baud)
			return;
	}
	d->cand[d->cand_count++] =
	    (struct hp_line_setting){.baud = baud, .parity = listen_parity(&d->cfg)};
}

static void make_candidates(struct hp_autodetect *d)
{
	d->cand_count = 0;
	if (d->cfg.baud != 0) {
		add_candidate(d, d->cfg.baud);
		return;
	}
	if (d->cfg.saved.baud != 0)
		add_candidate(d, d->cfg.saved.baud);
	for (size_t i = 0; i < SCAN_COUNT; i++)
		add_candidate(d, scan_bauds[i]);
}

struct hp_autodetect *hp_autodetect_new(const struct hp_autodetect_config *cfg)
{
	struct hp_autodetect *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	if (d->cfg.window_ms <= 0)
		d->cfg.window_ms = HP_DETECT_WINDOW_MS;
	make_candidates(d);
	d->plain = decoder_for(&cfg->keys, &d->plain_frames);
	d->masked = decoder_for(&cfg->keys, &d->masked_frames);
	if (d->plain == NULL || d->masked == NULL) {
		hp_autodetect_free(d);
		return NULL;
	}
	return d;
}

void hp_autodetect_free(struct hp_autodetect *d)
{
	if (d == NULL)
		return;
	hp_decoder_free(d->plain);
	hp_decoder_free(d->masked);
	free(d);
}

/* Link frames the decoders checked (HP_ERR_NONE) or errors of one code, counted
 * over both. */
static uint64_t checked(const struct hp_autodetect *d, enum hp_error_code code)
{
	const struct hp_decoder_stats *p = hp_decoder_stats(d->plain);
	const struct hp_decoder_stats *m = hp_decoder_stats(d->masked);
	return code == HP_ERR_NONE ? p->frames + m->frames : p->errors[code] + m->errors[code];
}

/* A fresh window: counters and evidence belong to one setting only. */
static void start_window(struct hp_autodetect *d, int64_t now_ms)
{
	d->started_ms = now_ms;
	d->plain_frames.valid = 0;
	d->masked_frames.valid = 0;
	d->crc_at_start = checked(d, HP_ERR_CRC);
	d->frames_at_start = checked(d, HP_ERR_NONE);
	d->last_byte_ms = now_ms;
	d->in_burst = false;
	d->whole_bursts = 0;
	d->ev = (struct parity_evidence){0};
	d->bytes = 0;
	d->sample_len = 0;
}

void hp_autodetect_listen(struct hp_autodetect *d, int64_t now_ms)
{
	d->verifying = false;
	start_window(d, now_ms);
}

struct hp_line_setting hp_autodetect_listen_setting(const struct hp_autodetect *d)
{
	return d->cand[d->cur];
}

void hp_autodetect_verify(struct hp_autodetect *d, struct hp_line_setting exact, int64_t now_ms)
{
	(void)exact; /* the caller opened the port at it; the bytes are what is checked */
	d->verifying = true;
	start_window(d, now_ms);
}

struct hp_line_setting hp_autodetect_found(const struct hp_autodetect *d)
{
	return d->found;
}

const char *hp_autodetect_diagnosis(const struct hp_autodetect *d)
{
	return d->diagnosis;
}

unsigned hp_autodetect_cycles(const struct hp_autodetect *d)
{
	return d->cycles;
}

static void gather(struct hp_autodetect *d, const uint8_t *bytes, const uint8_t *flags, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool flagged = flags != NULL && flags[i] != HP_PARMRK_OK;
		if (__builtin_popcount(bytes[i]) % 2 == 0) {
			d->ev.even++;
			d->ev.even_flagged += flagged;
		} else {
			d->ev.odd++;
			d->ev.odd_flagged += flagged;
		}
	}
	size_t room = sizeof(d->sample) - d->sample_len;
	size_t take = n < room ? n : room;
	memcpy(d->sample + d->sample_len, bytes, take);
	d->sample_len += take;
	d->bytes += n;
}

/* The masked copy goes through a small stack buffer, chunk by chunk. */
#define MASK_CHUNK 512

static void feed_masked(struct hp_autodetect *d, const uint8_t *bytes, size_t n, int64_t now_ms)
{
	uint8_t tmp[MASK_CHUNK];
	for (size_t off = 0; off < n; off += MASK_CHUNK) {
		size_t k = n - off < MASK_CHUNK ? n - off : MASK_CHUNK;
		for (size_t i = 0; i < k; i++)
			tmp[i] = bytes[off + i] & PARITY_MASK;
		hp_decoder_feed(d->masked, tmp, k, (uint64_t)now_ms);
	}
}

/* Listening at 8N1 with the parity on auto: what the evidence says the line is. */
static enum hp_parity settle_8bit(const struct parity_evidence *ev)
{
	bool even_flagged = ev->even >= PARITY_EVIDENCE_MIN && ev->even_flagged * 2 >= ev->even;
	bool odd_clean = ev->odd_flagged * 4 <= ev->odd;
	return even_flagged && odd_clean ? HP_PARITY_8E1 : HP_PARITY_8N1;
}

static bool frame_found(struct hp_autodetect *d)
{
	struct hp_line_setting at = d->cand[d->cur];
	if (d->plain_frames.valid > 0) {
		d->found.baud = at.baud;
		d->found.parity =
		    d->cfg.parity == HP_PARITY_AUTO ? settle_8bit(&d->ev) : d->cfg.parity;
		return true;
	}
	if (d->cfg.parity == HP_PARITY_AUTO && d->masked_frames.valid > 0) {
		/* Text that only validates without bit 7: the parity bit of 7E1. */
		d->found = (struct hp_line_setting){.baud = at.baud, .parity = HP_PARITY_7E1};
		return true;
	}
	return false;
}

/* How telling a class is, most telling first: frames with bad checks prove the
 * baud rate; a frame after inverting the bytes is near proof; text, bytes almost
 * all >= 0x80 (inverted or wrong rate) and the rest are statistics, which a few
 * bytes heard at a wrong rate can fake: a small sample ranks after a large one.
 * (A real 7E1 line has validated by now, so the 7E1 class here is a weak hint.) */
static int rank(const struct candidate_noise *c)
{
	static const enum hp_noise_class order[] = {
	    HP_NOISE_INVERTED, HP_NOISE_TEXT,    HP_NOISE_HIGH,   HP_NOISE_7E1,
	    HP_NOISE_SLOW4X,   HP_NOISE_ZERO_FF, HP_NOISE_SPIKES, HP_NOISE_RANDOM,
	};
	const int count = (int)(sizeof(order) / sizeof(order[0]));
	if (c->crc_failures)
		return -1;
	if (c->cls == HP_NOISE_NONE) /* any byte heard anywhere says more */
		return 2 * count;
	int r = count;
	for (int i = 0; i < count; i++) {
		if (order[i] == c->cls)
			r = i;
	}
	bool proof = c->cls == HP_NOISE_INVERTED;
	return !proof && c->heard < DIAG_SAMPLE_MIN ? r + count : r;
}

static void record_noise(struct hp_autodetect *d)
{
	struct candidate_noise *c = &d->noise[d->cur];
	c->cls = hp_noise_classify(d->sample, d->sample_len, c->detail, sizeof(c->detail));
	c->crc_failures = checked(d, HP_ERR_CRC) > d->crc_at_start;
	c->heard = d->bytes;
}

static void diagnose(struct hp_autodetect *d)
{
	unsigned best = 0;
	for (unsigned i = 1; i < d->cand_count; i++) {
		if (rank(&d->noise[i]) < rank(&d->noise[best]))
			best = i;
	}
	const struct candidate_noise *c = &d->noise[best];
	const struct hp_line_setting *s = &d->cand[best];
	if (c->crc_failures)
		snprintf(d->diagnosis, sizeof(d->diagnosis),
			 "frames at %u baud fail their CRC: marginal M-Bus supply, wrong pull-up, "
			 "starved USB adapter or overruns",
			 s->baud);
	else if (c->cls == HP_NOISE_NONE)
		snprintf(d->diagnosis, sizeof(d->diagnosis), "at every speed: %.200s", c->detail);
	else
		snprintf(d->diagnosis, sizeof(d->diagnosis), "no frame at any speed; at %u: %.180s",
			 s->baud, c->detail);
}

/* The window of the current candidate is over without a frame. */
static void next_candidate(struct hp_autodetect *d)
{
	record_noise(d);
	d->cur++;
	if (d->cur >= d->cand_count) {
		diagnose(d);
		d->cycles++;
		d->cur = 0;
	}
}

/* Follows pushes: a burst that began after a silence and is followed by one was
 * heard whole. */
static void track_bursts(struct hp_autodetect *d, size_t n, int64_t now_ms)
{
	if (d->in_burst && now_ms - d->last_byte_ms >= BURST_GAP_MS) {
		d->in_burst = false;
		d->whole_bursts += d->burst_whole;
	}
	if (n == 0)
		return;
	if (!d->in_burst) {
		d->in_burst = true;
		d->burst_whole = now_ms - d->last_byte_ms >= BURST_GAP_MS;
	}
	d->last_byte_ms = now_ms;
}

/* A whole push went by and nothing in it checked out as a frame, not even with a
 * bad CRC: the next candidate need not wait for the end of the window. (A frame
 * or segment that passed its check, or failed only its CRC, means the rate is
 * right: then the window runs on.) */
static bool wrong_for_sure(const struct hp_autodetect *d)
{
	return d->whole_bursts > 0 && checked(d, HP_ERR_NONE) == d->frames_at_start &&
	       checked(d, HP_ERR_CRC) == d->crc_at_start;
}

static enum hp_detect_step feed_verify(struct hp_autodetect *d, const uint8_t *bytes, size_t n,
				       int64_t now_ms)
{
	d->bytes += n;
	if (n > 0)
		hp_decoder_feed(d->plain, bytes, n, (uint64_t)now_ms);
	if (d->plain_frames.valid >= HP_DETECT_CONFIRM_FRAMES) {
		d->verifying = false;
		return HP_DETECT_CONFIRMED;
	}
	/* Without bytes there is no evidence against the setting (the meter may just be
	 * quiet); with one frame it was right. */
	if (d->plain_frames.valid == 0 && d->bytes > 0 &&
	    now_ms - d->started_ms >= VERIFY_WINDOWS * d->cfg.window_ms) {
		d->verifying = false;
		d->cur = 0;
		return HP_DETECT_LOST;
	}
	return HP_DETECT_LISTEN;
}

enum hp_detect_step hp_autodetect_feed(struct hp_autodetect *d, const uint8_t *bytes,
				       const uint8_t *flags, size_t n, int64_t now_ms)
{
	if (d->verifying)
		return feed_verify(d, bytes, n, now_ms);
	if (n > 0) {
		gather(d, bytes, flags, n);
		hp_decoder_feed(d->plain, bytes, n, (uint64_t)now_ms);
		if (d->cfg.parity == HP_PARITY_AUTO)
			feed_masked(d, bytes, n, now_ms);
	}
	if (frame_found(d))
		return HP_DETECT_FOUND;
	track_bursts(d, n, now_ms);
	if (now_ms - d->started_ms < d->cfg.window_ms && !wrong_for_sure(d))
		return HP_DETECT_LISTEN;
	next_candidate(d);
	return HP_DETECT_NEXT;
}
