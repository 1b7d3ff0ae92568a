/* general-glo-ciphering: the test vector of protocols.md (d) byte for byte, frames
 * built by the encrypt side of tests/gcm_seal.h (independent of cipher.c), wrong /
 * swapped / missing keys with their diagnosis, and every truncation. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "check.h"
#include "gcm_seal.h"
#include "cipher.h"
#include "sizes.h"
#include "wire.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* Room for the largest frame built here: an 8 KiB payload plus envelope. */
#define FRAME_MAX (HP_APDU_MAX + 64)

/* protocols.md (d): keys, title, IC 1, and the 26-byte APDU of (a). */
static const uint8_t doc_ek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				   0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t doc_ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
				   0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t doc_title[8] = {0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01};
static const uint8_t doc_apdu[26] = {0x0F, 0x40, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9,
				     0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80, 0x00,
				     0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2};

/* The three frames as printed in protocols.md (d). */
static const uint8_t doc_sc30[] = {
    0xDB, 0x08, 0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01, 0x2B, 0x30, 0x00, 0x00,
    0x00, 0x01, 0x99, 0xA0, 0x86, 0xBC, 0x87, 0x8B, 0x08, 0x9D, 0x7D, 0xC3, 0x50, 0x4C,
    0xA5, 0x43, 0x14, 0x28, 0x4D, 0x06, 0xD8, 0x64, 0x9C, 0x36, 0x3C, 0x97, 0xB3, 0x55,
    0x3B, 0x0D, 0xCD, 0x1C, 0xF7, 0x5C, 0x9C, 0x02, 0x1C, 0x6D, 0x47, 0xCD,
};
static const uint8_t doc_sc20[] = {
    0xDB, 0x08, 0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01, 0x1F, 0x20, 0x00, 0x00,
    0x00, 0x01, 0x99, 0xA0, 0x86, 0xBC, 0x87, 0x8B, 0x08, 0x9D, 0x7D, 0xC3, 0x50, 0x4C,
    0xA5, 0x43, 0x14, 0x28, 0x4D, 0x06, 0xD8, 0x64, 0x9C, 0x36, 0x3C, 0x97, 0xB3, 0x55,
};
static const uint8_t doc_sc10[] = {
    0xDB, 0x08, 0x4B, 0x46, 0x4D, 0x10, 0x20, 0x00, 0x00, 0x01, 0x2B, 0x10, 0x00, 0x00,
    0x00, 0x01, 0x0F, 0x40, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03,
    0x0C, 0x00, 0x00, 0xFF, 0x80, 0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2,
    0x3B, 0x30, 0xE2, 0x23, 0xEC, 0x86, 0xF0, 0x79, 0xA4, 0xC0, 0x72, 0x76,
};

/* --- the encrypt side (what a meter does) ---------------------------------------- */

/* Builds DB | TL | title | LEN | SC | IC | payload | tag. iv_title goes into the IV;
 * tl 0 leaves it out of the frame (Elgama). */
static size_t build_ggc(uint8_t *out, const uint8_t *iv_title, size_t tl, uint8_t sc, uint32_t ic,
			const uint8_t *ek, const uint8_t *ak, const uint8_t *apdu, size_t n)
{
	uint8_t iv[12], aad1[17];
	bool auth = sc & 0x10, enc = sc & 0x20;
	size_t pos = 0;

	memcpy(iv, iv_title, 8);
	hp_put_be32(iv + 8, ic);
	aad1[0] = sc;
	memcpy(aad1 + 1, ak, 16);

	out[pos++] = 0xDB;
	out[pos++] = (uint8_t)tl;
	memcpy(out + pos, iv_title, tl);
	pos += tl;
	pos += put_length(out + pos, 5 + n + (auth ? 12 : 0));
	out[pos++] = sc;
	hp_put_be32(out + pos, ic);
	pos += 4;
	uint8_t *payload = out + pos;
	uint8_t tag[16];
	if (enc)
		gcm_seal(ek, iv, aad1, auth ? sizeof(aad1) : 0, NULL, 0, apdu, n, payload, tag);
	else
		memcpy(payload, apdu, n);
	if (auth && !enc)
		gcm_seal(ek, iv, aad1, sizeof(aad1), apdu, n, NULL, 0, NULL, tag);
	pos += n;
	if (auth) {
		memcpy(out + pos, tag, 12);
		pos += 12;
	}
	return pos;
}

/* --- helpers ----------------------------------------------------------------- */

