/* Local-time buckets (DST days of 23 and 25 hours) and the energy accounting
 * rules of series.h, with hand-computed expectations, in Europe/Oslo; bucket
 * boundaries in zones of other offsets and hemispheres. The process's own zone
 * (TZ) is set to another one, which nothing here may follow. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buckets.h"
#include "check.h"
#include "series.h"

#define MIN_MS  (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)

static const struct hp_tz *oslo;

/* UTC epoch ms of a UTC wall time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return (int64_t)timegm(&tm) * 1000;
}

/* ---- a sink that sums what the series books, per bucket ---- */

#define ACC_MAX 4096

struct acc {
	enum hp_resolution res;
	struct hp_bucket b;
	bool has[HP_REG_COUNT];
	double kwh[HP_REG_COUNT];
	unsigned samples, power_n;
	double power_sum, power_max;
	bool gap, estimated;
};

static struct acc accs[ACC_MAX];
static unsigned acc_count;

static struct acc *acc_find(enum hp_resolution res, int64_t start_ms)
{
	for (unsigned i = 0; i < acc_count; i++)
		if (accs[i].res == res && accs[i].b.start_ms == start_ms)
			return &accs[i];
	return NULL;
}

static unsigned adds; /* sink calls, for the bound a reading may make */

static void collect(void *ctx, const struct hp_bucket_add *a)
{
	(void)ctx;
	adds++;
	struct acc *x = acc_find(a->res, a->b.start_ms);
	if (x == NULL) {
		if (acc_count == ACC_MAX)
			return;
		x = &accs[acc_count++];
		memset(x, 0, sizeof(*x));
		x->res = a->res;
		x->b = a->b;
	}
	for (int i = 0; i < HP_REG_COUNT; i++) {
		x->has[i] |= a->has_energy[i];
		x->kwh[i] += a->has_energy[i] ? a->kwh[i] : 0;
	}
	if (a->has_power[HP_REG_IMPORT]) {
		double w = a->power_w[HP_REG_IMPORT];
		x->power_max = x->power_n == 0 || w > x->power_max ? w : x->power_max;
		x->power_sum += w;
		x->power_n++;
	}
	x->samples += a->samples;
	x->gap |= a->gap;
	x->estimated |= a->estimated;
}

static void reset(struct hp_series *s)
{
	acc_count = 0;
	hp_series_init(s, oslo);
}

static unsigned count_res(enum hp_resolution res, bool with_energy)
{
	unsigned n = 0;
	for (unsigned i = 0; i < acc_count; i++)
		if (accs[i].res == res && (!with_energy || accs[i].has[HP_REG_IMPORT]))
			n++;
	return n;
}

static double kwh_at(enum hp_resolution res, int64_t start_ms)
{
	struct acc *x = acc_find(res, start_ms);
	return x != NULL && x->has[HP_REG_IMPORT] ? x->kwh[HP_REG_IMPORT] : -1.0;
}

static void feed(struct hp_series *s, int64_t t_ms, double kwh, double w, const char *mt,
		 const char *id)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	if (kwh >= 0)
		hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, kwh);
	if (w >= 0)
		hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, w);
	if (mt != NULL)
		hp_reading_set_text(&r, HP_TEXT_METER_TIME, mt, strlen(mt));
	if (id != NULL)
		hp_reading_set_text(&r, HP_TEXT_METER_ID, id, strlen(id));
	hp_series_add(s, t_ms, &r, collect, NULL);
}

/* ---- bucket boundaries ---- */

static void check_bucket_in(const struct hp_tz *z, enum hp_resolution res, int64_t t, int64_t start,
			    int64_t end)
{
	struct hp_bucket b = {0, 0};
	CHECK_INT(hp_bucket_of(z, res, t, &b), 0);
	CHECK_INT(b.start_ms, start);
	CHECK_INT(b.end_ms, end);
}

