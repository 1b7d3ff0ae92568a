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

/* The profile's quarter holding t_ms (times only move forward here), appended
 * when new; the oldest quarter makes room and the profile then starts later. */
static struct hp_profile_quarter *profile_quarter(struct hp_series *s, struct hp_profile *p,
						  int64_t t_ms)
{
	struct hp_profile_quarter *last = p->count > 0 ? &p->q[p->count - 1] : NULL;
	if (last != NULL && t_ms >= last->start_ms && t_ms < last->end_ms)
		return last;
	struct hp_bucket b;
	if (bucket_at(s, HP_RES_15M, t_ms, &b) != 0)
		return NULL;
	if (p->count == HP_PROFILE_MAX) {
		memmove(p->q, p->q + 1, (HP_PROFILE_MAX - 1) * sizeof(p->q[0]));
		p->count--;
		if (p->since_ms < p->q[0].start_ms)
			p->since_ms = p->q[0].start_ms;
	}
	p->q[p->count] = (struct hp_profile_quarter){b.start_ms, b.end_ms, 0};
	return &p->q[p->count++];
}

/* Adds the trapezoid between the last power sample and this one to the quarters
 * it covers; samples too far apart (or a clock going back) restart the profile's
 * coverage instead. */
static void integrate(struct hp_series *s, struct hp_profile *p, int64_t t_ms, double w)
{
	if (p->last_ms != 0 && t_ms > p->last_ms && t_ms - p->last_ms <= HP_SERIES_POWER_GAP_MS) {
		double mean_w = (p->last_w + w) / 2;
		for (int64_t a = p->last_ms; a < t_ms;) {
			struct hp_profile_quarter *q = profile_quarter(s, p, a);
			if (q == NULL)
				break;
			int64_t b = q->end_ms < t_ms ? q->end_ms : t_ms;
			q->kwh += mean_w * (double)(b - a) / 3.6e9; /* W x ms -> kWh */
			a = b;
		}
	} else if (t_ms != p->last_ms) {
		p->since_ms = t_ms;
	}
	p->last_ms = t_ms;
	p->last_w = w;
}

