/* The stream (stream.h): frames found in bytes fed in any chunking, segments joined,
 * errors and noise reported. Frames are built here from the layouts of protocols.md
 * (a), (b), (c), (d) and protocols-dsmr-serial.md (h); their worked examples are used
 * byte for byte. */
#include "check.h"
#include "crc.h"
#include "stream.h"
#include "wire.h"

/* ---- frames ---- */

/* protocols.md (a) data-notification: 2025-01-15 12:00:00, structure{uint32 1234}. */
static const uint8_t apdu_example[] = {
    0x0F, 0x40, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C,
    0x00, 0x00, 0xFF, 0x80, 0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2,
};
#define APDU_LEN      sizeof(apdu_example)
#define APDU_VALUE_AT 22

/* protocols.md (a) worked example: the APDU above in HDLC with LLC. */
static const uint8_t hdlc_example[] = {
    0x7E, 0xA0, 0x27, 0x01, 0x02, 0x01, 0x10, 0x5A, 0x87, 0xE6, 0xE7, 0x00, 0x0F, 0x40,
    0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF,
    0x80, 0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x6E, 0x28, 0x7E,
};

/* protocols.md (b) example: the same APDU in one M-Bus frame. */
static const uint8_t mbus_example[] = {
    0x68, 0x1F, 0x1F, 0x68, 0x53, 0xFF, 0x10, 0x01, 0x67, 0x0F, 0x40, 0x00, 0x00,
    0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80,
    0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x9B, 0x16,
};

/* protocols.md (d) test vector, security control 30. */
static const uint8_t ggc_sc30[] = {
    0xDB, 0x08, 0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01, 0x2B, 0x30, 0x00, 0x00,
    0x00, 0x01, 0x99, 0xA0, 0x86, 0xBC, 0x87, 0x8B, 0x08, 0x9D, 0x7D, 0xC3, 0x50, 0x4C,
    0xA5, 0x43, 0x14, 0x28, 0x4D, 0x06, 0xD8, 0x64, 0x9C, 0x36, 0x3C, 0x97, 0xB3, 0x55,
    0x3B, 0x0D, 0xCD, 0x1C, 0xF7, 0x5C, 0x9C, 0x02, 0x1C, 0x6D, 0x47, 0xCD,
};
#define GGC_HEADER_LEN 11 /* DB 08 title(8) LEN */

/* protocols-dsmr-serial.md (h) example, CRC 58E8. */
static const char telegram[] = "/XYZ5TESTMETER\r\n"
			       "\r\n"
			       "1-3:0.2.8(50)\r\n"
			       "0-0:1.0.0(250115120000W)\r\n"
			       "1-0:1.8.1(000123.456*kWh)\r\n"
			       "1-0:1.7.0(01.234*kW)\r\n"
			       "!58E8\r\n";

static const uint8_t llc[] = {0xE6, 0xE7, 0x00};

#define BUF_MAX 40000

struct buf {
	uint8_t b[BUF_MAX];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > BUF_MAX)
		return;
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_byte(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

/* The example APDU with another value, to tell frames apart. */
static void apdu_with(uint8_t *out, uint32_t value)
{
	memcpy(out, apdu_example, APDU_LEN);
	hp_put_be32(out + APDU_VALUE_AT, value);
}

/* HDLC type 3 with dst 03, src 21, control 13 (protocols.md (a) layout). */
static void put_hdlc(struct buf *b, bool seg, const uint8_t *info, size_t n)
{
	uint8_t f[2100];
	size_t l = 5 + 2 + n + 2;
	f[0] = 0x7E;
	f[1] = (uint8_t)(0xA0 | (seg ? 0x08 : 0) | ((l >> 8) & 7));
	f[2] = (uint8_t)l;
	f[3] = 0x03;
	f[4] = 0x21;
	f[5] = 0x13;
	hp_put_le16(f + 6, hp_crc16_x25(f + 1, 5));
	memcpy(f + 8, info, n);
	hp_put_le16(f + 8 + n, hp_crc16_x25(f + 1, 7 + n));
	f[10 + n] = 0x7E;
	put(b, f, l + 2);
}

/* HDLC frame of LLC + APDU with the given value. */
static void put_hdlc_apdu(struct buf *b, uint32_t value)
{
	uint8_t info[3 + APDU_LEN];
	memcpy(info, llc, 3);
	apdu_with(info + 3, value);
	put_hdlc(b, false, info, sizeof(info));
}

/* M-Bus long frame 68 L L 68 53 FF CI 01 67 data CS 16 (protocols.md (b)). */
static void put_mbus(struct buf *b, uint8_t ci, const uint8_t *data, size_t n)
{
	uint8_t f[300];
	size_t user = 5 + n;
	f[0] = f[3] = 0x68;
	f[1] = f[2] = (uint8_t)user;
	f[4] = 0x53;
	f[5] = 0xFF;
	f[6] = ci;
	f[7] = 0x01;
	f[8] = 0x67;
	memcpy(f + 9, data, n);
	unsigned cs = 0;
	for (size_t i = 0; i < user; i++)
		cs += f[4 + i];
	f[4 + user] = (uint8_t)cs;
	f[5 + user] = 0x16;
	put(b, f, user + 6);
}

/* A longer message to cut into segments: bytes that follow a simple pattern. */
static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

/* ---- running the stream ---- */

#define OBJ_MAX 64

struct obj {
	enum hp_link_kind kind;
	enum hp_framing framing;
	enum hp_error_code code;
	size_t len, raw_len;
	uint32_t hash;
	uint8_t first;
	char detail[HP_DETAIL_MAX];
};

struct run {
	struct obj o[OBJ_MAX];
	size_t n;
	struct hp_decoder_stats stats;
};

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void collect(void *ctx, const struct hp_link_frame *f)
{
	struct run *r = ctx;
	if (r->n >= OBJ_MAX)
		return;
	struct obj *o = &r->o[r->n++];
	memset(o, 0, sizeof(*o));
	o->kind = f->kind;
	o->framing = f->framing;
	o->raw_len = f->raw_len;
	if (f->kind == HP_LINK_ERROR) {
		o->code = f->error.code;
		memcpy(o->detail, f->error.detail, sizeof(o->detail));
		return;
	}
	o->len = f->len;
	o->hash = fnv(f->data, f->len);
	o->first = f->len ? f->data[0] : 0;
}

static struct hp_stream stream;

static void start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	hp_stream_init(&stream, collect, r, &r->stats, NULL);
}

