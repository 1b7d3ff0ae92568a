/* The APDU layer: general block transfer (2 and 3 blocks, long-form block lengths,
 * gaps, restarts, oversize), general-glo-ciphering down to a data-notification or a
 * DSMR telegram, the parse check of tag-less plaintexts, ignored APDUs, nesting,
 * statistics and every truncation. Frames are built from the layouts of
 * protocols.md (c), (d), with the encrypt side of tests/gcm_seal.h. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "apdu.h"
#include "check.h"
#include "gcm_seal.h"
#include "crc.h"
#include "wire.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* Room for any frame built here. */
#define BUF_MAX 512

static const uint8_t doc_ek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				   0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t doc_ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
				   0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t doc_title[8] = {0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01};
static const uint8_t sag_title[8] = {'S', 'A', 'G', 0x59, 0x11, 0xC4, 0x1D, 0x85};

/* protocols.md (a): data-notification, 2025-01-15 12:00:00, structure { uint32 1234 }. */
static const uint8_t doc_apdu[26] = {0x0F, 0x40, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9,
				     0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80, 0x00,
				     0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2};

/* protocols.md (d), security control 30. */
static const uint8_t doc_sc30[] = {
    0xDB, 0x08, 0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01, 0x2B, 0x30, 0x00, 0x00,
    0x00, 0x01, 0x99, 0xA0, 0x86, 0xBC, 0x87, 0x8B, 0x08, 0x9D, 0x7D, 0xC3, 0x50, 0x4C,
    0xA5, 0x43, 0x14, 0x28, 0x4D, 0x06, 0xD8, 0x64, 0x9C, 0x36, 0x3C, 0x97, 0xB3, 0x55,
    0x3B, 0x0D, 0xCD, 0x1C, 0xF7, 0x5C, 0x9C, 0x02, 0x1C, 0x6D, 0x47, 0xCD,
};

/* A Kamstrup-style flat list (protocols-meters.md) long enough for 81 nn block
 * lengths: structure of 13 = list id + 6 OBIS/value pairs (GS1 id, type, P-, Q+, Q-,
 * then P+ = 4321 W last). Built by build_kamstrup(). */
#define KAM_LEN   142
#define KAM_POWER 4321

static size_t put_obis(uint8_t *p, uint8_t c, uint8_t d, uint8_t e)
{
	const uint8_t obis[8] = {0x09, 0x06, 0x01, 0x01, c, d, e, 0xFF};
	memcpy(p, obis, sizeof(obis));
	return sizeof(obis);
}

static size_t put_string(uint8_t *p, uint8_t type, const char *s)
{
	size_t n = strlen(s);
	p[0] = type;
	p[1] = (uint8_t)n;
	memcpy(p + 2, s, n);
	return 2 + n;
}

static size_t put_u32(uint8_t *p, uint32_t v)
{
	p[0] = 0x06;
	hp_put_be32(p + 1, v);
	return 5;
}

static size_t build_kamstrup(uint8_t *p)
{
	static const uint8_t head[] = {0x0F, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x07, 0xE9, 0x01, 0x0F,
				       0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80, 0x00, 0x00, 0x02, 0x0D};
	size_t n = sizeof(head);
	memcpy(p, head, n);
	n += put_string(p + n, 0x0A, "Kamstrup_V0001");
	n += put_obis(p + n, 0, 0, 5);
	n += put_string(p + n, 0x0A, "5706567000000000");
	n += put_obis(p + n, 96, 1, 1);
	n += put_string(p + n, 0x0A, "6841121BN243101040");
	n += put_obis(p + n, 2, 7, 0);
	n += put_u32(p + n, 0);
	n += put_obis(p + n, 3, 7, 0);
	n += put_u32(p + n, 12);
	n += put_obis(p + n, 4, 7, 0);
	n += put_u32(p + n, 345);
	n += put_obis(p + n, 1, 7, 0);
	n += put_u32(p + n, KAM_POWER);
	return n;
}

