/* The history store's figures: bytes written to disk per simulated day, and history
 * query times on a year-sized database.
 *
 * Writes: a day at 1 reading/s (a three-phase DSMR 5 telegram) goes through
 * hp_store_add with the defaults (store_interval 10 s, commit every 60 s of
 * simulated time, raw_days 90), once on a new database and once on one holding a
 * year of history (a year of buckets, 90 days of 10-second raw rows). The clock is
 * simulated, so the day takes seconds; after each commit the bench calls syncfs()
 * to stand in for the kernel's writeback, which on a real system writes a commit's
 * dirty pages long before the next one 60 s later (dirty_expire is 30 s). Printed:
 *   block layer  /proc/self/io write_bytes: pages this process dirtied and that
 *                went to the block device (the ext4 journal, written by jbd2, is
 *                not included);
 *   write()      /proc/self/io wchar: bytes SQLite handed to write() calls;
 *   growth       how much the database and its WAL file grew.
 * Queries: hp_store_history on the year-old database for a year at daily
 * resolution, a day at raw resolution and a few more (median of RUNS).
 * A query's time is the history call: the rows stepped and written as the JSON text
 * the daemon sends (freeing the text, one munmap, is not in it).
 * Prints figures; never fails on them. Usage: store_bench [DIR], or
 * store_bench --queries DIR/year.db to time the queries again on a database an
 * earlier run left in DIR. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json_text.h"
#include "store.h"

#define SEC_MS  1000LL
#define MIN_MS  (60 * SEC_MS)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS  (24 * HOUR_MS)
#define RUNS    7 /* each query is timed this often; the median is printed */
#define MB      1e6

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A household load: a night base, morning and evening peaks (W). */
static double load_w(int64_t t_ms)
{
	double h = fmod((double)t_ms / (double)HOUR_MS, 24.0);
	return 400.0 + 1500.0 * exp(-pow(h - 7.5, 2)) + 2500.0 * exp(-pow((h - 18.0) / 2, 2));
}

static double kwh; /* the import register */

/* A value at the resolution a DSMR 5 meter sends it (kW with 3 decimals is whole
 * watts, volts with 1 decimal, whole amperes, kWh with 3 decimals): SQLite stores a
 * whole number in a REAL column in 1 to 4 bytes instead of 8, so this decides the
 * size of a raw row. */
static double at(double v, double resolution)
{
	return round(v / resolution) * resolution;
}

