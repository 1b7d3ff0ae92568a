/* The writer's prepared statements (made once, reused for every commit) and the
 * commit transaction: meters, raw rows, bucket upserts, series, pruning. */
#include <stdio.h>
#include <string.h>

#include "store_db.h"

#define HP_RAW_PARAM(name, key) ",?"
#define MS_PER_DAY              (24LL * 3600 * 1000)

/* A bucket upsert adds to what is there: energy sums (NULL + x = x, so an unknown
 * bucket becomes known), sample counts and power sums, maxima, and the flags. */
#define HP_ADD_KNOWN(col)                                                                          \
	col " = CASE WHEN excluded." col " IS NULL THEN " col " ELSE coalesce(" col                \
	    ", 0) + excluded." col " END"
#define HP_MAX_KNOWN(col)                                                                          \
	col " = max(coalesce(" col ", excluded." col "), coalesce(excluded." col ", " col "))"

/* clang-format off */
#define HP_BUCKET_MERGE                                                                            \
	" ON CONFLICT(meter, res, start_ms) DO UPDATE SET "                                        \
	HP_ADD_KNOWN("import_kwh") ", " HP_ADD_KNOWN("export_kwh") ","                             \
	" samples = samples + excluded.samples, imp_n = imp_n + excluded.imp_n,"                   \
	" imp_sum_w = imp_sum_w + excluded.imp_sum_w, " HP_MAX_KNOWN("imp_max_w") ","              \
	" exp_n = exp_n + excluded.exp_n, exp_sum_w = exp_sum_w + excluded.exp_sum_w, "            \
	HP_MAX_KNOWN("exp_max_w") ","                                                              \
	" gap = gap | excluded.gap, estimated = estimated | excluded.estimated"

static const char *const sql[HP_ST_COUNT] = {
	[HP_ST_BEGIN] = "BEGIN IMMEDIATE",
	[HP_ST_COMMIT] = "COMMIT",
	[HP_ST_ROLLBACK] = "ROLLBACK",
	[HP_ST_INSERT_METER] = "INSERT OR IGNORE INTO meters(name) VALUES(?1)",
	[HP_ST_METER_ID] = "SELECT id FROM meters WHERE name = ?1",
	[HP_ST_SERIES_GET] = "SELECT meter_id, imp_kwh, imp_t_ms, imp_meter_time, exp_kwh,"
		" exp_t_ms, exp_meter_time, new_series FROM series WHERE meter = ?1",
	[HP_ST_LAST_RAW] = "SELECT max(t_ms) FROM raw WHERE meter = ?1",
	[HP_ST_INSERT_RAW] = "INSERT OR REPLACE INTO raw(meter, t_ms, meter_time" HP_RAW_COLUMNS
		") VALUES(?,?,?" HP_NUM_FIELDS(HP_RAW_PARAM) ")",
	[HP_ST_UPSERT_BUCKET] = "INSERT INTO open_buckets(" HP_BUCKET_COLUMNS ") VALUES(?1, ?2,"
		" ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)" HP_BUCKET_MERGE,
	/* "WHERE" before "ON CONFLICT" is what lets SQLite parse an upsert from a SELECT. */
	[HP_ST_MOVE_BUCKETS] = "INSERT INTO buckets(" HP_BUCKET_COLUMNS ") SELECT "
		HP_BUCKET_COLUMNS " FROM open_buckets WHERE end_ms < ?1" HP_BUCKET_MERGE,
	[HP_ST_DROP_MOVED] = "DELETE FROM open_buckets WHERE end_ms < ?1",
	[HP_ST_UPSERT_SERIES] = "INSERT OR REPLACE INTO series(meter, meter_id, imp_kwh, imp_t_ms,"
		" imp_meter_time, exp_kwh, exp_t_ms, exp_meter_time, new_series)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	/* The primary key (meter, t_ms) serves this: a seek per meter, no scan. */
	[HP_ST_PRUNE] = "DELETE FROM raw WHERE meter IN (SELECT id FROM meters) AND t_ms < ?1",
};
/* clang-format on */

int hp_store_prepare(struct hp_store *s, char *err, size_t err_size)
{
	for (int i = 0; i < HP_ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, err_size, "preparing statement %d: %s", i,
				 sqlite3_errmsg(s->db));
			return -1;
		}
	}
	return 0;
}