/* The whole input in chunks of `chunk` bytes (0: one call), then finish. */
static void run_chunks(struct run *r, const struct buf *in, size_t chunk)
{
	start(r);
	if (chunk == 0)
		chunk = in->n ? in->n : 1;
	for (size_t i = 0; i < in->n; i += chunk) {
		size_t k = in->n - i < chunk ? in->n - i : chunk;
		hp_stream_feed(&stream, in->b + i, k, 0);
	}
	hp_stream_finish(&stream);
}

/* Two calls split at `at`, then finish. */
static void run_split(struct run *r, const struct buf *in, size_t at)
{
	start(r);
	hp_stream_feed(&stream, in->b, at, 0);
	hp_stream_feed(&stream, in->b + at, in->n - at, 0);
	hp_stream_finish(&stream);
}

static bool same_run(const struct run *a, const struct run *b)
{
	if (a->n != b->n || a->stats.bytes != b->stats.bytes ||
	    a->stats.garbage_bytes != b->stats.garbage_bytes || a->stats.frames != b->stats.frames)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct obj *x = &a->o[i], *y = &b->o[i];
		if (x->kind != y->kind || x->framing != y->framing || x->code != y->code ||
		    x->len != y->len || x->hash != y->hash || strcmp(x->detail, y->detail) != 0)
			return false;
	}
	return true;
}

/* Expected objects, written as a string: A = APDU, T = telegram, c = crc,
 * t = truncated, n = noise. */
static void check_kinds(const struct run *r, const char *want, const char *legend)
{
	char got[OBJ_MAX + 1];
	size_t i;
	for (i = 0; i < r->n; i++) {
		const struct obj *o = &r->o[i];
		got[i] = o->kind == HP_LINK_APDU       ? 'A'
			 : o->kind == HP_LINK_TELEGRAM ? 'T'
			 : o->code == HP_ERR_CRC       ? 'c'
			 : o->code == HP_ERR_TRUNCATED ? 't'
			 : o->code == HP_ERR_NOISE     ? 'n'
						       : '?';
	}
	got[i] = '\0';
	CHECK_MSG(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", legend, got, want);
}

static bool is_apdu(const struct obj *o, enum hp_framing framing, const uint8_t *p, size_t n)
{
	return o->kind == HP_LINK_APDU && o->framing == framing && o->len == n &&
	       o->hash == fnv(p, n);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- tests ---- */

static void test_single_frames(void)
{
	static struct buf in;
	static struct run r;

	in.n = 0;
	put(&in, hdlc_example, sizeof(hdlc_example));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "HDLC example");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_HDLC, apdu_example, APDU_LEN));
	CHECK_INT(r.o[0].raw_len, sizeof(hdlc_example));
	CHECK_INT(r.stats.frames, 1);
	CHECK_INT(r.stats.bytes, sizeof(hdlc_example));
	CHECK_INT(r.stats.garbage_bytes, 0);

	in.n = 0;
	put(&in, mbus_example, sizeof(mbus_example));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "M-Bus example");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_MBUS, apdu_example, APDU_LEN));
	CHECK_INT(r.o[0].raw_len, sizeof(mbus_example));

	/* The builder gives the worked examples byte for byte. */
	in.n = 0;
	uint8_t info[3 + APDU_LEN];
	memcpy(info, llc, 3);
	memcpy(info + 3, apdu_example, APDU_LEN);
	put_mbus(&in, 0x10, apdu_example, APDU_LEN);
	CHECK(in.n == sizeof(mbus_example) && memcmp(in.b, mbus_example, in.n) == 0);

	/* Empty input: no object at all. */
	in.n = 0;
	run_chunks(&r, &in, 0);
	check_kinds(&r, "", "empty input");
}