/* A DSMR telegram with its CRC-16/ARC (protocols-dsmr-serial.md (h)). */
static size_t build_telegram(uint8_t *p, bool bad_crc)
{
	static const char body[] = "/KFM5KAIFA-METER\r\n\r\n1-3:0.2.8(50)\r\n"
				   "0-0:1.0.0(250115120000W)\r\n1-0:1.8.1(000123.456*kWh)\r\n"
				   "1-0:1.8.2(000654.321*kWh)\r\n1-0:1.7.0(01.234*kW)\r\n!";
	static const char hex[] = "0123456789ABCDEF";
	size_t n = sizeof(body) - 1;
	memcpy(p, body, n);
	uint16_t crc = hp_crc16_arc(p, n);
	if (bad_crc)
		crc ^= 1;
	for (int shift = 12; shift >= 0; shift -= 4)
		p[n++] = (uint8_t)hex[(crc >> shift) & 0x0F];
	p[n++] = '\r';
	p[n++] = '\n';
	return n;
}

/* --- the encrypt side (what a meter does) ---------------------------------------- */

/* DB 08 title LEN SC IC ciphertext [tag] for SC 30 or 20. */
static size_t build_ggc(uint8_t *out, const uint8_t *title, uint8_t sc, uint32_t ic,
			const uint8_t *ek, const uint8_t *ak, const uint8_t *apdu, size_t n)
{
	uint8_t iv[12], aad[17], tag[16];
	bool auth = sc & 0x10;
	size_t pos = 0;
	memcpy(iv, title, 8);
	hp_put_be32(iv + 8, ic);
	aad[0] = sc;
	memcpy(aad + 1, ak, 16);
	out[pos++] = 0xDB;
	out[pos++] = 8;
	memcpy(out + pos, title, 8);
	pos += 8;
	pos += put_length(out + pos, 5 + n + (auth ? 12 : 0));
	out[pos++] = sc;
	hp_put_be32(out + pos, ic);
	pos += 4;
	gcm_seal(ek, iv, aad, auth ? sizeof(aad) : 0, NULL, 0, apdu, n, out + pos, tag);
	pos += n;
	if (auth) {
		memcpy(out + pos, tag, 12);
		pos += 12;
	}
	return pos;
}

/* E0 BC BN BNA length data (protocols.md (c)). */
static size_t build_block(uint8_t *out, bool last, uint16_t bn, const uint8_t *data, size_t n)
{
	size_t pos = 0;
	out[pos++] = 0xE0;
	out[pos++] = last ? 0x80 : 0x00;
	hp_put_be16(out + pos, bn);
	pos += 2;
	hp_put_be16(out + pos, 0);
	pos += 2;
	pos += put_length(out + pos, n);
	memcpy(out + pos, data, n);
	return pos + n;
}

/* --- running the layer --------------------------------------------------------- */

struct harness {
	struct hp_apdu_state s;
	struct hp_keys keys;
	struct hp_reading r;
	struct hp_error err;
	struct hp_decoder_stats stats;
	const struct hp_trace *trace;
};

static void set_keys(struct harness *h, const uint8_t *ek, const uint8_t *ak)
{
	memset(&h->keys, 0, sizeof(h->keys));
	if (ek != NULL) {
		h->keys.has_ek = true;
		memcpy(h->keys.ek, ek, 16);
	}
	if (ak != NULL) {
		h->keys.has_ak = true;
		memcpy(h->keys.ak, ak, 16);
	}
}

/* Runs one APDU, copied to the heap at its exact size so ASan sees any over-read. */
static enum hp_apdu_result run(struct harness *h, const uint8_t *apdu, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, apdu, n);
	memset(&h->err, 0, sizeof(h->err));
	enum hp_apdu_result res = hp_apdu_process(&h->s, &h->keys, HP_FRAMING_HDLC, copy, n, &h->r,
						  &h->err, &h->stats, h->trace);
	free(copy);
	return res;
}

static bool detail_has(const struct harness *h, const char *part)
{
	return strstr(h->err.detail, part) != NULL;
}

#define CHECK_ERROR(h, res, code_, part)                                                           \
	do {                                                                                       \
		CHECK_INT((res), HP_APDU_ERROR);                                                   \
		CHECK_MSG((h)->err.code == (code_), "error %s (%s)", hp_error_name((h)->err.code), \
			  (h)->err.detail);                                                        \
		CHECK_MSG(detail_has((h), (part)), "detail \"%s\"", (h)->err.detail);              \
	} while (0)