static void check_bucket(enum hp_resolution res, int64_t t, int64_t start, int64_t end)
{
	check_bucket_in(oslo, res, t, start, end);
}

static unsigned buckets_in(const struct hp_tz *z, enum hp_resolution res, int64_t from, int64_t to)
{
	unsigned n = 0;
	struct hp_bucket b;
	for (int64_t t = from; t < to && hp_bucket_of(z, res, t, &b) == 0; t = b.end_ms)
		n++;
	return n;
}

static unsigned buckets_between(enum hp_resolution res, int64_t from, int64_t to)
{
	return buckets_in(oslo, res, from, to);
}

static void test_boundaries(void)
{
	/* 2024-01-15 11:37:12 local (+01:00). */
	int64_t t = utc(2024, 1, 15, 10, 37, 12) + 345;
	check_bucket(HP_RES_15M, t, utc(2024, 1, 15, 10, 30, 0), utc(2024, 1, 15, 10, 45, 0));
	check_bucket(HP_RES_HOUR, t, utc(2024, 1, 15, 10, 0, 0), utc(2024, 1, 15, 11, 0, 0));
	check_bucket(HP_RES_DAY, t, utc(2024, 1, 14, 23, 0, 0), utc(2024, 1, 15, 23, 0, 0));
	check_bucket(HP_RES_MONTH, t, utc(2023, 12, 31, 23, 0, 0), utc(2024, 1, 31, 23, 0, 0));
	struct hp_bucket b;
	CHECK_INT(hp_bucket_of(oslo, HP_RES_RAW, t, &b), -1);

	/* Spring forward 2024-03-31: 02:00 CET -> 03:00 CEST, a 23-hour day. */
	int64_t d0 = utc(2024, 3, 30, 23, 0, 0), d1 = utc(2024, 3, 31, 22, 0, 0);
	check_bucket(HP_RES_DAY, utc(2024, 3, 31, 12, 0, 0), d0, d1);
	CHECK_INT(buckets_between(HP_RES_HOUR, d0, d1), 23);
	CHECK_INT(buckets_between(HP_RES_15M, d0, d1), 92);
	check_bucket(HP_RES_HOUR, utc(2024, 3, 31, 1, 30, 0), utc(2024, 3, 31, 1, 0, 0),
		     utc(2024, 3, 31, 2, 0, 0));
	check_bucket(HP_RES_MONTH, utc(2024, 3, 10, 0, 0, 0), utc(2024, 2, 29, 23, 0, 0),
		     utc(2024, 3, 31, 22, 0, 0));

	/* Fall back 2024-10-27: 03:00 CEST -> 02:00 CET, a 25-hour day. */
	d0 = utc(2024, 10, 26, 22, 0, 0);
	d1 = utc(2024, 10, 27, 23, 0, 0);
	check_bucket(HP_RES_DAY, utc(2024, 10, 27, 1, 30, 0), d0, d1);
	CHECK_INT(buckets_between(HP_RES_HOUR, d0, d1), 25);
	CHECK_INT(buckets_between(HP_RES_15M, d0, d1), 100);
	/* The repeated hour: two buckets, same local label, different offsets. */
	char a[HP_ISO_LOCAL_MAX], c[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(oslo, utc(2024, 10, 27, 0, 0, 0), a);
	hp_time_iso_local(oslo, utc(2024, 10, 27, 1, 0, 0), c);
	CHECK_STREQ(a, "2024-10-27T02:00:00+02:00");
	CHECK_STREQ(c, "2024-10-27T02:00:00+01:00");
	check_bucket(HP_RES_HOUR, utc(2024, 10, 27, 0, 59, 59), utc(2024, 10, 27, 0, 0, 0),
		     utc(2024, 10, 27, 1, 0, 0));
	check_bucket(HP_RES_HOUR, utc(2024, 10, 27, 1, 0, 0), utc(2024, 10, 27, 1, 0, 0),
		     utc(2024, 10, 27, 2, 0, 0));

	char u[HP_ISO_UTC_MAX];
	hp_time_iso_utc(utc(2024, 3, 31, 1, 2, 3) + 999, u);
	CHECK_STREQ(u, "2024-03-31T01:02:03Z");
	hp_time_iso_local(oslo, utc(2024, 3, 31, 1, 0, 0), a);
	CHECK_STREQ(a, "2024-03-31T03:00:00+02:00");
}

static const struct hp_tz *zone(const char *name)
{
	char err[256] = "";
	const struct hp_tz *z = hp_tz_get(name, err, sizeof(err));
	CHECK_MSG(z != NULL, "%s: %s", name, err);
	return z;
}

/* Other offsets and the southern hemisphere, by hand. */
static void test_other_zones(void)
{
	const struct hp_tz *ny = zone("America/New_York"), *syd = zone("Australia/Sydney");
	const struct hp_tz *kol = zone("Asia/Kolkata"), *cha = zone("Pacific/Chatham");
	if (ny == NULL || syd == NULL || kol == NULL || cha == NULL)
		return;
	char a[HP_ISO_LOCAL_MAX];
	/* New York: days from 05:00Z (EST) or 04:00Z (EDT); 2024-03-10 has 23 hours,
	 * 2024-11-03 25. */
	int64_t t = utc(2024, 1, 15, 12, 0, 0);
	check_bucket_in(ny, HP_RES_DAY, t, utc(2024, 1, 15, 5, 0, 0), utc(2024, 1, 16, 5, 0, 0));
	check_bucket_in(ny, HP_RES_MONTH, t, utc(2024, 1, 1, 5, 0, 0), utc(2024, 2, 1, 5, 0, 0));
	check_bucket_in(ny, HP_RES_DAY, utc(2024, 3, 10, 12, 0, 0), utc(2024, 3, 10, 5, 0, 0),
			utc(2024, 3, 11, 4, 0, 0));
	CHECK_INT(buckets_in(ny, HP_RES_HOUR, utc(2024, 3, 10, 5, 0, 0), utc(2024, 3, 11, 4, 0, 0)),
		  23);
	CHECK_INT(buckets_in(ny, HP_RES_HOUR, utc(2024, 11, 3, 4, 0, 0), utc(2024, 11, 4, 5, 0, 0)),
		  25);
	hp_time_iso_local(ny, utc(2024, 11, 3, 6, 0, 0), a);
	CHECK_STREQ(a, "2024-11-03T01:00:00-05:00"); /* the repeated hour, second time */
	/* Sydney: DST from October to April; 2024-04-07 has 25 hours, 2024-10-06 23. */
	check_bucket_in(syd, HP_RES_DAY, utc(2024, 1, 15, 0, 0, 0), utc(2024, 1, 14, 13, 0, 0),
			utc(2024, 1, 15, 13, 0, 0));
	CHECK_INT(
	    buckets_in(syd, HP_RES_HOUR, utc(2024, 4, 6, 13, 0, 0), utc(2024, 4, 7, 14, 0, 0)), 25);
	CHECK_INT(
	    buckets_in(syd, HP_RES_HOUR, utc(2024, 10, 5, 14, 0, 0), utc(2024, 10, 6, 13, 0, 0)),
	    23);
	/* Kolkata, +05:30: hours start at half past in UTC. */
	check_bucket_in(kol, HP_RES_HOUR, utc(2024, 6, 1, 12, 10, 0), utc(2024, 6, 1, 11, 30, 0),
			utc(2024, 6, 1, 12, 30, 0));
	check_bucket_in(kol, HP_RES_DAY, utc(2024, 6, 1, 12, 10, 0), utc(2024, 5, 31, 18, 30, 0),
			utc(2024, 6, 1, 18, 30, 0));
	hp_time_iso_local(kol, utc(2024, 6, 1, 11, 30, 0), a);
	CHECK_STREQ(a, "2024-06-01T17:00:00+05:30");
	/* Chatham, +12:45 / +13:45: quarters still on UTC quarters, hours at :15. */
	check_bucket_in(cha, HP_RES_15M, utc(2024, 6, 1, 0, 20, 0), utc(2024, 6, 1, 0, 15, 0),
			utc(2024, 6, 1, 0, 30, 0));
	check_bucket_in(cha, HP_RES_HOUR, utc(2024, 6, 1, 0, 20, 0), utc(2024, 6, 1, 0, 15, 0),
			utc(2024, 6, 1, 1, 15, 0));
	check_bucket_in(cha, HP_RES_DAY, utc(2024, 6, 1, 0, 20, 0), utc(2024, 5, 31, 11, 15, 0),
			utc(2024, 6, 1, 11, 15, 0));
	/* UTC itself. */
	check_bucket_in(hp_tz_utc(), HP_RES_DAY, t, utc(2024, 1, 15, 0, 0, 0),
			utc(2024, 1, 16, 0, 0, 0));
	hp_time_iso_local(hp_tz_utc(), t, a);
	CHECK_STREQ(a, "2024-01-15T12:00:00+00:00");
}

/* ---- booking ---- */

static void test_steady(void)
{
	struct hp_series s;
	reset(&s);
	/* 1 kW from 10:00 local for two hours, a reading every 10 s. */
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0);
	for (int i = 0; i <= 720; i++)
		feed(&s, t0 + i * 10000LL, 1000.0 + i / 360.0, 1000, NULL, NULL);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 1.0);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0 + HOUR_MS), 1.0);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0 + 2 * HOUR_MS), -1.0); /* nothing booked yet */
	for (int q = 0; q < 8; q++)
		CHECK_NEAR(kwh_at(HP_RES_15M, t0 + q * 15 * MIN_MS), 0.25);
	CHECK_NEAR(kwh_at(HP_RES_DAY, utc(2024, 1, 14, 23, 0, 0)), 2.0);
	CHECK_NEAR(kwh_at(HP_RES_MONTH, utc(2023, 12, 31, 23, 0, 0)), 2.0);
	struct acc *h = acc_find(HP_RES_HOUR, t0);
	CHECK(h != NULL && h->samples == 360 && !h->estimated && !h->gap);
	CHECK(h != NULL && h->power_n == 360 && h->power_max == 1000.0);
	CHECK_INT(acc_find(HP_RES_HOUR, t0 + 2 * HOUR_MS)->samples, 1);
	CHECK_INT(s.new_series, 0);
}

