/* Opening the history database for writing: a clear error for a place that cannot
 * be written, a corrupt file moved aside (never overwritten), then WAL mode and the
 * forward migrations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_db.h"

#define HP_RAW_COLDEF(name, key) ", " key " REAL"
/* A WAL file that grew past this (a migration, a long outage's catch-up) is cut
 * back to it after a checkpoint; the usual WAL stays well below (1000 pages). */
#define HP_WAL_KEEP_BYTES 4194304
#define HP_STR_(x)        #x
#define HP_STR(x)         HP_STR_(x)

#define HP_BUCKET_COLDEFS                                                                          \
	"(meter INTEGER NOT NULL, res INTEGER NOT NULL, start_ms INTEGER NOT NULL,"                \
	" end_ms INTEGER NOT NULL, label TEXT NOT NULL, import_kwh REAL, export_kwh REAL,"         \
	" samples INTEGER NOT NULL DEFAULT 0, imp_n INTEGER NOT NULL DEFAULT 0,"                   \
	" imp_sum_w REAL NOT NULL DEFAULT 0, imp_max_w REAL, exp_n INTEGER NOT NULL DEFAULT 0,"    \
	" exp_sum_w REAL NOT NULL DEFAULT 0, exp_max_w REAL, gap INTEGER NOT NULL DEFAULT 0,"      \
	" estimated INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (meter, res, start_ms)) WITHOUT "      \
	"ROWID;"

/* Migration 1, the initial schema. Energy buckets are keyed by their UTC start;
 * the local label is kept beside it for people and for the autumn hour that
 * repeats; res is the enum hp_resolution number (1 = 15m .. 4 = month). The raw
 * columns come from the reading model; keys added to it later are added to old
 * files by sync_raw_columns, not by a migration. all_buckets is the merged view
 * of the two bucket tables (store_db.h), for people with the sqlite3 shell. */
/* clang-format off */
static const char migration_1[] =
	"CREATE TABLE meters (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE raw (meter INTEGER NOT NULL, t_ms INTEGER NOT NULL, meter_time TEXT"
		HP_NUM_FIELDS(HP_RAW_COLDEF) ", PRIMARY KEY (meter, t_ms)) WITHOUT ROWID;"
	"CREATE TABLE buckets " HP_BUCKET_COLDEFS
	"CREATE TABLE open_buckets " HP_BUCKET_COLDEFS
	"CREATE VIEW all_buckets AS SELECT meter, res, start_ms, max(end_ms) AS end_ms,"
		" max(label) AS label, sum(import_kwh) AS import_kwh,"
		" sum(export_kwh) AS export_kwh, sum(samples) AS samples, sum(imp_n) AS imp_n,"
		" sum(imp_sum_w) AS imp_sum_w, max(imp_max_w) AS imp_max_w, sum(exp_n) AS exp_n,"
		" sum(exp_sum_w) AS exp_sum_w, max(exp_max_w) AS exp_max_w, max(gap) AS gap,"
		" max(estimated) AS estimated FROM (SELECT * FROM buckets UNION ALL"
		" SELECT * FROM open_buckets) GROUP BY meter, res, start_ms;"
	"CREATE TABLE series (meter INTEGER PRIMARY KEY, meter_id TEXT,"
		" imp_kwh REAL, imp_t_ms INTEGER, imp_meter_time TEXT,"
		" exp_kwh REAL, exp_t_ms INTEGER, exp_meter_time TEXT,"
		" new_series INTEGER NOT NULL DEFAULT 0);";
/* clang-format on */

/* Migration 2, the SD-card rules of store_db.h. raw becomes a rowid table keyed by
 * time (id = t_ms * 1000 + meter; meter and t_ms stay as columns for people) with a
 * meter_id column, set in a session's first row and after a swap. Buckets are
 * written once a quarter now, so open_buckets goes: its rows are added into
 * buckets, and all_buckets stays as a plain view. series gets booked_ms, the last
 * reading its meter's written buckets hold; in an older file everything is booked,
 * so it is the newest raw row's time. */