static void test_garbage(void)
{
	static struct buf in;
	static struct run r;
	static const uint8_t junk1[] = {0x00, 0x11, 0x22};
	/* Bytes that start candidates but are none: 7E 7E, 68 00, DB 07, E6 E6, 0F 99. */
	static const uint8_t junk2[] = {0x7E, 0x7E, 0x68, 0x00, 0xDB, 0x07, 0xE6, 0xE6, 0x0F, 0x99};
	static const uint8_t junk3[] = {0x55, 0xAA, 0x7E, 0x68, 0x0F};

	in.n = 0;
	put(&in, junk1, sizeof(junk1));
	put_hdlc_apdu(&in, 1);
	put(&in, junk2, sizeof(junk2));
	put(&in, mbus_example, sizeof(mbus_example));
	put(&in, junk2, sizeof(junk2));
	put_hdlc_apdu(&in, 2);
	put(&in, junk3, sizeof(junk3));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "AAA", "garbage before, between and after");
	uint8_t a[APDU_LEN];
	apdu_with(a, 1);
	CHECK(is_apdu(&r.o[0], HP_FRAMING_HDLC, a, APDU_LEN));
	CHECK(is_apdu(&r.o[1], HP_FRAMING_MBUS, apdu_example, APDU_LEN));
	apdu_with(a, 2);
	CHECK(is_apdu(&r.o[2], HP_FRAMING_HDLC, a, APDU_LEN));
	CHECK_INT(r.stats.garbage_bytes, sizeof(junk1) + 2 * sizeof(junk2) + sizeof(junk3));
	CHECK_INT(r.stats.frames, 3);
	CHECK_INT(r.stats.bytes, in.n);

	/* One 7E closes a frame and opens the next. */
	in.n = 0;
	put_hdlc_apdu(&in, 1);
	size_t first = in.n;
	put_hdlc_apdu(&in, 2);
	memmove(in.b + first, in.b + first + 1, in.n - first - 1);
	in.n--;
	run_chunks(&r, &in, 0);
	check_kinds(&r, "AA", "shared flag");
	CHECK(is_apdu(&r.o[1], HP_FRAMING_HDLC, a, APDU_LEN));
	CHECK_INT(r.stats.garbage_bytes, 0);
}

static void test_crc_errors(void)
{
	static struct buf in;
	static struct run r;

	in.n = 0;
	put(&in, hdlc_example, sizeof(hdlc_example));
	in.b[8] ^= 0x01; /* HCS */
	put_hdlc_apdu(&in, 7);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "cA", "HCS error then valid");
	CHECK(starts(r.o[0].detail, "HCS"));
	CHECK_INT(r.o[0].framing, HP_FRAMING_HDLC);
	CHECK_INT(r.o[0].raw_len, sizeof(hdlc_example));
	CHECK_INT(r.stats.frames, 1);

	in.n = 0;
	put(&in, hdlc_example, sizeof(hdlc_example));
	in.b[38] ^= 0xFF; /* FCS */
	put_hdlc_apdu(&in, 7);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "cA", "FCS error then valid");
	CHECK(starts(r.o[0].detail, "FCS"));

	in.n = 0;
	put(&in, mbus_example, sizeof(mbus_example));
	in.b[35] ^= 0x01; /* CS */
	put(&in, mbus_example, sizeof(mbus_example));
	in.b[sizeof(mbus_example) + 36] = 0x00; /* stop byte */
	put(&in, mbus_example, sizeof(mbus_example));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "ccA", "M-Bus checksum, stop byte, valid");
	CHECK(starts(r.o[0].detail, "M-Bus checksum"));
	CHECK(starts(r.o[1].detail, "M-Bus checksum"));
	CHECK_INT(r.o[1].framing, HP_FRAMING_MBUS);
}

/* An APDU of n bytes split over HDLC frames of at most seg bytes of payload each;
 * the LLC header goes in front of the first. */
static void put_hdlc_segments(struct buf *in, const uint8_t *apdu, size_t n, size_t seg)
{
	uint8_t info[2048];
	size_t off = 0;
	bool first = true;
	while (off < n || first) {
		size_t k = 0;
		if (first) {
			memcpy(info, llc, 3);
			k = 3;
		}
		size_t take = n - off < seg - k ? n - off : seg - k;
		memcpy(info + k, apdu + off, take);
		off += take;
		put_hdlc(in, off < n, info, k + take);
		first = false;
	}
}

static void test_hdlc_segments(void)
{
	static struct buf in;
	static struct run r;
	uint8_t msg[600];
	pattern(msg, sizeof(msg), 3);
	msg[0] = 0x0F;

	static const struct {
		const char *legend;
		size_t seg;
		uint64_t frames;
	} cases[] = {
	    {"2 segments", 320, 2},
	    {"3 segments", 210, 3},
	    {"6 segments", 101, 6},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.n = 0;
		put_hdlc_segments(&in, msg, sizeof(msg), cases[i].seg);
		run_chunks(&r, &in, 0);
		check_kinds(&r, "A", cases[i].legend);
		CHECK_MSG(is_apdu(&r.o[0], HP_FRAMING_HDLC, msg, sizeof(msg)), "%s",
			  cases[i].legend);
		CHECK_INT(r.stats.frames, cases[i].frames);
		/* raw is the last frame as received. */
		CHECK(r.o[0].raw_len < in.n);
	}

	/* A continuation that starts with E6 E7 00 keeps those bytes: they are payload. */
	in.n = 0;
	uint8_t part1[3 + 10], part2[10];
	memcpy(part1, llc, 3);
	memcpy(part1 + 3, msg, 10);
	memcpy(part2, llc, 3);
	pattern(part2 + 3, 7, 9);
	put_hdlc(&in, true, part1, sizeof(part1));
	put_hdlc(&in, false, part2, sizeof(part2));
	run_chunks(&r, &in, 0);
	uint8_t joined[20];
	memcpy(joined, msg, 10);
	memcpy(joined + 10, part2, 10);
	check_kinds(&r, "A", "LLC bytes in a continuation");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_HDLC, joined, sizeof(joined)));

	/* GBT blocks in unsegmented frames with the LLC repeated in each: stripped each time. */
	static const uint8_t block1[] = {0xE6, 0xE7, 0x00, 0xE0, 0x40, 0x00, 0x01,
					 0x00, 0x00, 0x03, 0x0F, 0x40, 0x00};
	static const uint8_t block2[] = {0xE6, 0xE7, 0x00, 0xE0, 0xC0, 0x00,
					 0x02, 0x00, 0x00, 0x02, 0x00, 0x00};
	in.n = 0;
	put_hdlc(&in, false, block1, sizeof(block1));
	put_hdlc(&in, false, block2, sizeof(block2));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "AA", "GBT with LLC in each frame");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_HDLC, block1 + 3, sizeof(block1) - 3));
	CHECK(is_apdu(&r.o[1], HP_FRAMING_HDLC, block2 + 3, sizeof(block2) - 3));

	/* A frame without information field: counted, nothing delivered, no noise. */
	in.n = 0;
	uint8_t empty[9] = {0x7E, 0xA0, 0x07, 0x03, 0x21, 0x13};
	hp_put_le16(empty + 6, hp_crc16_x25(empty + 1, 5));
	empty[8] = 0x7E;
	put(&in, empty, sizeof(empty));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "", "frame without information");
	CHECK_INT(r.stats.frames, 1);
}

