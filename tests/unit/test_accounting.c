/* Energy accounting (accounting.h) over the real store: readings go in through
 * hp_store_add as the daemon's do, and every expected figure is worked out by hand
 * (most are tariffs.md's worked examples): the Norwegian January step, the Belgian
 * quarter peak and its projection, DST days of 23 and 25 hours, a gap of several
 * hours, a register reset and a meter swap, cost per quarter, and the running
 * hour and day between the store's quarter-hourly bucket writes. */
#include <stdlib.h>
#include <unistd.h>

#include "test_accounting_fixture.h"

static char dir[200];
static char path[256];

static struct hp_store_reader *open_reader(const char *p)
{
	char err[256] = "";
	struct hp_store_reader *rd = hp_store_reader_open(p, err, sizeof(err));
	CHECK_MSG(rd != NULL, "reader %s: %s", p, err);
	return rd;
}

static struct hp_acct_ctx ctx(struct hp_store_reader *rd, const char *meter, const struct hp_tz *z,
			      int64_t now_ms)
{
	struct hp_acct_ctx c = {.rd = rd, .meter = meter, .zone = z, .now_ms = now_ms};
	return c;
}

/* hp_acct_energy for a range that fits one call. */
static size_t energy(const struct hp_acct_ctx *c, enum hp_period p, int64_t from, int64_t to,
		     struct hp_acct_bucket *out, size_t cap)
{
	size_t n = 0;
	char err[256] = "";
	CHECK_MSG(hp_acct_energy(c, p, from, to, out, cap, &n, err, sizeof(err)) == 0, "%s", err);
	return n;
}

static void iso(const struct hp_tz *z, int64_t ms, char out[HP_ISO_LOCAL_MAX])
{
	hp_time_iso_local(z, ms, out);
}

#define CHECK_START(z, b, text)                                                                    \
	do {                                                                                       \
		char s_[HP_ISO_LOCAL_MAX];                                                         \
		iso((z), (b).start_ms, s_);                                                        \
		CHECK_STREQ(s_, (text));                                                           \
	} while (0)

/* ---- the stores ---- */

static const char *const names[] = {"no", "be", "dst", "gap", "swap", "cost", "hcost", "exp"};
static const char *const zones[] = {"Europe/Oslo", "Europe/Brussels", "Europe/Oslo", "Europe/Oslo",
				    "Europe/Oslo", "Europe/Oslo",     "Europe/Oslo", "Europe/Oslo"};

static void fill_store(void)
{
	snprintf(path, sizeof(path), "%s/acct.db", dir);
	struct hp_store *s = fixture_store(path, names, zones, 8);
	const struct hp_tz *z = oslo();
	feed_no_january(s, "no", 23, 18);
	feed_be_peak(s, "be");
	/* Whole DST days at 1 kW, a register every minute. */
	feed_steady(s, "dst", local_ms(z, 2024, 3, 31, 0, 0, 0), local_ms(z, 2024, 4, 1, 0, 0, 0),
		    MIN_MS, 1.0, 10.0);
	feed_steady(s, "dst", local_ms(z, 2024, 10, 27, 0, 0, 0),
		    local_ms(z, 2024, 10, 28, 0, 0, 0), MIN_MS, 1.0, 100.0);
	feed_gap_day(s, "gap");
	/* 10:00-11:00: +0.5, a reset, +0.5, a swap, +0.25, +0.25; then +1 to 12:00. */
	int64_t s10 = local_ms(z, 2024, 1, 15, 10, 0, 0);
	static const struct {
		int minute;
		double kwh;
		const char *id;
	} swap[] = {{0, 100.0, "OLD"},   {10, 100.5, "OLD"},  {20, 0.5, "OLD"},
		    {30, 1.0, "OLD"},    {40, 9000.0, "NEW"}, {50, 9000.25, "NEW"},
		    {60, 9000.5, "NEW"}, {120, 9001.5, "NEW"}};
	for (size_t i = 0; i < sizeof(swap) / sizeof(swap[0]); i++)
		feed(s, "swap", s10 + swap[i].minute * MIN_MS, swap[i].kwh, -1, NULL, swap[i].id);
	feed_cost_hour(s, "cost");
	/* The same hour from an hourly register: 5.4 kWh in one delta. */
	feed_cost_hour_hourly(s, "hcost");
	/* 12:00-13:00 on 1 October 2025: 0.5 kW in, 2 kW out (registers both ways). */
	int64_t e12 = local_ms(z, 2025, 10, 1, 12, 0, 0);
	for (int m = 0; m <= 60; m++) {
		struct hp_reading r;
		hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
		hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, 10 + 0.5 * m / 60);
		hp_reading_set(&r, HP_NUM_ENERGY_EXPORT_KWH, 20 + 2.0 * m / 60);
		hp_reading_set(&r, HP_NUM_POWER_EXPORT_W, 2000);
		CHECK_INT(hp_store_add(s, "exp", e12 + m * MIN_MS, &r), 0);
	}
	hp_store_close(s);
}