/* clang-format off */
static const char migration_2[] =
	"CREATE TABLE raw_by_time (id INTEGER PRIMARY KEY, meter INTEGER NOT NULL,"
		" t_ms INTEGER NOT NULL, meter_id TEXT, meter_time TEXT"
		HP_NUM_FIELDS(HP_RAW_COLDEF) ");"
	"INSERT INTO raw_by_time (id, meter, t_ms, meter_time" HP_RAW_COLUMNS ")"
		" SELECT t_ms * " HP_STR(HP_RAW_ID_SCALE) " + meter, meter, t_ms, meter_time"
		HP_RAW_COLUMNS " FROM raw ORDER BY t_ms, meter;"
	"DROP TABLE raw;"
	"ALTER TABLE raw_by_time RENAME TO raw;"
	"INSERT INTO buckets SELECT * FROM open_buckets WHERE true" HP_BUCKET_MERGE ";"
	"DROP VIEW all_buckets;"
	"DROP TABLE open_buckets;"
	"CREATE VIEW all_buckets AS SELECT * FROM buckets;"
	"ALTER TABLE series ADD COLUMN booked_ms INTEGER;"
	"INSERT OR IGNORE INTO series (meter) SELECT id FROM meters;"
	"UPDATE series SET booked_ms = (SELECT max(id) FROM raw) / " HP_STR(HP_RAW_ID_SCALE) ";";
/* clang-format on */

/* Migration 3, time zones per meter: meters.timezone is the zone (tz.h name) its
 * buckets follow, written by the writer, read by readers to format bucket times.
 * NULL in older rows: the system's zone, which those buckets were made in. */
static const char migration_3[] = "ALTER TABLE meters ADD COLUMN timezone TEXT;";

/* Forward migrations, in order: migration N takes a file from user_version N-1 to
 * N. A later schema change is one more row here, never an edit of an older one. */
static const struct {
	int version;
	const char *sql;
} migrations[] = {
    {1, migration_1},
    {2, migration_2},
    {3, migration_3},
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* Says plainly why the database cannot be made here (root passes access(), so the
 * open itself is the final word). */
static int check_place(const char *path, char *err, size_t err_size)
{
	char dir[HP_PATH_MAX];
	struct stat st;
	if (path[0] == '\0') {
		snprintf(err, err_size, "no database path configured");
		return -1;
	}
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) != 0) {
		snprintf(err, err_size, "directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, err_size, "%s is not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, err_size, "directory %s is not writable: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, err_size, "%s is not a regular file", path);
		return -1;
	}
	return 0;
}

static int open_rw(const char *path, bool shared, sqlite3 **out, char *err, size_t err_size)
{
	sqlite3 *db = NULL;
	/* No SQLite mutex: the store's lock serialises every use (store_db.h, rule 6). */
	int rc = sqlite3_open_v2(
	    path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK && sqlite3_db_readonly(db, "main") == 1) {
		snprintf(err, err_size, "%s: the file is read-only", path);
		sqlite3_close(db);
		return -1;
	}
	if (rc != SQLITE_OK) {
		int e = db != NULL ? sqlite3_system_errno(db) : 0;
		snprintf(err, err_size, "cannot open %s: %s%s%s", path, sqlite3_errstr(rc),
			 e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, HP_STORE_BUSY_MS);
	/* Before the first access in WAL mode, so the WAL index lives in memory and no
	 * -shm file is ever mapped (store_db.h, rule 6). That includes the cache_size
	 * pragma below: it reads the schema, which opens the WAL of an existing file. */
	if (!shared)
		sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE", NULL, NULL, NULL);
	sqlite3_exec(db, HP_STORE_CACHE_PRAGMA, NULL, NULL, NULL);
	*out = db;
	return 0;
}

/* 0 = sound, 1 = corrupt (why says how), -1 = could not tell (err set). */
static int check_sound(sqlite3 *db, char *why, size_t why_size, char *err, size_t err_size)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	int verdict = 0;
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		snprintf(why, why_size, "%s", sqlite3_errstr(rc));
		verdict = 1;
	} else if (rc == SQLITE_ROW) {
		const char *res = (const char *)sqlite3_column_text(st, 0);
		if (res == NULL || strcmp(res, "ok") != 0) {
			snprintf(why, why_size, "quick_check: %s", res != NULL ? res : "(null)");
			verdict = 1;
		}
	} else if (rc == SQLITE_BUSY) {
		snprintf(err, err_size,
			 "the database is in use by another process (another hanp1d on the same "
			 "file?)");
		verdict = -1;
	} else {
		snprintf(err, err_size, "checking the database: %s", sqlite3_errmsg(db));
		verdict = -1;
	}
	sqlite3_finalize(st);
	return verdict;
}