/* A DSMR 5 three-phase telegram's values at t after step_ms of load. */
static void make_reading(struct hp_reading *r, int64_t t, int64_t step_ms)
{
	static const enum hp_num phase_v[] = {HP_NUM_L1_VOLTAGE_V, HP_NUM_L2_VOLTAGE_V,
					      HP_NUM_L3_VOLTAGE_V};
	static const enum hp_num phase_a[] = {HP_NUM_L1_CURRENT_A, HP_NUM_L2_CURRENT_A,
					      HP_NUM_L3_CURRENT_A};
	static const enum hp_num phase_w[] = {HP_NUM_L1_POWER_IMPORT_W, HP_NUM_L2_POWER_IMPORT_W,
					      HP_NUM_L3_POWER_IMPORT_W};
	double w = load_w(t);
	kwh += w * (double)step_ms / (double)HOUR_MS / 1000.0;
	hp_reading_init(r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set(r, HP_NUM_POWER_IMPORT_W, at(w, 1));
	hp_reading_set(r, HP_NUM_POWER_EXPORT_W, 0.0);
	hp_reading_set(r, HP_NUM_ENERGY_IMPORT_KWH, at(kwh, 0.001));
	hp_reading_set(r, HP_NUM_ENERGY_IMPORT_T1_KWH, at(kwh * 0.4, 0.001));
	hp_reading_set(r, HP_NUM_ENERGY_IMPORT_T2_KWH, at(kwh * 0.6, 0.001));
	hp_reading_set(r, HP_NUM_ENERGY_EXPORT_KWH, 12.5);
	hp_reading_set(r, HP_NUM_ENERGY_EXPORT_T1_KWH, 5.0);
	hp_reading_set(r, HP_NUM_ENERGY_EXPORT_T2_KWH, 7.5);
	hp_reading_set(r, HP_NUM_TARIFF, 2.0);
	hp_reading_set(r, HP_NUM_POWER_FAILURES, 4.0);
	hp_reading_set(r, HP_NUM_LONG_POWER_FAILURES, 1.0);
	for (int p = 0; p < 3; p++) {
		hp_reading_set(r, phase_v[p],
			       at(229.0 + p + fmod((double)t / 1000.0, 7.0) / 3.0, 0.1));
		hp_reading_set(r, phase_a[p], at(w / 3.0 / 230.0, 1));
		hp_reading_set(r, phase_w[p], at(w / 3.0, 1));
	}
	char mt[32];
	time_t s = (time_t)(t / 1000);
	struct tm tm;
	localtime_r(&s, &tm);
	size_t n = strftime(mt, sizeof(mt), "%Y-%m-%dT%H:%M:%S", &tm);
	hp_reading_set_text(r, HP_TEXT_METER_TIME, mt, n);
	hp_reading_set_text(r, HP_TEXT_METER_ID, "E0043007052870318", 17);
}

/* Feeds a reading every step over [from, to), committing every commit_every; after
 * each commit calls after(ctx) when given. */
static int feed(struct hp_store *s, int64_t from, int64_t to, int64_t step, int64_t commit_every,
		void (*after)(void *), void *ctx)
{
	int64_t last_commit = from;
	for (int64_t t = from; t < to; t += step) {
		struct hp_reading r;
		make_reading(&r, t, step);
		if (hp_store_add(s, "home", t, &r) != 0)
			return -1;
		if (t - last_commit >= commit_every) {
			if (hp_store_commit(s, t) != 0)
				return -1;
			last_commit = t;
			if (after != NULL)
				after(ctx);
		}
	}
	return hp_store_commit(s, to);
}

static long long file_size(const char *path, const char *suffix)
{
	char name[600];
	struct stat st;
	snprintf(name, sizeof(name), "%s%s", path, suffix);
	return stat(name, &st) == 0 ? (long long)st.st_size : 0;
}

/* ---- bytes written per simulated day ---- */

struct io_counts {
	long long wchar, write_bytes;
};

static long long io_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	return p != NULL ? atoll(p + strlen(name)) : -1;
}

static void read_io(struct io_counts *c)
{
	char text[1024] = "";
	FILE *f = fopen("/proc/self/io", "r");
	size_t n = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[n] = '\0';
	if (f != NULL)
		fclose(f);
	c->wchar = io_field(text, "\nwchar: ");
	c->write_bytes = io_field(text, "\nwrite_bytes: ");
}

/* The bench's stand-in for the kernel's writeback after each commit, and a count of
 * the -shm file's 4 KiB pages that changed since the last commit: SQLite maps that
 * file and changes it with plain stores, so neither write() nor the WAL shows them,
 * but writeback writes every page that changed. */
struct day {
	bool writeback, measured_writeback; /* syncfs() after each commit: now, in the day */
	int fd;
	char shm_path[600];
	unsigned char *shm; /* the -shm file as of the last commit */
	size_t shm_size;
	long long shm_pages;
};

#define KERNEL_PAGE 4096

static int shm_grow(struct day *d, size_t size)
{
	if (size <= d->shm_size)
		return 0;
	unsigned char *bigger = realloc(d->shm, size);
	if (bigger == NULL)
		return -1;
	memset(bigger + d->shm_size, 0, size - d->shm_size);
	d->shm = bigger;
	d->shm_size = size;
	return 0;
}

static void shm_diff(struct day *d)
{
	unsigned char page[KERNEL_PAGE];
	int fd = open(d->shm_path, O_RDONLY);
	ssize_t n;
	for (size_t off = 0; fd >= 0 && (n = pread(fd, page, sizeof(page), (off_t)off)) > 0;
	     off += (size_t)n) {
		if (shm_grow(d, off + sizeof(page)) != 0)
			break;
		if (memcmp(d->shm + off, page, (size_t)n) != 0) {
			memcpy(d->shm + off, page, (size_t)n);
			d->shm_pages++;
		}
	}
	if (fd >= 0)
		close(fd);
}

