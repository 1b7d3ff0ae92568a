/* Fuzz target: every framer's probe on the same buffer, at every prefix length the
 * first byte selects, with and without end of input. A probe must never read past
 * `avail`, and a FRAME or BAD must lie within it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bare.h"
#include "dlms.h"
#include "dsmr.h"
#include "hdlc.h"
#include "mbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const hp_probe_fn probes[] = {
    hp_hdlc_probe,
    hp_mbus_probe,
    hp_dsmr_probe,
    hp_bare_ggc_probe,
    hp_bare_llc_probe,
    hp_bare_apdu_probe,
    hp_dlms_probe_notification,
};

static void probe_all(const uint8_t *buf, size_t avail, bool at_eof)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct hp_probe_result res;
		probes[i](buf, avail, at_eof, &res);
		if ((res.status == HP_PROBE_FRAME || res.status == HP_PROBE_BAD) && res.len > avail)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* Copy into an exact-size heap buffer so ASan sees any over-read. */
	size_t n = size - 1;
	uint8_t *buf = malloc(n);
	if (buf == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		buf[i] = data[i + 1];
	size_t cut = n > 0 ? data[0] % (n + 1) : 0;
	probe_all(buf, cut, false);
	probe_all(buf, n, false);
	probe_all(buf, n, true);
	free(buf);
	return 0;
}
