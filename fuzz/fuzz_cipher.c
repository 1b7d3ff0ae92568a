/* Fuzz target: the general-glo-ciphering envelope parser and opener with keys, no
 * keys, an EK alone and a configured system title, chosen by the first byte. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cipher.h"
#include "sizes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct hp_keys keys = {0};
	keys.has_ek = data[0] & 1;
	keys.has_ak = data[0] & 2;
	keys.has_system_title = data[0] & 4;
	memset(keys.ek, 0x11, sizeof(keys.ek));
	memset(keys.ak, 0x22, sizeof(keys.ak));
	memset(keys.system_title, 0x41, sizeof(keys.system_title));
	struct hp_cipher *c = hp_cipher_new();
	if (c == NULL)
		return 0;
	static uint8_t out[HP_APDU_MAX];
	struct hp_ggc g;
	struct hp_error err;
	struct hp_opened o;
	int rc = (data[0] & 8) ? hp_ggc_parse_body(data + 1, size - 1, &g, &err)
			       : hp_ggc_parse(data + 1, size - 1, &g, &err);
	if (rc == 0)
		hp_cipher_open(c, &keys, &g, out, sizeof(out), &o, &err, NULL);
	hp_cipher_free(c);
	return 0;
}
