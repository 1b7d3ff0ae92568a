/* HDLC type 3 probe and header reader (protocols.md (a)). Frames are built here from
 * the layout; the worked example of protocols.md (a) is checked byte for byte. */
#include "check.h"
#include "crc.h"
#include "hdlc.h"
#include "wire.h"

/* protocols.md (a) worked example (Kaifa-style list 1, power_import_w 1234). */
static const uint8_t example[] = {
    0x7E, 0xA0, 0x27, 0x01, 0x02, 0x01, 0x10, 0x5A, 0x87, 0xE6, 0xE7, 0x00, 0x0F, 0x40,
    0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF,
    0x80, 0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x6E, 0x28, 0x7E,
};
/* Its information field: LLC + data-notification. */
#define EXAMPLE_INFO_OFF 9
#define EXAMPLE_INFO_LEN 29

/* Room for the longest frame (L = 2047) plus slack. */
#define FRAME_MAX 2100

struct addr {
	uint8_t b[5];
	size_t n;
};

/* Builds a type 3 frame: 7E, format, dst, src, control, HCS, info, FCS, 7E. */
static size_t build(uint8_t *out, bool seg, struct addr dst, struct addr src, uint8_t control,
		    const uint8_t *info, size_t info_len)
{
	size_t hdr = 2 + dst.n + src.n + 1;
	size_t l = hdr + 2 + info_len + 2;
	size_t o = 0;
	out[o++] = 0x7E;
	out[o++] = (uint8_t)(0xA0 | (seg ? 0x08 : 0) | ((l >> 8) & 7));
	out[o++] = (uint8_t)l;
	memcpy(out + o, dst.b, dst.n);
	o += dst.n;
	memcpy(out + o, src.b, src.n);
	o += src.n;
	out[o++] = control;
	hp_put_le16(out + o, hp_crc16_x25(out + 1, hdr));
	o += 2;
	memcpy(out + o, info, info_len);
	o += info_len;
	hp_put_le16(out + o, hp_crc16_x25(out + 1, o - 1));
	o += 2;
	out[o++] = 0x7E;
	return o;
}

static void probe(const uint8_t *b, size_t n, struct hp_probe_result *r)
{
	memset(r, 0xA5, sizeof(*r));
	hp_hdlc_probe(b, n, false, r);
}