/* The first free name path.corrupt-<epoch>[-n]. */
static int aside_name(const char *path, char *out, size_t size)
{
	long long epoch = (long long)time(NULL);
	for (int n = 0; n < 100; n++) {
		int len = n == 0 ? snprintf(out, size, "%s.corrupt-%lld", path, epoch)
				 : snprintf(out, size, "%s.corrupt-%lld-%d", path, epoch, n);
		if (len < 0 || (size_t)len >= size)
			return -1;
		if (access(out, F_OK) != 0)
			return 0;
	}
	return -1;
}

/* Renames the file (and its WAL, shared-memory and journal files, which belong to
 * it) aside; the pair path.corrupt-N and path.corrupt-N-wal still open together. */
static int move_aside(const char *path, const char *why, char *err, size_t err_size)
{
	static const char *const companions[] = {"-wal", "-shm", "-journal"};
	char aside[HP_PATH_MAX + 48];
	if (aside_name(path, aside, sizeof(aside)) != 0 || rename(path, aside) != 0) {
		snprintf(err, err_size, "%s is corrupt (%s) and cannot be moved aside: %s", path,
			 why, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		char from[HP_PATH_MAX + 16], to[HP_PATH_MAX + 64];
		snprintf(from, sizeof(from), "%s%s", path, companions[i]);
		snprintf(to, sizeof(to), "%s%s", aside, companions[i]);
		if (access(from, F_OK) == 0 && rename(from, to) != 0)
			hp_log(LOG_WARNING, "store: cannot move %s aside: %s", from,
			       strerror(errno));
	}
	hp_log(LOG_ERR, "store: %s is corrupt (%s); moved it to %s and started a new database",
	       path, why, aside);
	return 0;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t err_size)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, err_size, "%s", msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

static int pragma_text(sqlite3 *db, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	out[0] = '\0';
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		snprintf(out, size, "%s", t != NULL ? t : "");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : -1;
}

/* SQLite zeroes freed pages by default in Debian's build (rule 5 of store_db.h);
 * FAST zeroes only what is written anyway. */
#define HP_STORE_PRAGMAS                                                                           \
	"PRAGMA synchronous=NORMAL; PRAGMA secure_delete=FAST;"                                    \
	" PRAGMA journal_size_limit=" HP_STR(HP_WAL_KEEP_BYTES) ";"

static int configure(sqlite3 *db, char *err, size_t err_size)
{
	char mode[16];
	/* The page size of a new file (store_db.h, rule 1); it must come before WAL
	 * mode writes the first page, and a file that has pages keeps its size. */
	if (exec(db, "PRAGMA page_size=" HP_STR(HP_STORE_PAGE_SIZE), err, err_size) != 0)
		return -1;
	if (pragma_text(db, "PRAGMA journal_mode=WAL", mode, sizeof(mode)) != 0 ||
	    strcmp(mode, "wal") != 0) {
		snprintf(err, err_size, "cannot switch to WAL mode: %s", sqlite3_errmsg(db));
		return -1;
	}
	/* In WAL mode NORMAL loses at most the last commits on power loss, never
	 * consistency, and spares the SD card a sync per commit. */
	return exec(db, HP_STORE_PRAGMAS, err, err_size);
}

static int migrate(sqlite3 *db, int version, char *err, size_t err_size)
{
	for (int i = 0; i < MIGRATION_COUNT; i++) {
		if (migrations[i].version <= version)
			continue;
		char set[48], msg[HP_DETAIL_MAX] = "";
		snprintf(set, sizeof(set), "PRAGMA user_version=%d", migrations[i].version);
		if (exec(db, "BEGIN IMMEDIATE", msg, sizeof(msg)) != 0 ||
		    exec(db, migrations[i].sql, msg, sizeof(msg)) != 0 ||
		    exec(db, set, msg, sizeof(msg)) != 0 ||
		    exec(db, "COMMIT", msg, sizeof(msg)) != 0) {
			snprintf(err, err_size, "migration %d: %s", migrations[i].version, msg);
			exec(db, "ROLLBACK", msg, sizeof(msg));
			return -1;
		}
	}
	return 0;
}

static bool has_column(sqlite3_stmt *info, const char *name)
{
	sqlite3_reset(info);
	while (sqlite3_step(info) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(info, 1);
		if (col != NULL && strcmp(col, name) == 0)
			return true;
	}
	return false;
}

/* Adds a REAL column for every reading key the raw table lacks (keys added to the
 * reading model after the file was made). */
static int sync_raw_columns(sqlite3 *db, char *err, size_t err_size)
{
	sqlite3_stmt *info = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA table_info(raw)", -1, &info, NULL) != SQLITE_OK) {
		snprintf(err, err_size, "reading the raw columns: %s", sqlite3_errmsg(db));
		return -1;
	}
	int rc = 0;
	for (int f = 0; f < HP_NUM_COUNT && rc == 0; f++) {
		const char *key = hp_num_key((enum hp_num)f);
		if (has_column(info, key))
			continue;
		char sql[128];
		snprintf(sql, sizeof(sql), "ALTER TABLE raw ADD COLUMN %s REAL", key);
		rc = exec(db, sql, err, err_size);
	}
	sqlite3_finalize(info);
	return rc;
}

