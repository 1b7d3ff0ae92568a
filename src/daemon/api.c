/* The /api/v1 handlers. Each one copies what it needs out of the state (never
 * holding its lock while building JSON) and answers with a status and a body;
 * every error is a JSON object {"error": ...} that names the bad parameter, if
 * there is one. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "civil.h"
#include "cipher.h"
#include "derived.h"
#include "mqtt.h"
#include "reading_json.h"
#include "store.h"
#include "tz.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

/* Path segments below /api/v1 that any route has: meters/NAME/history. */
#define ROUTE_SEGMENTS_MAX 3
/* A path segment longer than this matches no route (meter names are shorter). */
#define SEGMENT_MAX 64
/* Room for a store error message. */
#define ERR_MAX 256
/* Epoch seconds of 9999-12-31T23:59:59Z: ISO 8601's four-digit years end there. */
#define EPOCH_MAX 253402300799LL

struct hp_api {
	const struct hp_config *cfg;
	struct hp_state *state;
	/* One read-only history connection, opened on first use and reopened after a
	 * failure; the mutex makes it safe from any number of server threads. */
	pthread_mutex_t reader_lock;
	struct hp_store_reader *reader;
	struct hp_price_book *prices; /* NULL: no prices (hp_api_set_prices) */
};

void hp_api_set_prices(struct hp_api *api, struct hp_price_book *prices)
{
	api->prices = prices;
}

struct hp_api *hp_api_new(const struct hp_config *cfg, struct hp_state *state)
{
	struct hp_api *api = calloc(1, sizeof(*api));
	if (api == NULL)
		return NULL;
	api->cfg = cfg;
	api->state = state;
	pthread_mutex_init(&api->reader_lock, NULL);
	return api;
}

void hp_api_free(struct hp_api *api)
{
	if (api == NULL)
		return;
	if (api->reader != NULL)
		hp_store_reader_close(api->reader);
	pthread_mutex_destroy(&api->reader_lock);
	free(api);
}

void hp_api_env_of(struct hp_api *api, struct hp_api_env *out)
{
	*out =
	    (struct hp_api_env){api->cfg, api->state, api->prices, &api->reader_lock, &api->reader};
}

/* ---- small JSON helpers ---- */

json_t *hp_api_error_body(const char *error)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(error));
	return o;
}

json_t *hp_api_param_error(const char *parameter, const char *error)
{
	json_t *o = hp_api_error_body(error);
	json_object_set_new(o, "parameter", json_string(parameter));
	return o;
}

/* Counters are uint64 in C and json_int_t (signed) in jansson. */
static json_t *count(uint64_t v)
{
	return json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)v);
}

static json_t *string_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

/* Seconds from then to now with millisecond resolution; a clock stepped back
 * gives 0, not a negative age. */
static double age_s(int64_t then_ms, int64_t now_ms)
{
	return now_ms > then_ms ? (double)(now_ms - then_ms) / 1000.0 : 0.0;
}

static bool is_stale(const struct hp_api *api, const struct hp_meter_state *m, int64_t now_ms)
{
	return !m->has_reading || age_s(m->reading_ms, now_ms) > (double)api->cfg->stale_after_s;
}

void hp_api_format_time(int64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		t -= 1;
		frac += 1000;
	}
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, size, "invalid");
		return;
	}
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static json_t *time_json(int64_t ms)
{
	char text[HP_API_TIME_MAX];
	hp_api_format_time(ms, text, sizeof(text));
	return json_string(text);
}

/* ---- GET /meters ---- */

static json_t *reading_text(const struct hp_meter_state *m, enum hp_text field)
{
	return m->has_reading ? string_or_null(m->reading.text[field]) : json_null();
}

/* The installation as configured, for scaling the dashboard's gauges: main fuse
 * (null when not set), nominal voltage, phases, production; the capacity tariff
 * that picks its peak widget; the time zone its days and hours follow (null: the
 * system's). */
