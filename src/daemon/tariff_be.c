/* Belgian capacity tariff (tariff_be.h). */
#include "tariff_be.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HOUR_MS           (3600LL * 1000)
#define QUARTERS_PER_HOUR 4

double hp_be_quarter_kw(double kwh)
{
	return kwh * QUARTERS_PER_HOUR;
}

void hp_be_month_peak(const struct hp_be_quarter *q, size_t n, struct hp_be_peak *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (q[i].gap) {
			out->gap_quarters++;
			continue;
		}
		if (q[i].end_ms - q[i].start_ms != HP_BE_QUARTER_MS || !isfinite(q[i].import_kwh) ||
		    q[i].import_kwh < 0) {
			out->odd_rows++;
			continue;
		}
		out->quarters_used++;
		double kw = hp_be_quarter_kw(q[i].import_kwh);
		if (!out->found || kw > out->kw ||
		    (kw == out->kw && q[i].start_ms < out->start_ms)) {
			out->found = true;
			out->kw = kw;
			out->start_ms = q[i].start_ms;
			out->estimated = q[i].estimated;
		}
	}
}

void hp_be_project(int64_t quarter_start_ms, int64_t now_ms, double kwh_so_far, double power_kw,
		   bool has_peak, double month_peak_kw, struct hp_be_projection *out)
{
	int64_t end_ms = quarter_start_ms + HP_BE_QUARTER_MS;
	if (now_ms < quarter_start_ms)
		now_ms = quarter_start_ms;
	if (now_ms > end_ms)
		now_ms = end_ms;
	out->remaining_ms = end_ms - now_ms;
	double kwh = kwh_so_far > 0 ? kwh_so_far : 0;
	double kw = power_kw > 0 ? power_kw : 0;
	out->quarter_kwh = kwh + kw * (double)out->remaining_ms / (double)HOUR_MS;
	out->quarter_kw = hp_be_quarter_kw(out->quarter_kwh);
	out->above_peak = has_peak && out->quarter_kw > month_peak_kw;
}

void hp_be_reconcile(const struct hp_be_peak *own, double meter_w, const char *meter_time,
		     struct hp_be_reconciled *out)
{
	memset(out, 0, sizeof(*out));
	if (own != NULL && own->found) {
		out->has_own = true;
		out->own_kw = own->kw;
		out->own_start_ms = own->start_ms;
		out->peak_kw = own->kw;
	}
	if (isfinite(meter_w) && meter_w >= 0) {
		out->has_meter = true;
		out->meter_kw = meter_w / 1000;
		if (meter_time != NULL)
			snprintf(out->meter_time, sizeof(out->meter_time), "%s", meter_time);
		out->from_meter = true;
		out->peak_kw = out->meter_kw;
	}
	if (out->has_own && out->has_meter)
		out->diff_kw = out->own_kw - out->meter_kw;
}

/* ---- the rolling 12-month mean ---- */

void hp_be_config_defaults(struct hp_be_config *c)
{
	memset(c, 0, sizeof(*c));
	c->floor_kw = HP_BE_FLOOR_KW;
	c->floor_mode = HP_BE_FLOOR_PER_MONTH;
}

static bool valid_month(int yyyymm)
{
	int m = yyyymm % 100;
	return yyyymm > 0 && m >= 1 && m <= 12;
}

/* yyyymm moved by delta months. */
static int month_add(int yyyymm, int delta)
{
	int index = (yyyymm / 100) * 12 + (yyyymm % 100 - 1) + delta;
	return (index / 12) * 100 + index % 12 + 1;
}

/* "YYYY-MM-DDTHH:MM:SS": YYYYMM, and whether it is the 1st at 00:00:00. */
static bool parse_stamp(const char *s, int *yyyymm, bool *month_start)
{
	int y, mo, d, h, mi, sec;
	char tail;
	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail) != 6)
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return false;
	*yyyymm = y * 100 + mo;
	*month_start = d == 1 && h == 0 && mi == 0 && sec == 0;
	return true;
}

int hp_be_meter_peak_month(const struct hp_month_peak *p)
{
	int month;
	bool start;
	if (parse_stamp(p->time, &month, &start))
		return start ? month_add(month, -1) : month;
	if (parse_stamp(p->month, &month, &start))
		return month_add(month, -1);
	return -1;
}

/* Index of month in the window starting at first, or -1. */
static int window_index(int first, int month)
{
	if (!valid_month(month))
		return -1;
	int d = (month / 100 - first / 100) * 12 + (month % 100 - first % 100);
	return d >= 0 && d < HP_BE_ROLLING_MONTHS ? d : -1;
}

int hp_be_rolling_mean(const struct hp_be_config *c, int end_month,
		       const struct hp_be_own_month *own, size_t n_own,
		       const struct hp_month_peak *history, size_t n_history,
		       double current_meter_w, struct hp_be_rolling *out)
{
	memset(out, 0, sizeof(*out));
	if (!valid_month(end_month))
		return -1;
	int first = month_add(end_month, -(HP_BE_ROLLING_MONTHS - 1));
	struct hp_be_month_value *mv = out->months;
	for (int i = 0; i < HP_BE_ROLLING_MONTHS; i++)
		mv[i].month = month_add(first, i);

	for (size_t i = 0; i < n_own; i++) {
		int k = window_index(first, own[i].month);
		if (k < 0 || !isfinite(own[i].kw) || own[i].kw < 0)
			continue;
		mv[k].own_kw = mv[k].has_own ? fmax(mv[k].own_kw, own[i].kw) : own[i].kw;
		mv[k].has_own = true;
	}
	for (size_t i = 0; i < n_history; i++) {
		int k = window_index(first, hp_be_meter_peak_month(&history[i]));
		double kw = history[i].value_w / 1000;
		if (k < 0 || !isfinite(kw) || kw < 0)
			continue;
		mv[k].meter_kw = mv[k].has_meter ? fmax(mv[k].meter_kw, kw) : kw;
		mv[k].has_meter = true;
	}
	if (isfinite(current_meter_w) && current_meter_w >= 0) {
		struct hp_be_month_value *cur = &mv[HP_BE_ROLLING_MONTHS - 1];
		double kw = current_meter_w / 1000;
		cur->meter_kw = cur->has_meter ? fmax(cur->meter_kw, kw) : kw;
		cur->has_meter = true;
	}

	double sum = 0;
	for (int i = 0; i < HP_BE_ROLLING_MONTHS; i++) {
		struct hp_be_month_value *m = &mv[i];
		if (m->has_own && m->has_meter)
			m->diff_kw = m->own_kw - m->meter_kw;
		if (m->has_meter) {
			m->source = HP_BE_SOURCE_METER;
			m->peak_kw = m->meter_kw;
		} else if (m->has_own) {
			m->source = HP_BE_SOURCE_OWN;
			m->peak_kw = m->own_kw;
		} else {
			continue;
		}
		m->counted_kw = c->floor_mode == HP_BE_FLOOR_PER_MONTH
				    ? fmax(c->floor_kw, m->peak_kw)
				    : m->peak_kw;
		sum += m->counted_kw;
		out->months_with_data++;
	}
	double mean = out->months_with_data > 0 ? sum / out->months_with_data : c->floor_kw;
	out->mean_kw = fmax(c->floor_kw, mean);
	out->cost_year = out->mean_kw * c->price_per_kw_year;
	out->cost_month = out->cost_year / HP_BE_ROLLING_MONTHS;
	return 0;
}
