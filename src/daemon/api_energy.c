/* Energy accounting over the REST API (api.h): /meters/{name}/energy, /cost,
 * /peaks, /prices and /history.csv. Each handler copies the meter's live state,
 * snapshots the dynamic prices, and runs accounting.h on the API's history
 * reader. Bucket lists and CSV are written as text (json_text.h): a year of
 * quarters as a jansson tree would take tens of megabytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "api.h"
#include "buckets.h"
#include "csv.h"
#include "price_book.h"
#include "store.h"
#include "tz.h"

#define ERR_MAX 256
/* Buckets per accounting call: the answers are built a chunk at a time. */
#define CHUNK 1000
/* Rows one CSV answer may hold (raw rows or buckets): the store's own bound; about
 * 11 days of raw rows at the default 10 s interval, 2.8 years of quarters. */
#define CSV_ROWS_MAX 100000
/* Price intervals one answer may hold: a week of quarters. */
#define PRICE_INTERVALS_MAX (7 * 100)
/* /history.csv without from and to: the last 24 hours, as /history. */
#define CSV_DEFAULT_MS HP_HISTORY_DEFAULT_MS

static const char TIME_FORMATS[] = "expected epoch seconds or ISO 8601 (2024-05-01, "
				   "2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00); local "
				   "times are in the meter's time zone";

/* ---- the meter and its accounting context ---- */

struct meter {
	struct hp_meter_state st; /* a copy: its reading and live figures */
	const struct hp_meter_config *mc;
	const struct hp_tz *zone;
	struct hp_price_series *dyn; /* a snapshot of the book's prices, NULL without one */
	struct hp_acct_ctx c;
};

/* 200 with m filled (meter_close after), or 404/500 with *out the error. */
static unsigned meter_open(const struct hp_api_env *env, const char *name, int64_t now_ms,
			   struct meter *m, json_t **out)
{
	memset(m, 0, sizeof(*m));
	if (!hp_state_meter_by_name(env->state, name, &m->st)) {
		json_t *o = hp_api_error_body("unknown meter");
		json_object_set_new(o, "name", json_string(name));
		*out = o;
		return 404;
	}
	m->mc = hp_config_meter(env->cfg, m->st.name);
	m->zone = hp_tz_get(m->mc != NULL ? m->mc->timezone : "", NULL, 0);
	if (m->zone == NULL)
		m->zone = hp_tz_get("", NULL, 0);
	if (env->prices != NULL) {
		m->dyn = malloc(sizeof(*m->dyn));
		if (m->dyn == NULL) {
			*out = hp_api_error_body("out of memory");
			return 500;
		}
		hp_price_book_snapshot(env->prices, m->dyn);
	}
	m->c = (struct hp_acct_ctx){
	    .meter = m->st.name,
	    .cfg = m->mc,
	    .zone = m->zone,
	    .prices = env->prices != NULL ? hp_price_book_config(env->prices) : &env->cfg->prices,
	    .dyn = m->dyn,
	    .live = &m->st.live,
	    .reading = m->st.has_reading ? &m->st.reading : NULL,
	    .now_ms = now_ms,
	};
	return 200;
}

static void meter_close(struct meter *m)
{
	free(m->dyn);
	m->dyn = NULL;
}

/* A job on the history: 0 done, -1 failed (err set; tried once more on a new
 * reader: the file may have been replaced, or the writer whose connection the
 * reader borrowed closed). A job starts its output afresh each time. */
typedef int (*reader_job)(const struct hp_acct_ctx *c, void *job, char *err, size_t err_size);

static unsigned with_reader(const struct hp_api_env *env, struct meter *m, reader_job fn, void *job,
			    json_t **out)
{
	char err[ERR_MAX] = "";
	unsigned status = 200;
	pthread_mutex_lock(env->reader_lock);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (*env->reader == NULL)
			*env->reader = hp_store_reader_open(env->cfg->store.path, err, sizeof(err));
		if (*env->reader == NULL) {
			*out = hp_api_store_error("history unavailable", err);
			status = 503;
			break;
		}
		m->c.rd = *env->reader;
		if (fn(&m->c, job, err, sizeof(err)) == 0)
			break;
		hp_store_reader_close(*env->reader);
		*env->reader = NULL;
		if (attempt == 1) {
			*out = hp_api_store_error("history query failed", err);
			status = 500;
		}
	}
	pthread_mutex_unlock(env->reader_lock);
	m->c.rd = NULL;
	return status;
}

/* ---- parameters ---- */

static unsigned parse_time_param(hp_api_arg_fn arg, void *ctx, const char *key,
				 const struct hp_tz *zone, int64_t *ms, bool *given, json_t **out)
{
	const char *v = arg(ctx, key);
	*given = v != NULL;
	if (v != NULL && hp_api_parse_time_in(v, zone, ms) != 0) {
		*out = hp_api_param_error(key, TIME_FORMATS);
		return 400;
	}
	return 200;
}

