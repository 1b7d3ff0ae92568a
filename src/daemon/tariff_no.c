/* Norwegian capacity step (tariff_no.h). */
#include "tariff_no.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HOUR_MS (3600LL * 1000)

void hp_no_config_defaults(struct hp_no_config *c)
{
	static const double bounds[] = HP_NO_DEFAULT_THRESHOLDS_KW;
	memset(c, 0, sizeof(*c));
	c->hours = HP_NO_HOURS_DEFAULT;
	c->distinct_days = true;
	c->threshold_count = HP_NO_DEFAULT_THRESHOLD_COUNT;
	for (size_t i = 0; i < HP_NO_DEFAULT_THRESHOLD_COUNT; i++)
		c->thresholds_kw[i] = bounds[i];
}

int hp_no_config_check(const struct hp_no_config *c, char *why, size_t why_size)
{
	if (c->hours < 1 || c->hours > HP_NO_HOURS_MAX) {
		snprintf(why, why_size, "hours: %u is not 1 to %d", c->hours, HP_NO_HOURS_MAX);
		return -1;
	}
	if (c->threshold_count > HP_NO_THRESHOLDS_MAX) {
		snprintf(why, why_size, "thresholds: %zu bounds, at most %d", c->threshold_count,
			 HP_NO_THRESHOLDS_MAX);
		return -1;
	}
	for (size_t i = 0; i < c->threshold_count; i++) {
		double v = c->thresholds_kw[i];
		if (!isfinite(v) || v <= 0) {
			snprintf(why, why_size, "thresholds: %g is not a positive number of kW", v);
			return -1;
		}
		if (i > 0 && v <= c->thresholds_kw[i - 1]) {
			snprintf(why, why_size, "thresholds: %g after %g is not ascending", v,
				 c->thresholds_kw[i - 1]);
			return -1;
		}
	}
	return 0;
}

struct hp_no_step hp_no_step_of(const struct hp_no_config *c, double value_kw)
{
	struct hp_no_step s = {0};
	if (!(value_kw > 0))
		value_kw = 0;
	while (s.index < c->threshold_count && value_kw > c->thresholds_kw[s.index])
		s.index++;
	s.lower_kw = s.index == 0 ? 0 : c->thresholds_kw[s.index - 1];
	s.has_upper = s.index < c->threshold_count;
	s.upper_kw = s.has_upper ? c->thresholds_kw[s.index] : 0;
	return s;
}

/* ---- the top N (of days or of hours) ---- */

/* a ranks above b: more kWh, or as much and earlier. */
static bool ranks_above(const struct hp_no_peak *a, const struct hp_no_peak *b)
{
	return a->kwh > b->kwh || (a->kwh == b->kwh && a->start_ms < b->start_ms);
}

struct top {
	unsigned n, count;
	bool distinct_days;
	struct hp_no_peak p[HP_NO_HOURS_MAX];
};

/* Keeps the top n entries with at most one per day (when distinct_days). Invariant:
 * every day not in the list has a best hour no better than the list's lowest, so
 * the list is the top n of the day maxima whatever order the hours come in. */
static void top_offer(struct top *t, const struct hp_no_peak *h)
{
	if (t->distinct_days) {
		for (unsigned i = 0; i < t->count; i++) {
			if (t->p[i].local_day == h->local_day) {
				if (ranks_above(h, &t->p[i]))
					t->p[i] = *h;
				return;
			}
		}
	}
	if (t->count < t->n) {
		t->p[t->count++] = *h;
		return;
	}
	unsigned low = 0;
	for (unsigned i = 1; i < t->count; i++)
		if (ranks_above(&t->p[low], &t->p[i]))
			low = i;
	if (ranks_above(h, &t->p[low]))
		t->p[low] = *h;
}

static void top_sort(struct top *t)
{
	for (unsigned i = 1; i < t->count; i++) {
		struct hp_no_peak x = t->p[i];
		unsigned j = i;
		for (; j > 0 && ranks_above(&x, &t->p[j - 1]); j--)
			t->p[j] = t->p[j - 1];
		t->p[j] = x;
	}
}

static bool usable(const struct hp_no_hour *h)
{
	return !h->gap && isfinite(h->import_kwh) && h->import_kwh >= 0;
}

static struct hp_no_peak peak_of(const struct hp_no_hour *h)
{
	struct hp_no_peak p = {.start_ms = h->start_ms,
			       .local_day = h->local_day,
			       .local_hour = h->local_hour,
			       .kwh = h->import_kwh,
			       .estimated = h->estimated};
	return p;
}

