/* Reading the history: a read-only connection of its own (WAL lets it read beside
 * the writer), two statements prepared once, and the rows written as JSON text
 * straight from the statement (no jansson tree: a day of raw rows is megabytes).
 * Buckets are as the writer last wrote them, at most a quarter old (store_db.h,
 * rule 3). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "json_text.h"
#include "store_db.h"

/* The most rows one query returns, whatever limit asks: a year of quarters is
 * 35,136 rows; this bounds the memory one request can take. */
#define HP_HISTORY_ROWS_MAX 100000
/* A bucket starts at most a month (31 days, plus an hour for DST) before the end of
 * its range; the query seeks from there on the primary key. */
#define HP_BUCKET_LONGEST_MS ((31LL * 24 + 1) * 3600 * 1000)

static const char *const res_names[] = {
    [HP_RES_RAW] = "raw", [HP_RES_15M] = "15m",     [HP_RES_HOUR] = "hour",
    [HP_RES_DAY] = "day", [HP_RES_MONTH] = "month",
};

int hp_resolution_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(res_names) / sizeof(res_names[0]); i++)
		if (strcmp(name, res_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *hp_resolution_name(enum hp_resolution r)
{
	return (unsigned)r < sizeof(res_names) / sizeof(res_names[0]) ? res_names[r] : "unknown";
}

enum { Q_RAW, Q_BUCKETS, Q_RAW_SUMMARY, Q_COUNT };

/* ", count(power_import_w), ...": which raw columns a range has (a CSV header). */
#define HP_RAW_COUNT_COL(name, key) ", count(" key ")"

/* clang-format off */
static const char *const query_sql[Q_COUNT] = {
	/* raw.id is the time (store_db.h): one range of the table, rows of other
	 * meters skipped. */
	[Q_RAW] = "SELECT t_ms, meter_time" HP_RAW_COLUMNS " FROM raw"
		" WHERE id >= ?2 AND id < ?3 AND meter = (SELECT id FROM meters WHERE name = ?1)"
		" ORDER BY id LIMIT ?4",
	[Q_BUCKETS] = "SELECT start_ms, end_ms, label, import_kwh, export_kwh, samples, imp_n,"
		" imp_sum_w, imp_max_w, exp_n, exp_sum_w, exp_max_w, gap, estimated FROM buckets"
		" WHERE meter = (SELECT id FROM meters WHERE name = ?1) AND res = ?2"
		" AND start_ms > ?3 AND start_ms < ?4 AND end_ms > ?5 ORDER BY start_ms LIMIT ?6",
	[Q_RAW_SUMMARY] = "SELECT count(*)" HP_NUM_FIELDS(HP_RAW_COUNT_COL) " FROM raw"
		" WHERE id >= ?2 AND id < ?3 AND meter = (SELECT id FROM meters WHERE name = ?1)",
};
/* clang-format on */

struct hp_store_reader {
	pthread_mutex_t lock; /* HTTP threads share one reader and its statements */
	sqlite3 *db;
	bool borrowed;                /* db is the writer's in this process (store_db.h, rule 6) */
	pthread_mutex_t *writer_lock; /* held while a borrowed db is in use */
	sqlite3_stmt *q[Q_COUNT];
};

/* Every use of a reader's statements is between these two. -1 when a borrowed
 * connection's writer has closed: the reader is then of no more use (the API
 * opens a new one). */
static int reader_enter(struct hp_store_reader *rd)
{
	pthread_mutex_lock(&rd->lock);
	if (!rd->borrowed)
		return 0;
	rd->writer_lock = hp_store_borrow_enter(rd->db);
	if (rd->writer_lock != NULL)
		return 0;
	pthread_mutex_unlock(&rd->lock);
	return -1;
}

static void reader_leave(struct hp_store_reader *rd)
{
	if (rd->writer_lock != NULL)
		pthread_mutex_unlock(rd->writer_lock);
	rd->writer_lock = NULL;
	pthread_mutex_unlock(&rd->lock);
}

void hp_store_reader_close(struct hp_store_reader *rd)
{
	if (rd == NULL)
		return;
	/* A borrowed connection whose writer closed is only ours to finalize. */
	bool entered = reader_enter(rd) == 0;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(rd->q[i]);
	if (entered)
		reader_leave(rd);
	if (!rd->borrowed)
		sqlite3_close(rd->db);
	pthread_mutex_destroy(&rd->lock);
	free(rd);
}

/* Prepares the statements; on failure closes the reader and returns -1. */
static int prepare_queries(struct hp_store_reader *rd, const char *path, char *err, size_t err_size)
{
	int rc = reader_enter(rd);
	if (rc != 0)
		snprintf(err, err_size, "%s: the history is closing", path);
	for (int i = 0; i < Q_COUNT && rc == 0; i++)
		if (sqlite3_prepare_v3(rd->db, query_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &rd->q[i], NULL) != SQLITE_OK) {
			snprintf(err, err_size, "%s: not a history database: %s", path,
				 sqlite3_errmsg(rd->db));
			rc = -1;
		}
	if (rd->writer_lock != NULL || !rd->borrowed)
		reader_leave(rd);
	if (rc != 0)
		hp_store_reader_close(rd);
	return rc;
}

struct hp_store_reader *hp_store_reader_open(const char *path, char *err, size_t err_size)
{
	struct hp_store_reader *rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&rd->lock, NULL);
	/* The daemon's writer holds the file exclusively: its connection serves. */
	rd->db = hp_store_borrow(path);
	rd->borrowed = rd->db != NULL;
	if (rd->borrowed)
		return prepare_queries(rd, path, err, err_size) == 0 ? rd : NULL;
	/* No SQLite mutex: rd->lock already serialises the connection, and the
	 * per-column mutex was a third of a raw day's query time. */
	if (sqlite3_open_v2(path, &rd->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, err_size, "cannot open %s to read: %s", path, sqlite3_errmsg(rd->db));
		hp_store_reader_close(rd);
		return NULL;
	}
	sqlite3_busy_timeout(rd->db, HP_STORE_BUSY_MS);
	/* A bounded page cache (SQLite's default is 2 MB, kept for good): a query
	 * walks its range once, so a cache helps only when the same range comes again
	 * before the writer's next commit (a minute; WAL readers drop their cache
	 * when the file changed) and all of it was kept, which for a raw day (3,000
	 * pages) takes the whole default. Bounded, a raw day reads its pages again:
	 * about 2.5 ms of its 18 (bench/README.md). */
	sqlite3_exec(rd->db, HP_STORE_CACHE_PRAGMA, NULL, NULL, NULL);
	return prepare_queries(rd, path, err, err_size) == 0 ? rd : NULL;
}

/* The raw columns' keys as they precede a value in a row (,"power_import_w":),
 * padded so that each is copied whole with one fixed-size memcpy. */
#define RAW_KEY_PAD 40
#define HP_RAW_KEY_FITS(name, key)                                                                 \
	_Static_assert(sizeof(",\"" key "\":") <= RAW_KEY_PAD, "raw key " key " too long");
HP_NUM_FIELDS(HP_RAW_KEY_FITS)
static const struct {
	char text[RAW_KEY_PAD];
	size_t len;
} raw_keys[HP_NUM_COUNT] = {
#define HP_RAW_KEY(name, key) {",\"" key "\":", sizeof(",\"" key "\":") - 1},
    HP_NUM_FIELDS(HP_RAW_KEY)};
/* The most a raw row's reading values take, and its closing brace. */
#define RAW_VALUES_MAX (HP_NUM_COUNT * (RAW_KEY_PAD + HP_JSON_NUMBER_MAX) + 1)

/* Text that needs no escaping (times this file formats), quoted. */
static void plain_string(struct hp_json_text *t, const char *s)
{
	hp_json_char(t, '"');
	hp_json_append(t, s, strlen(s));
	hp_json_char(t, '"');
}

static void text_or_null(struct hp_json_text *t, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	if (s == NULL)
		hp_json_null(t);
	else
		hp_json_string(t, s, (size_t)sqlite3_column_bytes(st, col));
}

/* The "t" of raw rows: hp_time_iso_utc once a day, the time of day written here
 * (printf per row was a twentieth of a raw day's answer). */
struct utc_day {
	int64_t day; /* days since the epoch of iso's date; INT64_MIN for none */
	char iso[HP_ISO_UTC_MAX];
};

static const char *utc_time(struct utc_day *d, int64_t t_ms)
{
	int64_t s = t_ms >= 0 ? t_ms / 1000 : -((999 - t_ms) / 1000);
	int64_t day = s >= 0 ? s / 86400 : -((86399 - s) / 86400);
	if (day != d->day) {
		hp_time_iso_utc(t_ms, d->iso);
		d->day = day;
	}
	if (strlen(d->iso) != sizeof("YYYY-MM-DDTHH:MM:SSZ") - 1)
		return d->iso; /* "invalid": a year out of range */
	unsigned sec = (unsigned)(s - day * 86400), hms[3] = {sec / 3600, sec / 60 % 60, sec % 60};
	for (int i = 0; i < 3; i++) {
		d->iso[11 + 3 * i] = (char)('0' + hms[i] / 10);
		d->iso[12 + 3 * i] = (char)('0' + hms[i] % 10);
	}
	return d->iso;
}

/* Reading values print as /now prints them (hp_json_number): 1565, 231.5. */
static void raw_row(struct hp_json_text *t, sqlite3_stmt *st, struct utc_day *day)
{
	int64_t t_ms = sqlite3_column_int64(st, 0);
	hp_json_literal(t, "{\"t\":");
	plain_string(t, utc_time(day, t_ms));
	hp_json_literal(t, ",\"t_ms\":");
	hp_json_int(t, t_ms);
	if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
		hp_json_literal(t, ",\"meter_time\":");
		text_or_null(t, st, 1);
	}
	/* The values straight into the text: this loop runs for every column of every
	 * row of the answer. */
	char *start = hp_json_reserve(t, RAW_VALUES_MAX), *p = start;
	if (start == NULL)
		return;
	for (int f = 0; f < HP_NUM_COUNT; f++) {
		/* One call per column, not two (column_type, column_double): most columns
		 * are NULL. The value is only read here, under rd->lock (the connection
		 * has no mutex of its own). */
		sqlite3_value *v = sqlite3_column_value(st, 2 + f);
		if (sqlite3_value_type(v) == SQLITE_NULL)
			continue;
		memcpy(p, raw_keys[f].text, RAW_KEY_PAD);
		p += raw_keys[f].len;
		p += hp_json_format_number(sqlite3_value_double(v), p);
	}
	*p++ = '}';
	hp_json_commit(t, (size_t)(p - start));
}

