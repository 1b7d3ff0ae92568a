/* The frame encoder: the worked examples of protocols.md rebuilt byte for byte, and
 * structural checks of every builder (lengths, CRCs recomputed, segment bits). */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "crc.h"
#include "encode.h"
#include "meters.h"

#define BUF_MAX 16384

static bool bytes_eq(const struct hp_buf *b, const uint8_t *want, size_t n)
{
	return hp_buf_ok(b) && b->len == n && memcmp(b->p, want, n) == 0;
}

static void dump_diff(const char *what, const struct hp_buf *b, const uint8_t *want, size_t n)
{
	if (bytes_eq(b, want, n))
		return;
	fprintf(stderr, "%s: got %zu bytes (overflow %d):", what, b->len, b->overflow);
	for (size_t i = 0; i < b->len; i++)
		fprintf(stderr, " %02X", b->p[i]);
	fprintf(stderr, "\n%s: want %zu bytes:", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02X", want[i]);
	fputc('\n', stderr);
}

#define CHECK_BYTES(buf, arr)                                                                      \
	do {                                                                                       \
		dump_diff(#arr, (buf), (arr), sizeof(arr));                                        \
		CHECK(bytes_eq((buf), (arr), sizeof(arr)));                                        \
	} while (0)

/* ---- the worked examples of protocols.md ---- */

/* 2025-01-15 Wed 12:00:00, hundredths and deviation not specified, status 0. */
static const struct hp_enc_datetime doc_time = {
    2025, 1, 15, 0, 12, 0, 0, 0xFF, HP_DEVIATION_UNSPECIFIED, 0x00};

/* The 26-byte APDU of (a): body structure(1){ uint32 1234 }. */
static void doc_apdu(struct hp_buf *b)
{
	hp_enc_dn_header(b, 0x40000000, HP_DT_OCTET, &doc_time);
	hp_enc_structure(b, 1);
	hp_enc_u32(b, 1234);
}

static const uint8_t doc_apdu_bytes[] = {
    0x0F, 0x40, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C,
    0x00, 0x00, 0xFF, 0x80, 0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2,
};

static const uint8_t doc_hdlc[] = {
    0x7E, 0xA0, 0x27, 0x01, 0x02, 0x01, 0x10, 0x5A, 0x87, 0xE6, 0xE7, 0x00, 0x0F, 0x40,
    0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF,
    0x80, 0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x6E, 0x28, 0x7E,
};

static const uint8_t doc_mbus[] = {
    0x68, 0x1F, 0x1F, 0x68, 0x53, 0xFF, 0x10, 0x01, 0x67, 0x0F, 0x40, 0x00, 0x00,
    0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80,
    0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x9B, 0x16,
};

#define DOC_TITLE 0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01
#define DOC_CIPHERTEXT                                                                             \
	0x99, 0xA0, 0x86, 0xBC, 0x87, 0x8B, 0x08, 0x9D, 0x7D, 0xC3, 0x50, 0x4C, 0xA5, 0x43, 0x14,  \
	    0x28, 0x4D, 0x06, 0xD8, 0x64, 0x9C, 0x36, 0x3C, 0x97, 0xB3, 0x55

static const uint8_t doc_sc30[] = {
    0xDB, 0x08, DOC_TITLE, 0x2B, 0x30, 0x00, 0x00, 0x00, 0x01, DOC_CIPHERTEXT, 0x3B,
    0x0D, 0xCD, 0x1C,      0xF7, 0x5C, 0x9C, 0x02, 0x1C, 0x6D, 0x47,           0xCD,
};

static const uint8_t doc_sc20[] = {
    0xDB, 0x08, DOC_TITLE, 0x1F, 0x20, 0x00, 0x00, 0x00, 0x01, DOC_CIPHERTEXT,
};

static const uint8_t doc_sc10_tag[] = {
    0x3B, 0x30, 0xE2, 0x23, 0xEC, 0x86, 0xF0, 0x79, 0xA4, 0xC0, 0x72, 0x76,
};

static void doc_ggc(struct hp_enc_ggc *g, uint8_t sc)
{
	static const uint8_t title[8] = {DOC_TITLE};
	memset(g, 0, sizeof(*g));
	memcpy(g->title, title, 8);
	g->title_len = 8;
	g->sc = sc;
	g->ic = 1;
	for (int i = 0; i < 16; i++) {
		g->ek[i] = (uint8_t)i;
		g->ak[i] = (uint8_t)(0xD0 + i);
	}
}

static void test_doc_examples(void)
{
	uint8_t m1[256], m2[256];
	struct hp_buf apdu, out;

	hp_buf_init(&apdu, m1, sizeof(m1));
	doc_apdu(&apdu);
	CHECK_BYTES(&apdu, doc_apdu_bytes);

	/* (a) HDLC: dst 01, src 02 01, control 10 (Kaifa NO). */
	struct hp_enc_hdlc h = {{0x01}, {0x02, 0x01}, 1, 2, 0x10};
	hp_buf_init(&out, m2, sizeof(m2));
	CHECK_INT(hp_enc_hdlc_wrap(&out, &h, true, apdu.p, apdu.len, 1), 0);
	CHECK_BYTES(&out, doc_hdlc);

	/* (b) M-Bus single frame. */
	struct hp_enc_mbus m = {0x53, 0xFF, 0x01, 0x67};
	hp_buf_init(&out, m2, sizeof(m2));
	CHECK_INT(hp_enc_mbus_wrap(&out, &m, apdu.p, apdu.len, 0, HP_MBUS_DATA_MAX), 0);
	CHECK_BYTES(&out, doc_mbus);

	/* (d) SC 30, 20, 10. */
	struct hp_enc_ggc g;
	doc_ggc(&g, 0x30);
	hp_buf_init(&out, m2, sizeof(m2));
	CHECK_INT(hp_enc_ggc(&out, &g, apdu.p, apdu.len), 0);
	CHECK_BYTES(&out, doc_sc30);

	doc_ggc(&g, 0x20);
	hp_buf_init(&out, m2, sizeof(m2));
	CHECK_INT(hp_enc_ggc(&out, &g, apdu.p, apdu.len), 0);
	CHECK_BYTES(&out, doc_sc20);

	doc_ggc(&g, 0x10);
	hp_buf_init(&out, m2, sizeof(m2));
	CHECK_INT(hp_enc_ggc(&out, &g, apdu.p, apdu.len), 0);
	uint8_t sc10[16 + sizeof(doc_apdu_bytes) + sizeof(doc_sc10_tag)] = {
	    0xDB, 0x08, DOC_TITLE, 0x2B, 0x10, 0x00, 0x00, 0x00, 0x01};
	memcpy(sc10 + 16, doc_apdu_bytes, sizeof(doc_apdu_bytes));
	memcpy(sc10 + 16 + sizeof(doc_apdu_bytes), doc_sc10_tag, sizeof(doc_sc10_tag));
	CHECK_BYTES(&out, sc10);
}

/* (h): the example telegram, each line ending CR LF, CRC 58E8. */
static void test_doc_dsmr(void)
{
	static const char want[] = "/XYZ5TESTMETER\r\n\r\n"
				   "1-3:0.2.8(50)\r\n"
				   "0-0:1.0.0(250115120000W)\r\n"
				   "1-0:1.8.1(000123.456*kWh)\r\n"
				   "1-0:1.7.0(01.234*kW)\r\n"
				   "!58E8\r\n";
	uint8_t mem[256];
	struct hp_buf b;
	struct hp_enc_dsmr t;
	struct hp_enc_datetime ts = {2025, 1, 15, 0, 12, 0, 0, 0, 0, 0x00};
	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_dsmr_begin(&t, &b, "XYZ5TESTMETER", false, HP_DSMR_CRC_PADDED);
	hp_enc_dsmr_line(&t, "1-3:0.2.8(50)");
	hp_buf_str(&b, "0-0:1.0.0(");
	hp_enc_dsmr_timestamp(&b, &ts, true);
	hp_buf_str(&b, ")");
	hp_enc_dsmr_eol(&t);
	hp_buf_str(&b, "1-0:1.8.1(");
	hp_buf_fixed(&b, 123.456, 6, 3);
	hp_buf_str(&b, "*kWh)");
	hp_enc_dsmr_eol(&t);
	hp_buf_str(&b, "1-0:1.7.0(");
	hp_buf_fixed(&b, 1234 / 1000.0, 2, 3);
	hp_buf_str(&b, "*kW)");
	hp_enc_dsmr_eol(&t);
	CHECK_INT(hp_enc_dsmr_end(&t), 0x58E8);
	CHECK(bytes_eq(&b, (const uint8_t *)want, strlen(want)));
}

/* ---- buffer and A-XDR ---- */

static void test_buf(void)
{
	uint8_t mem[4];
	struct hp_buf b;
	hp_buf_init(&b, mem, sizeof(mem));
	hp_buf_be16(&b, 0x1234);
	hp_buf_le16(&b, 0x5678);
	CHECK(hp_buf_ok(&b));
	CHECK_INT(b.len, 4);
	CHECK(mem[0] == 0x12 && mem[1] == 0x34 && mem[2] == 0x78 && mem[3] == 0x56);
	hp_buf_u8(&b, 1);
	CHECK(!hp_buf_ok(&b));
	CHECK_INT(b.len, 4);
	hp_buf_init(&b, mem, 2);
	hp_buf_be32(&b, 1); /* does not fit: nothing partial beyond cap */
	CHECK(b.overflow);
	CHECK(b.len <= 2);

	struct {
		const char *legend;
		double value;
		unsigned int_digits, decimals;
		const char *want;
	} fixed[] = {
	    /* clang-format off */
		{"padded", 123.456, 6, 3, "000123.456"},
		{"rounds", 1.2345, 2, 3, "01.235"},
		{"carry", 9.9996, 1, 3, "10.000"},
		{"integer", 42871240, 9, 0, "042871240"},
		{"negative", -0.5, 1, 2, "-0.50"},
		{"wide", 12345, 2, 1, "12345.0"},
		{"out of range", 1e30, 2, 3, "00.000"},
		{"decimals capped at 9", 1.5, 1, 12, "1.500000000"},
	    /* clang-format on */
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		uint8_t t[32];
		hp_buf_init(&b, t, sizeof(t));
		hp_buf_fixed(&b, fixed[i].value, fixed[i].int_digits, fixed[i].decimals);
		CHECK_MSG(bytes_eq(&b, (const uint8_t *)fixed[i].want, strlen(fixed[i].want)),
			  "%s: %.*s", fixed[i].legend, (int)b.len, (const char *)t);
	}
}

struct len_case {
	const char *legend;
	size_t n;
	unsigned form;
	uint8_t want[6];
	size_t want_len; /* 0: the builder must refuse */
};

static void test_axdr_length(void)
{
	static const struct len_case cases[] = {
	    {"short", 0x7F, 0, {0x7F}, 1},
	    {"81", 0x80, 0, {0x81, 0x80}, 2},
	    {"81 max", 0xFF, 0, {0x81, 0xFF}, 2},
	    {"82", 0x100, 0, {0x82, 0x01, 0x00}, 3},
	    {"83", 0x10000, 0, {0x83, 0x01, 0x00, 0x00}, 4},
	    {"84", 0x1000000, 0, {0x84, 0x01, 0x00, 0x00, 0x00}, 5},
	    {"forced 82", 0x2B, 2, {0x82, 0x00, 0x2B}, 3},
	    {"forced 81", 0x05, 1, {0x81, 0x05}, 2},
	    {"forced too short", 0x100, 1, {0}, 0},
	    {"bad form", 1, 5, {0}, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t mem[8];
		struct hp_buf b;
		hp_buf_init(&b, mem, sizeof(mem));
		hp_enc_length_form(&b, cases[i].n, cases[i].form);
		if (cases[i].want_len == 0)
			CHECK_MSG(!hp_buf_ok(&b), "%s", cases[i].legend);
		else
			CHECK_MSG(bytes_eq(&b, cases[i].want, cases[i].want_len), "%s",
				  cases[i].legend);
	}
}

static void test_axdr_values(void)
{
	uint8_t mem[128];
	struct hp_buf b;
	hp_buf_init(&b, mem, sizeof(mem));
	static const uint8_t obis[6] = {1, 0, 1, 7, 0, 255};
	hp_enc_structure(&b, 3);
	hp_enc_obis(&b, obis);
	hp_enc_u32(&b, 280);
	hp_enc_scaler_unit(&b, 0, HP_UNIT_W);
	/* protocols-meters.md layout 2 example: 280 W */
	static const uint8_t aidon[] = {0x02, 0x03, 0x09, 0x06, 0x01, 0x00, 0x01,
					0x07, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x01,
					0x18, 0x02, 0x02, 0x0F, 0x00, 0x16, 0x1B};
	CHECK_BYTES(&b, aidon);

	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_i16(&b, -2);
	hp_enc_i8(&b, -3);
	hp_enc_u16(&b, 0xEA);
	hp_enc_visible(&b, "AB");
	hp_enc_octet_text(&b, "C");
	hp_enc_null(&b);
	hp_enc_bool(&b, true);
	hp_enc_enum(&b, 0x1E);
	hp_enc_i32(&b, -1);
	hp_enc_u64(&b, 0x0102030405060708ull);
	static const uint8_t misc[] = {0x10, 0xFF, 0xFE, 0x0F, 0xFD, 0x12, 0x00, 0xEA, 0x0A,
				       0x02, 'A',  'B',  0x09, 0x01, 'C',  0x00, 0x03, 0x01,
				       0x16, 0x1E, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x15, 0x01,
				       0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	CHECK_BYTES(&b, misc);

	/* Integers by tag, clamped to the type. */
	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_integer(&b, HP_AXDR_LONG_UNSIGNED, 70000);
	hp_enc_integer(&b, HP_AXDR_LONG, -40000);
	hp_enc_integer(&b, HP_AXDR_DOUBLE_LONG_UNSIGNED, -5);
	hp_enc_integer(&b, HP_AXDR_INTEGER, -128);
	static const uint8_t clamped[] = {0x12, 0xFF, 0xFF, 0x10, 0x80, 0x00, 0x06,
					  0x00, 0x00, 0x00, 0x00, 0x0F, 0x80};
	CHECK_BYTES(&b, clamped);
	hp_enc_integer(&b, HP_AXDR_OCTET_STRING, 1);
	CHECK(!hp_buf_ok(&b));

	/* Long structure counts use the length rule. */
	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_array(&b, 200);
	static const uint8_t long_array[] = {0x01, 0x81, 0xC8};
	CHECK_BYTES(&b, long_array);
}

static void test_datetime(void)
{
	CHECK_INT(hp_enc_weekday(2025, 1, 15), 3);  /* Wednesday */
	CHECK_INT(hp_enc_weekday(2022, 1, 24), 1);  /* Monday (protocols.md (e)) */
	CHECK_INT(hp_enc_weekday(2024, 6, 15), 6);  /* Saturday */
	CHECK_INT(hp_enc_weekday(2024, 2, 29), 4);  /* Thursday, leap day */
	CHECK_INT(hp_enc_weekday(2023, 12, 31), 7); /* Sunday */
	CHECK_INT(hp_enc_weekday(2023, 13, 1), 0xFF);

	/* 2024-06-15 Sat 20:23:45.00, deviation -120, DST: protocols.md (e). */
	struct hp_enc_datetime dt = {2024, 6, 15, 0, 20, 23, 45, 0, -120, 0x80};
	uint8_t mem[64];
	struct hp_buf b;
	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_datetime_raw(&b, &dt);
	static const uint8_t want[] = {0x07, 0xE8, 0x06, 0x0F, 0x06, 0x14,
				       0x17, 0x2D, 0x00, 0xFF, 0x88, 0x80};
	CHECK_BYTES(&b, want);

	struct {
		enum hp_enc_dt_form form;
		size_t len;
		uint8_t lead[2];
		size_t lead_len;
	} forms[] = {
	    {HP_DT_ABSENT, 6, {0x00}, 1},
	    {HP_DT_BARE, 18, {0x0C}, 1},
	    {HP_DT_OCTET, 19, {0x09, 0x0C}, 2},
	    {HP_DT_TAGGED, 18, {0x19}, 1},
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		hp_buf_init(&b, mem, sizeof(mem));
		hp_enc_dn_header(&b, 0x12345678, forms[i].form, &dt);
		CHECK_INT(b.len, forms[i].len);
		CHECK(mem[0] == 0x0F && mem[1] == 0x12 && mem[4] == 0x78);
		CHECK(memcmp(mem + 5, forms[i].lead, forms[i].lead_len) == 0);
		if (forms[i].form != HP_DT_ABSENT)
			CHECK(memcmp(mem + 5 + forms[i].lead_len, want, sizeof(want)) == 0);
	}
}

/* ---- link layers, checked by re-parsing ---- */

struct hdlc_seen {
	size_t frames;
	bool seg[8];
	size_t info_len;
	uint8_t info[BUF_MAX];
	bool ok;
};

/* Walks back-to-back HDLC frames: flags, L, HCS, FCS; joins the info fields. */
static void parse_hdlc(const uint8_t *p, size_t n, size_t addr_len, struct hdlc_seen *s)
{
	memset(s, 0, sizeof(*s));
	s->ok = true;
	size_t off = 0;
	while (off < n && s->ok) {
		if (n - off < 9 || p[off] != 0x7E || (p[off + 1] & 0xF0) != 0xA0) {
			s->ok = false;
			break;
		}
		size_t l = (size_t)(p[off + 1] & 7) << 8 | p[off + 2];
		if (off + l + 2 > n || p[off + l + 1] != 0x7E) {
			s->ok = false;
			break;
		}
		const uint8_t *f = p + off + 1;
		size_t hdr = 2 + addr_len + 1;
		uint16_t hcs = hp_crc16_x25(f, hdr);
		uint16_t fcs = hp_crc16_x25(f, l - 2);
		if ((f[hdr] | f[hdr + 1] << 8) != hcs || (f[l - 2] | f[l - 1] << 8) != fcs)
			s->ok = false;
		if (s->frames < 8)
			s->seg[s->frames] = (f[0] & 0x08) != 0;
		size_t info = l - hdr - 4;
		if (s->info_len + info <= sizeof(s->info)) {
			memcpy(s->info + s->info_len, f + hdr + 2, info);
			s->info_len += info;
		}
		s->frames++;
		off += l + 2;
	}
}

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_hdlc(void)
{
	static uint8_t apdu[1200], mem[BUF_MAX];
	static struct hdlc_seen seen;
	fill_pattern(apdu, sizeof(apdu), 0x0F);
	struct hp_buf b;
	/* Landis+Gyr: two-byte destination. */
	struct hp_enc_hdlc h = {{0xCE, 0xFF}, {0x03}, 2, 1, 0x13};

	for (unsigned segs = 1; segs <= 4; segs++) {
		hp_buf_init(&b, mem, sizeof(mem));
		CHECK_INT(hp_enc_hdlc_wrap(&b, &h, true, apdu, sizeof(apdu), segs), 0);
		parse_hdlc(b.p, b.len, 3, &seen);
		CHECK(seen.ok);
		CHECK_INT(seen.frames, segs);
		for (unsigned i = 0; i < segs; i++)
			CHECK_MSG(seen.seg[i] == (i + 1 < segs), "segments %u frame %u", segs, i);
		CHECK_INT(seen.info_len, sizeof(apdu) + 3);
		CHECK(memcmp(seen.info, "\xE6\xE7\x00", 3) == 0);
		CHECK(memcmp(seen.info + 3, apdu, sizeof(apdu)) == 0);
		/* The LLC header is not repeated in continuation frames. */
		CHECK_INT(b.len, sizeof(apdu) + 3 + segs * (2 + 2 + 3 + 1 + 2 + 2));
	}

	/* Only the LLC header (an empty APDU, no APDU pointer). */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_hdlc_wrap(&b, &h, true, NULL, 0, 1), 0);
	parse_hdlc(b.p, b.len, 3, &seen);
	CHECK(seen.ok && seen.frames == 1 && seen.info_len == 3);

	/* A frame with an empty info field carries only the FCS. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_hdlc_frame(&b, &h, false, NULL, 0), 0);
	CHECK_INT(b.len, 10);
	CHECK_INT(mem[2], 8); /* format 2 + addresses 3 + control 1 + FCS 2 */
	CHECK_INT(mem[7] | mem[8] << 8, hp_crc16_x25(mem + 1, 6));

	/* L is 11 bits: 2047 fits, one more does not. */
	static uint8_t big[2100];
	struct hp_enc_hdlc k = {{0x01}, {0x02, 0x01}, 1, 2, 0x10};
	size_t fit = 2047 - (2 + 3 + 1 + 2 + 2);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_hdlc_frame(&b, &k, false, big, fit), 0);
	CHECK_INT(b.len, 2049);
	CHECK(mem[1] == 0xA7 && mem[2] == 0xFF);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_hdlc_frame(&b, &k, false, big, fit + 1), -1);
	CHECK(!hp_buf_ok(&b));

	/* Too small a buffer fails cleanly. */
	uint8_t tiny[20];
	hp_buf_init(&b, tiny, sizeof(tiny));
	CHECK_INT(hp_enc_hdlc_wrap(&b, &k, true, apdu, 100, 1), -1);
	/* More segments than bytes. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_hdlc_wrap(&b, &k, false, apdu, 2, 3), -1);
}

struct mbus_seen {
	size_t frames;
	uint8_t ci[16];
	uint8_t l[16];
	size_t data_len;
	uint8_t data[BUF_MAX];
	bool ok;
};

/* Walks back-to-back M-Bus long frames, allowing the length wrap (L < 5 -> L + 256). */
static void parse_mbus(const uint8_t *p, size_t n, struct mbus_seen *s)
{
	memset(s, 0, sizeof(*s));
	s->ok = true;
	size_t off = 0;
	while (off < n && s->ok) {
		if (n - off < 11 || p[off] != 0x68 || p[off + 1] != p[off + 2] ||
		    p[off + 3] != 0x68) {
			s->ok = false;
			break;
		}
		size_t l = p[off + 1] < 5 ? p[off + 1] + 256u : p[off + 1];
		if (off + 4 + l + 2 > n) {
			s->ok = false;
			break;
		}
		unsigned sum = 0;
		for (size_t i = 0; i < l; i++)
			sum += p[off + 4 + i];
		if ((uint8_t)sum != p[off + 4 + l] || p[off + 5 + l] != 0x16)
			s->ok = false;
		if (s->frames < 16) {
			s->ci[s->frames] = p[off + 6];
			s->l[s->frames] = p[off + 1];
		}
		memcpy(s->data + s->data_len, p + off + 9, l - 5);
		s->data_len += l - 5;
		s->frames++;
		off += 4 + l + 2;
	}
}

static void test_mbus(void)
{
	static uint8_t apdu[600], mem[BUF_MAX];
	static struct mbus_seen seen;
	fill_pattern(apdu, sizeof(apdu), 0xDB);
	struct hp_enc_mbus m = {0x53, 0xFF, 0x01, 0x67};
	struct hp_buf b;

	/* Two segments split evenly: CI 00 then 11. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_mbus_wrap(&b, &m, apdu, 300, 2, HP_MBUS_DATA_MAX), 0);
	parse_mbus(b.p, b.len, &seen);
	CHECK(seen.ok);
	CHECK_INT(seen.frames, 2);
	CHECK_INT(seen.ci[0], 0x00);
	CHECK_INT(seen.ci[1], 0x11);
	CHECK_INT(seen.l[0], 155);
	CHECK_INT(seen.data_len, 300);
	CHECK(memcmp(seen.data, apdu, 300) == 0);

	/* Greedy fill: 600 bytes in 250 + 250 + 100, CI 00 01 12. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_mbus_wrap(&b, &m, apdu, 600, 0, HP_MBUS_DATA_MAX), 0);
	parse_mbus(b.p, b.len, &seen);
	CHECK(seen.ok);
	CHECK_INT(seen.frames, 3);
	CHECK(seen.ci[0] == 0x00 && seen.ci[1] == 0x01 && seen.ci[2] == 0x12);
	CHECK(seen.l[0] == 255 && seen.l[2] == 105);
	CHECK(memcmp(seen.data, apdu, 600) == 0);

	/* Sagemcom length wrap: 260 bytes as 252 (L 257 sent as 01) + 8 (L 0D). */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_mbus_wrap(&b, &m, apdu, 260, 0, 252), 0);
	parse_mbus(b.p, b.len, &seen);
	CHECK(seen.ok);
	CHECK_INT(seen.frames, 2);
	CHECK(mem[0] == 0x68 && mem[1] == 0x01 && mem[2] == 0x01 && mem[3] == 0x68);
	CHECK(mem[263] == 0x68 && mem[264] == 0x0D && mem[266] == 0x68);
	CHECK_INT(b.len, 263 + 19);
	CHECK(seen.ci[0] == 0x00 && seen.ci[1] == 0x11);
	CHECK(memcmp(seen.data, apdu, 260) == 0);

	/* Limits: 256 data bytes do not fit even the wrap; 17 segments have no CI. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_mbus_frame(&b, &m, 0x10, apdu, 256), -1);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_mbus_wrap(&b, &m, apdu, 17, 17, HP_MBUS_DATA_MAX), -1);
}

static void test_gbt(void)
{
	static uint8_t apdu[400], mem[BUF_MAX], joined[BUF_MAX];
	fill_pattern(apdu, sizeof(apdu), 0x0F);
	CHECK_INT(hp_enc_gbt_count(400, 150), 3);
	CHECK_INT(hp_enc_gbt_count(300, 150), 2);
	CHECK_INT(hp_enc_gbt_count(10, 0), 0);
	size_t jn = 0;
	for (uint16_t bn = 1; bn <= 3; bn++) {
		struct hp_buf b;
		hp_buf_init(&b, mem, sizeof(mem));
		CHECK_INT(hp_enc_gbt_nth(&b, apdu, sizeof(apdu), 150, bn), 0);
		CHECK_INT(mem[0], 0xE0);
		CHECK_INT(mem[1], bn == 3 ? 0xC0 : 0x40);
		CHECK_INT(mem[2] << 8 | mem[3], bn);
		CHECK_INT(mem[4] << 8 | mem[5], 0);
		size_t hdr, len;
		if (mem[6] == 0x81) { /* 150 bytes: the long form 81 96 */
			len = mem[7];
			hdr = 8;
		} else {
			len = mem[6];
			hdr = 7;
		}
		CHECK_INT(len, bn == 3 ? 100 : 150);
		CHECK_INT(b.len, hdr + len);
		memcpy(joined + jn, mem + hdr, len);
		jn += len;
	}
	CHECK_INT(jn, sizeof(apdu));
	CHECK(memcmp(joined, apdu, sizeof(apdu)) == 0);
	struct hp_buf b;
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_gbt_nth(&b, apdu, sizeof(apdu), 150, 4), -1);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_gbt_nth(&b, apdu, sizeof(apdu), 150, 0), -1);
}

