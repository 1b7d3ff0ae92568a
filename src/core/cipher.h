/* general-glo-ciphering (tag DB): parse the envelope, then decrypt and/or verify
 * it with AES-128-GCM, AES-CTR or GMAC by its security control (protocols.md (d)).
 *
 * The cipher handle holds the OpenSSL contexts and the algorithms fetched once,
 * keyed lazily: the AES key schedule runs only when a key changes, every frame
 * after that only sets its IV. */
#ifndef HP_CORE_CIPHER_H
#define HP_CORE_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/decode.h"

/* Tag of general-glo-ciphering. */
#define HP_GGC_TAG 0xDB
/* GCM tag as DLMS sends it: 96 bits. */
#define HP_GGC_TAG_LEN 12
/* Security control byte + invocation counter. */
#define HP_GGC_HEADER_LEN 5
/* "SAG" + 10 hex digits, or 16 hex digits, plus NUL. */
#define HP_TITLE_TEXT_MAX 17

/* A parsed envelope; the pointers point into the frame. */
struct hp_ggc {
	uint8_t title[HP_SYSTEM_TITLE_LEN];
	bool has_title;         /* false: title length 0 (Elgama P1), title from the config */
	uint8_t sc;             /* security control as sent */
	uint32_t ic;            /* invocation counter */
	const uint8_t *payload; /* ciphertext, or the plaintext APDU for SC 10 */
	size_t payload_len;
	const uint8_t *tag; /* HP_GGC_TAG_LEN bytes; NULL when SC has no A bit */
	size_t frame_len;   /* bytes from DB through the tag */
};

/* What opening gave. */
struct hp_opened {
	const uint8_t *plain; /* the APDU or DSMR telegram: in `out`, or in the frame (SC 10) */
	size_t plain_len;
	uint8_t title[HP_SYSTEM_TITLE_LEN]; /* the frame's title, or the configured one */
	bool has_title;                     /* false: a title-less frame and none configured */
	bool tag_present;                   /* SC has the A bit */
	bool tag_verified;                  /* the GCM / GMAC tag was checked and matched */
	bool deciphered; /* SC has the E bit: the plaintext depends on the EK being right */
};

struct hp_cipher;

/* Returns NULL when out of memory. The algorithms are fetched at the first frame
 * that needs them; a library that lacks them fails that frame. */
struct hp_cipher *hp_cipher_new(void);
void hp_cipher_free(struct hp_cipher *c);

/* Parses `DB | TL | title | LEN | SC | IC | payload | tag` from p[0..n), checking every
 * length against n; bytes after the tag are left to the caller (frame_len). Returns 0,
 * or -1 with err set: `truncated` when the frame runs past n, `malformed` for an
 * impossible layout. The security control is judged by hp_cipher_open, so a caller can
 * report the title and counter of a frame it cannot open. */
int hp_ggc_parse(const uint8_t *p, size_t n, struct hp_ggc *g, struct hp_error *err);

/* The same from TL on: the DB byte already consumed, or absent (Elgama P1 binary). */
int hp_ggc_parse_body(const uint8_t *p, size_t n, struct hp_ggc *g, struct hp_error *err);

/* Opens a parsed envelope with the keys into out[0..out_size). Returns 0 with *o
 * filled, or -1 with err set: `unsupported` (compression, suite 2 or higher, payload
 * larger than out_size), `no_key` (no EK, or no title for a title-less frame),
 * `auth` (tag mismatch; the detail says whether the keys look swapped, the AK wrong or
 * the EK wrong). A plaintext opened
 * without its tag (SC 20/21, or SC 30 without AK) is not checked here: the caller
 * must accept it only if it parses. */
int hp_cipher_open(struct hp_cipher *c, const struct hp_keys *keys, const struct hp_ggc *g,
		   uint8_t *out, size_t out_size, struct hp_opened *o, struct hp_error *err,
		   const struct hp_trace *trace);

/* The text form of a system title (reading-model.md): the first 3 bytes as letters
 * then 10 upper-case hex digits ("SAG5911C41D85"), or 16 hex digits when the first 3
 * bytes are not A-Z. Writes a NUL-terminated string; returns its length. */
size_t hp_title_text(const uint8_t title[HP_SYSTEM_TITLE_LEN], char out[HP_TITLE_TEXT_MAX]);

/* True when a plaintext looks like something the next layer takes: a data-notification
 * (0F) or a DSMR telegram ('/'). Only a first-byte test, for diagnosing tag failures. */
bool hp_plain_plausible(const uint8_t *p, size_t n);

#endif
