/* The writer's prepared statements (made once, reused for every commit), the
 * commit transaction (meters, raw rows, bucket upserts, series, pruning) and the
 * reads recovery needs (store_db.h, rule 3). */
#include <stdio.h>
#include <string.h>

#include "store_db.h"

#define HP_RAW_PARAM(name, key) ",?"
#define MS_PER_DAY              (24LL * 3600 * 1000)

/* The columns HP_ST_RAW_AFTER returns before the reading's numbers. */
enum { RAW_T_MS, RAW_METER_ID, RAW_METER_TIME, RAW_FIRST_NUM };

/* clang-format off */
static const char *const sql[HP_ST_COUNT] = {
	[HP_ST_BEGIN] = "BEGIN IMMEDIATE",
	[HP_ST_COMMIT] = "COMMIT",
	[HP_ST_ROLLBACK] = "ROLLBACK",
	[HP_ST_INSERT_METER] = "INSERT INTO meters(name, timezone) VALUES(?1, ?2)"
		" ON CONFLICT(name) DO UPDATE SET timezone = excluded.timezone",
	[HP_ST_METER_ID] = "SELECT id, timezone FROM meters WHERE name = ?1",
	[HP_ST_MAX_METER_ID] = "SELECT coalesce(max(id), 0) FROM meters",
	[HP_ST_SERIES_GET] = "SELECT meter_id, imp_kwh, imp_t_ms, imp_meter_time, exp_kwh,"
		" exp_t_ms, exp_meter_time, new_series, booked_ms FROM series WHERE meter = ?1",
	[HP_ST_INSERT_RAW] = "INSERT OR REPLACE INTO raw(id, meter, t_ms, meter_id, meter_time"
		HP_RAW_COLUMNS ") VALUES(?,?,?,?,?" HP_NUM_FIELDS(HP_RAW_PARAM) ")",
	[HP_ST_UPSERT_BUCKET] = "INSERT INTO buckets(" HP_BUCKET_COLUMNS ") VALUES(?1, ?2,"
		" ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)" HP_BUCKET_MERGE,
	[HP_ST_UPSERT_SERIES] = "INSERT OR REPLACE INTO series(meter, meter_id, imp_kwh, imp_t_ms,"
		" imp_meter_time, exp_kwh, exp_t_ms, exp_meter_time, new_series, booked_ms)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* The rowid is the time (store_db.h): one range from the table's start. */
	[HP_ST_PRUNE] = "DELETE FROM raw WHERE id < ?1",
	[HP_ST_BOOKED_MAX] = "SELECT max(booked_ms) FROM series",
	[HP_ST_RECOVER_METERS] = "SELECT name FROM meters WHERE id IN"
		" (SELECT DISTINCT meter FROM raw WHERE id >= ?1) ORDER BY id",
	[HP_ST_RAW_AFTER] = "SELECT t_ms, meter_id, meter_time" HP_RAW_COLUMNS " FROM raw"
		" WHERE id >= ?1 AND meter = ?2 AND t_ms > ?3 ORDER BY id",
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

int64_t hp_raw_id(int64_t t_ms, int64_t meter)
{
	if (t_ms > (INT64_MAX - meter) / HP_RAW_ID_SCALE)
		return INT64_MAX;
	if (t_ms < INT64_MIN / HP_RAW_ID_SCALE)
		return INT64_MIN;
	return t_ms * HP_RAW_ID_SCALE + meter;
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

static void bind_time_or_null(sqlite3_stmt *st, int i, int64_t t_ms)
{
	if (t_ms != INT64_MIN)
		sqlite3_bind_int64(st, i, t_ms);
	else
		sqlite3_bind_null(st, i);
}

static void copy_column_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	snprintf(out, size, "%s", t != NULL ? t : "");
}

static int64_t column_time(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? INT64_MIN
							   : sqlite3_column_int64(st, col);
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
		m->booked_ms = column_time(st, 8);
	}
	return finish(s, st, rc, err, err_size);
}

/* meters.id of m->name, or 0 when the file does not know it; and the zone it
 * recorded for it into zone ("" for none) unless zone is NULL. */
static int lookup_id(struct hp_store *s, struct hp_store_meter *m, char *zone, size_t zone_size,
		     char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_METER_ID];
	sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	m->id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (zone != NULL)
		copy_column_text(st, 1, zone, zone_size); /* "" without a row, too */
	return finish(s, st, rc, err, err_size);
}

/* A new meter needs an id below HP_RAW_ID_SCALE, after those the file has and
 * those other new meters of this session will take. */