static void installation_json(json_t *o, const struct hp_config *cfg,
			      const struct hp_meter_config *mc)
{
	static const char *const capacity[] = {
	    [HP_CAPACITY_NONE] = "none", [HP_CAPACITY_NO] = "no", [HP_CAPACITY_BE] = "be"};
	if (mc == NULL)
		return;
	json_object_set_new(o, "main_fuse_a",
			    mc->main_fuse_a > 0 ? json_real(mc->main_fuse_a) : json_null());
	json_object_set_new(o, "voltage", json_real(mc->voltage));
	json_object_set_new(o, "phases", json_integer(mc->phases));
	json_object_set_new(o, "production_kwp", json_real(mc->production_kwp));
	json_object_set_new(o, "max_power_w",
			    mc->max_power_w > 0 ? json_real(mc->max_power_w) : json_null());
	json_object_set_new(o, "capacity_tariff", json_string(capacity[mc->capacity_tariff]));
	const char *zone = mc->timezone[0] != '\0' ? mc->timezone : cfg->timezone;
	json_object_set_new(o, "timezone", string_or_null(zone));
}

static json_t *meter_summary(const struct hp_api *api, const struct hp_meter_state *m,
			     int64_t now_ms)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "protocol",
			    m->has_reading ? json_string(hp_protocol_name(m->reading.protocol))
					   : json_null());
	json_object_set_new(o, "meter_id", reading_text(m, HP_TEXT_METER_ID));
	json_object_set_new(o, "manufacturer", reading_text(m, HP_TEXT_MANUFACTURER));
	json_object_set_new(o, "meter_model", reading_text(m, HP_TEXT_METER_MODEL));
	json_object_set_new(o, "last_reading_age_s",
			    m->has_reading ? json_real(age_s(m->reading_ms, now_ms)) : json_null());
	json_object_set_new(o, "stale", json_boolean(is_stale(api, m, now_ms)));
	installation_json(o, api->cfg, hp_config_meter(api->cfg, m->name));
	return o;
}

unsigned hp_api_meters(struct hp_api *api, int64_t now_ms, json_t **out)
{
	json_t *a = json_array();
	struct hp_meter_state m;
	for (unsigned i = 0; hp_state_meter(api->state, i, &m); i++)
		json_array_append_new(a, meter_summary(api, &m, now_ms));
	*out = a;
	return 200;
}

/* ---- GET /meters/{name}/now ---- */

/* The probable cause of the meter's last error: a mep: meter's client knows it
 * better than the error code, whose hints speak of DLMS keys. */
static const char *error_cause(const struct hp_meter_state *m)
{
	enum hp_mep_diagnosis d = m->source.mep.diagnosis;
	if (m->source.mep.on && d != HP_MEP_DIAG_OK && d != HP_MEP_DIAG_STARTING)
		return hp_mep_diagnosis_cause(d);
	return hp_error_hint(m->last_error.code);
}

static json_t *last_error_json(const struct hp_meter_state *m, int64_t now_ms)
{
	if (!m->has_error)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(hp_error_name(m->last_error.code)));
	json_object_set_new(o, "detail", json_string(m->last_error.detail));
	json_object_set_new(o, "probable_cause", json_string(error_cause(m)));
	json_object_set_new(o, "age_s", json_real(age_s(m->last_error_ms, now_ms)));
	return o;
}

/* Why a meter has no reading yet, in plain words: the last decode error says most,
 * then the source's own complaint, then what the byte count shows. */
static const char *no_reading_cause(const struct hp_meter_state *m)
{
	if (m->has_error)
		return error_cause(m);
	if (m->source.detail[0] != '\0')
		return m->source.detail;
	if (m->source.bytes == 0)
		return "nothing has been received from the meter yet: check the cable and the "
		       "device or address, that the grid operator has enabled the port, and the "
		       "P1 data-request line; meters send every 1 to 10 seconds";
	return hp_error_hint(HP_ERR_NOISE);
}

static json_t *unknown_meter(const char *name)
{
	json_t *o = hp_api_error_body("unknown meter");
	json_object_set_new(o, "name", json_string(name));
	return o;
}

/* {"l2_voltage_v": U2} when the meter's config asks for a derived U2 (derived.h); a
 * separate object, so no client mistakes it for a value the meter sent. NULL when
 * there is nothing to show. */