static struct hp_keys make_keys(const uint8_t *ek, const uint8_t *ak)
{
	struct hp_keys k;
	memset(&k, 0, sizeof(k));
	if (ek != NULL) {
		k.has_ek = true;
		memcpy(k.ek, ek, 16);
	}
	if (ak != NULL) {
		k.has_ak = true;
		memcpy(k.ak, ak, 16);
	}
	return k;
}

struct opened_frame {
	int rc;
	struct hp_ggc g;
	struct hp_opened o;
	struct hp_error err;
	uint8_t out[HP_APDU_MAX];
};

/* Parses and opens frame[0..n), copied to the heap at its exact size so that ASan
 * sees any read past the end. */
static void open_frame(struct hp_cipher *c, const struct hp_keys *k, const uint8_t *frame, size_t n,
		       struct opened_frame *f)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, frame, n);
	memset(&f->err, 0, sizeof(f->err));
	f->rc = hp_ggc_parse(copy, n, &f->g, &f->err);
	if (f->rc == 0)
		f->rc = hp_cipher_open(c, k, &f->g, f->out, sizeof(f->out), &f->o, &f->err, NULL);
	/* plain may point into the copy (SC 10): compare before freeing. */
	if (f->rc == 0 && f->o.plain != f->out) {
		memcpy(f->out, f->o.plain, f->o.plain_len);
		f->o.plain = f->out;
	}
	free(copy);
}

static bool plain_is(const struct opened_frame *f, const uint8_t *apdu, size_t n)
{
	return f->rc == 0 && f->o.plain_len == n && memcmp(f->o.plain, apdu, n) == 0;
}

static bool detail_has(const struct opened_frame *f, const char *part)
{
	return strstr(f->err.detail, part) != NULL;
}

/* --- the cases ----------------------------------------------------------------- */

/* Our encrypt side reproduces the document's bytes: it is then fit to build more. */
static void test_builder_matches_doc(void)
{
	uint8_t frame[FRAME_MAX];
	size_t n = build_ggc(frame, doc_title, 8, 0x30, 1, doc_ek, doc_ak, doc_apdu, 26);
	CHECK(n == sizeof(doc_sc30) && memcmp(frame, doc_sc30, n) == 0);
	n = build_ggc(frame, doc_title, 8, 0x20, 1, doc_ek, doc_ak, doc_apdu, 26);
	CHECK(n == sizeof(doc_sc20) && memcmp(frame, doc_sc20, n) == 0);
	n = build_ggc(frame, doc_title, 8, 0x10, 1, doc_ek, doc_ak, doc_apdu, 26);
	CHECK(n == sizeof(doc_sc10) && memcmp(frame, doc_sc10, n) == 0);
}

enum keyset {
	K_BOTH,
	K_EK_ONLY,
	K_NONE,
	K_WRONG_EK,
	K_WRONG_AK,
	K_SWAPPED,
	K_WRONG_EK_ONLY,
	K_AK_ONLY
};

static struct hp_keys keyset(enum keyset ks)
{
	uint8_t bad_ek[16], bad_ak[16];
	memcpy(bad_ek, doc_ek, 16);
	bad_ek[0] ^= 0xFF;
	memcpy(bad_ak, doc_ak, 16);
	bad_ak[15] ^= 0x01;
	switch (ks) {
	case K_BOTH:
		return make_keys(doc_ek, doc_ak);
	case K_EK_ONLY:
		return make_keys(doc_ek, NULL);
	case K_NONE:
		return make_keys(NULL, NULL);
	case K_WRONG_EK:
		return make_keys(bad_ek, doc_ak);
	case K_WRONG_AK:
		return make_keys(doc_ek, bad_ak);
	case K_SWAPPED:
		return make_keys(doc_ak, doc_ek);
	case K_WRONG_EK_ONLY:
		return make_keys(bad_ek, NULL);
	case K_AK_ONLY:
		return make_keys(NULL, doc_ak);
	}
	return make_keys(NULL, NULL);
}

struct doc_case {
	const char *legend;
	const uint8_t *frame;
	size_t len;
	enum keyset keys;
	enum hp_error_code code; /* HP_ERR_NONE: opens */
	const char *detail;      /* part of the error detail */
	bool plain_ok;           /* opens to the doc APDU */
	bool verified, deciphered, tag_present;
};

#define DOC(f) .frame = (f), .len = sizeof(f)
/* Opens to the doc APDU; v, d, t: tag verified, deciphered, tag present. */
#define OPENS(v, d, t) .plain_ok = true, .verified = (v), .deciphered = (d), .tag_present = (t)
#define FAILS(c, text) .code = (c), .detail = (text)

