/* The Norwegian capacity step with the worked examples of tariffs.md section 2:
 * the January month (8.63 kW, step 5-10, not 8.93), the live headroom on day 23
 * (X <= 11.9 kWh, 9.8 kWh left, 14.7 kW), N = 1 and 5, distinct days off, a short
 * month, gaps, a 25-hour autumn day; and the AMS reader's 5-slot table. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "check.h"
#include "tariff_no.h"

#define MIN_MS  (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)

/* UTC epoch ms of a local wall time offset_h hours east of UTC. */
static int64_t local_ms(int y, int mo, int d, int h, int mi, int offset_h)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return ((int64_t)timegm(&tm) - offset_h * 3600LL) * 1000;
}

/* A January 2024 in Oslo (UTC+1): every hour 1.0 kWh except those set. */
#define JAN_HOURS (31 * 24)
static struct hp_no_hour jan[JAN_HOURS];

static struct hp_no_hour *jan_hour(int day, int hour)
{
	return &jan[(day - 1) * 24 + hour];
}

static void jan_fill(void)
{
	for (int d = 1; d <= 31; d++) {
		for (int h = 0; h < 24; h++) {
			struct hp_no_hour *x = jan_hour(d, h);
			memset(x, 0, sizeof(*x));
			x->start_ms = local_ms(2024, 1, d, h, 0, 1);
			x->end_ms = x->start_ms + HOUR_MS;
			x->import_kwh = 1.0;
			x->local_day = 20240100 + d;
			x->local_hour = h;
		}
	}
	/* The worked example's table: hours above 5 kWh. */
	jan_hour(3, 19)->import_kwh = 5.9;
	jan_hour(6, 17)->import_kwh = 7.8;
	jan_hour(6, 18)->import_kwh = 7.5;
	jan_hour(14, 7)->import_kwh = 9.2;
	jan_hour(14, 8)->import_kwh = 8.7;
	jan_hour(21, 20)->import_kwh = 6.4;
	jan_hour(22, 17)->import_kwh = 8.9;
}

static void check_peak(const struct hp_no_peak *p, int day, int hour, double kwh)
{
	CHECK_INT(p->local_day, 20240100 + day);
	CHECK_INT(p->local_hour, hour);
	CHECK_NEAR(p->kwh, kwh);
	CHECK_INT(p->start_ms, local_ms(2024, 1, day, hour, 0, 1));
}