void hp_store_finalize(struct hp_store *s)
{
	for (int i = 0; i < HP_ST_COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
}

/* Resets a statement after a step that returned rc; 0 or -1 (err set). */
static int finish(struct hp_store *s, sqlite3_stmt *st, int rc, char *err, size_t err_size)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	snprintf(err, err_size, "%s", sqlite3_errmsg(s->db));
	return -1;
}

/* Runs a statement that returns nothing (or its first row only). */
static int run(struct hp_store *s, sqlite3_stmt *st, char *err, size_t err_size)
{
	return finish(s, st, sqlite3_step(st), err, err_size);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
	if (t[0] != '\0')
		sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_double_if(sqlite3_stmt *st, int i, bool has, double v)
{
	if (has)
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void copy_column_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	snprintf(out, size, "%s", t != NULL ? t : "");
}

static void load_register(sqlite3_stmt *st, int col, struct hp_register *g)
{
	g->valid = sqlite3_column_type(st, col) != SQLITE_NULL &&
		   sqlite3_column_type(st, col + 1) != SQLITE_NULL;
	g->kwh = sqlite3_column_double(st, col);
	g->t_ms = sqlite3_column_int64(st, col + 1);
	copy_column_text(st, col + 2, g->meter_time, sizeof(g->meter_time));
}

static int load_series(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_SERIES_GET];
	sqlite3_bind_int64(st, 1, m->id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_column_text(st, 0, m->series.meter_id, sizeof(m->series.meter_id));
		load_register(st, 1, &m->series.reg[HP_REG_IMPORT]);
		load_register(st, 4, &m->series.reg[HP_REG_EXPORT]);
		m->series.new_series = (uint64_t)sqlite3_column_int64(st, 7);
	}
	return finish(s, st, rc, err, err_size);
}

static int load_last_raw(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_LAST_RAW];
	sqlite3_bind_int64(st, 1, m->id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		m->last_raw_ms = sqlite3_column_int64(st, 0);
	return finish(s, st, rc, err, err_size);
}

/* meters.id of m->name, or 0 when the file does not know it. */
static int lookup_id(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_METER_ID];
	sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	m->id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	return finish(s, st, rc, err, err_size);
}

int hp_store_meter_load(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size)
{
	if (lookup_id(s, m, err, err_size) != 0)
		return -1;
	if (m->id == 0)
		return 0;
	if (load_series(s, m, err, err_size) != 0 || load_last_raw(s, m, err, err_size) != 0)
		return -1;
	return 0;
}

static int write_meter(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size)
{
	sqlite3_bind_text(s->st[HP_ST_INSERT_METER], 1, m->name, -1, SQLITE_STATIC);
	if (run(s, s->st[HP_ST_INSERT_METER], err, err_size) != 0 ||
	    lookup_id(s, m, err, err_size) != 0)
		return -1;
	if (m->id == 0) {
		snprintf(err, err_size, "meter %s was not written", m->name);
		return -1;
	}
	return 0;
}

static int write_raw(struct hp_store *s, const struct hp_raw_row *row, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_INSERT_RAW];
	sqlite3_bind_int64(st, 1, s->meters[row->meter].id);
	sqlite3_bind_int64(st, 2, row->t_ms);
	bind_text_or_null(st, 3, row->meter_time);
	for (int f = 0; f < HP_NUM_COUNT; f++)
		bind_double_if(st, 4 + f, (row->present >> f) & 1u, row->num[f]);
	return run(s, st, err, err_size);
}

static int write_bucket(struct hp_store *s, const struct hp_pending *p, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_UPSERT_BUCKET];
	char label[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(p->b.start_ms, label);
	sqlite3_bind_int64(st, 1, s->meters[p->meter].id);
	sqlite3_bind_int(st, 2, (int)p->res);
	sqlite3_bind_int64(st, 3, p->b.start_ms);
	sqlite3_bind_int64(st, 4, p->b.end_ms);
	sqlite3_bind_text(st, 5, label, -1, SQLITE_TRANSIENT);
	bind_double_if(st, 6, p->has_energy[HP_REG_IMPORT], p->kwh[HP_REG_IMPORT]);
	bind_double_if(st, 7, p->has_energy[HP_REG_EXPORT], p->kwh[HP_REG_EXPORT]);
	sqlite3_bind_int64(st, 8, p->samples);
	for (int i = 0; i < HP_REG_COUNT; i++) {
		sqlite3_bind_int64(st, 9 + 3 * i, p->power_n[i]);
		sqlite3_bind_double(st, 10 + 3 * i, p->power_sum[i]);
		bind_double_if(st, 11 + 3 * i, p->power_n[i] > 0, p->power_max[i]);
	}
	sqlite3_bind_int(st, 15, p->gap);
	sqlite3_bind_int(st, 16, p->estimated);
	return run(s, st, err, err_size);
}

