/* Fuzz target: the whole decoder, fed in chunks whose sizes come from the input,
 * once without keys and once with keys, so the cipher paths run too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hanp1d/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_event(void *ctx, const struct hp_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void run(const uint8_t *data, size_t size, bool with_keys)
{
	struct hp_decoder_config cfg = {.on_event = ignore_event};
	if (with_keys) {
		cfg.keys.has_ek = cfg.keys.has_ak = true;
		memset(cfg.keys.ek, 0x11, sizeof(cfg.keys.ek));
		memset(cfg.keys.ak, 0x22, sizeof(cfg.keys.ak));
	}
	struct hp_decoder *d = hp_decoder_new(&cfg);
	if (d == NULL)
		return;
	/* The first byte picks the chunk size, so splits are explored too. */
	size_t chunk = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		hp_decoder_feed(d, data + off, n, 0);
	}
	hp_decoder_finish(d);
	hp_decoder_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, false);
	run(data, size, true);
	return 0;
}
