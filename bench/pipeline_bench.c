/* The daemon's pipeline on one thread, without sources, rings or HTTP: a capture is
 * fed to a decoder in the pieces the daemon drains from a ring, and each reading
 * goes through the same calls the daemon's parser thread makes. Three runs add one
 * stage each (decode; + multipliers and state; + store), so the cost of each stage
 * shows as a difference.
 *
 * The store run uses a simulated clock: reading k is stamped k seconds after the
 * start, and the store commits every commit_interval simulated seconds, which is
 * what the daemon does with a meter sending one telegram a second. So it writes the
 * raw rows, buckets and commits of that many seconds of real time, and the bytes it
 * hands to the kernel scale to a simulated day. (A daemon replaying at full speed
 * stamps wall-clock time and commits on wall-clock intervals, so its store does far
 * less work per telegram: see bench/README.md.)
 *
 * Usage: pipeline_bench CAPTURE DIR
 *   CAPTURE  raw bytes, e.g. `hanp1d sim --meter dsmr50-nl --count 100000 --interval 1`
 *   DIR      where the database is made (pipeline.db; an old one is removed)
 * Prints figures; never fails on time. */
#define _GNU_SOURCE /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hanp1d/decode.h"
#include "multiply.h"
#include "state.h"
#include "store.h"

/* The daemon moves this much from a ring to the decoder per step (daemon.c). */
#define DRAIN_CHUNK 4096
/* Where the simulated clock starts: 2025-01-15 00:00:00 UTC, the day `hanp1d sim`
 * starts its meter's clock (any fixed time would do; fixed keeps runs comparable). */
#define SIM_START_MS 1736899200000LL
#define MS_PER_S     1000LL
#define S_PER_DAY    86400.0
#define DB_NAME      "pipeline.db"
/* The database path (at most HP_PATH_MAX, as the store takes it) + "-wal". */
#define DB_PATH_MAX (HP_PATH_MAX + 8)

enum stage { STAGE_DECODE, STAGE_STATE, STAGE_STORE, STAGE_COUNT };

static const char *const stage_names[STAGE_COUNT] = {
    [STAGE_DECODE] = "decode",
    [STAGE_STATE] = "decode + state",
    [STAGE_STORE] = "decode + state + store",
};

struct run {
	enum stage stage;
	const struct hp_meter_config *meter;
	struct hp_decoder *decoder;
	struct hp_state *state;
	struct hp_store *store;
	unsigned commit_interval_s;
	uint64_t readings, errors;
	int64_t last_commit_ms;
	int failures; /* store calls that returned -1 */
	/* The database's file system is synced after each commit, standing in for the
	 * kernel's writeback between the daemon's real commits a minute apart (so
	 * write_bytes counts a page each time a commit dirties it again). The time the
	 * syncs take is the flusher's work in the daemon, not the pipeline's: it is
	 * subtracted. */
	int sync_fd;
	double sync_cpu_s, sync_wall_s;
};

struct io_counters {
	long long wchar;       /* bytes passed to write(2) and friends */
	long long write_bytes; /* bytes this process caused to be sent to a block device */
};

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void read_io(struct io_counters *io)
{
	*io = (struct io_counters){-1, -1};
	FILE *f = fopen("/proc/self/io", "r");
	if (f == NULL)
		return;
	char key[64];
	long long v;
	while (fscanf(f, "%63[^:]: %lld\n", key, &v) == 2) {
		if (strcmp(key, "wchar") == 0)
			io->wchar = v;
		else if (strcmp(key, "write_bytes") == 0)
			io->write_bytes = v;
	}
	fclose(f);
}

/* The whole file in memory, so reading it costs nothing during a run. */
static uint8_t *load(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "pipeline_bench: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_size <= 0) {
		fprintf(stderr, "pipeline_bench: %s: empty\n", path);
		close(fd);
		return NULL;
	}
	uint8_t *buf = malloc((size_t)st.st_size);
	size_t got = 0;
	while (buf != NULL && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			free(buf);
			buf = NULL;
		} else {
			got += (size_t)n;
		}
	}
	close(fd);
	if (buf == NULL)
		fprintf(stderr, "pipeline_bench: cannot read %s\n", path);
	*len = got;
	return buf;
}

static void sync_files(struct run *r)
{
	if (r->sync_fd < 0)
		return;
	double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), wall0 = clock_s(CLOCK_MONOTONIC);
	syncfs(r->sync_fd);
	r->sync_cpu_s += clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	r->sync_wall_s += clock_s(CLOCK_MONOTONIC) - wall0;
}