/* from and to, each defaulting to its part of [def_from, def_to). */
static unsigned parse_range(hp_api_arg_fn arg, void *ctx, const struct hp_tz *zone,
			    int64_t def_from, int64_t def_to, int64_t *from, int64_t *to,
			    bool *from_given, json_t **out)
{
	bool to_given;
	*from = def_from;
	*to = def_to;
	if (parse_time_param(arg, ctx, "from", zone, from, from_given, out) != 200 ||
	    parse_time_param(arg, ctx, "to", zone, to, &to_given, out) != 200)
		return 400;
	if (*from >= *to) {
		*out =
		    hp_api_param_error(to_given ? "to" : "from", "the range is empty: from must be "
								 "before to");
		return 400;
	}
	return 200;
}

static int parse_period(hp_api_arg_fn arg, void *ctx, enum hp_period def, bool cost_only,
			enum hp_period *p, json_t **out)
{
	const char *v = arg(ctx, "period");
	int k = v != NULL ? hp_period_parse(v) : (int)def;
	if (k < 0 || (cost_only && k < HP_PERIOD_DAY)) {
		*out = hp_api_param_error("period", cost_only
							? "expected day, month or year"
							: "expected 15m, hour, day, month or year");
		return 400;
	}
	*p = (enum hp_period)k;
	return 200;
}

/* The default range of a period: hour and 15m today, day this month, month this
 * year, year this year (from the first stored month: see energy_job). */
static void default_range(const struct hp_tz *z, enum hp_period p, int64_t now_ms, int64_t *from,
			  int64_t *to)
{
	static const enum hp_period around[] = {
	    [HP_PERIOD_15M] = HP_PERIOD_DAY,   [HP_PERIOD_HOUR] = HP_PERIOD_DAY,
	    [HP_PERIOD_DAY] = HP_PERIOD_MONTH, [HP_PERIOD_MONTH] = HP_PERIOD_YEAR,
	    [HP_PERIOD_YEAR] = HP_PERIOD_YEAR,
	};
	struct hp_bucket b;
	if (hp_period_bucket(z, around[p], now_ms, &b) != 0) {
		b.start_ms = now_ms - HP_HISTORY_DEFAULT_MS;
		b.end_ms = now_ms;
	}
	*from = b.start_ms;
	*to = b.end_ms;
}

/* Buckets of p the range reports (up to limit + 1); SIZE_MAX when from is out of
 * the zone's range. */
static size_t count_buckets(const struct hp_tz *z, enum hp_period p, int64_t from, int64_t to,
			    int64_t now_ms, size_t limit)
{
	struct hp_bucket b;
	size_t n = 0;
	if (hp_period_bucket(z, p, from, &b) != 0)
		return SIZE_MAX;
	while (n <= limit && b.start_ms < to && b.start_ms < now_ms) {
		n++;
		if (hp_period_bucket(z, p, b.end_ms, &b) != 0)
			break;
	}
	return n;
}

static unsigned check_count(const struct hp_tz *z, enum hp_period p, int64_t from, int64_t to,
			    int64_t now_ms, size_t limit, json_t **out)
{
	size_t n = count_buckets(z, p, from, to, now_ms, limit);
	if (n == SIZE_MAX) {
		*out = hp_api_param_error("from", "out of the time zone's range");
		return 400;
	}
	if (n <= limit)
		return 200;
	char msg[128];
	snprintf(msg, sizeof(msg),
		 "more than %zu %s buckets in the range; shorten it or ask for "
		 "a longer period",
		 limit, hp_period_name(p));
	*out = hp_api_param_error("from", msg);
	return 400;
}

/* ---- JSON text pieces ---- */

static void rounded(struct hp_json_text *t, bool known, double v, int decimals)
{
	double scale = pow(10, decimals), r = round(v * scale) / scale;
	if (known && isfinite(r))
		hp_json_real(t, r == 0 ? 0 : r);
	else
		hp_json_null(t);
}