static json_t *derived_json(const struct hp_api *api, const struct hp_meter_state *m)
{
	const struct hp_meter_config *mc = hp_config_meter(api->cfg, m->name);
	double u2;
	if (mc == NULL || !mc->derive_u2 || !hp_derive_u2(&m->reading, &u2))
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, "l2_voltage_v", json_real(u2));
	return o;
}

unsigned hp_api_now(struct hp_api *api, const char *name, int64_t now_ms, json_t **out)
{
	struct hp_meter_state m;
	if (!hp_state_meter_by_name(api->state, name, &m)) {
		*out = unknown_meter(name);
		return 404;
	}
	if (!m.has_reading) {
		json_t *o = hp_api_error_body("no reading yet");
		json_object_set_new(o, "name", json_string(m.name));
		json_object_set_new(o, "source_state",
				    json_string(hp_source_state_name(m.source.state)));
		json_object_set_new(o, "probable_cause", json_string(no_reading_cause(&m)));
		json_object_set_new(o, "last_error", last_error_json(&m, now_ms));
		*out = o;
		return 503;
	}
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(m.name));
	json_object_set_new(o, "time", time_json(m.reading_ms));
	json_object_set_new(o, "age_s", json_real(age_s(m.reading_ms, now_ms)));
	json_object_set_new(o, "stale", json_boolean(is_stale(api, &m, now_ms)));
	json_object_set_new(o, "reading", hp_reading_to_json(&m.reading));
	json_t *derived = derived_json(api, &m);
	if (derived != NULL)
		json_object_set_new(o, "derived", derived);
	*out = o;
	return 200;
}

/* ---- time parameters ---- */

/* Reads exactly n digits. */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Milliseconds of a fraction ".5", ".123", ".123456" (digits past the third are
 * dropped); *p is past the dot. */
static bool read_fraction_ms(const char **p, int *ms)
{
	int scale = 100, v = 0, n = 0;
	while (**p >= '0' && **p <= '9') {
		v += (**p - '0') * scale;
		scale /= 10;
		(*p)++;
		n++;
	}
	*ms = v;
	return n > 0;
}

static int parse_epoch(const char *s, int64_t *out_ms)
{
	const char *p = s;
	int64_t sec = 0;
	int n = 0, ms = 0;
	while (*p >= '0' && *p <= '9') {
		sec = sec * 10 + (*p - '0');
		p++;
		/* 13 digits are already past EPOCH_MAX; stop before int64 overflows. */
		if (++n > 13)
			return -1;
	}
	if (n == 0)
		return -1;
	if (*p == '.') {
		p++;
		if (!read_fraction_ms(&p, &ms))
			return -1;
	}
	if (*p != '\0' || sec > EPOCH_MAX)
		return -1;
	*out_ms = sec * 1000 + ms;
	return 0;
}

struct iso_time {
	int year, month, day, hour, minute, second, ms;
	enum { ZONE_LOCAL, ZONE_OFFSET } zone;
	int offset_min; /* east of UTC */
};

static bool parse_iso_date(const char **p, struct iso_time *t)
{
	if (!read_digits(p, 4, &t->year) || *(*p)++ != '-' || !read_digits(p, 2, &t->month) ||
	    *(*p)++ != '-' || !read_digits(p, 2, &t->day))
		return false;
	return t->year >= 1970 && t->month >= 1 && t->month <= 12 && t->day >= 1 &&
	       t->day <= hp_days_in_month(t->year, t->month);
}

static bool parse_iso_clock(const char **p, struct iso_time *t)
{
	if (!read_digits(p, 2, &t->hour) || *(*p)++ != ':' || !read_digits(p, 2, &t->minute))
		return false;
	if (**p == ':') {
		(*p)++;
		if (!read_digits(p, 2, &t->second))
			return false;
		if (**p == '.' || **p == ',') {
			(*p)++;
			if (!read_fraction_ms(p, &t->ms))
				return false;
		}
	}
	/* 60 is a leap second; it counts as the next minute's first. */
	return t->hour <= 23 && t->minute <= 59 && t->second <= 60;
}