/* Mean of the top n of t's entries plus one more candidate value (NAN: none). */
static double mean_with(const struct top *t, double candidate)
{
	double v[HP_NO_HOURS_MAX + 1];
	unsigned k = 0;
	for (unsigned i = 0; i < t->count; i++)
		v[k++] = t->p[i].kwh;
	if (!isnan(candidate)) {
		/* t is sorted largest first: the candidate takes its place. */
		unsigned j = k++;
		for (; j > 0 && candidate > v[j - 1]; j--)
			v[j] = v[j - 1];
		v[j] = candidate;
	}
	unsigned m = k < t->n ? k : t->n;
	if (m == 0)
		return 0;
	double sum = 0;
	for (unsigned i = 0; i < m; i++)
		sum += v[i];
	return sum / m;
}

int hp_no_month_compute(const struct hp_no_config *c, const struct hp_no_hour *hours, size_t n,
			struct hp_no_month *out)
{
	memset(out, 0, sizeof(*out));
	char why[96];
	if (hp_no_config_check(c, why, sizeof(why)) != 0)
		return -1;
	struct top t = {.n = c->hours, .distinct_days = c->distinct_days};
	for (size_t i = 0; i < n; i++) {
		if (!usable(&hours[i])) {
			out->gap_hours += hours[i].gap;
			continue;
		}
		out->hours_used++;
		struct hp_no_peak p = peak_of(&hours[i]);
		top_offer(&t, &p);
	}
	top_sort(&t);
	out->peak_count = t.count;
	memcpy(out->peaks, t.p, sizeof(t.p));
	out->value_kw = mean_with(&t, NAN);
	out->complete = t.count == c->hours;
	out->step = hp_no_step_of(c, out->value_kw);
	return 0;
}

int hp_no_live_compute(const struct hp_no_config *c, const struct hp_no_hour *hours, size_t n,
		       const struct hp_no_running *run, struct hp_no_live *out)
{
	memset(out, 0, sizeof(*out));
	char why[96];
	if (hp_no_config_check(c, why, sizeof(why)) != 0)
		return -1;
	/* The others: every finished hour (without distinct days), or every other day's
	 * best hour (with); today's finished best joins the running hour instead. */
	struct top others = {.n = c->hours, .distinct_days = c->distinct_days};
	double today_kwh = 0;
	for (size_t i = 0; i < n; i++) {
		const struct hp_no_hour *h = &hours[i];
		if (!usable(h) || h->start_ms >= run->hour_start_ms)
			continue;
		if (c->distinct_days && h->local_day == run->local_day) {
			today_kwh = fmax(today_kwh, h->import_kwh);
			continue;
		}
		struct hp_no_peak p = peak_of(h);
		top_offer(&others, &p);
	}
	top_sort(&others);

	double used = run->used_kwh > 0 ? run->used_kwh : 0;
	double floor_kwh = c->distinct_days ? today_kwh : 0;
	out->value_kw = mean_with(&others, fmax(floor_kwh, used));
	out->step = hp_no_step_of(c, out->value_kw);
	out->limited = out->step.has_upper;

	out->remaining_ms = run->hour_end_ms - run->now_ms;
	if (out->remaining_ms < 0)
		out->remaining_ms = 0;
	double remaining_h = (double)out->remaining_ms / (double)HOUR_MS;

	if (out->limited) {
		/* The candidate counts once it is among the top N' = min(N, others + 1):
		 * (sum of the others' top N' - 1 + X) / N' <= upper. It is, since the
		 * current value (with the candidate at its present size) is in the step. */
		unsigned k = others.count + 1 < c->hours ? others.count + 1 : c->hours;
		double sum = 0;
		for (unsigned i = 0; i + 1 < k; i++)
			sum += others.p[i].kwh;
		out->hour_max_kwh = out->step.upper_kw * k - sum;
		out->remaining_kwh = fmax(0, out->hour_max_kwh - used);
		out->remaining_kw = remaining_h > 0 ? out->remaining_kwh / remaining_h : 0;
	}

	double power = run->power_kw > 0 ? run->power_kw : 0;
	out->projected_hour_kwh = used + power * remaining_h;
	out->projected_kw = mean_with(&others, fmax(floor_kwh, out->projected_hour_kwh));
	out->projected_step = hp_no_step_of(c, out->projected_kw);
	return 0;
}

/* ---- the AMS reader's variant ---- */

void hp_no_ams_config_defaults(struct hp_no_ams_config *c)
{
	static const unsigned thresholds[HP_NO_AMS_THRESHOLD_COUNT] = HP_NO_AMS_DEFAULT_THRESHOLDS;
	c->hours = HP_NO_HOURS_DEFAULT;
	memcpy(c->thresholds, thresholds, sizeof(thresholds));
}

