/* The stream: finds frames in a byte stream fed in chunks of any size and
 * delivers link-layer messages (protocols.md (a), (b), layer stack).
 *
 * It tries the probes (HDLC, M-Bus, DSMR, bare GGC/LLC/APDU) at each position,
 * skips garbage byte by byte (counted), joins HDLC and M-Bus segments, strips the
 * LLC header, and reports noise with its probable cause when no frame is found. */
#ifndef HP_CORE_STREAM_H
#define HP_CORE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/decode.h"
#include "sizes.h"

enum hp_link_kind {
	HP_LINK_APDU,     /* data/len: a complete APDU, segments joined, LLC removed */
	HP_LINK_TELEGRAM, /* data/len: a DSMR telegram, CRC checked (hp_dsmr_probe) */
	HP_LINK_ERROR,    /* error: crc, truncated or noise */
};

struct hp_link_frame {
	enum hp_link_kind kind;
	enum hp_framing framing; /* hdlc, mbus, raw or p1 */
	const uint8_t *data;
	size_t len;
	const uint8_t *raw; /* the last link frame as received */
	size_t raw_len;
	struct hp_error error;
};

typedef void (*hp_link_fn)(void *ctx, const struct hp_link_frame *f);

#include "stream_state.h" /* struct hp_stream (private to stream.c) */

/* stats is updated in place: bytes, garbage_bytes, frames. */
void hp_stream_init(struct hp_stream *s, hp_link_fn fn, void *ctx, struct hp_decoder_stats *stats,
		    const struct hp_trace *trace);
void hp_stream_feed(struct hp_stream *s, const uint8_t *p, size_t n, uint64_t now_ms);
void hp_stream_finish(struct hp_stream *s);

#endif
