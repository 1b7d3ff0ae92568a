/* The capacity tariff of the running month (accounting.h): the Norwegian step from
 * the month's hours, the Belgian quarter peak with the meter's own figures and the
 * rolling 12 months, and the month's highest hour and quarter for everyone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"

static int64_t seconds_of(int64_t t_ms)
{
	return t_ms >= 0 ? t_ms / 1000 : -((999 - t_ms) / 1000);
}

/* YYYYMMDD and the hour of t_ms in zone. */
static bool local_day_hour(const struct hp_tz *zone, int64_t t_ms, int *day, int *hour)
{
	struct tm tm;
	if (hp_tz_local(zone, seconds_of(t_ms), &tm) != 0)
		return false;
	*day = ((tm.tm_year + 1900) * 100 + tm.tm_mon + 1) * 100 + tm.tm_mday;
	*hour = tm.tm_hour;
	return true;
}

int hp_acct_month_hours(const struct hp_acct_ctx *c, const struct hp_bucket *month,
			int64_t until_ms, struct hp_no_hour *out, size_t cap, size_t *n, char *err,
			size_t err_size)
{
	*n = 0;
	int64_t to = until_ms < month->end_ms ? until_ms : month->end_ms;
	if (to <= month->start_ms)
		return 0;
	struct hp_store_bucket *rows = malloc(cap * sizeof(*rows));
	if (rows == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	size_t count;
	int rc = hp_store_buckets(c->rd, c->meter, HP_RES_HOUR, month->start_ms, to, rows, cap,
				  &count, err, err_size);
	for (size_t i = 0; rc >= 0 && i < count; i++) {
		const struct hp_store_bucket *r = &rows[i];
		struct hp_no_hour *h = &out[*n];
		if (r->start_ms < month->start_ms || r->start_ms >= to ||
		    !local_day_hour(c->zone, r->start_ms, &h->local_day, &h->local_hour))
			continue;
		h->start_ms = r->start_ms;
		h->end_ms = r->end_ms;
		h->import_kwh = r->has_import ? r->import_kwh : 0;
		h->gap = r->gap || !r->has_import; /* an hour of unknown energy counts as none */
		h->estimated = r->estimated;
		(*n)++;
	}
	free(rows);
	return rc < 0 ? -1 : 0;
}

void hp_acct_max_hour(const struct hp_no_hour *hours, size_t n, struct hp_acct_max *out)
{
	out->has_hour = false;
	for (size_t i = 0; i < n; i++) {
		const struct hp_no_hour *h = &hours[i];
		if (h->gap || !isfinite(h->import_kwh))
			continue;
		if (!out->has_hour || h->import_kwh > out->hour_kwh) {
			out->has_hour = true;
			out->hour_start_ms = h->start_ms;
			out->hour_kwh = h->import_kwh;
			out->hour_estimated = h->estimated;
		}
	}
}

void hp_acct_no_figures(const struct hp_no_config *cfg, const struct hp_no_hour *hours, size_t n,
			const struct hp_acct_running *run, const struct hp_tz *zone, int64_t now_ms,
			struct hp_acct_no *out)
{
	char why[96];
	memset(out, 0, sizeof(*out));
	out->cfg = *cfg;
	if (hp_no_config_check(&out->cfg, why, sizeof(why)) != 0)
		hp_no_config_defaults(&out->cfg); /* the configuration check refuses it first */
	hp_no_month_compute(&out->cfg, hours, n, &out->month);
	int hour;
	if (run == NULL || !run->h.known ||
	    !local_day_hour(zone, run->hour.start_ms, &out->run.local_day, &hour))
		return;
	out->run.now_ms = now_ms;
	out->run.hour_start_ms = run->hour.start_ms;
	out->run.hour_end_ms = run->hour.end_ms;
	out->run.used_kwh = run->h.import_kwh;
	out->run.power_kw = run->has_power ? run->power_kw : 0;
	out->has_live = hp_no_live_compute(&out->cfg, hours, n, &out->run, &out->live) == 0;
}

void hp_acct_be_figures(const struct hp_be_config *cfg, const struct hp_be_peak *own,
			const struct hp_reading *reading, const struct hp_acct_running *run,
			int64_t now_ms, struct hp_acct_be *out)
{
	memset(out, 0, sizeof(*out));
	out->cfg = *cfg;
	double meter_w = NAN;
	const char *meter_time = NULL;
	if (reading != NULL && hp_reading_has(reading, HP_NUM_DEMAND_MONTH_MAX_W)) {
		meter_w = reading->num[HP_NUM_DEMAND_MONTH_MAX_W];
		if (hp_reading_has_text(reading, HP_TEXT_DEMAND_MONTH_MAX_TIME))
			meter_time = reading->text[HP_TEXT_DEMAND_MONTH_MAX_TIME];
	}
	hp_be_reconcile(own, meter_w, meter_time, &out->month);
	if (run == NULL || !run->q.known)
		return;
	out->has_running = true;
	out->quarter_start_ms = run->quarter.start_ms;
	out->quarter_kwh = run->q.import_kwh;
	out->quarter_from_meter = run->q_from_meter;
	out->power_kw = run->has_power ? run->power_kw : 0;
	hp_be_project(run->quarter.start_ms, now_ms, out->quarter_kwh, out->power_kw,
		      out->month.has_own || out->month.has_meter, out->month.peak_kw,
		      &out->projection);
}

/* The local month before the one starting at start_ms. */
static int month_before(const struct hp_tz *zone, int64_t start_ms, struct hp_bucket *out)
{
	return hp_bucket_of(zone, HP_RES_MONTH, start_ms - 1, out);
}

static int yyyymm(const struct hp_tz *zone, int64_t t_ms)
{
	int day, hour;
	return local_day_hour(zone, t_ms, &day, &hour) ? day / 100 : -1;
}

/* The rolling 12 months: each month's own peak from its quarters, and the
 * meter's history and this month's 1-0:1.6.0 from the latest reading. */
static int be_rolling(const struct hp_acct_ctx *c, const struct hp_acct_peaks *p,
		      struct hp_be_rolling *out, char *err, size_t err_size)
{
	struct hp_be_own_month own[HP_BE_ROLLING_MONTHS];
	size_t n_own = 0;
	if (p->max.quarter.found)
		own[n_own++] =
		    (struct hp_be_own_month){yyyymm(c->zone, p->month.start_ms), p->max.quarter.kw};
	struct hp_bucket m = p->month;
	for (int i = 1; i < HP_BE_ROLLING_MONTHS && month_before(c->zone, m.start_ms, &m) == 0;
	     i++) {
		struct hp_be_peak peak;
		if (hp_acct_quarter_peak(c, m.start_ms, m.end_ms, &peak, err, err_size) != 0)
			return -1;
		if (peak.found)
			own[n_own++] =
			    (struct hp_be_own_month){yyyymm(c->zone, m.start_ms), peak.kw};
	}
	const struct hp_reading *r = c->reading;
	size_t n_history = r != NULL && r->peak_count > 0 ? (size_t)r->peak_count : 0;
	double current_w = r != NULL && hp_reading_has(r, HP_NUM_DEMAND_MONTH_MAX_W)
			       ? r->num[HP_NUM_DEMAND_MONTH_MAX_W]
			       : NAN;
	hp_be_rolling_mean(&p->be.cfg, yyyymm(c->zone, p->month.start_ms), own, n_own,
			   r != NULL ? r->peaks : NULL, n_history, current_w, out);
	return 0;
}

int hp_acct_peaks(const struct hp_acct_ctx *c, struct hp_acct_peaks *out, char *err,
		  size_t err_size)
{
	memset(out, 0, sizeof(*out));
	out->kind = c->cfg != NULL ? c->cfg->capacity_tariff : HP_CAPACITY_NONE;
	struct hp_acct_running run;
	struct hp_acct_sum hour_done;
	if (hp_bucket_of(c->zone, HP_RES_MONTH, c->now_ms, &out->month) != 0 ||
	    hp_bucket_of(c->zone, HP_RES_15M, c->now_ms, &run.quarter) != 0 ||
	    hp_bucket_of(c->zone, HP_RES_HOUR, c->now_ms, &run.hour) != 0) {
		snprintf(err, err_size, "now is out of the time zone's range");
		return -1;
	}
	if (hp_acct_sum_range(c, run.hour.start_ms, run.quarter.start_ms, &hour_done, err,
			      err_size) != 0 ||
	    hp_acct_running(c, &hour_done, &run) != 0)
		return -1;

	struct hp_no_hour *hours = malloc(HP_ACCT_MONTH_HOURS_MAX * sizeof(*hours));
	if (hours == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	size_t n;
	int rc = hp_acct_month_hours(c, &out->month, run.hour.start_ms, hours,
				     HP_ACCT_MONTH_HOURS_MAX, &n, err, err_size);
	if (rc == 0)
		rc = hp_acct_quarter_peak(c, out->month.start_ms, run.quarter.start_ms,
					  &out->max.quarter, err, err_size);
	if (rc == 0) {
		hp_acct_max_hour(hours, n, &out->max);
		if (out->kind == HP_CAPACITY_NO)
			hp_acct_no_figures(&c->cfg->capacity_no, hours, n, &run, c->zone, c->now_ms,
					   &out->no);
	}
	free(hours);
	if (rc != 0 || out->kind != HP_CAPACITY_BE)
		return rc;
	hp_acct_be_figures(&c->cfg->capacity_be, &out->max.quarter, c->reading, &run, c->now_ms,
			   &out->be);
	return be_rolling(c, out, &out->be.rolling, err, err_size);
}
