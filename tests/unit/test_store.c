/* The history store on real SQLite files in a temporary directory: energy buckets
 * from synthetic readings over simulated time (Europe/Oslo, DST days included),
 * raw rows per store_interval, pruning, commit batching, reopening, corrupt and
 * unwritable files, and history queries for every resolution. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buckets.h"
#include "check.h"
#include "json_text.h"
#include "store.h"

#define MIN_MS  (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS  (24 * HOUR_MS)

static char dir[200];

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

static void config(struct hp_store_config *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s/%s", dir, name);
	c->store_interval_s = 10;
	c->raw_days = 90;
	c->commit_interval_s = 60;
	/* These tests look into the file beside the writer (test_exclusive does not). */
	c->shared = true;
}

/* The meters of these tests are in Oslo; main sets the process's zone to another,
 * which the store must not follow. */
static const char *const oslo_meters[HP_METERS_MAX] = {"home", "han", "m",    "a",
						       "old",  "new", "swap", "shed"};

static struct hp_store *open_store(const struct hp_store_config *c)
{
	static struct hp_meter_config meters[HP_METERS_MAX];
	for (unsigned i = 0; i < HP_METERS_MAX; i++) {
		snprintf(meters[i].name, sizeof(meters[i].name), "%s", oslo_meters[i]);
		snprintf(meters[i].timezone, sizeof(meters[i].timezone), "Europe/Oslo");
	}
	char err[256] = "";
	struct hp_store *s = hp_store_open_meters(c, meters, HP_METERS_MAX, err, sizeof(err));
	CHECK_MSG(s != NULL, "open %s: %s", c->path, err);
	return s;
}

static struct hp_store_reader *open_reader(const char *path)
{
	char err[256] = "";
	struct hp_store_reader *rd = hp_store_reader_open(path, err, sizeof(err));
	CHECK_MSG(rd != NULL, "reader %s: %s", path, err);
	return rd;
}

static void add(struct hp_store *s, const char *meter, int64_t t, double kwh, double w,
		const char *mt, const char *id)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	if (kwh >= 0)
		hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, kwh);
	if (w >= 0)
		hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, w);
	hp_reading_set(&r, HP_NUM_L1_VOLTAGE_V, 231.5);
	if (mt != NULL)
		hp_reading_set_text(&r, HP_TEXT_METER_TIME, mt, strlen(mt));
	if (id != NULL)
		hp_reading_set_text(&r, HP_TEXT_METER_ID, id, strlen(id));
	CHECK_INT(hp_store_add(s, meter, t, &r), 0);
}

static json_t *history(struct hp_store_reader *rd, const char *meter, int64_t from, int64_t to,
		       enum hp_resolution res, unsigned limit)
{
	char err[256] = "";
	struct hp_json_text text;
	hp_json_text_init(&text);
	int rows = hp_store_history(rd, meter, from, to, res, limit, &text, err, sizeof(err));
	CHECK_MSG(rows >= 0, "history: %s", err);
	/* The text is the whole answer: it parses, and to as many rows as were counted. */
	json_error_t e = {.line = 0};
	json_t *a = rows >= 0 ? json_loadb(text.buf, text.len, 0, &e) : NULL;
	CHECK_MSG(rows < 0 || a != NULL, "history text: %s", e.text);
	CHECK(rows < 0 || (json_is_array(a) && json_array_size(a) == (size_t)rows));
	hp_json_text_release(&text);
	return a != NULL ? a : json_array();
}

/* hp_store_history's result when it must fail; the text stays as it was. */
static int history_fails(struct hp_store_reader *rd, const char *meter, int64_t from, int64_t to,
			 enum hp_resolution res, unsigned limit, char *err, size_t err_size)
{
	struct hp_json_text text;
	hp_json_text_init(&text);
	hp_json_literal(&text, "before");
	int rows = hp_store_history(rd, meter, from, to, res, limit, &text, err, err_size);
	CHECK_STREQ(text.buf, "before");
	hp_json_text_release(&text);
	return rows;
}

static double num(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	return json_is_number(v) ? json_number_value(v) : -1.0;
}

static const char *str(json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s != NULL ? s : "(none)";
}