static void real_or_null(struct hp_json_text *t, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		hp_json_null(t);
	else
		hp_json_real(t, sqlite3_column_double(st, col));
}

/* Mean of col_sum over col_n samples; null when there were none. */
static void mean_or_null(struct hp_json_text *t, sqlite3_stmt *st, int col_n, int col_sum)
{
	int64_t n = sqlite3_column_int64(st, col_n);
	if (n > 0)
		hp_json_real(t, sqlite3_column_double(st, col_sum) / (double)n);
	else
		hp_json_null(t);
}

static void bucket_row(struct hp_json_text *t, sqlite3_stmt *st, const struct hp_tz *zone)
{
	char end[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(zone, sqlite3_column_int64(st, 1), end);
	hp_json_literal(t, "{\"start\":");
	text_or_null(t, st, 2);
	hp_json_literal(t, ",\"end\":");
	plain_string(t, end);
	hp_json_literal(t, ",\"start_ms\":");
	hp_json_int(t, sqlite3_column_int64(st, 0));
	hp_json_literal(t, ",\"end_ms\":");
	hp_json_int(t, sqlite3_column_int64(st, 1));
	hp_json_literal(t, ",\"import_kwh\":");
	real_or_null(t, st, 3);
	hp_json_literal(t, ",\"export_kwh\":");
	real_or_null(t, st, 4);
	hp_json_literal(t, ",\"max_power_w\":");
	real_or_null(t, st, 8);
	hp_json_literal(t, ",\"mean_power_w\":");
	mean_or_null(t, st, 6, 7);
	hp_json_literal(t, ",\"max_export_w\":");
	real_or_null(t, st, 11);
	hp_json_literal(t, ",\"mean_export_w\":");
	mean_or_null(t, st, 9, 10);
	hp_json_literal(t, ",\"samples\":");
	hp_json_int(t, sqlite3_column_int64(st, 5));
	hp_json_literal(t, ",\"gap\":");
	hp_json_bool(t, sqlite3_column_int(st, 12) != 0);
	hp_json_literal(t, ",\"estimated\":");
	hp_json_bool(t, sqlite3_column_int(st, 13) != 0);
	hp_json_char(t, '}');
}

static void bind_query(sqlite3_stmt *st, const char *meter, int64_t from_ms, int64_t to_ms,
		       enum hp_resolution res, unsigned limit)
{
	sqlite3_bind_text(st, 1, meter, -1, SQLITE_STATIC);
	if (res == HP_RES_RAW) {
		sqlite3_bind_int64(st, 2, hp_raw_id(from_ms, 0));
		sqlite3_bind_int64(st, 3, hp_raw_id(to_ms, 0));
		sqlite3_bind_int64(st, 4, limit);
		return;
	}
	/* Buckets that overlap [from, to): the one already running at `from` too. */
	sqlite3_bind_int(st, 2, (int)res);
	sqlite3_bind_int64(st, 3, from_ms - HP_BUCKET_LONGEST_MS);
	sqlite3_bind_int64(st, 4, to_ms);
	sqlite3_bind_int64(st, 5, from_ms);
	sqlite3_bind_int64(st, 6, limit);
}

static int check_args(const char *meter, int64_t from_ms, int64_t to_ms, int res, unsigned limit,
		      char *err, size_t err_size)
{
	if (meter == NULL || meter[0] == '\0')
		snprintf(err, err_size, "meter: no name");
	else if (res < HP_RES_RAW || res > HP_RES_MONTH)
		snprintf(err, err_size, "resolution: unknown (raw, 15m, hour, day or month)");
	else if (from_ms >= to_ms)
		snprintf(err, err_size, "from: must be before to");
	else if (from_ms < 0)
		snprintf(err, err_size, "from: out of range");
	else if (limit == 0)
		snprintf(err, err_size, "limit: must be 1 or more");
	else
		return 0;
	return -1;
}

/* Writes the rows as a JSON array; returns their count, or -1 (err set, out as it
 * was). */
static int run_query(struct hp_store_reader *rd, sqlite3_stmt *st, enum hp_resolution res,
		     const struct hp_tz *zone, struct hp_json_text *out, char *err, size_t err_size)
{
	size_t start = out->len;
	int rows = 0, rc;
	struct utc_day day = {.day = INT64_MIN};
	hp_json_char(out, '[');
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows++ > 0)
			hp_json_char(out, ',');
		if (res == HP_RES_RAW)
			raw_row(out, st, &day);
		else
			bucket_row(out, st, zone);
	}
	hp_json_char(out, ']');
	if (rc != SQLITE_DONE) {
		snprintf(err, err_size, "history query: %s", sqlite3_errmsg(rd->db));
		rows = -1;
	} else if (out->failed) {
		snprintf(err, err_size, "history query: out of memory for the answer");
		rows = -1;
	}
	if (rows < 0)
		hp_json_text_truncate(out, start);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rows;
}

