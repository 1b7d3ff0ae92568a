/* DLMS data-notification payloads: A-XDR body, clock, list layouts
 * (protocols.md (e), protocols-meters.md (f), (g)). */
#ifndef HP_CORE_DLMS_H
#define HP_CORE_DLMS_H

#include "probe.h"

/* Decodes a data-notification APDU (first byte 0F). The caller has initialised r
 * (protocol dlms, framing, encrypted); returns 0, or -1 with err set
 * (`malformed` or `unsupported`). */
int hp_dlms_decode_notification(const uint8_t *apdu, size_t len, struct hp_reading *r,
				struct hp_error *err, const struct hp_trace *trace);

/* Delimits a bare data-notification (no HDLC, no M-Bus) by parsing its A-XDR
 * structure: FRAME with the exact length, MORE while it is incomplete, NO when the
 * bytes cannot be one. */
void hp_dlms_probe_notification(const uint8_t *buf, size_t avail, bool at_eof,
				struct hp_probe_result *res);

#endif