/* One integer from SQL on a connection of its own. */
static long long scalar(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK_MSG(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
		  sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void check_integrity(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *res = "(failed)";
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		res = (const char *)sqlite3_column_text(st, 0);
	CHECK_MSG(res != NULL && strcmp(res, "ok") == 0, "%s: integrity_check: %s", path,
		  res != NULL ? res : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Feeds readings every step_ms over [from, to], committing every minute. */
static void steady(struct hp_store *s, const char *meter, int64_t from, int64_t to, int64_t step_ms,
		   double kw, double kwh0)
{
	int64_t last_commit = from;
	for (int64_t t = from; t <= to; t += step_ms) {
		add(s, meter, t, kwh0 + kw * (double)(t - from) / (double)HOUR_MS, kw * 1000, NULL,
		    NULL);
		if (t - last_commit >= MIN_MS) {
			CHECK_INT(hp_store_commit(s, t), 0);
			last_commit = t;
		}
	}
	CHECK_INT(hp_store_commit(s, to), 0);
}

static void test_steady(void)
{
	struct hp_store_config c;
	config(&c, "steady.db");
	struct hp_store *s = open_store(&c);
	struct hp_store_reader *rd = open_reader(c.path);
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0); /* 10:00 local */
	steady(s, "home", t0, t0 + 2 * HOUR_MS, 10000, 1.0, 1000.0);

	json_t *h = history(rd, "home", t0, t0 + 2 * HOUR_MS, HP_RES_HOUR, 100);
	CHECK_INT(json_array_size(h), 2);
	json_t *h0 = json_array_get(h, 0);
	CHECK_STREQ(str(h0, "start"), "2024-01-15T10:00:00+01:00");
	CHECK_STREQ(str(h0, "end"), "2024-01-15T11:00:00+01:00");
	CHECK_NEAR(num(h0, "import_kwh"), 1.0);
	CHECK_NEAR(num(json_array_get(h, 1), "import_kwh"), 1.0);
	CHECK_NEAR(num(h0, "max_power_w"), 1000.0);
	CHECK_NEAR(num(h0, "mean_power_w"), 1000.0);
	CHECK_INT(num(h0, "samples"), 360);
	CHECK(json_is_false(json_object_get(h0, "gap")));
	CHECK(json_is_false(json_object_get(h0, "estimated")));
	CHECK(json_is_null(json_object_get(h0, "export_kwh")));
	CHECK(json_is_null(json_object_get(h0, "max_export_w")));
	json_decref(h);

	json_t *q = history(rd, "home", t0, t0 + 2 * HOUR_MS, HP_RES_15M, 100);
	CHECK_INT(json_array_size(q), 8);
	for (size_t i = 0; i < json_array_size(q); i++)
		CHECK_NEAR(num(json_array_get(q, i), "import_kwh"), 0.25);
	CHECK_STREQ(str(json_array_get(q, 1), "start"), "2024-01-15T10:15:00+01:00");
	json_decref(q);

	/* The hour holding the last reading has a sample but no energy yet. */
	json_t *h2 = history(rd, "home", t0 + 2 * HOUR_MS, t0 + 3 * HOUR_MS, HP_RES_HOUR, 10);
	CHECK_INT(json_array_size(h2), 1);
	CHECK(json_is_null(json_object_get(json_array_get(h2, 0), "import_kwh")));
	json_decref(h2);

	json_t *d = history(rd, "home", t0 - DAY_MS, t0 + DAY_MS, HP_RES_DAY, 10);
	CHECK_INT(json_array_size(d), 1);
	CHECK_STREQ(str(json_array_get(d, 0), "start"), "2024-01-15T00:00:00+01:00");
	CHECK_STREQ(str(json_array_get(d, 0), "end"), "2024-01-16T00:00:00+01:00");
	CHECK_NEAR(num(json_array_get(d, 0), "import_kwh"), 2.0);
	json_decref(d);

	/* A month query from mid-month still returns the month running then. */
	json_t *m = history(rd, "home", t0, t0 + 1, HP_RES_MONTH, 10);
	CHECK_INT(json_array_size(m), 1);
	CHECK_STREQ(str(json_array_get(m, 0), "start"), "2024-01-01T00:00:00+01:00");
	CHECK_NEAR(num(json_array_get(m, 0), "import_kwh"), 2.0);
	json_decref(m);

	json_t *raw = history(rd, "home", t0, t0 + 3 * HOUR_MS, HP_RES_RAW, 100000);
	CHECK_INT(json_array_size(raw), 721);
	json_t *r1 = json_array_get(raw, 1);
	CHECK_STREQ(str(r1, "t"), "2024-01-15T09:00:10Z");
	CHECK_INT(num(r1, "t_ms"), t0 + 10000);
	CHECK_NEAR(num(r1, "energy_import_kwh"), 1000.0 + 10.0 / 3600);
	CHECK_NEAR(num(r1, "l1_voltage_v"), 231.5);
	CHECK(json_object_get(r1, "l2_voltage_v") == NULL); /* absent, never zero */
	json_decref(raw);

	struct hp_store_status st;
	hp_store_get_status(s, &st);
	CHECK(st.file_bytes > 0);
	CHECK_INT(st.rows, 721);
	CHECK(st.commits >= 120);
	CHECK_INT(st.failures, 0);
	CHECK_STREQ(st.last_error, "");
	hp_store_reader_close(rd);
	hp_store_close(s);
	check_integrity(c.path);
}

/* Norwegian list 3: registers at xx:00:10, power every 10 s. */
static void test_hourly_registers(void)
{
	struct hp_store_config c;
	config(&c, "list3.db");
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0);
	const double reg[] = {100.0, 102.5, 103.0};
	for (int i = 0; i < 2 * 360 + 2; i++) {
		bool list3 = i % 360 == 1;
		char mt[32];
		snprintf(mt, sizeof(mt), "2024-01-15T%02d:00:00", 10 + i / 360 % 10);
		add(s, "han", t0 + i * 10000LL, list3 ? reg[i / 360] : -1, 1500, list3 ? mt : NULL,
		    NULL);
		if (i % 6 == 0)
			CHECK_INT(hp_store_commit(s, t0 + i * 10000LL), 0);
	}
	hp_store_close(s);
	struct hp_store_reader *rd = open_reader(c.path);
	json_t *h = history(rd, "han", t0, t0 + 2 * HOUR_MS, HP_RES_HOUR, 10);
	CHECK_INT(json_array_size(h), 2);
	CHECK_NEAR(num(json_array_get(h, 0), "import_kwh"), 2.5);
	CHECK_NEAR(num(json_array_get(h, 1), "import_kwh"), 0.5);
	CHECK_NEAR(num(json_array_get(h, 0), "mean_power_w"), 1500.0);
	json_decref(h);
	json_t *q = history(rd, "han", t0 + HOUR_MS, t0 + 2 * HOUR_MS, HP_RES_15M, 10);
	CHECK_INT(json_array_size(q), 4);
	CHECK_NEAR(num(json_array_get(q, 3), "import_kwh"), 0.125);
	CHECK(json_is_true(json_object_get(json_array_get(q, 3), "estimated")));
	json_decref(q);
	/* The raw row keeps the meter's clock. */
	json_t *raw = history(rd, "han", t0, t0 + MIN_MS, HP_RES_RAW, 10);
	CHECK_INT(json_array_size(raw), 6);
	CHECK_STREQ(str(json_array_get(raw, 1), "meter_time"), "2024-01-15T10:00:00");
	json_decref(raw);
	hp_store_reader_close(rd);
	check_integrity(c.path);
}

static void test_gaps_resets_swaps(void)
{
	struct hp_store_config c;
	config(&c, "gaps.db");
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 1, 15, 9, 0, 0);
	/* Three hours without readings or power: a gap, in the hour it ends. */
	add(s, "m", t0, 100.0, -1, NULL, NULL);
	add(s, "m", t0 + 3 * HOUR_MS, 103.0, -1, NULL, NULL);
	/* 13:00 -> 21:30 local: one 8.5-hour span, flagged, in the hour it ends. Then
	 * 21:30 -> 22:00 +0.5; 22:10 reset; 22:20 +0.5; 22:30 swap; 22:40 +0.25. */
	add(s, "m", t0 + 11 * HOUR_MS + 30 * MIN_MS, 111.5, -1, NULL, NULL);
	/* A reset (backwards) and a swap (new id, higher) book nothing. */
	add(s, "m", t0 + 12 * HOUR_MS, 112.0, -1, NULL, "OLD");
	add(s, "m", t0 + 12 * HOUR_MS + 10 * MIN_MS, 0.5, -1, NULL, "OLD");
	add(s, "m", t0 + 12 * HOUR_MS + 20 * MIN_MS, 1.0, -1, NULL, "OLD");
	add(s, "m", t0 + 12 * HOUR_MS + 30 * MIN_MS, 9000.0, -1, NULL, "NEW");
	add(s, "m", t0 + 12 * HOUR_MS + 40 * MIN_MS, 9000.25, -1, NULL, "NEW");
	CHECK_INT(hp_store_commit(s, t0 + 13 * HOUR_MS), 0);
	hp_store_close(s);

	struct hp_store_reader *rd = open_reader(c.path);
	json_t *h = history(rd, "m", t0, t0 + DAY_MS, HP_RES_HOUR, 100);
	/* 10 (gap start), 12 (gap end), 13 (gap start), 21 (gap end), 22: the hours
	 * inside the gaps have no row, the flagged ends no made-up share. */
	CHECK_INT(json_array_size(h), 5);
	static const struct {
		const char *start;
		double kwh; /* < 0: null */
		bool gap;
	} want[] = {{"2024-01-15T10:00:00+01:00", -1, true},
		    {"2024-01-15T12:00:00+01:00", 3.0, true},
		    {"2024-01-15T13:00:00+01:00", -1, true},
		    {"2024-01-15T21:00:00+01:00", 8.5 + 0.5, true},
		    {"2024-01-15T22:00:00+01:00", 0.5 + 0.25, false}};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_t *row = json_array_get(h, i);
		CHECK_STREQ(str(row, "start"), want[i].start);
		CHECK(json_is_true(json_object_get(row, "gap")) == want[i].gap);
		if (want[i].kwh < 0)
			CHECK(json_is_null(json_object_get(row, "import_kwh")));
		else
			CHECK_NEAR(num(row, "import_kwh"), want[i].kwh);
	}
	json_decref(h);
	json_t *d = history(rd, "m", t0, t0 + 1, HP_RES_DAY, 1);
	CHECK_NEAR(num(json_array_get(d, 0), "import_kwh"), 3.0 + 8.5 + 0.5 + 0.5 + 0.25);
	CHECK(json_is_false(json_object_get(json_array_get(d, 0), "gap")));
	json_decref(d);
	hp_store_reader_close(rd);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM all_buckets WHERE import_kwh < 0"), 0);
	CHECK_INT(scalar(c.path, "SELECT new_series FROM series"), 2);
	check_integrity(c.path);
}

