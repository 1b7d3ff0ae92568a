/* MEP digest, request frames, response framer and table decoders against mep.md's
 * vectors, byte for byte. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "mep.h"

static const char MBK[] = "ABCDEFGHIJKLMNOPQRST";

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s && n < cap; s++) {
		int v = (*s >= '0' && *s <= '9')   ? *s - '0'
			: (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
			: (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
						   : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static void check_digest(const char *mbk, const char *m_hex, const char *want_hex)
{
	uint8_t key[HP_MEP_KEY_LEN], m[256], want[8], got[8];
	CHECK(hp_mep_key_from_mbk(mbk, key) == 0);
	size_t n = unhex(m_hex, m, sizeof(m));
	unhex(want_hex, want, sizeof(want));
	hp_mep_digest(key, sizeof(key), m, n, got);
	CHECK_MSG(memcmp(got, want, 8) == 0, "digest of %s: got %02x%02x%02x%02x%02x%02x%02x%02x",
		  m_hex, got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7]);
}

static void test_digest_vectors(void)
{
	check_digest(MBK, "30 00 34 02 00 00 00 00 00", "71 69 1e cd 24 e2 42 b2");
	check_digest(MBK, "3f 00 17 00 00 00 00 0d 00 00 00 01", "79 53 90 22 15 ca 07 42");
	check_digest(MBK, "30 00 1c 02 00 00 00 00 02", "3a de 65 c1 6d a4 a1 d4");
	check_digest(MBK, "40 00 07 00 0d 27 08 05 04 01 06 00 01 02 03 04 05 06 00 01 23 45",
		     "0d af 76 72 8f f9 61 5c");
	check_digest(MBK, "30 00 01 02 00 ff ff ff ff", "1c 9b 8c bd 04 84 1b ba");
	check_digest("0123456789ABCDEF0123", "30 00 34 02 00 00 00 00 00",
		     "c0 0e d5 5f e1 25 e7 ee");

	/* 200 bytes 00..c7: across the 192-byte block boundary. */
	uint8_t key[HP_MEP_KEY_LEN], m[200], got[8], want[8];
	hp_mep_key_from_mbk(MBK, key);
	for (int i = 0; i < 200; i++)
		m[i] = (uint8_t)i;
	unhex("33 19 5c 2c 4b 58 18 66", want, sizeof(want));
	hp_mep_digest(key, sizeof(key), m, sizeof(m), got);
	CHECK(memcmp(got, want, 8) == 0);

	/* The published 12-byte OSGP variant. */
	uint8_t k12[12];
	memset(k12, 0xDF, sizeof(k12));
	size_t n = unhex("02 02 00 30 00 03 7f 30 ea 6d 00 00 00 0d 00 20 98 00 31 c3 00 08 00 00 "
			 "00 00 00 11",
			 m, sizeof(m));
	unhex("db e5 cd e5 07 b1 cb 3d", want, sizeof(want));
	hp_mep_digest(k12, sizeof(k12), m, n, got);
	CHECK(memcmp(got, want, 8) == 0);
}

static void test_mbk(void)
{
	uint8_t key[HP_MEP_KEY_LEN];
	CHECK(hp_mep_key_from_mbk("ABCDEFGHIJKLMNOPQRS", key) < 0);
	CHECK(hp_mep_key_from_mbk("ABCDEFGHIJKLMNOPQRSTU", key) < 0);
	CHECK(hp_mep_key_from_mbk("ABCDEFGHIJ LMNOPQRST", key) < 0);
	CHECK(hp_mep_key_from_mbk(NULL, key) < 0);
	CHECK(hp_mep_key_from_mbk(MBK, key) == 0);
	CHECK(key[0] == 0x41 && key[15] == 0x50);
}

static void check_request(const uint8_t *apdu, size_t n, uint32_t seq, const char *want_hex)
{
	uint8_t key[HP_MEP_KEY_LEN], out[HP_MEP_REQUEST_MAX], want[HP_MEP_REQUEST_MAX];
	hp_mep_key_from_mbk(MBK, key);
	size_t len = hp_mep_request(key, apdu, n, seq, out, sizeof(out));
	size_t wlen = unhex(want_hex, want, sizeof(want));
	CHECK_INT(len, wlen);
	CHECK_MSG(len == wlen && memcmp(out, want, len) == 0, "frame for seq %u", seq);
}