#define CHECK_POWER(h, res, watts)                                                                 \
	do {                                                                                       \
		CHECK_MSG((res) == HP_APDU_READING, "result %d: %s", (int)(res), (h)->err.detail); \
		CHECK(hp_reading_has(&(h)->r, HP_NUM_POWER_IMPORT_W));                             \
		CHECK_NEAR((h)->r.num[HP_NUM_POWER_IMPORT_W], (watts));                            \
	} while (0)

/* --- plain APDUs ------------------------------------------------------------------ */

static void test_plain(struct harness *h)
{
	enum hp_apdu_result res = run(h, doc_apdu, sizeof(doc_apdu));
	CHECK_POWER(h, res, 1234);
	CHECK_INT(h->r.protocol, HP_PROTO_DLMS);
	CHECK_INT(h->r.framing, HP_FRAMING_HDLC);
	CHECK(!h->r.encrypted && h->r.authenticated);
	CHECK(!hp_reading_has_text(&h->r, HP_TEXT_METER_ID));

	uint8_t kam[KAM_LEN];
	CHECK_INT(build_kamstrup(kam), KAM_LEN);
	res = run(h, kam, sizeof(kam));
	CHECK_POWER(h, res, KAM_POWER);

	/* APDUs of a polled meter: counted, not reported. */
	const uint8_t get_response[] = {0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01};
	const uint8_t aare[] = {0x61, 0x29, 0xA1, 0x09, 0x06, 0x07};
	uint64_t ignored = h->stats.ignored_apdus;
	CHECK_INT(run(h, get_response, sizeof(get_response)), HP_APDU_IGNORED);
	CHECK_INT(run(h, aare, sizeof(aare)), HP_APDU_IGNORED);
	CHECK_INT(h->stats.ignored_apdus, ignored + 2);

	res = run(h, doc_apdu, 0);
	CHECK_ERROR(h, res, HP_ERR_MALFORMED, "empty APDU");
}

/* --- general block transfer ----------------------------------------------------- */

/* Splits msg into blocks of the given sizes and runs them; returns the last result. */
static enum hp_apdu_result run_blocks(struct harness *h, const uint8_t *msg, const size_t *sizes,
				      size_t count)
{
	uint8_t block[BUF_MAX];
	enum hp_apdu_result res = HP_APDU_ERROR;
	size_t off = 0;
	for (size_t i = 0; i < count; i++) {
		bool last = i + 1 == count;
		size_t n = build_block(block, last, (uint16_t)(i + 1), msg + off, sizes[i]);
		off += sizes[i];
		res = run(h, block, n);
		if (!last)
			CHECK_MSG(res == HP_APDU_PENDING, "block %zu: %d %s", i + 1, (int)res,
				  h->err.detail);
	}
	return res;
}

static void test_gbt(struct harness *h)
{
	uint8_t kam[KAM_LEN];
	build_kamstrup(kam);

	static const size_t two[] = {10, 16};
	enum hp_apdu_result res = run_blocks(h, doc_apdu, two, 2);
	CHECK_POWER(h, res, 1234);
	CHECK(!h->r.encrypted);

	static const size_t three[] = {50, 50, KAM_LEN - 100};
	res = run_blocks(h, kam, three, 3);
	CHECK_POWER(h, res, KAM_POWER);

	/* One block of 142 bytes: length 81 8E. */
	static const size_t one[] = {KAM_LEN};
	uint8_t block[BUF_MAX];
	CHECK_INT(build_block(block, true, 1, kam, KAM_LEN), 6 + 2 + KAM_LEN);
	CHECK(block[6] == 0x81 && block[7] == KAM_LEN);
	res = run_blocks(h, kam, one, 1);
	CHECK_POWER(h, res, KAM_POWER);

	/* 130 + 12 bytes: 81 82 then a short form. */
	static const size_t long_first[] = {130, KAM_LEN - 130};
	res = run_blocks(h, kam, long_first, 2);
	CHECK_POWER(h, res, KAM_POWER);

	/* An empty first block is legal. */
	static const size_t empty_first[] = {0, 26};
	res = run_blocks(h, doc_apdu, empty_first, 2);
	CHECK_POWER(h, res, 1234);

	CHECK(!hp_apdu_finish(&h->s, &h->err));
}