/* A whole DST day at 1 kW: 23 or 25 hourly buckets of 1 kWh. */
static void check_dst_day(const char *name, int64_t d0, int64_t d1, size_t hours, const char *first,
			  const char *repeated)
{
	struct hp_store_config c;
	config(&c, name);
	c.store_interval_s = 3600;
	struct hp_store *s = open_store(&c);
	steady(s, "home", d0, d1, MIN_MS, 1.0, 0.0);
	struct hp_store_reader *rd = open_reader(c.path);
	json_t *h = history(rd, "home", d0, d1, HP_RES_HOUR, 1000);
	CHECK_INT(json_array_size(h), hours);
	for (size_t i = 0; i < json_array_size(h); i++)
		CHECK_NEAR(num(json_array_get(h, i), "import_kwh"), 1.0);
	CHECK_STREQ(str(json_array_get(h, 0), "start"), first);
	if (repeated != NULL) {
		CHECK_STREQ(str(json_array_get(h, 2), "start"), repeated);
		CHECK_STREQ(str(json_array_get(h, 3), "end"), "2024-10-27T03:00:00+01:00");
		CHECK_INT(num(json_array_get(h, 3), "end_ms") -
			      num(json_array_get(h, 2), "start_ms"),
			  2 * HOUR_MS);
	} else {
		CHECK_STREQ(str(json_array_get(h, 2), "start"), "2024-03-31T03:00:00+02:00");
	}
	json_decref(h);
	json_t *q = history(rd, "home", d0, d1, HP_RES_15M, 1000);
	CHECK_INT(json_array_size(q), hours * 4);
	json_decref(q);
	json_t *d = history(rd, "home", d0, d1, HP_RES_DAY, 10);
	CHECK_INT(json_array_size(d), 1);
	CHECK_NEAR(num(json_array_get(d, 0), "import_kwh"), (double)hours);
	CHECK_INT(num(json_array_get(d, 0), "end_ms") - num(json_array_get(d, 0), "start_ms"),
		  (int64_t)hours * HOUR_MS);
	json_decref(d);
	hp_store_reader_close(rd);
	hp_store_close(s);
	check_integrity(c.path);
}

static void test_raw_interval_and_prune(void)
{
	struct hp_store_config c;
	config(&c, "raw.db");
	c.raw_days = 1;
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 5, 1, 0, 0, 0);
	for (int i = 0; i < 60; i++) /* one reading a second */
		add(s, "p1", t0 + i * 1000LL, 5.0 + i * 0.001, 3600, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + MIN_MS), 0);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 6);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw WHERE t_ms % 10000 != 0"), 0);

	/* A day and a half later the first rows are older than raw_days. */
	add(s, "p1", t0 + DAY_MS + 12 * HOUR_MS, 6.0, 100, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + DAY_MS + 12 * HOUR_MS), 0);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 1);
	CHECK(scalar(c.path, "SELECT count(*) FROM all_buckets WHERE res = 2") >= 2); /* kept */
	hp_store_close(s);
	check_integrity(c.path);
}

static void test_batching_and_reopen(void)
{
	struct hp_store_config c;
	config(&c, "batch.db");
	struct hp_store *s = open_store(&c);
	struct hp_store_reader *rd = open_reader(c.path);
	int64_t t0 = utc(2024, 2, 1, 12, 0, 0);
	for (int i = 0; i < 30; i++)
		add(s, "home", t0 + i * 10000LL, 10.0 + i / 360.0, 1000, NULL, NULL);
	json_t *before = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_RAW, 100);
	CHECK_INT(json_array_size(before), 0);
	json_decref(before);
	before = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_15M, 100);
	CHECK_INT(json_array_size(before), 0);
	json_decref(before);
	CHECK_INT(hp_store_commit(s, t0 + 5 * MIN_MS), 0);
	json_t *after = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_RAW, 100);
	CHECK_INT(json_array_size(after), 30);
	json_decref(after);

	/* Close commits what is queued. */
	for (int i = 30; i < 60; i++)
		add(s, "home", t0 + i * 10000LL, 10.0 + i / 360.0, 1000, NULL, NULL);
	hp_store_close(s);
	after = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_RAW, 100);
	CHECK_INT(json_array_size(after), 60);
	json_decref(after);

	/* Reopen: the data stays and the series goes on across the restart. */
	s = open_store(&c);
	add(s, "home", t0 + 20 * MIN_MS, 10.0 + 120 / 360.0, 1000, NULL, NULL);
	hp_store_close(s);
	after = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_15M, 100);
	CHECK_INT(json_array_size(after), 2);
	CHECK_NEAR(num(json_array_get(after, 0), "import_kwh"), 0.25);
	CHECK_NEAR(num(json_array_get(after, 1), "import_kwh"), 5.0 / 60);
	json_decref(after);
	after = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_RAW, 1000);
	CHECK_INT(json_array_size(after), 61);
	json_decref(after);
	hp_store_reader_close(rd);
	check_integrity(c.path);
}

/* More rows than the queue holds before a commit: an early commit, nothing lost. */
static void test_queue_bound(void)
{
	struct hp_store_config c;
	config(&c, "queue.db");
	c.store_interval_s = 0; /* every reading is a row */
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 2, 1, 12, 0, 0);
	for (int i = 0; i < 1000; i++)
		add(s, "fast", t0 + i * 1000LL, 1.0 + i / 3600.0, 1000, NULL, NULL);
	struct hp_store_status st;
	hp_store_get_status(s, &st);
	CHECK(st.commits >= 3);
	CHECK(scalar(c.path, "SELECT count(*) FROM raw") >= 768);
	hp_store_close(s);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 1000);
	CHECK_INT(
	    scalar(c.path, "SELECT round(sum(import_kwh) * 3600) FROM all_buckets WHERE res = 1"),
	    999);
	check_integrity(c.path);
}

/* Buckets are written by the first commit in a new quarter (and at close); the
 * commits between write raw rows only. A late addition to a written bucket is
 * added up. */