static void test_request_frames(void)
{
	uint8_t apdu[HP_MEP_APDU_MAX];
	size_t n = hp_mep_apdu_full_read(apdu, sizeof(apdu), HP_MEP_BT52);
	check_request(apdu, n, 0, "00 11 30 00 34 02 00 00 00 00 00 71 69 1e cd 24 e2 42 b2");
	n = hp_mep_apdu_partial_read(apdu, sizeof(apdu), HP_MEP_BT23, 0, 13);
	check_request(apdu, n, 1,
		      "00 14 3f 00 17 00 00 00 00 0d 00 00 00 01 79 53 90 22 15 ca 07 42");
	n = hp_mep_apdu_full_read(apdu, sizeof(apdu), HP_MEP_BT28);
	check_request(apdu, n, 2, "00 11 30 00 1c 02 00 00 00 00 02 3a de 65 c1 6d a4 a1 d4");

	uint8_t want[32];
	n = hp_mep_apdu_ep39(apdu, sizeof(apdu), 5);
	size_t wn = unhex("40 00 07 00 0d 27 08 05 04 01 06 00 01 02 03 04 05 06", want, 32);
	CHECK(n == wn && memcmp(apdu, want, n) == 0);
	n = hp_mep_apdu_partial_read(apdu, sizeof(apdu), HP_MEP_ET11, 1, 1);
	wn = unhex("3f 08 0b 00 00 01 00 01", want, 32);
	CHECK(n == wn && memcmp(apdu, want, n) == 0);
	CHECK(hp_mep_apdu_partial_read(apdu, sizeof(apdu), HP_MEP_ET50, 0x1000000, 1) == 0);
	CHECK(hp_mep_apdu_full_read(apdu, 4, HP_MEP_BT01) == 0);
}

static const char BT23_REPLY[] = "00 10 00 00 0D 05 4E 61 BC 00 87 D6 12 00 00 00 00 00";

static void test_framer_and_response(void)
{
	uint8_t in[64];
	size_t n = unhex(BT23_REPLY, in, sizeof(in));
	/* Every cut: the frame comes out once, at its last byte, whatever the chunking. */
	struct hp_mep_framer f;
	hp_mep_framer_init(&f);
	int frames = 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *fr;
		size_t len;
		enum hp_mep_frame_kind k = hp_mep_framer_byte(&f, in[i], &fr, &len);
		if (k == HP_MEP_FRAME_RESPONSE) {
			frames++;
			CHECK_INT(i, n - 1);
			struct hp_mep_response r;
			struct hp_error err = {0};
			CHECK(hp_mep_response_parse(fr, len, &r, &err) == 0);
			CHECK_INT(r.code, 0);
			CHECK(r.has_data);
			CHECK_INT(r.data_len, 13);
			CHECK(r.data[0] == 0x05);
			struct hp_reading rd;
			hp_reading_init(&rd, HP_PROTO_MEP, HP_FRAMING_MEP);
			struct hp_mep_regs regs = {.flags1 = 0x44, .demands = 1, .values = 55};
			CHECK(hp_mep_bt23_apply(&regs, r.data, r.data_len, &rd, &err) == 0);
			CHECK_NEAR(rd.num[HP_NUM_ENERGY_IMPORT_KWH], 12345.678);
			CHECK_NEAR(rd.num[HP_NUM_ENERGY_EXPORT_KWH], 1234.567);
		} else {
			CHECK(k == HP_MEP_FRAME_NONE);
		}
	}
	CHECK_INT(frames, 1);

	/* Garbage (LEN > 1024) before the frame, an alert after it. */
	uint8_t stream[80] = {0xFF, 0xFE, 0x7A};
	memcpy(stream + 3, in, n);
	stream[3 + n] = 0;
	stream[4 + n] = 0;
	hp_mep_framer_init(&f);
	int alerts = 0;
	frames = 0;
	for (size_t i = 0; i < n + 5; i++) {
		const uint8_t *fr;
		size_t len;
		enum hp_mep_frame_kind k = hp_mep_framer_byte(&f, stream[i], &fr, &len);
		frames += k == HP_MEP_FRAME_RESPONSE;
		alerts += k == HP_MEP_FRAME_ALERT;
	}
	CHECK_INT(frames, 1);
	CHECK_INT(alerts, 1);
	CHECK_INT(f.dropped, 3);

	/* A partial frame is dropped on reset. */
	hp_mep_framer_init(&f);
	const uint8_t *fr;
	size_t len;
	hp_mep_framer_byte(&f, 0x00, &fr, &len);
	hp_mep_framer_byte(&f, 0x05, &fr, &len);
	CHECK(hp_mep_framer_partial(&f));
	hp_mep_framer_reset(&f);
	CHECK(!hp_mep_framer_partial(&f));
	CHECK_INT(f.dropped, 2);
}

