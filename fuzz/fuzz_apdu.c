/* Fuzz target: the APDU layer (GBT reassembly, general-glo-ciphering with and
 * without keys). The first byte picks the keys; the rest is a sequence of APDUs,
 * each prefixed by one length byte, so multi-block GBT messages are reachable. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "apdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hp_apdu_state state; /* too large for the stack; reset per input */
	if (hp_apdu_init(&state) != 0)
		return 0;
	struct hp_keys keys = {0};
	if (size > 0 && (data[0] & 1)) {
		keys.has_ek = true;
		memset(keys.ek, 0x11, sizeof(keys.ek));
	}
	if (size > 0 && (data[0] & 2)) {
		keys.has_ak = true;
		memset(keys.ak, 0x22, sizeof(keys.ak));
	}
	struct hp_reading r;
	struct hp_error err;
	struct hp_decoder_stats stats = {0};
	size_t off = size > 0 ? 1 : 0;
	while (off < size) {
		size_t n = data[off++];
		if (n > size - off)
			n = size - off;
		hp_apdu_process(&state, &keys, HP_FRAMING_RAW, data + off, n, &r, &err, &stats,
				NULL);
		off += n;
	}
	hp_apdu_finish(&state, &err);
	hp_apdu_free(&state);
	return 0;
}