/* Opens a DB frame independently with OpenSSL: GCM decrypt + tag check. */
static bool gcm_open(const struct hp_enc_ggc *g, const uint8_t *ct, size_t n, const uint8_t *tag,
		     uint8_t *plain)
{
	uint8_t iv[12], full_tag[16] = {0};
	memcpy(iv, g->title, 8);
	iv[8] = (uint8_t)(g->ic >> 24);
	iv[9] = (uint8_t)(g->ic >> 16);
	iv[10] = (uint8_t)(g->ic >> 8);
	iv[11] = (uint8_t)g->ic;
	memcpy(full_tag, tag, 12);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	bool ok = ctx != NULL &&
		  EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
		  EVP_DecryptInit_ex(ctx, NULL, NULL, g->ek, iv) == 1 &&
		  EVP_DecryptUpdate(ctx, NULL, &outl, &g->sc, 1) == 1 &&
		  EVP_DecryptUpdate(ctx, NULL, &outl, g->ak, 16) == 1 &&
		  EVP_DecryptUpdate(ctx, plain, &outl, ct, (int)n) == 1 &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 12, full_tag) == 1;
	uint8_t fin[16];
	/* A 12-byte tag: OpenSSL compares the first 12 bytes it computes. */
	ok = ok && EVP_DecryptFinal_ex(ctx, fin, &outl) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static void test_ggc(void)
{
	static uint8_t plain[300], mem[BUF_MAX], opened[BUF_MAX];
	fill_pattern(plain, sizeof(plain), 0x0F);
	struct hp_enc_ggc g;
	doc_ggc(&g, 0x30);
	g.ic = 0x12345678;
	struct hp_buf b;

	/* A long payload: LEN 82 01 3D (= 1 + 4 + 300 + 12). */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_ggc(&b, &g, plain, sizeof(plain)), 0);
	CHECK_INT(b.len, 10 + 3 + 317);
	CHECK(mem[10] == 0x82 && mem[11] == 0x01 && mem[12] == 0x3D && mem[13] == 0x30);
	CHECK(mem[14] == 0x12 && mem[17] == 0x78);
	CHECK(gcm_open(&g, mem + 18, 300, mem + 318, opened));
	CHECK(memcmp(opened, plain, 300) == 0);
	/* A wrong AK fails the independent check. */
	g.ak[15] ^= 1;
	CHECK(!gcm_open(&g, mem + 18, 300, mem + 318, opened));
	g.ak[15] ^= 1;

	/* Forced LEN form and an empty (Elgama-style) title on the wire. */
	g.len_form = 2;
	g.title_len = 0;
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_ggc(&b, &g, plain, 20), 0);
	CHECK(mem[0] == 0xDB && mem[1] == 0x00 && mem[2] == 0x82 && mem[3] == 0x00 &&
	      mem[4] == 37 && mem[5] == 0x30);
	CHECK_INT(b.len, 5 + 37);
	CHECK(gcm_open(&g, mem + 10, 20, mem + 30, opened));

	/* SC 21 opens like 20: same keystream, no tag. */
	doc_ggc(&g, 0x21);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_ggc(&b, &g, doc_apdu_bytes, sizeof(doc_apdu_bytes)), 0);
	CHECK_INT(b.len, sizeof(doc_sc20));
	CHECK(memcmp(mem + 16, doc_sc20 + 16, 26) == 0);

	/* SC 00: the APDU in clear, no tag. */
	doc_ggc(&g, 0x00);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_ggc(&b, &g, doc_apdu_bytes, sizeof(doc_apdu_bytes)), 0);
	CHECK_INT(b.len, 16 + 26);
	CHECK_INT(mem[10], 31);
	CHECK(memcmp(mem + 16, doc_apdu_bytes, 26) == 0);

	/* No room: fails, never writes past the end. */
	uint8_t tiny[30];
	doc_ggc(&g, 0x30);
	hp_buf_init(&b, tiny, sizeof(tiny));
	CHECK_INT(hp_enc_ggc(&b, &g, doc_apdu_bytes, sizeof(doc_apdu_bytes)), -1);
}