int hp_store_history(struct hp_store_reader *rd, const char *meter, int64_t from_ms, int64_t to_ms,
		     enum hp_resolution res, unsigned limit, struct hp_json_text *out, char *err,
		     size_t err_size)
{
	if (check_args(meter, from_ms, to_ms, (int)res, limit, err, err_size) != 0)
		return -1;
	if (limit > HP_HISTORY_ROWS_MAX)
		limit = HP_HISTORY_ROWS_MAX;
	if (reader_enter(rd) != 0) {
		snprintf(err, err_size, "the history is closed");
		return -1;
	}
	sqlite3_stmt *st = rd->q[res == HP_RES_RAW ? Q_RAW : Q_BUCKETS];
	bind_query(st, meter, from_ms, to_ms, res, limit);
	/* Bucket times in the zone the meter's buckets were made in. */
	const struct hp_tz *zone = res == HP_RES_RAW ? NULL : hp_store_meter_zone(rd->db, meter);
	int rows = run_query(rd, st, res, zone, out, err, err_size);
	reader_leave(rd);
	return rows;
}

/* ---- the same rows as numbers, for accounting and CSV ---- */

static double column_or_zero(sqlite3_stmt *st, int col, bool *has)
{
	*has = sqlite3_column_type(st, col) != SQLITE_NULL;
	return *has ? sqlite3_column_double(st, col) : 0;
}

