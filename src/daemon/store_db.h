/* Inside the store: the writer's handle, shared by store.c (the API and the
 * in-memory queues), store_schema.c (opening, corruption, migrations) and
 * store_write.c (prepared statements and the commit transaction). */
#ifndef HP_DAEMON_STORE_DB_H
#define HP_DAEMON_STORE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "series.h"
#include "store.h"

/* The raw table's reading columns, generated from the reading model so they stay
 * in sync: ", power_import_w, power_export_w, ..." */
#define HP_RAW_COL(name, key) ", " key
#define HP_RAW_COLUMNS        HP_NUM_FIELDS(HP_RAW_COL)

/* The bucket tables' columns. Buckets that may still change live in the small
 * open_buckets table (one page per meter, rewritten each commit) and move to
 * buckets once they ended HP_OPEN_KEEP_MS ago; so a commit rewrites one page of
 * buckets instead of four scattered ones (SD card wear). A bucket may have a row
 * in both tables (a late addition after the move); readers add them up. */
#define HP_BUCKET_COLUMNS                                                                          \
	"meter, res, start_ms, end_ms, label, import_kwh, export_kwh, samples, imp_n, imp_sum_w, " \
	"imp_max_w, exp_n, exp_sum_w, exp_max_w, gap, estimated"
/* Hourly registers book into the past hour's quarters; two hours covers that. */
#define HP_OPEN_KEEP_MS (2LL * 3600 * 1000)

/* Rows queued between commits. At the default 10 s interval and 60 s commits a
 * meter queues 6; 256 leaves room for 8 meters at a 2 s interval. When it fills,
 * the store commits early: rows are never dropped silently. */
#define HP_RAW_QUEUE_MAX 256
/* Buckets touched between commits: a few per meter per commit, up to
 * HP_SERIES_ADDS_MAX for one reading after an outage. When fewer than
 * HP_SERIES_ADDS_MAX slots are left the store commits early, as above. */
#define HP_PENDING_MAX 512
/* How long a connection waits for a lock before giving up. */
#define HP_STORE_BUSY_MS 5000

/* Bucket resolutions are stored by their enum hp_resolution number (1..4). */

struct hp_store_meter {
	char name[HP_NAME_MAX];
	int64_t id;          /* meters.id; 0 until a commit has written the meter */
	int64_t last_raw_ms; /* the last raw row's time; INT64_MIN for none */
	struct hp_series series;
	bool series_dirty; /* changed since it was last written */
};

struct hp_raw_row {
	unsigned meter; /* index into meters[] */
	int64_t t_ms;
	uint64_t present;
	double num[HP_NUM_COUNT];
	char meter_time[HP_TIME_MAX];
};

/* One bucket's additions since the last commit. */
struct hp_pending {
	unsigned meter;
	enum hp_resolution res;
	struct hp_bucket b;
	bool has_energy[HP_REG_COUNT];
	double kwh[HP_REG_COUNT];
	unsigned samples;
	unsigned power_n[HP_REG_COUNT];
	double power_sum[HP_REG_COUNT], power_max[HP_REG_COUNT];
	bool gap, estimated;
};

enum hp_store_stmt {
	HP_ST_BEGIN,
	HP_ST_COMMIT,
	HP_ST_ROLLBACK,
	HP_ST_INSERT_METER,
	HP_ST_METER_ID,
	HP_ST_SERIES_GET,
	HP_ST_LAST_RAW,
	HP_ST_INSERT_RAW,
	HP_ST_UPSERT_BUCKET,
	HP_ST_MOVE_BUCKETS,
	HP_ST_DROP_MOVED,
	HP_ST_UPSERT_SERIES,
	HP_ST_PRUNE,
	HP_ST_COUNT
};

struct hp_store {
	struct hp_store_config cfg;
	sqlite3 *db;
	sqlite3_stmt *st[HP_ST_COUNT];
	unsigned meter_count;
	struct hp_store_meter meters[HP_METERS_MAX];
	unsigned raw_count;
	struct hp_raw_row raw[HP_RAW_QUEUE_MAX];
	unsigned pending_count;
	struct hp_pending pending[HP_PENDING_MAX];
	uint64_t rows, commits, failures;
	char last_error[HP_DETAIL_MAX];
	struct hp_log_limit fail_log;
};

/* store_schema.c: opens path for writing. A file that is not a database or fails
 * PRAGMA quick_check is moved aside (logged) and a new one made; then WAL,
 * synchronous=NORMAL, the migrations, and raw columns for new reading keys. */
int hp_store_db_open(const char *path, sqlite3 **out, char *err, size_t err_size);

/* store_write.c */
int hp_store_prepare(struct hp_store *s, char *err, size_t err_size);
void hp_store_finalize(struct hp_store *s);
/* Fills a meter's slot from the file (id, series, last raw row) when the file
 * knows it; a new meter keeps id 0 until the next commit writes it. */
int hp_store_meter_load(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size);
/* Writes the queues in one transaction (and prunes when now_ms > 0); on failure
 * rolls back, keeps the queues and sets err. */
int hp_store_write(struct hp_store *s, int64_t now_ms, char *err, size_t err_size);

#endif