/* What the daemon's main loop does for the store: a commit when the interval has
 * passed, and the store's status into the state (once a second there; here once
 * per simulated second, i.e. per reading). */
static void store_step(struct run *r, int64_t now_ms)
{
	if (now_ms - r->last_commit_ms >= (int64_t)r->commit_interval_s * MS_PER_S) {
		r->last_commit_ms = now_ms;
		if (hp_store_commit(r->store, now_ms) != 0)
			r->failures++;
		sync_files(r);
	}
	struct hp_store_status st;
	hp_store_get_status(r->store, &st);
	hp_state_set_store(r->state, &st);
}

/* The daemon's on_event and its once-a-second counter update, for one meter at one
 * telegram a second. */
static void on_event(void *ctx, const struct hp_event *ev)
{
	struct run *r = ctx;
	if (ev->reading == NULL) {
		r->errors++;
		if (r->stage != STAGE_DECODE)
			hp_state_set_error(r->state, 0, ev->error, SIM_START_MS);
		return;
	}
	int64_t now_ms = SIM_START_MS + (int64_t)r->readings * MS_PER_S;
	r->readings++;
	if (r->stage == STAGE_DECODE)
		return;
	struct hp_reading reading = *ev->reading;
	hp_apply_multipliers(r->meter, &reading);
	hp_state_set_reading(r->state, 0, &reading, now_ms);
	struct hp_source_status src = {.state = HP_SOURCE_RUNNING};
	hp_state_set_counters(r->state, 0, hp_decoder_stats(r->decoder), &src, 0);
	if (r->stage == STAGE_STORE) {
		if (hp_store_add(r->store, r->meter->name, now_ms, &reading) != 0)
			r->failures++;
		store_step(r, now_ms);
	}
}

static void feed_all(struct run *r, const uint8_t *data, size_t len)
{
	for (size_t off = 0; off < len; off += DRAIN_CHUNK) {
		size_t n = len - off < DRAIN_CHUNK ? len - off : DRAIN_CHUNK;
		hp_decoder_feed(r->decoder, data + off, n, 0);
	}
	hp_decoder_finish(r->decoder);
}