/* Columns of Q_BUCKETS as bucket_row reads them. */
static void bucket_struct(sqlite3_stmt *st, struct hp_store_bucket *b)
{
	memset(b, 0, sizeof(*b));
	b->start_ms = sqlite3_column_int64(st, 0);
	b->end_ms = sqlite3_column_int64(st, 1);
	b->import_kwh = column_or_zero(st, 3, &b->has_import);
	b->export_kwh = column_or_zero(st, 4, &b->has_export);
	b->samples = (unsigned)sqlite3_column_int64(st, 5);
	int64_t imp_n = sqlite3_column_int64(st, 6), exp_n = sqlite3_column_int64(st, 9);
	bool has_max;
	b->max_power_w = column_or_zero(st, 8, &has_max);
	b->has_power = imp_n > 0 && has_max;
	if (b->has_power)
		b->mean_power_w = sqlite3_column_double(st, 7) / (double)imp_n;
	b->max_export_w = column_or_zero(st, 11, &has_max);
	b->has_export_power = exp_n > 0 && has_max;
	if (b->has_export_power)
		b->mean_export_w = sqlite3_column_double(st, 10) / (double)exp_n;
	b->gap = sqlite3_column_int(st, 12) != 0;
	b->estimated = sqlite3_column_int(st, 13) != 0;
}

