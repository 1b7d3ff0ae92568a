/* The daemon's prices, shared by every thread: the configured fixed prices,
 * time-of-use rules and modifiers (prices.h), and the dynamic prices pushed in
 * through POST /api/v1/prices or MQTT. Pushed prices are kept in a small file in
 * the state directory (written atomically) so they survive a restart. */
#ifndef HP_DAEMON_PRICE_BOOK_H
#define HP_DAEMON_PRICE_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prices.h"

struct hp_price_book;

/* cfg must outlive the book. state_file: where pushed prices are kept ("" or NULL
 * = not kept); a missing file is an empty series, an unreadable or damaged one is
 * logged and ignored. NULL only when out of memory. */
struct hp_price_book *hp_price_book_new(const struct hp_price_config *cfg, const char *state_file);
void hp_price_book_free(struct hp_price_book *b);

const struct hp_price_config *hp_price_book_config(const struct hp_price_book *b);

/* Parses a pushed JSON array (hp_prices_parse_json), merges it into the series and
 * saves the file. Returns the number of points taken, or -1 with err set (for a
 * 400 answer: it names the element and field). */
int hp_price_book_push_json(struct hp_price_book *b, const char *text, size_t len, char *err,
			    size_t err_size);

/* A consistent copy of the dynamic series (out is large: not on a thread's stack). */
void hp_price_book_snapshot(struct hp_price_book *b, struct hp_price_series *out);

/* A summary of the series for /api/v1/status, without copying it. */
struct hp_price_book_status {
	size_t points;          /* points kept */
	int64_t first_start_ms; /* start of the first one; 0 with none */
	int64_t last_end_ms;    /* end of the last one: prices are known until then */
};
void hp_price_book_status(struct hp_price_book *b, struct hp_price_book_status *out);

/* The state file beside the history database: "<its directory>/prices.json".
 * False when it does not fit. */
bool hp_price_book_path(const char *store_path, char *out, size_t size);

#endif