static const struct doc_case doc_cases[] = {
    {"SC 30 both keys", DOC(doc_sc30), K_BOTH, OPENS(true, true, true)},
    {"SC 20 EK", DOC(doc_sc20), K_EK_ONLY, OPENS(false, true, false)},
    {"SC 20 both keys (AK unused)", DOC(doc_sc20), K_BOTH, OPENS(false, true, false)},
    {"SC 10 both keys", DOC(doc_sc10), K_BOTH, OPENS(true, false, true)},
    {"SC 30 without AK: CTR, tag unchecked", DOC(doc_sc30), K_EK_ONLY, OPENS(false, true, true)},
    {"SC 30 wrong EK without AK: opens to garbage", DOC(doc_sc30), K_WRONG_EK_ONLY,
     .deciphered = true, .tag_present = true},
    {"SC 10 without AK: clear, tag unchecked", DOC(doc_sc10), K_EK_ONLY, OPENS(false, false, true)},
    {"SC 10 without keys", DOC(doc_sc10), K_NONE,
     FAILS(HP_ERR_NO_KEY, "system title KFM1020000001, IC 1 (SC 10): no key")},
    {"SC 30 wrong EK", DOC(doc_sc30), K_WRONG_EK, FAILS(HP_ERR_AUTH, "wrong encryption key")},
    {"SC 30 wrong AK", DOC(doc_sc30), K_WRONG_AK,
     FAILS(HP_ERR_AUTH, "the encryption key is right but the authentication key is wrong")},
    {"SC 30 swapped keys", DOC(doc_sc30), K_SWAPPED, FAILS(HP_ERR_AUTH, "keys are swapped")},
    {"SC 10 wrong AK", DOC(doc_sc10), K_WRONG_AK,
     FAILS(HP_ERR_AUTH, "GMAC tag mismatch (system title KFM1020000001, IC 1)")},
    {"SC 10 swapped keys", DOC(doc_sc10), K_SWAPPED, FAILS(HP_ERR_AUTH, "keys are swapped")},
    {"SC 30 no key", DOC(doc_sc30), K_NONE,
     FAILS(HP_ERR_NO_KEY, "system title KFM1020000001, IC 1 (SC 30)")},
    {"SC 30 AK only", DOC(doc_sc30), K_AK_ONLY, FAILS(HP_ERR_NO_KEY, "no encryption key")},
    {"SC 20 no key", DOC(doc_sc20), K_NONE,
     FAILS(HP_ERR_NO_KEY, "system title KFM1020000001, IC 1 (SC 20)")},
};

static void test_doc_cases(struct hp_cipher *c)
{
	struct opened_frame *f = malloc(sizeof(*f));
	for (size_t i = 0; i < ARRAY_LEN(doc_cases); i++) {
		const struct doc_case *dc = &doc_cases[i];
		struct hp_keys k = keyset(dc->keys);
		open_frame(c, &k, dc->frame, dc->len, f);
		if (dc->code != HP_ERR_NONE) {
			CHECK_MSG(f->rc != 0 && f->err.code == dc->code, "%s: rc %d code %s",
				  dc->legend, f->rc, hp_error_name(f->err.code));
			CHECK_MSG(detail_has(f, dc->detail), "%s: detail \"%s\"", dc->legend,
				  f->err.detail);
			continue;
		}
		CHECK_MSG(f->rc == 0, "%s: %s", dc->legend, f->err.detail);
		CHECK_MSG(plain_is(f, doc_apdu, 26) == dc->plain_ok, "%s", dc->legend);
		CHECK_MSG(f->o.tag_verified == dc->verified, "%s", dc->legend);
		CHECK_MSG(f->o.deciphered == dc->deciphered, "%s", dc->legend);
		CHECK_MSG(f->o.tag_present == dc->tag_present, "%s", dc->legend);
		CHECK_MSG(f->o.has_title && memcmp(f->o.title, doc_title, 8) == 0, "%s",
			  dc->legend);
	}
	free(f);
}