static void add_samples(struct hp_series *s, int64_t t_ms, const struct hp_reading *r,
			hp_bucket_sink sink, void *ctx)
{
	double w[HP_REG_COUNT];
	bool has[HP_REG_COUNT];
	for (int i = 0; i < HP_REG_COUNT; i++) {
		has[i] = value_of(r, power_field[i], &w[i]);
		if (has[i])
			integrate(s, &s->profile[i], t_ms, w[i]);
	}
	for (int res = HP_RES_15M; res <= HP_RES_MONTH; res++) {
		struct hp_bucket_add a = {.res = (enum hp_resolution)res, .samples = 1};
		if (bucket_at(s, a.res, t_ms, &a.b) != 0)
			continue;
		for (int i = 0; i < HP_REG_COUNT; i++) {
			a.has_power[i] = has[i];
			a.power_w[i] = has[i] ? w[i] : 0;
		}
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

/* A piece of a span: a local quarter clipped to [t0, t1), and its weight. */
struct piece {
	int64_t start_ms;
	double weight;
};

/* Books delta over the pieces of [t0, t1) (in time order) in proportion to their
 * weights, so that each bucket of each resolution gets the sum of its pieces; the
 * last piece takes the remainder, so the parts add up to the delta exactly. A
 * bucket is estimated when the span is longer than it. */
static void book_pieces(struct hp_series *s, int reg, int64_t t0, int64_t t1, double delta,
			const struct piece *pc, unsigned n, hp_bucket_sink sink, void *ctx)
{
	double total = 0, part[HP_PROFILE_MAX], left = delta;
	for (unsigned i = 0; i < n; i++)
		total += pc[i].weight;
	for (unsigned i = 0; i < n; i++) {
		part[i] = i + 1 == n ? left : delta * pc[i].weight / total;
		left -= part[i];
	}
	for (int res = HP_RES_15M; res <= HP_RES_MONTH; res++) {
		struct hp_bucket b = {0};
		double sum = 0;
		for (unsigned i = 0; i < n; i++) {
			if (i > 0 && pc[i].start_ms < b.end_ms) {
				sum += part[i];
				continue;
			}
			if (i > 0)
				book(sink, ctx, (enum hp_resolution)res, b, reg, sum,
				     delta != 0 && t1 - t0 > b.end_ms - b.start_ms);
			if (bucket_at(s, (enum hp_resolution)res, pc[i].start_ms, &b) != 0)
				return;
			sum = part[i];
		}
		if (n > 0)
			book(sink, ctx, (enum hp_resolution)res, b, reg, sum,
			     delta != 0 && t1 - t0 > b.end_ms - b.start_ms);
	}
}

/* Spreads delta over [t0, t1) in proportion to the time in each quarter (linear
 * interpolation between the samples around each boundary). book_delta sends no
 * span longer than HP_SERIES_GAP_MS here, so HP_PROFILE_MAX quarters hold it. */
static void book_span(struct hp_series *s, int reg, int64_t t0, int64_t t1, double delta,
		      hp_bucket_sink sink, void *ctx)
{
	struct piece pc[HP_PROFILE_MAX];
	unsigned n = 0;
	for (int64_t t = t0; t < t1 && n < HP_PROFILE_MAX;) {
		struct hp_bucket q;
		if (bucket_at(s, HP_RES_15M, t, &q) != 0)
			break;
		int64_t end = q.end_ms < t1 ? q.end_ms : t1;
		pc[n++] = (struct piece){t, (double)(end - t)};
		t = end;
	}
	book_pieces(s, reg, t0, t1, delta, pc, n, sink, ctx);
}

static int64_t overlap_ms(const struct hp_profile_quarter *q, int64_t t0, int64_t t1)
{
	int64_t a = q->start_ms > t0 ? q->start_ms : t0;
	int64_t b = q->end_ms < t1 ? q->end_ms : t1;
	return b > a ? b - a : 0;
}

/* Whether the power samples reach over all of [t0, t1) without a break. */
static bool profile_covers(const struct hp_profile *p, int64_t t0, int64_t t1)
{
	return p->count > 0 && p->q[0].start_ms <= t0 &&
	       p->since_ms <= t0 + HP_SERIES_POWER_GAP_MS &&
	       p->last_ms >= t1 - HP_SERIES_POWER_GAP_MS;
}

/* Splits delta over [t0, t1) in proportion to the power integrated in each
 * quarter (a quarter half inside the span counts with half its energy). Books
 * nothing and returns false when the power integrated to nothing. */
static bool book_profile(struct hp_series *s, int reg, int64_t t0, int64_t t1, double delta,
			 hp_bucket_sink sink, void *ctx)
{
	const struct hp_profile *p = &s->profile[reg];
	struct piece pc[HP_PROFILE_MAX];
	unsigned n = 0;
	double total = 0;
	for (unsigned i = 0; i < p->count; i++) {
		const struct hp_profile_quarter *q = &p->q[i];
		int64_t in = overlap_ms(q, t0, t1);
		if (in == 0)
			continue;
		double w = q->kwh * (double)in / (double)(q->end_ms - q->start_ms);
		pc[n++] = (struct piece){q->start_ms > t0 ? q->start_ms : t0, w};
		total += w;
	}
	if (!(total > 0))
		return false;
	book_pieces(s, reg, t0, t1, delta, pc, n, sink, ctx);
	return true;
}

/* Forgets the profile's quarters that ended by t_ms: the next span starts there. */
static void profile_drop_before(struct hp_profile *p, int64_t t_ms)
{
	unsigned n = 0;
	while (n < p->count && p->q[n].end_ms <= t_ms)
		n++;
	memmove(p->q, p->q + n, (p->count - n) * sizeof(p->q[0]));
	p->count -= n;
}

/* A register's delta over [t0, t1), by the rules in series.h. */
static void book_delta(struct hp_series *s, int reg, int64_t t0, int64_t t1, double delta,
		       hp_bucket_sink sink, void *ctx)
{
	const struct hp_profile *p = &s->profile[reg];
	/* A zero delta is exact over any span (registers never go down); a longer one
	 * than HP_SERIES_GAP_MS would need more quarters than a reading may book. */
	if (t1 - t0 <= HP_SERIES_INTERP_MS || (delta == 0 && t1 - t0 <= HP_SERIES_GAP_MS))
		book_span(s, reg, t0, t1, delta, sink, ctx);
	else if (t1 - t0 > HP_SERIES_GAP_MS || !profile_covers(p, t0, t1))
		book_gap(s, reg, t0, t1, delta, sink, ctx);
	else if (!book_profile(s, reg, t0, t1, delta, sink, ctx))
		book_span(s, reg, t0, t1, delta, sink, ctx); /* power read 0 throughout */
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
		book_delta(s, reg, g->t_ms, t, v - g->kwh, sink, ctx);
	}
	set_register(g, v, t, r);
	profile_drop_before(&s->profile[reg], t);
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