static void test_defaults_and_steps(void)
{
	struct hp_no_config c;
	hp_no_config_defaults(&c);
	char why[96];
	CHECK_INT(hp_no_config_check(&c, why, sizeof(why)), 0);
	CHECK_INT(c.hours, 3);
	CHECK(c.distinct_days);
	CHECK_INT(c.threshold_count, 9);

	static const struct {
		double kw;
		unsigned index;
		double lower, upper;
		bool has_upper;
	} cases[] = {
	    {0, 0, 0, 2, true},         {1.99, 0, 0, 2, true},    {2.0, 0, 0, 2, true},
	    {2.01, 1, 2, 5, true},      {8.63, 2, 5, 10, true},   {10.0, 2, 5, 10, true},
	    {10.0001, 3, 10, 15, true}, {99.9, 8, 75, 100, true}, {100.5, 9, 100, 0, false},
	    {-3, 0, 0, 2, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hp_no_step s = hp_no_step_of(&c, cases[i].kw);
		CHECK_MSG(s.index == cases[i].index, "%g kW: step %u, want %u", cases[i].kw,
			  s.index, cases[i].index);
		CHECK_NEAR(s.lower_kw, cases[i].lower);
		CHECK_NEAR(s.upper_kw, cases[i].upper);
		CHECK(s.has_upper == cases[i].has_upper);
	}

	c.hours = 6;
	CHECK_INT(hp_no_config_check(&c, why, sizeof(why)), -1);
	CHECK_STREQ(why, "hours: 6 is not 1 to 5");
	c.hours = 3;
	c.thresholds_kw[3] = 9;
	CHECK_INT(hp_no_config_check(&c, why, sizeof(why)), -1);
	CHECK_STREQ(why, "thresholds: 9 after 10 is not ascending");
	struct hp_no_month m;
	CHECK_INT(hp_no_month_compute(&c, jan, 1, &m), -1);
}

static void test_january(void)
{
	struct hp_no_config c;
	hp_no_config_defaults(&c);
	jan_fill();

	struct {
		unsigned hours;
		bool distinct;
		unsigned count;
		double value;
		unsigned step;
	} cases[] = {
	    /* (9.2 + 8.9 + 7.8) / 3 = 8.6333: step 5-10. */
	    {3, true, 3, (9.2 + 8.9 + 7.8) / 3, 2},
	    /* Single highest hour. */
	    {1, true, 1, 9.2, 2},
	    /* Five days: 9.2, 8.9, 7.8, 6.4, 5.9 -> 38.2 / 5 = 7.64. */
	    {5, true, 5, 7.64, 2},
	    /* Distinct days off: 9.2, 8.9, 8.7 (two hours of day 14) -> 8.9333. */
	    {3, false, 3, (9.2 + 8.9 + 8.7) / 3, 2},
	    /* Off with N = 5: 9.2, 8.9, 8.7, 7.8, 7.5 -> 42.1 / 5 = 8.42. */
	    {5, false, 5, 8.42, 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.hours = cases[i].hours;
		c.distinct_days = cases[i].distinct;
		struct hp_no_month m;
		CHECK_INT(hp_no_month_compute(&c, jan, JAN_HOURS, &m), 0);
		CHECK_INT(m.peak_count, cases[i].count);
		CHECK(m.complete);
		CHECK_NEAR(m.value_kw, cases[i].value);
		CHECK_INT(m.step.index, cases[i].step);
		CHECK_INT(m.hours_used, JAN_HOURS);
		CHECK_INT(m.gap_hours, 0);
	}

	/* The default case in full: the counted hours, largest first. */
	hp_no_config_defaults(&c);
	struct hp_no_month m;
	hp_no_month_compute(&c, jan, JAN_HOURS, &m);
	check_peak(&m.peaks[0], 14, 7, 9.2);
	check_peak(&m.peaks[1], 22, 17, 8.9);
	check_peak(&m.peaks[2], 6, 17, 7.8);
	CHECK_NEAR(m.step.lower_kw, 5);
	CHECK_NEAR(m.step.upper_kw, 10);
	/* The wrong top-3-hours answer must not come out. */
	CHECK(fabs(m.value_kw - 8.9333333) > 0.1);

	/* Order of the rows does not matter: reversed gives the same. */
	static struct hp_no_hour rev[JAN_HOURS];
	for (size_t i = 0; i < JAN_HOURS; i++)
		rev[i] = jan[JAN_HOURS - 1 - i];
	struct hp_no_month r;
	hp_no_month_compute(&c, rev, JAN_HOURS, &r);
	CHECK_NEAR(r.value_kw, m.value_kw);
	CHECK_INT(r.peaks[0].start_ms, m.peaks[0].start_ms);
	CHECK_INT(r.peaks[2].start_ms, m.peaks[2].start_ms);
}

static void test_gaps_and_short_month(void)
{
	struct hp_no_config c;
	hp_no_config_defaults(&c);
	jan_fill();
	/* A gap hour holding a long outage's whole delta (series.h) is no peak. */
	jan_hour(10, 12)->import_kwh = 30;
	jan_hour(10, 12)->gap = true;
	jan_hour(10, 13)->gap = true;
	jan_hour(10, 13)->import_kwh = 0;
	/* An estimated hour counts and is flagged. */
	jan_hour(22, 17)->estimated = true;
	struct hp_no_month m;
	hp_no_month_compute(&c, jan, JAN_HOURS, &m);
	CHECK_NEAR(m.value_kw, (9.2 + 8.9 + 7.8) / 3);
	CHECK_INT(m.gap_hours, 2);
	CHECK_INT(m.hours_used, JAN_HOURS - 2);
	CHECK(!m.peaks[0].estimated);
	CHECK(m.peaks[1].estimated);

	/* Only two days of data so far (1 and 2 January), N = 3: the mean of what there
	 * is, marked incomplete. */
	jan_fill();
	jan_hour(1, 18)->import_kwh = 4.0;
	jan_hour(2, 8)->import_kwh = 2.5;
	hp_no_month_compute(&c, jan, 48, &m);
	CHECK_INT(m.peak_count, 2);
	CHECK(!m.complete);
	CHECK_NEAR(m.value_kw, (4.0 + 2.5) / 2);
	CHECK_INT(m.step.index, 1);

	/* Nothing at all, or gaps only. */
	hp_no_month_compute(&c, jan, 0, &m);
	CHECK_INT(m.peak_count, 0);
	CHECK_NEAR(m.value_kw, 0);
	CHECK_INT(m.step.index, 0);
	for (int h = 0; h < 24; h++)
		jan_hour(1, h)->gap = true;
	hp_no_month_compute(&c, jan, 24, &m);
	CHECK_INT(m.peak_count, 0);
	CHECK_INT(m.gap_hours, 24);
}

/* 27 October 2024 in Oslo: 25 hours, 02:00 twice (00:00Z as CEST, 01:00Z as CET). */
static void test_dst_autumn(void)
{
	struct hp_no_hour day[25];
	int64_t start = local_ms(2024, 10, 27, 0, 0, 2); /* 2024-10-26T22:00Z */
	for (int i = 0; i < 25; i++) {
		memset(&day[i], 0, sizeof(day[i]));
		day[i].start_ms = start + i * HOUR_MS;
		day[i].end_ms = day[i].start_ms + HOUR_MS;
		day[i].local_day = 20241027;
		/* Labels 0, 1, 2, 2, 3, ..., 23. */
		day[i].local_hour = i <= 2 ? i : i - 1;
		day[i].import_kwh = 1.5;
	}
	day[2].import_kwh = 6.0; /* 02:00 summer time */
	day[3].import_kwh = 6.5; /* 02:00 winter time, the repeat: the day's peak */
	struct hp_no_config c;
	hp_no_config_defaults(&c);
	c.hours = 1;
	struct hp_no_month m;
	hp_no_month_compute(&c, day, 25, &m);
	CHECK_INT(m.hours_used, 25);
	CHECK_INT(m.peak_count, 1);
	CHECK_NEAR(m.value_kw, 6.5);
	CHECK_INT(m.peaks[0].local_hour, 2);
	CHECK_INT(m.peaks[0].start_ms, local_ms(2024, 10, 27, 1, 0, 0)); /* 01:00Z */

	/* Without distinct days and N = 2 both 02:00 hours count, told apart by UTC. */
	c.hours = 2;
	c.distinct_days = false;
	hp_no_month_compute(&c, day, 25, &m);
	CHECK_NEAR(m.value_kw, 6.25);
	CHECK_INT(m.peaks[1].start_ms, local_ms(2024, 10, 27, 0, 0, 0));
	CHECK_INT(m.peaks[1].local_hour, 2);
}

static void test_headroom(void)
{
	struct hp_no_config c;
	hp_no_config_defaults(&c);
	jan_fill();
	/* Day 23 at 18:20: today's finished hours are 1 kWh each; 2.1 kWh since 18:00 at
	 * 6.3 kW now. The store's partial 18:00 row (0.7 kWh) is superseded. */
	jan_hour(23, 18)->import_kwh = 0.7;
	struct hp_no_running run = {.now_ms = local_ms(2024, 1, 23, 18, 20, 1),
				    .hour_start_ms = local_ms(2024, 1, 23, 18, 0, 1),
				    .hour_end_ms = local_ms(2024, 1, 23, 19, 0, 1),
				    .local_day = 20240123,
				    .used_kwh = 2.1,
				    .power_kw = 6.3};
	struct hp_no_live l;
	CHECK_INT(hp_no_live_compute(&c, jan, JAN_HOURS, &run, &l), 0);
	CHECK_NEAR(l.value_kw, (9.2 + 8.9 + 7.8) / 3);
	CHECK_INT(l.step.index, 2);
	CHECK(l.limited);
	/* (9.2 + 8.9 + X) / 3 <= 10 -> X <= 11.9. */
	CHECK_NEAR(l.hour_max_kwh, 11.9);
	CHECK_NEAR(l.remaining_kwh, 9.8);
	CHECK_INT(l.remaining_ms, 40 * MIN_MS);
	CHECK_NEAR(l.remaining_kw, 14.7);
	/* Projection: 2.1 + 6.3 x 40/60 = 6.3 kWh, below the three days: no change. */
	CHECK_NEAR(l.projected_hour_kwh, 6.3);
	CHECK_NEAR(l.projected_kw, (9.2 + 8.9 + 7.8) / 3);
	CHECK_INT(l.projected_step.index, 2);

	/* At 21 kW the hour ends at 2.1 + 14 = 16.1 kWh: (16.1 + 9.2 + 8.9) / 3 = 11.4,
	 * step 10-15 projected while the current step is still 5-10. */
	run.power_kw = 21;
	hp_no_live_compute(&c, jan, JAN_HOURS, &run, &l);
	CHECK_NEAR(l.projected_hour_kwh, 16.1);
	CHECK_NEAR(l.projected_kw, (16.1 + 9.2 + 8.9) / 3);
	CHECK_INT(l.projected_step.index, 3);
	CHECK_INT(l.step.index, 2);

	/* Used beyond X: the step is already 10-15; headroom to 15 is counted from the
	 * new value: (9.2 + 8.9 + X) / 3 <= 15 -> X <= 26.9. */
	run.used_kwh = 12.5;
	run.power_kw = 0;
	hp_no_live_compute(&c, jan, JAN_HOURS, &run, &l);
	CHECK_NEAR(l.value_kw, (12.5 + 9.2 + 8.9) / 3);
	CHECK_INT(l.step.index, 3);
	CHECK_NEAR(l.hour_max_kwh, 26.9);
	CHECK_NEAR(l.remaining_kwh, 14.4);

	/* Today already had a 10.5 kWh hour: it, not the running hour, is today's day
	 * value: (10.5 + 9.2 + 8.9) / 3 = 9.5333, still step 5-10; X stays 11.9. */
	jan_hour(23, 9)->import_kwh = 10.5;
	run.used_kwh = 2.1;
	hp_no_live_compute(&c, jan, JAN_HOURS, &run, &l);
	CHECK_NEAR(l.value_kw, (10.5 + 9.2 + 8.9) / 3);
	CHECK_NEAR(l.hour_max_kwh, 11.9);

	/* Without distinct days today's 10.5 hour is one of the others:
	 * (10.5 + 9.2 + X) / 3 <= 10 -> X <= 10.3. */
	c.distinct_days = false;
	hp_no_live_compute(&c, jan, JAN_HOURS, &run, &l);
	CHECK_NEAR(l.value_kw, (10.5 + 9.2 + 8.9) / 3);
	CHECK_NEAR(l.hour_max_kwh, 10.3);

	/* First hour of a month, no data: N' = 1, X <= the step's bound (2 kWh). */
	c.distinct_days = true;
	run.used_kwh = 0.5;
	run.now_ms = run.hour_end_ms; /* no time left: no division by zero */
	hp_no_live_compute(&c, jan, 0, &run, &l);
	CHECK_NEAR(l.value_kw, 0.5);
	CHECK_NEAR(l.hour_max_kwh, 2);
	CHECK_NEAR(l.remaining_kwh, 1.5);
	CHECK_INT(l.remaining_ms, 0);
	CHECK_NEAR(l.remaining_kw, 0);

	/* The top step has no bound to stay under. */
	run.used_kwh = 150;
	hp_no_live_compute(&c, jan, 0, &run, &l);
	CHECK(!l.limited);
	CHECK_INT(l.step.index, 9);
	CHECK_NEAR(l.remaining_kwh, 0);
}

static struct hp_no_hour hour_row(int day, int hour, double kwh)
{
	struct hp_no_hour h = {.start_ms = local_ms(2024, 1, day, hour, 0, 1),
			       .import_kwh = kwh,
			       .local_day = 20240100 + day,
			       .local_hour = hour};
	h.end_ms = h.start_ms + HOUR_MS;
	return h;
}

static void test_ams_table(void)
{
	struct hp_no_ams_config c;
	hp_no_ams_config_defaults(&c);
	CHECK_INT(c.thresholds[0], 5);
	CHECK_INT(c.thresholds[8], 150);
	CHECK_INT(c.thresholds[9], 65535);
	struct hp_no_ams t;
	hp_no_ams_init(&t);
	struct hp_no_ams_view v;

	static const struct {
		int day, hour;
		double kwh;
	} offers[] = {
	    {1, 18, 4.0}, /* slot 0 */
	    {2, 7, 9.0},  /* slot 1 */
	    {2, 19, 8.0}, /* same day, smaller: ignored */
	    {3, 12, 2.0}, /* slot 2 */
	    {4, 17, 6.0}, /* slot 3 */
	    {4, 18, 6.5}, /* same day, larger: slot 3 becomes 6.5 at 18 */
	    {5, 8, 7.0},  /* slot 4: table full */
	    {6, 9, 1.5},  /* smaller than the smallest (2.0): ignored */
	};
	for (size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
		struct hp_no_hour h = hour_row(offers[i].day, offers[i].hour, offers[i].kwh);
		hp_no_ams_offer(&t, &c, &h);
	}
	CHECK_INT(t.month, 202401);
	int days[] = {1, 2, 3, 4, 5};
	unsigned centi[] = {400, 900, 200, 650, 700};
	for (int i = 0; i < 5; i++) {
		CHECK_INT(t.slot[i].day, days[i]);
		CHECK_INT(t.slot[i].centi_kwh, centi[i]);
	}
	CHECK_INT(t.slot[3].hour, 18);

	/* Top 3 by value are 9.0, 7.0, 6.5, listed in storage order: 9.0 (slot 1),
	 * 6.5 (slot 3), 7.0 (slot 4): not sorted. */
	hp_no_ams_view(&t, &c, &v);
	CHECK_INT(v.count, 3);
	CHECK_INT(v.peaks[0].day, 2);
	CHECK_INT(v.peaks[0].centi_kwh, 900);
	CHECK_INT(v.peaks[1].day, 4);
	CHECK_INT(v.peaks[1].centi_kwh, 650);
	CHECK_INT(v.peaks[2].day, 5);
	CHECK_INT(v.peaks[2].centi_kwh, 700);
	CHECK(v.peaks[1].centi_kwh < v.peaks[2].centi_kwh);
	CHECK_NEAR(v.month_max_kwh, (9.0 + 6.5 + 7.0) / 3);
	/* 7.5 kWh: the first threshold >= it is 10. */
	CHECK_INT(v.threshold_kwh, 10);

	/* Day 6 with 5.0 replaces the smallest slot (2.0 of day 3) in place. */
	struct hp_no_hour h = hour_row(6, 20, 5.004); /* stored as 5.00 */
	hp_no_ams_offer(&t, &c, &h);
	CHECK_INT(t.slot[2].day, 6);
	CHECK_INT(t.slot[2].hour, 20);
	CHECK_INT(t.slot[2].centi_kwh, 500);
	/* A gap hour is never a peak. */
	h = hour_row(7, 1, 40);
	h.gap = true;
	hp_no_ams_offer(&t, &c, &h);
	CHECK_INT(t.slot[0].centi_kwh, 400);

	/* N = 5: every slot, storage order: 4.0, 9.0, 5.0, 6.5, 7.0 -> 31.5 / 5 = 6.3. */
	c.hours = 5;
	hp_no_ams_view(&t, &c, &v);
	CHECK_INT(v.count, 5);
	CHECK_INT(v.peaks[0].centi_kwh, 400);
	CHECK_INT(v.peaks[2].centi_kwh, 500);
	CHECK_NEAR(v.month_max_kwh, 6.3);
	/* The index stays where N = 3 put it: threshold 10. */
	CHECK_INT(v.threshold_kwh, 10);
	c.hours = 3;

	/* A day of 25 kWh lifts the month max to (25 + 9 + 7) / 3 = 13.67: threshold 15. */
	h = hour_row(8, 18, 25);
	hp_no_ams_offer(&t, &c, &h);
	hp_no_ams_view(&t, &c, &v);
	CHECK_NEAR(v.month_max_kwh, (25 + 9.0 + 7.0) / 3);
	CHECK_INT(v.threshold_kwh, 15);
	/* Beyond 150: the end marker. */
	h = hour_row(9, 18, 400);
	hp_no_ams_offer(&t, &c, &h);
	h = hour_row(10, 18, 400);
	hp_no_ams_offer(&t, &c, &h);
	hp_no_ams_view(&t, &c, &v);
	CHECK_INT(v.threshold_kwh, 65535);

	/* The first hour of February clears the table and the index. */
	h = hour_row(1, 0, 1.25);
	h.local_day = 20240201;
	hp_no_ams_offer(&t, &c, &h);
	hp_no_ams_view(&t, &c, &v);
	CHECK_INT(t.month, 202402);
	CHECK_INT(v.count, 1);
	CHECK_INT(v.peaks[0].day, 1);
	CHECK_INT(v.peaks[0].centi_kwh, 125);
	CHECK_NEAR(v.month_max_kwh, 1.25);
	CHECK_INT(v.threshold_kwh, 5);
	CHECK_INT(t.slot[1].day, 0);

	/* The January worked example hour by hour gives 8.63 and threshold 10, as the
	 * exact computation does. */
	hp_no_ams_init(&t);
	jan_fill();
	for (size_t i = 0; i < JAN_HOURS; i++)
		hp_no_ams_offer(&t, &c, &jan[i]);
	hp_no_ams_view(&t, &c, &v);
	CHECK_NEAR(v.month_max_kwh, (9.2 + 8.9 + 7.8) / 3);
	CHECK_INT(v.threshold_kwh, 10);
	/* Slots end as days 6, 14, 3, 21, 22 (each replaced a 1.0 kWh day in place);
	 * the counted ones in storage order: 7.8 (day 6), 9.2 (14), 8.9 (22). */
	CHECK_INT(v.count, 3);
	CHECK_INT(v.peaks[0].day, 6);
	CHECK_INT(v.peaks[1].day, 14);
	CHECK_INT(v.peaks[2].day, 22);
}

int main(void)
{
	test_defaults_and_steps();
	test_january();
	test_gaps_and_short_month();
	test_dst_autumn();
	test_headroom();
	test_ams_table();
	return check_report("tariff_no");
}