/* Norwegian list 3: registers once an hour at xx:00:10, power every 10 s. */
static void test_hourly_registers(void)
{
	struct hp_series s;
	reset(&s);
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0); /* 10:00 local */
	const double reg[] = {100.0, 102.5, 103.0, 106.25};
	for (int i = 0; i < 3 * 360 + 2; i++) {
		int64_t t = t0 + i * 10000LL;
		bool list3 = i % 360 == 1; /* the frame at xx:00:10 */
		char mt[32];
		snprintf(mt, sizeof(mt), "2024-01-15T%02d:00:00", 10 + i / 360 % 10);
		feed(&s, t, list3 ? reg[i / 360] : -1, 2000, list3 ? mt : NULL, NULL);
	}
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 2.5);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0 + HOUR_MS), 0.5);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0 + 2 * HOUR_MS), 3.25);
	CHECK(!acc_find(HP_RES_HOUR, t0)->estimated);
	/* Quarters can only be estimated from hourly registers. */
	CHECK_NEAR(kwh_at(HP_RES_15M, t0 + HOUR_MS + 15 * MIN_MS), 0.125);
	CHECK(acc_find(HP_RES_15M, t0 + HOUR_MS + 15 * MIN_MS)->estimated);
	/* The first sample (10:00:10) is not snapped: its span ends at 11:00 anyway. */
	CHECK_NEAR(kwh_at(HP_RES_15M, t0 + 15 * MIN_MS), 2.5 * 900 / 3590);
	CHECK_NEAR(kwh_at(HP_RES_DAY, utc(2024, 1, 14, 23, 0, 0)), 6.25);
}

