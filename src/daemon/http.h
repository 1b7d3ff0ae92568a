/* The HTTP server (libmicrohttpd): the REST API under /api/v1, /metrics, and the
 * dashboard's static files, all under the configured path prefix. */
#ifndef HP_DAEMON_HTTP_H
#define HP_DAEMON_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "price_book.h"
#include "state.h"

struct hp_http;

/* Starts listening (its own threads). prices: the book POST /api/v1/prices fills
 * and the API reads (NULL: none). NULL with err set when the address cannot be
 * bound. */
struct hp_http *hp_http_start(const struct hp_config *cfg, struct hp_state *state,
			      struct hp_price_book *prices, char *err, size_t err_size);
void hp_http_stop(struct hp_http *h);

/* The port listened on: the configured one, or the one the kernel chose for port 0
 * (tests). */
uint16_t hp_http_port(const struct hp_http *h);

#endif
