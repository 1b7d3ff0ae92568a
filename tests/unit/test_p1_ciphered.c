/* DSMR telegrams whose body is ciphered (Elgama GAMA 350, Kaifa MA309 in Poland):
 * a clear identification line, then general-glo-ciphering without the DB tag, then
 * a clear "!CRC" line (protocols.md (d), "Encrypted DSMR variants"). */
#include <string.h>

#include "check.h"
#include "encode.h"
#include "hanp1d/decode.h"

#define WIRE_MAX 4096

static const uint8_t ek[HP_KEY_LEN] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
				       0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F};
static const uint8_t ak[HP_KEY_LEN] = {0xF0, 0xE1, 0xD2, 0xC3, 0xB4, 0xA5, 0x96, 0x87,
				       0x78, 0x69, 0x5A, 0x4B, 0x3C, 0x2D, 0x1E, 0x0F};
static const uint8_t title[HP_SYSTEM_TITLE_LEN] = {'E', 'G', 'M', 0x00, 0x12, 0x34, 0x56, 0x78};

static const char *const body_lines[] = {
    "0-0:96.1.1(4547"
    "4D3132333435)", /* hex of "EGM12345" */
    "1-0:1.8.0(001234.567*kWh)",
    "1-0:1.7.0(00.456*kW)",
    "1-0:32.7.0(231.0*V)",
};

struct events {
	int readings, errors;
	struct hp_reading r;
	enum hp_error_code code;
};

static void on_event(void *ctx, const struct hp_event *ev)
{
	struct events *e = ctx;
	if (ev->reading != NULL) {
		e->readings++;
		e->r = *ev->reading;
	} else {
		e->errors++;
		e->code = ev->error->code;
	}
}

/* The plaintext: body lines only, or (full) a whole telegram of its own. */
static size_t plaintext(uint8_t *out, size_t cap, bool full)
{
	struct hp_buf b;
	hp_buf_init(&b, out, cap);
	struct hp_enc_dsmr t;
	if (full) {
		hp_enc_dsmr_begin(&t, &b, "EGM5G35", false, HP_DSMR_CRC_PADDED);
	} else {
		t = (struct hp_enc_dsmr){.b = &b, .lf_only = false, .crc = HP_DSMR_CRC_PADDED};
	}
	for (size_t i = 0; i < sizeof(body_lines) / sizeof(body_lines[0]); i++)
		hp_enc_dsmr_line(&t, body_lines[i]);
	if (full)
		hp_enc_dsmr_end(&t);
	return b.len;
}

/* "/EGM5G35" CRLF CRLF, the ciphered body with a title of title_len bytes, "!FE0C". */
static size_t wire(uint8_t *out, bool full, uint8_t title_len)
{
	uint8_t plain[WIRE_MAX];
	size_t n = plaintext(plain, sizeof(plain), full);
	struct hp_buf b;
	hp_buf_init(&b, out, WIRE_MAX);
	hp_buf_str(&b, "/EGM5G35\r\n\r\n");
	struct hp_enc_ggc g = {.title_len = title_len, .sc = 0x30, .ic = 0, .len_form = 2};
	memcpy(g.title, title, sizeof(title));
	memcpy(g.ek, ek, sizeof(ek));
	memcpy(g.ak, ak, sizeof(ak));
	/* hp_enc_ggc writes the DB tag first: drop it, these meters send none. */
	size_t at = b.len;
	CHECK_INT(hp_enc_ggc(&b, &g, plain, n), 0);
	CHECK_INT(b.p[at], 0xDB);
	memmove(b.p + at, b.p + at + 1, b.len - at - 1);
	b.len--;
	hp_buf_str(&b, "!FE0C\r\n");
	CHECK(hp_buf_ok(&b));
	return b.len;
}

static void decode(const uint8_t *w, size_t n, const struct hp_keys *keys, size_t chunk,
		   struct events *e)
{
	memset(e, 0, sizeof(*e));
	struct hp_decoder_config cfg = {.keys = *keys, .on_event = on_event, .ctx = e};
	struct hp_decoder *d = hp_decoder_new(&cfg);
	for (size_t off = 0; off < n; off += chunk)
		hp_decoder_feed(d, w + off, n - off < chunk ? n - off : chunk, 0);
	hp_decoder_finish(d);
	hp_decoder_free(d);
}