/* ---- DSMR ---- */

/* Finds the CRC digits after '!' and checks them against the bytes '/'..'!'. */
static bool dsmr_crc_ok(const uint8_t *p, size_t n, size_t *digits)
{
	const uint8_t *bang = memchr(p, '!', n);
	if (bang == NULL)
		return false;
	size_t upto = (size_t)(bang - p) + 1;
	unsigned v = 0;
	*digits = 0;
	while (upto + *digits < n && isxdigit(p[upto + *digits])) {
		int c = p[upto + *digits];
		v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		(*digits)++;
	}
	return v == hp_crc16_arc(p, upto);
}

static void test_dsmr_forms(void)
{
	uint8_t mem[512];
	struct hp_buf b;
	struct hp_enc_dsmr t;
	size_t digits;

	/* LF only: no CR anywhere. */
	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_dsmr_begin(&t, &b, "KFM5KAIFA-METER", true, HP_DSMR_CRC_PADDED);
	hp_enc_dsmr_line(&t, "1-3:0.2.8(42)");
	hp_enc_dsmr_end(&t);
	CHECK(memchr(mem, '\r', b.len) == NULL);
	CHECK(memcmp(mem, "/KFM5KAIFA-METER\n\n1-3:0.2.8(42)\n!", 33) == 0);
	CHECK(dsmr_crc_ok(mem, b.len, &digits));
	CHECK_INT(digits, 4);
	CHECK_INT(mem[b.len - 1], '\n');

	/* No CRC: a bare '!'. */
	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_dsmr_begin(&t, &b, "ISk5\\2MT382-1000", false, HP_DSMR_CRC_NONE);
	hp_enc_dsmr_end(&t);
	CHECK(bytes_eq(&b, (const uint8_t *)"/ISk5\\2MT382-1000\r\n\r\n!\r\n", 24));

	/* Lower case. */
	hp_buf_init(&b, mem, sizeof(mem));
	hp_enc_dsmr_begin(&t, &b, "XYZ5TESTMETER", false, HP_DSMR_CRC_LOWER);
	hp_enc_dsmr_line(&t, "1-3:0.2.8(50)");
	uint16_t crc = hp_enc_dsmr_end(&t);
	CHECK(dsmr_crc_ok(mem, b.len, &digits));
	CHECK_INT(digits, 4);
	CHECK(memchr(mem, 'A', b.len) == NULL || crc == 0);

	/* Unpadded: vary a line until the CRC is below 0x1000, then 3 digits or fewer. */
	bool found = false;
	for (int i = 0; i < 2000 && !found; i++) {
		hp_buf_init(&b, mem, sizeof(mem));
		hp_enc_dsmr_begin(&t, &b, "NWA5WARMTELINK", false, HP_DSMR_CRC_UNPADDED);
		hp_buf_str(&b, "0-1:24.2.1(");
		hp_buf_dec(&b, i, 6);
		hp_buf_str(&b, "*GJ)");
		hp_enc_dsmr_eol(&t);
		crc = hp_enc_dsmr_end(&t);
		if (crc >= 0x1000)
			continue;
		found = true;
		CHECK(dsmr_crc_ok(mem, b.len, &digits));
		CHECK(digits < 4);
		CHECK(mem[b.len - 3 - digits] == '!');
	}
	CHECK(found);
}