static void test_bucket_writes(void)
{
	struct hp_store_config c;
	config(&c, "quarters.db");
	struct hp_store *s = open_store(&c);
	struct hp_store_reader *rd = open_reader(c.path);
	int64_t t0 = utc(2024, 4, 2, 8, 0, 0); /* 10:00 local */
	add(s, "m", t0, 1.0, 500, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0), 0); /* the first commit writes them */
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM buckets"), 4);
	add(s, "m", t0 + 5 * MIN_MS, 1.1, 700, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + 5 * MIN_MS), 0); /* same quarter: raw only */
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 2);
	CHECK_INT(scalar(c.path, "SELECT sum(samples) FROM buckets WHERE res = 1"), 1);
	json_t *q = history(rd, "m", t0, t0 + HOUR_MS, HP_RES_15M, 10);
	CHECK_INT(json_array_size(q), 1);
	CHECK(json_is_null(json_object_get(json_array_get(q, 0), "import_kwh")));
	json_decref(q);
	CHECK_INT(hp_store_commit(s, t0 + 15 * MIN_MS), 0); /* a new quarter */
	q = history(rd, "m", t0, t0 + HOUR_MS, HP_RES_15M, 10);
	CHECK_INT(json_array_size(q), 1);
	CHECK_NEAR(num(json_array_get(q, 0), "import_kwh"), 0.1);
	CHECK_INT(num(json_array_get(q, 0), "samples"), 2);
	CHECK_NEAR(num(json_array_get(q, 0), "max_power_w"), 700);
	json_decref(q);

	/* At 10:20: 0.3 kWh over [10:05, 10:20), of which 10 minutes (2/3) in the
	 * first quarter, written already; the write adds to it. */
	add(s, "m", t0 + 20 * MIN_MS, 1.4, 1500, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + 30 * MIN_MS), 0); /* a new quarter */
	q = history(rd, "m", t0, t0 + 15 * MIN_MS, HP_RES_15M, 10);
	CHECK_INT(json_array_size(q), 1);
	CHECK_NEAR(num(json_array_get(q, 0), "import_kwh"), 0.1 + 0.2);
	CHECK_INT(num(json_array_get(q, 0), "samples"), 2);
	json_decref(q);
	json_t *d = history(rd, "m", t0, t0 + 1, HP_RES_DAY, 10);
	CHECK_NEAR(num(json_array_get(d, 0), "import_kwh"), 0.4);
	CHECK_INT(num(json_array_get(d, 0), "samples"), 3);
	CHECK_NEAR(num(json_array_get(d, 0), "max_power_w"), 1500);
	CHECK_NEAR(num(json_array_get(d, 0), "mean_power_w"), 900);
	json_decref(d);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM buckets WHERE res = 1"), 2);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM all_buckets WHERE res = 1"), 2);
	CHECK_INT(scalar(c.path, "SELECT booked_ms FROM series") - t0, 20 * MIN_MS);
	hp_store_reader_close(rd);
	hp_store_close(s);
	check_integrity(c.path);
}

/* A failing commit keeps everything for the next one. */
static void test_commit_failure(void)
{
	struct hp_store_config c;
	config(&c, "fail.db");
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 2, 1, 12, 0, 0);
	add(s, "old", t0, 1.0, 100, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0), 0);
	exec_sql(c.path, "CREATE TRIGGER no_raw BEFORE INSERT ON raw"
			 " BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
	add(s, "old", t0 + 10000, 1.5, 100, NULL, NULL);
	add(s, "new", t0 + 10000, 7.0, 100, NULL, NULL); /* its meter row is rolled back */
	add(s, "new", t0 + 20000, 8.0, 100, NULL, NULL);
	fflush(stderr);
	CHECK_INT(hp_store_commit(s, t0 + 20000), -1);
	struct hp_store_status st;
	hp_store_get_status(s, &st);
	CHECK_INT(st.failures, 1);
	CHECK_MSG(strstr(st.last_error, "disk says no") != NULL, "last_error: %s", st.last_error);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM meters"), 1);
	exec_sql(c.path, "DROP TRIGGER no_raw");
	add(s, "new", t0 + 30000, 9.0, 100, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + 30000), 0);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 5);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM meters"), 2);

	/* A bucket write (a new quarter) that fails keeps the bookings too. */
	exec_sql(c.path, "CREATE TRIGGER no_buckets BEFORE INSERT ON buckets"
			 " BEGIN SELECT RAISE(ABORT, 'no buckets today'); END");
	add(s, "old", t0 + 15 * MIN_MS, 2.0, 100, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + 15 * MIN_MS), -1);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 5);
	exec_sql(c.path, "DROP TRIGGER no_buckets");
	CHECK_INT(hp_store_commit(s, t0 + 15 * MIN_MS), 0);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 6);
	CHECK_INT(scalar(c.path, "SELECT round(sum(import_kwh), 6) FROM all_buckets b JOIN meters m"
				 " ON b.meter = m.id WHERE m.name = 'new' AND res = 2"),
		  2);
	CHECK_INT(scalar(c.path, "SELECT round(sum(import_kwh) * 10) FROM all_buckets b JOIN"
				 " meters m ON b.meter = m.id WHERE m.name = 'old' AND res = 2"),
		  10);
	hp_store_get_status(s, &st);
	CHECK_INT(st.failures, 2);
	hp_store_close(s);
	check_integrity(c.path);
}

/* Runs fn with stderr going to a file; returns what was logged. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	static char buf[4096];
	char path[300];
	snprintf(path, sizeof(path), "%s/stderr.txt", dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	dup2(fd, 2);
	close(fd);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(path, "r");
	size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f != NULL)
		fclose(f);
	return buf;
}

struct open_call {
	const struct hp_store_config *c;
	struct hp_store *s;
};

static void do_open(void *arg)
{
	struct open_call *oc = arg;
	oc->s = open_store(oc->c);
}

static int count_aside(const char *name)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^%s\\.corrupt-[0-9]*$'", dir, name);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p != NULL && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p != NULL)
		pclose(p);
	return n;
}

static void test_corrupt(void)
{
	struct hp_store_config c;
	config(&c, "garbage.db");
	FILE *f = fopen(c.path, "w");
	for (int i = 0; i < 2000; i++)
		fputs("this is not a database ", f);
	fclose(f);
	struct open_call oc = {&c, NULL};
	const char *log = capture_stderr(do_open, &oc);
	CHECK(oc.s != NULL);
	CHECK_MSG(strstr(log, "<3>") == log && strstr(log, c.path) != NULL &&
		      strstr(log, ".corrupt-") != NULL,
		  "log: %s", log);
	CHECK_INT(count_aside("garbage.db"), 1);
	add(oc.s, "home", utc(2024, 1, 1, 0, 0, 0), 1.0, 100, NULL, NULL);
	hp_store_close(oc.s);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 1);
	check_integrity(c.path);

	/* A real database with a damaged page fails quick_check. */
	config(&c, "damaged.db");
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 1, 1, 0, 0, 0);
	for (int i = 0; i < 3000; i++)
		add(s, "home", t0 + i * 10000LL, 1.0 + i / 360.0, 1000, NULL, NULL);
	hp_store_close(s);
	int fd = open(c.path, O_WRONLY);
	char junk[4096];
	memset(junk, 0xA5, sizeof(junk));
	CHECK(pwrite(fd, junk, sizeof(junk), 4096 * 5) == (ssize_t)sizeof(junk));
	close(fd);
	oc.c = &c;
	log = capture_stderr(do_open, &oc);
	CHECK(oc.s != NULL);
	CHECK_MSG(strstr(log, "damaged.db is corrupt") != NULL, "log: %s", log);
	CHECK_INT(count_aside("damaged.db"), 1);
	hp_store_close(oc.s);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 0);
	check_integrity(c.path);
}

static void expect_open_error(const char *path, const char *want)
{
	struct hp_store_config c;
	config(&c, "x");
	snprintf(c.path, sizeof(c.path), "%s", path);
	char err[256] = "";
	struct hp_store *s = hp_store_open(&c, err, sizeof(err));
	CHECK(s == NULL);
	CHECK_MSG(strstr(err, want) != NULL, "err \"%s\" lacks \"%s\"", err, want);
	hp_store_close(s);
}

