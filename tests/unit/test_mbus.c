/* M-Bus long frame probe and header reader (protocols.md (b)). The single-frame
 * example of protocols.md (b) is checked byte for byte; the other frames are built
 * here from the layout. */
#include "check.h"
#include "mbus.h"

/* protocols.md (b): the plaintext APDU of (a) in one frame, L = 31, CS = 9B. */
static const uint8_t example[] = {
    0x68, 0x1F, 0x1F, 0x68, 0x53, 0xFF, 0x10, 0x01, 0x67, 0x0F, 0x40, 0x00, 0x00,
    0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80,
    0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x9B, 0x16,
};
#define EXAMPLE_APDU_OFF 9
#define EXAMPLE_APDU_LEN 26

/* 68 L L 68 + C A CI STSAP DTSAP + up to 255 data bytes + CS 16. */
#define FRAME_MAX 300

/* Builds 68 L L 68 53 FF CI 01 67 data CS 16; L keeps only the low byte of the
 * user data length (the wrap quirk for 256 and more). */
static size_t build(uint8_t *out, uint8_t ci, const uint8_t *data, size_t n)
{
	size_t user = 5 + n;
	out[0] = 0x68;
	out[1] = out[2] = (uint8_t)user;
	out[3] = 0x68;
	out[4] = 0x53;
	out[5] = 0xFF;
	out[6] = ci;
	out[7] = 0x01;
	out[8] = 0x67;
	memcpy(out + 9, data, n);
	unsigned cs = 0;
	for (size_t i = 0; i < user; i++)
		cs += out[4 + i];
	out[4 + user] = (uint8_t)cs;
	out[5 + user] = 0x16;
	return user + 6;
}

static void probe(const uint8_t *b, size_t n, struct hp_probe_result *r)
{
	memset(r, 0xA5, sizeof(*r));
	hp_mbus_probe(b, n, false, r);
}

