/* The Belgian capacity tariff with the worked examples of tariffs.md section 3: the
 * 18:00 quarter (3.80 kW), the 18:09 projection (4.08 kW), the twelve months
 * (3.558 kW per-month floor, 3.392 kW on the mean, EUR 143.76 a year), a month
 * with a gap quarter, and the meter's 1.6.0 / 98.1.0 values taking precedence. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "check.h"
#include "tariff_be.h"

#define MIN_MS (60LL * 1000)

/* UTC epoch ms of a Brussels winter wall time (UTC+1). */
static int64_t cet_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return ((int64_t)timegm(&tm) - 3600) * 1000;
}

static double round_to(double v, double step)
{
	return round(v / step) * step;
}

static void test_worked_quarter(void)
{
	/* 1.8.1 + 1.8.2: 4 321.000 kWh at 18:00:00, 4 321.950 at 18:15:00. */
	CHECK_NEAR(hp_be_quarter_kw(4321.950 - 4321.000), 3.80);
	CHECK_NEAR(hp_be_quarter_kw(0), 0);
}

/* February 2024: 29 x 96 quarters of 0.1 kWh (0.4 kW). */
#define FEB_QUARTERS (29 * 96)
static struct hp_be_quarter feb[FEB_QUARTERS];

static struct hp_be_quarter *feb_quarter(int day, int hour, int minute)
{
	return &feb[(day - 1) * 96 + hour * 4 + minute / 15];
}

static void test_month_peak(void)
{
	for (int i = 0; i < FEB_QUARTERS; i++) {
		feb[i].start_ms = cet_ms(2024, 2, 1, 0, 0) + i * 15 * MIN_MS;
		feb[i].end_ms = feb[i].start_ms + 15 * MIN_MS;
		feb[i].import_kwh = 0.1;
		feb[i].gap = feb[i].estimated = false;
	}
	feb_quarter(12, 18, 0)->import_kwh = 0.95;
	/* After an outage the whole delta lands in one quarter flagged gap: no peak. */
	feb_quarter(20, 7, 45)->import_kwh = 3.0;
	feb_quarter(20, 7, 45)->gap = true;
	/* An estimated quarter counts (3.6 kW, below the peak). */
	feb_quarter(5, 9, 30)->import_kwh = 0.9;
	feb_quarter(5, 9, 30)->estimated = true;
	/* A later quarter with the same 3.80 kW does not displace the first. */
	feb_quarter(25, 18, 0)->import_kwh = 0.95;

	struct hp_be_peak p;
	hp_be_month_peak(feb, FEB_QUARTERS, &p);
	CHECK(p.found);
	CHECK_NEAR(p.kw, 3.80);
	CHECK_INT(p.start_ms, cet_ms(2024, 2, 12, 18, 0));
	CHECK(!p.estimated);
	CHECK_INT(p.quarters_used, FEB_QUARTERS - 1);
	CHECK_INT(p.gap_quarters, 1);
	CHECK_INT(p.odd_rows, 0);

	/* Estimated peak flagged; a row that is no quarter (an hour) is skipped. */
	feb_quarter(5, 9, 30)->import_kwh = 1.2;
	feb_quarter(1, 0, 0)->end_ms += 45 * MIN_MS;
	feb_quarter(1, 0, 0)->import_kwh = 5;
	hp_be_month_peak(feb, FEB_QUARTERS, &p);
	CHECK_NEAR(p.kw, 4.8);
	CHECK(p.estimated);
	CHECK_INT(p.odd_rows, 1);

	hp_be_month_peak(feb, 0, &p);
	CHECK(!p.found);
	CHECK_NEAR(p.kw, 0);
}