static void test_unwritable(void)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/missing/h.db", dir);
	expect_open_error(path, "missing: No such file or directory");
	snprintf(path, sizeof(path), "%s/garbage.db/h.db", dir);
	expect_open_error(path, "is not a directory");
	snprintf(path, sizeof(path), "%s", dir);
	expect_open_error(path, "is not a regular file");
	if (geteuid() != 0) { /* root writes anywhere */
		char ro[300];
		snprintf(ro, sizeof(ro), "%s/ro", dir);
		mkdir(ro, 0555);
		snprintf(path, sizeof(path), "%s/h.db", ro);
		expect_open_error(path, "not writable");
		rmdir(ro);
	}
	char err[256] = "";
	snprintf(path, sizeof(path), "%s/none.db", dir);
	CHECK(hp_store_reader_open(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "none.db") != NULL);
}

static void test_schema(void)
{
	struct hp_store_config c;
	config(&c, "schema.db");
	hp_store_close(open_store(&c));
	CHECK_INT(scalar(c.path, "PRAGMA user_version"), 3);
	CHECK_INT(scalar(c.path, "PRAGMA page_size"), 512); /* store_db.h, rule 1 */
	/* A reading key missing from an older file's raw table is added at open. */
	exec_sql(c.path, "ALTER TABLE raw DROP COLUMN l3_voltage_swells");
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM pragma_table_info('raw')"),
		  HP_NUM_COUNT + 4); /* id, meter, t_ms, meter_id, meter_time */
	hp_store_close(open_store(&c));
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM pragma_table_info('raw')"),
		  HP_NUM_COUNT + 5);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM pragma_table_info('raw')"
				 " WHERE name = 'l3_voltage_swells'"),
		  1);
	CHECK_INT(scalar(c.path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	/* A file from a newer hanp1d is left alone. */
	exec_sql(c.path, "PRAGMA user_version = 99");
	char err[256] = "";
	CHECK(hp_store_open(&c, err, sizeof(err)) == NULL);
	CHECK_MSG(strstr(err, "newer") != NULL, "err: %s", err);
	CHECK_INT(scalar(c.path, "PRAGMA user_version"), 99);
}

/* ---- a stop without hp_store_close (SIGKILL, power cut) ---- */

/* In a child: readings every second at 1.2 kW from t0 to t0 + 40:30, commits
 * every minute; meter "swap" is replaced at +35:00 by one whose register is far
 * higher. The child then ends without closing the store. */
static void crash_child(const struct hp_store_config *c, int64_t t0)
{
	struct hp_store *s = open_store(c);
	int64_t last_commit = t0;
	for (int64_t t = t0; t <= t0 + 40 * MIN_MS + 30000; t += 1000) {
		add(s, "home", t, 100.0 + 1.2 * (double)(t - t0) / HOUR_MS, 1200, NULL, NULL);
		bool swapped = t >= t0 + 35 * MIN_MS;
		if ((t - t0) % 10000 == 0)
			add(s, "swap", t,
			    (swapped ? 5000.0 : 10.0) + 0.6 * (double)(t - t0) / HOUR_MS, 600, NULL,
			    swapped ? "NEW" : "OLD");
		if (t - last_commit >= MIN_MS) {
			CHECK_INT(hp_store_commit(s, t), 0);
			last_commit = t;
		}
	}
	_exit(check_failures == 0 ? 0 : 1);
}

static bool run_child(void (*fn)(const struct hp_store_config *, int64_t),
		      const struct hp_store_config *c, int64_t t0)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		fn(c, t0);
	int status = -1;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* Opens, re-books what the child left, and ends without closing again. */
static void reopen_child(const struct hp_store_config *c, int64_t t0)
{
	(void)t0;
	open_store(c);
	_exit(check_failures == 0 ? 0 : 1);
}

/* A bucket's import_kwh as written in the file; -1 for none. */
static double bucket_kwh(const char *path, const char *meter, int res, int64_t start)
{
	char sql[300];
	snprintf(sql, sizeof(sql),
		 "SELECT import_kwh FROM buckets b JOIN meters m ON b.meter = m.id"
		 " WHERE m.name = '%s' AND res = %d AND start_ms = %lld",
		 meter, res, (long long)start);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	double v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void open_and_close(void *arg)
{
	hp_store_close(open_store(arg));
}

static void test_crash(void)
{
	struct hp_store_config c;
	config(&c, "crash.db");
	int64_t t0 = utc(2024, 3, 5, 8, 0, 0); /* 09:00 local */
	CHECK(run_child(crash_child, &c, t0));
	/* The last commit was at +40:00: the rows at +40:10 .. +40:30 are lost (less
	 * than a commit interval); buckets were written at +01:00, +15:00, +30:00. */
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw r JOIN meters m ON r.meter = m.id"
				 " WHERE m.name = 'home'"),
		  241);
	CHECK_INT(scalar(c.path, "SELECT max(t_ms) FROM raw") - t0, 40 * MIN_MS);
	CHECK_INT(scalar(c.path, "SELECT sum(samples) FROM buckets b JOIN meters m"
				 " ON b.meter = m.id WHERE m.name = 'home' AND res = 1"),
		  1801);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_15M, t0 + 30 * MIN_MS), -1); /* no energy */

	/* A second stop right after the open that re-booked: still booked once. */
	CHECK(run_child(reopen_child, &c, t0));
	const char *log = capture_stderr(open_and_close, &c);
	CHECK_MSG(strstr(log, "meter home: booked 60 raw rows") != NULL, "log: %s", log);
	CHECK_MSG(strstr(log, "meter swap: booked 60 raw rows") != NULL, "log: %s", log);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_15M, t0), 0.3);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_15M, t0 + 15 * MIN_MS), 0.3);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_15M, t0 + 30 * MIN_MS), 0.2);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_HOUR, t0), 0.8);
	/* The swap within the re-booked rows started a new series: 0.6 kW until
	 * +35:00 and from +35:10 on, nothing across the swap. */
	CHECK_NEAR(bucket_kwh(c.path, "swap", HP_RES_HOUR, t0), 0.35 + 0.6 * 290 / 3600);
	CHECK_INT(scalar(c.path, "SELECT new_series FROM series s JOIN meters m"
				 " ON s.meter = m.id WHERE m.name = 'swap'"),
		  1);
	struct hp_store_reader *rd = open_reader(c.path);
	json_t *q = history(rd, "home", t0 + 30 * MIN_MS, t0 + 45 * MIN_MS, HP_RES_15M, 10);
	json_t *q2 = json_array_get(q, 0);
	CHECK_INT(num(q2, "samples"), 61); /* +30:00 live, then the rows +30:10 .. +40:00 */
	CHECK_NEAR(num(q2, "mean_power_w"), 1200);
	CHECK_NEAR(num(q2, "max_power_w"), 1200);
	json_decref(q);

	/* Nothing more to re-book; the series goes on from the last raw row. */
	log = capture_stderr(open_and_close, &c);
	CHECK_MSG(strstr(log, "booked") == NULL, "log: %s", log);
	struct hp_store *s = open_store(&c);
	for (int64_t t = t0 + 45 * MIN_MS; t <= t0 + HOUR_MS; t += 1000)
		add(s, "home", t, 100.0 + 1.2 * (double)(t - t0) / HOUR_MS, 1200, NULL, NULL);
	hp_store_close(s);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_15M, t0 + 30 * MIN_MS), 0.3);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_15M, t0 + 45 * MIN_MS), 0.3);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_HOUR, t0), 1.2);
	CHECK_NEAR(bucket_kwh(c.path, "home", HP_RES_DAY, utc(2024, 3, 4, 23, 0, 0)), 1.2);
	hp_store_reader_close(rd);
	check_integrity(c.path);
}

