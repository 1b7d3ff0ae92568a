/* Energy, cost and the running figures of one meter (accounting.h). */
#include "accounting.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUARTER_MS (15LL * 60 * 1000)
#define HOUR_MS    (60LL * 60 * 1000)
/* Quarters read at once while summing: a year is 35,136 of them. */
#define QUARTER_CHUNK 1024

static const char *const period_names[] = {
    [HP_PERIOD_15M] = "15m",     [HP_PERIOD_HOUR] = "hour", [HP_PERIOD_DAY] = "day",
    [HP_PERIOD_MONTH] = "month", [HP_PERIOD_YEAR] = "year",
};

int hp_period_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(period_names) / sizeof(period_names[0]); i++)
		if (strcmp(name, period_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *hp_period_name(enum hp_period p)
{
	return (unsigned)p < sizeof(period_names) / sizeof(period_names[0]) ? period_names[p]
									    : "unknown";
}

static int64_t seconds_of(int64_t t_ms)
{
	return t_ms >= 0 ? t_ms / 1000 : -((999 - t_ms) / 1000);
}

static int local_tm(const struct hp_tz *z, int64_t t_ms, struct tm *tm)
{
	return hp_tz_local(z, seconds_of(t_ms), tm);
}

/* Local midnight of 1 January of year + ahead. */
static int year_start(const struct hp_tz *z, int year, int ahead, int64_t *out_ms)
{
	struct tm tm = {.tm_year = year + ahead, .tm_mday = 1, .tm_isdst = -1};
	int64_t s;
	if (hp_tz_to_utc(z, &tm, &s) != 0)
		return -1;
	*out_ms = s * 1000;
	return 0;
}

int hp_period_bucket(const struct hp_tz *z, enum hp_period p, int64_t t_ms, struct hp_bucket *out)
{
	static const enum hp_resolution res[] = {[HP_PERIOD_15M] = HP_RES_15M,
						 [HP_PERIOD_HOUR] = HP_RES_HOUR,
						 [HP_PERIOD_DAY] = HP_RES_DAY,
						 [HP_PERIOD_MONTH] = HP_RES_MONTH};
	if (p != HP_PERIOD_YEAR)
		return hp_bucket_of(z, res[p], t_ms, out);
	struct tm tm;
	if (local_tm(z, t_ms, &tm) != 0 || year_start(z, tm.tm_year, 0, &out->start_ms) != 0 ||
	    year_start(z, tm.tm_year, 1, &out->end_ms) != 0)
		return -1;
	return out->start_ms <= t_ms && t_ms < out->end_ms ? 0 : -1;
}

static const struct hp_price_config *prices_of(const struct hp_acct_ctx *c)
{
	static struct hp_price_config none; /* zeroed: no currency, no prices */
	return c->prices != NULL ? c->prices : &none;
}

/* ---- stored quarters ---- */

/* Adds one stored quarter, priced, to sum. */
static void sum_quarter(const struct hp_acct_ctx *c, const struct hp_store_bucket *q,
			struct hp_acct_sum *sum)
{
	struct hp_cost_bucket cb = {.start_ms = q->start_ms,
				    .end_ms = q->end_ms,
				    .import_kwh = q->has_import ? q->import_kwh : 0,
				    .export_kwh = q->has_export ? q->export_kwh : 0,
				    .gap = q->gap,
				    .estimated = q->estimated};
	bool has_local = local_tm(c->zone, q->start_ms, &cb.local) == 0;
	struct hp_bucket_cost bc;
	hp_price_bucket_cost(prices_of(c), c->dyn, &cb, &bc);
	if (!has_local) /* no local time: no time-of-use rule can be right */
		bc.cost_known = bc.income_known = false;
	sum->quarters++;
	sum->gaps += q->gap;
	sum->estimated += q->estimated;
	if (bc.cost_known) {
		sum->priced++;
		sum->price_sum += bc.import_price;
	}
	if (q->has_import) {
		sum->with_import++;
		sum->import_kwh += q->import_kwh;
		if (bc.cost_known)
			sum->cost += bc.cost;
		else if (q->import_kwh > 0)
			sum->unpriced_import++;
	}
	if (q->has_export) {
		sum->with_export++;
		sum->export_kwh += q->export_kwh;
		if (bc.income_known)
			sum->income += bc.income;
		else if (q->export_kwh > 0)
			sum->unpriced_export++;
	}
}

typedef void (*quarter_fn)(void *ctx, const struct hp_store_bucket *q);

/* Calls fn for every stored quarter of [from, to), reading a chunk at a time. */
static int each_quarter(const struct hp_acct_ctx *c, int64_t from_ms, int64_t to_ms, quarter_fn fn,
			void *ctx, char *err, size_t err_size)
{
	if (from_ms >= to_ms)
		return 0;
	struct hp_store_bucket *q = malloc(QUARTER_CHUNK * sizeof(*q));
	if (q == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	int rc;
	int64_t cursor = from_ms;
	do {
		size_t n;
		rc = hp_store_buckets(c->rd, c->meter, HP_RES_15M, cursor, to_ms, q, QUARTER_CHUNK,
				      &n, err, err_size);
		for (size_t i = 0; rc >= 0 && i < n; i++)
			if (q[i].start_ms >= from_ms)
				fn(ctx, &q[i]);
		if (n > 0)
			cursor = q[n - 1].end_ms;
	} while (rc == 1 && cursor < to_ms);
	free(q);
	return rc < 0 ? -1 : 0;
}

struct sum_walk {
	const struct hp_acct_ctx *c;
	struct hp_acct_sum *sum;
};

static void sum_walk_quarter(void *ctx, const struct hp_store_bucket *q)
{
	struct sum_walk *w = ctx;
	sum_quarter(w->c, q, w->sum);
}

int hp_acct_sum_range(const struct hp_acct_ctx *c, int64_t from_ms, int64_t to_ms,
		      struct hp_acct_sum *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof(*out));
	struct sum_walk w = {c, out};
	return each_quarter(c, from_ms, to_ms, sum_walk_quarter, &w, err, err_size);
}

/* ---- the running quarter and hour ---- */

static struct hp_acct_figure live_period(const struct hp_live_period *p)
{
	struct hp_acct_figure f = {.known = true,
				   .import_kwh = p->use_kwh,
				   .export_kwh = p->produced_kwh,
				   .cost = p->cost,
				   .income = p->income,
				   .unpriced = p->unpriced,
				   .from_live = true};
	return f;
}

static struct hp_price_value price_at(const struct hp_acct_ctx *c, enum hp_price_dir dir,
				      int64_t t_ms)
{
	struct tm tm;
	bool local = local_tm(c->zone, t_ms, &tm) == 0;
	return hp_price_at(prices_of(c), c->dyn, dir, t_ms, local ? &tm : NULL);
}

/* The running quarter: the meter's running average when it sent one in this
 * quarter, else the power integrated since the quarter began. */
static void running_quarter(const struct hp_acct_ctx *c, struct hp_acct_running *out)
{
	const struct hp_acct_live *l = c->live;
	if (l == NULL || !l->started)
		return;
	bool live_here =
	    l->quarter.started && l->quarter.keys.hour_start_ms == out->quarter.start_ms;
	if (live_here)
		out->q = live_period(&l->quarter.hour);
	if (l->has_demand_avg && l->demand_avg_ms >= out->quarter.start_ms &&
	    l->demand_avg_ms < out->quarter.end_ms) {
		double hours = (double)(l->demand_avg_ms - out->quarter.start_ms) / (double)HOUR_MS;
		struct hp_price_value p = price_at(c, HP_PRICE_IMPORT, out->quarter.start_ms);
		out->q.known = true;
		out->q.import_kwh = fmax(0, l->demand_avg_w) / 1000 * hours;
		out->q.cost = p.known ? out->q.import_kwh * p.price : 0;
		out->q.unpriced =
		    (!p.known && out->q.import_kwh > 0) || (live_here && out->q.unpriced);
		out->q.from_live = false;
		out->q_from_meter = true;
	}
}

int hp_acct_running(const struct hp_acct_ctx *c, const struct hp_acct_sum *hour_done,
		    struct hp_acct_running *out)
{
	memset(out, 0, sizeof(*out));
	if (hp_bucket_of(c->zone, HP_RES_15M, c->now_ms, &out->quarter) != 0 ||
	    hp_bucket_of(c->zone, HP_RES_HOUR, c->now_ms, &out->hour) != 0)
		return -1;
	const struct hp_acct_live *l = c->live;
	if (l != NULL && l->started && l->has_import_w) {
		out->has_power = true;
		out->power_kw = fmax(0, l->import_w) / 1000;
	} else if (c->reading != NULL && hp_reading_has(c->reading, HP_NUM_POWER_IMPORT_W)) {
		out->has_power = true;
		out->power_kw = fmax(0, c->reading->num[HP_NUM_POWER_IMPORT_W]) / 1000;
	}
	running_quarter(c, out);
	bool live_export = l != NULL && l->started && l->has_export_w;
	out->q.has_export = out->q.known && live_export;

	/* Registers where they exist: the hour's finished quarters all have stored
	 * energy (a P1 meter's per-second registers), so only the running quarter is
	 * estimated. Otherwise (hourly registers) the integrated hour. */
	unsigned expected = (unsigned)((out->quarter.start_ms - out->hour.start_ms) / QUARTER_MS);
	if (out->q.known && hour_done != NULL && hour_done->with_import == expected) {
		out->h = out->q;
		out->h.import_kwh += hour_done->import_kwh;
		out->h.cost += hour_done->cost;
		out->h.unpriced = out->h.unpriced || hour_done->unpriced_import > 0;
		out->hour_gaps = hour_done->gaps > 0;
		out->h.has_export = out->q.has_export || hour_done->with_export > 0;
		if (hour_done->with_export == expected) {
			out->h.export_kwh += hour_done->export_kwh;
			out->h.income += hour_done->income;
			out->h.unpriced = out->h.unpriced || hour_done->unpriced_export > 0;
		}
		return 0;
	}
	if (l != NULL && l->started && l->energy.started &&
	    l->energy.keys.hour_start_ms == out->hour.start_ms) {
		out->h = live_period(&l->energy.hour);
		out->h.has_export = live_export;
	}
	return 0;
}

/* ---- energy per period ---- */

static enum hp_resolution stored_res(enum hp_period p)
{
	static const enum hp_resolution res[] = {
	    [HP_PERIOD_15M] = HP_RES_15M,    [HP_PERIOD_HOUR] = HP_RES_HOUR,
	    [HP_PERIOD_DAY] = HP_RES_DAY,    [HP_PERIOD_MONTH] = HP_RES_MONTH,
	    [HP_PERIOD_YEAR] = HP_RES_MONTH, /* years are their months summed */
	};
	return res[p];
}

/* The buckets of p to report: from the one holding from_ms while they start before
 * to_ms and now. */
static int enumerate(const struct hp_acct_ctx *c, enum hp_period p, int64_t from_ms, int64_t to_ms,
		     struct hp_acct_bucket *out, size_t cap, size_t *n, char *err, size_t err_size)
{
	struct hp_bucket b;
	*n = 0;
	if (hp_period_bucket(c->zone, p, from_ms, &b) != 0) {
		snprintf(err, err_size, "from: out of the time zone's range");
		return -1;
	}
	while (*n < cap && b.start_ms < to_ms && b.start_ms < c->now_ms) {
		struct hp_acct_bucket *o = &out[(*n)++];
		memset(o, 0, sizeof(*o));
		o->start_ms = b.start_ms;
		o->end_ms = b.end_ms;
		o->missing = true; /* until a stored row says otherwise */
		if (hp_period_bucket(c->zone, p, b.end_ms, &b) != 0)
			break;
	}
	return 0;
}

/* Weighted means of power need the sample counts of the rows merged. */
struct merge_power {
	double weighted_mean, samples;
};

static void merge_row(struct hp_acct_bucket *b, const struct hp_store_bucket *r,
		      struct merge_power *mp)
{
	b->missing = false;
	b->gap = b->gap || r->gap;
	b->estimated = b->estimated || r->estimated;
	if (r->has_import) {
		b->import_kwh += r->import_kwh;
		b->has_import = true;
	}
	if (r->has_export) {
		b->export_kwh += r->export_kwh;
		b->has_export = true;
	}
	if (r->has_power) {
		b->max_power_w =
		    b->has_power ? fmax(b->max_power_w, r->max_power_w) : r->max_power_w;
		b->has_power = true;
		double w = r->samples > 0 ? r->samples : 1;
		mp->weighted_mean += r->mean_power_w * w;
		mp->samples += w;
	}
}

/* Counts the local months of year bucket b that start before now. */
static unsigned months_due(const struct hp_acct_ctx *c, const struct hp_acct_bucket *b)
{
	unsigned due = 0;
	struct hp_bucket m = {.end_ms = b->start_ms};
	while (m.end_ms < b->end_ms && m.end_ms < c->now_ms &&
	       hp_bucket_of(c->zone, HP_RES_MONTH, m.end_ms, &m) == 0)
		due++;
	return due;
}

/* Fills the buckets from the stored rows (years from their months). */
static int fill_stored(const struct hp_acct_ctx *c, enum hp_period p, struct hp_acct_bucket *out,
		       size_t n, char *err, size_t err_size)
{
	size_t cap = p == HP_PERIOD_YEAR ? n * 12 + 1 : n + 1, rows;
	struct hp_store_bucket *r = malloc(cap * sizeof(*r));
	struct merge_power *mp = calloc(n, sizeof(*mp));
	unsigned *merged = calloc(n, sizeof(*merged));
	int rc = -1;
	if (r == NULL || mp == NULL || merged == NULL) {
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	rc = hp_store_buckets(c->rd, c->meter, stored_res(p), out[0].start_ms, out[n - 1].end_ms, r,
			      cap, &rows, err, err_size);
	if (rc < 0)
		goto out;
	for (size_t i = 0, j = 0; i < rows; i++) {
		while (j < n && out[j].end_ms <= r[i].start_ms)
			j++;
		if (j == n)
			break;
		if (r[i].start_ms < out[j].start_ms)
			continue; /* a row of another alignment (the zone changed) */
		merge_row(&out[j], &r[i], &mp[j]);
		merged[j]++;
	}
	for (size_t j = 0; j < n; j++) {
		if (mp[j].samples > 0)
			out[j].mean_power_w = mp[j].weighted_mean / mp[j].samples;
		/* A year with months the store has no row for is partly unknown. */
		if (p == HP_PERIOD_YEAR && !out[j].missing && merged[j] < months_due(c, &out[j]))
			out[j].gap = true;
	}
	rc = 0;
out:
	free(r);
	free(mp);
	free(merged);
	return rc;
}

/* Walks the quarters of the buckets into per-bucket sums; the running bucket's
 * quarters from the running hour on go to hour_done (the running hour replaces
 * them) when live figures are used. */
struct cost_walk {
	const struct hp_acct_ctx *c;
	struct hp_acct_bucket *b;
	struct hp_acct_sum *sums;
	size_t n, j;
	bool use_live;
	size_t running; /* index of the running bucket, n when none */
	int64_t hour_start_ms, quarter_start_ms;
	struct hp_acct_sum hour_done;
	struct hp_acct_sum excluded; /* the running bucket's quarters left to the live part */
};

static void cost_walk_quarter(void *ctx, const struct hp_store_bucket *q)
{
	struct cost_walk *w = ctx;
	while (w->j < w->n && w->b[w->j].end_ms <= q->start_ms)
		w->j++;
	if (w->j == w->n || q->start_ms < w->b[w->j].start_ms)
		return;
	if (q->start_ms >= w->hour_start_ms && q->start_ms < w->quarter_start_ms)
		sum_quarter(w->c, q, &w->hour_done);
	bool left_to_live = w->use_live && w->j == w->running && q->start_ms >= w->hour_start_ms;
	sum_quarter(w->c, q, left_to_live ? &w->excluded : &w->sums[w->j]);
}

static void sum_add(struct hp_acct_sum *a, const struct hp_acct_sum *b)
{
	a->quarters += b->quarters;
	a->with_import += b->with_import;
	a->with_export += b->with_export;
	a->import_kwh += b->import_kwh;
	a->export_kwh += b->export_kwh;
	a->cost += b->cost;
	a->income += b->income;
	a->unpriced_import += b->unpriced_import;
	a->unpriced_export += b->unpriced_export;
	a->priced += b->priced;
	a->price_sum += b->price_sum;
	a->gaps += b->gaps;
	a->estimated += b->estimated;
}

static void apply_sum(struct hp_acct_bucket *b, const struct hp_acct_sum *s)
{
	b->unpriced_import = s->unpriced_import;
	b->unpriced_export = s->unpriced_export;
	b->has_cost = b->has_import && s->quarters > 0 && s->unpriced_import == 0;
	b->cost = b->has_cost ? s->cost : 0;
	b->has_income = b->has_export && s->quarters > 0 && s->unpriced_export == 0;
	b->income = b->has_income ? s->income : 0;
	b->has_mean_price = s->priced > 0;
	b->mean_price = s->priced > 0 ? s->price_sum / s->priced : 0;
}

/* The running bucket: its quarters before the running hour (sum) + the running
 * hour, or for quarters the running quarter. */
static void apply_running(struct hp_acct_bucket *b, enum hp_period p, const struct hp_acct_sum *s,
			  const struct hp_acct_running *run)
{
	const struct hp_acct_figure *f = p == HP_PERIOD_15M ? &run->q : &run->h;
	b->running = true;
	if (!f->known)
		return;
	struct hp_acct_sum before = p == HP_PERIOD_15M ? (struct hp_acct_sum){0} : *s;
	b->missing = false;
	b->estimated = true; /* a running figure is an estimate until its quarter ends */
	b->gap = b->gap || before.gaps > 0 || (p != HP_PERIOD_15M && run->hour_gaps);
	b->has_import = true;
	b->import_kwh = before.import_kwh + f->import_kwh;
	b->has_export = before.with_export > 0 || f->has_export || b->has_export;
	b->export_kwh = before.export_kwh + f->export_kwh;
	b->unpriced_import = before.unpriced_import + (f->unpriced && f->import_kwh > 0);
	b->unpriced_export = before.unpriced_export + (f->unpriced && f->export_kwh > 0);
	b->has_cost = b->unpriced_import == 0;
	b->cost = before.cost + f->cost;
	b->has_income = b->has_export && b->unpriced_export == 0;
	b->income = b->has_income ? before.income + f->income : 0;
}

static bool live_usable(enum hp_period p, const struct hp_acct_running *run)
{
	return p == HP_PERIOD_15M ? run->q.known : run->h.known;
}

int hp_acct_energy(const struct hp_acct_ctx *c, enum hp_period p, int64_t from_ms, int64_t to_ms,
		   struct hp_acct_bucket *out, size_t cap, size_t *n, char *err, size_t err_size)
{
	if (enumerate(c, p, from_ms, to_ms, out, cap, n, err, err_size) != 0)
		return -1;
	if (*n == 0)
		return 0;
	if (fill_stored(c, p, out, *n, err, err_size) != 0)
		return -1;
	struct cost_walk w = {.c = c, .b = out, .n = *n, .running = *n};
	w.sums = calloc(*n, sizeof(*w.sums));
	if (w.sums == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	struct hp_acct_running run = {0};
	if (out[*n - 1].end_ms > c->now_ms) {
		w.running = *n - 1;
		if (hp_bucket_of(c->zone, HP_RES_HOUR, c->now_ms, &run.hour) == 0 &&
		    hp_bucket_of(c->zone, HP_RES_15M, c->now_ms, &run.quarter) == 0) {
			w.hour_start_ms = run.hour.start_ms;
			w.quarter_start_ms = run.quarter.start_ms;
		}
		/* Whether the live part can stand in is known before the walk only for
		 * the hourly fallback; the register path needs the walk's hour_done. */
		struct hp_acct_sum none = {0};
		hp_acct_running(c, &none, &run);
		w.use_live = live_usable(p, &run) || run.q.known;
	}
	int64_t walk_to = out[*n - 1].end_ms < c->now_ms ? out[*n - 1].end_ms : c->now_ms;
	int rc = each_quarter(c, out[0].start_ms, walk_to, cost_walk_quarter, &w, err, err_size);
	if (rc == 0) {
		for (size_t j = 0; j < *n; j++)
			apply_sum(&out[j], &w.sums[j]);
		if (w.running < *n) {
			hp_acct_running(c, &w.hour_done, &run);
			struct hp_acct_bucket *b = &out[w.running];
			if (live_usable(p, &run)) {
				apply_running(b, p, &w.sums[w.running], &run);
			} else {
				/* As stored so far, with the quarters kept for the live part. */
				sum_add(&w.sums[w.running], &w.excluded);
				apply_sum(b, &w.sums[w.running]);
				b->running = true;
			}
		}
	}
	free(w.sums);
	return rc;
}

void hp_acct_total_add(struct hp_acct_total *t, const struct hp_acct_bucket *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		t->buckets++;
		t->gaps += b[i].gap || b[i].missing;
		t->missing += b[i].missing;
		t->running += b[i].running;
		t->unpriced_import += b[i].unpriced_import;
		t->unpriced_export += b[i].unpriced_export;
		if (b[i].has_import) {
			t->with_import++;
			t->import_kwh += b[i].import_kwh;
		}
		if (b[i].has_export) {
			t->with_export++;
			t->export_kwh += b[i].export_kwh;
		}
		if (b[i].has_cost) {
			t->with_cost++;
			t->cost += b[i].cost;
		}
		if (b[i].has_income) {
			t->with_income++;
			t->income += b[i].income;
		}
	}
}

/* ---- prices ---- */

/* 15 minutes when a dynamic price of [from, to) is 15 minutes long. */
static unsigned price_step_minutes(const struct hp_price_series *dyn, int64_t from_ms,
				   int64_t to_ms)
{
	for (size_t i = 0; dyn != NULL && i < dyn->count; i++)
		if (dyn->p[i].end_ms > from_ms && dyn->p[i].start_ms < to_ms &&
		    dyn->p[i].end_ms - dyn->p[i].start_ms == QUARTER_MS)
			return 15;
	return 60;
}

int hp_acct_prices(const struct hp_acct_ctx *c, int64_t from_ms, int64_t to_ms,
		   struct hp_acct_price *out, size_t cap, size_t *n, unsigned *minutes, char *err,
		   size_t err_size)
{
	*n = 0;
	*minutes = price_step_minutes(c->dyn, from_ms, to_ms);
	enum hp_resolution res = *minutes == 15 ? HP_RES_15M : HP_RES_HOUR;
	struct hp_bucket b;
	if (hp_bucket_of(c->zone, res, from_ms, &b) != 0) {
		snprintf(err, err_size, "from: out of the time zone's range");
		return -1;
	}
	for (; b.start_ms < to_ms; b.start_ms = b.end_ms, b.end_ms += (int64_t)*minutes * 60000) {
		if (*n == cap) {
			snprintf(err, err_size, "to: more than %zu price intervals; ask for less",
				 cap);
			return -1;
		}
		struct hp_acct_price *p = &out[(*n)++];
		p->start_ms = b.start_ms;
		p->end_ms = b.end_ms;
		p->import = price_at(c, HP_PRICE_IMPORT, b.start_ms);
		p->export = price_at(c, HP_PRICE_EXPORT, b.start_ms);
	}
	return 0;
}

/* ---- the highest quarter ---- */

struct peak_walk {
	struct hp_be_peak *best;
};

static void peak_walk_quarter(void *ctx, const struct hp_store_bucket *q)
{
	struct peak_walk *w = ctx;
	/* An unknown energy is no peak candidate: counted like a gap. */
	struct hp_be_quarter bq = {.start_ms = q->start_ms,
				   .end_ms = q->end_ms,
				   .import_kwh = q->import_kwh,
				   .gap = q->gap || !q->has_import,
				   .estimated = q->estimated};
	struct hp_be_peak one;
	hp_be_month_peak(&bq, 1, &one);
	struct hp_be_peak *b = w->best;
	b->quarters_used += one.quarters_used;
	b->gap_quarters += one.gap_quarters;
	b->odd_rows += one.odd_rows;
	if (one.found &&
	    (!b->found || one.kw > b->kw || (one.kw == b->kw && one.start_ms < b->start_ms))) {
		b->found = true;
		b->kw = one.kw;
		b->start_ms = one.start_ms;
		b->estimated = one.estimated;
	}
}

int hp_acct_quarter_peak(const struct hp_acct_ctx *c, int64_t from_ms, int64_t until_ms,
			 struct hp_be_peak *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof(*out));
	struct peak_walk w = {out};
	return each_quarter(c, from_ms, until_ms, peak_walk_quarter, &w, err, err_size);
}
