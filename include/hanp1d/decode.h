/* The core decoder: bytes in (any chunking), readings and typed errors out.
 *
 * No I/O, no threads, no globals. One allocation when the decoder is made;
 * none while it runs. Everything it knows about a frame it can also say in
 * words through an optional trace callback (`hanp1d decode --explain`). */
#ifndef HANP1D_DECODE_H
#define HANP1D_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/reading.h"

enum hp_error_code {
	HP_ERR_NONE = 0,
	HP_ERR_CRC,
	HP_ERR_TRUNCATED,
	HP_ERR_AUTH,
	HP_ERR_NO_KEY,
	HP_ERR_UNSUPPORTED,
	HP_ERR_MALFORMED,
	HP_ERR_NOISE,
};

/* Long enough for a detail plus the probable cause. */
#define HP_DETAIL_MAX 240

struct hp_error {
	enum hp_error_code code;
	char detail[HP_DETAIL_MAX];
};

/* The stable code of reading-model.md: "crc", "truncated", ... */
const char *hp_error_name(enum hp_error_code code);
/* The probable causes of an error class, in plain words, for users. */
const char *hp_error_hint(enum hp_error_code code);
/* Sets code and a printf-formatted detail. */
void hp_error_set(struct hp_error *e, enum hp_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A human walk through each frame. `line` gets one line of text at a time,
 * without a newline; depth is the layer (0 = link, 1 = APDU, 2 = values). */
struct hp_trace {
	void (*line)(void *ctx, int depth, const char *text);
	void *ctx;
};

/* Formats and emits one trace line; does nothing (and formats nothing) when t
 * or t->line is NULL, so tracing costs one branch when it is off. */
void hp_tracef(const struct hp_trace *t, int depth, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define HP_KEY_LEN          16
#define HP_SYSTEM_TITLE_LEN 8

struct hp_keys {
	bool has_ek, has_ak;
	uint8_t ek[HP_KEY_LEN]; /* encryption key (EK / GUEK) */
	uint8_t ak[HP_KEY_LEN]; /* authentication key (AK / GAK) */
	/* For encrypted DSMR with an empty system title (Elgama PL): the title from the
	 * meter label. */
	bool has_system_title;
	uint8_t system_title[HP_SYSTEM_TITLE_LEN];
};

/* What a decoder emits: one event per frame. `raw` is the frame as it arrived on
 * the line (the last link-layer frame of a segmented message), for logging. */
struct hp_event {
	const struct hp_reading *reading; /* NULL for an error */
	const struct hp_error *error;     /* NULL for a reading */
	const uint8_t *raw;
	size_t raw_len;
};

typedef void (*hp_event_fn)(void *ctx, const struct hp_event *ev);

struct hp_decoder_config {
	struct hp_keys keys;
	hp_event_fn on_event;
	void *ctx;
	const struct hp_trace *trace; /* optional */
};

/* Counters for diagnostics (STATUS=, /api/v1/status, --explain). */
struct hp_decoder_stats {
	uint64_t bytes;         /* bytes fed */
	uint64_t garbage_bytes; /* bytes outside any frame */
	uint64_t frames; /* link-layer frames accepted (HDLC, M-Bus, telegrams, bare APDUs) */
	uint64_t readings;
	uint64_t errors[HP_ERR_NOISE + 1]; /* per error code */
	uint64_t ignored_apdus;            /* APDUs that are not data-notifications (C4, 61, ...) */
	uint64_t unauthenticated;          /* encrypted readings whose tag could not be checked */
	uint32_t last_invocation_counter;
	uint8_t last_system_title[HP_SYSTEM_TITLE_LEN];
	bool has_system_title;
};

struct hp_decoder;

/* Returns NULL only when out of memory or when the crypto library fails to load. */
struct hp_decoder *hp_decoder_new(const struct hp_decoder_config *cfg);
void hp_decoder_free(struct hp_decoder *d);

/* Changes the keys (for example after a config reload). */
void hp_decoder_set_keys(struct hp_decoder *d, const struct hp_keys *keys);

/* Feeds bytes as they arrive; events are emitted from inside this call.
 * now_ms is a monotonic clock in milliseconds (0 when unknown, e.g. decoding a
 * file): a silence of more than 2 s abandons a half-received segmented message. */
void hp_decoder_feed(struct hp_decoder *d, const uint8_t *data, size_t len, uint64_t now_ms);

/* End of input: a frame still open is reported `truncated`; an input in which no
 * frame at all was found is reported once as `noise` with the probable cause. */
void hp_decoder_finish(struct hp_decoder *d);

const struct hp_decoder_stats *hp_decoder_stats(const struct hp_decoder *d);

#endif
