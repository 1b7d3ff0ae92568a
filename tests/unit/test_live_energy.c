/* The AMS reader style live accounting with the worked example of tariffs.md
 * section 5 (17:00:08 at 2400 W -> 0.00667 kWh; 17:00:18 at 1800 W -> 0.01167 kWh),
 * the dt cap, export on its own frames, resets at hour/day/month, and day and
 * month built from the stored values. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "check.h"
#include "live_energy.h"

#define SEC_MS  1000LL
#define MIN_MS  (60 * SEC_MS)
#define HOUR_MS (60 * MIN_MS)

/* Oslo in January (UTC+1): the epoch ms of a local wall time. */
static int64_t local_ms(int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = 2024 - 1900,
			.tm_mon = 0,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return ((int64_t)timegm(&tm) - 3600) * 1000;
}

static struct hp_live_sample sample(int d, int h, int mi, int s, double import_w)
{
	struct hp_live_sample x = {
	    .t_ms = local_ms(d, h, mi, s),
	    .keys = {.hour_start_ms = local_ms(d, h, 0, 0), .day = 20240100 + d, .month = 202401},
	    .has_import = true,
	    .import_w = import_w,
	    .has_import_price = true,
	    .import_price = 1.5};
	return x;
}

static void test_worked_example(void)
{
	struct hp_live_energy e;
	hp_live_energy_init(&e);
	/* The last frame of the previous hour; the first frame books nothing. */
	struct hp_live_sample s = sample(15, 16, 59, 58, 1000);
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0);
	/* 17:00:08, 2400 W: the new hour starts at 0, then 2400 W x 10 s. */
	s = sample(15, 17, 0, 8, 2400);
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 2400.0 * 10 / 3600 / 1000);
	CHECK_NEAR(round(e.hour.use_kwh * 1e5) / 1e5, 0.00667);
	CHECK_NEAR(e.hour.cost, 2400.0 * 10 / 3600 / 1000 * 1.5);
	/* 17:00:18, 1800 W: + 0.00500 -> 0.01167. */
	s = sample(15, 17, 0, 18, 1800);
	hp_live_energy_add(&e, &s);
	double want = (2400.0 + 1800.0) * 10 / 3600 / 1000;
	CHECK_NEAR(e.hour.use_kwh, want);
	CHECK_NEAR(round(e.hour.use_kwh * 1e5) / 1e5, 0.01167);
	CHECK_NEAR(e.hour.cost, want * 1.5);
	CHECK(!e.hour.unpriced);

	/* Day and month from stored values plus the running hour. */
	struct hp_live_period today = {
	    .use_kwh = 10.0, .cost = 15.0, .produced_kwh = 1.0, .income = 0.5};
	struct hp_live_period month = {.use_kwh = 300.0, .cost = 400.0};
	struct hp_live_view v;
	hp_live_energy_view(&e, &today, &month, &v);
	CHECK_NEAR(v.hour.use_kwh, want);
	CHECK_NEAR(v.day.use_kwh, 10.0 + want);
	CHECK_NEAR(v.day.cost, 15.0 + want * 1.5);
	CHECK_NEAR(v.day.produced_kwh, 1.0);
	CHECK_NEAR(v.day.income, 0.5);
	CHECK_NEAR(v.month.use_kwh, 310.0 + want);
	CHECK_NEAR(v.month.cost, 415.0 + want * 1.5);
	/* Without stored values: the integrated totals (including 16:59:58's frame,
	 * which booked nothing). */
	hp_live_energy_view(&e, NULL, NULL, &v);
	CHECK_NEAR(v.day.use_kwh, want);
	CHECK_NEAR(v.month.use_kwh, want);
}