static int check_id_left(struct hp_store *s, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_MAX_METER_ID];
	int rc = sqlite3_step(st);
	int64_t next = (rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0) + 1;
	if (finish(s, st, rc, err, err_size) != 0)
		return -1;
	for (unsigned i = 0; i < s->meter_count; i++)
		next += s->meters[i].id == 0;
	if (next < HP_RAW_ID_SCALE)
		return 0;
	snprintf(err, err_size, "the file holds %d meter names already; no room for another",
		 HP_RAW_ID_SCALE - 1);
	return -1;
}

/* The meter's zone: the configured one, else the one the file recorded. */
static void choose_zone(struct hp_store_meter *m, const char *recorded)
{
	if (m->zone == NULL)
		m->zone = hp_store_zone_named(recorded);
	m->zone_written = m->id != 0 && strcmp(recorded, hp_tz_name(m->zone)) == 0;
	if (recorded[0] != '\0' && !m->zone_written)
		hp_log(LOG_NOTICE,
		       "store: meter %s: buckets follow time zone %s from now on (before: %s)",
		       m->name, hp_tz_name(m->zone), recorded);
	m->series.zone = m->zone;
}

int hp_store_meter_load(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size)
{
	char recorded[HP_TZ_NAME_MAX];
	if (lookup_id(s, m, recorded, sizeof(recorded), err, err_size) != 0)
		return -1;
	choose_zone(m, recorded);
	if (m->id == 0)
		return check_id_left(s, err, err_size);
	return load_series(s, m, err, err_size);
}

static int write_meter(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size)
{
	sqlite3_bind_text(s->st[HP_ST_INSERT_METER], 1, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st[HP_ST_INSERT_METER], 2, hp_tz_name(m->zone), -1, SQLITE_STATIC);
	if (run(s, s->st[HP_ST_INSERT_METER], err, err_size) != 0 ||
	    lookup_id(s, m, NULL, 0, err, err_size) != 0)
		return -1;
	if (m->id <= 0 || m->id >= HP_RAW_ID_SCALE) {
		snprintf(err, err_size, "meter %s was not written (id %lld)", m->name,
			 (long long)m->id);
		return -1;
	}
	m->zone_written = true;
	return 0;
}

static int write_raw(struct hp_store *s, const struct hp_raw_row *row, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_INSERT_RAW];
	int64_t meter = s->meters[row->meter].id;
	sqlite3_bind_int64(st, 1, hp_raw_id(row->t_ms, meter));
	sqlite3_bind_int64(st, 2, meter);
	sqlite3_bind_int64(st, 3, row->t_ms);
	bind_text_or_null(st, 4, row->meter_id);
	bind_text_or_null(st, 5, row->meter_time);
	for (int f = 0; f < HP_NUM_COUNT; f++)
		bind_double_if(st, 6 + f, (row->present >> f) & 1u, row->num[f]);
	return run(s, st, err, err_size);
}

static int write_bucket(struct hp_store *s, const struct hp_pending *p, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_UPSERT_BUCKET];
	char label[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(s->meters[p->meter].zone, p->b.start_ms, label);
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
	bind_time_or_null(st, 10, m->booked_ms);
	return run(s, st, err, err_size);
}

/* The buckets and, with them, each meter's series and booked_ms: recovery reads
 * them as one cut (store_db.h, rule 3). */
static int write_buckets(struct hp_store *s, char *err, size_t err_size)
{
	for (unsigned i = 0; i < s->pending_count; i++)
		if (write_bucket(s, &s->pending[i], err, err_size) != 0)
			return -1;
	for (unsigned i = 0; i < s->meter_count; i++)
		if (s->meters[i].unwritten && write_series(s, &s->meters[i], err, err_size) != 0)
			return -1;
	return 0;
}

static int prune(struct hp_store *s, int64_t now_ms, char *err, size_t err_size)
{
	int64_t cutoff = now_ms - (int64_t)s->cfg.raw_days * MS_PER_DAY;
	sqlite3_bind_int64(s->st[HP_ST_PRUNE], 1, hp_raw_id(cutoff, 0));
	return run(s, s->st[HP_ST_PRUNE], err, err_size);
}

