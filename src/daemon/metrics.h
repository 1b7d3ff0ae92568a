/* /metrics: the live state in the Prometheus text exposition format (0.0.4). */
#ifndef HP_DAEMON_METRICS_H
#define HP_DAEMON_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "state.h"

/* The text/plain content type Prometheus expects for this format. */
#define HP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A new buffer (free() it) holding the exposition, its length in *len; NULL when
 * out of memory. Every family has HELP and TYPE lines; meter values carry a
 * meter="NAME" label. */
char *hp_metrics_render(struct hp_state *state, const struct hp_config *cfg, int64_t now_ms,
			size_t *len);

#endif
