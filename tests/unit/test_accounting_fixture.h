/* Shared by the accounting tests: readings fed through the real store (series.h
 * books them into buckets, as in the daemon) for the worked examples of
 * tariffs.md, and local times in the meters' zones. */
#ifndef HP_TEST_ACCOUNTING_FIXTURE_H
#define HP_TEST_ACCOUNTING_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounting.h"
#include "check.h"
#include "store.h"
#include "tz.h"

#define MIN_MS  (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS  (24 * HOUR_MS)

static inline const struct hp_tz *oslo(void)
{
	return hp_tz_get("Europe/Oslo", NULL, 0);
}

static inline const struct hp_tz *brussels(void)
{
	return hp_tz_get("Europe/Brussels", NULL, 0);
}

/* Epoch ms of a local wall time in z (the first of a repeated autumn hour). */
static inline int64_t local_ms(const struct hp_tz *z, int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s,
			.tm_isdst = -1};
	int64_t t = 0;
	CHECK(hp_tz_to_utc(z, &tm, &t) == 0);
	return t * 1000;
}

/* A store on path whose meters (names[i] in zones[i]) keep every raw row. */
static inline struct hp_store *fixture_store(const char *path, const char *const *names,
					     const char *const *zones, unsigned n)
{
	struct hp_store_config c;
	memset(&c, 0, sizeof(c));
	snprintf(c.path, sizeof(c.path), "%s", path);
	c.store_interval_s = 10;
	c.raw_days = 100000; /* the examples are years apart */
	c.commit_interval_s = 60;
	c.shared = true; /* the tests read beside the writer */
	static struct hp_meter_config meters[HP_METERS_MAX];
	for (unsigned i = 0; i < n && i < HP_METERS_MAX; i++) {
		memset(&meters[i], 0, sizeof(meters[i]));
		snprintf(meters[i].name, sizeof(meters[i].name), "%s", names[i]);
		snprintf(meters[i].timezone, sizeof(meters[i].timezone), "%s", zones[i]);
	}
	char err[256] = "";
	struct hp_store *s = hp_store_open_meters(&c, meters, n, err, sizeof(err));
	CHECK_MSG(s != NULL, "open %s: %s", path, err);
	return s;
}

/* One reading: import register (kwh < 0: none), import power (w < 0: none), the
 * meter's clock and id when given. */
static inline void feed(struct hp_store *s, const char *meter, int64_t t, double kwh, double w,
			const char *meter_time, const char *id)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	if (kwh >= 0)
		hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, kwh);
	if (w >= 0)
		hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, w);
	hp_reading_set(&r, HP_NUM_L1_VOLTAGE_V, 231.5);
	if (meter_time != NULL)
		hp_reading_set_text(&r, HP_TEXT_METER_TIME, meter_time, strlen(meter_time));
	if (id != NULL)
		hp_reading_set_text(&r, HP_TEXT_METER_ID, id, strlen(id));
	CHECK_INT(hp_store_add(s, meter, t, &r), 0);
	CHECK_INT(hp_store_commit(s, t), 0);
}

/* A register every step_ms over [from, to] at kw (import power sent too). */
static inline void feed_steady(struct hp_store *s, const char *meter, int64_t from, int64_t to,
			       int64_t step_ms, double kw, double kwh0)
{
	for (int64_t t = from; t <= to; t += step_ms)
		feed(s, meter, t, kwh0 + kw * (double)(t - from) / (double)HOUR_MS, kw * 1000, NULL,
		     NULL);
}

/* ---- tariffs.md section 2: January with known hourly peaks (Norway) ---- */

/* kWh of the local hour starting at (day, hour) of January 2024 (tariffs.md's
 * table; every other hour 1 kWh). */
static inline int no_january_tenths(int day, int hour)
{
	static const struct {
		int day, hour, tenths;
	} peaks[] = {{3, 19, 59}, {6, 17, 78},  {6, 18, 75}, {14, 7, 92},
		     {14, 8, 87}, {21, 12, 64}, {22, 20, 89}};
	for (size_t i = 0; i < sizeof(peaks) / sizeof(peaks[0]); i++)
		if (peaks[i].day == day && peaks[i].hour == hour)
			return peaks[i].tenths;
	return 10;
}

