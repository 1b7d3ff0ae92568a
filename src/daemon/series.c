/* Energy accounting of one meter (the rules are in series.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "series.h"

static const enum hp_num reg_field[HP_REG_COUNT] = {
    [HP_REG_IMPORT] = HP_NUM_ENERGY_IMPORT_KWH,
    [HP_REG_EXPORT] = HP_NUM_ENERGY_EXPORT_KWH,
};

static const enum hp_num power_field[HP_REG_COUNT] = {
    [HP_REG_IMPORT] = HP_NUM_POWER_IMPORT_W,
    [HP_REG_EXPORT] = HP_NUM_POWER_EXPORT_W,
};

void hp_series_init(struct hp_series *s, const struct hp_tz *zone)
{
	memset(s, 0, sizeof(*s));
	s->zone = zone;
}

static int bucket_at(struct hp_series *s, enum hp_resolution res, int64_t t_ms,
		     struct hp_bucket *out)
{
	struct hp_bucket *c = &s->cache[res - HP_RES_15M];
	if (c->end_ms > c->start_ms && t_ms >= c->start_ms && t_ms < c->end_ms) {
		*out = *c;
		return 0;
	}
	if (hp_bucket_of(s->zone, res, t_ms, out) != 0)
		return -1;
	*c = *out;
	return 0;
}

static bool value_of(const struct hp_reading *r, enum hp_num f, double *v)
{
	if (!hp_reading_has(r, f) || !isfinite(r->num[f]))
		return false;
	*v = r->num[f];
	return true;
}

static void restart(struct hp_series *s)
{
	for (int i = 0; i < HP_REG_COUNT; i++)
		s->reg[i].valid = false;
	s->new_series++;
}

/* A new meter_id (both readings carrying one) is a meter swap. */
static void check_meter_id(struct hp_series *s, const struct hp_reading *r)
{
	if (!hp_reading_has_text(r, HP_TEXT_METER_ID))
		return;
	const char *id = r->text[HP_TEXT_METER_ID];
	if (s->meter_id[0] != '\0' && strcmp(s->meter_id, id) != 0)
		restart(s);
	snprintf(s->meter_id, sizeof(s->meter_id), "%s", id);
}

static void add_samples(struct hp_series *s, int64_t t_ms, const struct hp_reading *r,
			hp_bucket_sink sink, void *ctx)
{
	for (int res = HP_RES_15M; res <= HP_RES_MONTH; res++) {
		struct hp_bucket_add a = {.res = (enum hp_resolution)res, .samples = 1};
		if (bucket_at(s, a.res, t_ms, &a.b) != 0)
			continue;
		for (int i = 0; i < HP_REG_COUNT; i++)
			a.has_power[i] = value_of(r, power_field[i], &a.power_w[i]);
		sink(ctx, &a);
	}
}

/* The time a register sample stands for: a sparse sample shortly after a local
 * hour boundary is the register at that boundary. Only backwards, so a snapped
 * time never passes the true one and the next sample is always later. */
static int64_t snap(struct hp_series *s, const struct hp_register *g, int64_t t_ms)
{
	if (!g->valid || t_ms - g->t_ms < HP_SERIES_SPARSE_MS)
		return t_ms;
	struct hp_bucket h;
	if (bucket_at(s, HP_RES_HOUR, t_ms, &h) != 0 || t_ms - h.start_ms > HP_SERIES_SNAP_MS)
		return t_ms;
	return h.start_ms;
}

static void book(hp_bucket_sink sink, void *ctx, enum hp_resolution res, struct hp_bucket b,
		 int reg, double kwh, bool estimated)
{
	struct hp_bucket_add a = {.res = res, .b = b, .estimated = estimated};
	a.has_energy[reg] = true;
	a.kwh[reg] = kwh;
	sink(ctx, &a);
}