static void test_segment_gap(void)
{
	static struct buf in;
	static struct run r;
	uint8_t msg[300];
	pattern(msg, sizeof(msg), 5);
	in.n = 0;
	put_hdlc_segments(&in, msg, sizeof(msg), 200);
	size_t first_len = 200 + 11;

	/* Second segment more than HP_SEGMENT_TIMEOUT_MS later: abandoned. */
	start(&r);
	hp_stream_feed(&stream, in.b, first_len, 1000);
	hp_stream_feed(&stream, in.b + first_len, in.n - first_len,
		       1000 + HP_SEGMENT_TIMEOUT_MS + 1);
	hp_stream_finish(&stream);
	check_kinds(&r, "tA", "gap by time");
	CHECK(starts(r.o[0].detail, "segment gap"));
	CHECK_INT(r.o[0].framing, HP_FRAMING_HDLC);
	CHECK_INT(r.o[1].len, sizeof(msg) - 197);

	/* Within the timeout: joined. */
	start(&r);
	hp_stream_feed(&stream, in.b, first_len, 1000);
	hp_stream_feed(&stream, in.b + first_len, in.n - first_len, 1000 + HP_SEGMENT_TIMEOUT_MS);
	hp_stream_finish(&stream);
	check_kinds(&r, "A", "no gap");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_HDLC, msg, sizeof(msg)));

	/* A call without bytes after the timeout reports the gap at once. */
	start(&r);
	hp_stream_feed(&stream, in.b, first_len, 1000);
	hp_stream_feed(&stream, NULL, 0, 1500);
	CHECK_INT(r.n, 0);
	hp_stream_feed(&stream, NULL, 0, 3500);
	check_kinds(&r, "t", "gap seen without bytes");

	/* Without a clock (now_ms 0) there is no timeout. */
	start(&r);
	hp_stream_feed(&stream, in.b, first_len, 0);
	hp_stream_feed(&stream, in.b + first_len, in.n - first_len, 0);
	hp_stream_finish(&stream);
	check_kinds(&r, "A", "no clock");

	/* A message still open at the end of input. */
	start(&r);
	hp_stream_feed(&stream, in.b, first_len, 0);
	hp_stream_finish(&stream);
	check_kinds(&r, "t", "open at finish");
	CHECK(starts(r.o[0].detail, "segment gap"));

	/* Interrupted by another frame, or by a damaged one. */
	struct buf *b = &in;
	b->n = first_len;
	put(b, mbus_example, sizeof(mbus_example));
	run_chunks(&r, b, 0);
	check_kinds(&r, "tA", "interrupted by M-Bus");
	CHECK_INT(r.o[1].framing, HP_FRAMING_MBUS);

	b->n = first_len;
	put(b, hdlc_example, sizeof(hdlc_example));
	b->b[b->n - 2] ^= 0x01; /* FCS */
	run_chunks(&r, b, 0);
	check_kinds(&r, "tc", "damaged frame in the message");

	/* A message that outgrows HP_APDU_MAX is dropped, then the stream goes on. */
	b->n = 0;
	uint8_t big[2000];
	pattern(big, sizeof(big), 1);
	for (int i = 0; i < 5; i++)
		put_hdlc(b, true, big, sizeof(big));
	put_hdlc_apdu(b, 99);
	run_chunks(&r, b, 0);
	check_kinds(&r, "tA", "oversized message");
	CHECK(starts(r.o[0].detail, "segment gap (joined message over 8192 bytes"));
	uint8_t a[APDU_LEN];
	apdu_with(a, 99);
	CHECK(is_apdu(&r.o[1], HP_FRAMING_HDLC, a, APDU_LEN));
}