/* The list 1 power between an hourly meter's registers: w from the hour starting
 * at t to its last millisecond, a sample every 5 minutes (HP_SERIES_POWER_GAP_MS
 * apart at most, so the hour's quarters follow them). */
static inline void feed_power_hour(struct hp_store *s, const char *meter, int64_t t, double w)
{
	for (int m = 5; m < 60; m += 5)
		feed(s, meter, t + m * MIN_MS, -1, w, NULL, NULL);
	feed(s, meter, t + HOUR_MS - 1, -1, w, NULL, NULL);
}

/* A Norwegian meter: list 3, the register once an hour at xx:00:10, stamped with
 * the meter's xx:00:00, and list 1, the power (feed_power_hour), from 31 December 23:00 to the hour (day, hour) of January
 * 2024 (the last register is the one at its start). The register reads 12 345.678
 * at 6 January 17:00 and 12 353.478 at 18:00 (tariffs.md). */
static inline void feed_no_january(struct hp_store *s, const char *meter, int last_day,
				   int last_hour)
{
	const struct hp_tz *z = oslo();
	/* Tenths of kWh from the first register to 6 January 17:00. */
	long before = 0;
	for (int d = 0; d <= 6; d++)
		for (int h = d == 0 ? 23 : 0; h < 24 && !(d == 6 && h == 17); h++)
			before += d == 0 ? 10 : no_january_tenths(d, h);
	double base = 12345.678 - (double)before / 10;
	long tenths = 0;
	int64_t t = local_ms(z, 2023, 12, 31, 23, 0, 0);
	for (int d = 0; d <= last_day; d++) {
		for (int h = d == 0 ? 23 : 0; h < 24; h++) {
			char mt[32];
			if (d == 0)
				snprintf(mt, sizeof(mt), "2023-12-31T23:00:00");
			else
				snprintf(mt, sizeof(mt), "2024-01-%02dT%02d:00:00", d, h);
			int hour_tenths = d == 0 ? 10 : no_january_tenths(d, h);
			double w = hour_tenths * 100.0;
			feed(s, meter, t, -1, w, NULL, NULL);
			feed(s, meter, t + 10000, base + (double)tenths / 10, w, mt, NULL);
			if (d == last_day && h == last_hour)
				return;
			feed_power_hour(s, meter, t, w);
			tenths += hour_tenths;
			t += HOUR_MS;
		}
	}
}

/* ---- tariffs.md section 3: a quarter-hour peak (Belgium) ---- */

/* A P1 meter at 1 kW from 17:00 to 19:00 local on 10 January 2024, registers every
 * 10 s, but 0.950 kWh in 18:00-18:15: 4 321.000 at 18:00:00, 4 321.950 at
 * 18:15:00 (3.80 kW). */
static inline void feed_be_peak(struct hp_store *s, const char *meter)
{
	const struct hp_tz *z = brussels();
	int64_t t17 = local_ms(z, 2024, 1, 10, 17, 0, 0), t18 = t17 + HOUR_MS,
		t1815 = t18 + 15 * MIN_MS;
	double r18 = 4321.0;
	for (int64_t t = t17; t <= t17 + 2 * HOUR_MS; t += 10000) {
		double kwh, w;
		if (t < t18) {
			kwh = r18 - (double)(t18 - t) / HOUR_MS;
			w = 1000;
		} else if (t <= t1815) {
			kwh = r18 + 0.95 * (double)(t - t18) / (15 * MIN_MS);
			w = 3800;
		} else {
			kwh = r18 + 0.95 + (double)(t - t1815) / HOUR_MS;
			w = 1000;
		}
		feed(s, meter, t, kwh, w, NULL, NULL);
	}
}

/* What the Belgian meter of feed_be_peak sends at 18:09 on 20 January: 4.2 kW
 * now, its running quarter average 4 kW (0.600 kWh over 9 minutes), 1-0:1.6.0
 * agreeing with the own quarters (3.8 kW at 18:15 on the 10th), and 0-0:98.1.0
 * with the 11 months before (tariffs.md's twelve peaks but the last). */