/* The database and its WAL and shared-memory files; -1 when DIR is too long. */
static int db_paths(const char *dir, char db[HP_PATH_MAX], char wal[DB_PATH_MAX],
		    char shm[DB_PATH_MAX])
{
	if (snprintf(db, HP_PATH_MAX, "%s/%s", dir, DB_NAME) >= HP_PATH_MAX ||
	    snprintf(wal, DB_PATH_MAX, "%s-wal", db) >= DB_PATH_MAX ||
	    snprintf(shm, DB_PATH_MAX, "%s-shm", db) >= DB_PATH_MAX) {
		fprintf(stderr, "pipeline_bench: %s: the path is too long\n", dir);
		return -1;
	}
	return 0;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static double mb(long long bytes)
{
	return (double)bytes / 1e6;
}

/* The store run's writes, per simulated day at one telegram a second. */
static void print_store(const struct run *r, const struct io_counters *a,
			const struct io_counters *b, const struct hp_store_status *st,
			const char *db, const char *wal)
{
	double days = (double)r->readings / S_PER_DAY;
	long long handed = b->wchar - a->wchar, written = b->write_bytes - a->write_bytes;
	printf("\nstore at 1 telegram/s, simulated clock: %llu readings = %.2f days, "
	       "%llu raw rows, %llu commits + 1 at close%s\n",
	       (unsigned long long)r->readings, days, (unsigned long long)st->rows,
	       (unsigned long long)st->commits, r->failures ? " (some store calls FAILED)" : "");
	printf("  write_bytes (pages dirtied, synced after each commit) %8.2f MB = %7.2f MB/day\n",
	       mb(written), mb(written) / days);
	printf("  wchar (bytes passed to write(2))                      %8.2f MB = %7.2f MB/day\n",
	       mb(handed), mb(handed) / days);
	printf("  database after close: %.2f MB (+ %.2f MB WAL)\n", mb(file_size(db)),
	       mb(file_size(wal)));
}

/* One unmeasured decode pass first: page faults, caches and the CPU's clock
 * settle, so the first measured stage is not charged for them. */
static int warm_up(const uint8_t *data, size_t len)
{
	struct run r = {.stage = STAGE_DECODE, .sync_fd = -1};
	struct hp_decoder_config dc = {.on_event = on_event, .ctx = &r};
	r.decoder = hp_decoder_new(&dc);
	if (r.decoder == NULL) {
		fprintf(stderr, "pipeline_bench: no decoder (crypto library)\n");
		return -1;
	}
	feed_all(&r, data, len);
	hp_decoder_free(r.decoder);
	return 0;
}

/* The store run's database, made anew; its path and its WAL's in db and wal. */
static int open_store(struct run *r, const char *dir, char db[HP_PATH_MAX], char wal[DB_PATH_MAX])
{
	char shm[DB_PATH_MAX], err[256];
	static struct hp_config defaults; /* large: every meter's settings */
	hp_config_defaults(&defaults);
	struct hp_store_config sc = defaults.store; /* store_interval, commit_interval */
	if (db_paths(dir, db, wal, shm) != 0)
		return -1;
	snprintf(sc.path, sizeof(sc.path), "%s", db);
	r->commit_interval_s = sc.commit_interval_s;
	unlink(db);
	unlink(wal);
	unlink(shm);
	r->store = hp_store_open(&sc, err, sizeof(err));
	if (r->store == NULL) {
		fprintf(stderr, "pipeline_bench: %s: %s\n", db, err);
		return -1;
	}
	r->sync_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sync_files(r); /* the new file's pages are clean before the run */
	r->sync_cpu_s = r->sync_wall_s = 0;
	return 0;
}

static int run_stage(struct run *r, const uint8_t *data, size_t len, const char *dir)
{
	char db[HP_PATH_MAX], wal[DB_PATH_MAX];
	r->last_commit_ms = SIM_START_MS;
	if (r->stage == STAGE_STORE && open_store(r, dir, db, wal) != 0)
		return -1;
	struct hp_decoder_config dc = {.on_event = on_event, .ctx = r};
	r->decoder = hp_decoder_new(&dc);
	if (r->decoder == NULL) {
		fprintf(stderr, "pipeline_bench: no decoder (crypto library)\n");
		return -1;
	}
	struct io_counters io_a, io_b;
	read_io(&io_a);
	double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), wall0 = clock_s(CLOCK_MONOTONIC);
	feed_all(r, data, len);
	struct hp_store_status st = {0};
	if (r->store != NULL) {
		hp_store_get_status(r->store, &st);
		hp_store_close(r->store); /* its last commit is part of the work */
		r->store = NULL;
	}
	double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0 - r->sync_cpu_s;
	double wall = clock_s(CLOCK_MONOTONIC) - wall0 - r->sync_wall_s;
	read_io(&io_b);
	hp_decoder_free(r->decoder);
	double n = r->readings ? (double)r->readings : 1;
	printf("%-24s %10llu %8llu %12.2f %12.2f\n", stage_names[r->stage],
	       (unsigned long long)r->readings, (unsigned long long)r->errors, cpu * 1e6 / n,
	       wall * 1e6 / n);
	if (r->stage == STAGE_STORE)
		print_store(r, &io_a, &io_b, &st, db, wal);
	if (r->sync_fd >= 0)
		close(r->sync_fd);
	return r->failures ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: pipeline_bench CAPTURE DIR\n");
		return 2;
	}
	size_t len;
	uint8_t *data = load(argv[1], &len);
	if (data == NULL)
		return 1;
	static struct hp_config cfg; /* large: every meter's settings */
	hp_config_defaults(&cfg);
	cfg.meter_count = 1;
	snprintf(cfg.meters[0].name, sizeof(cfg.meters[0].name), "home");
	static struct hp_state state; /* large: every meter's latest reading */
	hp_state_init(&state, &cfg, SIM_START_MS);
	printf("pipeline on one thread: %s, %.1f MB, fed in %d-byte pieces\n", argv[1],
	       (double)len / 1e6, DRAIN_CHUNK);
	printf("%-24s %10s %8s %12s %12s\n", "stages", "readings", "errors", "cpu us/tgm",
	       "wall us/tgm");
	int status = warm_up(data, len) == 0 ? 0 : 1;
	for (int s = 0; s < STAGE_COUNT; s++) {
		struct run r = {.stage = (enum stage)s,
				.meter = &cfg.meters[0],
				.state = &state,
				.sync_fd = -1};
		if (run_stage(&r, data, len, argv[2]) != 0)
			status = 1;
	}
	hp_state_destroy(&state);
	free(data);
	return status;
}