/* A span longer than HP_SERIES_GAP_MS: the whole delta where the span ends. */
static void book_gap(struct hp_series *s, int reg, int64_t t0, int64_t t1, double delta,
		     hp_bucket_sink sink, void *ctx)
{
	for (int res = HP_RES_15M; res <= HP_RES_MONTH; res++) {
		struct hp_bucket first, last;
		if (bucket_at(s, (enum hp_resolution)res, t0, &first) != 0 ||
		    bucket_at(s, (enum hp_resolution)res, t1 - 1, &last) != 0)
			continue;
		bool inside = first.start_ms == last.start_ms;
		struct hp_bucket_add a = {.res = (enum hp_resolution)res, .b = last};
		a.has_energy[reg] = true;
		a.kwh[reg] = delta;
		a.gap = !inside;
		sink(ctx, &a);
		if (!inside) {
			struct hp_bucket_add f = {
			    .res = (enum hp_resolution)res, .b = first, .gap = true};
			sink(ctx, &f);
		}
	}
}

/* Spreads delta over [t0, t1) in proportion to the time in each bucket; the last
 * part takes the remainder, so the parts add up to the delta exactly. */
static void book_span(struct hp_series *s, int reg, int64_t t0, int64_t t1, double delta,
		      hp_bucket_sink sink, void *ctx)
{
	double span = (double)(t1 - t0);
	for (int res = HP_RES_15M; res <= HP_RES_MONTH; res++) {
		double left = delta;
		int64_t t = t0;
		while (t < t1) {
			struct hp_bucket b;
			if (bucket_at(s, (enum hp_resolution)res, t, &b) != 0)
				break;
			int64_t end = b.end_ms < t1 ? b.end_ms : t1;
			double part = end == t1 ? left : delta * (double)(end - t) / span;
			left -= part;
			book(sink, ctx, (enum hp_resolution)res, b, reg, part,
			     t1 - t0 > b.end_ms - b.start_ms);
			t = end;
		}
	}
}

static void set_register(struct hp_register *g, double v, int64_t t_ms, const struct hp_reading *r)
{
	g->valid = true;
	g->kwh = v;
	g->t_ms = t_ms;
	snprintf(g->meter_time, sizeof(g->meter_time), "%.*s", HP_TIME_MAX - 1,
		 r->text[HP_TEXT_METER_TIME]);
}

static void book_register(struct hp_series *s, int reg, double v, int64_t t_ms,
			  const struct hp_reading *r, hp_bucket_sink sink, void *ctx)
{
	struct hp_register *g = &s->reg[reg];
	int64_t t = snap(s, g, t_ms);
	if (g->valid && t == g->t_ms && v == g->kwh)
		return; /* the same sample twice */
	if (g->valid && t < g->t_ms) {
		/* The clock went back: nothing can be booked across it. */
		s->new_series++;
	} else if (g->valid && t == g->t_ms) {
		/* Two readings stamped in the same millisecond (frames drained together
		 * after the loop stalled): the clock did not go back, and the step is
		 * booked where it happened rather than lost. */
		book_span(s, reg, t, t + 1, v - g->kwh, sink, ctx);
	} else if (g->valid) {
		if (t - g->t_ms > HP_SERIES_GAP_MS)
			book_gap(s, reg, g->t_ms, t, v - g->kwh, sink, ctx);
		else
			book_span(s, reg, g->t_ms, t, v - g->kwh, sink, ctx);
	}
	set_register(g, v, t, r);
}

/* A register is a sample unless the reading repeats the previous one's clock. */
static bool is_sample(const struct hp_series *s, int reg, const struct hp_reading *r, double *v)
{
	if (!value_of(r, reg_field[reg], v))
		return false;
	const struct hp_register *g = &s->reg[reg];
	const char *mt = r->text[HP_TEXT_METER_TIME];
	return !(g->valid && mt[0] != '\0' && strcmp(mt, g->meter_time) == 0);
}

void hp_series_add(struct hp_series *s, int64_t t_ms, const struct hp_reading *r,
		   hp_bucket_sink sink, void *ctx)
{
	check_meter_id(s, r);
	add_samples(s, t_ms, r, sink, ctx);
	double v[HP_REG_COUNT];
	bool sample[HP_REG_COUNT];
	bool backwards = false;
	for (int i = 0; i < HP_REG_COUNT; i++) {
		sample[i] = is_sample(s, i, r, &v[i]);
		if (sample[i] && s->reg[i].valid && v[i] < s->reg[i].kwh)
			backwards = true;
	}
	if (backwards)
		restart(s); /* reset, rollover or swap: nothing booked across it */
	for (int i = 0; i < HP_REG_COUNT; i++)
		if (sample[i])
			book_register(s, i, v[i], t_ms, r, sink, ctx);
}
