/* Reading the history: a read-only connection of its own (WAL lets it read beside
 * the writer), two statements prepared once, and the rows as JSON. Buckets are as
 * the writer last wrote them, at most a quarter old (store_db.h, rule 3). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
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

enum { Q_RAW, Q_BUCKETS, Q_COUNT };

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
};
/* clang-format on */

struct hp_store_reader {
	pthread_mutex_t lock; /* HTTP threads share one reader and its statements */
	sqlite3 *db;
	sqlite3_stmt *q[Q_COUNT];
};

void hp_store_reader_close(struct hp_store_reader *rd)
{
	if (rd == NULL)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(rd->q[i]);
	sqlite3_close(rd->db);
	pthread_mutex_destroy(&rd->lock);
	free(rd);
}

struct hp_store_reader *hp_store_reader_open(const char *path, char *err, size_t err_size)
{
	struct hp_store_reader *rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&rd->lock, NULL);
	/* No SQLite mutex: rd->lock already serialises the connection, and the
	 * per-column mutex was a third of a raw day's query time. */
	if (sqlite3_open_v2(path, &rd->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, err_size, "cannot open %s to read: %s", path, sqlite3_errmsg(rd->db));
		hp_store_reader_close(rd);
		return NULL;
	}
	sqlite3_busy_timeout(rd->db, HP_STORE_BUSY_MS);
	for (int i = 0; i < Q_COUNT; i++) {
		if (sqlite3_prepare_v3(rd->db, query_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &rd->q[i], NULL) != SQLITE_OK) {
			snprintf(err, err_size, "%s: not a history database: %s", path,
				 sqlite3_errmsg(rd->db));
			hp_store_reader_close(rd);
			return NULL;
		}
	}
	return rd;
}

static json_t *raw_row(sqlite3_stmt *st)
{
	char iso[HP_ISO_UTC_MAX];
	int64_t t_ms = sqlite3_column_int64(st, 0);
	hp_time_iso_utc(t_ms, iso);
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "t", json_string(iso));
	json_object_set_new_nocheck(o, "t_ms", json_integer(t_ms));
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		json_object_set_new_nocheck(o, "meter_time",
					    json_string((const char *)sqlite3_column_text(st, 1)));
	for (int f = 0; f < HP_NUM_COUNT; f++)
		if (sqlite3_column_type(st, 2 + f) != SQLITE_NULL)
			json_object_set_new_nocheck(o, hp_num_key((enum hp_num)f),
						    json_real(sqlite3_column_double(st, 2 + f)));
	return o;
}

static json_t *real_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
		   ? json_null()
		   : json_real(sqlite3_column_double(st, col));
}

/* Mean of col_sum over col_n samples; null when there were none. */
static json_t *mean_or_null(sqlite3_stmt *st, int col_n, int col_sum)
{
	int64_t n = sqlite3_column_int64(st, col_n);
	return n > 0 ? json_real(sqlite3_column_double(st, col_sum) / (double)n) : json_null();
}

static json_t *bucket_row(sqlite3_stmt *st)
{
	char end[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(sqlite3_column_int64(st, 1), end);
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "start",
				    json_string((const char *)sqlite3_column_text(st, 2)));
	json_object_set_new_nocheck(o, "end", json_string(end));
	json_object_set_new_nocheck(o, "start_ms", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new_nocheck(o, "end_ms", json_integer(sqlite3_column_int64(st, 1)));
	json_object_set_new_nocheck(o, "import_kwh", real_or_null(st, 3));
	json_object_set_new_nocheck(o, "export_kwh", real_or_null(st, 4));
	json_object_set_new_nocheck(o, "max_power_w", real_or_null(st, 8));
	json_object_set_new_nocheck(o, "mean_power_w", mean_or_null(st, 6, 7));
	json_object_set_new_nocheck(o, "max_export_w", real_or_null(st, 11));
	json_object_set_new_nocheck(o, "mean_export_w", mean_or_null(st, 9, 10));
	json_object_set_new_nocheck(o, "samples", json_integer(sqlite3_column_int64(st, 5)));
	json_object_set_new_nocheck(o, "gap", json_boolean(sqlite3_column_int(st, 12)));
	json_object_set_new_nocheck(o, "estimated", json_boolean(sqlite3_column_int(st, 13)));
	return o;
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

static json_t *run_query(struct hp_store_reader *rd, sqlite3_stmt *st, enum hp_resolution res,
			 char *err, size_t err_size)
{
	json_t *rows = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(rows, res == HP_RES_RAW ? raw_row(st) : bucket_row(st));
	if (rc != SQLITE_DONE) {
		snprintf(err, err_size, "history query: %s", sqlite3_errmsg(rd->db));
		json_decref(rows);
		rows = NULL;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rows;
}

json_t *hp_store_history(struct hp_store_reader *rd, const char *meter, int64_t from_ms,
			 int64_t to_ms, enum hp_resolution res, unsigned limit, char *err,
			 size_t err_size)
{
	if (check_args(meter, from_ms, to_ms, (int)res, limit, err, err_size) != 0)
		return NULL;
	if (limit > HP_HISTORY_ROWS_MAX)
		limit = HP_HISTORY_ROWS_MAX;
	pthread_mutex_lock(&rd->lock);
	sqlite3_stmt *st = rd->q[res == HP_RES_RAW ? Q_RAW : Q_BUCKETS];
	bind_query(st, meter, from_ms, to_ms, res, limit);
	json_t *rows = run_query(rd, st, res, err, err_size);
	pthread_mutex_unlock(&rd->lock);
	return rows;
}