/* Hourly registers with power every 10 s: each hour's quarters follow the power
 * integrated in them, scaled to the hour's register delta. */
static void test_profile(void)
{
	struct hp_series s;
	reset(&s);
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0);            /* 10:00 local */
	const double quarter_w[4] = {1000, 3000, 0, 4000}; /* 0.25, 0.75, 0, 1 kWh */
	feed(&s, t0 + 10000, 100.0, quarter_w[0], "2024-01-15T10:00:00", NULL);
	for (int i = 2; i <= 361; i++) {
		int64_t t = t0 + i * 10000LL;
		double w = quarter_w[i * 10 / 900 % 4];
		bool list3 = i == 361; /* 11:00:10, the meter's 1.6 kWh hour */
		feed(&s, t, list3 ? 101.6 : -1, w, list3 ? "2024-01-15T11:00:00" : NULL, NULL);
	}
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 1.6);
	/* The power read 2 kWh (trapezoids across the steps make it a little off):
	 * the quarters keep its proportions and add up to the register's 1.6. */
	double sum = 0;
	for (int q = 0; q < 4; q++) {
		int64_t start = t0 + q * 15 * MIN_MS;
		sum += kwh_at(HP_RES_15M, start);
		CHECK(acc_find(HP_RES_15M, start)->estimated);
		CHECK(!acc_find(HP_RES_15M, start)->gap);
	}
	CHECK_NEAR(sum, 1.6);
	CHECK(fabs(kwh_at(HP_RES_15M, t0) - 0.2) < 0.01);
	CHECK(fabs(kwh_at(HP_RES_15M, t0 + 15 * MIN_MS) - 0.6) < 0.01);
	CHECK(fabs(kwh_at(HP_RES_15M, t0 + 30 * MIN_MS) - 0.0) < 0.01);
	CHECK(fabs(kwh_at(HP_RES_15M, t0 + 45 * MIN_MS) - 0.8) < 0.01);

	/* Without power samples the quarters of an hourly register are unknown: the
	 * hour is exact, the quarters a gap (never an even split). */
	reset(&s);
	feed(&s, t0 + 10000, 100.0, -1, "2024-01-15T10:00:00", NULL);
	feed(&s, t0 + HOUR_MS + 10000, 101.6, -1, "2024-01-15T11:00:00", NULL);
	feed(&s, t0 + 2 * HOUR_MS + 10000, 102.0, -1, "2024-01-15T12:00:00", NULL);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0 + HOUR_MS), 0.4);
	CHECK(!acc_find(HP_RES_HOUR, t0 + HOUR_MS)->gap);
	CHECK(acc_find(HP_RES_15M, t0 + HOUR_MS)->gap);
	CHECK(acc_find(HP_RES_15M, t0 + HOUR_MS + 15 * MIN_MS) == NULL);
	CHECK(acc_find(HP_RES_15M, t0 + HOUR_MS + 45 * MIN_MS)->gap);

	/* A break of more than HP_SERIES_POWER_GAP_MS in the power makes it a gap too. */
	reset(&s);
	feed(&s, t0 + 10000, 100.0, 1000, "2024-01-15T10:00:00", NULL);
	for (int i = 2; i <= 361; i++)
		if (i < 100 || i > 140) /* 10:16:30 .. 10:23:20 silent */
			feed(&s, t0 + i * 10000LL, i == 361 ? 101.0 : -1, 1000,
			     i == 361 ? "2024-01-15T11:00:00" : NULL, NULL);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 1.0);
	CHECK(acc_find(HP_RES_15M, t0 + 45 * MIN_MS)->gap);
}

