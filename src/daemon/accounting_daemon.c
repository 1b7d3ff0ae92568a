/* The daemon's accounting on its main thread (accounting.h): each reading is booked
 * into the meter's live figures, priced with the prices in force, and the energy
 * topic of MQTT gets the running hour, day and month and the current peak.
 *
 * The finished parts (quarters of the running hour, hours of today, days of the
 * month, the month's hours and highest quarter) come from the store through a
 * reader of its own (in the daemon it borrows the writer's connection, store_db.h
 * rule 6), read again at most once a minute and at each new hour: they change
 * only when the store writes its buckets, once a quarter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "log.h"
#include "price_book.h"

/* How often the finished figures and the dynamic prices are read again. */
#define REFRESH_MS (60LL * 1000)
/* The MQTT figures are worked out at most this often per meter; readings between
 * get the same object again (a meter pushing 5 lists a second needs no more). */
#define MQTT_EVERY_MS 1000
/* MQTT answers are rounded less finely than the API's: Wh and 0.0001 money. */
#define MQTT_KWH_DECIMALS   3
#define MQTT_MONEY_DECIMALS 4

struct acct_meter {
	const struct hp_meter_config *cfg;
	const struct hp_tz *zone;
	struct hp_acct_live live;
	/* The finished figures as last read, and for which periods. */
	bool cached; /* the last read succeeded */
	bool tried;  /* read at read_ms (a failed read is not retried at once either) */
	int64_t read_ms;
	struct hp_bucket quarter, hour, day, month;
	struct hp_acct_sum hour_done, day_done, month_done;
	struct hp_no_hour *hours; /* the month's finished hours */
	size_t hour_count;
	struct hp_be_peak quarter_peak; /* the month's highest finished quarter */
	json_t *mqtt;                   /* the last MQTT figures, and when made */
	int64_t mqtt_ms;
};

struct hp_accounting {
	const struct hp_config *cfg;
	struct hp_price_book *book;
	struct hp_price_series *dyn; /* a snapshot of the book's dynamic prices */
	int64_t dyn_ms;              /* when taken; 0 = never */
	struct hp_store_reader *rd;  /* opened on first use */
	int64_t rd_tried_ms;
	unsigned meter_count;
	struct acct_meter meters[HP_METERS_MAX];
};

struct hp_accounting *hp_accounting_new(const struct hp_config *cfg, struct hp_price_book *book)
{
	struct hp_accounting *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->cfg = cfg;
	a->book = book;
	a->meter_count = cfg->meter_count < HP_METERS_MAX ? cfg->meter_count : HP_METERS_MAX;
	if (book != NULL && (a->dyn = malloc(sizeof(*a->dyn))) == NULL) {
		free(a);
		return NULL;
	}
	if (a->dyn != NULL)
		hp_price_series_init(a->dyn);
	for (unsigned i = 0; i < a->meter_count; i++) {
		struct acct_meter *m = &a->meters[i];
		m->cfg = &cfg->meters[i];
		char err[HP_TZ_NAME_MAX + 64];
		m->zone = hp_tz_get(m->cfg->timezone, err, sizeof(err));
		if (m->zone == NULL) /* the configuration check refuses such a zone first */
			m->zone = hp_tz_get("", NULL, 0);
		hp_acct_live_init(&m->live);
		m->hours = malloc(HP_ACCT_MONTH_HOURS_MAX * sizeof(*m->hours));
		if (m->hours == NULL) {
			hp_accounting_free(a);
			return NULL;
		}
	}
	return a;
}

void hp_accounting_free(struct hp_accounting *a)
{
	if (a == NULL)
		return;
	for (unsigned i = 0; i < a->meter_count; i++) {
		free(a->meters[i].hours);
		json_decref(a->meters[i].mqtt);
	}
	hp_store_reader_close(a->rd);
	free(a->dyn);
	free(a);
}

static const struct hp_price_config *price_config(const struct hp_accounting *a)
{
	return a->book != NULL ? hp_price_book_config(a->book) : &a->cfg->prices;
}