/* ---- meter profiles ---- */

/* Skips one A-XDR value; returns its length or 0 when malformed. `top` counts the
 * elements of the outermost container. */
static size_t axdr_skip(const uint8_t *p, size_t n, int depth)
{
	if (n == 0 || depth > 8)
		return 0;
	static const uint8_t fixed[256] = {
	    [0x00] = 1, [0x03] = 2, [0x05] = 5, [0x06] = 5, [0x0F] = 2, [0x10] = 3,
	    [0x11] = 2, [0x12] = 3, [0x14] = 9, [0x15] = 9, [0x16] = 2, [0x19] = 13,
	};
	uint8_t tag = p[0];
	if (fixed[tag] != 0)
		return fixed[tag] <= n ? fixed[tag] : 0;
	if (n < 2)
		return 0;
	size_t count = p[1], off = 2;
	if (count == 0x81) {
		if (n < 3)
			return 0;
		count = p[2];
		off = 3;
	}
	if (tag == 0x09 || tag == 0x0A)
		return off + count <= n ? off + count : 0;
	if (tag != 0x01 && tag != 0x02)
		return 0;
	for (size_t i = 0; i < count; i++) {
		size_t k = axdr_skip(p + off, n - off, depth + 1);
		if (k == 0)
			return 0;
		off += k;
	}
	return off;
}