/* A file of schema 1 (raw keyed by meter and time, open_buckets) is migrated: raw
 * rows keyed by time, open_buckets added into buckets, nothing booked again. */
static void test_migration(void)
{
	struct hp_store_config c;
	config(&c, "v1.db");
	exec_sql(c.path,
		 "PRAGMA page_size=4096; PRAGMA journal_mode=WAL;"
		 "CREATE TABLE meters (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
		 "CREATE TABLE raw (meter INTEGER NOT NULL, t_ms INTEGER NOT NULL, meter_time"
		 " TEXT, power_import_w REAL, energy_import_kwh REAL, PRIMARY KEY (meter, t_ms))"
		 " WITHOUT ROWID;"
		 "CREATE TABLE buckets (meter INTEGER NOT NULL, res INTEGER NOT NULL, start_ms"
		 " INTEGER NOT NULL, end_ms INTEGER NOT NULL, label TEXT NOT NULL, import_kwh"
		 " REAL, export_kwh REAL, samples INTEGER NOT NULL DEFAULT 0, imp_n INTEGER NOT"
		 " NULL DEFAULT 0, imp_sum_w REAL NOT NULL DEFAULT 0, imp_max_w REAL, exp_n"
		 " INTEGER NOT NULL DEFAULT 0, exp_sum_w REAL NOT NULL DEFAULT 0, exp_max_w REAL,"
		 " gap INTEGER NOT NULL DEFAULT 0, estimated INTEGER NOT NULL DEFAULT 0, PRIMARY"
		 " KEY (meter, res, start_ms)) WITHOUT ROWID;"
		 "CREATE TABLE open_buckets AS SELECT * FROM buckets WHERE 0;"
		 "CREATE VIEW all_buckets AS SELECT * FROM buckets UNION ALL"
		 " SELECT * FROM open_buckets;"
		 "CREATE TABLE series (meter INTEGER PRIMARY KEY, meter_id TEXT, imp_kwh REAL,"
		 " imp_t_ms INTEGER, imp_meter_time TEXT, exp_kwh REAL, exp_t_ms INTEGER,"
		 " exp_meter_time TEXT, new_series INTEGER NOT NULL DEFAULT 0);"
		 "INSERT INTO meters VALUES (1, 'home'), (2, 'shed');"
		 "INSERT INTO raw VALUES (1, 1704103200000, NULL, 1000, 10.5),"
		 " (1, 1704103210000, NULL, 1000, 10.6), (2, 1704103205000, NULL, 50, NULL);"
		 "INSERT INTO buckets VALUES (1, 2, 1704103200000, 1704106800000,"
		 " '2024-01-01T11:00:00+01:00', 1.0, NULL, 3, 3, 3000, 1000, 0, 0, NULL, 0, 0);"
		 "INSERT INTO open_buckets VALUES (1, 2, 1704103200000, 1704106800000,"
		 " '2024-01-01T11:00:00+01:00', 0.5, NULL, 1, 1, 2000, 2000, 0, 0, NULL, 0, 1);"
		 "INSERT INTO series VALUES (1, NULL, 10.6, 1704103210000, NULL, NULL, NULL,"
		 " NULL, 0);"
		 "PRAGMA user_version=1;");
	struct open_call oc = {&c, NULL};
	const char *log = capture_stderr(do_open, &oc);
	struct hp_store *s = oc.s;
	CHECK_MSG(strstr(log, "v1.db: converted to schema 3; compacting it once") != NULL,
		  "log: %s", log);
	CHECK_INT(scalar(c.path, "PRAGMA user_version"), 3);
	CHECK_INT(scalar(c.path, "PRAGMA page_size"), 512); /* compacted into small pages */
	CHECK_INT(scalar(c.path, "PRAGMA freelist_count"), 0);
	CHECK_INT(scalar(c.path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw WHERE id = t_ms * 1000 + meter"), 3);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM pragma_table_info('raw')"),
		  HP_NUM_COUNT + 5);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM sqlite_schema WHERE name = 'open_buckets'"),
		  0);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM series WHERE booked_ms = 1704103210000"), 2);
	/* The series goes on: 10.6 -> 10.8 kWh, nothing of the old rows again. */
	add(s, "home", 1704103220000, 10.8, 1000, NULL, NULL);
	hp_store_close(s);
	/* Schema 3 records the zone of each meter the store took up (home, and shed
	 * for recovery). */
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM meters WHERE timezone = 'Europe/Oslo'"), 2);
	struct hp_store_reader *rd = open_reader(c.path);
	json_t *h = history(rd, "home", 1704103200000, 1704106800000, HP_RES_HOUR, 10);
	CHECK_INT(json_array_size(h), 1);
	CHECK_NEAR(num(json_array_get(h, 0), "import_kwh"), 1.5 + 0.2);
	CHECK_INT(num(json_array_get(h, 0), "samples"), 5);
	CHECK_NEAR(num(json_array_get(h, 0), "max_power_w"), 2000);
	CHECK(json_is_true(json_object_get(json_array_get(h, 0), "estimated")));
	json_decref(h);
	json_t *raw = history(rd, "home", 1704103200000, 1704106800000, HP_RES_RAW, 10);
	CHECK_INT(json_array_size(raw), 3);
	CHECK_NEAR(num(json_array_get(raw, 1), "energy_import_kwh"), 10.6);
	json_decref(raw);
	hp_store_reader_close(rd);
	check_integrity(c.path);
}

/* An hourly register (list 3) is a raw row even between store_interval rows, and
 * the meter_id is kept in a session's first row and after a change only. */
static void test_raw_registers(void)
{
	struct hp_store_config c;
	config(&c, "list3raw.db");
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 1, 15, 8, 59, 0);
	for (int i = 0; i < 2 * 60; i++) { /* power every 2 s, from 09:59 local */
		int64_t t = t0 + i * 2000LL;
		bool list3 = i == 36; /* 10:00:12, between the rows at :10 and :20 */
		add(s, "han", t, list3 ? 123.0 : -1, 800, list3 ? "2024-01-15T10:00:00" : NULL,
		    i < 40 ? "A1" : "B2");
	}
	hp_store_close(s);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 24 + 1);
	CHECK_INT(scalar(c.path, "SELECT t_ms FROM raw WHERE energy_import_kwh = 123") - t0, 72000);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw WHERE meter_id IS NOT NULL"), 2);
	CHECK_INT(scalar(c.path, "SELECT t_ms FROM raw WHERE meter_id = 'B2'") - t0, 80000);
	check_integrity(c.path);
}