/* An Aidon list 3 that repeats the previous hour is no sample: the next delta is
 * one 2-hour span, split by the power profile, never put into one hour. */
static void test_repeated_list(void)
{
	struct hp_series s;
	reset(&s);
	int64_t h = utc(2024, 1, 15, 9, 0, 0); /* 10:00 local */
	/* 1 kW in the first hour, 3 kW in the second, power every 10 s. */
	for (int i = 1; i <= 721; i++) {
		int64_t t = h + i * 10000LL;
		double w = i <= 360 ? 1000 : 3000;
		if (i == 1)
			feed(&s, t, 100.0, w, "2024-01-15T10:00:00", NULL);
		else if (i == 361)
			feed(&s, t, 100.0, w, "2024-01-15T10:00:00", NULL); /* the repeat */
		else if (i == 721)
			feed(&s, t, 104.0, w, "2024-01-15T12:00:00", NULL);
		else
			feed(&s, t, -1, w, NULL, NULL);
	}
	CHECK(fabs(kwh_at(HP_RES_HOUR, h) - 1.0) < 0.01);
	CHECK(fabs(kwh_at(HP_RES_HOUR, h + HOUR_MS) - 3.0) < 0.01);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, h) + kwh_at(HP_RES_HOUR, h + HOUR_MS), 4.0);
	CHECK(acc_find(HP_RES_HOUR, h)->estimated && acc_find(HP_RES_HOUR, h + HOUR_MS)->estimated);

	/* The same without power: both hours are a gap, none gets a made-up value. */
	reset(&s);
	feed(&s, h + 10000 - HOUR_MS, 98.0, -1, "2024-01-15T09:00:00", NULL);
	feed(&s, h + 10000, 100.0, -1, "2024-01-15T10:00:00", NULL);
	feed(&s, h + HOUR_MS + 10000, 100.0, -1, "2024-01-15T10:00:00", NULL);
	feed(&s, h + 2 * HOUR_MS + 10000, 104.0, -1, "2024-01-15T12:00:00", NULL);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, h - HOUR_MS), 2.0);
	CHECK(acc_find(HP_RES_HOUR, h)->gap && acc_find(HP_RES_HOUR, h + HOUR_MS)->gap);
	CHECK(!acc_find(HP_RES_HOUR, h)->has[HP_REG_IMPORT]);
	CHECK_NEAR(kwh_at(HP_RES_DAY, utc(2024, 1, 14, 23, 0, 0)), 6.0);
}