/* The envelope fields of the doc frame. */
static void test_parse_fields(void)
{
	struct hp_ggc g;
	struct hp_error err;
	CHECK_INT(hp_ggc_parse(doc_sc30, sizeof(doc_sc30), &g, &err), 0);
	CHECK(g.has_title && memcmp(g.title, doc_title, 8) == 0);
	CHECK_INT(g.sc, 0x30);
	CHECK_INT(g.ic, 1);
	CHECK(g.payload == doc_sc30 + 16 && g.payload_len == 26);
	CHECK(g.tag == doc_sc30 + 42);
	CHECK_INT(g.frame_len, sizeof(doc_sc30));

	/* Bytes after the frame are left to the caller. */
	uint8_t longer[sizeof(doc_sc20) + 3];
	memcpy(longer, doc_sc20, sizeof(doc_sc20));
	memset(longer + sizeof(doc_sc20), 0xAA, 3);
	CHECK_INT(hp_ggc_parse(longer, sizeof(longer), &g, &err), 0);
	CHECK_INT(g.frame_len, sizeof(doc_sc20));
	CHECK(g.tag == NULL && g.payload_len == 26);

	/* LEN in the longest form, 84 00 00 00 2B, is the same length. */
	uint8_t wide[sizeof(doc_sc30) + 4];
	memcpy(wide, doc_sc30, 10);
	memcpy(wide + 10, (const uint8_t[]){0x84, 0x00, 0x00, 0x00, 0x2B}, 5);
	memcpy(wide + 15, doc_sc30 + 11, sizeof(doc_sc30) - 11);
	CHECK_INT(hp_ggc_parse(wide, sizeof(wide), &g, &err), 0);
	CHECK(g.payload == wide + 20 && g.payload_len == 26 && g.tag == wide + 46);
	CHECK_INT(g.frame_len, sizeof(wide));
}

/* Cut at every length: never opens, never reads past the end (ASan), and says
 * `truncated`. */
static void test_every_truncation(struct hp_cipher *c)
{
	struct opened_frame *f = malloc(sizeof(*f));
	struct hp_keys k = keyset(K_BOTH);
	const uint8_t *frames[] = {doc_sc30, doc_sc20, doc_sc10};
	const size_t lens[] = {sizeof(doc_sc30), sizeof(doc_sc20), sizeof(doc_sc10)};
	for (size_t fi = 0; fi < 3; fi++) {
		for (size_t n = 0; n < lens[fi]; n++) {
			open_frame(c, &k, frames[fi], n, f);
			CHECK_MSG(f->rc != 0, "frame %zu cut at %zu opened", fi, n);
			enum hp_error_code want = n == 0 ? HP_ERR_MALFORMED : HP_ERR_TRUNCATED;
			CHECK_MSG(f->err.code == want, "frame %zu cut at %zu: %s (%s)", fi, n,
				  hp_error_name(f->err.code), f->err.detail);
		}
	}
	free(f);
}

struct bad_case {
	const char *legend;
	size_t at; /* byte to replace in a copy of doc_sc30 ... */
	uint8_t value;
	size_t cut; /* ... then keep this many bytes (0: all) */
	enum hp_error_code code;
	const char *detail;
};

static const struct bad_case bad_cases[] = {
    {"LEN one more than present", 10, 0x2C, 0, HP_ERR_TRUNCATED, "LEN 44 but 43"},
    {"LEN 84 FF FF FF FF", 10, 0x84, 0, HP_ERR_TRUNCATED, "LEN"},
    {"LEN 80 (indefinite)", 10, 0x80, 0, HP_ERR_MALFORMED, "bad LEN"},
    {"LEN 85 (too long a form)", 10, 0x85, 0, HP_ERR_MALFORMED, "bad LEN"},
    {"LEN 04: no SC and IC", 10, 0x04, 0, HP_ERR_MALFORMED, "no payload"},
    {"LEN 11: SC 30 but no room for the tag", 10, 0x11, 0, HP_ERR_MALFORMED, "before the tag"},
    {"LEN 2A: tag missing a byte", 10, 0x2A, 53, HP_ERR_AUTH, "tag mismatch"},
    {"title length 7", 1, 0x07, 0, HP_ERR_MALFORMED, "title length 7"},
    {"title length 255", 1, 0xFF, 0, HP_ERR_MALFORMED, "title length 255"},
    {"compression bit", 11, 0xB0, 0, HP_ERR_UNSUPPORTED, "compressed"},
    {"suite 2 (AES-256)", 11, 0x32, 0, HP_ERR_UNSUPPORTED, "suite 2"},
    {"broadcast key set (SC 70) changes the AAD", 11, 0x70, 0, HP_ERR_AUTH, "tag mismatch"},
    {"suite 1 (SC 31) changes the AAD", 11, 0x31, 0, HP_ERR_AUTH, "tag mismatch"},
    {"corrupt ciphertext byte", 20, 0x00, 0, HP_ERR_AUTH, "tag mismatch"},
    {"corrupt tag byte", 53, 0x00, 0, HP_ERR_AUTH, "tag mismatch"},
    {"corrupt IC", 15, 0x02, 0, HP_ERR_AUTH, "IC 2"},
    {"not DB", 0, 0xDC, 0, HP_ERR_MALFORMED, "not a general-glo-ciphering"},
};