static void test_queries(void)
{
	struct hp_store_config c;
	config(&c, "query.db");
	struct hp_store *s = open_store(&c);
	int64_t t0 = utc(2024, 1, 31, 20, 0, 0); /* 21:00 local, over a month's end */
	steady(s, "a", t0, t0 + 6 * HOUR_MS, 30000, 2.0, 50.0);
	hp_store_close(s);
	struct hp_store_reader *rd = open_reader(c.path);
	int64_t to = t0 + 6 * HOUR_MS;
	const struct {
		enum hp_resolution res;
		size_t all; /* rows in [t0, to) */
	} cases[] = {
	    {HP_RES_RAW, 720}, {HP_RES_15M, 24},  {HP_RES_HOUR, 6},
	    {HP_RES_DAY, 2},   {HP_RES_MONTH, 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *a = history(rd, "a", t0, to, cases[i].res, 100000);
		CHECK_MSG(json_array_size(a) == cases[i].all, "%s: %zu rows",
			  hp_resolution_name(cases[i].res), json_array_size(a));
		json_decref(a);
		a = history(rd, "a", t0, to, cases[i].res, 1);
		CHECK_INT(json_array_size(a), 1);
		json_decref(a);
		CHECK_INT(hp_resolution_parse(hp_resolution_name(cases[i].res)), cases[i].res);
	}
	json_t *m = history(rd, "a", t0, to, HP_RES_MONTH, 10);
	CHECK_STREQ(str(json_array_get(m, 0), "start"), "2024-01-01T00:00:00+01:00");
	CHECK_NEAR(num(json_array_get(m, 0), "import_kwh"), 6.0);
	CHECK_NEAR(num(json_array_get(m, 1), "import_kwh"), 6.0);
	json_decref(m);
	/* Oldest first. */
	json_t *q = history(rd, "a", t0, to, HP_RES_15M, 3);
	CHECK(num(json_array_get(q, 0), "start_ms") < num(json_array_get(q, 2), "start_ms"));
	json_decref(q);
	/* "t" across UTC midnight: date and time of day both move on. */
	json_t *raw =
	    history(rd, "a", t0 + 4 * HOUR_MS - MIN_MS, t0 + 4 * HOUR_MS + MIN_MS, HP_RES_RAW, 10);
	CHECK_INT(json_array_size(raw), 4);
	CHECK_STREQ(str(json_array_get(raw, 1), "t"), "2024-01-31T23:59:30Z");
	CHECK_STREQ(str(json_array_get(raw, 2), "t"), "2024-02-01T00:00:00Z");
	CHECK_STREQ(str(json_array_get(raw, 3), "t"), "2024-02-01T00:00:30Z");
	json_decref(raw);
	json_t *none = history(rd, "nobody", t0, to, HP_RES_HOUR, 10);
	CHECK_INT(json_array_size(none), 0);
	json_decref(none);

	char err[256];
	err[0] = '\0';
	CHECK_INT(history_fails(rd, "a", to, t0, HP_RES_HOUR, 10, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "from") != NULL, "err: %s", err);
	CHECK_INT(history_fails(rd, "a", t0, t0, HP_RES_RAW, 10, err, sizeof(err)), -1);
	CHECK_INT(history_fails(rd, "a", t0, to, HP_RES_HOUR, 0, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "limit") != NULL, "err: %s", err);
	CHECK_INT(history_fails(rd, "a", t0, to, (enum hp_resolution)9, 5, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "resolution") != NULL, "err: %s", err);
	CHECK_INT(history_fails(rd, "", t0, to, HP_RES_HOUR, 5, err, sizeof(err)), -1);
	CHECK_INT(hp_resolution_parse("week"), -1);
	CHECK_INT(hp_resolution_parse("15m"), HP_RES_15M);
	hp_store_reader_close(rd);
	check_integrity(c.path);
}

/* ---- meters in different time zones ---- */

static void zone_meter(struct hp_meter_config *m, const char *name, const char *zone)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->timezone, sizeof(m->timezone), "%s", zone);
}

static struct hp_store *open_zoned(const struct hp_store_config *c, const char *ny_zone)
{
	struct hp_meter_config meters[2];
	zone_meter(&meters[0], "oslo", "Europe/Oslo");
	zone_meter(&meters[1], "ny", ny_zone);
	char err[256] = "";
	struct hp_store *s = hp_store_open_meters(c, meters, 2, err, sizeof(err));
	CHECK_MSG(s != NULL, "open %s: %s", c->path, err);
	return s;
}

/* A local day of one meter as the history shows it. */
struct zone_day {
	const char *meter;
	int64_t start_ms;
	int hours;
	const char *start, *end;
};

static void check_zone_day(struct hp_store_reader *rd, const struct zone_day *d)
{
	json_t *a = history(rd, d->meter, d->start_ms, d->start_ms + 1, HP_RES_DAY, 1);
	json_t *day = json_array_get(a, 0);
	CHECK_MSG(num(day, "start_ms") == (double)d->start_ms, "%s %s: day starts at %.0f",
		  d->meter, d->start, num(day, "start_ms"));
	CHECK_STREQ(str(day, "start"), d->start);
	CHECK_STREQ(str(day, "end"), d->end);
	CHECK_INT(num(day, "end_ms") - num(day, "start_ms"), d->hours * HOUR_MS);
	CHECK_NEAR(num(day, "import_kwh"), d->hours);
	json_decref(a);
	json_t *h =
	    history(rd, d->meter, d->start_ms, d->start_ms + d->hours * HOUR_MS, HP_RES_HOUR, 100);
	CHECK_MSG(json_array_size(h) == (size_t)d->hours, "%s %s: %zu hours", d->meter, d->start,
		  json_array_size(h));
	for (size_t i = 0; i < json_array_size(h); i++)
		CHECK_NEAR(num(json_array_get(h, i), "import_kwh"), 1.0);
	json_decref(h);
}

/* Both meters at 1 kW over [from, to], a reading every 5 minutes, a commit an hour;
 * then each day as the history shows it. */
static void check_zone_days(const char *file, int64_t from, int64_t to, const struct zone_day *days,
			    size_t n)
{
	struct hp_store_config c;
	config(&c, file);
	c.store_interval_s = 3600;
	struct hp_store *s = open_zoned(&c, "America/New_York");
	for (int64_t t = from; t <= to; t += 5 * MIN_MS) {
		add(s, "oslo", t, (double)(t - from) / HOUR_MS, 1000, NULL, NULL);
		add(s, "ny", t, 500.0 + (double)(t - from) / HOUR_MS, 1000, NULL, NULL);
		if ((t - from) % HOUR_MS == 0)
			CHECK_INT(hp_store_commit(s, t), 0);
	}
	hp_store_close(s);
	struct hp_store_reader *rd = open_reader(c.path);
	for (size_t i = 0; i < n; i++)
		check_zone_day(rd, &days[i]);
	hp_store_reader_close(rd);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM meters WHERE name = 'ny'"
				 " AND timezone = 'America/New_York'"),
		  1);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM meters WHERE name = 'oslo'"
				 " AND timezone = 'Europe/Oslo'"),
		  1);
	check_integrity(c.path);
}

struct reopen_call {
	const struct hp_store_config *c;
	const char *ny_zone;
};

static void reopen_zoned(void *arg)
{
	struct reopen_call *rc = arg;
	struct hp_store *s = open_zoned(rc->c, rc->ny_zone);
	add(s, "ny", utc(2024, 4, 1, 12, 0, 0), 1.0, 100, NULL, NULL);
	hp_store_close(s);
}

