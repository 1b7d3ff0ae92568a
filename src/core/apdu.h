/* The APDU layer: general block transfer reassembly, general-glo-ciphering, then
 * the data-notification or DSMR decoder (protocols.md (c), (d)). */
#ifndef HP_CORE_APDU_H
#define HP_CORE_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/decode.h"
#include "sizes.h"

struct hp_cipher; /* cipher.h */

enum hp_apdu_result {
	HP_APDU_READING, /* r holds a reading */
	HP_APDU_ERROR,   /* err holds the error */
	HP_APDU_PENDING, /* a GBT block was stored; the message is not complete yet */
	HP_APDU_IGNORED, /* an APDU that carries no push data (C4, 61, ...): counted */
};

struct hp_apdu_state {
	struct hp_cipher *cipher;
	bool gbt_active;
	uint16_t gbt_next; /* block number expected next */
	size_t gbt_len;
	uint8_t gbt[HP_APDU_MAX];
	uint8_t plain[HP_APDU_MAX];        /* decrypted payload */
	uint8_t telegram[HP_TELEGRAM_MAX]; /* a ciphered P1 body rejoined with its header */
};

/* Returns 0, or -1 when the crypto library cannot be set up. */
int hp_apdu_init(struct hp_apdu_state *s);
void hp_apdu_free(struct hp_apdu_state *s);

/* Processes one complete link-layer APDU (LLC already removed). */
enum hp_apdu_result hp_apdu_process(struct hp_apdu_state *s, const struct hp_keys *keys,
				    enum hp_framing framing, const uint8_t *apdu, size_t len,
				    struct hp_reading *r, struct hp_error *err,
				    struct hp_decoder_stats *stats, const struct hp_trace *trace);

/* A DSMR telegram with a ciphered body (hp_dsmr_ciphered_body in dsmr.h): opens
 * the body (the system title from keys when the frame sends none) and decodes the
 * telegram inside; the clear identification line stands in for a plaintext that
 * has none. */
enum hp_apdu_result hp_apdu_process_ciphered_p1(struct hp_apdu_state *s, const struct hp_keys *keys,
						const uint8_t *telegram, size_t len,
						struct hp_reading *r, struct hp_error *err,
						struct hp_decoder_stats *stats,
						const struct hp_trace *trace);

/* End of input: an unfinished GBT message gives true and a `truncated` error. */
bool hp_apdu_finish(struct hp_apdu_state *s, struct hp_error *err);

#endif