/* ---- Norway ---- */

static void test_no_january(void)
{
	struct hp_store_reader *rd = open_reader(path);
	const struct hp_tz *z = oslo();
	/* Day 23 at 18:20, 2.1 kWh used since 18:00 at 6.3 kW (tariffs.md). */
	int64_t now = local_ms(z, 2024, 1, 23, 18, 20, 0);
	struct hp_acct_live live;
	hp_acct_live_init(&live);
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 6300);
	for (int64_t t = now - 20 * MIN_MS; t <= now; t += 10000)
		hp_acct_live_add(&live, z, t, &r, NULL, NULL);
	struct hp_meter_config mc;
	memset(&mc, 0, sizeof(mc));
	mc.capacity_tariff = HP_CAPACITY_NO;
	hp_no_config_defaults(&mc.capacity_no);
	struct hp_acct_ctx c = ctx(rd, "no", z, now);
	c.cfg = &mc;
	c.live = &live;

	/* Day 6: the 17-18 hour from the registers 12 345.678 and 12 353.478. */
	struct hp_acct_bucket b[30];
	size_t n = energy(&c, HP_PERIOD_HOUR, local_ms(z, 2024, 1, 6, 0, 0, 0),
			  local_ms(z, 2024, 1, 7, 0, 0, 0), b, 30);
	CHECK_INT(n, 24);
	CHECK_START(z, b[17], "2024-01-06T17:00:00+01:00");
	CHECK_NEAR(b[17].import_kwh, 7.8);
	CHECK_NEAR(b[18].import_kwh, 7.5);
	CHECK_NEAR(b[16].import_kwh, 1.0);
	CHECK(!b[17].gap && !b[17].missing && !b[17].estimated && !b[17].running);
	CHECK(!b[17].has_cost); /* no prices configured */

	struct hp_acct_peaks p;
	char err[256] = "";
	CHECK_MSG(hp_acct_peaks(&c, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK_INT(p.kind, HP_CAPACITY_NO);
	CHECK_START(z, p.month, "2024-01-01T00:00:00+01:00");
	/* Top 3 days 9.2, 8.9, 7.8 (not 8.7, the second hour of day 14). */
	CHECK_INT(p.no.month.peak_count, 3);
	CHECK(p.no.month.complete);
	CHECK_NEAR(p.no.month.peaks[0].kwh, 9.2);
	CHECK_INT(p.no.month.peaks[0].local_day, 20240114);
	CHECK_INT(p.no.month.peaks[0].local_hour, 7);
	CHECK_NEAR(p.no.month.peaks[1].kwh, 8.9);
	CHECK_INT(p.no.month.peaks[1].local_day, 20240122);
	CHECK_NEAR(p.no.month.peaks[2].kwh, 7.8);
	CHECK_INT(p.no.month.peaks[2].local_day, 20240106);
	CHECK_INT(p.no.month.peaks[2].local_hour, 17);
	CHECK_NEAR(p.no.month.value_kw, (9.2 + 8.9 + 7.8) / 3);
	CHECK_INT(p.no.month.step.index, 2);
	CHECK_NEAR(p.no.month.step.lower_kw, 5);
	CHECK_NEAR(p.no.month.step.upper_kw, 10);
	/* 22 days and 18 hours of January finished. */
	CHECK_INT(p.no.month.hours_used, 22 * 24 + 18);
	CHECK_INT(p.no.month.gap_hours, 0);
	/* The running hour: X <= 11.9 kWh; 9.8 kWh left in 40 min is 14.7 kW. */
	CHECK(p.no.has_live);
	CHECK_NEAR(p.no.run.used_kwh, 2.1);
	CHECK_NEAR(p.no.live.hour_max_kwh, 11.9);
	CHECK_NEAR(p.no.live.remaining_kwh, 9.8);
	CHECK_INT(p.no.live.remaining_ms, 40 * MIN_MS);
	CHECK_NEAR(p.no.live.remaining_kw, 14.7);
	/* At 6.3 kW the hour ends at 6.3 kWh: still step 5-10. */
	CHECK_NEAR(p.no.live.projected_hour_kwh, 6.3);
	CHECK_INT(p.no.live.projected_step.index, 2);
	/* The month's highest hour and quarter, whatever the tariff. */
	CHECK(p.max.has_hour);
	CHECK_NEAR(p.max.hour_kwh, 9.2);
	CHECK_START(z, ((struct hp_bucket){p.max.hour_start_ms, 0}), "2024-01-14T07:00:00+01:00");
	/* Quarters of hourly registers follow the integrated power, estimated. */
	CHECK(p.max.quarter.found);
	CHECK(fabs(p.max.quarter.kw - 9.2) < 1e-6);
	CHECK(p.max.quarter.estimated);

	/* The day running: 18 finished hours of 1 kWh, and the running hour from the
	 * integrated power (hourly registers: no finished quarter has energy). */
	n = energy(&c, HP_PERIOD_DAY, local_ms(z, 2024, 1, 23, 0, 0, 0),
		   local_ms(z, 2024, 1, 24, 0, 0, 0), b, 30);
	CHECK_INT(n, 1);
	CHECK(b[0].running && b[0].estimated && !b[0].gap);
	CHECK_NEAR(b[0].import_kwh, 18.0 + 2.1);
	hp_store_reader_close(rd);
}

/* ---- Belgium ---- */

static void test_be_peak(void)
{
	struct hp_store_reader *rd = open_reader(path);
	const struct hp_tz *z = brussels();
	/* 20 January at 18:09: the meter's running average says 0.600 kWh so far
	 * (4 kW over 9 minutes), at 4.2 kW now. */
	int64_t now = local_ms(z, 2024, 1, 20, 18, 9, 0);
	struct hp_reading r;
	be_peak_reading(&r);
	struct hp_acct_live live;
	hp_acct_live_init(&live);
	hp_acct_live_add(&live, z, now, &r, NULL, NULL);
	struct hp_meter_config mc;
	memset(&mc, 0, sizeof(mc));
	mc.capacity_tariff = HP_CAPACITY_BE;
	hp_be_config_defaults(&mc.capacity_be);
	mc.capacity_be.price_per_kw_year = 40.4;
	struct hp_acct_ctx c = ctx(rd, "be", z, now);
	c.cfg = &mc;
	c.live = &live;
	c.reading = &r;

	/* 4 321.000 -> 4 321.950 kWh in 18:00-18:15 on the 10th: 3.80 kW. */
	struct hp_acct_bucket b[12];
	size_t n = energy(&c, HP_PERIOD_15M, local_ms(z, 2024, 1, 10, 17, 45, 0),
			  local_ms(z, 2024, 1, 10, 18, 30, 0), b, 12);
	CHECK_INT(n, 3);
	CHECK_NEAR(b[0].import_kwh, 0.25);
	CHECK_NEAR(b[1].import_kwh, 0.95);
	CHECK_NEAR(b[2].import_kwh, 0.25);
	CHECK(!b[1].estimated && !b[1].gap);

	struct hp_acct_peaks p;
	char err[256] = "";
	CHECK_MSG(hp_acct_peaks(&c, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK_INT(p.kind, HP_CAPACITY_BE);
	CHECK(p.max.quarter.found);
	CHECK_NEAR(p.max.quarter.kw, 3.8);
	CHECK_START(z, ((struct hp_bucket){p.max.quarter.start_ms, 0}),
		    "2024-01-10T18:00:00+01:00");
	CHECK_INT(p.max.quarter.quarters_used, 8); /* 17:00-19:00 */
	/* Reconciled with 1-0:1.6.0: the meter's value counts, no difference. */
	CHECK(p.be.month.has_own && p.be.month.has_meter && p.be.month.from_meter);
	CHECK_NEAR(p.be.month.peak_kw, 3.8);
	CHECK_NEAR(p.be.month.diff_kw, 0);
	CHECK_STREQ(p.be.month.meter_time, "2024-01-10T18:15:00");
	/* 0.600 + 4.2 kW x 6/60 h = 1.020 kWh -> 4.08 kW, above the 3.80 peak. */
	CHECK(p.be.has_running);
	CHECK(p.be.quarter_from_meter);
	CHECK_NEAR(p.be.quarter_kwh, 0.6);
	CHECK_INT(p.be.projection.remaining_ms, 6 * MIN_MS);
	CHECK_NEAR(p.be.projection.quarter_kwh, 1.02);
	CHECK_NEAR(p.be.projection.quarter_kw, 4.08);
	CHECK(p.be.projection.above_peak);
	/* Floored per month: 3.1 2.5 4.6 2.5 5.8 3.0 2.5 2.6 6.2 4.1 3.3 and January's
	 * 3.8 -> 44.0 / 12. */
	CHECK_INT(p.be.rolling.months_with_data, 12);
	CHECK_INT(p.be.rolling.months[0].month, 202302);
	CHECK_INT(p.be.rolling.months[11].month, 202401);
	CHECK_NEAR(p.be.rolling.months[1].counted_kw, 2.5);
	CHECK_NEAR(p.be.rolling.months[11].own_kw, 3.8);
	CHECK_NEAR(p.be.rolling.mean_kw, 44.0 / 12);
	CHECK_NEAR(p.be.rolling.cost_year, 44.0 / 12 * 40.4);
	hp_store_reader_close(rd);
}

/* ---- DST days ---- */

static void check_dst_day(int month, int day, size_t hours, const char *repeated_label)
{
	struct hp_store_reader *rd = open_reader(path);
	const struct hp_tz *z = oslo();
	int64_t d0 = local_ms(z, 2024, month, day, 0, 0, 0);
	int64_t d1 = local_ms(z, 2024, month, day + 1, 0, 0, 0);
	struct hp_acct_ctx c = ctx(rd, "dst", z, d1 + DAY_MS);
	struct hp_acct_bucket b[30];
	size_t n = energy(&c, HP_PERIOD_HOUR, d0, d1, b, 30);
	CHECK_INT(n, hours);
	for (size_t i = 0; i < n; i++) {
		CHECK_NEAR(b[i].import_kwh, 1.0);
		CHECK(!b[i].gap && !b[i].missing && !b[i].running);
		CHECK_INT(b[i].end_ms - b[i].start_ms, HOUR_MS);
	}
	CHECK_START(z, b[1],
		    month == 3 ? "2024-03-31T01:00:00+01:00" : "2024-10-27T01:00:00+02:00");
	CHECK_START(z, b[2], repeated_label);
	if (month == 10) /* the repeated hour: same label, the next UTC hour */
		CHECK_START(z, b[3], "2024-10-27T02:00:00+01:00");
	struct hp_acct_total t = {0};
	hp_acct_total_add(&t, b, n);
	CHECK_NEAR(t.import_kwh, (double)hours);
	CHECK_INT(t.gaps, 0);
	/* The day bucket: 23 or 25 hours long. */
	n = energy(&c, HP_PERIOD_DAY, d0, d1, b, 30);
	CHECK_INT(n, 1);
	CHECK_INT(b[0].end_ms - b[0].start_ms, (int64_t)hours * HOUR_MS);
	CHECK_NEAR(b[0].import_kwh, (double)hours);
	/* 92 or 100 quarters. */
	struct hp_acct_bucket q[110];
	CHECK_INT(energy(&c, HP_PERIOD_15M, d0, d1, q, 110), hours * 4);
	hp_store_reader_close(rd);
}

/* ---- a gap of several hours ---- */

static void test_gap(void)
{
	struct hp_store_reader *rd = open_reader(path);
	const struct hp_tz *z = oslo();
	int64_t d0 = local_ms(z, 2024, 1, 15, 0, 0, 0);
	struct hp_acct_ctx c = ctx(rd, "gap", z, d0 + 2 * DAY_MS);
	struct hp_acct_bucket b[30];
	size_t n = energy(&c, HP_PERIOD_HOUR, d0 + 9 * HOUR_MS, d0 + 22 * HOUR_MS, b, 30);
	CHECK_INT(n, 13); /* 09 .. 21 */
	for (int h = 9; h <= 11; h++)
		CHECK_NEAR(b[h - 9].import_kwh, 1.0);
	/* 12: where the span began (flagged, no energy); 13-19: no row at all, unknown;
	 * 20: where it ended, with all 8.5 kWh of it plus 20:30-21:00. Never spread. */
	CHECK(b[3].gap && !b[3].has_import && !b[3].missing);
	for (int h = 13; h <= 19; h++) {
		CHECK(b[h - 9].missing && !b[h - 9].has_import && !b[h - 9].has_cost);
		CHECK_INT(b[h - 9].start_ms, d0 + h * HOUR_MS);
	}
	CHECK_START(z, b[4], "2024-01-15T13:00:00+01:00");
	CHECK(b[11].gap && !b[11].missing);
	CHECK_NEAR(b[11].import_kwh, 8.5 + 0.5);
	CHECK_NEAR(b[12].import_kwh, 1.0);
	CHECK(!b[12].gap);
	struct hp_acct_total t = {0};
	hp_acct_total_add(&t, b, n);
	CHECK_NEAR(t.import_kwh, 3 + 9.0 + 1.0);
	CHECK_INT(t.gaps, 9);
	CHECK_INT(t.missing, 7);
	CHECK_INT(t.with_import, 5);
	/* The day holds the whole span inside it: exact, no gap. */
	n = energy(&c, HP_PERIOD_DAY, d0, d0 + DAY_MS, b, 30);
	CHECK_INT(n, 1);
	CHECK_NEAR(b[0].import_kwh, 13.0);
	CHECK(!b[0].gap);
	hp_store_reader_close(rd);
}

/* ---- a register reset and a meter swap ---- */

static void test_swap_and_reset(void)
{
	struct hp_store_reader *rd = open_reader(path);
	const struct hp_tz *z = oslo();
	int64_t h10 = local_ms(z, 2024, 1, 15, 10, 0, 0);
	struct hp_acct_ctx c = ctx(rd, "swap", z, h10 + DAY_MS);
	struct hp_acct_bucket b[8];
	/* 0.5 before the reset, 0.5 after it, then 0.25 + 0.25 on the new meter. */
	CHECK_INT(energy(&c, HP_PERIOD_HOUR, h10, h10 + 2 * HOUR_MS, b, 8), 2);
	CHECK_NEAR(b[0].import_kwh, 1.5);
	CHECK_NEAR(b[1].import_kwh, 1.0);
	/* Quarters: 10:00-10:10 0.5 | 10:20-10:30 0.5 | 10:40-10:45 0.125 |
	 * 10:45-10:50 0.125 + 10:50-11:00 0.25. Nothing negative, nothing lost. */
	CHECK_INT(energy(&c, HP_PERIOD_15M, h10, h10 + HOUR_MS, b, 8), 4);
	static const double q[4] = {0.5, 0.5, 0.125, 0.375};
	for (int i = 0; i < 4; i++) {
		CHECK_NEAR(b[i].import_kwh, q[i]);
		CHECK(b[i].import_kwh >= 0);
	}
	CHECK_INT(energy(&c, HP_PERIOD_DAY, h10, h10 + 1, b, 8), 1);
	CHECK_NEAR(b[0].import_kwh, 2.5);
	hp_store_reader_close(rd);
}

/* ---- cost ---- */

static struct hp_price_series *quarter_prices(void)
{
	static struct hp_price_series s;
	const struct hp_tz *z = oslo();
	struct hp_price_point p[4];
	int64_t t17 = local_ms(z, 2025, 10, 1, 17, 0, 0);
	for (int i = 0; i < 4; i++)
		p[i] = (struct hp_price_point){.start_ms = t17 + i * 15 * MIN_MS,
					       .end_ms = t17 + (i + 1) * 15 * MIN_MS,
					       .import_price = cost_hour_prices[i]};
	hp_price_series_init(&s);
	hp_price_series_merge(&s, p, 4);
	return &s;
}

static void test_cost(void)
{
	struct hp_store_reader *rd = open_reader(path);
	const struct hp_tz *z = oslo();
	int64_t t17 = local_ms(z, 2025, 10, 1, 17, 0, 0);
	struct hp_price_config prices;
	hp_price_config_init(&prices);
	snprintf(prices.currency, sizeof(prices.currency), "NOK");
	struct hp_acct_ctx c = ctx(rd, "cost", z, t17 + DAY_MS);
	c.prices = &prices;
	c.dyn = quarter_prices();
	/* Quarters 0.9, 1.4, 2.6, 0.5 kWh at 1.20, 1.35, 2.10, 0.95 NOK/kWh. */
	struct hp_acct_bucket b[8];
	CHECK_INT(energy(&c, HP_PERIOD_15M, t17, t17 + HOUR_MS, b, 8), 4);
	static const double cost[4] = {1.080, 1.890, 5.460, 0.475};
	for (int i = 0; i < 4; i++) {
		CHECK(b[i].has_cost);
		CHECK_NEAR(b[i].cost, cost[i]);
	}
	/* The hour is the sum of its quarters: 8.905 NOK (not 5.4 x 1.40 = 7.56). */
	CHECK_INT(energy(&c, HP_PERIOD_HOUR, t17, t17 + HOUR_MS, b, 8), 1);
	CHECK_NEAR(b[0].import_kwh, 5.4);
	CHECK(b[0].has_cost);
	CHECK_NEAR(b[0].cost, 8.905);
	CHECK(b[0].has_mean_price);
	CHECK_NEAR(b[0].mean_price, 1.40);
	CHECK_INT(b[0].unpriced_import, 0);
	/* The day: the hour priced, the minute after it (18:00-18:15, no energy) has no
	 * price but needs none. */
	CHECK_INT(energy(&c, HP_PERIOD_DAY, t17, t17 + 1, b, 8), 1);
	CHECK(b[0].has_cost);
	CHECK_NEAR(b[0].cost, 8.905);

	/* An hourly register: the quarters follow the integrated power (tariffs.md
	 * section 4), so the cost is the P1 meter's 8.905, not 5.4 kWh x the mean
	 * price (7.56). The trapezoids across the power steps are a millisecond. */
	c.meter = "hcost";
	CHECK_INT(energy(&c, HP_PERIOD_HOUR, t17, t17 + HOUR_MS, b, 8), 1);
	CHECK_NEAR(b[0].import_kwh, 5.4);
	CHECK(fabs(b[0].cost - 8.905) < 1e-5);
	CHECK(b[0].estimated == false); /* the hour itself is exact */
	CHECK_INT(energy(&c, HP_PERIOD_15M, t17, t17 + HOUR_MS, b, 8), 4);
	CHECK(b[2].estimated);
	CHECK(fabs(b[2].import_kwh - 2.6) < 1e-5);
	CHECK(fabs(b[2].cost - 2.6 * 2.10) < 1e-5);

	/* Without a price the energy is there, the cost unknown and counted. */
	c.meter = "cost";
	c.dyn = NULL;
	CHECK_INT(energy(&c, HP_PERIOD_HOUR, t17, t17 + HOUR_MS, b, 8), 1);
	CHECK(!b[0].has_cost);
	CHECK_INT(b[0].unpriced_import, 4);
	/* A fixed price with a modifier: (1.00 + 0.25) x 5.4. */
	prices.has_fixed_import = true;
	prices.fixed_import = 1.0;
	prices.modifier_count = 1;
	prices.modifiers[0] = (struct hp_price_modifier){.op = HP_PRICE_OP_ADD,
							 .applies = HP_PRICE_APPLIES_IMPORT,
							 .has_value = true,
							 .value = 0.25};
	CHECK_INT(energy(&c, HP_PERIOD_HOUR, t17, t17 + HOUR_MS, b, 8), 1);
	CHECK(b[0].has_cost);
	CHECK_NEAR(b[0].cost, 5.4 * 1.25);
	hp_store_reader_close(rd);
}

/* Export: income per quarter at the export price, import and export apart. */
static void test_export(void)
{
	struct hp_store_reader *rd = open_reader(path);
	const struct hp_tz *z = oslo();
	int64_t t12 = local_ms(z, 2025, 10, 1, 12, 0, 0);
	struct hp_price_config prices;
	hp_price_config_init(&prices);
	prices.has_fixed_import = prices.has_fixed_export = true;
	prices.fixed_import = 2.0;
	prices.fixed_export = 0.5;
	struct hp_acct_ctx c = ctx(rd, "exp", z, t12 + DAY_MS);
	c.prices = &prices;
	struct hp_acct_bucket b[4];
	CHECK_INT(energy(&c, HP_PERIOD_HOUR, t12, t12 + HOUR_MS, b, 4), 1);
	CHECK_NEAR(b[0].import_kwh, 0.5);
	CHECK_NEAR(b[0].export_kwh, 2.0);
	CHECK(b[0].has_cost && b[0].has_income);
	CHECK_NEAR(b[0].cost, 1.0);
	CHECK_NEAR(b[0].income, 1.0);
	CHECK(!b[0].has_power); /* no import power sent */
	struct hp_acct_total t = {0};
	hp_acct_total_add(&t, b, 1);
	CHECK_NEAR(t.income, 1.0);
	CHECK_INT(t.with_export, 1);
	/* No export price: the income is unknown, each quarter counted. */
	prices.has_fixed_export = false;
	CHECK_INT(energy(&c, HP_PERIOD_HOUR, t12, t12 + HOUR_MS, b, 4), 1);
	CHECK(b[0].has_cost && !b[0].has_income);
	CHECK_INT(b[0].unpriced_export, 4);
	hp_store_reader_close(rd);
}

/* ---- the running hour and day between the store's bucket writes ---- */

static void test_running(void)
{
	char run_path[256];
	snprintf(run_path, sizeof(run_path), "%s/run.db", dir);
	const char *const n1[] = {"run"}, *const z1[] = {"Europe/Oslo"};
	struct hp_store *s = fixture_store(run_path, n1, z1, 1);
	const struct hp_tz *z = oslo();
	int64_t d0 = local_ms(z, 2024, 2, 5, 0, 0, 0), now = d0 + 10 * HOUR_MS + 20 * MIN_MS;
	/* 1 kW from midnight, a register each minute, committed as the daemon does:
	 * the file has the buckets as of the 10:15 write. */
	feed_steady(s, "run", d0, now, MIN_MS, 1.0, 50.0);
	struct hp_store_reader *rd = open_reader(run_path);
	/* Live figures: readings every 10 s since 10:00 at 1 kW. */
	struct hp_acct_live live;
	hp_acct_live_init(&live);
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1000);
	for (int64_t t = d0 + 10 * HOUR_MS; t <= now; t += 10000)
		hp_acct_live_add(&live, z, t, &r, NULL, NULL);
	/* The live quarter has 10:14:50-10:20:00 (a reading books the seconds since the
	 * one before it): 310 s at 1 kW. */
	CHECK_NEAR(live.quarter.hour.use_kwh, 310.0 / 3600);
	CHECK_NEAR(live.energy.hour.use_kwh, 1200.0 / 3600);
	struct hp_acct_ctx c = ctx(rd, "run", z, now);
	c.live = &live;

	/* The running hour: its finished quarter from the store (0.25, registers) and
	 * the live quarter. */
	struct hp_acct_sum hour_done;
	char err[256] = "";
	CHECK(hp_acct_sum_range(&c, d0 + 10 * HOUR_MS, d0 + 10 * HOUR_MS + 15 * MIN_MS, &hour_done,
				err, sizeof(err)) == 0);
	CHECK_INT(hour_done.with_import, 1);
	CHECK_NEAR(hour_done.import_kwh, 0.25);
	struct hp_acct_running run;
	CHECK(hp_acct_running(&c, &hour_done, &run) == 0);
	/* Registers but the running quarter (the integrated hour would be 1200 s). */
	CHECK(run.h.known);
	CHECK_NEAR(run.h.import_kwh, 0.25 + 310.0 / 3600);

	struct hp_acct_bucket b[30];
	size_t n = energy(&c, HP_PERIOD_HOUR, d0, d0 + DAY_MS, b, 30);
	CHECK_INT(n, 11); /* 00 .. 10, none after now */
	CHECK_NEAR(b[9].import_kwh, 1.0);
	CHECK(!b[9].running);
	CHECK(b[10].running && b[10].estimated);
	CHECK_NEAR(b[10].import_kwh, 0.25 + 310.0 / 3600);
	n = energy(&c, HP_PERIOD_15M, d0 + 10 * HOUR_MS, d0 + 11 * HOUR_MS, b, 30);
	CHECK_INT(n, 2);
	CHECK_NEAR(b[1].import_kwh, 310.0 / 3600);
	CHECK(b[1].running);
	n = energy(&c, HP_PERIOD_DAY, d0, d0 + DAY_MS, b, 30);
	CHECK_INT(n, 1);
	CHECK(b[0].running);
	CHECK_NEAR(b[0].import_kwh, 10.0 + 0.25 + 310.0 / 3600);
	/* The month and the year run on the same figures. */
	n = energy(&c, HP_PERIOD_YEAR, d0, d0 + 1, b, 30);
	CHECK_INT(n, 1);
	CHECK_NEAR(b[0].import_kwh, 10.0 + 0.25 + 310.0 / 3600);
	CHECK(b[0].gap); /* January has no row: part of the year is unknown */

	/* Without live figures the stored part is shown as it is: the 10:15 write. */
	c.live = NULL;
	n = energy(&c, HP_PERIOD_HOUR, d0 + 10 * HOUR_MS, d0 + 11 * HOUR_MS, b, 30);
	CHECK_INT(n, 1);
	CHECK(b[0].running);
	CHECK_NEAR(b[0].import_kwh, 0.25);
	hp_store_reader_close(rd);
	hp_store_close(s);
}

/* ---- the live figures themselves ---- */

static void test_live(void)
{
	const struct hp_tz *z = oslo();
	/* tariffs.md section 5: 17:00:08 P = 2400 W, 17:00:18 P = 1800 W, after a
	 * reading at 16:59:58. */
	struct hp_acct_live l;
	hp_acct_live_init(&l);
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	int64_t t17 = local_ms(z, 2024, 1, 15, 17, 0, 0);
	struct hp_price_value price = {.known = true, .price = 2.0};
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1000);
	hp_acct_live_add(&l, z, t17 - 2000, &r, &price, NULL);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 2400);
	hp_acct_live_add(&l, z, t17 + 8000, &r, &price, NULL);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1800);
	hp_acct_live_add(&l, z, t17 + 18000, &r, &price, NULL);
	CHECK_NEAR(l.energy.hour.use_kwh, 2.4 * 10 / 3600 + 1.8 * 10 / 3600);
	CHECK_NEAR(l.energy.hour.cost, 2.0 * (2.4 * 10 / 3600 + 1.8 * 10 / 3600));
	CHECK(!l.energy.hour.unpriced);
	CHECK(l.energy.hour.produced_kwh == 0); /* no export power in these readings */
	CHECK_INT(l.hour_start_ms, t17);
	CHECK_INT(l.quarter_start_ms, t17);
	CHECK_NEAR(l.import_w, 1800);
	CHECK(!l.has_export_w);
	/* Export power on the longer lists only: dt since the last one carrying it. */
	struct hp_reading e;
	hp_reading_init(&e, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&e, HP_NUM_POWER_EXPORT_W, 3600);
	struct hp_price_value sell = {.known = true, .price = 0.5};
	hp_acct_live_add(&l, z, t17 + 20000, &e, &price, &sell);
	hp_acct_live_add(&l, z, t17 + 30000, &r, &price, &sell); /* import only */
	hp_acct_live_add(&l, z, t17 + 40000, &e, &price, &sell);
	CHECK_NEAR(l.energy.hour.produced_kwh, 3.6 * 20 / 3600);
	CHECK_NEAR(l.energy.hour.income, 0.5 * 3.6 * 20 / 3600);
	CHECK(l.has_export_w);
	CHECK_NEAR(l.energy.hour.use_kwh, (2.4 * 10 + 1.8 * 10 + 1.8 * 12) / 3600);
}

