/* History queries on a year-sized database: builds a year of buckets (a reading
 * every 5 minutes) plus one day of raw rows (a reading every 10 s), then times
 * hp_store_history for a year at daily resolution, a day at raw resolution and a
 * few more. Prints figures; never fails on time. Usage: store_bench [DIR] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define MIN_MS  (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS  (24 * HOUR_MS)
#define RUNS    7 /* each query is timed this often; the median is printed */

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

static int feed(struct hp_store *s, int64_t from, int64_t to, int64_t step, int64_t commit_every)
{
	int64_t last_commit = from;
	for (int64_t t = from; t < to; t += step) {
		struct hp_reading r;
		hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
		double w = load_w(t);
		kwh += w * (double)step / (double)HOUR_MS / 1000.0;
		hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, w);
		hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, kwh);
		hp_reading_set(&r, HP_NUM_ENERGY_EXPORT_KWH, 12.5);
		hp_reading_set(&r, HP_NUM_L1_VOLTAGE_V, 230.0 + fmod((double)t, 7.0));
		hp_reading_set(&r, HP_NUM_L1_CURRENT_A, w / 230.0);
		if (hp_store_add(s, "home", t, &r) != 0)
			return -1;
		if (t - last_commit >= commit_every) {
			if (hp_store_commit(s, t) != 0)
				return -1;
			last_commit = t;
		}
	}
	return hp_store_commit(s, to);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void time_query(struct hp_store_reader *rd, const char *what, int64_t from, int64_t to,
		       enum hp_resolution res)
{
	double ms[RUNS];
	size_t rows = 0;
	for (int i = 0; i < RUNS; i++) {
		char err[256];
		double t0 = mono_ms();
		json_t *a = hp_store_history(rd, "home", from, to, res, 100000, err, sizeof(err));
		ms[i] = mono_ms() - t0;
		if (a == NULL) {
			printf("%-28s error: %s\n", what, err);
			return;
		}
		rows = json_array_size(a);
		json_decref(a);
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
	printf("%-28s %6zu rows  median %7.2f ms  min %7.2f ms\n", what, rows, ms[RUNS / 2], ms[0]);
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
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
	struct hp_store_config cfg = {
	    .store_interval_s = 10, .raw_days = 1, .commit_interval_s = 60};
	snprintf(cfg.path, sizeof(cfg.path), "%s/history.db", dir);
	char err[256];
	struct hp_store *s = hp_store_open(&cfg, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "%s: %s\n", cfg.path, err);
		return 1;
	}
	int64_t now = (int64_t)time(NULL) * 1000 / HOUR_MS * HOUR_MS;
	int64_t year0 = now - 365 * DAY_MS, day0 = now - DAY_MS;
	double t0 = mono_ms();
	if (feed(s, year0, day0, 5 * MIN_MS, HOUR_MS) != 0 ||
	    feed(s, day0, now, 10 * 1000, MIN_MS) != 0) {
		fprintf(stderr, "building the database failed\n");
		hp_store_close(s);
		return 1;
	}
	hp_store_close(s);
	printf("built a year of buckets and a day of raw rows in %.0f ms; file %lld bytes\n",
	       mono_ms() - t0, file_size(cfg.path));

	struct hp_store_reader *rd = hp_store_reader_open(cfg.path, err, sizeof(err));
	if (rd == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	time_query(rd, "year at day resolution", year0, now, HP_RES_DAY);
	time_query(rd, "day at raw resolution", day0, now, HP_RES_RAW);
	time_query(rd, "year at month resolution", year0, now, HP_RES_MONTH);
	time_query(rd, "month at hour resolution", now - 31 * DAY_MS, now, HP_RES_HOUR);
	time_query(rd, "week at 15m resolution", now - 7 * DAY_MS, now, HP_RES_15M);
	time_query(rd, "year at hour resolution", year0, now, HP_RES_HOUR);
	hp_store_reader_close(rd);
	if (argc <= 1) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return 0;
}
