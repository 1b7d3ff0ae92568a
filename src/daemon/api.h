/* The REST API below /api/v1: functions from the live state (and the history
 * store) to an HTTP status and a JSON body. Nothing here touches a socket, so the
 * handlers are tested directly; http.c routes requests to hp_api_handle. */
#ifndef HP_DAEMON_API_H
#define HP_DAEMON_API_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "config.h"
#include "json_text.h"
#include "price_book.h"
#include "state.h"

/* Rows one history answer may hold. A day of raw rows at the default 10 s interval
 * is 8640; the bound keeps one answer's memory to a few MB on a Pi. */
#define HP_HISTORY_LIMIT_MAX 10000
/* The history window when `from` and `to` are not given: the last 24 hours. */
#define HP_HISTORY_DEFAULT_MS (24 * 3600 * 1000LL)

struct hp_api;

/* cfg and state must outlive the API. The history reader is opened on first use. */
struct hp_api *hp_api_new(const struct hp_config *cfg, struct hp_state *state);
void hp_api_free(struct hp_api *api);
/* The daemon's price book (it must outlive the API), before the first request;
 * without one the API has no prices. */
void hp_api_set_prices(struct hp_api *api, struct hp_price_book *prices);

/* Looks a query parameter up; NULL when the request has none by that name. */
typedef const char *(*hp_api_arg_fn)(void *ctx, const char *key);

struct hp_api_reply {
	unsigned status;           /* HTTP status code */
	json_t *body;              /* the answer (owned by the caller), or NULL when text is */
	struct hp_json_text *text; /* the answer as JSON text (history; owned by the caller) */
	const char *allow;         /* for 405: the methods the path takes, else NULL */
	const char *content_type;  /* of text when it is not JSON (CSV), else NULL */
	char disposition[160];     /* Content-Disposition of text, "" = none */
};

/* Routes one request. `path` is below the API root, e.g. "/meters/home/now" for
 * /api/v1/meters/home/now. GET and HEAD are the only methods. */
void hp_api_handle(struct hp_api *api, const char *method, const char *path, hp_api_arg_fn arg,
		   void *arg_ctx, int64_t now_ms, struct hp_api_reply *out);

/* The handlers, each returning the HTTP status and setting *out. */
unsigned hp_api_meters(struct hp_api *api, int64_t now_ms, json_t **out);
unsigned hp_api_now(struct hp_api *api, const char *name, int64_t now_ms, json_t **out);
/* History answers are JSON text written straight from the database (megabytes for a
 * day of raw rows): on 200 *text is set and *out NULL, else *out is the error. */
unsigned hp_api_history(struct hp_api *api, const char *name, hp_api_arg_fn arg, void *arg_ctx,
			int64_t now_ms, json_t **out, struct hp_json_text **text);
unsigned hp_api_status(struct hp_api *api, int64_t now_ms, json_t **out);
/* GET /config (api_config.c): the effective configuration, every section and key
 * with the text the file would hold; keys, passwords and the password hash are
 * masked. */
unsigned hp_api_config(const struct hp_config *cfg, json_t **out);

/* ---- energy, peaks, prices, cost and CSV per meter (api_energy.c) ---- */

/* What those handlers use of the API. */
struct hp_api_env {
	const struct hp_config *cfg;
	struct hp_state *state;
	struct hp_price_book *prices;    /* NULL = no dynamic prices (cfg's prices only) */
	pthread_mutex_t *reader_lock;    /* held while *reader is used */
	struct hp_store_reader **reader; /* the API's history reader, opened on demand */
};

/* The API's shared parts for handlers outside this file (api_amsreader.h). */
void hp_api_env_of(struct hp_api *api, struct hp_api_env *out);

/* The error bodies every handler answers with: {"error"}, plus "parameter" (the
 * query parameter at fault) or "detail" (what the history said). */
json_t *hp_api_error_body(const char *error);
json_t *hp_api_param_error(const char *parameter, const char *error);
json_t *hp_api_store_error(const char *error, const char *detail);

/* GET /meters/{name}/energy?period=15m|hour|day|month|year&from=&to=: energy, cost
 * and income per local bucket with totals (accounting.h). JSON text on 200. */
unsigned hp_api_energy(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
		       void *arg_ctx, int64_t now_ms, json_t **out, struct hp_json_text **text);
/* GET /meters/{name}/cost?period=day|month|year&from=&to=: cost and income per
 * period with the counts of quarters without a price. JSON text on 200. */
unsigned hp_api_cost(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
		     void *arg_ctx, int64_t now_ms, json_t **out, struct hp_json_text **text);
/* GET /meters/{name}/peaks: the month's capacity tariff figures. */
unsigned hp_api_peaks(const struct hp_api_env *env, const char *name, int64_t now_ms, json_t **out);
/* GET /meters/{name}/prices?from=&to=: the resolved import and export prices. */
unsigned hp_api_meter_prices(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
			     void *arg_ctx, int64_t now_ms, json_t **out);
/* GET /meters/{name}/history.csv?resolution=&from=&to=: CSV text on 200, with
 * reply->content_type and reply->disposition set; else reply->body is the JSON
 * error. Sets reply->status too. */
void hp_api_history_csv(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
			void *arg_ctx, int64_t now_ms, struct hp_api_reply *reply);

/* A time parameter: epoch seconds ("1714557600", fraction allowed), or ISO 8601:
 * a date ("2024-05-01", local midnight), a local date-time ("2024-05-01T12:00"),
 * or one with a zone ("...Z", "...+02:00", "...+0200", "...+02"). A space in place
 * of the '+' of an offset is taken as '+' (an unescaped '+' in a query string
 * arrives as a space). Local means the system's zone here; a meter's history
 * reads its `from` and `to` in the meter's own zone, the one its buckets follow.
 * Returns 0 and sets *out_ms, or -1. */
int hp_api_parse_time(const char *s, int64_t *out_ms);
/* The same with local times in zone (a meter's). */
struct hp_tz;
int hp_api_parse_time_in(const char *s, const struct hp_tz *zone, int64_t *out_ms);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into out (at least HP_API_TIME_MAX bytes). */
#define HP_API_TIME_MAX 32
void hp_api_format_time(int64_t ms, char *out, size_t size);

/* POST /prices (api_prices.c): a pushed price list, the JSON array of
 * hp_prices_parse_json, into the book. 200 {"accepted": N, "points": total}; 400
 * {"error": the parser's message naming the element and field}; 503 without a
 * book. http.c reads the body, refusing one larger than this with 413, and one
 * that is not application/json with 415. */
#define HP_API_PRICES_BODY_MAX (256 * 1024)
unsigned hp_api_prices_post(struct hp_price_book *prices, const char *body, size_t len,
			    json_t **out);
/* The "prices" object of GET /status: {"points": N, "from": time, "until": time}
 * (times null without points); null without a book. */
json_t *hp_api_prices_status(struct hp_price_book *prices);

/* The OpenAPI 3 description of every endpoint (openapi.c), a NUL-terminated JSON
 * text. */
extern const char hp_openapi_json[];

#endif
