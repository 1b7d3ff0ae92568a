/* The REST API below /api/v1: functions from the live state (and the history
 * store) to an HTTP status and a JSON body. Nothing here touches a socket, so the
 * handlers are tested directly; http.c routes requests to hp_api_handle. */
#ifndef HP_DAEMON_API_H
#define HP_DAEMON_API_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "json_text.h"
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

/* Looks a query parameter up; NULL when the request has none by that name. */
typedef const char *(*hp_api_arg_fn)(void *ctx, const char *key);

struct hp_api_reply {
	unsigned status;           /* HTTP status code */
	json_t *body;              /* the answer (owned by the caller), or NULL when text is */
	struct hp_json_text *text; /* the answer as JSON text (history; owned by the caller) */
	const char *allow;         /* for 405: the methods the path takes, else NULL */
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

/* A time parameter: epoch seconds ("1714557600", fraction allowed), or ISO 8601:
 * a date ("2024-05-01", local midnight), a local date-time ("2024-05-01T12:00"),
 * or one with a zone ("...Z", "...+02:00", "...+0200", "...+02"). A space in place
 * of the '+' of an offset is taken as '+' (an unescaped '+' in a query string
 * arrives as a space). Local means the process's time zone, the one the history
 * buckets follow. Returns 0 and sets *out_ms, or -1. */
int hp_api_parse_time(const char *s, int64_t *out_ms);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into out (at least HP_API_TIME_MAX bytes). */
#define HP_API_TIME_MAX 32
void hp_api_format_time(int64_t ms, char *out, size_t size);

/* The OpenAPI 3 description of every endpoint (openapi.c), a NUL-terminated JSON
 * text. */
extern const char hp_openapi_json[];

#endif