static void after_commit(void *ctx)
{
	struct day *d = ctx;
	if (d->writeback)
		syncfs(d->fd);
	shm_diff(d);
}

static void print_day(const char *what, const struct io_counts *a, const struct io_counts *b,
		      const struct day *d, long long db, long long wal, double ms)
{
	printf("%-18s %-12s SQLite write() %6.2f MB   block layer %6.2f MB   -shm pages %5.2f MB"
	       "   growth db %+5.2f MB, wal %+5.2f MB   (%.0f ms)\n",
	       what, d->measured_writeback ? "writeback" : "no writeback",
	       (double)(b->wchar - a->wchar) / MB, (double)(b->write_bytes - a->write_bytes) / MB,
	       (double)d->shm_pages * KERNEL_PAGE / MB, (double)db / MB, (double)wal / MB, ms);
}

/* A day at 1 reading/s from `from` on the store at cfg->path; prints the figures. */
static int simulate_day(const char *what, const struct hp_store_config *cfg, int64_t from,
			bool writeback)
{
	char err[256];
	struct hp_store *s = hp_store_open(cfg, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "%s: %s\n", cfg->path, err);
		return -1;
	}
	struct day d = {.writeback = true, .fd = open(cfg->path, O_RDONLY)};
	snprintf(d.shm_path, sizeof(d.shm_path), "%s-shm", cfg->path);
	long long db0 = file_size(cfg->path, ""), wal0 = file_size(cfg->path, "-wal");
	struct io_counts a, b;
	after_commit(&d);
	d.shm_pages = 0;
	d.writeback = d.measured_writeback = writeback;
	read_io(&a);
	double t0 = mono_ms();
	int rc = feed(s, from, from + DAY_MS, SEC_MS, MIN_MS, after_commit, &d);
	d.writeback = true;
	after_commit(&d);
	read_io(&b);
	double ms = mono_ms() - t0;
	long long db = file_size(cfg->path, "") - db0, wal = file_size(cfg->path, "-wal") - wal0;
	hp_store_close(s);
	close(d.fd);
	free(d.shm);
	if (rc != 0) {
		fprintf(stderr, "%s: the simulated day failed\n", what);
		return -1;
	}
	print_day(what, &a, &b, &d, db, wal, ms);
	return 0;
}

/* A year of history ending at `now`: 5-minute readings (buckets) for the first 275
 * days, then 10-second readings (raw rows too) for the last 90. */
static int build_year(const struct hp_store_config *cfg, int64_t now)
{
	char err[256];
	struct hp_store *s = hp_store_open(cfg, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "%s: %s\n", cfg->path, err);
		return -1;
	}
	int64_t year0 = now - 365 * DAY_MS, raw0 = now - (int64_t)cfg->raw_days * DAY_MS;
	int rc = feed(s, year0, raw0, 5 * MIN_MS, HOUR_MS, NULL, NULL);
	if (rc == 0)
		rc = feed(s, raw0, now, 10 * SEC_MS, HOUR_MS, NULL, NULL);
	hp_store_close(s);
	return rc;
}