static void test_gaps(void)
{
	struct hp_series s;
	reset(&s);
	/* Three hours without readings: a gap, not an even spread (tariffs.md: that
	 * makes false peaks). The day still gets the whole delta. */
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0);
	feed(&s, t0, 100.0, -1, NULL, NULL);
	feed(&s, t0 + 3 * HOUR_MS, 103.0, -1, NULL, NULL);
	CHECK(acc_find(HP_RES_HOUR, t0)->gap);
	CHECK(acc_find(HP_RES_HOUR, t0 + HOUR_MS) == NULL);
	CHECK(acc_find(HP_RES_HOUR, t0 + 2 * HOUR_MS)->gap);
	CHECK_NEAR(kwh_at(HP_RES_DAY, utc(2024, 1, 14, 23, 0, 0)), 3.0);

	/* A short outage (10 minutes) across a quarter boundary is interpolated. */
	reset(&s);
	feed(&s, t0 + 10 * MIN_MS, 100.0, -1, NULL, NULL);
	feed(&s, t0 + 20 * MIN_MS, 101.0, -1, NULL, NULL);
	CHECK_NEAR(kwh_at(HP_RES_15M, t0), 0.5);
	CHECK_NEAR(kwh_at(HP_RES_15M, t0 + 15 * MIN_MS), 0.5);
	CHECK(!acc_find(HP_RES_15M, t0)->gap);

	/* 10:20 -> 18:50 local, 8.5 hours: one span, flagged, not smeared. */
	reset(&s);
	int64_t a = utc(2024, 1, 15, 9, 20, 0), b = utc(2024, 1, 15, 17, 50, 0);
	feed(&s, a, 200.0, -1, NULL, NULL);
	feed(&s, b, 208.5, -1, NULL, NULL);
	int64_t last_hour = utc(2024, 1, 15, 17, 0, 0), first_hour = utc(2024, 1, 15, 9, 0, 0);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, last_hour), 8.5);
	CHECK(acc_find(HP_RES_HOUR, last_hour)->gap);
	CHECK(acc_find(HP_RES_HOUR, first_hour)->gap);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, first_hour), -1.0);
	CHECK(acc_find(HP_RES_HOUR, utc(2024, 1, 15, 12, 0, 0)) == NULL);
	CHECK_NEAR(kwh_at(HP_RES_15M, utc(2024, 1, 15, 17, 45, 0)), 8.5);
	/* Inside one day: the daily total is exact. */
	CHECK_NEAR(kwh_at(HP_RES_DAY, utc(2024, 1, 14, 23, 0, 0)), 8.5);
	CHECK(!acc_find(HP_RES_DAY, utc(2024, 1, 14, 23, 0, 0))->gap);
	CHECK_INT(count_res(HP_RES_HOUR, true), 1);
}