static void test_cap_and_time(void)
{
	struct hp_live_energy e;
	hp_live_energy_init(&e);
	struct hp_live_sample s = sample(15, 17, 0, 0, 1800);
	hp_live_energy_add(&e, &s);
	/* 30 minutes of silence: only HP_LIVE_DT_MAX_MS (5 min) at 1800 W = 0.15 kWh. */
	s = sample(15, 17, 30, 0, 1800);
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.15);
	/* The same time again books nothing; a time going back books nothing and dt
	 * restarts from it. */
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.15);
	s = sample(15, 17, 29, 0, 1800);
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.15);
	s = sample(15, 17, 29, 10, 3600); /* 10 s after it at 3600 W: 0.01 kWh */
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.16);
	/* Negative power (a sign error upstream) counts as 0. */
	s = sample(15, 17, 29, 20, -500);
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.16);
	/* No price: energy booked, cost short and flagged. */
	s = sample(15, 17, 29, 30, 3600);
	s.has_import_price = false;
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.17);
	CHECK_NEAR(e.hour.cost, 0.16 * 1.5);
	CHECK(e.hour.unpriced);
	CHECK(e.day.unpriced);
}

static void test_export_frames(void)
{
	struct hp_live_energy e;
	hp_live_energy_init(&e);
	/* Import every 2.5 s (list 1); export only every 10 s (list 2) at 4000 W. */
	for (int i = 0; i <= 8; i++) {
		struct hp_live_sample s = sample(15, 12, 0, 0, 500);
		s.t_ms += i * 2500;
		if (i % 4 == 0) {
			s.has_export = true;
			s.export_w = 4000;
			s.has_export_price = true;
			s.export_price = 0.8;
		}
		hp_live_energy_add(&e, &s);
	}
	/* Import: 8 x 2.5 s at 500 W = 20 s -> 0.0027778 kWh. Export: 2 x 10 s at
	 * 4000 W = 0.0222222 kWh, income x 0.8. */
	CHECK_NEAR(e.hour.use_kwh, 500.0 * 20 / 3600 / 1000);
	CHECK_NEAR(e.hour.produced_kwh, 4000.0 * 20 / 3600 / 1000);
	CHECK_NEAR(e.hour.income, 4000.0 * 20 / 3600 / 1000 * 0.8);
	CHECK_NEAR(e.hour.cost, 500.0 * 20 / 3600 / 1000 * 1.5);
}

static void test_resets(void)
{
	struct hp_live_energy e;
	hp_live_energy_init(&e);
	/* 31 January 23:59:50 and 23:59:59: 9 s at 3600 W = 0.009 kWh. */
	struct hp_live_sample s = sample(31, 23, 59, 50, 3600);
	hp_live_energy_add(&e, &s);
	s = sample(31, 23, 59, 59, 3600);
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.009);
	CHECK_NEAR(e.day.use_kwh, 0.009);
	CHECK_NEAR(e.month.use_kwh, 0.009);
	/* 1 February 00:00:09: new hour, day and month; 10 s at 3600 W = 0.01. */
	s = sample(31, 23, 59, 59, 3600);
	s.t_ms += 10 * SEC_MS;
	s.keys.hour_start_ms = s.t_ms - 9 * SEC_MS;
	s.keys.day = 20240201;
	s.keys.month = 202402;
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.01);
	CHECK_NEAR(e.day.use_kwh, 0.01);
	CHECK_NEAR(e.month.use_kwh, 0.01);
	/* 01:00:09: new hour only. */
	s.t_ms += HOUR_MS;
	s.keys.hour_start_ms += HOUR_MS;
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.3); /* capped: 5 min at 3600 W */
	CHECK_NEAR(e.day.use_kwh, 0.31);
	CHECK_NEAR(e.month.use_kwh, 0.31);
	/* The repeated autumn hour has its own key (its UTC start): a reset even though
	 * the local label is the same. */
	s.t_ms += 10 * SEC_MS;
	s.keys.hour_start_ms += HOUR_MS;
	hp_live_energy_add(&e, &s);
	CHECK_NEAR(e.hour.use_kwh, 0.01);
	CHECK_NEAR(e.day.use_kwh, 0.32);
	/* The view with only the month's finished days: day integrated, month on top. */
	struct hp_live_period month = {.use_kwh = 5.0};
	struct hp_live_view v;
	hp_live_energy_view(&e, NULL, &month, &v);
	CHECK_NEAR(v.day.use_kwh, 0.32);
	CHECK_NEAR(v.month.use_kwh, 5.32);
}

int main(void)
{
	test_worked_example();
	test_cap_and_time();
	test_export_frames();
	test_resets();
	return check_report("live_energy");
}