void hp_no_ams_init(struct hp_no_ams *t)
{
	memset(t, 0, sizeof(*t));
}

static unsigned ams_hours(const struct hp_no_ams_config *c)
{
	if (c->hours < 1)
		return 1;
	return c->hours > HP_NO_HOURS_MAX ? HP_NO_HOURS_MAX : c->hours;
}

/* Slot i ranks above slot j: more kWh, or as much and stored first. */
static bool slot_above(const struct hp_no_ams *t, unsigned i, unsigned j)
{
	return t->slot[i].centi_kwh > t->slot[j].centi_kwh ||
	       (t->slot[i].centi_kwh == t->slot[j].centi_kwh && i < j);
}

/* Which used slots are among the top n; returns how many are. */
static unsigned ams_counted(const struct hp_no_ams *t, unsigned n, bool counted[HP_NO_AMS_SLOTS])
{
	unsigned count = 0;
	for (unsigned i = 0; i < HP_NO_AMS_SLOTS; i++) {
		counted[i] = false;
		if (t->slot[i].day == 0)
			continue;
		unsigned above = 0;
		for (unsigned j = 0; j < HP_NO_AMS_SLOTS; j++)
			above += j != i && t->slot[j].day != 0 && slot_above(t, j, i);
		if (above < n) {
			counted[i] = true;
			count++;
		}
	}
	return count;
}

static double ams_month_max(const struct hp_no_ams *t, unsigned n)
{
	bool counted[HP_NO_AMS_SLOTS];
	unsigned count = ams_counted(t, n, counted);
	if (count == 0)
		return 0;
	unsigned long sum = 0;
	for (unsigned i = 0; i < HP_NO_AMS_SLOTS; i++)
		if (counted[i])
			sum += t->slot[i].centi_kwh;
	return (double)sum / count / 100.0;
}

void hp_no_ams_offer(struct hp_no_ams *t, const struct hp_no_ams_config *c,
		     const struct hp_no_hour *h)
{
	int month = h->local_day / 100;
	if (month != t->month) {
		hp_no_ams_init(t);
		t->month = month;
	}
	if (!usable(h))
		return;
	struct hp_no_ams_slot in = {.day = h->local_day % 100,
				    .hour = h->local_hour,
				    .centi_kwh = (unsigned)lround(h->import_kwh * 100)};
	unsigned target = HP_NO_AMS_SLOTS;
	for (unsigned i = 0; i < HP_NO_AMS_SLOTS && target == HP_NO_AMS_SLOTS; i++)
		if (t->slot[i].day == in.day)
			target = t->slot[i].centi_kwh < in.centi_kwh ? i : HP_NO_AMS_SLOTS + 1;
	for (unsigned i = 0; i < HP_NO_AMS_SLOTS && target == HP_NO_AMS_SLOTS; i++)
		if (t->slot[i].day == 0)
			target = i;
	if (target == HP_NO_AMS_SLOTS) {
		unsigned low = 0;
		for (unsigned i = 1; i < HP_NO_AMS_SLOTS; i++)
			if (t->slot[i].centi_kwh < t->slot[low].centi_kwh)
				low = i;
		if (t->slot[low].centi_kwh < in.centi_kwh)
			target = low;
	}
	if (target < HP_NO_AMS_SLOTS)
		t->slot[target] = in;

	/* The month max only grows within a month, so the index only moves up. */
	double max = ams_month_max(t, ams_hours(c));
	while (t->threshold_index + 1 < HP_NO_AMS_THRESHOLD_COUNT &&
	       max > c->thresholds[t->threshold_index])
		t->threshold_index++;
}

void hp_no_ams_view(const struct hp_no_ams *t, const struct hp_no_ams_config *c,
		    struct hp_no_ams_view *out)
{
	memset(out, 0, sizeof(*out));
	bool counted[HP_NO_AMS_SLOTS];
	unsigned n = ams_hours(c);
	ams_counted(t, n, counted);
	for (unsigned i = 0; i < HP_NO_AMS_SLOTS; i++)
		if (counted[i])
			out->peaks[out->count++] = t->slot[i];
	out->month_max_kwh = ams_month_max(t, n);
	unsigned idx = t->threshold_index < HP_NO_AMS_THRESHOLD_COUNT
			   ? t->threshold_index
			   : HP_NO_AMS_THRESHOLD_COUNT - 1;
	out->threshold_kwh = c->thresholds[idx];
}
