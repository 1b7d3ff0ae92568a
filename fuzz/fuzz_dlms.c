/* Fuzz target: the bare data-notification probe and the DLMS body decoder
 * (A-XDR walk, clock, every list layout). */
#include <stddef.h>
#include <stdint.h>

#include "dlms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_probe_result res;
	hp_dlms_probe_notification(data, size, true, &res);
	struct hp_reading r;
	struct hp_error err;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_RAW);
	hp_dlms_decode_notification(data, size, &r, &err, NULL);
	return 0;
}
