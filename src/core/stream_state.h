/* struct hp_stream: private to stream.c, in a header only so that callers can
 * embed it (no allocation in the core). Include stream.h, not this file. */
#ifndef HP_CORE_STREAM_STATE_H
#define HP_CORE_STREAM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sizes.h"
#include "noise.h"

/* The message being joined from segments (HDLC S bit, M-Bus CI number). */
enum hp_stream_join {
	HP_JOIN_NONE,
	HP_JOIN_HDLC,
	HP_JOIN_MBUS,
	HP_JOIN_MBUS_DISCARD, /* a segment failed its checksum: drop the rest of its message */
};

struct hp_stream {
	hp_link_fn fn;
	void *ctx;
	struct hp_decoder_stats *stats;
	const struct hp_trace *trace;
	uint64_t now_ms;

	/* Unconsumed input: win[head .. tail); win[0] is stream offset `base`. */
	uint64_t base;
	size_t head, tail;

	/* The candidate at head that asked for more bytes: probe again once `need` bytes
	 * are there (0: nothing waits). A DSMR telegram has no length, so it is probed
	 * again when a '!' (or, after one, a line end) arrives or the bytes double. */
	size_t need;
	size_t marked; /* DSMR: bytes already searched for '!' */
	bool bang;     /* DSMR: a '!' is among them */
	size_t inner;  /* HDLC: bytes searched for a frame inside the candidate (drop_outer) */

	/* Stream offset of the last HDLC frame's closing flag: it is left unconsumed, as
	 * it may open the next frame (UINT64_MAX: none). */
	uint64_t flag_at;

	/* Bare-APDU probes stay off before this stream offset: the inside of an HDLC
	 * frame that lost bytes is not a bare APDU. */
	uint64_t quiet_until;

	/* The current run of garbage, traced once when it ends. */
	uint64_t junk_at, junk_run;

	/* Noise diagnosis: set once anything is found (frame, error or truncated). */
	bool found;
	bool any_bytes;
	size_t sample_len;

	/* Segment joining. */
	enum hp_stream_join join;
	uint8_t next_segment; /* M-Bus: segment number expected next */
	uint64_t rx_ms;       /* when bytes last arrived (0: unknown) */
	size_t msg_len;

	uint64_t input_bytes;              /* since init or the last finish */
	struct hp_decoder_stats own_stats; /* when the caller passes none */

	uint8_t msg[HP_APDU_MAX];
	uint8_t sample[HP_NOISE_SAMPLE];
	uint8_t win[HP_SCAN_MAX];
};

#endif