static inline void be_peak_reading(struct hp_reading *r)
{
	static const double history_kw[11] = {3.1, 2.2, 4.6, 0.9, 5.8, 3.0,
					      2.4, 2.6, 6.2, 4.1, 3.3};
	hp_reading_init(r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set(r, HP_NUM_POWER_IMPORT_W, 4200);
	hp_reading_set(r, HP_NUM_DEMAND_AVG_W, 4000);
	hp_reading_set(r, HP_NUM_DEMAND_MONTH_MAX_W, 3800);
	hp_reading_set_text(r, HP_TEXT_DEMAND_MONTH_MAX_TIME, "2024-01-10T18:15:00", 19);
	r->peak_count = 11;
	for (int i = 0; i < 11; i++) {
		snprintf(r->peaks[i].time, sizeof(r->peaks[i].time), "2023-%02d-14T19:15:00",
			 2 + i);
		r->peaks[i].value_w = history_kw[i] * 1000;
	}
}

/* ---- tariffs.md section 4: cost per quarter ---- */

/* 3.6, 5.6, 10.4 and 2 kW in the quarters of 17:00-18:00 on 1 October 2025 (0.9,
 * 1.4, 2.6, 0.5 kWh), a register every minute from 500 kWh. */
static inline void feed_cost_hour(struct hp_store *s, const char *meter)
{
	static const double quarter_kwh[4] = {0.9, 1.4, 2.6, 0.5};
	int64_t t17 = local_ms(oslo(), 2025, 10, 1, 17, 0, 0);
	double r = 500.0;
	for (int m = 0; m <= 60; m++) {
		int q = m < 60 ? m / 15 : 3;
		feed(s, meter, t17 + m * MIN_MS, r, quarter_kwh[q] * 4000, NULL, NULL);
		if (m < 60)
			r += quarter_kwh[q] / 15;
	}
}

/* The same hour from a Norwegian meter: the register at 17:00:10 and 18:00:10
 * (5.4 kWh), the power of each quarter every minute. */
static inline void feed_cost_hour_hourly(struct hp_store *s, const char *meter)
{
	static const double quarter_kwh[4] = {0.9, 1.4, 2.6, 0.5};
	int64_t t17 = local_ms(oslo(), 2025, 10, 1, 17, 0, 0);
	feed(s, meter, t17 - HOUR_MS + 10000, 694.0, -1, "2025-10-01T16:00:00", NULL);
	for (int m = 0; m < 60; m++) {
		double w = quarter_kwh[m / 15] * 4000;
		feed(s, meter, t17 + m * MIN_MS, -1, w, NULL, NULL);
		if (m == 0)
			feed(s, meter, t17 + 10000, 700.0, w, "2025-10-01T17:00:00", NULL);
		if (m % 15 == 14) /* the quarter's power to its last millisecond */
			feed(s, meter, t17 + (m + 1) * MIN_MS - 1, -1, w, NULL, NULL);
	}
	feed(s, meter, t17 + HOUR_MS + 10000, 705.4, 2000, "2025-10-01T18:00:00", NULL);
}

/* The quarter prices of that hour: 1.20, 1.35, 2.10, 0.95 (NOK/kWh). */
static const double cost_hour_prices[4] = {1.20, 1.35, 2.10, 0.95};

/* ---- a gap of several hours ---- */

/* 15 January 2024 in Oslo: 1 kW 09:00-12:00, nothing until 20:30 (8.5 hours: more
 * than HP_SERIES_GAP_MS), then 1 kW to 22:00. */
static inline void feed_gap_day(struct hp_store *s, const char *meter)
{
	int64_t g9 = local_ms(oslo(), 2024, 1, 15, 9, 0, 0);
	feed_steady(s, meter, g9, g9 + 3 * HOUR_MS, MIN_MS, 1.0, 100.0);
	feed_steady(s, meter, g9 + 11 * HOUR_MS + 30 * MIN_MS, g9 + 13 * HOUR_MS, MIN_MS, 1.0,
		    111.5);
}

#endif