static int open_sound(const char *path, bool shared, sqlite3 **db, char *err, size_t err_size)
{
	char why[HP_DETAIL_MAX];
	if (open_rw(path, shared, db, err, err_size) != 0)
		return -1;
	int verdict = check_sound(*db, why, sizeof(why), err, err_size);
	if (verdict == 0)
		return 0;
	sqlite3_close(*db);
	*db = NULL;
	if (verdict < 0 || move_aside(path, why, err, err_size) != 0)
		return -1;
	return open_rw(path, shared, db, err, err_size);
}

/* user_version, or -1 (err set) also for a file from a newer hanp1d. */
static int schema_version(sqlite3 *db, char *err, size_t err_size)
{
	char text[32];
	if (pragma_text(db, "PRAGMA user_version", text, sizeof(text)) != 0) {
		snprintf(err, err_size, "reading the schema version: %s", sqlite3_errmsg(db));
		return -1;
	}
	int version = atoi(text), known = migrations[MIGRATION_COUNT - 1].version;
	if (version > known) {
		snprintf(err, err_size,
			 "schema version %d is newer than this hanp1d knows (%d); not touching it",
			 version, known);
		return -1;
	}
	return version;
}

/* A file converted from schema 1 holds the old raw table's pages, free, as many as
 * it has data: VACUUM gives them back, once, and takes the page size of new files
 * on the way (store_db.h, rule 1), which needs rollback mode meanwhile. When
 * another process has the file open, the mode stays and VACUUM only compacts. */
static int compact(sqlite3 *db, const char *path, char *err, size_t err_size)
{
	char why[HP_DETAIL_MAX];
	hp_log(LOG_NOTICE, "store: %s: converted to schema %d; compacting it once", path,
	       migrations[MIGRATION_COUNT - 1].version);
	if (exec(db,
		 "PRAGMA journal_mode=DELETE; PRAGMA page_size=" HP_STR(
		     HP_STORE_PAGE_SIZE) ";"
					 " VACUUM",
		 why, sizeof(why)) != 0)
		hp_log(LOG_WARNING, "store: compacting %s failed (it works as it is): %s", path,
		       why);
	return configure(db, err, err_size);
}

int hp_store_db_open(const char *path, bool shared, sqlite3 **out, char *err, size_t err_size)
{
	sqlite3 *db = NULL;
	if (check_place(path, err, err_size) != 0 ||
	    open_sound(path, shared, &db, err, err_size) != 0)
		return -1;
	int version = -1;
	/* A file made before a reading key existed gets its column before a migration
	 * copies the raw table, and a new file after the migrations made it. */
	if (configure(db, err, err_size) != 0 ||
	    (version = schema_version(db, err, err_size)) < 0 ||
	    (version >= 1 && sync_raw_columns(db, err, err_size) != 0) ||
	    migrate(db, version, err, err_size) != 0 ||
	    (version == 1 && compact(db, path, err, err_size) != 0) ||
	    sync_raw_columns(db, err, err_size) != 0) {
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}
