/* Fuzz target: the DSMR telegram framer and decoder on one buffer. */
#include <stddef.h>
#include <stdint.h>

#include "dsmr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_probe_result res;
	hp_dsmr_probe(data, size, true, &res);
	/* Decode whatever the probe delimits, and the raw buffer as if it had been
	 * delimited, so the line parser sees every kind of junk. */
	struct hp_reading r;
	struct hp_error err;
	if (res.status == HP_PROBE_FRAME) {
		hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
		hp_dsmr_decode(data, res.len, &r, &err, NULL);
	}
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_dsmr_decode(data, size, &r, &err, NULL);
	return 0;
}
