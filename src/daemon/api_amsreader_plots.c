/* The AMS reader's plots, tariff and prices (api_amsreader.h; amsreader-compat.md
 * "Plots and tariff" and "Prices"). The plots come from the stored buckets, which
 * come from register deltas, as the firmware's do; slots without a stored value
 * read 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_amsreader.h"
#include "buckets.h"
#include "tz.h"

#define HOUR_MS (3600LL * 1000)
#define DAY_MS  (24 * HOUR_MS)
/* /dayplot.json: one slot per UTC hour of the last 24 hours. */
#define DAY_SLOTS 24
/* /monthplot.json: one slot per local day of month over the last 31 days. */
#define MONTH_SLOTS 31
/* Buckets one plot reads: a day of hours, 31 days, and a spare for DST. */
#define PLOT_BUCKETS_MAX 40
/* /energyprice.json: hours from now. */
#define PRICE_HOURS 36
/* /realtime.json without `size`. */
#define REALTIME_SIZE_DEFAULT 60
/* Price points one /importprice.json holds: two days of quarters, each 25 h long. */
#define PRICE_POINTS_MAX (2 * 100)

struct plot_job {
	enum hp_period period;
	int64_t from_ms, to_ms;
	struct hp_acct_bucket b[PLOT_BUCKETS_MAX];
	size_t n;
};

static int plot_job(const struct hp_acct_ctx *c, void *arg, char *err, size_t err_size)
{
	struct plot_job *j = arg;
	return hp_acct_energy(c, j->period, j->from_ms, j->to_ms, j->b, PLOT_BUCKETS_MAX, &j->n,
			      err, err_size);
}

static void plot_json(struct hp_json_text *t, const double *imp, const double *exp, int first,
		      int count)
{
	hp_json_literal(t, "{\"unit\":\"kwh\"");
	for (int i = 0; i < count; i++) {
		char key[16];
		int n = snprintf(key, sizeof(key), ",\"i%02d\":", first + i);
		hp_json_append(t, key, (size_t)n);
		hp_ams_fixed(t, imp[i], 3);
		n = snprintf(key, sizeof(key), ",\"e%02d\":", first + i);
		hp_json_append(t, key, (size_t)n);
		hp_ams_fixed(t, exp[i], 3);
	}
	hp_json_char(t, '}');
}

void hp_ams_dayplot(const struct hp_api_env *env, struct hp_ams_meter *m, struct hp_json_text *t)
{
	double imp[DAY_SLOTS] = {0}, exp[DAY_SLOTS] = {0};
	struct plot_job *j = calloc(1, sizeof(*j));
	struct hp_bucket hour;
	if (j != NULL && hp_bucket_of(m->zone, HP_RES_HOUR, m->c.now_ms, &hour) == 0) {
		/* The finished hours of the last 24: the running hour's slot still holds
		 * the same hour of yesterday, as the firmware's does until the hour ends. */
		j->period = HP_PERIOD_HOUR;
		j->from_ms = hour.start_ms - DAY_MS;
		j->to_ms = hour.start_ms;
		if (hp_ams_with_reader(env, m, plot_job, j))
			for (size_t i = 0; i < j->n; i++) {
				const struct hp_acct_bucket *b = &j->b[i];
				if (b->running || b->start_ms < 0)
					continue;
				int slot = (int)(b->start_ms / HOUR_MS % DAY_SLOTS);
				imp[slot] = b->has_import ? b->import_kwh : 0;
				exp[slot] = b->has_export ? b->export_kwh : 0;
			}
	}
	free(j);
	plot_json(t, imp, exp, 0, DAY_SLOTS);
}

void hp_ams_monthplot(const struct hp_api_env *env, struct hp_ams_meter *m, struct hp_json_text *t)
{
	double imp[MONTH_SLOTS] = {0}, exp[MONTH_SLOTS] = {0};
	struct plot_job *j = calloc(1, sizeof(*j));
	struct hp_bucket today, first;
	/* 31 local days back: noon keeps a DST day's hour off the day boundary. */
	if (j != NULL && hp_bucket_of(m->zone, HP_RES_DAY, m->c.now_ms, &today) == 0 &&
	    hp_bucket_of(m->zone, HP_RES_DAY, today.start_ms - MONTH_SLOTS * DAY_MS + DAY_MS / 2,
			 &first) == 0) {
		j->period = HP_PERIOD_DAY;
		j->from_ms = first.start_ms;
		j->to_ms = today.start_ms;
		if (hp_ams_with_reader(env, m, plot_job, j))
			/* In time order: a day number that occurs twice keeps the later. */
			for (size_t i = 0; i < j->n; i++) {
				const struct hp_acct_bucket *b = &j->b[i];
				struct tm tm;
				if (b->running ||
				    hp_tz_local(m->zone, b->start_ms / 1000, &tm) != 0)
					continue;
				imp[tm.tm_mday - 1] = b->has_import ? b->import_kwh : 0;
				exp[tm.tm_mday - 1] = b->has_export ? b->export_kwh : 0;
			}
	}
	free(j);
	plot_json(t, imp, exp, 1, MONTH_SLOTS);
}