/* "Z", "+02:00", "+0200", "+02", "-05:30"; a space stands for '+'. */
static bool parse_iso_zone(const char **p, struct iso_time *t)
{
	char c = **p;
	if (c == '\0')
		return true;
	(*p)++;
	if (c == 'Z' || c == 'z') {
		t->zone = ZONE_OFFSET;
		return true;
	}
	if (c != '+' && c != '-' && c != ' ')
		return false;
	int hh = 0, mm = 0;
	if (!read_digits(p, 2, &hh))
		return false;
	if (**p == ':')
		(*p)++;
	if (**p != '\0' && !read_digits(p, 2, &mm))
		return false;
	if (hh > 23 || mm > 59)
		return false;
	t->zone = ZONE_OFFSET;
	t->offset_min = (hh * 60 + mm) * (c == '-' ? -1 : 1);
	return true;
}

static int iso_to_ms(const struct iso_time *t, const struct hp_tz *zone, int64_t *out_ms)
{
	if (t->zone == ZONE_OFFSET) {
		int64_t sec = hp_days_from_civil(t->year, t->month, t->day) * 86400 +
			      t->hour * 3600 + t->minute * 60 + t->second -
			      (int64_t)t->offset_min * 60;
		*out_ms = sec * 1000 + t->ms;
		return 0;
	}
	struct tm tm = {.tm_year = t->year - 1900,
			.tm_mon = t->month - 1,
			.tm_mday = t->day,
			.tm_hour = t->hour,
			.tm_min = t->minute,
			.tm_sec = t->second,
			.tm_isdst = -1};
	int64_t sec;
	if (hp_tz_to_utc(zone, &tm, &sec) != 0)
		return -1;
	*out_ms = sec * 1000 + t->ms;
	return 0;
}

static int parse_iso(const char *s, const struct hp_tz *zone, int64_t *out_ms)
{
	struct iso_time t = {.zone = ZONE_LOCAL};
	const char *p = s;
	if (!parse_iso_date(&p, &t))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!parse_iso_clock(&p, &t) || !parse_iso_zone(&p, &t))
			return -1;
	}
	if (*p != '\0')
		return -1;
	return iso_to_ms(&t, zone, out_ms);
}

/* Local times are in zone (a meter's, for its history). */
static int parse_time_in(const char *s, const struct hp_tz *zone, int64_t *out_ms)
{
	if (parse_epoch(s, out_ms) == 0)
		return 0;
	return parse_iso(s, zone, out_ms);
}

int hp_api_parse_time_in(const char *s, const struct hp_tz *zone, int64_t *out_ms)
{
	return parse_time_in(s, zone, out_ms);
}

int hp_api_parse_time(const char *s, int64_t *out_ms)
{
	return parse_time_in(s, hp_tz_get("", NULL, 0), out_ms);
}

/* ---- GET /meters/{name}/history ---- */

struct history_query {
	int64_t from_ms, to_ms;
	enum hp_resolution resolution;
	unsigned limit;
};

static const char TIME_FORMATS[] = "expected epoch seconds or ISO 8601 (2024-05-01, "
				   "2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00)";

static int parse_limit(const char *s, unsigned *out)
{
	unsigned v = 0;
	int n = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		/* Any count above the maximum is refused, so stop before overflow. */
		if (++n > 6)
			return -1;
	}
	if (n == 0 || *s != '\0' || v < 1 || v > HP_HISTORY_LIMIT_MAX)
		return -1;
	*out = v;
	return 0;
}