static void test_mbus_segments(void)
{
	static struct buf in;
	static struct run r;
	uint8_t msg[600];
	pattern(msg, sizeof(msg), 11);
	msg[0] = 0xDB;

	/* CI 00 then 11: one APDU. */
	in.n = 0;
	put_mbus(&in, 0x00, msg, 200);
	put_mbus(&in, 0x11, msg + 200, 50);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "two segments");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_MBUS, msg, 250));
	CHECK_INT(r.stats.frames, 2);

	in.n = 0;
	put_mbus(&in, 0x00, msg, 250);
	put_mbus(&in, 0x01, msg + 250, 250);
	put_mbus(&in, 0x12, msg + 500, 100);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "three segments");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_MBUS, msg, 600));

	/* Length wrap: 257 bytes C..data announced as L = 01, then the last segment. */
	in.n = 0;
	put_mbus(&in, 0x00, msg, 252);
	CHECK_INT(in.b[1], 0x01);
	put_mbus(&in, 0x11, msg + 252, 8);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "length wrap");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_MBUS, msg, 260));

	/* Bad checksum in segment 0: crc alone, the rest of the message is dropped. */
	in.n = 0;
	put_mbus(&in, 0x00, msg, 200);
	in.b[100] ^= 0x20;
	put_mbus(&in, 0x01, msg + 200, 50);
	put_mbus(&in, 0x12, msg + 250, 50);
	put(&in, mbus_example, sizeof(mbus_example));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "cA", "bad checksum in segment 0");
	CHECK(is_apdu(&r.o[1], HP_FRAMING_MBUS, apdu_example, APDU_LEN));

	/* Bad checksum in the last segment. */
	in.n = 0;
	put_mbus(&in, 0x00, msg, 200);
	put_mbus(&in, 0x11, msg + 200, 50);
	in.b[in.n - 1] = 0x00;
	run_chunks(&r, &in, 0);
	check_kinds(&r, "c", "stop byte missing in segment 1");

	static const struct {
		const char *legend;
		uint8_t ci[3];
		size_t n;
		const char *want;
	} gaps[] = {
	    {"segment number gap", {0x00, 0x12}, 2, "t"},
	    {"continuation without segment 0", {0x11}, 1, "t"},
	    {"new segment 0 before the last", {0x00, 0x00, 0x11}, 3, "tA"},
	    {"never finished", {0x00, 0x01}, 2, "t"},
	    {"single after an open message", {0x00, 0x10}, 2, "tA"},
	};
	for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		in.n = 0;
		for (size_t k = 0; k < gaps[i].n; k++)
			put_mbus(&in, gaps[i].ci[k], msg + 10 * k, 10);
		run_chunks(&r, &in, 0);
		check_kinds(&r, gaps[i].want, gaps[i].legend);
		CHECK_MSG(starts(r.o[0].detail, "segment gap"), "%s: %s", gaps[i].legend,
			  r.o[0].detail);
		CHECK_INT(r.o[0].framing, HP_FRAMING_MBUS);
	}

	/* An M-Bus frame that is no DLMS wrapper (CI 72): counted, no object, no noise. */
	in.n = 0;
	put_mbus(&in, 0x72, msg, 20);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "", "CI 72");
	CHECK_INT(r.stats.frames, 1);
}

/* Input ending inside a frame: truncated once the header checked out, else noise. */
static void test_truncated_every_length(void)
{
	static struct buf in;
	static struct run r;
	char legend[64];
	for (size_t k = 1; k < sizeof(hdlc_example); k++) {
		in.n = 0;
		put(&in, hdlc_example, k);
		run_chunks(&r, &in, 0);
		snprintf(legend, sizeof(legend), "HDLC cut at %zu", k);
		check_kinds(&r, k >= 9 ? "t" : "n", legend);
		if (k >= 9) {
			CHECK_INT(r.o[0].framing, HP_FRAMING_HDLC);
			CHECK_INT(r.o[0].raw_len, k);
		}

		in.n = 0;
		put_hdlc_apdu(&in, 5);
		put(&in, hdlc_example, k);
		run_chunks(&r, &in, 0);
		check_kinds(&r, k >= 9 ? "At" : "A", legend);
	}
	for (size_t k = 1; k < sizeof(mbus_example); k++) {
		in.n = 0;
		put(&in, mbus_example, k);
		run_chunks(&r, &in, 0);
		snprintf(legend, sizeof(legend), "M-Bus cut at %zu", k);
		check_kinds(&r, k >= 4 ? "t" : "n", legend);
	}
	for (size_t k = GGC_HEADER_LEN + 1; k < sizeof(ggc_sc30); k++) {
		in.n = 0;
		put(&in, ggc_sc30, k);
		run_chunks(&r, &in, 0);
		snprintf(legend, sizeof(legend), "general-glo-ciphering cut at %zu", k);
		check_kinds(&r, "t", legend);
	}
	/* The last segment of a message cut off: one truncated for both. */
	in.n = 0;
	uint8_t msg[300];
	pattern(msg, sizeof(msg), 2);
	put_hdlc_segments(&in, msg, sizeof(msg), 200);
	in.n -= 20;
	run_chunks(&r, &in, 0);
	check_kinds(&r, "t", "last segment cut off");
}

/* A frame cut short in mid-stream: no closing flag at its length, so its bytes are
 * garbage and the inside of it is not taken for a bare APDU; the next frame is found. */
static void test_cut_mid_stream(void)
{
	static struct buf in;
	static struct run r;
	uint8_t a[APDU_LEN];
	apdu_with(a, 4321);
	char legend[64];
	for (size_t k = 1; k + 1 < sizeof(hdlc_example); k++) {
		in.n = 0;
		put(&in, hdlc_example, k);
		put_hdlc_apdu(&in, 4321);
		run_chunks(&r, &in, 0);
		snprintf(legend, sizeof(legend), "cut at %zu then a frame", k);
		check_kinds(&r, "A", legend);
		CHECK_MSG(is_apdu(&r.o[0], HP_FRAMING_HDLC, a, APDU_LEN), "%s", legend);
		CHECK_INT(r.stats.garbage_bytes, k);
	}
}

/* The inside of a frame that lost bytes is not taken for a bare APDU, even when a
 * whole LLC + data-notification is in it. */