static void test_gbt_gaps(struct harness *h)
{
	uint8_t b1[64], b2[64], b3[64];
	size_t n1 = build_block(b1, false, 1, doc_apdu, 10);
	size_t n2 = build_block(b2, true, 2, doc_apdu + 10, 16);
	size_t n3 = build_block(b3, true, 3, doc_apdu + 10, 16);

	/* 1 then 3: the message is dropped as a segment gap. */
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	enum hp_apdu_result res = run(h, b3, n3);
	CHECK_ERROR(h, res, HP_ERR_TRUNCATED,
		    "segment gap: general-block-transfer block 3 after "
		    "block 1");
	/* 2 alone now has no block 1. */
	res = run(h, b2, n2);
	CHECK_ERROR(h, res, HP_ERR_TRUNCATED, "block 2 without block 1");
	/* And the layer is clean for the next message. */
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	CHECK_POWER(h, run(h, b2, n2), 1234);

	/* A new block 1 while a message is open: the old one is reported, never merged
	 * (merged, the joined bytes would not be the 26-byte APDU). */
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	res = run(h, b1, n1);
	CHECK_ERROR(h, res, HP_ERR_TRUNCATED, "segment gap");
	CHECK_POWER(h, run(h, b2, n2), 1234);

	/* A new single-block message while one is open completes on its own. */
	uint8_t whole[64];
	size_t nw = build_block(whole, true, 1, doc_apdu, 26);
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	CHECK_POWER(h, run(h, whole, nw), 1234);
	CHECK(!hp_apdu_finish(&h->s, &h->err));

	/* A repeated block (2 after 2) is a gap too. */
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	uint8_t b2more[64];
	size_t n2m = build_block(b2more, false, 2, doc_apdu + 10, 6);
	CHECK_INT(run(h, b2more, n2m), HP_APDU_PENDING);
	res = run(h, b2more, n2m);
	CHECK_ERROR(h, res, HP_ERR_TRUNCATED, "block 2 after block 2");

	/* End of input inside a message. */
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	memset(&h->err, 0, sizeof(h->err));
	CHECK(hp_apdu_finish(&h->s, &h->err));
	CHECK_INT(h->err.code, HP_ERR_TRUNCATED);
	CHECK_MSG(detail_has(h, "segment gap"), "%s", h->err.detail);
	CHECK(!hp_apdu_finish(&h->s, &h->err));
}

static void test_gbt_bad_blocks(struct harness *h)
{
	uint8_t block[64];
	size_t n = build_block(block, true, 1, doc_apdu, 26);

	/* Every truncation of a block: an error, and no message left open. */
	for (size_t cut = 1; cut < n; cut++) {
		enum hp_apdu_result res = run(h, block, cut);
		CHECK_MSG(res == HP_APDU_ERROR && h->err.code == HP_ERR_TRUNCATED, "cut %zu: %d %s",
			  cut, (int)res, h->err.detail);
		CHECK(!hp_apdu_finish(&h->s, &h->err));
	}
	/* A cut block also drops the message it belonged to. */
	uint8_t b1[64];
	size_t n1 = build_block(b1, false, 1, doc_apdu, 10);
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	CHECK_INT(run(h, block, 9), HP_APDU_ERROR);
	CHECK(!hp_apdu_finish(&h->s, &h->err));

	/* A long-form length cut after its first byte. */
	const uint8_t cut_length[] = {0xE0, 0x80, 0x00, 0x01, 0x00, 0x00, 0x81};
	enum hp_apdu_result cut_res = run(h, cut_length, sizeof(cut_length));
	CHECK_ERROR(h, cut_res, HP_ERR_TRUNCATED, "cut inside the length");

	/* A bad length byte. */
	block[6] = 0x80;
	enum hp_apdu_result res = run(h, block, n);
	CHECK_ERROR(h, res, HP_ERR_MALFORMED, "block length");

	/* GBT inside GBT. */
	uint8_t inner[64], outer[96];
	size_t ni = build_block(inner, true, 1, doc_apdu, 26);
	size_t no = build_block(outer, true, 1, inner, ni);
	res = run(h, outer, no);
	CHECK_ERROR(h, res, HP_ERR_UNSUPPORTED, "nested");

	/* More than HP_APDU_MAX bytes in total: refused, not overrun. */
	uint8_t *big = calloc(1, 1100);
	uint8_t *data = calloc(1, 1000);
	data[0] = 0x0F;
	res = HP_APDU_PENDING;
	uint16_t bn = 1;
	for (; bn <= 9 && res == HP_APDU_PENDING; bn++) {
		size_t nb = build_block(big, false, bn, data, 1000);
		CHECK(big[6] == 0x82);
		res = run(h, big, nb);
	}
	CHECK_INT(bn - 1, 9);
	CHECK_ERROR(h, res, HP_ERR_UNSUPPORTED, "larger than 8192");
	CHECK(!hp_apdu_finish(&h->s, &h->err));
	free(big);
	free(data);
}