static unsigned parse_history_query(hp_api_arg_fn arg, void *ctx, int64_t now_ms,
				    const struct hp_tz *zone, struct history_query *q, json_t **err)
{
	const char *from = arg(ctx, "from"), *to = arg(ctx, "to");
	const char *res = arg(ctx, "resolution"), *limit = arg(ctx, "limit");
	q->to_ms = now_ms;
	if (to != NULL && parse_time_in(to, zone, &q->to_ms) != 0) {
		*err = hp_api_param_error("to", TIME_FORMATS);
		return 400;
	}
	/* The day before `to`, but not before 1970: the store refuses a range from
	 * before (a client's error, not the store's). */
	q->from_ms = q->to_ms > HP_HISTORY_DEFAULT_MS ? q->to_ms - HP_HISTORY_DEFAULT_MS : 0;
	if (from != NULL && parse_time_in(from, zone, &q->from_ms) != 0) {
		*err = hp_api_param_error("from", TIME_FORMATS);
		return 400;
	}
	if (q->from_ms >= q->to_ms) {
		*err = hp_api_param_error(to != NULL ? "to" : "from",
					  "the range is empty: from must be "
					  "before to (to defaults to now)");
		return 400;
	}
	int r = res != NULL ? hp_resolution_parse(res) : HP_RES_HOUR;
	if (r < 0) {
		*err = hp_api_param_error("resolution", "expected raw, 15m, hour, day or month");
		return 400;
	}
	q->resolution = (enum hp_resolution)r;
	q->limit = HP_HISTORY_LIMIT_MAX;
	if (limit != NULL && parse_limit(limit, &q->limit) != 0) {
		char msg[64];
		snprintf(msg, sizeof(msg), "expected a row count from 1 to %d",
			 HP_HISTORY_LIMIT_MAX);
		*err = hp_api_param_error("limit", msg);
		return 400;
	}
	return 200;
}

json_t *hp_api_store_error(const char *error, const char *detail)
{
	json_t *o = hp_api_error_body(error);
	json_object_set_new(o, "detail", json_string(detail));
	return o;
}

/* Runs the query on the shared reader, writing the answer into a text of its own.
 * A failed query closes the reader, so a database that was moved aside or replaced
 * is opened afresh next time. */
static unsigned query_history(struct hp_api *api, const char *name, const struct history_query *q,
			      json_t **out, struct hp_json_text **text)
{
	char err[ERR_MAX] = "";
	unsigned status = 200;
	*out = NULL;
	*text = hp_json_text_new();
	if (*text == NULL) {
		*out = hp_api_store_error("history query failed", "out of memory");
		return 500;
	}
	pthread_mutex_lock(&api->reader_lock);
	/* A failed reader is replaced and the query tried once more: the file may have
	 * been replaced, or the writer whose connection it borrowed closed. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (api->reader == NULL)
			api->reader = hp_store_reader_open(api->cfg->store.path, err, sizeof(err));
		if (api->reader == NULL) {
			*out = hp_api_store_error("history unavailable", err);
			status = 503;
			break;
		}
		if (hp_store_history(api->reader, name, q->from_ms, q->to_ms, q->resolution,
				     q->limit, *text, err, sizeof(err)) >= 0)
			break;
		hp_store_reader_close(api->reader);
		api->reader = NULL;
		if (attempt == 1) {
			*out = hp_api_store_error("history query failed", err);
			status = 500;
		}
	}
	pthread_mutex_unlock(&api->reader_lock);
	if (*out != NULL) {
		hp_json_text_free(*text);
		*text = NULL;
	}
	return status;
}

unsigned hp_api_history(struct hp_api *api, const char *name, hp_api_arg_fn arg, void *arg_ctx,
			int64_t now_ms, json_t **out, struct hp_json_text **text)
{
	struct hp_meter_state m;
	*text = NULL;
	if (!hp_state_meter_by_name(api->state, name, &m)) {
		*out = unknown_meter(name);
		return 404;
	}
	/* Local dates are in the meter's zone, the one its buckets follow. */
	const struct hp_meter_config *mc = hp_config_meter(api->cfg, m.name);
	const struct hp_tz *zone = hp_tz_get(mc != NULL ? mc->timezone : "", NULL, 0);
	struct history_query q;
	unsigned status = parse_history_query(
	    arg, arg_ctx, now_ms, zone != NULL ? zone : hp_tz_get("", NULL, 0), &q, out);
	if (status != 200)
		return status;
	return query_history(api, m.name, &q, out, text);
}

/* ---- GET /status ---- */

