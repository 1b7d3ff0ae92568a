/* Inside the store: the writer's handle, shared by store.c (the API, the in-memory
 * queues, recovery), store_schema.c (opening, corruption, migrations) and
 * store_write.c (prepared statements and the commit transaction).
 *
 * How the store spares the SD card (the daemon issue's goal: at most 10 MB written
 * a day at 1 reading/s with the defaults; bench/store_bench measures it). A commit
 * writes, to the WAL and later to the file, every page it changed, so a commit
 * must change as few pages as possible:
 * 1. New files use pages of HP_STORE_PAGE_SIZE (512 bytes, not 4 KiB): every page
 *    a commit touches besides the new rows (the header page, the parent of a new
 *    leaf, the partly filled last leaf, the freelist trunk) costs an eighth.
 * 2. raw is a rowid table keyed by time, id = t_ms * HP_RAW_ID_SCALE + meter: every
 *    insert appends to the table's last page and a full last page just gets a new
 *    right sibling (no three-page rebalance as in a keyed table, no index).
 * 3. Buckets and the series state stay in memory; they are written by the first
 *    commit in a new quarter-hour (so every 15 minutes), at shutdown and on an
 *    early commit; the other commits write raw rows only. Readers therefore see
 *    buckets as of the last quarter boundary (the latest values are in /now).
 *    A crash (SIGKILL, power cut) loses the unwritten bookings but not their raw
 *    rows, which are committed every commit interval; hp_store_open re-books the
 *    raw rows after each meter's series.booked_ms (the last reading the written
 *    buckets hold), so nothing committed is lost. Energy re-booked from raw rows is
 *    exact in total (registers are cumulative) and spread at store_interval
 *    resolution; power maxima and means of the re-booked minutes come from the raw
 *    rows only (one sample per row).
 * 4. Raw rows are pruned once an hour (HP_PRUNE_EVERY_MS), not at every commit.
 * 5. secure_delete=FAST: Debian's SQLite zeroes every freed page by default, which
 *    would write each pruned page once more.
 * 6. The writer holds the file in exclusive locking mode, so SQLite keeps the WAL
 *    index in memory instead of the mapped -shm file, which the kernel wrote back
 *    after every commit: measured with the daemon at 1 reading/s, 34 MB a day of
 *    page writeback with -shm, 11 MB without. The price: no other process can read
 *    the file while the daemon runs (the API and CSV export serve it), and readers
 *    in this process borrow the writer's connection (hp_store_borrow), one at a
 *    time under the store's lock. A second daemon on the same file is refused at
 *    open, which also keeps two writers apart. [store] shared = yes opts out. */
#ifndef HP_DAEMON_STORE_DB_H
#define HP_DAEMON_STORE_DB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "series.h"
#include "store.h"

/* Pages of new files (rule 1). Measured a day at 1 reading/s (bench/store_bench,
 * SQLite's writes, new / year-old file): 4 KiB 11.8 / 16.7 MB, 1 KiB 8.2 / 11.5 MB,
 * 512 B 6.2 / 7.9 MB; query times alike. 512 is SQLite's smallest page. A raw row
 * (~150 bytes, 455 with every key) fits a page's 477; a bucket row over 102 bytes
 * (only with every sum fractional) spills its tail to an overflow page, correctly. */
#define HP_STORE_PAGE_SIZE 512

/* The raw table's reading columns, generated from the reading model so they stay
 * in sync: ", power_import_w, power_export_w, ..." */
#define HP_RAW_COL(name, key) ", " key
#define HP_RAW_COLUMNS        HP_NUM_FIELDS(HP_RAW_COL)

/* raw.id = t_ms * HP_RAW_ID_SCALE + meters.id (rule 2): time order, unique per
 * meter and millisecond, and readable (id / 1000 is the time). So meter ids stay
 * below it: a file takes at most HP_RAW_ID_SCALE - 1 meter names. */
#define HP_RAW_ID_SCALE 1000

/* The bucket table's columns. */
#define HP_BUCKET_COLUMNS                                                                          \
	"meter, res, start_ms, end_ms, label, import_kwh, export_kwh, samples, imp_n, imp_sum_w, " \
	"imp_max_w, exp_n, exp_sum_w, exp_max_w, gap, estimated"

