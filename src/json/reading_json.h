/* The reading model as JSON (jansson): the one shape the decoder's output, the
 * REST API and the MQTT state payloads share. */
#ifndef HP_READING_JSON_H
#define HP_READING_JSON_H

#include <jansson.h>

#include "hanp1d/decode.h"

/* A new JSON object for a reading, keys in reading-model order. */
json_t *hp_reading_to_json(const struct hp_reading *r);
/* {"error": CODE, "detail": TEXT} */
json_t *hp_error_to_json(const struct hp_error *e);

/* The dump flags every producer uses: compact, key order kept, and doubles printed
 * with 15 significant digits so 16.1 prints as 16.1, not 16.100000000000001. */
#define HP_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

#endif