struct tariff_job {
	struct hp_no_ams_config cfg;
	struct hp_no_ams_view view;
};

static int tariff_job(const struct hp_acct_ctx *c, void *arg, char *err, size_t err_size)
{
	struct tariff_job *j = arg;
	return hp_ams_peak_table(c, &j->cfg, &j->view, err, err_size);
}

void hp_ams_tariff(const struct hp_api_env *env, struct hp_ams_meter *m, struct hp_json_text *t)
{
	struct tariff_job j;
	memset(&j, 0, sizeof(j));
	hp_ams_tariff_config(m->mc, &j.cfg);
	if (!hp_ams_with_reader(env, m, tariff_job, &j)) {
		memset(&j.view, 0, sizeof(j.view));
		j.view.threshold_kwh = j.cfg.thresholds[0];
	}
	hp_json_literal(t, "{\"t\":[");
	for (int i = 0; i < HP_NO_AMS_THRESHOLD_COUNT; i++) {
		if (i > 0)
			hp_json_char(t, ',');
		hp_json_int(t, j.cfg.thresholds[i]);
	}
	hp_json_literal(t, "],\"p\":[");
	for (unsigned i = 0; i < j.view.count; i++) {
		const struct hp_no_ams_slot *s = &j.view.peaks[i];
		if (i > 0)
			hp_json_char(t, ',');
		hp_json_literal(t, "{\"d\":");
		hp_json_int(t, s->day);
		hp_json_literal(t, ",\"h\":");
		hp_json_int(t, s->hour);
		hp_json_literal(t, ",\"v\":");
		hp_ams_fixed(t, s->centi_kwh / 100.0, 2);
		hp_json_char(t, '}');
	}
	hp_json_literal(t, "],\"c\":");
	hp_json_int(t, j.view.threshold_kwh);
	hp_json_literal(t, ",\"m\":");
	hp_ams_fixed(t, j.view.month_max_kwh, 2);
	hp_json_char(t, '}');
}

/* A count parameter: digits only, clipped to max; def when absent or not a number. */
static unsigned count_param(const char *s, unsigned def, unsigned max)
{
	if (s == NULL || *s == '\0' || strspn(s, "0123456789") != strlen(s))
		return def;
	unsigned long v = strlen(s) > 6 ? max : strtoul(s, NULL, 10);
	return v > max ? max : (unsigned)v;
}

void hp_ams_realtime(const struct hp_ams_meter *m, const char *offset, const char *size,
		     struct hp_json_text *t)
{
	unsigned o = count_param(offset, 0, HP_REALTIME_SLOTS);
	unsigned n = count_param(size, REALTIME_SIZE_DEFAULT, HP_REALTIME_SLOTS);
	if (n > HP_REALTIME_SLOTS - o) /* the ring ends an hour back */
		n = HP_REALTIME_SLOTS - o;
	hp_json_literal(t, "{\"offset\":");
	hp_json_int(t, o);
	hp_json_literal(t, ",\"size\":");
	hp_json_int(t, n);
	hp_json_literal(t, ",\"total\":");
	hp_json_int(t, HP_REALTIME_SLOTS);
	hp_json_literal(t, ",\"data\":[");
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			hp_json_char(t, ',');
		hp_ams_int(t, hp_realtime_at(&m->st.live.realtime, m->c.now_ms, o + i));
	}
	hp_json_literal(t, "]}");
}

static void currency_and_source(struct hp_json_text *t, const struct hp_ams_meter *m)
{
	const char *cur = m->c.prices->currency;
	hp_json_literal(t, "{\"currency\":");
	hp_json_string(t, cur, strlen(cur));
	/* Prices are pushed in (POST /api/v1/prices, MQTT) or configured. */
	hp_json_literal(t, ",\"source\":\"hanp1d\"");
}

/* The mean of the known prices of [from, to) sampled per quarter (an hour of
 * quarter prices shows their mean, tariffs.md section 4); unknown when none is. */