static size_t top_count(const uint8_t *p)
{
	return p[1] == 0x81 ? p[2] : p[1];
}

struct body_case {
	enum hp_enc_profile profile;
	uint8_t phases;
	uint8_t container;
	size_t elements;
};

static void test_profile_bodies(void)
{
	/* Element counts from protocols-meters.md and the synthetic README layouts. */
	static const struct body_case cases[] = {
	    {HP_PROFILE_KAMSTRUP_LIST1, 3, 0x02, 25},
	    {HP_PROFILE_KAMSTRUP_LIST1, 1, 0x02, 25},
	    {HP_PROFILE_KAMSTRUP_LIST2, 3, 0x02, 35},
	    {HP_PROFILE_KAMSTRUP_LIST2, 1, 0x02, 35},
	    {HP_PROFILE_KAMSTRUP_DK, 3, 0x02, 35 + 12 + 8},
	    {HP_PROFILE_AIDON_LIST1, 3, 0x01, 1},
	    {HP_PROFILE_AIDON_LIST2, 3, 0x01, 13},
	    {HP_PROFILE_AIDON_LIST2, 1, 0x01, 9},
	    {HP_PROFILE_AIDON_LIST3, 3, 0x01, 18},
	    {HP_PROFILE_AIDON_LIST3, 1, 0x01, 14},
	    {HP_PROFILE_AIDON_SE, 3, 0x01, 32},
	    {HP_PROFILE_KAIFA_LIST1, 3, 0x02, 1},
	    {HP_PROFILE_KAIFA_LIST2, 3, 0x02, 13},
	    {HP_PROFILE_KAIFA_LIST2, 1, 0x02, 9},
	    {HP_PROFILE_KAIFA_LIST3, 3, 0x02, 18},
	    {HP_PROFILE_KAIFA_LIST3, 1, 0x02, 14},
	    {HP_PROFILE_KAIFA_SE, 3, 0x02, 36},
	    {HP_PROFILE_AT_TRIPLET, 3, 0x02, 37},
	    {HP_PROFILE_SAGEMCOM_AT, 3, 0x02, 35},
	    {HP_PROFILE_KAIFA_MA309_VKW, 3, 0x02, 14},
	    {HP_PROFILE_ISKRA_12, 3, 0x02, 18},
	    {HP_PROFILE_LANDIS_GYR, 3, 0x02, 13},
	    {HP_PROFILE_NETZ_BURGENLAND, 3, 0x02, 14},
	};
	static uint8_t mem[BUF_MAX];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct body_case *c = &cases[i];
		struct hp_enc_values v;
		struct hp_enc_link link;
		struct hp_buf b;
		hp_enc_values_example(&v, c->phases);
		hp_enc_meter_default_link(c->profile, &link);
		hp_buf_init(&b, mem, sizeof(mem));
		CHECK_INT(hp_enc_meter_body(&b, c->profile, &v, &link), 0);
		const char *name = hp_enc_profile_name(c->profile);
		CHECK_MSG(b.len > 2 && mem[0] == c->container, "%s", name);
		CHECK_MSG(top_count(mem) == c->elements, "%s %up: %zu elements, want %zu", name,
			  c->phases, top_count(mem), c->elements);
		CHECK_MSG(axdr_skip(mem, b.len, 0) == b.len, "%s: body does not parse", name);
	}
}

