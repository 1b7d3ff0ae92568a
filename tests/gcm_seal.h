/* The meter's side of general-glo-ciphering for the cipher and APDU tests: an
 * A-XDR length and AES-128-GCM sealing written straight against OpenSSL, so the
 * tests do not check the decoder against code of its own. Include after check.h. */
#ifndef HP_TEST_GCM_SEAL_H
#define HP_TEST_GCM_SEAL_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* A-XDR length: 00-7F, 81 nn or 82 nn nn. Returns the bytes written. */
static size_t put_length(uint8_t *p, size_t len)
{
	if (len < 0x80) {
		p[0] = (uint8_t)len;
		return 1;
	}
	if (len < 0x100) {
		p[0] = 0x81;
		p[1] = (uint8_t)len;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	return 3;
}

/* AES-128-GCM with a 12-byte tag over AAD aad1 || aad2; in may be empty (GMAC). */
static void gcm_seal(const uint8_t *key, const uint8_t *iv, const uint8_t *aad1, size_t aad1_len,
		     const uint8_t *aad2, size_t aad2_len, const uint8_t *in, size_t n,
		     uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	int ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, iv);
	if (aad1_len > 0)
		ok &= EVP_EncryptUpdate(ctx, NULL, &outl, aad1, (int)aad1_len);
	if (aad2_len > 0)
		ok &= EVP_EncryptUpdate(ctx, NULL, &outl, aad2, (int)aad2_len);
	if (n > 0)
		ok &= EVP_EncryptUpdate(ctx, out, &outl, in, (int)n);
	ok &= EVP_EncryptFinal_ex(ctx, out + n, &outl);
	ok &= EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 12, tag);
	EVP_CIPHER_CTX_free(ctx);
	CHECK(ok == 1);
}

#endif