static void test_projection(void)
{
	int64_t q = cet_ms(2024, 2, 12, 18, 0);
	struct hp_be_projection pr;
	/* 18:09: 0.600 kWh + 4.2 kW x 6/60 h = 1.020 kWh -> 4.08 kW. */
	hp_be_project(q, q + 9 * MIN_MS, 0.600, 4.2, true, 3.80, &pr);
	CHECK_INT(pr.remaining_ms, 6 * MIN_MS);
	CHECK_NEAR(pr.quarter_kwh, 1.020);
	CHECK_NEAR(pr.quarter_kw, 4.08);
	CHECK(pr.above_peak);
	/* Below a higher month peak: no warning. */
	hp_be_project(q, q + 9 * MIN_MS, 0.600, 4.2, true, 4.5, &pr);
	CHECK(!pr.above_peak);
	/* No peak yet this month: nothing to exceed. */
	hp_be_project(q, q + 9 * MIN_MS, 0.600, 4.2, false, 0, &pr);
	CHECK(!pr.above_peak);
	/* At the end the projection is what was used; before the start, a whole
	 * quarter at the current power; negative power counts as 0. */
	hp_be_project(q, q + 20 * MIN_MS, 0.7, 9, true, 3.0, &pr);
	CHECK_INT(pr.remaining_ms, 0);
	CHECK_NEAR(pr.quarter_kw, 2.8);
	CHECK(!pr.above_peak);
	hp_be_project(q, q - MIN_MS, 0, 2.0, true, 3.0, &pr);
	CHECK_INT(pr.remaining_ms, 15 * MIN_MS);
	CHECK_NEAR(pr.quarter_kw, 2.0);
	hp_be_project(q, q + 5 * MIN_MS, 0.25, -3, true, 3.0, &pr);
	CHECK_NEAR(pr.quarter_kw, 1.0);
}

static void test_reconcile(void)
{
	struct hp_be_peak own = {.found = true, .kw = 3.80, .start_ms = cet_ms(2024, 2, 12, 18, 0)};
	struct hp_be_reconciled r;
	/* The meter's 1.6.0 says 3.912 kW: it is the billing truth; both reported. */
	hp_be_reconcile(&own, 3912, "2024-02-12T18:15:00", &r);
	CHECK(r.has_own && r.has_meter && r.from_meter);
	CHECK_NEAR(r.own_kw, 3.80);
	CHECK_NEAR(r.meter_kw, 3.912);
	CHECK_NEAR(r.diff_kw, -0.112);
	CHECK_NEAR(r.peak_kw, 3.912);
	CHECK_STREQ(r.meter_time, "2024-02-12T18:15:00");
	CHECK_INT(r.own_start_ms, own.start_ms);
	/* Own only. */
	hp_be_reconcile(&own, NAN, NULL, &r);
	CHECK(r.has_own && !r.has_meter && !r.from_meter);
	CHECK_NEAR(r.peak_kw, 3.80);
	CHECK_NEAR(r.diff_kw, 0);
	CHECK_STREQ(r.meter_time, "");
	/* Meter only (no own quarters yet, e.g. after a restart). */
	hp_be_reconcile(NULL, 2589, NULL, &r);
	CHECK(!r.has_own && r.has_meter);
	CHECK_NEAR(r.peak_kw, 2.589);
	/* Neither. */
	struct hp_be_peak none = {0};
	hp_be_reconcile(&none, NAN, NULL, &r);
	CHECK(!r.has_own && !r.has_meter);
	CHECK_NEAR(r.peak_kw, 0);
}