/* The first occurrence of an OBIS code followed by a value: returns the value offset. */
static const uint8_t *find_obis(const struct hp_buf *b, uint8_t c, uint8_t d, uint8_t e)
{
	for (size_t i = 0; i + 8 < b->len; i++)
		if (b->p[i] == 0x09 && b->p[i + 1] == 0x06 && b->p[i + 4] == c &&
		    b->p[i + 5] == d && b->p[i + 6] == e)
			return b->p + i + 8;
	return NULL;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_profile_units(void)
{
	static uint8_t mem[BUF_MAX];
	struct hp_enc_values v;
	struct hp_enc_link link;
	struct hp_buf b;
	const uint8_t *p;
	hp_enc_values_example(&v, 3);
	v.energy_import_kwh = 42871.237; /* Kamstrup rounds to 10 Wh */
	v.current_a[0] = 6.1449;

	hp_enc_meter_default_link(HP_PROFILE_KAMSTRUP_LIST2, &link);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_body(&b, HP_PROFILE_KAMSTRUP_LIST2, &v, &link), 0);
	p = find_obis(&b, 1, 8, 0);
	CHECK(p != NULL && p[0] == 0x06 && be32_at(p + 1) == 4287124);
	p = find_obis(&b, 31, 7, 0);
	CHECK(p != NULL && p[0] == 0x06 && be32_at(p + 1) == 614);
	p = find_obis(&b, 32, 7, 0);
	CHECK(p != NULL && p[0] == 0x12 && (p[1] << 8 | p[2]) == 230); /* 229.7 V in whole V */
	p = find_obis(&b, 1, 0, 0);                                    /* clock 0.1.1.0.0.255 */
	CHECK(p != NULL && p[0] == 0x09 && p[1] == 0x0C && p[2] == 0x07 && p[3] == 0xE9);
	CHECK(memcmp(mem + 2, "\x0A\x0EKamstrup_V0001", 16) == 0);

	/* Kamstrup 1-phase: null-data pairs in place of L2/L3. */
	hp_enc_values_example(&v, 1);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_body(&b, HP_PROFILE_KAMSTRUP_LIST1, &v, &link), 0);
	p = find_obis(&b, 31, 7, 0);
	CHECK(p != NULL && memcmp(p + 5, "\x00\x00\x00\x00\x09\x06\x01\x01\x20", 9) == 0);

	/* Kamstrup DK: the meter number as uint32 under 1.1.0.0.1.255. */
	hp_enc_values_example(&v, 3);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_body(&b, HP_PROFILE_KAMSTRUP_DK, &v, &link), 0);
	p = find_obis(&b, 0, 0, 1);
	CHECK(p != NULL && p[0] == 0x06 && be32_at(p + 1) == v.meter_number);

	/* Aidon: the scaler-unit travels with the value. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_body(&b, HP_PROFILE_AIDON_LIST3, &v, &link), 0);
	p = find_obis(&b, 31, 7, 0); /* I int16, scaler -1 */
	CHECK(p != NULL && memcmp(p, "\x10\x00\x2A\x02\x02\x0F\xFF\x16\x21", 9) == 0);
	p = find_obis(&b, 1, 8, 0); /* energy Wh, scaler +1 */
	CHECK(p != NULL && be32_at(p + 1) == 4287124 &&
	      memcmp(p + 5, "\x02\x02\x0F\x01\x16\x1E", 6) == 0);

	/* Kaifa positional: mA and 0.1 V, KFM_001 first. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_body(&b, HP_PROFILE_KAIFA_LIST2, &v, &link), 0);
	CHECK(memcmp(mem, "\x02\x0D\x09\x07KFM_001", 11) == 0);

	/* Sagemcom: a bare leading date-time and a bare trailing meter number. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_body(&b, HP_PROFILE_SAGEMCOM_AT, &v, &link), 0);
	CHECK(mem[2] == 0x09 && mem[3] == 0x0C && mem[16] == 0x09 && mem[17] == 0x06);
	size_t idn = strlen(v.meter_id);
	CHECK(memcmp(mem + b.len - idn, v.meter_id, idn) == 0);

	/* Landis+Gyr: the push object list descriptor first. */
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_body(&b, HP_PROFILE_LANDIS_GYR, &v, &link), 0);
	CHECK(memcmp(mem,
		     "\x02\x0D\x01\x0D\x02\x04\x12\x00\x28\x09\x06\x00\x00\x19\x09\x00\xFF"
		     "\x0F\x02\x12\x00\x00",
		     22) == 0);
}

