/* A meter's running figures (accounting_live.h). */
#include "accounting_live.h"

#include <math.h>
#include <string.h>

#include "buckets.h"

void hp_acct_live_init(struct hp_acct_live *l)
{
	memset(l, 0, sizeof(*l));
	hp_live_energy_init(&l->energy);
	hp_live_energy_init(&l->quarter);
}

static bool power_of(const struct hp_reading *r, enum hp_num f, double *w)
{
	if (!hp_reading_has(r, f) || !isfinite(r->num[f]))
		return false;
	*w = r->num[f];
	return true;
}

/* YYYYMMDD and YYYYMM of t_ms in zone; false when out of range. */
static bool local_keys(const struct hp_tz *zone, int64_t t_ms, int *day, int *month)
{
	struct tm tm;
	int64_t s = t_ms >= 0 ? t_ms / 1000 : -((999 - t_ms) / 1000);
	if (hp_tz_local(zone, s, &tm) != 0)
		return false;
	*month = (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
	*day = *month * 100 + tm.tm_mday;
	return true;
}

void hp_acct_live_add(struct hp_acct_live *l, const struct hp_tz *zone, int64_t t_ms,
		      const struct hp_reading *r, const struct hp_price_value *imp,
		      const struct hp_price_value *exp)
{
	struct hp_bucket hour, quarter;
	int day, month;
	if (hp_bucket_of(zone, HP_RES_HOUR, t_ms, &hour) != 0 ||
	    hp_bucket_of(zone, HP_RES_15M, t_ms, &quarter) != 0 ||
	    !local_keys(zone, t_ms, &day, &month))
		return;
	struct hp_live_sample s = {
	    .t_ms = t_ms,
	    .keys = {.hour_start_ms = hour.start_ms, .day = day, .month = month},
	    .has_import_price = imp != NULL && imp->known,
	    .import_price = imp != NULL ? imp->price : 0,
	    .has_export_price = exp != NULL && exp->known,
	    .export_price = exp != NULL ? exp->price : 0,
	};
	s.has_import = power_of(r, HP_NUM_POWER_IMPORT_W, &s.import_w);
	s.has_export = power_of(r, HP_NUM_POWER_EXPORT_W, &s.export_w);
	hp_live_energy_add(&l->energy, &s);
	s.keys.hour_start_ms = quarter.start_ms;
	hp_live_energy_add(&l->quarter, &s);

	if (!l->started)
		l->first_ms = t_ms;
	l->started = true;
	l->t_ms = t_ms;
	l->hour_start_ms = hour.start_ms;
	l->quarter_start_ms = quarter.start_ms;
	if (s.has_import) {
		l->has_import_w = true;
		l->import_w = s.import_w;
	}
	if (s.has_export) {
		l->has_export_w = true;
		l->export_w = s.export_w;
	}
	/* Net power with the latest of each direction: list 1 frames carry import only. */
	if (s.has_import || s.has_export)
		hp_realtime_add(&l->realtime, t_ms,
				(l->has_import_w ? l->import_w : 0) -
				    (l->has_export_w ? l->export_w : 0));
	double avg;
	if (power_of(r, HP_NUM_DEMAND_AVG_W, &avg)) {
		l->has_demand_avg = true;
		l->demand_avg_w = avg;
		l->demand_avg_ms = t_ms;
	}
}