static void test_quiet_inside_lost_frame(void)
{
	static struct buf in;
	static struct run r, whole;
	uint8_t info[3 + APDU_LEN + 100];
	memcpy(info, llc, 3);
	memcpy(info + 3, apdu_example, APDU_LEN);
	pattern(info + 3 + APDU_LEN, 100, 2);
	uint8_t a[APDU_LEN];
	apdu_with(a, 55);
	in.n = 0;
	put_hdlc(&in, false, info, sizeof(info));
	in.n -= 10;
	put_hdlc_apdu(&in, 55);
	run_chunks(&whole, &in, 0);
	check_kinds(&whole, "A", "lost bytes, whole APDU inside");
	CHECK(is_apdu(&whole.o[0], HP_FRAMING_HDLC, a, APDU_LEN));
	for (size_t at = 0; at <= in.n; at++) {
		run_split(&r, &in, at);
		CHECK_MSG(same_run(&whole, &r), "lost bytes, split at %zu", at);
	}
}

/* Line noise that spells the start of a bare general-glo-ciphering APDU (DB 08,
 * a system title, a length, SC 20) does not swallow the good HDLC frame after it,
 * whatever the chunking: a bare candidate has no check of its own. */
static void test_bare_in_noise(void)
{
	static struct buf in;
	static struct run r, whole;
	static const uint8_t noise[] = {0xDB, 0x08, 'A',  'B',  'C', 'D', 'E', 'F', 'G',
					'H',  0x81, 0x80, 0x20, 0,   0,   0,   1};
	static const uint8_t zeros[200];
	in.n = 0;
	put(&in, noise, sizeof(noise));
	put_hdlc_apdu(&in, 9);
	put(&in, zeros, sizeof(zeros));
	run_chunks(&whole, &in, 0);
	CHECK_MSG(whole.n >= 1 && whole.o[0].kind == HP_LINK_APDU, "the frame after the noise");
	uint8_t a[APDU_LEN];
	apdu_with(a, 9);
	CHECK(whole.n >= 1 && is_apdu(&whole.o[0], HP_FRAMING_HDLC, a, APDU_LEN));
	for (size_t at = 0; at <= in.n; at += 7) {
		run_split(&r, &in, at);
		CHECK_MSG(same_run(&whole, &r), "bare noise, split at %zu", at);
	}
}

static void test_bare(void)
{
	static struct buf in;
	static struct run r;

	/* protocols.md (d), SC 30: delivered whole, framing raw. */
	in.n = 0;
	put(&in, ggc_sc30, sizeof(ggc_sc30));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "general-glo-ciphering SC 30");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_RAW, ggc_sc30, sizeof(ggc_sc30)));

	/* SC 20 (no tag, LEN 1F) and SC 10 (plaintext APDU + tag), built from (d). */
	uint8_t f[400];
	memcpy(f, ggc_sc30, GGC_HEADER_LEN + 5);
	f[10] = 0x1F;
	f[11] = 0x20;
	memcpy(f + 16, ggc_sc30 + 16, 26);
	in.n = 0;
	put(&in, f, 42);
	put_byte(&in, 0x00);
	f[10] = 0x2B;
	f[11] = 0x10;
	memcpy(f + 16, apdu_example, APDU_LEN);
	memset(f + 16 + APDU_LEN, 0x3B, 12);
	put(&in, f, 54);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "AA", "general-glo-ciphering SC 20 and 10");
	CHECK_INT(r.o[0].len, 42);
	CHECK_INT(r.o[1].len, 54);
	CHECK_INT(r.stats.garbage_bytes, 1);

	/* Long-form LEN (82 01 2C) and the compression bit still delimited. */
	memcpy(f, ggc_sc30, GGC_HEADER_LEN - 1);
	f[10] = 0x82;
	f[11] = 0x01;
	f[12] = 0x2C;
	f[13] = 0xB0;
	pattern(f + 14, 299, 4);
	in.n = 0;
	put(&in, f, 13 + 300);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "long LEN, compressed");
	CHECK_INT(r.o[0].len, 313);

	/* Implausible security control: not an APDU, so the input is noise. */
	in.n = 0;
	put(&in, ggc_sc30, sizeof(ggc_sc30));
	in.b[11] = 0x40;
	run_chunks(&r, &in, 0);
	check_kinds(&r, "n", "security control 40");

	/* LLC + data-notification and LLC + GBT block, without HDLC. */
	in.n = 0;
	put(&in, llc, 3);
	put(&in, apdu_example, APDU_LEN);
	static const uint8_t gbt[] = {0xE6, 0xE7, 0x00, 0xE0, 0xC0, 0x00, 0x01,
				      0x00, 0x00, 0x04, 0x0F, 0x40, 0x00, 0x00};
	put(&in, gbt, sizeof(gbt));
	put(&in, llc, 3);
	put(&in, ggc_sc30, sizeof(ggc_sc30));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "AAA", "bare LLC");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_RAW, apdu_example, APDU_LEN));
	CHECK_INT(r.o[0].raw_len, APDU_LEN + 3);
	CHECK(is_apdu(&r.o[1], HP_FRAMING_RAW, gbt + 3, sizeof(gbt) - 3));
	CHECK(is_apdu(&r.o[2], HP_FRAMING_RAW, ggc_sc30, sizeof(ggc_sc30)));

	/* A bare data-notification (protocols.md (a) APDU) between garbage. */
	in.n = 0;
	put_byte(&in, 0x42);
	put(&in, apdu_example, APDU_LEN);
	put_byte(&in, 0x42);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "bare data-notification");
	CHECK(is_apdu(&r.o[0], HP_FRAMING_RAW, apdu_example, APDU_LEN));
	CHECK_INT(r.stats.frames, 1);
}