static int write_all(struct hp_store *s, const struct hp_commit_plan *plan, char *err,
		     size_t err_size)
{
	for (unsigned i = 0; i < s->meter_count; i++) {
		struct hp_store_meter *m = &s->meters[i];
		if ((m->id == 0 || !m->zone_written) && write_meter(s, m, err, err_size) != 0)
			return -1;
	}
	for (unsigned i = 0; i < s->raw_count; i++)
		if (write_raw(s, &s->raw[i], err, err_size) != 0)
			return -1;
	if (plan->buckets && write_buckets(s, err, err_size) != 0)
		return -1;
	if (plan->prune && plan->now_ms > 0 && s->cfg.raw_days > 0)
		return prune(s, plan->now_ms, err, err_size);
	return 0;
}

int hp_store_write(struct hp_store *s, const struct hp_commit_plan *plan, char *err,
		   size_t err_size)
{
	bool had_id[HP_METERS_MAX], had_zone[HP_METERS_MAX];
	for (unsigned i = 0; i < s->meter_count; i++) {
		had_id[i] = s->meters[i].id != 0;
		had_zone[i] = s->meters[i].zone_written;
	}
	if (run(s, s->st[HP_ST_BEGIN], err, err_size) != 0)
		return -1;
	if (write_all(s, plan, err, err_size) != 0 ||
	    run(s, s->st[HP_ST_COMMIT], err, err_size) != 0) {
		char ignored[HP_DETAIL_MAX];
		if (sqlite3_get_autocommit(s->db) == 0)
			run(s, s->st[HP_ST_ROLLBACK], ignored, sizeof(ignored));
		/* Ids and zones written inside the rolled-back transaction are gone
		 * with it. */
		for (unsigned i = 0; i < s->meter_count; i++) {
			if (!had_id[i])
				s->meters[i].id = 0;
			s->meters[i].zone_written = had_zone[i];
		}
		return -1;
	}
	s->rows += s->raw_count;
	s->raw_count = 0;
	if (plan->buckets) {
		s->pending_count = 0;
		for (unsigned i = 0; i < s->meter_count; i++)
			s->meters[i].unwritten = false;
	}
	return 0;
}

/* ---- recovery ---- */

int hp_store_recover_floor(struct hp_store *s, int64_t *floor_id, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_BOOKED_MAX];
	int rc = sqlite3_step(st);
	int64_t booked = rc == SQLITE_ROW ? column_time(st, 0) : INT64_MIN;
	*floor_id = booked == INT64_MIN ? INT64_MIN : hp_raw_id(booked - HP_RECOVER_LOOKBACK_MS, 0);
	return finish(s, st, rc, err, err_size);
}

int hp_store_recover_meters(struct hp_store *s, int64_t floor_id, char names[][HP_NAME_MAX],
			    unsigned max, unsigned *count, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_RECOVER_METERS];
	int rc;
	*count = 0;
	sqlite3_bind_int64(st, 1, floor_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *count < max)
		copy_column_text(st, 0, names[(*count)++], HP_NAME_MAX);
	return finish(s, st, rc, err, err_size);
}

static void row_reading(sqlite3_stmt *st, struct hp_reading *r)
{
	hp_reading_init(r, HP_PROTO_DLMS, HP_FRAMING_RAW); /* only the values matter */
	for (int f = 0; f < HP_NUM_COUNT; f++)
		if (sqlite3_column_type(st, RAW_FIRST_NUM + f) != SQLITE_NULL)
			hp_reading_set(r, (enum hp_num)f,
				       sqlite3_column_double(st, RAW_FIRST_NUM + f));
	static const struct {
		int col;
		enum hp_text key;
	} texts[] = {{RAW_METER_ID, HP_TEXT_METER_ID}, {RAW_METER_TIME, HP_TEXT_METER_TIME}};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *t = (const char *)sqlite3_column_text(st, texts[i].col);
		if (t != NULL)
			hp_reading_set_text(r, texts[i].key, t, strlen(t));
	}
}

int hp_store_raw_after(struct hp_store *s, const struct hp_store_meter *m, int64_t floor_id,
		       hp_raw_fn fn, void *ctx, char *err, size_t err_size)
{
	sqlite3_stmt *st = s->st[HP_ST_RAW_AFTER];
	int64_t from = m->booked_ms == INT64_MIN ? INT64_MIN : hp_raw_id(m->booked_ms + 1, 0);
	sqlite3_bind_int64(st, 1, from > floor_id ? from : floor_id);
	sqlite3_bind_int64(st, 2, m->id);
	sqlite3_bind_int64(st, 3, m->booked_ms);
	int rc = SQLITE_DONE, stop = 0;
	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hp_reading r;
		row_reading(st, &r);
		stop = fn(ctx, sqlite3_column_int64(st, RAW_T_MS), &r);
	}
	if (finish(s, st, rc, err, err_size) != 0)
		return -1;
	return stop != 0;
}