/* ---- MQTT's energy payload ---- */

static double jnum(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);
	CHECK_MSG(json_is_number(v), "%s.%s is not a number", a, b);
	return json_number_value(v);
}

static void test_mqtt_json(void)
{
	static struct hp_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.meter_count = 2;
	snprintf(cfg.meters[0].name, HP_NAME_MAX, "run");
	snprintf(cfg.meters[1].name, HP_NAME_MAX, "no");
	for (int i = 0; i < 2; i++) {
		snprintf(cfg.meters[i].timezone, HP_TZ_MAX, "Europe/Oslo");
		hp_no_config_defaults(&cfg.meters[i].capacity_no);
	}
	cfg.meters[1].capacity_tariff = HP_CAPACITY_NO;
	hp_price_config_init(&cfg.prices);
	snprintf(cfg.prices.currency, sizeof(cfg.prices.currency), "NOK");
	cfg.prices.has_fixed_import = true;
	cfg.prices.fixed_import = 2.0;
	const struct hp_tz *z = oslo();

	/* The running day of test_running: the file as of the 10:15 write, readings
	 * every 10 s from 10:00 to 10:20 at 1 kW. */
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/run.db", dir);
	struct hp_accounting *a = hp_accounting_new(&cfg, NULL);
	CHECK(a != NULL);
	int64_t d0 = local_ms(z, 2024, 2, 5, 0, 0, 0), now = d0 + 10 * HOUR_MS + 20 * MIN_MS;
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1000);
	struct hp_acct_live live;
	for (int64_t t = d0 + 10 * HOUR_MS; t <= now; t += 10000)
		hp_accounting_reading(a, 0, t, &r, &live);
	CHECK_NEAR(live.energy.hour.use_kwh, 1200.0 / 3600);
	CHECK_NEAR(live.energy.hour.cost, 2.0 * 1200 / 3600); /* priced as it came */
	json_t *o = hp_accounting_mqtt_json(a, 0, &r, now);
	CHECK_STREQ(json_string_value(json_object_get(o, "currency")), "NOK");
	double hour = 0.25 + 310.0 / 3600; /* as test_running, in Wh */
	CHECK_NEAR(jnum(o, "hour", "import_kwh"), 0.336);
	CHECK_NEAR(jnum(o, "hour", "cost"), 0.6722);
	CHECK_NEAR(jnum(o, "day", "import_kwh"), 10.336);
	CHECK_NEAR(jnum(o, "day", "cost"), round(2.0 * (10 + hour) * 1e4) / 1e4);
	CHECK_NEAR(jnum(o, "month", "import_kwh"), 10.336);
	json_t *peak = json_object_get(o, "peak");
	CHECK_STREQ(json_string_value(json_object_get(peak, "capacity_tariff")), "none");
	CHECK_NEAR(json_number_value(json_object_get(peak, "max_hour_kwh")), 1.0);
	CHECK_NEAR(json_number_value(json_object_get(peak, "max_quarter_kw")), 1.0);
	/* Made at most once a second: a meter sending 5 lists a second costs no more. */
	json_t *again = hp_accounting_mqtt_json(a, 0, &r, now + 999);
	CHECK(again == o);
	json_decref(again);
	again = hp_accounting_mqtt_json(a, 0, &r, now + 1000);
	CHECK(again != o && again != NULL);
	json_decref(again);
	json_decref(o);
	hp_accounting_free(a);

	/* Norway on 23 January at 18:20 (tariffs.md): the step and the headroom. */
	snprintf(cfg.store.path, HP_PATH_MAX, "%s", path);
	a = hp_accounting_new(&cfg, NULL);
	now = local_ms(z, 2024, 1, 23, 18, 20, 0);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 6300);
	for (int64_t t = now - 20 * MIN_MS; t <= now; t += 10000)
		hp_accounting_reading(a, 1, t, &r, NULL);
	o = hp_accounting_mqtt_json(a, 1, &r, now);
	peak = json_object_get(o, "peak");
	CHECK_STREQ(json_string_value(json_object_get(peak, "capacity_tariff")), "no");
	CHECK_NEAR(json_number_value(json_object_get(peak, "month_kw")), 8.633);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(peak, "step"), "index")), 2);
	CHECK_NEAR(json_number_value(json_object_get(peak, "headroom_kwh")), 9.8);
	CHECK_NEAR(json_number_value(json_object_get(peak, "headroom_kw")), 14.7);
	CHECK(json_is_true(json_object_get(peak, "complete")));
	CHECK_NEAR(jnum(o, "hour", "import_kwh"), 2.1);
	CHECK_NEAR(jnum(o, "day", "import_kwh"), 20.1);
	/* January: 22 days and 18 hours, with the peaks' extra energy. */
	double month = 22 * 24 + 18 + (5.9 - 1) + (7.8 - 1) + (7.5 - 1) + (9.2 - 1) + (8.7 - 1) +
		       (6.4 - 1) + (8.9 - 1) + 2.1;
	CHECK_NEAR(jnum(o, "month", "import_kwh"), round(month * 1000) / 1000);
	json_decref(o);
	/* An unknown meter, and no accounting at all. */
	CHECK(hp_accounting_mqtt_json(a, 7, &r, now) == NULL);
	CHECK(hp_accounting_mqtt_json(NULL, 0, &r, now) == NULL);
	hp_accounting_free(a);
}

int main(void)
{
	setenv("TZ", "America/Sao_Paulo", 1); /* the meters' zones are their own */
	tzset();
	if (oslo() == NULL || brussels() == NULL) {
		fprintf(stderr, "no tzdata: skipped\n");
		return 77;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/hp-acct-XXXXXX", tmp != NULL ? tmp : P_tmpdir);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	fill_store();
	test_no_january();
	test_be_peak();
	check_dst_day(3, 31, 23, "2024-03-31T03:00:00+02:00");
	check_dst_day(10, 27, 25, "2024-10-27T02:00:00+02:00");
	test_gap();
	test_swap_and_reset();
	test_cost();
	test_export();
	test_running();
	test_live();
	test_mqtt_json();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("test_accounting");
}