static void test_telegram(void)
{
	static struct buf in;
	static struct run r;
	size_t n = strlen(telegram);

	in.n = 0;
	put(&in, "\r\n\x00\xFF", 4);
	put(&in, telegram, n);
	put(&in, telegram, n);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "TT", "two telegrams");
	CHECK_INT(r.o[0].framing, HP_FRAMING_P1);
	CHECK(r.o[0].len == n && r.o[0].hash == fnv((const uint8_t *)telegram, n));
	CHECK_INT(r.stats.garbage_bytes, 4);

	/* A wrong CRC digit: crc. */
	in.n = 0;
	put(&in, telegram, n);
	in.b[n - 3] = '9';
	put(&in, telegram, n);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "cT", "DSMR CRC");

	/* Cut after the header line at the end of input: truncated. */
	in.n = 0;
	put(&in, telegram, 40);
	run_chunks(&r, &in, 0);
	check_kinds(&r, "t", "telegram cut off");
	CHECK_INT(r.o[0].framing, HP_FRAMING_P1);
}

/* Every split of one stream gives the same objects and statistics. */
static void test_splits(void)
{
	static struct buf in;
	static struct run whole, r;
	uint8_t msg[400];
	pattern(msg, sizeof(msg), 8);

	in.n = 0;
	put(&in, "\x11\x7E\x68", 3);
	put(&in, hdlc_example, sizeof(hdlc_example));
	put_mbus(&in, 0x00, msg, 252);
	put_mbus(&in, 0x11, msg + 252, 20);
	put_byte(&in, 0x00);
	put_hdlc_segments(&in, msg, 300, 120);
	put(&in, telegram, strlen(telegram));
	put(&in, ggc_sc30, sizeof(ggc_sc30));
	put(&in, llc, 3);
	put(&in, apdu_example, APDU_LEN);
	put(&in, hdlc_example, sizeof(hdlc_example));
	in.b[in.n - 3] ^= 1; /* FCS error */
	put(&in, "\xFF\xFF", 2);
	put(&in, mbus_example, sizeof(mbus_example));
	in.b[in.n - 2] ^= 1; /* checksum error */
	put(&in, apdu_example, APDU_LEN);
	put(&in, hdlc_example, 20); /* cut off at the end */

	run_chunks(&whole, &in, 0);
	check_kinds(&whole, "AAATAAccAt", "mixed stream");

	run_chunks(&r, &in, 1);
	CHECK_MSG(same_run(&whole, &r), "byte by byte");
	static const size_t chunks[] = {2, 3, 7, 64, 255, 1000};
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run_chunks(&r, &in, chunks[i]);
		CHECK_MSG(same_run(&whole, &r), "chunks of %zu", chunks[i]);
	}
	for (size_t at = 0; at <= in.n; at++) {
		run_split(&r, &in, at);
		CHECK_MSG(same_run(&whole, &r), "split at %zu", at);
	}
}

/* A candidate longer than the window (a telegram that never ends) is given up as
 * garbage; the frame after it is found, whatever the chunking. */
static void test_window_overflow(void)
{
	static struct buf in;
	static struct run r, whole;
	in.n = 0;
	put(&in, "/XYZ5TESTMETER\r\n\r\n", 18);
	while (in.n < HP_SCAN_MAX + 3000)
		put(&in, "1-0:1.8.1(000123.456*kWh)\r\n", 27);
	size_t text = in.n;
	put(&in, hdlc_example, sizeof(hdlc_example));

	run_chunks(&whole, &in, 0);
	check_kinds(&whole, "A", "window overflow");
	CHECK(is_apdu(&whole.o[0], HP_FRAMING_HDLC, apdu_example, APDU_LEN));
	CHECK_INT(whole.stats.garbage_bytes, text);
	run_chunks(&r, &in, 1);
	CHECK_MSG(same_run(&whole, &r), "window overflow byte by byte");
	run_chunks(&r, &in, 4096);
	CHECK_MSG(same_run(&whole, &r), "window overflow in 4 KiB chunks");

	/* The never-ending text alone: no frame at all, so one noise object. */
	in.n = text;
	run_chunks(&r, &in, 0);
	check_kinds(&r, "n", "only the never-ending candidate");
}

static void test_noise(void)
{
	static struct buf in;
	static struct run r;
	uint32_t seed = 12345;

	in.n = 0;
	for (int i = 0; i < 200; i++) {
		seed = seed * 1103515245u + 12345u;
		put_byte(&in, (uint8_t)(seed >> 16));
	}
	run_chunks(&r, &in, 0);
	check_kinds(&r, "n", "random bytes");
	CHECK(starts(r.o[0].detail, "random bytes"));
	CHECK(strstr(r.o[0].detail, "200 bytes") != NULL);
	CHECK_INT(r.stats.garbage_bytes, 200);

	/* Two frames with every bit inverted (inverted RX line). */
	in.n = 0;
	put(&in, hdlc_example, sizeof(hdlc_example));
	put(&in, hdlc_example, sizeof(hdlc_example));
	for (size_t i = 0; i < in.n; i++)
		in.b[i] = (uint8_t)~in.b[i];
	run_chunks(&r, &in, 0);
	check_kinds(&r, "n", "inverted frames");
	CHECK(starts(r.o[0].detail, "inverted signal"));
	run_chunks(&r, &in, 1);
	check_kinds(&r, "n", "inverted frames byte by byte");

	/* More than the sample: the total is said too. */
	in.n = 0;
	for (int i = 0; i < 5000; i++)
		put_byte(&in, (uint8_t)(i & 1 ? 0xFF : 0x00));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "n", "long noise");
	CHECK(starts(r.o[0].detail, "mostly 00/FF"));
	CHECK(strstr(r.o[0].detail, "5000 bytes in all") != NULL);

	/* Noise, then a frame: no noise object. */
	put(&in, hdlc_example, sizeof(hdlc_example));
	run_chunks(&r, &in, 0);
	check_kinds(&r, "A", "noise then a frame");
}