static void local_time(struct hp_json_text *t, const struct hp_tz *z, int64_t ms)
{
	char text[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(z, ms, text);
	hp_json_string(t, text, strlen(text));
}

static void currency(struct hp_json_text *t, const struct hp_price_config *p)
{
	if (p->currency[0] != '\0')
		hp_json_string(t, p->currency, strlen(p->currency));
	else
		hp_json_null(t);
}

/* ---- /energy and /cost ---- */

struct energy_job {
	enum hp_period period;
	int64_t from_ms, to_ms;
	bool from_given;
	bool cost_view; /* /cost: net and unpriced counts, no power or flags of estimate */
	struct hp_json_text *text;
	struct hp_acct_bucket *buf; /* CHUNK of them */
};

static void energy_bucket(struct hp_json_text *t, const struct hp_tz *z,
			  const struct hp_acct_bucket *b, bool cost_view)
{
	hp_json_literal(t, "{\"start\":");
	local_time(t, z, b->start_ms);
	hp_json_literal(t, ",\"end\":");
	local_time(t, z, b->end_ms);
	hp_json_literal(t, ",\"start_ms\":");
	hp_json_int(t, b->start_ms);
	hp_json_literal(t, ",\"end_ms\":");
	hp_json_int(t, b->end_ms);
	hp_json_literal(t, ",\"import_kwh\":");
	rounded(t, b->has_import, b->import_kwh, HP_ACCT_KWH_DECIMALS);
	hp_json_literal(t, ",\"export_kwh\":");
	rounded(t, b->has_export, b->export_kwh, HP_ACCT_KWH_DECIMALS);
	hp_json_literal(t, ",\"cost\":");
	rounded(t, b->has_cost, b->cost, HP_ACCT_MONEY_DECIMALS);
	hp_json_literal(t, ",\"income\":");
	rounded(t, b->has_income, b->income, HP_ACCT_MONEY_DECIMALS);
	if (cost_view) {
		hp_json_literal(t, ",\"net\":");
		rounded(t, b->has_cost || b->has_income,
			(b->has_cost ? b->cost : 0) - (b->has_income ? b->income : 0),
			HP_ACCT_MONEY_DECIMALS);
		hp_json_literal(t, ",\"unpriced_import\":");
		hp_json_int(t, b->unpriced_import);
		hp_json_literal(t, ",\"unpriced_export\":");
		hp_json_int(t, b->unpriced_export);
	} else {
		hp_json_literal(t, ",\"mean_price\":");
		rounded(t, b->has_mean_price, b->mean_price, HP_ACCT_MONEY_DECIMALS);
		hp_json_literal(t, ",\"estimated\":");
		hp_json_bool(t, b->estimated);
	}
	hp_json_literal(t, ",\"gap\":");
	hp_json_bool(t, b->gap || b->missing);
	hp_json_literal(t, ",\"running\":");
	hp_json_bool(t, b->running);
	hp_json_char(t, '}');
}

static void energy_total(struct hp_json_text *t, const struct hp_acct_total *s, bool cost_view)
{
	hp_json_literal(t, "{\"import_kwh\":");
	rounded(t, s->with_import > 0, s->import_kwh, HP_ACCT_KWH_DECIMALS);
	hp_json_literal(t, ",\"export_kwh\":");
	rounded(t, s->with_export > 0, s->export_kwh, HP_ACCT_KWH_DECIMALS);
	hp_json_literal(t, ",\"cost\":");
	rounded(t, s->with_cost > 0, s->cost, HP_ACCT_MONEY_DECIMALS);
	hp_json_literal(t, ",\"income\":");
	rounded(t, s->with_income > 0, s->income, HP_ACCT_MONEY_DECIMALS);
	if (cost_view) {
		hp_json_literal(t, ",\"net\":");
		rounded(t, s->with_cost > 0 || s->with_income > 0, s->cost - s->income,
			HP_ACCT_MONEY_DECIMALS);
	}
	hp_json_literal(t, ",\"buckets\":");
	hp_json_int(t, s->buckets);
	hp_json_literal(t, ",\"gaps\":");
	hp_json_int(t, s->gaps);
	hp_json_literal(t, ",\"unpriced_import\":");
	hp_json_int(t, s->unpriced_import);
	hp_json_literal(t, ",\"unpriced_export\":");
	hp_json_int(t, s->unpriced_export);
	hp_json_char(t, '}');
}

/* year without from: from the year of the first stored month. */
static int first_year(const struct hp_acct_ctx *c, int64_t *from, char *err, size_t err_size)
{
	struct hp_store_bucket first;
	size_t n;
	if (hp_store_buckets(c->rd, c->meter, HP_RES_MONTH, 0, c->now_ms > 0 ? c->now_ms : 1,
			     &first, 1, &n, err, err_size) < 0)
		return -1;
	struct hp_bucket y;
	if (n == 1 && hp_period_bucket(c->zone, HP_PERIOD_YEAR, first.start_ms, &y) == 0 &&
	    y.start_ms < *from)
		*from = y.start_ms;
	return 0;
}

static int energy_job(const struct hp_acct_ctx *c, void *arg, char *err, size_t err_size)
{
	struct energy_job *j = arg;
	struct hp_json_text *t = j->text;
	hp_json_text_truncate(t, 0);
	int64_t from = j->from_ms;
	if (j->period == HP_PERIOD_YEAR && !j->from_given && first_year(c, &from, err, err_size))
		return -1;
	const struct hp_tz *z = c->zone;
	hp_json_literal(t, "{\"name\":");
	hp_json_string(t, c->meter, strlen(c->meter));
	hp_json_literal(t, ",\"period\":");
	hp_json_string(t, hp_period_name(j->period), strlen(hp_period_name(j->period)));
	hp_json_literal(t, ",\"from\":");
	local_time(t, z, from);
	hp_json_literal(t, ",\"to\":");
	local_time(t, z, j->to_ms);
	hp_json_literal(t, ",\"from_ms\":");
	hp_json_int(t, from);
	hp_json_literal(t, ",\"to_ms\":");
	hp_json_int(t, j->to_ms);
	hp_json_literal(t, ",\"currency\":");
	currency(t, c->prices);
	hp_json_literal(t, ",\"buckets\":[");
	struct hp_acct_total total = {0};
	size_t n, written = 0;
	do {
		if (hp_acct_energy(c, j->period, from, j->to_ms, j->buf, CHUNK, &n, err,
				   err_size) != 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (written++ > 0)
				hp_json_char(t, ',');
			energy_bucket(t, z, &j->buf[i], j->cost_view);
		}
		hp_acct_total_add(&total, j->buf, n);
		if (n > 0)
			from = j->buf[n - 1].end_ms;
	} while (n == CHUNK);
	hp_json_literal(t, "],\"total\":");
	energy_total(t, &total, j->cost_view);
	hp_json_char(t, '}');
	if (t->failed) {
		snprintf(err, err_size, "out of memory for the answer");
		return -1;
	}
	return 0;
}

static unsigned energy_or_cost(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
			       void *arg_ctx, int64_t now_ms, bool cost_view, json_t **out,
			       struct hp_json_text **text)
{
	*text = NULL;
	*out = NULL;
	struct meter *m = malloc(sizeof(*m)); /* a whole reading: not on a server thread's stack */
	if (m == NULL) {
		*out = hp_api_error_body("out of memory");
		return 500;
	}
	struct energy_job j = {.cost_view = cost_view};
	unsigned status = meter_open(env, name, now_ms, m, out);
	if (status == 200)
		status = parse_period(arg, arg_ctx, cost_view ? HP_PERIOD_DAY : HP_PERIOD_HOUR,
				      cost_view, &j.period, out);
	int64_t def_from = 0, def_to = 0;
	if (status == 200) {
		default_range(m->zone, j.period, now_ms, &def_from, &def_to);
		status = parse_range(arg, arg_ctx, m->zone, def_from, def_to, &j.from_ms, &j.to_ms,
				     &j.from_given, out);
	}
	if (status == 200 && (j.period != HP_PERIOD_YEAR || j.from_given))
		status = check_count(m->zone, j.period, j.from_ms, j.to_ms, now_ms,
				     HP_ACCT_BUCKETS_MAX, out);
	if (status == 200) {
		j.text = hp_json_text_new();
		j.buf = malloc(CHUNK * sizeof(*j.buf));
		if (j.text == NULL || j.buf == NULL) {
			*out = hp_api_error_body("out of memory");
			status = 500;
		}
	}
	if (status == 200)
		status = with_reader(env, m, energy_job, &j, out);
	free(j.buf);
	if (status == 200)
		*text = j.text;
	else
		hp_json_text_free(j.text);
	meter_close(m);
	free(m);
	return status;
}

unsigned hp_api_energy(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
		       void *arg_ctx, int64_t now_ms, json_t **out, struct hp_json_text **text)
{
	return energy_or_cost(env, name, arg, arg_ctx, now_ms, false, out, text);
}

unsigned hp_api_cost(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
		     void *arg_ctx, int64_t now_ms, json_t **out, struct hp_json_text **text)
{
	return energy_or_cost(env, name, arg, arg_ctx, now_ms, true, out, text);
}

/* ---- /peaks ---- */

static json_t *time_or_null(const struct hp_tz *z, bool known, int64_t ms)
{
	return known ? hp_acct_time_json(z, ms) : json_null();
}

static json_t *kw(double v)
{
	return hp_acct_number(v, 3);
}

static json_t *max_json(const struct hp_tz *z, const struct hp_acct_max *max, json_t *o)
{
	json_t *h = json_null();
	if (max->has_hour) {
		h = json_object();
		json_object_set_new(h, "start", hp_acct_time_json(z, max->hour_start_ms));
		json_object_set_new(h, "kwh", hp_acct_number(max->hour_kwh, HP_ACCT_KWH_DECIMALS));
		json_object_set_new(h, "estimated", json_boolean(max->hour_estimated));
	}
	json_object_set_new(o, "max_hour", h);
	json_t *q = json_null();
	if (max->quarter.found) {
		q = json_object();
		json_object_set_new(q, "start", hp_acct_time_json(z, max->quarter.start_ms));
		json_object_set_new(q, "kw", kw(max->quarter.kw));
		json_object_set_new(q, "estimated", json_boolean(max->quarter.estimated));
	}
	json_object_set_new(o, "max_quarter", q);
	return o;
}

static json_t *local_day_json(int yyyymmdd)
{
	char text[16];
	snprintf(text, sizeof(text), "%04d-%02d-%02d", yyyymmdd / 10000 % 10000,
		 yyyymmdd / 100 % 100, yyyymmdd % 100);
	return json_string(text);
}

static json_t *no_json(const struct hp_tz *z, const struct hp_acct_no *no)
{
	json_t *o = json_object();
	json_object_set_new(o, "hours", json_integer(no->cfg.hours));
	json_object_set_new(o, "distinct_days", json_boolean(no->cfg.distinct_days));
	json_object_set_new(o, "month_kw", kw(no->month.value_kw));
	json_object_set_new(o, "complete", json_boolean(no->month.complete));
	json_t *peaks = json_array();
	for (unsigned i = 0; i < no->month.peak_count; i++) {
		const struct hp_no_peak *p = &no->month.peaks[i];
		json_t *e = json_object();
		json_object_set_new(e, "start", hp_acct_time_json(z, p->start_ms));
		json_object_set_new(e, "day", local_day_json(p->local_day));
		json_object_set_new(e, "hour", json_integer(p->local_hour));
		json_object_set_new(e, "kwh", hp_acct_number(p->kwh, HP_ACCT_KWH_DECIMALS));
		json_object_set_new(e, "estimated", json_boolean(p->estimated));
		json_array_append_new(peaks, e);
	}
	json_object_set_new(o, "peaks", peaks);
	json_object_set_new(o, "step", hp_acct_step_json(&no->month.step));
	json_object_set_new(o, "hours_used", json_integer(no->month.hours_used));
	json_object_set_new(o, "gap_hours", json_integer(no->month.gap_hours));
	if (!no->has_live) {
		json_object_set_new(o, "running", json_null());
		return o;
	}
	const struct hp_no_live *l = &no->live;
	json_t *r = json_object();
	json_object_set_new(r, "hour_start", hp_acct_time_json(z, no->run.hour_start_ms));
	json_object_set_new(r, "used_kwh", hp_acct_number(no->run.used_kwh, HP_ACCT_KWH_DECIMALS));
	json_object_set_new(r, "power_kw", kw(no->run.power_kw));
	json_object_set_new(r, "month_kw", kw(l->value_kw));
	json_object_set_new(r, "step", hp_acct_step_json(&l->step));
	json_object_set_new(r, "hour_max_kwh", l->limited ? kw(l->hour_max_kwh) : json_null());
	json_object_set_new(r, "headroom_kwh", l->limited ? kw(l->remaining_kwh) : json_null());
	json_object_set_new(r, "headroom_kw", l->limited ? kw(l->remaining_kw) : json_null());
	json_object_set_new(r, "remaining_s", json_integer(l->remaining_ms / 1000));
	json_object_set_new(r, "projected_hour_kwh", kw(l->projected_hour_kwh));
	json_object_set_new(r, "projected_kw", kw(l->projected_kw));
	json_object_set_new(r, "projected_step", hp_acct_step_json(&l->projected_step));
	json_object_set_new(o, "running", r);
	return o;
}

static json_t *be_month_json(const struct hp_tz *z, const struct hp_be_reconciled *mp)
{
	json_t *o = json_object();
	bool has = mp->has_own || mp->has_meter;
	json_object_set_new(o, "kw", has ? kw(mp->peak_kw) : json_null());
	json_object_set_new(o, "from_meter", json_boolean(mp->from_meter));
	json_object_set_new(o, "own_kw", mp->has_own ? kw(mp->own_kw) : json_null());
	json_object_set_new(o, "own_time", time_or_null(z, mp->has_own, mp->own_start_ms));
	json_object_set_new(o, "meter_kw", mp->has_meter ? kw(mp->meter_kw) : json_null());
	json_object_set_new(o, "meter_time",
			    mp->meter_time[0] != '\0' ? json_string(mp->meter_time) : json_null());
	json_object_set_new(o, "diff_kw",
			    mp->has_own && mp->has_meter ? kw(mp->diff_kw) : json_null());
	/* The month peak's time: the meter's when its value counts. */
	json_object_set(o, "time", json_object_get(o, mp->from_meter ? "meter_time" : "own_time"));
	return o;
}

static json_t *month_name(int yyyymm)
{
	char text[16];
	snprintf(text, sizeof(text), "%04d-%02d", yyyymm / 100 % 10000, yyyymm % 100);
	return json_string(text);
}

static json_t *be_rolling_json(const struct hp_acct_be *be)
{
	static const char *const sources[] = {[HP_BE_SOURCE_NONE] = "none",
					      [HP_BE_SOURCE_OWN] = "own",
					      [HP_BE_SOURCE_METER] = "meter"};
	const struct hp_be_rolling *r = &be->rolling;
	json_t *o = json_object();
	json_object_set_new(o, "mean_kw", kw(r->mean_kw));
	json_object_set_new(o, "floor_kw", kw(be->cfg.floor_kw));
	json_object_set_new(
	    o, "floor_on",
	    json_string(be->cfg.floor_mode == HP_BE_FLOOR_ON_MEAN ? "mean" : "month"));
	json_object_set_new(o, "months_with_data", json_integer(r->months_with_data));
	json_t *months = json_array();
	for (int i = 0; i < HP_BE_ROLLING_MONTHS; i++) {
		const struct hp_be_month_value *v = &r->months[i];
		json_t *e = json_object();
		json_object_set_new(e, "month", month_name(v->month));
		json_object_set_new(e, "own_kw", v->has_own ? kw(v->own_kw) : json_null());
		json_object_set_new(e, "meter_kw", v->has_meter ? kw(v->meter_kw) : json_null());
		json_object_set_new(e, "diff_kw",
				    v->has_own && v->has_meter ? kw(v->diff_kw) : json_null());
		json_object_set_new(e, "source", json_string(sources[v->source]));
		json_object_set_new(e, "peak_kw",
				    v->source != HP_BE_SOURCE_NONE ? kw(v->peak_kw) : json_null());
		json_object_set_new(e, "counted_kw",
				    v->source != HP_BE_SOURCE_NONE ? kw(v->counted_kw)
								   : json_null());
		json_array_append_new(months, e);
	}
	json_object_set_new(o, "months", months);
	return o;
}

static json_t *be_json(const struct hp_tz *z, const struct hp_acct_be *be)
{
	json_t *o = json_object();
	json_object_set_new(o, "month_peak", be_month_json(z, &be->month));
	json_t *q = json_null();
	if (be->has_running) {
		q = json_object();
		json_object_set_new(q, "start", hp_acct_time_json(z, be->quarter_start_ms));
		json_object_set_new(q, "end",
				    hp_acct_time_json(z, be->quarter_start_ms + HP_BE_QUARTER_MS));
		json_object_set_new(q, "kwh",
				    hp_acct_number(be->quarter_kwh, HP_ACCT_KWH_DECIMALS));
		json_object_set_new(q, "from_meter", json_boolean(be->quarter_from_meter));
		json_object_set_new(q, "power_kw", kw(be->power_kw));
		json_object_set_new(q, "remaining_s",
				    json_integer(be->projection.remaining_ms / 1000));
		json_object_set_new(
		    q, "projected_kwh",
		    hp_acct_number(be->projection.quarter_kwh, HP_ACCT_KWH_DECIMALS));
		json_object_set_new(q, "projected_kw", kw(be->projection.quarter_kw));
		json_object_set_new(q, "warning", json_boolean(be->projection.above_peak));
	}
	json_object_set_new(o, "running_quarter", q);
	json_object_set_new(o, "rolling", be_rolling_json(be));
	json_t *fee = json_null();
	if (be->cfg.price_per_kw_year > 0) {
		fee = json_object();
		json_object_set_new(
		    fee, "per_kw_year",
		    hp_acct_number(be->cfg.price_per_kw_year, HP_ACCT_MONEY_DECIMALS));
		json_object_set_new(fee, "year", hp_acct_number(be->rolling.cost_year, 2));
		json_object_set_new(fee, "month", hp_acct_number(be->rolling.cost_month, 2));
	}
	json_object_set_new(o, "fee", fee);
	return o;
}

static json_t *peaks_json(const struct meter *m, const struct hp_acct_peaks *p)
{
	static const char *const kinds[] = {
	    [HP_CAPACITY_NONE] = "none", [HP_CAPACITY_NO] = "no", [HP_CAPACITY_BE] = "be"};
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(m->st.name));
	json_object_set_new(o, "capacity_tariff", json_string(kinds[p->kind]));
	json_t *month = json_object();
	json_object_set_new(month, "start", hp_acct_time_json(m->zone, p->month.start_ms));
	json_object_set_new(month, "end", hp_acct_time_json(m->zone, p->month.end_ms));
	json_object_set_new(o, "month", month);
	max_json(m->zone, &p->max, o);
	if (p->kind == HP_CAPACITY_NO)
		json_object_set_new(o, "no", no_json(m->zone, &p->no));
	if (p->kind == HP_CAPACITY_BE)
		json_object_set_new(o, "be", be_json(m->zone, &p->be));
	return o;
}