static void test_example(void)
{
	struct hp_probe_result r;
	probe(example, sizeof(example), &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	CHECK_INT(r.len, 41);

	struct hp_hdlc_header h;
	CHECK(hp_hdlc_header(example, sizeof(example), &h));
	CHECK(!h.segmented);
	CHECK_INT(h.length, 39);
	CHECK_INT(h.dst_len, 1);
	CHECK_INT(h.dst[0], 0x01);
	CHECK_INT(h.src_len, 2);
	CHECK_INT(h.src[0], 0x02);
	CHECK_INT(h.src[1], 0x01);
	CHECK_INT(h.control, 0x10);
	CHECK(h.has_info);
	CHECK_INT(h.info_off, EXAMPLE_INFO_OFF);
	CHECK_INT(h.info_len, EXAMPLE_INFO_LEN);

	/* A complete header with a good HCS, from 9 bytes on. */
	CHECK(!hp_hdlc_header_ok(example, 8));
	CHECK(hp_hdlc_header_ok(example, 9));
	uint8_t bad[sizeof(example)];
	memcpy(bad, example, sizeof(bad));
	bad[7] ^= 1;
	CHECK(!hp_hdlc_header_ok(bad, sizeof(bad)));

	/* The builder gives the same bytes. */
	uint8_t f[FRAME_MAX];
	size_t n = build(f, false, (struct addr){{0x01}, 1}, (struct addr){{0x02, 0x01}, 2}, 0x10,
			 example + EXAMPLE_INFO_OFF, EXAMPLE_INFO_LEN);
	CHECK_INT(n, sizeof(example));
	CHECK(memcmp(f, example, n) == 0);

	/* Trailing bytes after the frame do not change it. */
	memcpy(f, example, sizeof(example));
	memset(f + sizeof(example), 0x7E, 10);
	probe(f, sizeof(example) + 10, &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	CHECK_INT(r.len, 41);
}

struct addr_case {
	const char *legend;
	struct addr dst, src;
	enum hp_probe_status expect;
};

static void test_addresses(void)
{
	static const struct addr_case cases[] = {
	    {"1 + 1 (Kamstrup 2B 21)", {{0x2B}, 1}, {{0x21}, 1}, HP_PROBE_FRAME},
	    {"1 + 2 (Aidon 41 08 83)", {{0x41}, 1}, {{0x08, 0x83}, 2}, HP_PROBE_FRAME},
	    {"2 + 1 (L&G CE FF 03)", {{0xCE, 0xFF}, 2}, {{0x03}, 1}, HP_PROBE_FRAME},
	    {"1 + 4", {{0x03}, 1}, {{0x00, 0x02, 0x00, 0x23}, 4}, HP_PROBE_FRAME},
	    {"4 + 4", {{0x02, 0x04, 0x06, 0x09}, 4}, {{0x00, 0x02, 0x00, 0x23}, 4}, HP_PROBE_FRAME},
	    {"source of 5 bytes", {{0x03}, 1}, {{0x00, 0x02, 0x00, 0x22, 0x23}, 5}, HP_PROBE_NO},
	    {"destination of 5 bytes",
	     {{0x00, 0x02, 0x00, 0x22, 0x23}, 5},
	     {{0x03}, 1},
	     HP_PROBE_NO},
	};
	static const uint8_t info[] = {0xE6, 0xE7, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x00,
				       0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x00, 0x01};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct addr_case *c = &cases[i];
		uint8_t f[FRAME_MAX];
		size_t n = build(f, false, c->dst, c->src, 0x13, info, sizeof(info));
		struct hp_probe_result r;
		probe(f, n, &r);
		CHECK_MSG(r.status == c->expect, "%s: status %d", c->legend, r.status);
		if (c->expect != HP_PROBE_FRAME)
			continue;
		CHECK_MSG(r.len == n, "%s", c->legend);
		struct hp_hdlc_header h;
		CHECK(hp_hdlc_header(f, n, &h));
		CHECK_MSG(h.dst_len == c->dst.n && h.src_len == c->src.n, "%s", c->legend);
		CHECK(memcmp(h.src, c->src.b, c->src.n) == 0);
		CHECK_INT(h.control, 0x13);
		CHECK_INT(h.info_len, sizeof(info));
		CHECK(memcmp(f + h.info_off, info, sizeof(info)) == 0);
	}
}

/* DLMS HDLC has no byte stuffing: 7E (and 7D) in the payload are data. */
static void test_flag_in_payload(void)
{
	uint8_t info[] = {0xE6, 0xE7, 0x00, 0x0F, 0x40, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02,
			  0x06, 0x00, 0x00, 0x15, 0x7E, 0x06, 0x7E, 0x7D, 0x7E, 0x7E};
	uint8_t f[FRAME_MAX];
	size_t n = build(f, false, (struct addr){{0x01}, 1}, (struct addr){{0x02, 0x01}, 2}, 0x10,
			 info, sizeof(info));
	struct hp_probe_result r;
	probe(f, n, &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	CHECK_INT(r.len, n);
	/* Every prefix waits for the whole frame instead of stopping at an inner 7E. */
	for (size_t k = 7; k < n; k++) {
		probe(f, k, &r);
		CHECK_MSG(r.status == HP_PROBE_MORE && r.len == n, "prefix %zu", k);
	}
}

static void test_crc_errors(void)
{
	uint8_t f[sizeof(example)];
	struct hp_probe_result r;

	memcpy(f, example, sizeof(f));
	f[7] ^= 0x01; /* HCS low byte */
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_BAD);
	CHECK_INT(r.len, sizeof(f));
	CHECK_INT(r.error.code, HP_ERR_CRC);
	CHECK(strncmp(r.error.detail, "HCS", 3) == 0);

	memcpy(f, example, sizeof(f));
	f[39] ^= 0xFF; /* FCS high byte */
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_BAD);
	CHECK_INT(r.error.code, HP_ERR_CRC);
	CHECK(strncmp(r.error.detail, "FCS", 3) == 0);

	memcpy(f, example, sizeof(f));
	f[20] ^= 0x10; /* information byte: the FCS no longer matches */
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_BAD);
	CHECK(strncmp(r.error.detail, "FCS", 3) == 0);

	/* A damaged header with an FCS computed over it: the HCS catches it. */
	memcpy(f, example, sizeof(f));
	f[6] = 0x13;
	hp_put_le16(f + 38, hp_crc16_x25(f + 1, 37));
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_BAD);
	CHECK(strncmp(r.error.detail, "HCS", 3) == 0);
}