static void test_example(void)
{
	struct hp_probe_result r;
	probe(example, sizeof(example), &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	CHECK_INT(r.len, sizeof(example));

	struct hp_mbus_header h;
	CHECK(hp_mbus_header(example, sizeof(example), &h));
	CHECK_INT(h.c, 0x53);
	CHECK_INT(h.a, 0xFF);
	CHECK_INT(h.ci, 0x10);
	CHECK_INT(h.stsap, 0x01);
	CHECK_INT(h.dtsap, 0x67);
	CHECK(!h.wrapped);
	CHECK_INT(h.user_len, 31);
	CHECK_INT(h.data_off, EXAMPLE_APDU_OFF);
	CHECK_INT(h.data_len, EXAMPLE_APDU_LEN);

	uint8_t f[FRAME_MAX];
	size_t n = build(f, 0x10, example + EXAMPLE_APDU_OFF, EXAMPLE_APDU_LEN);
	CHECK_INT(n, sizeof(example));
	CHECK(memcmp(f, example, n) == 0);
}

struct bad_case {
	const char *legend;
	size_t at;
	uint8_t value;
	enum hp_probe_status expect;
	const char *detail; /* prefix */
};

static void test_damaged(void)
{
	static const struct bad_case cases[] = {
	    {"checksum", 35, 0x9C, HP_PROBE_BAD, "M-Bus checksum"},
	    {"data byte", 20, 0x10, HP_PROBE_BAD, "M-Bus checksum"},
	    {"stop byte", 36, 0x17, HP_PROBE_BAD, "M-Bus checksum"},
	    {"L copies differ", 2, 0x1E, HP_PROBE_NO, NULL},
	    {"second start byte", 3, 0x67, HP_PROBE_NO, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		uint8_t f[sizeof(example)];
		memcpy(f, example, sizeof(f));
		f[c->at] = c->value;
		struct hp_probe_result r;
		probe(f, sizeof(f), &r);
		CHECK_MSG(r.status == c->expect, "%s: status %d", c->legend, r.status);
		if (c->expect != HP_PROBE_BAD)
			continue;
		CHECK_MSG(r.len == sizeof(f), "%s", c->legend);
		CHECK_INT(r.error.code, HP_ERR_CRC);
		CHECK_MSG(strncmp(r.error.detail, c->detail, strlen(c->detail)) == 0, "%s: %s",
			  c->legend, r.error.detail);
	}
}

static void test_truncated(void)
{
	for (size_t k = 1; k < sizeof(example); k++) {
		struct hp_probe_result r;
		probe(example, k, &r);
		CHECK_MSG(r.status == HP_PROBE_MORE, "prefix %zu", k);
		CHECK_MSG((r.error.code == HP_ERR_TRUNCATED) == (k >= 4), "prefix %zu", k);
		size_t want = k < 4 ? 4 : sizeof(example);
		CHECK_MSG(r.len == want, "prefix %zu: need %zu", k, r.len);
	}
}

/* Sagemcom T210-D: a 257-byte first segment (C..data) announced as 68 01 01 68. */
static void test_length_wrap(void)
{
	uint8_t data[252];
	data[0] = 0xDB;
	data[1] = 0x08;
	memcpy(data + 2, "SAGY", 4);
	for (size_t i = 6; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	uint8_t f[FRAME_MAX];
	size_t n = build(f, 0x00, data, sizeof(data));
	CHECK_INT(n, 263);
	CHECK_INT(f[1], 0x01);
	struct hp_probe_result r;
	probe(f, n, &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	CHECK_INT(r.len, 263);
	struct hp_mbus_header h;
	CHECK(hp_mbus_header(f, n, &h));
	CHECK(h.wrapped);
	CHECK_INT(h.user_len, 257);
	CHECK_INT(h.data_len, 252);
	CHECK_INT(h.ci, 0x00);

	/* Waiting for the wrapped length does not claim a frame yet. */
	probe(f, 100, &r);
	CHECK_INT(r.status, HP_PROBE_MORE);
	CHECK_INT(r.len, 263);
	CHECK_INT(r.error.code, HP_ERR_NONE);

	/* A wrong checksum or stop byte: no frame with that length (garbage). */
	f[261] ^= 1;
	probe(f, n, &r);
	CHECK_INT(r.status, HP_PROBE_NO);
	f[261] ^= 1;
	f[262] = 0x00;
	probe(f, n, &r);
	CHECK_INT(r.status, HP_PROBE_NO);

	/* L = 3 that is no wrap: NO once the 262 bytes are there. */
	uint8_t g[FRAME_MAX];
	memset(g, 0x11, sizeof(g));
	g[0] = 0x68;
	g[1] = g[2] = 0x03;
	g[3] = 0x68;
	probe(g, sizeof(g), &r);
	CHECK_INT(r.status, HP_PROBE_NO);
}

static void test_segment_fields(void)
{
	static const uint8_t data[] = {0x0F, 0x01, 0x02};
	static const uint8_t cis[] = {0x00, 0x01, 0x12, 0x1F};
	for (size_t i = 0; i < sizeof(cis); i++) {
		uint8_t f[FRAME_MAX];
		size_t n = build(f, cis[i], data, sizeof(data));
		struct hp_probe_result r;
		probe(f, n, &r);
		CHECK_INT(r.status, HP_PROBE_FRAME);
		struct hp_mbus_header h;
		CHECK(hp_mbus_header(f, n, &h));
		CHECK_INT(h.ci & HP_MBUS_CI_SEGMENT, cis[i] & 0x0F);
		CHECK_INT((h.ci & HP_MBUS_CI_FIN) != 0, (cis[i] & 0x10) != 0);
		CHECK_INT(h.data_len, 3);
	}
	/* The largest normal frame: L = 255. */
	uint8_t big[250];
	memset(big, 0x68, sizeof(big));
	uint8_t f[FRAME_MAX];
	size_t n = build(f, 0x10, big, sizeof(big));
	struct hp_probe_result r;
	probe(f, n, &r);
	CHECK_INT(r.status, HP_PROBE_FRAME);
	CHECK_INT(r.len, 261);
}

int main(void)
{
	test_example();
	test_damaged();
	test_truncated();
	test_length_wrap();
	test_segment_fields();
	return check_report("mbus");
}