/* However long the span, one reading stays within HP_SERIES_ADDS_MAX bucket
 * additions (the store keeps that much room), also when nothing was used. */
static void test_adds_bound(void)
{
	struct hp_series s;
	const double deltas[] = {0.0, 5.0};
	const int64_t spans[] = {15 * MIN_MS, 5 * HOUR_MS, 6 * HOUR_MS, 3 * 24 * HOUR_MS};
	int64_t t0 = utc(2024, 1, 15, 9, 7, 0);
	for (size_t d = 0; d < 2; d++) {
		for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
			reset(&s);
			feed(&s, t0, 100.0, 1000, NULL, NULL);
			for (int64_t t = t0 + 60000; t < t0 + spans[i]; t += 60000)
				feed(&s, t, -1, 1000, NULL, NULL); /* power all along */
			adds = 0;
			feed(&s, t0 + spans[i], 100.0 + deltas[d], 1000, NULL, NULL);
			CHECK_MSG(adds <= HP_SERIES_ADDS_MAX,
				  "delta %g over %lld min: %u additions", deltas[d],
				  (long long)(spans[i] / MIN_MS), adds);
		}
	}
}

static void test_new_series(void)
{
	struct hp_series s;
	reset(&s);
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0);
	/* Register reset: 500 -> 0.3 books nothing; 0.3 -> 0.8 books 0.5. */
	feed(&s, t0, 499.0, -1, NULL, NULL);
	feed(&s, t0 + 10 * MIN_MS, 500.0, -1, NULL, NULL);
	feed(&s, t0 + 20 * MIN_MS, 0.3, -1, NULL, NULL);
	feed(&s, t0 + 30 * MIN_MS, 0.8, -1, NULL, NULL);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 1.5);
	CHECK_NEAR(kwh_at(HP_RES_15M, t0), 1.0);
	CHECK_NEAR(kwh_at(HP_RES_15M, t0 + 15 * MIN_MS), 0.5);
	CHECK_INT(s.new_series, 1);
	for (unsigned i = 0; i < acc_count; i++)
		CHECK(accs[i].kwh[HP_REG_IMPORT] >= 0);

	/* Meter swap: a new meter_id with a higher register books nothing. */
	reset(&s);
	feed(&s, t0, 10.0, -1, NULL, "A");
	feed(&s, t0 + MIN_MS, 5000.0, -1, NULL, "B");
	feed(&s, t0 + 2 * MIN_MS, 5001.0, -1, NULL, "B");
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 1.0);
	CHECK_INT(s.new_series, 1);
	CHECK_STREQ(s.meter_id, "B");
	/* A reading without an id is no swap. */
	feed(&s, t0 + 3 * MIN_MS, 5002.0, -1, NULL, NULL);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 2.0);

	/* The clock going back: nothing booked across it. */
	reset(&s);
	feed(&s, t0 + HOUR_MS, 10.0, -1, NULL, NULL);
	feed(&s, t0 + 10 * MIN_MS, 11.0, -1, NULL, NULL);
	CHECK_INT(count_res(HP_RES_HOUR, true), 0);
	CHECK_INT(s.new_series, 1);

	/* Two readings stamped in the same millisecond (frames drained together after
	 * the loop stalled): no new series, and the step between them is booked. */
	reset(&s);
	feed(&s, t0, 100.000, -1, NULL, NULL);
	feed(&s, t0 + 1000, 100.001, -1, NULL, NULL);
	feed(&s, t0 + 1000, 100.002, -1, NULL, NULL);
	feed(&s, t0 + 2000, 100.003, -1, NULL, NULL);
	CHECK_NEAR(kwh_at(HP_RES_HOUR, t0), 0.003);
	CHECK_INT(s.new_series, 0);
}