static void test_meter_peak_month(void)
{
	static const struct {
		const char *month, *time;
		int want;
	} cases[] = {
	    /* protocols-dsmr-serial.md: (200501000000S)(200423192538S)(03.695*kW) is
		 * the April 2020 peak. */
	    {"2020-05-01T00:00:00", "2020-04-23T19:25:38", 202004},
	    /* A peak closing at midnight on the 1st is the previous month's last quarter. */
	    {"2020-05-01T00:00:00", "2020-05-01T00:00:00", 202004},
	    {"2020-05-01T00:00:00", "2020-05-01T00:15:00", 202005},
	    /* No peak time: the period stamp names the period's end. */
	    {"2021-01-01T00:00:00", "", 202012},
	    {"", "", -1},
	    {"garbage", "2020-13-01T00:00:00", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hp_month_peak p = {.value_w = 1000};
		snprintf(p.month, sizeof(p.month), "%s", cases[i].month);
		snprintf(p.time, sizeof(p.time), "%s", cases[i].time);
		CHECK_MSG(hp_be_meter_peak_month(&p) == cases[i].want, "case %zu: got %d", i,
			  hp_be_meter_peak_month(&p));
	}
}

/* tariffs.md: peaks of twelve months (kW), here January to December 2023. */
static const double year_kw[12] = {3.1, 2.2, 4.6, 0.9, 5.8, 3.0, 2.4, 2.6, 6.2, 4.1, 3.3, 2.5};

static void year_own(struct hp_be_own_month own[12])
{
	for (int i = 0; i < 12; i++) {
		own[i].month = 202301 + i;
		own[i].kw = year_kw[i];
	}
}

static struct hp_month_peak history_entry(const char *month, const char *time, double w)
{
	struct hp_month_peak p = {.value_w = w};
	snprintf(p.month, sizeof(p.month), "%s", month);
	snprintf(p.time, sizeof(p.time), "%s", time);
	return p;
}

static void test_rolling(void)
{
	struct hp_be_config c;
	hp_be_config_defaults(&c);
	CHECK_NEAR(c.floor_kw, 2.5);
	CHECK(c.floor_mode == HP_BE_FLOOR_PER_MONTH);
	c.price_per_kw_year = 40.4;
	struct hp_be_own_month own[12];
	year_own(own);
	struct hp_be_rolling r;

	/* Floor per month: 3.1, 2.5, 4.6, 2.5, 5.8, 3.0, 2.5, 2.6, 6.2, 4.1, 3.3, 2.5 ->
	 * 42.7 / 12 = 3.558 kW; x 40.4 = EUR 143.76 a year, 11.98 a month. */
	CHECK_INT(hp_be_rolling_mean(&c, 202312, own, 12, NULL, 0, NAN, &r), 0);
	CHECK_INT(r.months_with_data, 12);
	CHECK_NEAR(r.mean_kw, 42.7 / 12);
	CHECK_NEAR(round_to(r.mean_kw, 0.001), 3.558);
	CHECK_NEAR(round_to(r.cost_year, 0.01), 143.76);
	CHECK_NEAR(round_to(r.cost_month, 0.01), 11.98);
	CHECK_INT(r.months[0].month, 202301);
	CHECK_INT(r.months[11].month, 202312);
	CHECK_NEAR(r.months[1].peak_kw, 2.2);
	CHECK_NEAR(r.months[1].counted_kw, 2.5);
	CHECK_NEAR(r.months[3].counted_kw, 2.5);
	CHECK(r.months[4].source == HP_BE_SOURCE_OWN);

	/* Floor on the mean: 40.7 / 12 = 3.392 kW. */
	c.floor_mode = HP_BE_FLOOR_ON_MEAN;
	hp_be_rolling_mean(&c, 202312, own, 12, NULL, 0, NAN, &r);
	CHECK_NEAR(r.mean_kw, 40.7 / 12);
	CHECK_NEAR(round_to(r.mean_kw, 0.001), 3.392);
	CHECK_NEAR(r.months[3].counted_kw, 0.9);
	/* ... and a low year on the mean is lifted to the floor. */
	struct hp_be_own_month low[2] = {{202311, 1.0}, {202312, 2.0}};
	hp_be_rolling_mean(&c, 202312, low, 2, NULL, 0, NAN, &r);
	CHECK_NEAR(r.mean_kw, 2.5);
	c.floor_mode = HP_BE_FLOOR_PER_MONTH;

	/* The meter's history and 1.6.0 win where present:
	 * May: meter 5.9 (own 5.8); June: stamped 07-01 00:00, i.e. June, 3.0 (own 3.0);
	 * August: no peak time, period end 09-01, 2.7 (own 2.6); December: 1.6.0 says
	 * 2.6 (own 2.5). A month outside the window is ignored.
	 * Floored: 3.1, 2.5, 4.6, 2.5, 5.9, 3.0, 2.5, 2.7, 6.2, 4.1, 3.3, 2.6 = 43.0. */
	struct hp_month_peak hist[4] = {
	    history_entry("2023-06-01T00:00:00", "2023-05-17T19:15:00", 5900),
	    history_entry("2023-07-01T00:00:00", "2023-07-01T00:00:00", 3000),
	    history_entry("2023-09-01T00:00:00", "", 2700),
	    history_entry("2022-12-01T00:00:00", "2022-11-20T08:00:00", 9900),
	};
	hp_be_rolling_mean(&c, 202312, own, 12, hist, 4, 2600, &r);
	CHECK_NEAR(r.mean_kw, 43.0 / 12);
	CHECK(r.months[4].source == HP_BE_SOURCE_METER);
	CHECK(r.months[4].has_own && r.months[4].has_meter);
	CHECK_NEAR(r.months[4].own_kw, 5.8);
	CHECK_NEAR(r.months[4].meter_kw, 5.9);
	CHECK_NEAR(r.months[4].diff_kw, -0.1);
	CHECK_NEAR(r.months[4].peak_kw, 5.9);
	CHECK(r.months[5].source == HP_BE_SOURCE_METER);
	CHECK_NEAR(r.months[5].diff_kw, 0);
	CHECK_NEAR(r.months[7].peak_kw, 2.7);
	CHECK_NEAR(r.months[11].peak_kw, 2.6);
	CHECK_NEAR(r.months[11].diff_kw, -0.1);
	CHECK(r.months[0].source == HP_BE_SOURCE_OWN);
	CHECK(!r.months[0].has_meter);

	/* Meter history alone (no own data, e.g. a fresh install): it is enough. */
	hp_be_rolling_mean(&c, 202312, NULL, 0, hist, 3, NAN, &r);
	CHECK_INT(r.months_with_data, 3);
	CHECK_NEAR(r.mean_kw, (5.9 + 3.0 + 2.7) / 3);

	/* A new connection with three months: 3.0, 2.5 (1.0 floored), 4.0 -> 3.1667.
	 * The window crosses the year: March 2023 .. February 2024. */
	struct hp_be_own_month young[3] = {{202312, 3.0}, {202401, 1.0}, {202402, 4.0}};
	hp_be_rolling_mean(&c, 202402, young, 3, NULL, 0, NAN, &r);
	CHECK_INT(r.months[0].month, 202303);
	CHECK_INT(r.months[9].month, 202312);
	CHECK_INT(r.months[11].month, 202402);
	CHECK_INT(r.months_with_data, 3);
	CHECK_NEAR(r.mean_kw, 9.5 / 3);
	CHECK(r.months[8].source == HP_BE_SOURCE_NONE);

	/* No data at all: billed at the floor. A bad month is refused. */
	hp_be_rolling_mean(&c, 202402, NULL, 0, NULL, 0, NAN, &r);
	CHECK_INT(r.months_with_data, 0);
	CHECK_NEAR(r.mean_kw, 2.5);
	CHECK_NEAR(r.cost_year, 2.5 * 40.4);
	CHECK_INT(hp_be_rolling_mean(&c, 202313, own, 12, NULL, 0, NAN, &r), -1);
	CHECK_INT(hp_be_rolling_mean(&c, 0, own, 12, NULL, 0, NAN, &r), -1);
}

int main(void)
{
	test_worked_quarter();
	test_month_peak();
	test_projection();
	test_reconcile();
	test_meter_peak_month();
	test_rolling();
	return check_report("tariff_be");
}