/* --- general-glo-ciphering ------------------------------------------------------- */

static void check_doc_reading(struct harness *h, enum hp_apdu_result res, bool authenticated)
{
	CHECK_POWER(h, res, 1234);
	CHECK(h->r.encrypted);
	CHECK_INT(h->r.authenticated, authenticated);
	CHECK_INT(h->r.protocol, HP_PROTO_DLMS);
	CHECK_STREQ(h->r.text[HP_TEXT_METER_ID], "KFM1020000001");
	CHECK_INT(h->r.meter_id_rank, HP_ID_SYSTEM_TITLE);
	CHECK(h->stats.has_system_title && memcmp(h->stats.last_system_title, doc_title, 8) == 0);
	CHECK_INT(h->stats.last_invocation_counter, 1);
}

static void test_ggc(struct harness *h)
{
	uint8_t frame[BUF_MAX];
	uint8_t bad_ek[16];
	memcpy(bad_ek, doc_ek, 16);
	bad_ek[0] ^= 0xFF;

	set_keys(h, doc_ek, doc_ak);
	check_doc_reading(h, run(h, doc_sc30, sizeof(doc_sc30)), true);

	/* SC 20: no tag to check. */
	size_t n = build_ggc(frame, doc_title, 0x20, 1, doc_ek, doc_ak, doc_apdu, 26);
	set_keys(h, doc_ek, NULL);
	check_doc_reading(h, run(h, frame, n), true);

	/* SC 30 with only the EK: a reading whose tag was not checked. */
	check_doc_reading(h, run(h, doc_sc30, sizeof(doc_sc30)), false);

	/* Only a wrong EK: the plaintext does not parse. */
	set_keys(h, bad_ek, NULL);
	enum hp_apdu_result res = run(h, doc_sc30, sizeof(doc_sc30));
	CHECK_ERROR(h, res, HP_ERR_AUTH, "decrypted but not a DLMS APDU or DSMR telegram");
	CHECK_MSG(detail_has(h, "tag not checked"), "%s", h->err.detail);
	res = run(h, frame, n);
	CHECK_ERROR(h, res, HP_ERR_AUTH, "wrong key?");

	/* Both keys, one wrong: the tag fails, with the diagnosis. */
	set_keys(h, bad_ek, doc_ak);
	res = run(h, doc_sc30, sizeof(doc_sc30));
	CHECK_ERROR(h, res, HP_ERR_AUTH, "wrong encryption key");
	set_keys(h, doc_ak, doc_ek);
	res = run(h, doc_sc30, sizeof(doc_sc30));
	CHECK_ERROR(h, res, HP_ERR_AUTH, "swapped");

	/* No key: the title and counter still reach the statistics. */
	memset(&h->stats, 0, sizeof(h->stats));
	set_keys(h, NULL, NULL);
	n = build_ggc(frame, sag_title, 0x30, 0x7C240F11, doc_ek, doc_ak, doc_apdu, 26);
	res = run(h, frame, n);
	CHECK_ERROR(h, res, HP_ERR_NO_KEY, "SAG5911C41D85, IC 2082737937");
	CHECK(h->stats.has_system_title && memcmp(h->stats.last_system_title, sag_title, 8) == 0);
	CHECK_INT(h->stats.last_invocation_counter, 0x7C240F11);

	/* Compressed ciphering. */
	set_keys(h, doc_ek, doc_ak);
	memcpy(frame, doc_sc30, sizeof(doc_sc30));
	frame[11] = 0xB0;
	res = run(h, frame, sizeof(doc_sc30));
	CHECK_ERROR(h, res, HP_ERR_UNSUPPORTED, "compressed");

	/* Every truncation: an error, never a read past the end. */
	for (size_t cut = 1; cut < sizeof(doc_sc30); cut++) {
		res = run(h, doc_sc30, cut);
		CHECK_MSG(res == HP_APDU_ERROR && h->err.code == HP_ERR_TRUNCATED, "cut %zu: %s",
			  cut, h->err.detail);
	}
}