static struct hp_price_value mean_price(const struct hp_ams_meter *m, enum hp_price_dir dir,
					int64_t from, int64_t to)
{
	struct hp_price_value mean = {.known = false};
	double sum = 0;
	unsigned n = 0;
	for (int64_t q = from; q < to; q += HOUR_MS / 4) {
		struct hp_price_value v = hp_ams_price_at(m, dir, q);
		if (v.known) {
			sum += v.price;
			n++;
			mean.source = v.source;
		}
	}
	if (n > 0) {
		mean.known = true;
		mean.price = sum / n;
	}
	return mean;
}

void hp_ams_energyprice(const struct hp_ams_meter *m, struct hp_json_text *t)
{
	currency_and_source(t, m);
	struct hp_bucket hour;
	bool ok = hp_bucket_of(m->zone, HP_RES_HOUR, m->c.now_ms, &hour) == 0;
	for (int i = 0; i < PRICE_HOURS; i++) {
		char key[16];
		int n = snprintf(key, sizeof(key), ",\"%02d\":", i);
		hp_json_append(t, key, (size_t)n);
		struct hp_price_value v = {.known = false};
		if (ok)
			v = mean_price(m, HP_PRICE_IMPORT, hour.start_ms, hour.end_ms);
		if (v.known)
			hp_ams_fixed(t, v.price, 4);
		else
			hp_json_null(t);
		ok = ok && hp_bucket_of(m->zone, HP_RES_HOUR, hour.end_ms, &hour) == 0;
	}
	hp_json_char(t, '}');
}

/* The dynamic prices' resolution over [from, to): 15 when a point there is a
 * quarter long, else 60. */
static unsigned resolution_minutes(const struct hp_price_series *dyn, int64_t from, int64_t to)
{
	for (size_t i = 0; dyn != NULL && i < dyn->count; i++)
		if (dyn->p[i].end_ms > from && dyn->p[i].start_ms < to &&
		    dyn->p[i].end_ms - dyn->p[i].start_ms == HOUR_MS / 4)
			return 15;
	return 60;
}

void hp_ams_prices(const struct hp_ams_meter *m, enum hp_price_dir dir, struct hp_json_text *t)
{
	struct hp_bucket today, tomorrow;
	if (hp_bucket_of(m->zone, HP_RES_DAY, m->c.now_ms, &today) != 0 ||
	    hp_bucket_of(m->zone, HP_RES_DAY, today.end_ms, &tomorrow) != 0) {
		today.start_ms = m->c.now_ms - m->c.now_ms % HOUR_MS;
		today.end_ms = tomorrow.end_ms = today.start_ms + HOUR_MS;
	}
	/* From today 00:00 to the end of today, or of the dynamic prices when they
	 * reach into tomorrow (day-ahead prices come out about noon). */
	int64_t end = today.end_ms;
	if (m->dyn != NULL && m->dyn->count > 0) {
		int64_t last = m->dyn->p[m->dyn->count - 1].end_ms;
		end = last > end ? (last < tomorrow.end_ms ? last : tomorrow.end_ms) : end;
	}
	unsigned minutes = resolution_minutes(m->dyn, today.start_ms, end);
	int64_t step = (int64_t)minutes * 60 * 1000;
	currency_and_source(t, m);
	hp_json_literal(t, ",\"resolution\":");
	hp_json_int(t, minutes);
	if (dir == HP_PRICE_IMPORT)
		hp_json_literal(t, ",\"direction\":\"import\"");
	else
		hp_json_literal(t, ",\"direction\":\"export\"");
	hp_json_literal(t, ",\"cursor\":");
	hp_json_int(t, m->c.now_ms >= today.start_ms ? (m->c.now_ms - today.start_ms) / step : 0);
	bool different = false;
	size_t n = 0;
	for (int64_t s = today.start_ms; s < end && n < PRICE_POINTS_MAX; s += step, n++) {
		struct hp_price_value imp = mean_price(m, HP_PRICE_IMPORT, s, s + step);
		struct hp_price_value exp = mean_price(m, HP_PRICE_EXPORT, s, s + step);
		different = different || imp.known != exp.known ||
			    (imp.known && fabs(imp.price - exp.price) >= 0.00005);
	}
	hp_json_literal(t, ",\"importExportPriceDifferent\":");
	hp_json_bool(t, different);
	hp_json_literal(t, ",\"prices\":[");
	n = 0;
	for (int64_t s = today.start_ms; s < end && n < PRICE_POINTS_MAX; s += step, n++) {
		if (n > 0)
			hp_json_char(t, ',');
		struct hp_price_value v = mean_price(m, dir, s, s + step);
		if (v.known)
			hp_ams_fixed(t, v.price, 4);
		else
			hp_json_null(t);
	}
	hp_json_literal(t, "]}");
}
