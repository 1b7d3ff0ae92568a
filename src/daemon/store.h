/* History in SQLite (WAL, synchronous=NORMAL): raw readings every store_interval
 * kept raw_days, and 15-minute, hourly, daily and monthly energy buckets kept
 * forever. The writer (one thread) batches rows into one transaction per commit
 * interval; readers use their own read-only connections. */
#ifndef HP_DAEMON_STORE_H
#define HP_DAEMON_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "hanp1d/reading.h"
#include "state.h"

enum hp_resolution { HP_RES_RAW, HP_RES_15M, HP_RES_HOUR, HP_RES_DAY, HP_RES_MONTH };

/* "raw", "15m", "hour", "day", "month" <-> enum; -1 for an unknown name. */
int hp_resolution_parse(const char *name);
const char *hp_resolution_name(enum hp_resolution r);

struct hp_store;

/* Opens (creates, migrates) the database. After an unclean stop it re-books the
 * raw rows not yet in the buckets, so nothing committed is lost. A file that is not
 * a database or fails its integrity check is renamed aside (path +
 * ".corrupt-<epoch>") with a log line and a new one is made; a file that cannot be
 * opened at all is an error (NULL, err set). */
struct hp_store *hp_store_open(const struct hp_store_config *cfg, char *err, size_t err_size);

/* hp_store_open, with each configured meter's buckets in its own time zone
 * (meters[i].timezone, a tz.h name; "" = the system's). A meter not among them
 * keeps the zone the file recorded for it, else the system's (hp_store_open: all
 * meters so). Fails (NULL, err names the meter) for a zone that cannot be loaded. */
struct hp_store *hp_store_open_meters(const struct hp_store_config *cfg,
				      const struct hp_meter_config *meters, unsigned meter_count,
				      char *err, size_t err_size);

/* Adds a reading of a meter taken at t_ms (wall clock, UTC epoch ms): a raw row when
 * store_interval has passed since the meter's last one, and the energy/power into
 * the meter's buckets (local time, DST-correct: the meter's time zone). A register
 * going backwards or a new meter_id starts a new series: never negative energy.
 * Nothing reaches the disk before hp_store_commit. Returns 0 or -1. */
int hp_store_add(struct hp_store *s, const char *meter, int64_t t_ms, const struct hp_reading *r);

/* Writes what was added since the last commit in one transaction: raw rows every
 * commit; buckets and the series state once per quarter-hour (and whenever
 * now_ms is 0, as at close), so a commit usually touches only the last raw page;
 * raw rows older than raw_days are pruned once an hour. Returns 0 or -1 (the rows
 * are kept for the next try). */
int hp_store_commit(struct hp_store *s, int64_t now_ms);

void hp_store_get_status(struct hp_store *s, struct hp_store_status *out);

/* Commits and closes. */
void hp_store_close(struct hp_store *s);

/* ---- reading (any thread, its own connection) ---- */

struct hp_store_reader;

struct hp_store_reader *hp_store_reader_open(const char *path, char *err, size_t err_size);
void hp_store_reader_close(struct hp_store_reader *rd);

/* History of one meter in [from_ms, to_ms) as a JSON array, oldest first (buckets
 * lag the live reading by at most a quarter-hour), written as text onto the end of
 * out, straight from the database (no JSON tree):
 * raw: {"t": ISO-8601 UTC, "t_ms": epoch ms, "meter_time" when sent, <reading-model
 * numeric keys>...} (absent keys left out; values print as /now prints them, so a
 * whole number without ".0");
 * buckets (every bucket overlapping the range): {"start", "end" (ISO-8601 with the
 * local offset), "start_ms", "end_ms", "import_kwh", "export_kwh", "max_power_w",
 * "mean_power_w", "max_export_w", "mean_export_w" (null when unknown), "samples",
 * "gap", "estimated" (series.h says when)}. At most `limit` rows (1 or more; capped
 * at 100,000). An unknown meter gives an empty array. Returns the number of rows,
 * or -1 with err set and out as it was (err names the bad parameter: "from: ...",
 * "limit: ..."). */
struct hp_json_text;
int hp_store_history(struct hp_store_reader *rd, const char *meter, int64_t from_ms, int64_t to_ms,
		     enum hp_resolution res, unsigned limit, struct hp_json_text *out, char *err,
		     size_t err_size);

/* One energy bucket as hp_store_buckets returns it: what hp_store_history writes as
 * JSON, as numbers. A value the store does not know has its has_ flag false. */
struct hp_store_bucket {
	int64_t start_ms, end_ms; /* UTC epoch ms; local-time aligned in the meter's zone */
	bool has_import, has_export;
	double import_kwh, export_kwh;
	bool has_power; /* import power samples: max and mean known */
	double max_power_w, mean_power_w;
	bool has_export_power;
	double max_export_w, mean_export_w;
	unsigned samples;
	bool gap, estimated; /* series.h says when */
};

/* The buckets of res (HP_RES_15M .. HP_RES_MONTH) overlapping [from_ms, to_ms),
 * oldest first, as stored (the running quarter's additions are not there yet:
 * buckets are written once a quarter). Buckets without a row (inside a gap, or
 * before the meter's first reading) are not returned. Returns 0 with *n rows in
 * out; 1 when the range holds more than cap rows (out has the first cap); -1 with
 * err set. An unknown meter has no rows. */
int hp_store_buckets(struct hp_store_reader *rd, const char *meter, enum hp_resolution res,
		     int64_t from_ms, int64_t to_ms, struct hp_store_bucket *out, size_t cap,
		     size_t *n, char *err, size_t err_size);

/* The meter's raw rows in [from_ms, to_ms): how many (*rows) and which reading-model
 * numeric keys any of them carries (*present: bit n for enum hp_num n), for a CSV
 * header before the rows. 0, or -1 with err set. */
int hp_store_raw_summary(struct hp_store_reader *rd, const char *meter, int64_t from_ms,
			 int64_t to_ms, uint64_t *present, uint64_t *rows, char *err,
			 size_t err_size);

/* Called for each raw row, oldest first: its time, which numbers it has (bit n for
 * enum hp_num n) and their values (num[n], HP_NUM_COUNT of them). Runs under the
 * reader's lock: no other query from here. */
typedef void (*hp_store_raw_fn)(void *ctx, int64_t t_ms, uint64_t present, const double *num);

/* Calls fn for the meter's raw rows in [from_ms, to_ms), at most limit (capped as
 * hp_store_history caps it). Returns the number of rows, or -1 with err set. */
int hp_store_raw_rows(struct hp_store_reader *rd, const char *meter, int64_t from_ms, int64_t to_ms,
		      unsigned limit, hp_store_raw_fn fn, void *ctx, char *err, size_t err_size);

#endif