static void test_bad_frames(struct hp_cipher *c)
{
	struct opened_frame *f = malloc(sizeof(*f));
	struct hp_keys k = keyset(K_BOTH);
	for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *bc = &bad_cases[i];
		uint8_t frame[sizeof(doc_sc30) + 8];
		memcpy(frame, doc_sc30, sizeof(doc_sc30));
		frame[bc->at] = bc->value;
		size_t n = bc->cut ? bc->cut : sizeof(doc_sc30);
		if (bc->value == 0x84 && bc->at == 10) {
			/* 84 FF FF FF FF needs the four length bytes in place. */
			memmove(frame + 15, frame + 11, sizeof(doc_sc30) - 11);
			memset(frame + 11, 0xFF, 4);
			n += 4;
		}
		open_frame(c, &k, frame, n, f);
		CHECK_MSG(f->rc != 0 && f->err.code == bc->code, "%s: rc %d %s (%s)", bc->legend,
			  f->rc, hp_error_name(f->err.code), f->err.detail);
		CHECK_MSG(detail_has(f, bc->detail), "%s: detail \"%s\"", bc->legend,
			  f->err.detail);
	}
	free(f);
}

/* Round trips through our encrypt side: lengths around the AES block size, long-form
 * LEN (81, 82), every SC, keys changing between frames (the key cache) and GCM / CTR
 * interleaved (the CTR counter must restart each frame). */
static void test_round_trips(struct hp_cipher *c)
{
	static const size_t lens[] = {1,   15,  16,  17,  26,   100,        111,
				      112, 200, 250, 300, 4000, HP_APDU_MAX};
	static const uint8_t scs[] = {0x30, 0x20, 0x21, 0x10, 0x31, 0x00};
	static const uint8_t ek2[16] = {0x4D, 0x1B, 0xA9, 0xB4, 0xC0, 0x22, 0xA2, 0x5A,
					0x4A, 0x3A, 0x68, 0xF4, 0x77, 0xB7, 0x52, 0x68};
	uint8_t *apdu = malloc(HP_APDU_MAX);
	uint8_t *frame = malloc(FRAME_MAX);
	struct opened_frame *f = malloc(sizeof(*f));
	for (size_t i = 0; i < HP_APDU_MAX; i++)
		apdu[i] = (uint8_t)(i * 7 + 3);
	apdu[0] = 0x0F;

	for (size_t li = 0; li < ARRAY_LEN(lens); li++) {
		for (size_t si = 0; si < ARRAY_LEN(scs); si++) {
			const uint8_t *ek = (li + si) % 2 ? ek2 : doc_ek;
			struct hp_keys k = make_keys(ek, doc_ak);
			uint32_t ic = (uint32_t)(0xC02823EDu + li * 16 + si);
			size_t n =
			    build_ggc(frame, doc_title, 8, scs[si], ic, ek, doc_ak, apdu, lens[li]);
			size_t len_bytes = lens[li] + 5 + ((scs[si] & 0x10) ? 12 : 0);
			CHECK_INT(frame[10], len_bytes < 0x80    ? len_bytes
					     : len_bytes < 0x100 ? 0x81
								 : 0x82);
			open_frame(c, &k, frame, n, f);
			CHECK_MSG(plain_is(f, apdu, lens[li]), "len %zu SC %02X: %s", lens[li],
				  scs[si], f->err.detail);
			CHECK_MSG(f->o.tag_verified == ((scs[si] & 0x10) != 0), "len %zu SC %02X",
				  lens[li], scs[si]);
			CHECK_INT(f->g.ic, ic);
		}
	}
	/* A payload larger than the output buffer is refused, not overrun. */
	size_t n = build_ggc(frame, doc_title, 8, 0x20, 1, doc_ek, doc_ak, apdu, HP_APDU_MAX);
	struct hp_ggc g;
	struct hp_opened o;
	struct hp_error err;
	struct hp_keys k = make_keys(doc_ek, NULL);
	CHECK_INT(hp_ggc_parse(frame, n, &g, &err), 0);
	CHECK_INT(hp_cipher_open(c, &k, &g, f->out, 100, &o, &err, NULL), -1);
	CHECK_INT(err.code, HP_ERR_UNSUPPORTED);
	free(apdu);
	free(frame);
	free(f);
}