/* What a ciphered layer may carry. */
static void test_ggc_contents(struct harness *h)
{
	uint8_t frame[BUF_MAX], inner[BUF_MAX];
	set_keys(h, doc_ek, doc_ak);

	/* A tag-checked get-response is a polled meter's answer: ignored. */
	const uint8_t get_response[] = {0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01};
	uint64_t ignored = h->stats.ignored_apdus;
	size_t n = build_ggc(frame, doc_title, 0x30, 5, doc_ek, doc_ak, get_response,
			     sizeof(get_response));
	CHECK_INT(run(h, frame, n), HP_APDU_IGNORED);
	CHECK_INT(h->stats.ignored_apdus, ignored + 1);
	/* Without a tag nothing says the key was right: auth. */
	n = build_ggc(frame, doc_title, 0x20, 5, doc_ek, doc_ak, get_response,
		      sizeof(get_response));
	enum hp_apdu_result res = run(h, frame, n);
	CHECK_ERROR(h, res, HP_ERR_AUTH, "not a DLMS APDU");

	/* Ciphering inside ciphering, GBT inside ciphering: not accepted. */
	n = build_ggc(frame, doc_title, 0x30, 6, doc_ek, doc_ak, doc_sc30, sizeof(doc_sc30));
	res = run(h, frame, n);
	CHECK_ERROR(h, res, HP_ERR_UNSUPPORTED, "general-glo-ciphering nested inside");
	size_t ni = build_block(inner, true, 1, doc_apdu, 26);
	n = build_ggc(frame, doc_title, 0x30, 7, doc_ek, doc_ak, inner, ni);
	res = run(h, frame, n);
	CHECK_ERROR(h, res, HP_ERR_UNSUPPORTED, "general-block-transfer nested inside");

	/* A tag-checked plaintext the decoder rejects keeps the decoder's error. */
	const uint8_t bad_notification[] = {0x0F, 0x00, 0x00, 0x00, 0x00, 0x55};
	n = build_ggc(frame, doc_title, 0x30, 8, doc_ek, doc_ak, bad_notification,
		      sizeof(bad_notification));
	CHECK_INT(run(h, frame, n), HP_APDU_ERROR);
	CHECK_INT(h->err.code, HP_ERR_MALFORMED);
}

/* GBT blocks carrying a ciphered APDU (L&G AT). */
static void test_gbt_ciphered(struct harness *h)
{
	uint8_t kam[KAM_LEN], frame[BUF_MAX];
	build_kamstrup(kam);
	set_keys(h, doc_ek, doc_ak);
	size_t n = build_ggc(frame, sag_title, 0x30, 99, doc_ek, doc_ak, kam, KAM_LEN);
	CHECK(n > 150);
	const size_t sizes[] = {150, n - 150};
	enum hp_apdu_result res = run_blocks(h, frame, sizes, 2);
	CHECK_POWER(h, res, KAM_POWER);
	CHECK(h->r.encrypted && h->r.authenticated);
	CHECK_INT(h->stats.last_invocation_counter, 99);

	static const size_t two[] = {20, sizeof(doc_sc30) - 20};
	res = run_blocks(h, doc_sc30, two, 2);
	check_doc_reading(h, res, true);
}