static struct hp_keys all_keys(void)
{
	struct hp_keys k = {.has_ek = true, .has_ak = true, .has_system_title = true};
	memcpy(k.ek, ek, sizeof(ek));
	memcpy(k.ak, ak, sizeof(ak));
	memcpy(k.system_title, title, sizeof(title));
	return k;
}

static void check_reading(const struct events *e, const char *legend)
{
	CHECK_MSG(e->readings == 1 && e->errors == 0, "%s: %d readings, %d errors (%d)", legend,
		  e->readings, e->errors, (int)e->code);
	if (e->readings != 1)
		return;
	CHECK_INT(e->r.protocol, HP_PROTO_DSMR);
	CHECK_INT(e->r.framing, HP_FRAMING_P1);
	CHECK(e->r.encrypted);
	CHECK(e->r.authenticated);
	CHECK_STREQ(e->r.text[HP_TEXT_METER_ID], "EGM12345");
	CHECK_STREQ(e->r.text[HP_TEXT_METER_MODEL], "G35");
	CHECK_NEAR(e->r.num[HP_NUM_ENERGY_IMPORT_KWH], 1234.567);
	CHECK_NEAR(e->r.num[HP_NUM_POWER_IMPORT_W], 456);
	CHECK_NEAR(e->r.num[HP_NUM_L1_VOLTAGE_V], 231.0);
}

static void test_body_lines_only(void)
{
	uint8_t w[WIRE_MAX];
	size_t n = wire(w, false, 0);
	struct hp_keys keys = all_keys();
	struct events e;
	for (size_t chunk = 1; chunk <= n; chunk = chunk < 8 ? chunk + 1 : chunk * 3) {
		decode(w, n, &keys, chunk, &e);
		check_reading(&e, "body lines, title from the config");
	}
}

static void test_whole_telegram_inside(void)
{
	uint8_t w[WIRE_MAX];
	size_t n = wire(w, true, 0);
	struct hp_keys keys = all_keys();
	struct events e;
	decode(w, n, &keys, n, &e);
	check_reading(&e, "a telegram inside");
}

static void test_title_sent(void)
{
	uint8_t w[WIRE_MAX];
	size_t n = wire(w, false, HP_SYSTEM_TITLE_LEN);
	struct hp_keys keys = all_keys();
	keys.has_system_title = false;
	struct events e;
	decode(w, n, &keys, n, &e);
	check_reading(&e, "title in the frame");
}

static void test_key_problems(void)
{
	uint8_t w[WIRE_MAX];
	size_t n = wire(w, false, 0);
	struct events e;

	struct hp_keys keys = all_keys();
	keys.has_system_title = false;
	decode(w, n, &keys, n, &e);
	CHECK(e.readings == 0 && e.errors == 1 && e.code == HP_ERR_NO_KEY);

	keys = all_keys();
	keys.ek[0] ^= 0xFF;
	decode(w, n, &keys, n, &e);
	CHECK(e.readings == 0 && e.errors == 1 && e.code == HP_ERR_AUTH);

	keys = all_keys();
	keys.has_ek = keys.has_ak = false;
	decode(w, n, &keys, n, &e);
	CHECK(e.readings == 0 && e.errors == 1 && e.code == HP_ERR_NO_KEY);

	/* Only the EK: the tag goes unchecked, the plaintext must parse. */
	keys = all_keys();
	keys.has_ak = false;
	decode(w, n, &keys, n, &e);
	CHECK(e.readings == 1 && !e.r.authenticated);
}

static void test_cut_and_stream(void)
{
	uint8_t w[2 * WIRE_MAX];
	size_t n = wire(w, false, 0);
	struct hp_keys keys = all_keys();
	struct events e;
	/* Cut inside the ciphered body: truncated, nothing else. */
	decode(w, n - 20, &keys, n, &e);
	CHECK(e.readings == 0 && e.errors == 1 && e.code == HP_ERR_TRUNCATED);
	/* Two back to back. */
	memcpy(w + n, w, n);
	decode(w, 2 * n, &keys, 7, &e);
	CHECK_INT(e.readings, 2);
	CHECK_INT(e.errors, 0);
}

int main(void)
{
	test_body_lines_only();
	test_whole_telegram_inside();
	test_title_sent();
	test_key_problems();
	test_cut_and_stream();
	return check_report("p1_ciphered");
}
