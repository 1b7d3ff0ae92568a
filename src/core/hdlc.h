/* HDLC frame format type 3 (protocols.md (a)): a probe that delimits and checks
 * one frame, and a header reader for a frame the probe accepted. */
#ifndef HP_CORE_HDLC_H
#define HP_CORE_HDLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define HP_HDLC_FLAG 0x7E
/* An address is 1..4 bytes; the last one has bit 0 set (IEC 62056-46). */
#define HP_HDLC_ADDR_MAX 4
/* Longest frame on the wire: 11-bit length field plus the two flags. */
#define HP_HDLC_WIRE_MAX (2047 + 2)

struct hp_hdlc_header {
	bool segmented;  /* format bit 11 (S): more segments follow */
	uint16_t length; /* L: bytes between the flags */
	uint8_t dst[HP_HDLC_ADDR_MAX];
	uint8_t src[HP_HDLC_ADDR_MAX];
	uint8_t dst_len, src_len;
	uint8_t control;
	bool has_info;   /* false: a frame with only an FCS after the control byte */
	size_t info_off; /* offset of the information field from the opening flag */
	size_t info_len;
};

/* An hp_probe_fn for buf[0] = 7E. Besides probe.h:
 * - FRAME / BAD len covers both flags (L + 2); the closing flag may open the next frame.
 * - BAD: `crc` error whose detail starts with "HCS" or "FCS".
 * - MORE: len is the number of bytes needed before the answer can change (the whole
 *   frame once the length field is in); error.code is HP_ERR_TRUNCATED once the header
 *   and its HCS are good (at end of input the frame is then reported truncated),
 *   HP_ERR_NONE before that.
 * - NO: len is nonzero when the header and HCS were good but no closing flag is at the
 *   declared length (a frame that lost bytes): len is then its declared wire length.
 * at_eof is not used: HDLC frames are delimited by their length. */
void hp_hdlc_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res);

/* True when buf (avail bytes) holds a complete header whose HCS is good: the start of
 * a real frame, even if the frame turns out to have lost bytes. */
bool hp_hdlc_header_ok(const uint8_t *buf, size_t avail);

/* Reads the header of a frame that hp_hdlc_probe delimited (FRAME or BAD, len bytes
 * from the opening flag). Returns false when the bytes are no such frame. */
bool hp_hdlc_header(const uint8_t *frame, size_t len, struct hp_hdlc_header *h);

#endif
