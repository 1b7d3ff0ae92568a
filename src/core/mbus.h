/* M-Bus long frame carrying DLMS (protocols.md (b)): a probe that delimits and
 * checks one frame, and a header reader for a frame the probe accepted. */
#ifndef HP_CORE_MBUS_H
#define HP_CORE_MBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define HP_MBUS_START 0x68
#define HP_MBUS_STOP  0x16
/* CI: bits 7..5 zero for the DLMS wrapper, bit 4 last segment, bits 3..0 number. */
#define HP_MBUS_CI_TYPE_MASK 0xE0
#define HP_MBUS_CI_FIN       0x10
#define HP_MBUS_CI_SEGMENT   0x0F

struct hp_mbus_header {
	uint8_t c, a, ci, stsap, dtsap;
	bool wrapped;    /* L held only the low byte of a 256..260 byte length */
	size_t user_len; /* L as used: C .. last data byte */
	size_t data_off; /* offset of the data (the APDU part) from the first 68 */
	size_t data_len;
};

/* An hp_probe_fn for buf[0] = 68. Besides probe.h:
 * - FRAME / BAD len covers 68 .. 16.
 * - BAD: `crc` error whose detail starts with "M-Bus checksum" (checksum or stop byte
 *   wrong at the declared length).
 * - MORE: len is the number of bytes needed; error.code is HP_ERR_TRUNCATED once
 *   `68 L L 68` with L >= 5 is in (at end of input the frame is reported truncated).
 * - L < 5 is tried as L + 256 (Sagemcom T210-D length wrap), accepted only if the
 *   checksum and the stop byte match; otherwise NO.
 * at_eof is not used. */
void hp_mbus_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res);

/* Reads the header of a frame that hp_mbus_probe delimited (len bytes).
 * Returns false when the bytes are no such frame. */
bool hp_mbus_header(const uint8_t *frame, size_t len, struct hp_mbus_header *h);

#endif