static void test_two_zones(void)
{
	/* Spring: New York on 2024-03-10 (23 h), Oslo on 2024-03-31 (23 h). */
	const struct zone_day spring[] = {
	    {"ny", utc(2024, 3, 9, 5, 0, 0), 24, "2024-03-09T00:00:00-05:00",
	     "2024-03-10T00:00:00-05:00"},
	    {"ny", utc(2024, 3, 10, 5, 0, 0), 23, "2024-03-10T00:00:00-05:00",
	     "2024-03-11T00:00:00-04:00"},
	    {"ny", utc(2024, 3, 31, 4, 0, 0), 24, "2024-03-31T00:00:00-04:00",
	     "2024-04-01T00:00:00-04:00"},
	    {"oslo", utc(2024, 3, 9, 23, 0, 0), 24, "2024-03-10T00:00:00+01:00",
	     "2024-03-11T00:00:00+01:00"},
	    {"oslo", utc(2024, 3, 30, 23, 0, 0), 23, "2024-03-31T00:00:00+01:00",
	     "2024-04-01T00:00:00+02:00"},
	};
	check_zone_days("zones-spring.db", utc(2024, 3, 8, 0, 0, 0), utc(2024, 4, 2, 0, 0, 0),
			spring, sizeof(spring) / sizeof(spring[0]));
	/* Autumn: Oslo on 2024-10-27 (25 h), New York on 2024-11-03 (25 h). */
	const struct zone_day autumn[] = {
	    {"oslo", utc(2024, 10, 26, 22, 0, 0), 25, "2024-10-27T00:00:00+02:00",
	     "2024-10-28T00:00:00+01:00"},
	    {"ny", utc(2024, 10, 27, 4, 0, 0), 24, "2024-10-27T00:00:00-04:00",
	     "2024-10-28T00:00:00-04:00"},
	    {"ny", utc(2024, 11, 3, 4, 0, 0), 25, "2024-11-03T00:00:00-04:00",
	     "2024-11-04T00:00:00-05:00"},
	    {"oslo", utc(2024, 11, 2, 23, 0, 0), 24, "2024-11-03T00:00:00+01:00",
	     "2024-11-04T00:00:00+01:00"},
	};
	check_zone_days("zones-autumn.db", utc(2024, 10, 25, 0, 0, 0), utc(2024, 11, 5, 0, 0, 0),
			autumn, sizeof(autumn) / sizeof(autumn[0]));

	/* Months start at each meter's own first midnight. */
	struct hp_store_config c;
	config(&c, "zones-spring.db");
	struct hp_store_reader *rd = open_reader(c.path);
	int64_t mid_march = utc(2024, 3, 15, 12, 0, 0);
	json_t *m = history(rd, "ny", mid_march, mid_march + 1, HP_RES_MONTH, 1);
	CHECK_INT(num(json_array_get(m, 0), "start_ms"), utc(2024, 3, 1, 5, 0, 0));
	CHECK_STREQ(str(json_array_get(m, 0), "end"), "2024-04-01T00:00:00-04:00");
	json_decref(m);
	m = history(rd, "oslo", mid_march, mid_march + 1, HP_RES_MONTH, 1);
	CHECK_INT(num(json_array_get(m, 0), "start_ms"), utc(2024, 2, 29, 23, 0, 0));
	json_decref(m);
	hp_store_reader_close(rd);

	/* A meter whose configured zone changed: a notice, and the file follows. */
	struct reopen_call rc = {&c, "America/Chicago"};
	const char *log = capture_stderr(reopen_zoned, &rc);
	CHECK_MSG(strstr(log, "meter ny: buckets follow time zone America/Chicago from now on"
			      " (before: America/New_York)") != NULL,
		  "log: %s", log);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM meters WHERE name = 'ny'"
				 " AND timezone = 'America/Chicago'"),
		  1);
	log = capture_stderr(reopen_zoned, &rc);
	CHECK_MSG(strstr(log, "time zone") == NULL, "log: %s", log);

	/* A zone that does not exist is an error at open, naming the meter. */
	struct hp_meter_config bad;
	zone_meter(&bad, "mars", "Mars/Olympus_Mons");
	char err[256] = "";
	CHECK(hp_store_open_meters(&c, &bad, 1, err, sizeof(err)) == NULL);
	CHECK_MSG(strstr(err, "meter mars: unknown time zone 'Mars/Olympus_Mons'") != NULL,
		  "err: %s", err);
}

/* The default: the writer holds the file (store_db.h, rule 6). No -shm file; other
 * connections are kept out; readers in this process borrow the writer's connection
 * and see each commit; a reader left over after the writer closed fails cleanly. */
static void test_exclusive(void)
{
	struct hp_store_config c;
	config(&c, "excl.db");
	c.shared = false;
	struct hp_store *s = open_store(&c);
	struct hp_store_reader *rd = open_reader(c.path);
	int64_t t0 = utc(2024, 2, 1, 12, 0, 0);
	for (int i = 0; i < 12; i++)
		add(s, "home", t0 + i * 10000LL, 10.0 + i / 360.0, 1000, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + 2 * MIN_MS), 0);
	json_t *a = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_RAW, 100);
	CHECK_INT(json_array_size(a), 12);
	json_decref(a);
	char shm[HP_PATH_MAX + 8];
	snprintf(shm, sizeof(shm), "%s-shm", c.path);
	CHECK_MSG(access(shm, F_OK) != 0, "%s exists", shm);
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), -999); /* kept out */

	/* The next commit is seen by the same reader. */
	add(s, "home", t0 + 12 * 10000LL, 10.1, 1000, NULL, NULL);
	CHECK_INT(hp_store_commit(s, t0 + 3 * MIN_MS), 0);
	a = history(rd, "home", t0, t0 + HOUR_MS, HP_RES_RAW, 100);
	CHECK_INT(json_array_size(a), 13);
	json_decref(a);

	hp_store_close(s);
	char err[128] = "";
	CHECK_INT(history_fails(rd, "home", t0, t0 + HOUR_MS, HP_RES_RAW, 100, err, sizeof(err)),
		  -1);
	CHECK_MSG(strstr(err, "closed") != NULL, "err: %s", err);
	hp_store_reader_close(rd);
	/* Closed, the file is everyone's again, with every row. */
	CHECK_INT(scalar(c.path, "SELECT count(*) FROM raw"), 13);
	check_integrity(c.path);
}

int main(void)
{
	setenv("TZ", "America/Sao_Paulo", 1); /* the meters' zones are their own */
	tzset();
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/hp-store-XXXXXX", tmp != NULL ? tmp : P_tmpdir);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_steady();
	test_hourly_registers();
	test_gaps_resets_swaps();
	check_dst_day("spring.db", utc(2024, 3, 30, 23, 0, 0), utc(2024, 3, 31, 22, 0, 0), 23,
		      "2024-03-31T00:00:00+01:00", NULL);
	check_dst_day("autumn.db", utc(2024, 10, 26, 22, 0, 0), utc(2024, 10, 27, 23, 0, 0), 25,
		      "2024-10-27T00:00:00+02:00", "2024-10-27T02:00:00+02:00");
	test_raw_interval_and_prune();
	test_batching_and_reopen();
	test_queue_bound();
	test_commit_failure();
	test_bucket_writes();
	test_corrupt();
	test_unwritable();
	test_schema();
	test_queries();
	test_crash();
	test_migration();
	test_raw_registers();
	test_two_zones();
	test_exclusive();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("store");
}