/* A bucket write adds to what is there: energy sums (NULL + x = x, so an unknown
 * bucket becomes known), sample counts and power sums, maxima, and the flags. A
 * bucket is written again whenever it got more since it was last written (it was
 * still open, or a late reading reached back into it). */
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
/* clang-format on */

/* Raw rows are pruned this often (rule 4): an hour's rows go in one delete. */
#define HP_PRUNE_EVERY_MS (3600LL * 1000)
/* Recovery looks for raw rows from this long before the newest series.booked_ms
 * on: rows not yet booked come after the last bucket write, which every active
 * meter took part in; the margin covers readings around that write. */
#define HP_RECOVER_LOOKBACK_MS (3600LL * 1000)

/* Rows queued between commits. At the default 10 s interval and 60 s commits a
 * meter queues 6; 256 leaves room for 8 meters at a 2 s interval. When it fills,
 * the store commits early: rows are never dropped silently. */
#define HP_RAW_QUEUE_MAX 256
/* Buckets touched between bucket writes: a few per meter per quarter, up to
 * HP_SERIES_ADDS_MAX for one reading after an outage. When fewer than
 * HP_SERIES_ADDS_MAX slots are left the store commits early, as above. */
#define HP_PENDING_MAX 512
/* How long a connection waits for a lock before giving up. */
#define HP_STORE_BUSY_MS 5000

/* Bucket resolutions are stored by their enum hp_resolution number (1..4). */

struct hp_store_meter {
	char name[HP_NAME_MAX];
	const struct hp_tz *zone;       /* its buckets' local time (store_zone.c) */
	bool zone_written;              /* meters.timezone holds zone's name */
	int64_t id;                     /* meters.id; 0 until a commit has written the meter */
	int64_t last_raw_ms;            /* this session's last raw row; INT64_MIN for none */
	int64_t last_reg_raw_ms;        /* ... the last one with an energy register */
	int64_t booked_ms;              /* the latest reading booked; INT64_MIN for none */
	char raw_meter_id[HP_TEXT_MAX]; /* meter_id last written to raw; "" = none yet */
	struct hp_series series;
	bool unwritten; /* booked since the buckets and series were last written */
};

struct hp_raw_row {
	unsigned meter; /* index into meters[] */
	int64_t t_ms;
	uint64_t present;
	double num[HP_NUM_COUNT];
	char meter_time[HP_TIME_MAX];
	char meter_id[HP_TEXT_MAX]; /* "" (NULL) but in a session's first row and after a swap */
};

/* One bucket's additions since the buckets were last written. */
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
	HP_ST_MAX_METER_ID,
	HP_ST_SERIES_GET,
	HP_ST_INSERT_RAW,
	HP_ST_UPSERT_BUCKET,
	HP_ST_UPSERT_SERIES,
	HP_ST_PRUNE,
	HP_ST_BOOKED_MAX,
	HP_ST_RECOVER_METERS,
	HP_ST_RAW_AFTER,
	HP_ST_COUNT
};

/* What one commit writes. */
struct hp_commit_plan {
	int64_t now_ms; /* 0 = unknown */
	bool buckets;   /* the pending buckets and the series (rule 3) */
	bool prune;     /* raw rows older than raw_days (rule 4) */
};

/* A configured meter's zone (hp_store_open_meters). */
struct hp_store_zone {
	char meter[HP_NAME_MAX];
	const struct hp_tz *zone;
};

struct hp_store {
	struct hp_store_config cfg;
	/* Held around every use of db: the writer's calls and the borrowing readers'
	 * queries (rule 6). The connection has no SQLite mutex of its own. */
	pthread_mutex_t lock;
	unsigned zone_count;
	struct hp_store_zone zones[HP_METERS_MAX];
	sqlite3 *db;
	sqlite3_stmt *st[HP_ST_COUNT];
	unsigned meter_count;
	struct hp_store_meter meters[HP_METERS_MAX];
	unsigned raw_count;
	struct hp_raw_row raw[HP_RAW_QUEUE_MAX];
	unsigned pending_count;
	struct hp_pending pending[HP_PENDING_MAX];
	int64_t written_quarter_ms; /* the quarter of the last bucket write; INT64_MIN none */
	int64_t pruned_ms;          /* the last pruning; INT64_MIN for none */
	uint64_t rows, commits, failures;
	char last_error[HP_DETAIL_MAX];
	struct hp_log_limit fail_log;
	int64_t failed_ms; /* wall clock of the last failed commit; 0 after a good one */
};