static void test_profile_frames(void)
{
	static uint8_t mem[BUF_MAX];
	static struct hdlc_seen hs;
	static struct mbus_seen ms;
	for (int p = 0; p < HP_PROFILE_COUNT; p++) {
		struct hp_enc_values v;
		struct hp_enc_link link;
		struct hp_buf b;
		const char *name = hp_enc_profile_name((enum hp_enc_profile)p);
		hp_enc_values_example(&v, 3);
		v.mbus_count = 1;
		v.mbus[0].channel = 1;
		v.mbus[0].device_type = 3;
		memcpy(v.mbus[0].id, "G0012345678901234", 18);
		v.mbus[0].value = 1234.567;
		memcpy(v.mbus[0].unit, "m3", 3);
		v.mbus[0].time = v.clock;
		hp_enc_meter_default_link((enum hp_enc_profile)p, &link);
		hp_buf_init(&b, mem, sizeof(mem));
		CHECK_MSG(hp_enc_meter_frames(&b, (enum hp_enc_profile)p, &v, &link) == 0, "%s",
			  name);
		switch (link.framing) {
		case HP_ENC_FRAMING_HDLC:
			parse_hdlc(b.p, b.len, (size_t)link.hdlc.dst_len + link.hdlc.src_len, &hs);
			CHECK_MSG(hs.ok && hs.frames == 1, "%s", name);
			CHECK_MSG(memcmp(hs.info, "\xE6\xE7\x00", 3) == 0, "%s", name);
			CHECK_MSG(hs.info[3] == (link.cipher ? 0xDB : 0x0F), "%s", name);
			break;
		case HP_ENC_FRAMING_MBUS:
			parse_mbus(b.p, b.len, &ms);
			CHECK_MSG(ms.ok && ms.frames == 2 && ms.data[0] == 0xDB, "%s", name);
			CHECK_MSG((ms.ci[0] & 0x10) == 0 && ms.ci[1] == 0x11, "%s", name);
			break;
		case HP_ENC_FRAMING_RAW:
			CHECK_MSG(mem[0] == 0xDB && mem[2] == 'S', "%s", name);
			CHECK_MSG(mem[10] == 0x82 && mem[13] == 0x30, "%s", name);
			CHECK_MSG(b.len == 13u + (size_t)(mem[11] << 8 | mem[12]), "%s", name);
			break;
		case HP_ENC_FRAMING_P1: {
			size_t digits;
			CHECK_MSG(mem[0] == '/', "%s", name);
			if (link.crc == HP_DSMR_CRC_NONE)
				CHECK_MSG(memcmp(mem + b.len - 3, "!\r\n", 3) == 0, "%s", name);
			else
				CHECK_MSG(dsmr_crc_ok(mem, b.len, &digits) && digits == 4, "%s",
					  name);
			break;
		}
		}
	}
}