static void test_response_codes(void)
{
	struct hp_mep_response r;
	struct hp_error err = {0};
	uint8_t seq[] = {0x00, 0x05, 0x0C, 0x00, 0x00, 0x10, 0x00};
	CHECK(hp_mep_response_parse(seq, sizeof(seq), &r, &err) == 0);
	CHECK_INT(r.code, 0x0C);
	CHECK_INT(r.expected_seq, 0x1000);
	uint8_t seq_short[] = {0x00, 0x03, 0x0C, 0x00, 0x00};
	CHECK(hp_mep_response_parse(seq_short, sizeof(seq_short), &r, &err) < 0);
	CHECK(err.code == HP_ERR_MALFORMED);
	uint8_t auth[] = {0x00, 0x01, 0x0B};
	CHECK(hp_mep_response_parse(auth, sizeof(auth), &r, &err) == 0);
	CHECK_INT(r.code, 0x0B);
	CHECK(!r.has_data);
	uint8_t ok_write[] = {0x00, 0x01, 0x00};
	CHECK(hp_mep_response_parse(ok_write, sizeof(ok_write), &r, &err) == 0);
	CHECK(!r.has_data);
	uint8_t overrun[] = {0x00, 0x04, 0x00, 0x00, 0x09, 0x01};
	CHECK(hp_mep_response_parse(overrun, sizeof(overrun), &r, &err) < 0);
	/* Trailing bytes (SEQ echo, digest) are ignored. */
	uint8_t trailer[] = {0x00, 0x08, 0x00, 0x00, 0x01, 0xAA, 1, 2, 3, 4};
	CHECK(hp_mep_response_parse(trailer, sizeof(trailer), &r, &err) == 0);
	CHECK(r.has_data && r.data_len == 1 && r.data[0] == 0xAA);
	CHECK_STREQ(hp_mep_code_name(0x0B), "authentication failure");
	CHECK_STREQ(hp_mep_code_name(0x77), "unknown");
}

static void put_le32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;
	p[0] = (uint8_t)u;
	p[1] = (uint8_t)(u >> 8);
	p[2] = (uint8_t)(u >> 16);
	p[3] = (uint8_t)(u >> 24);
}