/* ---- history queries ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void time_query(struct hp_store_reader *rd, const char *what, int64_t from, int64_t to,
		       enum hp_resolution res)
{
	double ms[RUNS];
	int rows = 0;
	size_t bytes = 0;
	for (int i = 0; i < RUNS; i++) {
		char err[256];
		struct hp_json_text text;
		hp_json_text_init(&text);
		double t0 = mono_ms();
		rows = hp_store_history(rd, "home", from, to, res, 100000, &text, err, sizeof(err));
		ms[i] = mono_ms() - t0;
		bytes = text.len;
		hp_json_text_release(&text);
		if (rows < 0) {
			printf("%-28s error: %s\n", what, err);
			return;
		}
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
	printf("%-28s %6d rows %9zu bytes  median %7.2f ms  min %7.2f ms\n", what, rows, bytes,
	       ms[RUNS / 2], ms[0]);
}

static int queries(const char *path, int64_t now)
{
	char err[256];
	struct hp_store_reader *rd = hp_store_reader_open(path, err, sizeof(err));
	if (rd == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	int64_t year0 = now - 365 * DAY_MS;
	time_query(rd, "year at day resolution", year0, now, HP_RES_DAY);
	time_query(rd, "day at raw resolution", now - DAY_MS, now, HP_RES_RAW);
	time_query(rd, "year at month resolution", year0, now, HP_RES_MONTH);
	time_query(rd, "month at hour resolution", now - 31 * DAY_MS, now, HP_RES_HOUR);
	time_query(rd, "week at 15m resolution", now - 7 * DAY_MS, now, HP_RES_15M);
	time_query(rd, "year at hour resolution", year0, now, HP_RES_HOUR);
	hp_store_reader_close(rd);
	return 0;
}

static int run(const char *dir)
{
	struct hp_store_config cfg = {
	    .store_interval_s = 10, .raw_days = 90, .commit_interval_s = 60};
	/* Whole hours: a year of history, then two simulated days ending now. */
	int64_t now = (int64_t)time(NULL) * 1000 / HOUR_MS * HOUR_MS;
	int64_t day0 = now - 2 * DAY_MS, day1 = now - DAY_MS;
	printf("bytes written per simulated day (1 reading/s, store_interval 10 s, commit"
	       " every 60 s, raw_days 90):\n");
	snprintf(cfg.path, sizeof(cfg.path), "%s/new.db", dir);
	if (simulate_day("new database", &cfg, day0, true) != 0)
		return -1;
	snprintf(cfg.path, sizeof(cfg.path), "%s/new2.db", dir);
	if (simulate_day("new database", &cfg, day0, false) != 0)
		return -1;
	snprintf(cfg.path, sizeof(cfg.path), "%s/year.db", dir);
	double t0 = mono_ms();
	if (build_year(&cfg, day0) != 0) {
		fprintf(stderr, "building the year-old database failed\n");
		return -1;
	}
	double build_ms = mono_ms() - t0;
	if (simulate_day("year-old database", &cfg, day0, true) != 0 ||
	    simulate_day("year-old database", &cfg, day1, false) != 0)
		return -1;
	printf("SQLite write() = bytes SQLite handed to write() (/proc/self/io wchar): WAL frames"
	       " and checkpointed pages.\n"
	       "block layer = /proc/self/io write_bytes: pages this kernel wrote for the process"
	       " (the mapped -shm file\n"
	       "  included), in whole pages or larger folios. writeback: a syncfs() after each"
	       " commit stands in for\n"
	       "  the kernel flusher, which writes a commit's pages within 35 s, before the next"
	       " one; no writeback:\n"
	       "  only SQLite's own fsyncs, so a page changed by many commits counts once (a"
	       " lower bound).\n"
	       "-shm pages = 4 KiB pages of the -shm file changed between commits (within the"
	       " block layer figure).\n"
	       "growth = file sizes after the day minus before.\n\n");
	printf("history queries on the year-old database (built in %.0f ms, %lld bytes):\n",
	       build_ms, file_size(cfg.path, ""));
	return queries(cfg.path, now);
}

/* The end of the history in a database an earlier run built: its newest raw row's
 * hour, ended. */
static int64_t history_end(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t newest = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT t_ms FROM raw ORDER BY id DESC LIMIT 1", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		newest = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return newest < 0 ? -1 : (newest / HOUR_MS + 1) * HOUR_MS;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--queries") == 0) {
		int64_t now = history_end(argv[2]);
		if (now < 0) {
			fprintf(stderr, "%s: no raw rows to time\n", argv[2]);
			return 1;
		}
		printf("history queries on %s:\n", argv[2]);
		return queries(argv[2], now) == 0 ? 0 : 1;
	}
	char dir[200];
	const char *tmp = getenv("TMPDIR");
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%.199s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/hp-store-bench-XXXXXX", tmp ? tmp : P_tmpdir);
	if (argc <= 1 && mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	int rc = run(dir);
	if (argc <= 1) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return rc == 0 ? 0 : 1;
}