static int peaks_job(const struct hp_acct_ctx *c, void *arg, char *err, size_t err_size)
{
	return hp_acct_peaks(c, arg, err, err_size);
}

unsigned hp_api_peaks(const struct hp_api_env *env, const char *name, int64_t now_ms, json_t **out)
{
	*out = NULL;
	struct meter *m = malloc(sizeof(*m));
	struct hp_acct_peaks *p = malloc(sizeof(*p));
	unsigned status = 500;
	if (m == NULL || p == NULL)
		*out = hp_api_error_body("out of memory");
	else if ((status = meter_open(env, name, now_ms, m, out)) == 200 &&
		 (status = with_reader(env, m, peaks_job, p, out)) == 200)
		*out = peaks_json(m, p);
	if (m != NULL)
		meter_close(m);
	free(m);
	free(p);
	return status;
}

/* ---- /prices ---- */

static const char *source_name(const struct hp_price_value *v)
{
	switch (v->source) {
	case HP_PRICE_SOURCE_DYNAMIC:
		return "dynamic";
	case HP_PRICE_SOURCE_TOU:
		return "tou";
	case HP_PRICE_SOURCE_FIXED:
		return "fixed";
	case HP_PRICE_SOURCE_NONE:
		break;
	}
	return NULL;
}

static json_t *price_json(const struct hp_tz *z, const struct hp_acct_price *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "start", hp_acct_time_json(z, p->start_ms));
	json_object_set_new(o, "end", hp_acct_time_json(z, p->end_ms));
	json_object_set_new(o, "start_ms", json_integer(p->start_ms));
	json_object_set_new(o, "end_ms", json_integer(p->end_ms));
	json_object_set_new(o, "import",
			    p->import.known ? hp_acct_number(p->import.price, 6) : json_null());
	json_object_set_new(o, "export",
			    p->export.known ? hp_acct_number(p->export.price, 6) : json_null());
	const char *s = source_name(&p->import), *e = source_name(&p->export);
	json_object_set_new(o, "source", s != NULL ? json_string(s) : json_null());
	json_object_set_new(o, "export_source", e != NULL ? json_string(e) : json_null());
	return o;
}