static void test_export(void)
{
	struct hp_series s;
	reset(&s);
	int64_t t0 = utc(2024, 6, 1, 10, 0, 0);
	for (int i = 0; i <= 4; i++) {
		struct hp_reading r;
		hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
		hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, 50.0);
		hp_reading_set(&r, HP_NUM_ENERGY_EXPORT_KWH, 7.0 + 0.75 * i);
		hp_reading_set(&r, HP_NUM_POWER_EXPORT_W, 3000);
		hp_series_add(&s, t0 + i * 15 * MIN_MS, &r, collect, NULL);
	}
	struct acc *h = acc_find(HP_RES_HOUR, t0);
	CHECK(h != NULL && h->has[HP_REG_EXPORT] && h->has[HP_REG_IMPORT]);
	CHECK_NEAR(h->kwh[HP_REG_EXPORT], 3.0);
	CHECK_NEAR(h->kwh[HP_REG_IMPORT], 0.0);
	CHECK(!h->estimated);
}

/* A whole DST day at 1 kW: 23 or 25 hourly buckets of 1 kWh. */
static void check_dst_day(int64_t d0, int64_t d1, unsigned hours)
{
	struct hp_series s;
	reset(&s);
	for (int64_t t = d0; t <= d1; t += MIN_MS)
		feed(&s, t, (double)(t - d0) / (double)HOUR_MS, 1000, NULL, NULL);
	CHECK_INT(count_res(HP_RES_HOUR, true), hours);
	for (unsigned i = 0; i < acc_count; i++)
		if (accs[i].res == HP_RES_HOUR && accs[i].has[HP_REG_IMPORT])
			CHECK_NEAR(accs[i].kwh[HP_REG_IMPORT], 1.0);
	CHECK_INT(count_res(HP_RES_15M, true), hours * 4);
	CHECK_NEAR(kwh_at(HP_RES_DAY, d0), (double)hours);
}

int main(void)
{
	setenv("TZ", "America/Sao_Paulo", 1); /* not the zone of any bucket here */
	tzset();
	oslo = zone("Europe/Oslo");
	if (oslo == NULL)
		return check_report("buckets");
	test_boundaries();
	test_other_zones();
	test_steady();
	test_hourly_registers();
	test_repeated_list();
	test_profile();
	test_adds_bound();
	test_gaps();
	test_new_series();
	test_export();
	check_dst_day(utc(2024, 3, 30, 23, 0, 0), utc(2024, 3, 31, 22, 0, 0), 23);
	check_dst_day(utc(2024, 10, 26, 22, 0, 0), utc(2024, 10, 27, 23, 0, 0), 25);
	return check_report("buckets");
}