/* No closing flag at L + 1: not a frame (garbage), never an error. */
static void test_no_closing_flag(void)
{
	uint8_t f[sizeof(example)];
	memcpy(f, example, sizeof(f));
	f[40] = 0x00;
	struct hp_probe_result r;
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_NO);
	CHECK_INT(r.len, 41); /* the header was good: its declared length */

	f[8] ^= 0x40; /* and a bad HCS: nothing is known about these bytes */
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_NO);
	CHECK_INT(r.len, 0);
}

/* Cut at every length: MORE, "header checked" once the HCS is in. */
static void test_truncated(void)
{
	for (size_t k = 1; k < sizeof(example); k++) {
		struct hp_probe_result r;
		probe(example, k, &r);
		CHECK_MSG(r.status == HP_PROBE_MORE, "prefix %zu", k);
		CHECK_MSG(r.len > k && r.len <= sizeof(example), "prefix %zu: need %zu", k, r.len);
		bool header_ok = k >= 9;
		CHECK_MSG((r.error.code == HP_ERR_TRUNCATED) == header_ok, "prefix %zu", k);
		/* Header bytes one at a time, then the whole frame once L and the
		 * addresses are known (control byte at offset 6). */
		size_t want = k < 7 ? k + 1 : sizeof(example);
		if (k >= 2)
			CHECK_MSG(r.len == want, "prefix %zu: need %zu", k, r.len);
	}
}

static void test_not_frames(void)
{
	struct hp_probe_result r;
	static const uint8_t b0[] = {0x7E, 0x7E, 0xA0};
	probe(b0, sizeof(b0), &r);
	CHECK_INT(r.status, HP_PROBE_NO);
	static const uint8_t b1[] = {0x7E, 0x90, 0x27};
	probe(b1, sizeof(b1), &r);
	CHECK_INT(r.status, HP_PROBE_NO);
	probe(example, 1, &r);
	CHECK_INT(r.status, HP_PROBE_MORE);

	/* L shorter than the header, or one byte short of HCS + FCS. */
	static const uint8_t small[] = {0x7E, 0xA0, 0x04, 0x03, 0x21, 0x13, 0x00, 0x00, 0x7E};
	probe(small, sizeof(small), &r);
	CHECK_INT(r.status, HP_PROBE_NO);
	static const uint8_t odd[] = {0x7E, 0xA0, 0x08, 0x03, 0x21, 0x13, 0, 0, 0, 0x7E};
	probe(odd, sizeof(odd), &r);
	CHECK_INT(r.status, HP_PROBE_NO);
}

/* A frame without information field has only an FCS after the control byte. */
static void test_no_info(void)
{
	uint8_t f[9] = {0x7E, 0xA0, 0x07, 0x03, 0x21, 0x13};
	hp_put_le16(f + 6, hp_crc16_x25(f + 1, 5));
	f[8] = 0x7E;
	struct hp_probe_result r;
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	CHECK_INT(r.len, 9);
	struct hp_hdlc_header h;
	CHECK(hp_hdlc_header(f, sizeof(f), &h));
	CHECK(!h.has_info);
	CHECK_INT(h.info_len, 0);
	f[6] ^= 1;
	probe(f, sizeof(f), &r);
	CHECK_INT(r.status, HP_PROBE_BAD);
	CHECK(strncmp(r.error.detail, "FCS", 3) == 0);
}

static void test_segmented_and_longest(void)
{
	static uint8_t info[2047];
	for (size_t i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(i * 7);
	uint8_t f[FRAME_MAX];
	/* L = 2047: format 2 + addresses 3 + control 1 + HCS 2 + info + FCS 2. */
	size_t n = build(f, true, (struct addr){{0x41}, 1}, (struct addr){{0x08, 0x83}, 2}, 0x13,
			 info, 2047 - 10);
	CHECK_INT(n, HP_HDLC_WIRE_MAX);
	CHECK_INT(f[1], 0xAF);
	struct hp_probe_result r;
	probe(f, n, &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	struct hp_hdlc_header h;
	CHECK(hp_hdlc_header(f, n, &h));
	CHECK(h.segmented);
	CHECK_INT(h.length, 2047);
	CHECK_INT(h.info_len, 2047 - 10);
	CHECK(!hp_hdlc_header(f, n - 1, &h));
}

int main(void)
{
	test_example();
	test_addresses();
	test_flag_in_payload();
	test_crc_errors();
	test_no_closing_flag();
	test_truncated();
	test_not_frames();
	test_no_info();
	test_segmented_and_longest();
	return check_report("hdlc");
}