static void bind_register(sqlite3_stmt *st, int col, const struct hp_register *g)
{
	bind_double_if(st, col, g->valid, g->kwh);
	if (g->valid)
		sqlite3_bind_int64(st, col + 1, g->t_ms);
	else
		sqlite3_bind_null(st, col + 1);
	bind_text_or_null(st, col + 2, g->meter_time);
}

static int write_series(struct hp_store *s, const struct hp_store_meter *m, char *err,
			size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_UPSERT_SERIES];
	sqlite3_bind_int64(st, 1, m->id);
	bind_text_or_null(st, 2, m->series.meter_id);
	bind_register(st, 3, &m->series.reg[HP_REG_IMPORT]);
	bind_register(st, 6, &m->series.reg[HP_REG_EXPORT]);
	sqlite3_bind_int64(st, 9, (int64_t)m->series.new_series);
	return run(s, st, err, err_size);
}

static int write_all(struct hp_store *s, int64_t now_ms, char *err, size_t err_size)
{
	for (unsigned i = 0; i < s->meter_count; i++)
		if (s->meters[i].id == 0 && write_meter(s, &s->meters[i], err, err_size) != 0)
			return -1;
	for (unsigned i = 0; i < s->raw_count; i++)
		if (write_raw(s, &s->raw[i], err, err_size) != 0)
			return -1;
	for (unsigned i = 0; i < s->pending_count; i++)
		if (write_bucket(s, &s->pending[i], err, err_size) != 0)
			return -1;
	for (unsigned i = 0; i < s->meter_count; i++)
		if (s->meters[i].series_dirty && write_series(s, &s->meters[i], err, err_size) != 0)
			return -1;
	if (now_ms <= 0)
		return 0; /* an early commit or the last one: no housekeeping */
	sqlite3_bind_int64(s->st[HP_ST_MOVE_BUCKETS], 1, now_ms - HP_OPEN_KEEP_MS);
	sqlite3_bind_int64(s->st[HP_ST_DROP_MOVED], 1, now_ms - HP_OPEN_KEEP_MS);
	if (run(s, s->st[HP_ST_MOVE_BUCKETS], err, err_size) != 0 ||
	    run(s, s->st[HP_ST_DROP_MOVED], err, err_size) != 0)
		return -1;
	if (s->cfg.raw_days == 0)
		return 0; /* raw rows kept for ever */
	sqlite3_bind_int64(s->st[HP_ST_PRUNE], 1, now_ms - (int64_t)s->cfg.raw_days * MS_PER_DAY);
	return run(s, s->st[HP_ST_PRUNE], err, err_size);
}

int hp_store_write(struct hp_store *s, int64_t now_ms, char *err, size_t err_size)
{
	bool had_id[HP_METERS_MAX];
	for (unsigned i = 0; i < s->meter_count; i++)
		had_id[i] = s->meters[i].id != 0;
	if (run(s, s->st[HP_ST_BEGIN], err, err_size) != 0)
		return -1;
	if (write_all(s, now_ms, err, err_size) != 0 ||
	    run(s, s->st[HP_ST_COMMIT], err, err_size) != 0) {
		char ignored[HP_DETAIL_MAX];
		if (sqlite3_get_autocommit(s->db) == 0)
			run(s, s->st[HP_ST_ROLLBACK], ignored, sizeof(ignored));
		/* Ids given inside the rolled-back transaction are gone with it. */
		for (unsigned i = 0; i < s->meter_count; i++)
			if (!had_id[i])
				s->meters[i].id = 0;
		return -1;
	}
	s->rows += s->raw_count;
	s->raw_count = 0;
	s->pending_count = 0;
	for (unsigned i = 0; i < s->meter_count; i++)
		s->meters[i].series_dirty = false;
	return 0;
}