/* A mep: source's client: its diagnosis with the probable cause, and counters. */
static json_t *mep_json(const struct hp_source_mep *mep)
{
	const struct hp_mep_stats *st = &mep->stats;
	json_t *o = json_object();
	json_object_set_new(o, "diagnosis", json_string(hp_mep_diagnosis_name(mep->diagnosis)));
	json_object_set_new(o, "cause", json_string(hp_mep_diagnosis_cause(mep->diagnosis)));
	json_object_set_new(o, "requests", count(st->requests));
	json_object_set_new(o, "responses", count(st->responses));
	json_object_set_new(o, "timeouts", count(st->timeouts));
	json_object_set_new(o, "enable_toggles", count(st->enable_toggles));
	json_object_set_new(o, "auth_failures", count(st->auth_failures));
	json_object_set_new(o, "resyncs", count(st->resyncs));
	json_object_set_new(o, "alerts", count(st->alerts));
	json_object_set_new(o, "handshakes", count(st->handshakes));
	json_object_set_new(o, "port_resets", count(st->port_resets));
	json_object_set_new(o, "last_code", json_string(hp_mep_code_name(st->last_code)));
	return o;
}

static json_t *source_json(const struct hp_source_status *s, int64_t now_ms)
{
	json_t *o = json_object();
	json_object_set_new(o, "state", json_string(hp_source_state_name(s->state)));
	json_object_set_new(o, "baud", s->baud != 0 ? json_integer(s->baud) : json_null());
	json_object_set_new(o, "parity", json_string(hp_parity_name(s->parity)));
	json_object_set_new(o, "detected", json_boolean(s->detected));
	json_object_set_new(o, "bytes", count(s->bytes));
	json_object_set_new(o, "reconnects", count(s->reconnects));
	json_object_set_new(o, "last_byte_age_s",
			    s->last_byte_ms != 0 ? json_real(age_s(s->last_byte_ms, now_ms))
						 : json_null());
	json_object_set_new(o, "detail", string_or_null(s->detail));
	if (s->mep.on)
		json_object_set_new(o, "mep", mep_json(&s->mep));
	return o;
}

static json_t *errors_json(const struct hp_decoder_stats *st)
{
	json_t *o = json_object();
	for (int c = HP_ERR_CRC; c <= HP_ERR_NOISE; c++)
		json_object_set_new(o, hp_error_name((enum hp_error_code)c), count(st->errors[c]));
	return o;
}

static json_t *system_title_json(const struct hp_decoder_stats *st)
{
	if (!st->has_system_title)
		return json_null();
	char text[HP_TITLE_TEXT_MAX];
	hp_title_text(st->last_system_title, text);
	return json_string(text);
}

/* Readings outside the configured installation (plausible.h): how many, and the
 * last one's value in words. */
static json_t *implausible_json(const struct hp_meter_state *m, int64_t now_ms)
{
	json_t *o = json_object();
	json_object_set_new(o, "count", count(m->implausible));
	json_object_set_new(o, "last",
			    m->implausible > 0 ? json_string(m->implausible_why) : json_null());
	json_object_set_new(o, "age_s",
			    m->implausible > 0 ? json_real(age_s(m->implausible_ms, now_ms))
					       : json_null());
	return o;
}

static json_t *meter_status(const struct hp_meter_state *m, int64_t now_ms)
{
	const struct hp_decoder_stats *st = &m->stats;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "source", source_json(&m->source, now_ms));
	json_object_set_new(o, "frames", count(st->frames));
	json_object_set_new(o, "readings", count(st->readings));
	json_object_set_new(o, "last_reading_age_s",
			    m->has_reading ? json_real(age_s(m->reading_ms, now_ms)) : json_null());
	json_object_set_new(o, "errors", errors_json(st));
	json_object_set_new(o, "last_error", last_error_json(m, now_ms));
	json_object_set_new(o, "ring_dropped", count(m->ring_dropped));
	json_object_set_new(o, "implausible", implausible_json(m, now_ms));
	json_object_set_new(o, "garbage_bytes", count(st->garbage_bytes));
	json_object_set_new(o, "ignored_apdus", count(st->ignored_apdus));
	json_object_set_new(o, "unauthenticated", count(st->unauthenticated));
	json_object_set_new(o, "system_title", system_title_json(st));
	json_object_set_new(o, "invocation_counter",
			    st->has_system_title ? json_integer(st->last_invocation_counter)
						 : json_null());
	return o;
}