/* Feeds without finishing: what has been delivered so far. */
static void feed_only(struct run *r, const struct buf *in, size_t chunk)
{
	start(r);
	for (size_t i = 0; i < in->n; i += chunk) {
		size_t k = in->n - i < chunk ? in->n - i : chunk;
		hp_stream_feed(&stream, in->b + i, k, 0);
	}
}

/* A complete frame is delivered as soon as its last byte is in, also when a longer
 * candidate before it is still waiting for its declared length. */
static void test_latency(void)
{
	static struct buf in;
	static struct run r, whole;
	static const size_t chunks[] = {1, 5, 4096};
	uint8_t a[APDU_LEN];
	apdu_with(a, 77);

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		size_t chunk = chunks[i];
		in.n = 0;
		put_hdlc_apdu(&in, 77);
		put(&in, mbus_example, sizeof(mbus_example));
		put(&in, telegram, strlen(telegram));
		feed_only(&r, &in, chunk);
		check_kinds(&r, "AAT", "delivered before finish");

		/* 7E A7 FF in noise (bad HCS, L = 2047), then a frame. */
		in.n = 0;
		put(&in, "\x7E\xA7\xFF\x03\x21\x13\x00\x00\x99", 9);
		put_hdlc_apdu(&in, 77);
		feed_only(&r, &in, chunk);
		check_kinds(&r, "A", "after a long candidate with a bad HCS");
		CHECK(is_apdu(&r.o[0], HP_FRAMING_HDLC, a, APDU_LEN));

		/* A long frame cut after its header (good HCS), then a short frame. */
		in.n = 0;
		uint8_t info[600];
		pattern(info, sizeof(info), 6);
		put_hdlc(&in, false, info, sizeof(info));
		in.n = 30;
		put_hdlc_apdu(&in, 77);
		feed_only(&r, &in, chunk);
		check_kinds(&r, "A", "after a frame that lost bytes");
		CHECK(is_apdu(&r.o[0], HP_FRAMING_HDLC, a, APDU_LEN));
		hp_stream_finish(&stream);
		check_kinds(&r, "A", "after a frame that lost bytes, finished");
		CHECK_INT(r.stats.garbage_bytes, 30);
	}

	/* The rule is the same whatever the chunking: a good frame inside a frame's span
	 * wins, also when the outer frame is complete. */
	in.n = 0;
	uint8_t info[200];
	pattern(info, sizeof(info), 1);
	static struct buf inner;
	inner.n = 0;
	put_hdlc_apdu(&inner, 77);
	memcpy(info + 50, inner.b, inner.n);
	put_hdlc(&in, false, info, sizeof(info));
	run_chunks(&whole, &in, 0);
	check_kinds(&whole, "A", "frame inside a frame");
	CHECK(is_apdu(&whole.o[0], HP_FRAMING_HDLC, a, APDU_LEN));
	for (size_t at = 0; at <= in.n; at++) {
		run_split(&r, &in, at);
		CHECK_MSG(same_run(&whole, &r), "frame inside a frame, split at %zu", at);
	}
	run_chunks(&r, &in, 1);
	CHECK(same_run(&whole, &r));
}

/* ---- trace ---- */

#define TRACE_LINES 32

struct trace_log {
	char line[TRACE_LINES][256];
	int depth[TRACE_LINES];
	size_t n;
};

static void trace_line(void *ctx, int depth, const char *text)
{
	struct trace_log *t = ctx;
	if (t->n >= TRACE_LINES)
		return;
	snprintf(t->line[t->n], sizeof(t->line[0]), "%s", text);
	t->depth[t->n++] = depth;
}

static void test_trace(void)
{
	static struct buf in;
	static struct run r;
	static struct trace_log log;
	struct hp_trace trace = {trace_line, &log};
	in.n = 0;
	put(&in, "\x01\x02\x03", 3);
	put(&in, hdlc_example, sizeof(hdlc_example));
	put(&in, mbus_example, sizeof(mbus_example));
	memset(&r, 0, sizeof(r));
	memset(&log, 0, sizeof(log));
	hp_stream_init(&stream, collect, &r, &r.stats, &trace);
	for (size_t i = 0; i < in.n; i++)
		hp_stream_feed(&stream, in.b + i, 1, 0);
	hp_stream_finish(&stream);
	check_kinds(&r, "AA", "traced");
	CHECK_INT(log.n, 3);
	CHECK_STREQ(log.line[0], "@0 garbage: 3 bytes skipped");
	CHECK_STREQ(log.line[1], "@3 HDLC frame, 41 bytes: format A0 27 (S=0, L=39), dst 01, "
				 "src 02 01, control 10, HCS ok, FCS ok, information 29 bytes");
	CHECK_STREQ(log.line[2], "@44 M-Bus frame, 37 bytes: L=31, C 53, A FF, CI 10 (segment 0, "
				 "last), STSAP 01, DTSAP 67, data 26 bytes, CS ok");
	CHECK_INT(log.depth[0], 0);
	CHECK_INT(log.depth[2], 0);
}

int main(void)
{
	test_single_frames();
	test_garbage();
	test_crc_errors();
	test_hdlc_segments();
	test_segment_gap();
	test_mbus_segments();
	test_truncated_every_length();
	test_cut_mid_stream();
	test_quiet_inside_lost_frame();
	test_bare();
	test_bare_in_noise();
	test_telegram();
	test_splits();
	test_window_overflow();
	test_noise();
	test_latency();
	test_trace();
	return check_report("stream");
}