unsigned hp_api_meter_prices(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
			     void *arg_ctx, int64_t now_ms, json_t **out)
{
	*out = NULL;
	struct meter *m = malloc(sizeof(*m));
	struct hp_acct_price *p = malloc(PRICE_INTERVALS_MAX * sizeof(*p));
	unsigned status = 500;
	if (m == NULL || p == NULL) {
		*out = hp_api_error_body("out of memory");
		goto done;
	}
	if ((status = meter_open(env, name, now_ms, m, out)) != 200)
		goto done;
	/* Today and tomorrow: day-ahead prices come out about noon for tomorrow. */
	struct hp_bucket today, tomorrow;
	int64_t from, to;
	bool from_given;
	if (hp_bucket_of(m->zone, HP_RES_DAY, now_ms, &today) != 0 ||
	    hp_bucket_of(m->zone, HP_RES_DAY, today.end_ms, &tomorrow) != 0) {
		today.start_ms = now_ms;
		tomorrow.end_ms = now_ms + 2 * HP_HISTORY_DEFAULT_MS;
	}
	if ((status = parse_range(arg, arg_ctx, m->zone, today.start_ms, tomorrow.end_ms, &from,
				  &to, &from_given, out)) != 200)
		goto done;
	size_t n;
	unsigned minutes;
	char err[ERR_MAX];
	if (hp_acct_prices(&m->c, from, to, p, PRICE_INTERVALS_MAX, &n, &minutes, err,
			   sizeof(err)) != 0) {
		status = 400;
		*out = hp_api_param_error(strncmp(err, "from", 4) == 0 ? "from" : "to", err);
		goto done;
	}
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(m->st.name));
	json_object_set_new(o, "from", hp_acct_time_json(m->zone, from));
	json_object_set_new(o, "to", hp_acct_time_json(m->zone, to));
	json_object_set_new(o, "currency",
			    m->c.prices->currency[0] != '\0' ? json_string(m->c.prices->currency)
							     : json_null());
	json_object_set_new(o, "interval_minutes", json_integer(minutes));
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, price_json(m->zone, &p[i]));
	json_object_set_new(o, "prices", a);
	*out = o;