static void test_tables(void)
{
	struct hp_error err = {0};
	struct hp_mep_regs regs;
	uint8_t bt21[10] = {0x44, 0, 0, 2, 1, 0, 0, 4, 1, 55};
	CHECK(hp_mep_bt21_parse(bt21, sizeof(bt21), &regs, &err) == 0);
	CHECK(regs.demands == 1 && regs.values == 55);
	CHECK(hp_mep_bt21_parse(bt21, 9, &regs, &err) < 0);

	/* BT28: one demand entry of 3 + 4 bytes (flags1 bit 6), then 55 values. */
	uint8_t bt28[7 + 4 * 55] = {0};
	int32_t v[55] = {0};
	v[0] = 1500, v[1] = 0, v[2] = 120, v[3] = 30, v[4] = 2100, v[5] = 2200, v[6] = 2300;
	v[7] = 231500, v[8] = 229000, v[9] = 230100, v[10] = 980, v[11] = 49980, v[12] = 1600;
	v[13] = -950, v[14] = 2000, v[26] = 500, v[27] = 480, v[28] = 520;
	for (int i = 0; i < 55; i++)
		put_le32(bt28 + 7 + 4 * i, v[i]);
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_MEP, HP_FRAMING_MEP);
	CHECK(hp_mep_bt28_apply(&regs, bt28, sizeof(bt28), &r, &err) == 0);
	hp_reading_finish(&r);
	CHECK_NEAR(r.num[HP_NUM_POWER_IMPORT_W], 1500);
	CHECK_NEAR(r.num[HP_NUM_REACTIVE_EXPORT_VAR], 30);
	CHECK_NEAR(r.num[HP_NUM_L2_CURRENT_A], 2.2);
	CHECK_NEAR(r.num[HP_NUM_L1_VOLTAGE_V], 231.5);
	CHECK_NEAR(r.num[HP_NUM_FREQUENCY_HZ], 49.98);
	CHECK_NEAR(r.num[HP_NUM_L2_POWER_FACTOR], -0.95);
	CHECK(!hp_reading_has(&r, HP_NUM_L3_POWER_FACTOR)); /* 2.0 is outside -1..1 */
	CHECK_NEAR(r.num[HP_NUM_APPARENT_POWER_VA], 1600);
	CHECK_NEAR(r.num[HP_NUM_L3_POWER_IMPORT_W], 520);
	CHECK(!hp_reading_has(&r, HP_NUM_ENERGY_IMPORT_KWH));

	/* Without the time-remaining flag the values start 3 bytes earlier. */
	struct hp_mep_regs plain = {.flags1 = 0x04, .demands = 1, .values = 55};
	hp_reading_init(&r, HP_PROTO_MEP, HP_FRAMING_MEP);
	CHECK(hp_mep_bt28_apply(&plain, bt28 + 3, sizeof(bt28) - 3, &r, &err) == 0);
	CHECK_NEAR(r.num[HP_NUM_POWER_IMPORT_W], 1500);

	/* PV < 55 or data that end early: unsupported. */
	struct hp_mep_regs few = {.flags1 = 0x44, .demands = 1, .values = 20};
	CHECK(hp_mep_bt28_apply(&few, bt28, sizeof(bt28), &r, &err) < 0);
	CHECK(err.code == HP_ERR_UNSUPPORTED);
	CHECK(hp_mep_bt28_apply(&regs, bt28, sizeof(bt28) - 1, &r, &err) < 0);
	CHECK(err.code == HP_ERR_UNSUPPORTED);
	CHECK(hp_mep_table_apply(HP_MEP_BT28, NULL, bt28, sizeof(bt28), &r, &err) < 0);

	/* BT23 without the demand-reset counter starts at 0. */
	uint8_t bt23[8];
	put_le32(bt23, 1000500);
	put_le32(bt23 + 4, 2500);
	hp_reading_init(&r, HP_PROTO_MEP, HP_FRAMING_MEP);
	CHECK(hp_mep_bt23_apply(&(struct hp_mep_regs){0}, bt23, 8, &r, &err) == 0);
	CHECK_NEAR(r.num[HP_NUM_ENERGY_IMPORT_KWH], 1000.5);
	CHECK_NEAR(r.num[HP_NUM_ENERGY_EXPORT_KWH], 2.5);
	CHECK(hp_mep_bt23_apply(&regs, bt23, 8, &r, &err) < 0);

	/* Identity. */
	uint8_t bt01[16] = {'E', 'L', 'O', 'N', 'M', 'O', 'D', 'E', 'L', '1', ' ', ' ', 0, 0, 4, 2};
	uint8_t et03[30];
	memset(et03, ' ', sizeof(et03));
	memcpy(et03, "  5706567012345678", 18);
	hp_reading_init(&r, HP_PROTO_MEP, HP_FRAMING_MEP);
	CHECK(hp_mep_bt01_apply(bt01, sizeof(bt01), &r, &err) == 0);
	CHECK(hp_mep_et03_apply(et03, sizeof(et03), &r, &err) == 0);
	CHECK_STREQ(r.text[HP_TEXT_MANUFACTURER], "ELON");
	CHECK_STREQ(r.text[HP_TEXT_METER_MODEL], "MODEL1");
	CHECK_STREQ(r.text[HP_TEXT_METER_ID], "5706567012345678");
	CHECK(hp_mep_et03_apply(et03, 29, &r, &err) < 0);

	/* Clock: local as sent with the DST bit; invalid fields leave it out. */
	uint8_t bt52[7] = {26, 11, 24, 10, 5, 9, 0x08 | 2};
	hp_reading_init(&r, HP_PROTO_MEP, HP_FRAMING_MEP);
	CHECK(hp_mep_bt52_apply(bt52, sizeof(bt52), &r, &err) == 0);
	CHECK_STREQ(r.text[HP_TEXT_METER_TIME], "2026-11-24T10:05:09");
	CHECK_INT(r.meter_time_dst, 1);
	bt52[1] = 13;
	hp_reading_init(&r, HP_PROTO_MEP, HP_FRAMING_MEP);
	CHECK(hp_mep_bt52_apply(bt52, sizeof(bt52), &r, &err) == 0);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
}

int main(void)
{
	test_digest_vectors();
	test_mbk();
	test_request_frames();
	test_framer_and_response();
	test_response_codes();
	test_tables();
	return check_report("test_mep_wire");
}
