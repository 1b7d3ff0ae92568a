/* A probe looks at bytes that may start a frame and says what it sees.
 * Framers are probes over the stream's window; the stream tries them at each
 * candidate position (stream.c). */
#ifndef HP_CORE_PROBE_H
#define HP_CORE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/decode.h"

enum hp_probe_status {
	HP_PROBE_NO,    /* not a frame of this kind at buf[0] */
	HP_PROBE_MORE,  /* could be one: come back with more bytes */
	HP_PROBE_FRAME, /* a complete, checked frame of `len` bytes */
	HP_PROBE_BAD, /* a delimited frame of `len` bytes that fails its check: `error` says why */
};

struct hp_probe_result {
	enum hp_probe_status status;
	size_t len;
	struct hp_error error;
};

/* buf[0] is the candidate first byte; avail bytes are readable; at_eof means no
 * more bytes will come (a probe may then decide what it would otherwise wait for,
 * e.g. a DSMR CRC line without its line end). */
typedef void (*hp_probe_fn)(const uint8_t *buf, size_t avail, bool at_eof,
			    struct hp_probe_result *res);

#endif