done:
	if (m != NULL)
		meter_close(m);
	free(m);
	free(p);
	return status;
}

/* ---- /history.csv ---- */

struct csv_job {
	enum hp_resolution res;
	int64_t from_ms, to_ms;
	struct hp_json_text *text;
	struct hp_acct_bucket *buf;
	uint64_t columns;
	bool too_many; /* more raw rows than CSV_ROWS_MAX */
	uint64_t rows;
};

static void csv_raw_row(void *ctx, int64_t t_ms, uint64_t present, const double *num)
{
	struct csv_job *j = ctx;
	hp_csv_raw_row(j->text, j->columns, t_ms, present, num);
}

static int csv_raw(const struct hp_acct_ctx *c, struct csv_job *j, char *err, size_t err_size)
{
	if (hp_store_raw_summary(c->rd, c->meter, j->from_ms, j->to_ms, &j->columns, &j->rows, err,
				 err_size) != 0)
		return -1;
	if (j->rows > CSV_ROWS_MAX) {
		j->too_many = true;
		return 0;
	}
	hp_csv_raw_header(j->text, j->columns);
	return hp_store_raw_rows(c->rd, c->meter, j->from_ms, j->to_ms, CSV_ROWS_MAX, csv_raw_row,
				 j, err, err_size) < 0
		   ? -1
		   : 0;
}