/* Resets a statement after its last step rc; 0, or -1 with err set. */
static int finish_query(struct hp_store_reader *rd, sqlite3_stmt *st, int rc, char *err,
			size_t err_size)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(err, err_size, "history query: %s", sqlite3_errmsg(rd->db));
	return -1;
}

int hp_store_buckets(struct hp_store_reader *rd, const char *meter, enum hp_resolution res,
		     int64_t from_ms, int64_t to_ms, struct hp_store_bucket *out, size_t cap,
		     size_t *n, char *err, size_t err_size)
{
	*n = 0;
	if (res == HP_RES_RAW) {
		snprintf(err, err_size, "resolution: buckets are 15m, hour, day or month");
		return -1;
	}
	if (check_args(meter, from_ms, to_ms, (int)res, 1, err, err_size) != 0)
		return -1;
	if (reader_enter(rd) != 0) {
		snprintf(err, err_size, "the history is closed");
		return -1;
	}
	sqlite3_stmt *st = rd->q[Q_BUCKETS];
	/* One row more than fits says whether there were more. */
	unsigned limit = cap < HP_HISTORY_ROWS_MAX ? (unsigned)cap + 1 : HP_HISTORY_ROWS_MAX + 1;
	bind_query(st, meter, from_ms, to_ms, res, limit);
	int rc;
	bool more = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			more = true;
			rc = SQLITE_DONE;
			break;
		}
		bucket_struct(st, &out[(*n)++]);
	}
	int result = finish_query(rd, st, rc, err, err_size);
	reader_leave(rd);
	return result != 0 ? -1 : more ? 1 : 0;
}

int hp_store_raw_summary(struct hp_store_reader *rd, const char *meter, int64_t from_ms,
			 int64_t to_ms, uint64_t *present, uint64_t *rows, char *err,
			 size_t err_size)
{
	*present = 0;
	*rows = 0;
	if (check_args(meter, from_ms, to_ms, HP_RES_RAW, 1, err, err_size) != 0)
		return -1;
	if (reader_enter(rd) != 0) {
		snprintf(err, err_size, "the history is closed");
		return -1;
	}
	sqlite3_stmt *st = rd->q[Q_RAW_SUMMARY];
	sqlite3_bind_text(st, 1, meter, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, hp_raw_id(from_ms, 0));
	sqlite3_bind_int64(st, 3, hp_raw_id(to_ms, 0));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*rows = (uint64_t)sqlite3_column_int64(st, 0);
		for (int f = 0; f < HP_NUM_COUNT; f++)
			if (sqlite3_column_int64(st, 1 + f) > 0)
				*present |= UINT64_C(1) << f;
		rc = SQLITE_DONE;
	}
	int result = finish_query(rd, st, rc, err, err_size);
	reader_leave(rd);
	return result;
}

int hp_store_raw_rows(struct hp_store_reader *rd, const char *meter, int64_t from_ms, int64_t to_ms,
		      unsigned limit, hp_store_raw_fn fn, void *ctx, char *err, size_t err_size)
{
	if (check_args(meter, from_ms, to_ms, HP_RES_RAW, limit, err, err_size) != 0)
		return -1;
	if (limit > HP_HISTORY_ROWS_MAX)
		limit = HP_HISTORY_ROWS_MAX;
	if (reader_enter(rd) != 0) {
		snprintf(err, err_size, "the history is closed");
		return -1;
	}
	sqlite3_stmt *st = rd->q[Q_RAW];
	bind_query(st, meter, from_ms, to_ms, HP_RES_RAW, limit);
	int rc, rows = 0;
	double num[HP_NUM_COUNT];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t present = 0;
		for (int f = 0; f < HP_NUM_COUNT; f++) {
			sqlite3_value *v = sqlite3_column_value(st, 2 + f);
			if (sqlite3_value_type(v) == SQLITE_NULL)
				continue;
			num[f] = sqlite3_value_double(v);
			present |= UINT64_C(1) << f;
		}
		fn(ctx, sqlite3_column_int64(st, 0), present, num);
		rows++;
	}
	int result = finish_query(rd, st, rc, err, err_size);
	reader_leave(rd);
	return result != 0 ? -1 : rows;
}