/* Elgama P1: title length 0, the title comes from the configuration. */
static void test_titleless(struct hp_cipher *c)
{
	uint8_t frame[128];
	struct opened_frame *f = malloc(sizeof(*f));
	size_t n = build_ggc(frame, doc_title, 0, 0x30, 0, doc_ek, doc_ak, doc_apdu, 26);
	CHECK_INT(frame[1], 0);

	struct hp_keys k = make_keys(doc_ek, doc_ak);
	open_frame(c, &k, frame, n, f);
	CHECK(f->rc != 0 && f->err.code == HP_ERR_NO_KEY);
	CHECK_MSG(detail_has(f, "configure the meter's system title"), "%s", f->err.detail);

	k.has_system_title = true;
	memcpy(k.system_title, doc_title, 8);
	open_frame(c, &k, frame, n, f);
	CHECK(plain_is(f, doc_apdu, 26) && f->o.tag_verified);
	CHECK(!f->g.has_title && f->o.has_title && memcmp(f->o.title, doc_title, 8) == 0);

	/* No key at all: the key is what to ask for first. */
	struct hp_keys none = make_keys(NULL, NULL);
	open_frame(c, &none, frame, n, f);
	CHECK(f->rc != 0 && f->err.code == HP_ERR_NO_KEY && detail_has(f, "no encryption key"));
	free(f);
}

static void test_title_text(void)
{
	char text[HP_TITLE_TEXT_MAX];
	CHECK_INT(hp_title_text(doc_title, text), 13);
	CHECK_STREQ(text, "KFM1020000001");
	const uint8_t sag[8] = {'S', 'A', 'G', 0x59, 0x11, 0xC4, 0x1D, 0x85};
	hp_title_text(sag, text);
	CHECK_STREQ(text, "SAG5911C41D85");
	const uint8_t sys[8] = {'S', 'Y', 'S', 'T', 'E', 'M', 'I', 'D'};
	hp_title_text(sys, text);
	CHECK_STREQ(text, "SYS54454D4944");
	const uint8_t lower[8] = {'k', 'f', 'm', 0, 0, 0, 0, 0xFF};
	CHECK_INT(hp_title_text(lower, text), 16);
	CHECK_STREQ(text, "6B666D00000000FF");
	const uint8_t digit[8] = {'K', 'F', '1', 0xAB, 0, 0, 0, 1};
	hp_title_text(digit, text);
	CHECK_STREQ(text, "4B4631AB00000001");
}

static void trace_line(void *ctx, int depth, const char *text)
{
	char *log = ctx;
	(void)depth;
	size_t used = strlen(log);
	snprintf(log + used, 2048 - used, "%s\n", text);
}

/* --explain says what the SC means and how the tag went. */
static void test_trace(struct hp_cipher *c)
{
	char log[2048] = "";
	struct hp_trace t = {trace_line, log};
	struct hp_keys k = keyset(K_WRONG_AK);
	struct hp_ggc g;
	struct hp_opened o;
	struct hp_error err;
	uint8_t out[64];
	CHECK_INT(hp_ggc_parse(doc_sc30, sizeof(doc_sc30), &g, &err), 0);
	CHECK_INT(hp_cipher_open(c, &k, &g, out, sizeof(out), &o, &err, &t), -1);
	CHECK_MSG(strstr(log, "security control 30: authenticated encryption (AES-GCM)") != NULL,
		  "%s", log);
	CHECK_MSG(strstr(log, "tag: MISMATCH; the encryption key is right") != NULL, "%s", log);
	log[0] = '\0';
	k = keyset(K_BOTH);
	CHECK_INT(hp_cipher_open(c, &k, &g, out, sizeof(out), &o, &err, &t), 0);
	CHECK_MSG(strstr(log, "tag: verified (GCM)") != NULL, "%s", log);
}

int main(void)
{
	struct hp_cipher *c = hp_cipher_new();
	CHECK(c != NULL);
	if (c == NULL)
		return check_report("cipher");
	test_builder_matches_doc();
	test_doc_cases(c);
	test_parse_fields();
	test_every_truncation(c);
	test_bad_frames(c);
	test_round_trips(c);
	test_titleless(c);
	test_title_text();
	test_trace(c);
	/* After all the re-keying above, the doc frame still opens. */
	test_doc_cases(c);
	hp_cipher_free(c);
	return check_report("cipher");
}