/* The dynamic prices, copied from the book at most once a minute. */
static const struct hp_price_series *dynamic_prices(struct hp_accounting *a, int64_t now_ms)
{
	if (a->book == NULL)
		return NULL;
	if (a->dyn_ms == 0 || now_ms - a->dyn_ms >= REFRESH_MS || now_ms < a->dyn_ms) {
		hp_price_book_snapshot(a->book, a->dyn);
		a->dyn_ms = now_ms;
	}
	return a->dyn;
}

void hp_accounting_reading(struct hp_accounting *a, unsigned index, int64_t t_ms,
			   const struct hp_reading *r, struct hp_acct_live *live_out)
{
	if (a == NULL || index >= a->meter_count) {
		if (live_out != NULL)
			hp_acct_live_init(live_out);
		return;
	}
	struct acct_meter *m = &a->meters[index];
	const struct hp_price_series *dyn = dynamic_prices(a, t_ms);
	struct tm tm;
	int64_t s = t_ms >= 0 ? t_ms / 1000 : -((999 - t_ms) / 1000);
	const struct tm *local = hp_tz_local(m->zone, s, &tm) == 0 ? &tm : NULL;
	struct hp_price_value imp = hp_price_at(price_config(a), dyn, HP_PRICE_IMPORT, t_ms, local);
	struct hp_price_value exp = hp_price_at(price_config(a), dyn, HP_PRICE_EXPORT, t_ms, local);
	hp_acct_live_add(&m->live, m->zone, t_ms, r, &imp, &exp);
	if (live_out != NULL)
		*live_out = m->live;
}

/* The history reader; after a failure tried again a minute later. */
static struct hp_store_reader *reader(struct hp_accounting *a, int64_t now_ms)
{
	if (a->rd != NULL || (a->rd_tried_ms != 0 && now_ms - a->rd_tried_ms < REFRESH_MS &&
			      now_ms >= a->rd_tried_ms))
		return a->rd;
	a->rd_tried_ms = now_ms;
	char err[256];
	a->rd = hp_store_reader_open(a->cfg->store.path, err, sizeof(err));
	if (a->rd == NULL)
		hp_log(LOG_DEBUG, "accounting: no history yet: %s", err);
	return a->rd;
}

static int read_finished(struct acct_meter *m, const struct hp_acct_ctx *c, char *err,
			 size_t err_size)
{
	if (hp_acct_sum_range(c, m->hour.start_ms, m->quarter.start_ms, &m->hour_done, err,
			      err_size) != 0 ||
	    hp_acct_sum_range(c, m->day.start_ms, m->hour.start_ms, &m->day_done, err, err_size) !=
		0 ||
	    hp_acct_sum_range(c, m->month.start_ms, m->day.start_ms, &m->month_done, err,
			      err_size) != 0 ||
	    hp_acct_month_hours(c, &m->month, m->hour.start_ms, m->hours, HP_ACCT_MONTH_HOURS_MAX,
				&m->hour_count, err, err_size) != 0)
		return -1;
	return hp_acct_quarter_peak(c, m->month.start_ms, m->quarter.start_ms, &m->quarter_peak,
				    err, err_size);
}

/* Reads the finished figures again when a minute has passed since the last try or
 * the hour changed. */
static void refresh(struct hp_accounting *a, struct acct_meter *m, struct hp_acct_ctx *c)
{
	struct hp_bucket quarter, hour;
	if (hp_bucket_of(m->zone, HP_RES_15M, c->now_ms, &quarter) != 0 ||
	    hp_bucket_of(m->zone, HP_RES_HOUR, c->now_ms, &hour) != 0) {
		m->cached = false;
		return;
	}
	bool fresh = m->tried && c->now_ms - m->read_ms < REFRESH_MS && c->now_ms >= m->read_ms &&
		     hour.start_ms == m->hour.start_ms;
	if (fresh && quarter.start_ms == m->quarter.start_ms)
		return;
	m->quarter = quarter;
	if (fresh)
		return; /* a new quarter alone: its figures come with the next read */
	m->hour = hour;
	m->cached = false;
	m->tried = true;
	m->read_ms = c->now_ms;
	c->rd = reader(a, c->now_ms);
	if (c->rd == NULL || hp_bucket_of(m->zone, HP_RES_DAY, c->now_ms, &m->day) != 0 ||
	    hp_bucket_of(m->zone, HP_RES_MONTH, c->now_ms, &m->month) != 0)
		return;
	char err[256];
	if (read_finished(m, c, err, sizeof(err)) == 0) {
		m->cached = true;
		return;
	}
	hp_log(LOG_DEBUG, "accounting: meter %s: %s", m->cfg->name, err);
	/* The reader may be stale (the file replaced): a new one next time. */
	hp_store_reader_close(a->rd);
	a->rd = NULL;
}

