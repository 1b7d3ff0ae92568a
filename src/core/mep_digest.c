/* The OMA digest of OSGP (mep.md section 7). libcrypto has no such primitive, so it is
 * written here from the published construction; the tests pin it to the doc's vectors. */
#include <string.h>

#include "mep.h"

int hp_mep_key_from_mbk(const char *mbk, uint8_t key[HP_MEP_KEY_LEN])
{
	if (mbk == NULL || strlen(mbk) != HP_MEP_MBK_LEN)
		return -1;
	for (size_t i = 0; i < HP_MEP_MBK_LEN; i++)
		if (mbk[i] < 0x21 || mbk[i] > 0x7E)
			return -1;
	/* The MBK is text, not hex: the key is the ASCII codes themselves. */
	memcpy(key, mbk, HP_MEP_KEY_LEN);
	return 0;
}

static uint8_t rotl1(uint8_t x)
{
	return (uint8_t)((x << 1) | (x >> 7));
}

static uint8_t rotr1(uint8_t x)
{
	return (uint8_t)((x >> 1) | (x << 7));
}

void hp_mep_digest(const uint8_t *key, size_t key_len, const uint8_t *m, size_t n,
		   uint8_t out[HP_MEP_DIGEST_LEN])
{
	/* Each block runs R = 1.5 L rounds of 8 message bytes: the key, then its first
	 * half again. The message is zero-padded to whole blocks; an empty one is one block. */
	size_t rounds = key_len + key_len / 2;
	size_t block = 8 * rounds;
	size_t blocks = n == 0 ? 1 : (n + block - 1) / block;
	uint8_t s[8] = {0};
	size_t i = 0;
	for (size_t b = 0; b < blocks; b++) {
		for (size_t r = 0; r < rounds; r++) {
			uint8_t k = key[r % key_len];
			for (unsigned t = 0; t < 8; t++) {
				unsigned p = 7 - t;
				uint8_t x = (uint8_t) ~(uint8_t)(s[p] + p);
				uint8_t mix = ((k >> t) & 1) ? rotl1(x) : (uint8_t)-rotr1(x);
				uint8_t mi = i < n ? m[i] : 0;
				s[p] = (uint8_t)(s[(p + 1) % 8] + mi + mix);
				i++;
			}
		}
	}
	memcpy(out, s, sizeof(s));
}