/* A DSMR telegram in a DB envelope (Luxembourg Smarty). */
static void test_dsmr_plaintext(struct harness *h)
{
	uint8_t telegram[BUF_MAX], frame[BUF_MAX];
	size_t tn = build_telegram(telegram, false);
	set_keys(h, doc_ek, doc_ak);
	size_t n = build_ggc(frame, sag_title, 0x30, 0x10000001, doc_ek, doc_ak, telegram, tn);
	CHECK(frame[10] == 0x81); /* a telegram this long takes the 81 nn form */
	enum hp_apdu_result res = run(h, frame, n);
	CHECK_POWER(h, res, 1234);
	CHECK_INT(h->r.protocol, HP_PROTO_DSMR);
	CHECK_INT(h->r.framing, HP_FRAMING_P1);
	CHECK(h->r.encrypted && h->r.authenticated);
	CHECK_STREQ(h->r.text[HP_TEXT_METER_ID], "SAG5911C41D85");

	n = build_ggc(frame, sag_title, 0x20, 2, doc_ek, doc_ak, telegram, tn);
	CHECK_POWER(h, run(h, frame, n), 1234);
	CHECK_INT(h->r.framing, HP_FRAMING_P1);

	/* A broken CRC: behind a checked tag it is the telegram's own fault ... */
	tn = build_telegram(telegram, true);
	n = build_ggc(frame, sag_title, 0x30, 3, doc_ek, doc_ak, telegram, tn);
	res = run(h, frame, n);
	CHECK_ERROR(h, res, HP_ERR_CRC, "");
	/* ... without a tag it means the key is wrong. */
	n = build_ggc(frame, sag_title, 0x20, 4, doc_ek, doc_ak, telegram, tn);
	res = run(h, frame, n);
	CHECK_ERROR(h, res, HP_ERR_AUTH, "DSMR telegram: wrong key?");
}

static void trace_line(void *ctx, int depth, const char *text)
{
	char *log = ctx;
	size_t used = strlen(log);
	snprintf(log + used, 4096 - used, "%d %s\n", depth, text);
}

static void test_trace(struct harness *h)
{
	char log[4096] = "";
	struct hp_trace t = {trace_line, log};
	h->trace = &t;
	set_keys(h, doc_ek, doc_ak);
	CHECK_POWER(h, run(h, doc_sc30, sizeof(doc_sc30)), 1234);
	static const char *const want[] = {
	    "1 general-glo-ciphering: system title KFM1020000001, IC 1, 26 payload",
	    "1 security control 30: authenticated encryption (AES-GCM)",
	    "1 tag: verified (GCM)",
	    "1 plaintext (26 bytes): 0F 40 00 00 00 09 0C 07 E9 01 0F 03 0C 00 00 FF ...",
	    "1 APDU 0F data-notification, 26 bytes",
	};
	for (size_t i = 0; i < ARRAY_LEN(want); i++)
		CHECK_MSG(strstr(log, want[i]) != NULL, "missing \"%s\" in:\n%s", want[i], log);

	log[0] = '\0';
	uint8_t b1[64];
	size_t n1 = build_block(b1, false, 1, doc_apdu, 10);
	CHECK_INT(run(h, b1, n1), HP_APDU_PENDING);
	CHECK_MSG(strstr(log, "1 APDU E0 general-block-transfer: block 1, BNA 0, 10 bytes") != NULL,
		  "%s", log);
	hp_apdu_finish(&h->s, &h->err);
	h->trace = NULL;
}

/* Random APDUs behind every tag: any result, but no crash and no over-read. */
static void test_garbage(struct harness *h)
{
	static const uint8_t firsts[] = {0xE0, 0xDB, 0x0F, 0xC4, '/', 0x00};
	uint8_t buf[300];
	uint32_t seed = 12345;
	set_keys(h, doc_ek, NULL);
	for (int i = 0; i < 20000; i++) {
		size_t n = 1;
		for (size_t k = 0; k < sizeof(buf); k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = (uint8_t)(seed >> 16);
		}
		n = 1 + buf[0] % sizeof(buf);
		buf[0] = firsts[buf[1] % ARRAY_LEN(firsts)];
		if (buf[0] == 0xDB && (i & 1)) {
			buf[1] = 8;
			buf[10] = (uint8_t)(n > 11 ? (n - 11) & 0x7F : 0);
		}
		run(h, buf, n);
	}
	hp_apdu_finish(&h->s, &h->err);
	CHECK(!hp_apdu_finish(&h->s, &h->err));
}

int main(void)
{
	struct harness *h = calloc(1, sizeof(*h));
	CHECK_INT(hp_apdu_init(&h->s), 0);
	test_plain(h);
	test_gbt(h);
	test_gbt_gaps(h);
	test_gbt_bad_blocks(h);
	test_ggc(h);
	test_ggc_contents(h);
	test_gbt_ciphered(h);
	test_dsmr_plaintext(h);
	test_trace(h);
	test_garbage(h);
	hp_apdu_free(&h->s);
	free(h);
	return check_report("apdu");
}