static json_t *store_status(const struct hp_store_status *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "size_bytes", json_integer(s->file_bytes));
	json_object_set_new(o, "rows", count(s->rows));
	json_object_set_new(o, "commits", count(s->commits));
	json_object_set_new(o, "failures", count(s->failures));
	json_object_set_new(o, "last_error", string_or_null(s->last_error));
	return o;
}

/* The password never appears here; the broker's address does. */
static json_t *mqtt_status(const struct hp_mqtt_status *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "state", json_string(hp_mqtt_state_name(s->state)));
	if (s->state == HP_MQTT_STATE_DISABLED)
		return o;
	json_object_set_new(o, "broker", json_string(s->broker));
	json_object_set_new(o, "tls", json_boolean(s->tls));
	json_object_set_new(o, "last_error", string_or_null(s->last_error));
	json_object_set_new(o, "published", count(s->published));
	json_object_set_new(o, "dropped", count(s->dropped));
	json_object_set_new(o, "queued", count(s->queued));
	json_object_set_new(o, "connects", count(s->connects));
	json_object_set_new(o, "last_connect",
			    s->last_connect_ms != 0 ? time_json(s->last_connect_ms) : json_null());
	return o;
}

unsigned hp_api_status(struct hp_api *api, int64_t now_ms, json_t **out)
{
	json_t *o = json_object();
	json_object_set_new(o, "version", json_string(HP_VERSION));
	json_object_set_new(o, "uptime_s",
			    json_integer((json_int_t)age_s(api->state->started_ms, now_ms)));
	json_t *meters = json_array();
	struct hp_meter_state m;
	for (unsigned i = 0; hp_state_meter(api->state, i, &m); i++)
		json_array_append_new(meters, meter_status(&m, now_ms));
	json_object_set_new(o, "meters", meters);
	struct hp_store_status st;
	hp_state_store(api->state, &st);
	json_object_set_new(o, "store", store_status(&st));
	struct hp_mqtt_status mq;
	hp_state_mqtt(api->state, &mq);
	json_object_set_new(o, "mqtt", mqtt_status(&mq));
	json_object_set_new(o, "prices", hp_api_prices_status(api->prices));
	*out = o;
	return 200;
}

/* ---- routing ---- */

enum route {
	ROUTE_NONE,
	ROUTE_METERS,
	ROUTE_NOW,
	ROUTE_HISTORY,
	ROUTE_STATUS,
	ROUTE_OPENAPI,
	ROUTE_CONFIG,
	ROUTE_ENERGY,
	ROUTE_COST,
	ROUTE_PEAKS,
	ROUTE_PRICES,
	ROUTE_HISTORY_CSV,
};

/* Splits "/a/b/c" into segments; false when there are too many or one is too long
 * (such a path matches no route). A trailing slash is allowed. */
static bool split_path(const char *path, char seg[ROUTE_SEGMENTS_MAX][SEGMENT_MAX], int *n)
{
	*n = 0;
	const char *p = path;
	while (*p == '/')
		p++;
	while (*p != '\0') {
		size_t len = strcspn(p, "/");
		if (*n == ROUTE_SEGMENTS_MAX || len >= SEGMENT_MAX)
			return false;
		memcpy(seg[*n], p, len);
		seg[(*n)++][len] = '\0';
		p += len;
		if (*p == '/')
			p++;
		if (*p == '/') /* an empty segment "//" */
			return false;
	}
	return true;
}

