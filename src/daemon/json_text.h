/* JSON written as text into a growable buffer, for answers too large to build as a
 * jansson tree first: a day of raw history is megabytes of text, and its tree took
 * ten times that in small allocations that glibc kept afterwards. Values print as
 * json_dumps prints them with HP_JSON_FLAGS (src/json/reading_json.h), so one value
 * reads the same in every answer.
 *
 * A buffer past HP_JSON_TEXT_MAP_FROM bytes is a mapping of its own (mmap, grown
 * with mremap), not heap: releasing it gives the memory back to the system at once,
 * whatever glibc's malloc thresholds have become. A failed allocation marks the
 * text failed; later writes do nothing, so callers check once at the end. */
#ifndef HP_DAEMON_JSON_TEXT_H
#define HP_DAEMON_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Text longer than this lives in a mapping of its own (see above). */
#define HP_JSON_TEXT_MAP_FROM (64 * 1024)

struct hp_json_text {
	char *buf;   /* the text so far, NUL-terminated; NULL before the first write */
	size_t len;  /* bytes of text, without the NUL */
	size_t cap;  /* bytes allocated */
	bool mapped; /* buf is a mapping (large text), not malloc'd */
	bool failed; /* an allocation failed: the text is incomplete */
};

/* An empty text; nothing allocated until the first write. */
void hp_json_text_init(struct hp_json_text *t);
/* Frees the buffer and leaves an empty text. */
void hp_json_text_release(struct hp_json_text *t);
/* A text of its own on the heap (for a response that frees it when sent), and its
 * destructor (NULL is fine). */
struct hp_json_text *hp_json_text_new(void);
void hp_json_text_free(struct hp_json_text *t);
/* Cuts the text back to len bytes (len <= t->len), e.g. to drop a part written
 * before an error. */
void hp_json_text_truncate(struct hp_json_text *t, size_t len);

/* Text as it is: punctuation, keys known to need no escaping. */
void hp_json_append(struct hp_json_text *t, const char *s, size_t n);
#define hp_json_literal(t, lit) hp_json_append((t), (lit), sizeof(lit) - 1)
void hp_json_char(struct hp_json_text *t, char c);

/* A string value: quoted, '"', '\\' and control characters escaped as jansson
 * escapes them (\n, \t, ..., \u001F), UTF-8 passed through. Bytes that are not
 * UTF-8 become U+FFFD, so the answer stays valid JSON (jansson refuses such a
 * string). */
void hp_json_string(struct hp_json_text *t, const char *s, size_t n);
/* An integer, as json_integer prints. */
void hp_json_int(struct hp_json_text *t, int64_t v);
/* A real as json_real prints with JSON_REAL_PRECISION(15): "%.15g", ".0" added to
 * what looks like an integer, the exponent without '+' and leading zeros ("1e21",
 * "1e-7"). jansson has no JSON for NaN and infinities: they print as null. */
void hp_json_real(struct hp_json_text *t, double v);
/* A reading-model number as hp_reading_to_json prints it (reading_json.c): an
 * integral value below 2^53 as an integer (230, never 230.0), the rest as a real. */
void hp_json_number(struct hp_json_text *t, double v);
void hp_json_bool(struct hp_json_text *t, bool v);
void hp_json_null(struct hp_json_text *t);

/* The formatting alone, for loops writing many values (a history row): each
 * writes the text and a NUL into out and returns the text's length. They may use
 * all of out as scratch beyond the NUL. */
#define HP_JSON_NUMBER_MAX 40
size_t hp_json_format_int(int64_t v, char out[HP_JSON_NUMBER_MAX]);
size_t hp_json_format_real(double v, char out[HP_JSON_NUMBER_MAX]);
size_t hp_json_format_number(double v, char out[HP_JSON_NUMBER_MAX]);
/* Room for n bytes at the end of the text: where to write them, or NULL (failed);
 * then hp_json_commit with the count written (at most n). */
char *hp_json_reserve(struct hp_json_text *t, size_t n);
void hp_json_commit(struct hp_json_text *t, size_t n);

#endif