static json_t *money(bool known, double v)
{
	return known ? hp_acct_number(v, MQTT_MONEY_DECIMALS) : json_null();
}

static json_t *period_json(const struct hp_acct_figure *f, bool has_prices)
{
	json_t *o = json_object();
	json_object_set_new(o, "import_kwh", hp_acct_number(f->import_kwh, MQTT_KWH_DECIMALS));
	json_object_set_new(o, "export_kwh", hp_acct_number(f->export_kwh, MQTT_KWH_DECIMALS));
	json_object_set_new(o, "cost", money(has_prices && !f->unpriced, f->cost));
	json_object_set_new(o, "income", money(has_prices && !f->unpriced, f->income));
	return o;
}

/* finished + running. */
static struct hp_acct_figure add_sum(const struct hp_acct_sum *s, const struct hp_acct_figure *f)
{
	struct hp_acct_figure r = *f;
	r.import_kwh += s->import_kwh;
	r.export_kwh += s->export_kwh;
	r.cost += s->cost;
	r.income += s->income;
	r.unpriced = r.unpriced || s->unpriced_import > 0 || s->unpriced_export > 0;
	return r;
}

static json_t *no_peak_json(const struct hp_acct_no *no)
{
	json_t *o = json_object();
	json_object_set_new(o, "month_kw", hp_acct_number(no->month.value_kw, 3));
	json_object_set_new(o, "step", hp_acct_step_json(&no->month.step));
	json_object_set_new(o, "complete", json_boolean(no->month.complete));
	if (!no->has_live)
		return o;
	json_object_set_new(o, "live_kw", hp_acct_number(no->live.value_kw, 3));
	json_object_set_new(o, "hour_max_kwh",
			    no->live.limited ? hp_acct_number(no->live.hour_max_kwh, 3)
					     : json_null());
	json_object_set_new(o, "headroom_kwh",
			    no->live.limited ? hp_acct_number(no->live.remaining_kwh, 3)
					     : json_null());
	json_object_set_new(o, "headroom_kw",
			    no->live.limited ? hp_acct_number(no->live.remaining_kw, 3)
					     : json_null());
	json_object_set_new(o, "projected_kw", hp_acct_number(no->live.projected_kw, 3));
	json_object_set_new(o, "projected_step", hp_acct_step_json(&no->live.projected_step));
	return o;
}

static json_t *be_peak_json(const struct hp_acct_be *be, const struct hp_tz *zone)
{
	json_t *o = json_object();
	const struct hp_be_reconciled *mp = &be->month;
	bool has = mp->has_own || mp->has_meter;
	json_object_set_new(o, "month_peak_kw", has ? hp_acct_number(mp->peak_kw, 3) : json_null());
	json_object_set_new(
	    o, "month_peak_time",
	    mp->from_meter ? (mp->meter_time[0] != '\0' ? json_string(mp->meter_time) : json_null())
	    : mp->has_own  ? hp_acct_time_json(zone, mp->own_start_ms)
			   : json_null());
	json_object_set_new(o, "from_meter", json_boolean(mp->from_meter));
	if (!be->has_running)
		return o;
	json_object_set_new(o, "quarter_kwh", hp_acct_number(be->quarter_kwh, 3));
	json_object_set_new(o, "quarter_projected_kw",
			    hp_acct_number(be->projection.quarter_kw, 3));
	json_object_set_new(o, "above_peak", json_boolean(be->projection.above_peak));
	return o;
}

static json_t *max_json(const struct acct_meter *m)
{
	struct hp_acct_max max = {.quarter = m->quarter_peak};
	hp_acct_max_hour(m->hours, m->hour_count, &max);
	json_t *o = json_object();
	json_object_set_new(o, "max_hour_kwh",
			    max.has_hour ? hp_acct_number(max.hour_kwh, 3) : json_null());
	json_object_set_new(o, "max_hour_start",
			    max.has_hour ? hp_acct_time_json(m->zone, max.hour_start_ms)
					 : json_null());
	json_object_set_new(o, "max_quarter_kw",
			    max.quarter.found ? hp_acct_number(max.quarter.kw, 3) : json_null());
	json_object_set_new(o, "max_quarter_start",
			    max.quarter.found ? hp_acct_time_json(m->zone, max.quarter.start_ms)
					      : json_null());
	return o;
}