static enum route match_route(const char *path, char *name, size_t name_size)
{
	char seg[ROUTE_SEGMENTS_MAX][SEGMENT_MAX];
	int n;
	if (!split_path(path, seg, &n))
		return ROUTE_NONE;
	if (n == 1 && strcmp(seg[0], "meters") == 0)
		return ROUTE_METERS;
	if (n == 1 && strcmp(seg[0], "status") == 0)
		return ROUTE_STATUS;
	if (n == 1 && strcmp(seg[0], "openapi.json") == 0)
		return ROUTE_OPENAPI;
	if (n == 1 && strcmp(seg[0], "config") == 0)
		return ROUTE_CONFIG;
	if (n == 3 && strcmp(seg[0], "meters") == 0) {
		snprintf(name, name_size, "%s", seg[1]);
		if (strcmp(seg[2], "now") == 0)
			return ROUTE_NOW;
		if (strcmp(seg[2], "history") == 0)
			return ROUTE_HISTORY;
		static const struct {
			const char *segment;
			enum route route;
		} energy_routes[] = {{"energy", ROUTE_ENERGY},
				     {"cost", ROUTE_COST},
				     {"peaks", ROUTE_PEAKS},
				     {"prices", ROUTE_PRICES},
				     {"history.csv", ROUTE_HISTORY_CSV}};
		for (size_t i = 0; i < sizeof(energy_routes) / sizeof(energy_routes[0]); i++)
			if (strcmp(seg[2], energy_routes[i].segment) == 0)
				return energy_routes[i].route;
	}
	return ROUTE_NONE;
}

static unsigned openapi(json_t **out)
{
	json_error_t e;
	*out = json_loads(hp_openapi_json, 0, &e);
	if (*out != NULL)
		return 200;
	/* Only a broken build gets here; the unit test parses the document. */
	*out = hp_api_error_body("the OpenAPI description does not parse");
	return 500;
}

static json_t *no_endpoint(const char *path)
{
	json_t *o = hp_api_error_body("no such endpoint");
	json_object_set_new(o, "path", json_string(path));
	return o;
}

void hp_api_handle(struct hp_api *api, const char *method, const char *path, hp_api_arg_fn arg,
		   void *arg_ctx, int64_t now_ms, struct hp_api_reply *out)
{
	char name[SEGMENT_MAX] = "";
	enum route route = match_route(path, name, sizeof(name));
	out->allow = NULL;
	out->text = NULL;
	out->content_type = NULL;
	out->disposition[0] = '\0';
	const struct hp_api_env env = {api->cfg, api->state, api->prices, &api->reader_lock,
				       &api->reader};
	if (route != ROUTE_NONE && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		out->body = hp_api_error_body("method not allowed");
		out->allow = "GET, HEAD";
		out->status = 405;
		return;
	}
	switch (route) {
	case ROUTE_NONE:
		out->body = no_endpoint(path);
		out->status = 404;
		break;
	case ROUTE_METERS:
		out->status = hp_api_meters(api, now_ms, &out->body);
		break;
	case ROUTE_NOW:
		out->status = hp_api_now(api, name, now_ms, &out->body);
		break;
	case ROUTE_HISTORY:
		out->status =
		    hp_api_history(api, name, arg, arg_ctx, now_ms, &out->body, &out->text);
		break;
	case ROUTE_STATUS:
		out->status = hp_api_status(api, now_ms, &out->body);
		break;
	case ROUTE_OPENAPI:
		out->status = openapi(&out->body);
		break;
	case ROUTE_CONFIG:
		out->status = hp_api_config(api->cfg, &out->body);
		break;
	case ROUTE_ENERGY:
		out->status =
		    hp_api_energy(&env, name, arg, arg_ctx, now_ms, &out->body, &out->text);
		break;
	case ROUTE_COST:
		out->status = hp_api_cost(&env, name, arg, arg_ctx, now_ms, &out->body, &out->text);
		break;
	case ROUTE_PEAKS:
		out->status = hp_api_peaks(&env, name, now_ms, &out->body);
		break;
	case ROUTE_PRICES:
		out->status = hp_api_meter_prices(&env, name, arg, arg_ctx, now_ms, &out->body);
		break;
	case ROUTE_HISTORY_CSV:
		hp_api_history_csv(&env, name, arg, arg_ctx, now_ms, out);
		break;
	}
}