static bool contains(const struct hp_buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->p + i, s, n) == 0)
			return true;
	return false;
}

static void test_dsmr_profiles(void)
{
	static uint8_t mem[BUF_MAX];
	struct hp_enc_values v;
	struct hp_enc_link link;
	struct hp_buf b;
	hp_enc_values_example(&v, 3);
	memcpy(v.meter_model, "MT382-1000", 11);
	memcpy(v.meter_id, "K8EG004046395507", 17);
	v.mbus_count = 1;
	v.mbus[0].channel = 1;
	v.mbus[0].device_type = 3;
	memcpy(v.mbus[0].id, "G1", 3);
	v.mbus[0].value = 8125.375;
	memcpy(v.mbus[0].unit, "m3", 3);
	v.mbus[0].time = v.clock;

	hp_enc_meter_default_link(HP_PROFILE_DSMR22_NL, &link);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_apdu(&b, HP_PROFILE_DSMR22_NL, &v, &link), 0);
	CHECK(contains(&b, "/ISk5\\2MT382-1000\r\n\r\n"));
	CHECK(contains(&b, "0-0:96.1.1(4B384547303034303436333935353037)\r\n"));
	CHECK(contains(&b, "1-0:1.8.1(27871.240*kWh)\r\n"));
	CHECK(contains(&b, "1-0:1.7.0(0003.13*kW)\r\n"));
	CHECK(contains(&b, "0-0:96.14.0(0002)\r\n"));
	CHECK(contains(&b, "0-1:24.3.0(250115120000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n"
			   "(08125.375)\r\n"));
	CHECK(contains(&b, "\r\n!\r\n"));

	hp_enc_meter_default_link(HP_PROFILE_DSMR_BE, &link);
	v.demand_avg_w = 6218;
	v.demand_month_max_w = 9876;
	v.demand_month_max_time = v.clock;
	v.peak_count = 1;
	v.peaks[0].month = v.clock;
	v.peaks[0].time = v.clock;
	v.peaks[0].value_w = 6543;
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_apdu(&b, HP_PROFILE_DSMR_BE, &v, &link), 0);
	CHECK(contains(&b, "1-0:1.4.0(06.218*kW)\r\n"));
	CHECK(contains(&b, "1-0:1.6.0(250115120000W)(09.876*kW)\r\n"));
	CHECK(contains(&b, "0-0:98.1.0(1)(1-0:1.6.0)(1-0:1.6.0)(250115120000W)(250115120000W)"
			   "(06.543*kW)\r\n"));
	CHECK(contains(&b, "0-1:24.2.3(250115120000W)(08125.375*m3)\r\n"));
	CHECK(contains(&b, "1-0:31.7.0(004.21*A)\r\n"));

	hp_enc_meter_default_link(HP_PROFILE_DSMR_AT_WH, &link);
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_apdu(&b, HP_PROFILE_DSMR_AT_WH, &v, &link), 0);
	CHECK(contains(&b, "1-0:1.8.0(042871240*Wh)\r\n"));
	CHECK(contains(&b, "1-0:1.7.0(000003127*W)\r\n"));

	/* 1-phase: no L2/L3 lines. */
	hp_enc_values_example(&v, 1);
	hp_enc_meter_default_link(HP_PROFILE_DSMR50_NL, &link);
	link.lf_only = true;
	hp_buf_init(&b, mem, sizeof(mem));
	CHECK_INT(hp_enc_meter_apdu(&b, HP_PROFILE_DSMR50_NL, &v, &link), 0);
	CHECK(contains(&b, "1-0:32.7.0(229.7*V)\n"));
	CHECK(!contains(&b, "1-0:52.7.0"));
	CHECK(memchr(mem, '\r', b.len) == NULL);
}

int main(void)
{
	test_doc_examples();
	test_doc_dsmr();
	test_buf();
	test_axdr_length();
	test_axdr_values();
	test_datetime();
	test_hdlc();
	test_mbus();
	test_gbt();
	test_ggc();
	test_dsmr_forms();
	test_profile_bodies();
	test_profile_units();
	test_profile_frames();
	test_dsmr_profiles();
	return check_report("encode");
}
