/* general-glo-ciphering (protocols.md (d)): AES-128-GCM through OpenSSL's EVP. */
#include <openssl/evp.h>
#include <string.h>

#include "encode.h"

#define GGC_TAG      0xDB
#define GGC_IV_LEN   12
#define GCM_FULL_TAG 16
#define IC_LEN       4

/* AAD = SC || AK, then the plaintext itself when it is only authenticated (GMAC). */
static int gcm_aad(EVP_CIPHER_CTX *ctx, const struct hp_enc_ggc *g, const uint8_t *plain, size_t n)
{
	int outl = 0;
	if (EVP_EncryptUpdate(ctx, NULL, &outl, &g->sc, 1) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, g->ak, HP_ENC_KEY_LEN) != 1)
		return -1;
	if ((g->sc & HP_SC_ENCRYPT) == 0 && n > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &outl, plain, (int)n) != 1)
		return -1;
	return 0;
}

/* Runs GCM over the payload: writes the ciphertext (or nothing when only
 * authenticating) to `out` and the full tag to `tag`. */
static int gcm_run(const struct hp_enc_ggc *g, const uint8_t *plain, size_t n, uint8_t *out,
		   uint8_t tag[GCM_FULL_TAG])
{
	uint8_t iv[GGC_IV_LEN];
	memcpy(iv, g->title, HP_ENC_TITLE_LEN);
	iv[8] = (uint8_t)(g->ic >> 24);
	iv[9] = (uint8_t)(g->ic >> 16);
	iv[10] = (uint8_t)(g->ic >> 8);
	iv[11] = (uint8_t)g->ic;

	uint8_t final_block[GCM_FULL_TAG]; /* GCM's final step writes nothing; room anyway */
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, rc = -1;
	if (ctx == NULL)
		return -1;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GGC_IV_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, g->ek, iv) != 1)
		goto out;
	if ((g->sc & HP_SC_AUTH) != 0 && gcm_aad(ctx, g, plain, n) != 0)
		goto out;
	if ((g->sc & HP_SC_ENCRYPT) != 0 && n > 0 &&
	    EVP_EncryptUpdate(ctx, out, &outl, plain, (int)n) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, final_block, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_FULL_TAG, tag) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* `plain` must not lie inside b's memory: it is copied, then encrypted in place. */
int hp_enc_ggc(struct hp_buf *b, const struct hp_enc_ggc *g, const uint8_t *plain, size_t n)
{
	bool tagged = (g->sc & HP_SC_AUTH) != 0;
	bool encrypted = (g->sc & HP_SC_ENCRYPT) != 0;
	uint8_t tag[GCM_FULL_TAG];
	if (g->title_len > HP_ENC_TITLE_LEN || n > INT32_MAX) {
		hp_buf_fail(b);
		return -1;
	}
	hp_buf_u8(b, GGC_TAG);
	hp_buf_u8(b, g->title_len);
	hp_buf_put(b, g->title, g->title_len);
	hp_enc_length_form(b, 1 + IC_LEN + n + (tagged ? HP_ENC_TAG_LEN : 0), g->len_form);
	hp_buf_u8(b, g->sc);
	hp_buf_be32(b, g->ic);
	/* The payload is written in place: reserve it, then encrypt into the buffer. */
	size_t at = b->len;
	hp_buf_put(b, plain, n);
	if (!hp_buf_ok(b))
		return -1;
	if (!tagged && !encrypted)
		return 0;
	if (gcm_run(g, plain, n, encrypted ? b->p + at : NULL, tag) != 0) {
		hp_buf_fail(b);
		return -1;
	}
	if (tagged)
		hp_buf_put(b, tag, HP_ENC_TAG_LEN);
	return hp_buf_ok(b) ? 0 : -1;
}
