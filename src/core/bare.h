/* Bare APDUs on the line, without HDLC or M-Bus (protocols.md layer stack and
 * protocols-dsmr-serial.md "Auto-detection"): a general-glo-ciphering APDU (DB), an
 * LLC header E6 E7 00 followed by 0F / DB / E0, and a bare data-notification (0F). */
#ifndef HP_CORE_BARE_H
#define HP_CORE_BARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/* LLC header of a push: destination LSAP E6, source LSAP E7 (response), quality 00. */
#define HP_LLC_LEN 3

/* True when buf (len bytes) starts with the LLC header E6 E7 00. */
bool hp_llc_present(const uint8_t *buf, size_t len);

/* The probes below are hp_probe_fn. Besides probe.h, on MORE: len is the number of
 * bytes needed when it is known (0 otherwise), and error.code is HP_ERR_TRUNCATED once
 * the APDU header is plausible (at end of input the APDU is then reported truncated).
 * They never return BAD: a bare APDU has no check of its own. */

/* buf[0] = DB: `DB 08 <title 8> <A-XDR LEN> <SC>`, SC without bit 7 one of 10 20 21
 * 30 31 (compressed frames are still delimited), LEN large enough for SC, IC and the
 * tag when SC has bit 4. The title length must be 8: a bare APDU is only believed
 * with the usual title, other lengths in line noise would be too easy to match. */
void hp_bare_ggc_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res);

/* buf[0] = 0F: `0F <invoke id 4> <date-time 00 | 0C+12 | 09 0C+12 | 19+12> <01|02>`,
 * then hp_dlms_probe_notification (dlms.h) delimits the A-XDR body. */
void hp_bare_apdu_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res);

/* buf[0] = E6: `E6 E7 00` then a bare 0F, DB or E0 (general block transfer, delimited
 * by its block length). FRAME len includes the LLC header. */
void hp_bare_llc_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res);

#endif