/* store_schema.c: opens path for writing. A file that is not a database or fails
 * PRAGMA quick_check is moved aside (logged) and a new one made; then the page
 * size (new files), WAL, synchronous=NORMAL, the migrations, and raw columns for
 * new reading keys. Unless shared, in exclusive locking mode (rule 6). */
int hp_store_db_open(const char *path, bool shared, sqlite3 **out, char *err, size_t err_size);

/* store.c, readers borrowing the writer's connection (rule 6): the connection of
 * the exclusive writer open on path in this process, or NULL. */
sqlite3 *hp_store_borrow(const char *path);
/* Before each use of a borrowed connection: takes and returns the writer's lock,
 * or NULL when that writer has closed since (the connection must then only be
 * released: sqlite3_close_v2 keeps it until the borrower finalizes its
 * statements). Release with pthread_mutex_unlock. */
pthread_mutex_t *hp_store_borrow_enter(const sqlite3 *db);

/* store_write.c */
int hp_store_prepare(struct hp_store *s, char *err, size_t err_size);
void hp_store_finalize(struct hp_store *s);
/* raw.id of a time and meter, saturated at the ends of the range. */
int64_t hp_raw_id(int64_t t_ms, int64_t meter);
/* Fills a meter's slot from the file (id, series, booked_ms) when the file knows
 * it; a new meter keeps id 0 until the next commit writes it. A meter without a
 * configured zone (m->zone NULL) gets the one the file recorded for it, else the
 * system's; zone_written says whether the file holds m->zone already (a commit
 * writes it otherwise). Fails for a new meter when the file has no meter id left
 * (HP_RAW_ID_SCALE). */
int hp_store_meter_load(struct hp_store *s, struct hp_store_meter *m, char *err, size_t err_size);
/* Writes what plan says in one transaction; on failure rolls back, keeps the
 * queues and sets err. */
int hp_store_write(struct hp_store *s, const struct hp_commit_plan *plan, char *err,
		   size_t err_size);

/* Recovery (rule 3): called with each raw row not yet booked; returns 0 to go on,
 * 1 to stop after this row. */
typedef int (*hp_raw_fn)(void *ctx, int64_t t_ms, const struct hp_reading *r);
/* The first raw id recovery needs to look at: HP_RECOVER_LOOKBACK_MS before the
 * newest booked_ms; INT64_MIN when nothing was ever booked. */
int hp_store_recover_floor(struct hp_store *s, int64_t *floor_id, char *err, size_t err_size);
/* The names of meters with raw rows at or after floor_id (at most max). */
int hp_store_recover_meters(struct hp_store *s, int64_t floor_id, char names[][HP_NAME_MAX],
			    unsigned max, unsigned *count, char *err, size_t err_size);
/* Calls fn, oldest first, for m's raw rows at or after floor_id taken after
 * m->booked_ms, until fn says stop. Returns 0, 1 when fn stopped, or -1. */
int hp_store_raw_after(struct hp_store *s, const struct hp_store_meter *m, int64_t floor_id,
		       hp_raw_fn fn, void *ctx, char *err, size_t err_size);

/* store_zone.c. The zone named name (meters.timezone): "" or a name that is no
 * zone (any more) is the system's; never NULL. */
const struct hp_tz *hp_store_zone_named(const char *name);
/* The zone the file db records for meter, for formatting its bucket times; the
 * system's when the file has none (a meter written before schema 3, or none).
 * Any connection; never NULL. */
const struct hp_tz *hp_store_meter_zone(sqlite3 *db, const char *meter);

/* SQLite's page cache per connection: 256 KiB (its default is 2 MB): the writer
 * touches the last raw page and a few bucket pages, and a reader walks an index
 * range once, so a small cache keeps the daemon's memory small (issue goal: a few
 * MB) at no measurable cost to queries. */
#define HP_STORE_CACHE_PRAGMA "PRAGMA cache_size=-256" /* KiB */

#endif
