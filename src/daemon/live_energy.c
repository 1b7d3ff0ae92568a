/* The AMS reader style running accounting (live_energy.h). */
#include "live_energy.h"

#include <string.h>

#define HOUR_MS (3600.0 * 1000)

void hp_live_energy_init(struct hp_live_energy *e)
{
	memset(e, 0, sizeof(*e));
}

static void clear(struct hp_live_period *p)
{
	memset(p, 0, sizeof(*p));
}

/* kWh of power_w held for the time since *last (capped), and *last moved on. */
static double energy_since(bool *has_last, int64_t *last, int64_t t_ms, double power_w)
{
	bool had = *has_last;
	int64_t dt = t_ms - *last;
	*has_last = true;
	*last = t_ms;
	if (!had || dt <= 0)
		return 0;
	if (dt > HP_LIVE_DT_MAX_MS)
		dt = HP_LIVE_DT_MAX_MS;
	double w = power_w > 0 ? power_w : 0;
	return w / 1000 * (double)dt / HOUR_MS;
}

static void book(struct hp_live_energy *e, double kwh, bool has_price, double price, bool export)
{
	struct hp_live_period *periods[] = {&e->hour, &e->day, &e->month};
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		struct hp_live_period *p = periods[i];
		if (export)
			p->produced_kwh += kwh;
		else
			p->use_kwh += kwh;
		if (has_price) {
			if (export)
				p->income += kwh * price;
			else
				p->cost += kwh * price;
		} else if (kwh > 0) {
			p->unpriced = true;
		}
	}
}

void hp_live_energy_add(struct hp_live_energy *e, const struct hp_live_sample *s)
{
	if (!e->started || s->keys.month != e->keys.month)
		clear(&e->month);
	if (!e->started || s->keys.day != e->keys.day)
		clear(&e->day);
	if (!e->started || s->keys.hour_start_ms != e->keys.hour_start_ms)
		clear(&e->hour);
	e->started = true;
	e->keys = s->keys;

	if (s->has_import) {
		double kwh =
		    energy_since(&e->has_last_import, &e->last_import_ms, s->t_ms, s->import_w);
		book(e, kwh, s->has_import_price, s->import_price, false);
	}
	if (s->has_export) {
		double kwh =
		    energy_since(&e->has_last_export, &e->last_export_ms, s->t_ms, s->export_w);
		book(e, kwh, s->has_export_price, s->export_price, true);
	}
}

static struct hp_live_period sum(const struct hp_live_period *a, const struct hp_live_period *b)
{
	struct hp_live_period r = {.use_kwh = a->use_kwh + b->use_kwh,
				   .cost = a->cost + b->cost,
				   .produced_kwh = a->produced_kwh + b->produced_kwh,
				   .income = a->income + b->income,
				   .unpriced = a->unpriced || b->unpriced};
	return r;
}

void hp_live_energy_view(const struct hp_live_energy *e,
			 const struct hp_live_period *today_finished,
			 const struct hp_live_period *month_finished, struct hp_live_view *out)
{
	out->hour = e->hour;
	out->day = today_finished != NULL ? sum(today_finished, &e->hour) : e->day;
	out->month = month_finished != NULL ? sum(month_finished, &out->day) : e->month;
}