static json_t *peak_json(const struct acct_meter *m, const struct hp_acct_running *run,
			 const struct hp_reading *r, int64_t now_ms)
{
	json_t *o;
	static const char *const kinds[] = {
	    [HP_CAPACITY_NONE] = "none", [HP_CAPACITY_NO] = "no", [HP_CAPACITY_BE] = "be"};
	enum hp_capacity_kind kind = m->cfg->capacity_tariff;
	if (kind == HP_CAPACITY_NO && m->cached) {
		struct hp_acct_no no;
		hp_acct_no_figures(&m->cfg->capacity_no, m->hours, m->hour_count, run, m->zone,
				   now_ms, &no);
		o = no_peak_json(&no);
	} else if (kind == HP_CAPACITY_BE) {
		struct hp_acct_be be;
		hp_acct_be_figures(&m->cfg->capacity_be, m->cached ? &m->quarter_peak : NULL, r,
				   run, now_ms, &be);
		o = be_peak_json(&be, m->zone);
	} else {
		o = m->cached ? max_json(m) : json_object();
	}
	json_object_set_new(o, "capacity_tariff", json_string(kinds[kind]));
	return o;
}

json_t *hp_accounting_mqtt_json(struct hp_accounting *a, unsigned index, const struct hp_reading *r,
				int64_t now_ms)
{
	if (a == NULL || index >= a->meter_count)
		return NULL;
	struct acct_meter *m = &a->meters[index];
	if (m->mqtt != NULL && now_ms >= m->mqtt_ms && now_ms - m->mqtt_ms < MQTT_EVERY_MS)
		return json_incref(m->mqtt);
	const struct hp_price_config *prices = price_config(a);
	struct hp_acct_ctx c = {.meter = m->cfg->name,
				.cfg = m->cfg,
				.zone = m->zone,
				.prices = prices,
				.dyn = dynamic_prices(a, now_ms),
				.live = &m->live,
				.reading = r,
				.now_ms = now_ms};
	refresh(a, m, &c);
	struct hp_acct_running run;
	if (hp_acct_running(&c, m->cached ? &m->hour_done : NULL, &run) != 0)
		return NULL;

	bool has_prices = prices->has_fixed_import || prices->has_fixed_export ||
			  prices->tou_count > 0 || (c.dyn != NULL && c.dyn->count > 0);
	json_t *o = json_object();
	json_object_set_new(o, "currency",
			    prices->currency[0] != '\0' ? json_string(prices->currency)
							: json_null());
	/* Without the store's figures the integrated day and month stand in. */
	struct hp_acct_figure hour = run.h, day, month;
	if (m->cached) {
		day = add_sum(&m->day_done, &hour);
		month = add_sum(&m->month_done, &day);
	} else {
		struct hp_live_view v;
		hp_live_energy_view(&m->live.energy, NULL, NULL, &v);
		struct hp_acct_figure fd = {.known = true,
					    .import_kwh = v.day.use_kwh,
					    .export_kwh = v.day.produced_kwh,
					    .cost = v.day.cost,
					    .income = v.day.income,
					    .unpriced = v.day.unpriced,
					    .from_live = true};
		struct hp_acct_figure fm = fd;
		fm.import_kwh = v.month.use_kwh;
		fm.export_kwh = v.month.produced_kwh;
		fm.cost = v.month.cost;
		fm.income = v.month.income;
		fm.unpriced = v.month.unpriced;
		day = fd;
		month = fm;
	}
	json_object_set_new(o, "hour", period_json(&hour, has_prices));
	json_object_set_new(o, "day", period_json(&day, has_prices));
	json_object_set_new(o, "month", period_json(&month, has_prices));
	json_object_set_new(o, "peak", peak_json(m, &run, r, now_ms));
	json_decref(m->mqtt);
	m->mqtt = json_incref(o);
	m->mqtt_ms = now_ms;
	return o;
}