static int csv_buckets(const struct hp_acct_ctx *c, struct csv_job *j, char *err, size_t err_size)
{
	static const enum hp_period periods[] = {[HP_RES_15M] = HP_PERIOD_15M,
						 [HP_RES_HOUR] = HP_PERIOD_HOUR,
						 [HP_RES_DAY] = HP_PERIOD_DAY,
						 [HP_RES_MONTH] = HP_PERIOD_MONTH};
	hp_csv_bucket_header(j->text);
	int64_t from = j->from_ms;
	size_t n;
	do {
		if (hp_acct_energy(c, periods[j->res], from, j->to_ms, j->buf, CHUNK, &n, err,
				   err_size) != 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			hp_csv_bucket_row(j->text, c->zone, &j->buf[i]);
		if (n > 0)
			from = j->buf[n - 1].end_ms;
	} while (n == CHUNK);
	return 0;
}

static int csv_job(const struct hp_acct_ctx *c, void *arg, char *err, size_t err_size)
{
	struct csv_job *j = arg;
	hp_json_text_truncate(j->text, 0);
	int rc =
	    j->res == HP_RES_RAW ? csv_raw(c, j, err, err_size) : csv_buckets(c, j, err, err_size);
	if (rc == 0 && j->text->failed) {
		snprintf(err, err_size, "out of memory for the answer");
		return -1;
	}
	return rc;
}

/* <meter>-<resolution>-<from>.csv, from as a local date (or date and time). */
static void csv_disposition(const struct meter *m, enum hp_resolution res, int64_t from_ms,
			    char *out, size_t size)
{
	char local[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(m->zone, from_ms, local);
	local[19] = '\0'; /* "YYYY-MM-DDTHH:MM:SS" */
	if (strcmp(local + 10, "T00:00:00") == 0)
		local[10] = '\0';
	for (char *p = local; *p != '\0'; p++)
		if (*p == ':')
			*p = '-';
	snprintf(out, size, "attachment; filename=\"%s-%s-%s.csv\"", m->st.name,
		 hp_resolution_name(res), local);
}

static unsigned csv_params(hp_api_arg_fn arg, void *arg_ctx, const struct meter *m, int64_t now_ms,
			   struct csv_job *j, json_t **out)
{
	const char *res = arg(arg_ctx, "resolution");
	int r = res != NULL ? hp_resolution_parse(res) : HP_RES_HOUR;
	if (r < 0) {
		*out = hp_api_param_error("resolution", "expected raw, 15m, hour, day or month");
		return 400;
	}
	j->res = (enum hp_resolution)r;
	bool from_given;
	/* The defaults of /history: the last 24 hours. */
	const char *to = arg(arg_ctx, "to");
	int64_t def_to = now_ms;
	if (to != NULL && hp_api_parse_time_in(to, m->zone, &def_to) != 0) {
		*out = hp_api_param_error("to", TIME_FORMATS);
		return 400;
	}
	/* Not before 1970, as /history (the store refuses a range from before). */
	int64_t def_from = def_to > CSV_DEFAULT_MS ? def_to - CSV_DEFAULT_MS : 0;
	unsigned status = parse_range(arg, arg_ctx, m->zone, def_from, def_to, &j->from_ms,
				      &j->to_ms, &from_given, out);
	if (status != 200 || j->res == HP_RES_RAW)
		return status;
	static const enum hp_period periods[] = {[HP_RES_15M] = HP_PERIOD_15M,
						 [HP_RES_HOUR] = HP_PERIOD_HOUR,
						 [HP_RES_DAY] = HP_PERIOD_DAY,
						 [HP_RES_MONTH] = HP_PERIOD_MONTH};
	return check_count(m->zone, periods[j->res], j->from_ms, j->to_ms, now_ms, CSV_ROWS_MAX,
			   out);
}

void hp_api_history_csv(const struct hp_api_env *env, const char *name, hp_api_arg_fn arg,
			void *arg_ctx, int64_t now_ms, struct hp_api_reply *reply)
{
	reply->body = NULL;
	reply->text = NULL;
	struct meter *m = malloc(sizeof(*m));
	struct csv_job j = {0};
	unsigned status = 500;
	if (m == NULL) {
		reply->body = hp_api_error_body("out of memory");
		reply->status = status;
		return;
	}
	if ((status = meter_open(env, name, now_ms, m, &reply->body)) == 200 &&
	    (status = csv_params(arg, arg_ctx, m, now_ms, &j, &reply->body)) == 200) {
		j.text = hp_json_text_new();
		j.buf = j.res != HP_RES_RAW ? malloc(CHUNK * sizeof(*j.buf)) : NULL;
		if (j.text == NULL || (j.res != HP_RES_RAW && j.buf == NULL)) {
			reply->body = hp_api_error_body("out of memory");
			status = 500;
		} else {
			status = with_reader(env, m, csv_job, &j, &reply->body);
		}
	}
	if (status == 200 && j.too_many) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "%llu raw rows in the range, at most %d per CSV; shorten it or ask for "
			 "a coarser resolution",
			 (unsigned long long)j.rows, CSV_ROWS_MAX);
		reply->body = hp_api_param_error("from", msg);
		status = 400;
	}
	if (status == 200) {
		reply->text = j.text;
		reply->content_type = HP_CSV_TYPE;
		csv_disposition(m, j.res, j.from_ms, reply->disposition,
				sizeof(reply->disposition));
	} else {
		hp_json_text_free(j.text);
	}
	free(j.buf);
	meter_close(m);
	free(m);
	reply->status = status;
}
