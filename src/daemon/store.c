/* The history store's writer: readings are queued in memory by hp_store_add and
 * written by hp_store_commit, raw rows at every commit and buckets once a quarter
 * (store_db.h says why and how a crash is recovered). The queues are bounded; a
 * full queue commits early, and a reading is refused (with -1 and a log line) only
 * when that commit fails too: nothing is dropped silently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store_db.h"

/* Commit failures are logged at most this often (an SD card that went read-only
 * fails every minute for days). */
#define HP_STORE_LOG_INTERVAL_MS (10LL * 60 * 1000)

/* The writers open in this process, for hp_store_borrow. The daemon has one; tests
 * and benchmarks a few. */
#define OPEN_STORES_MAX 8
static pthread_mutex_t open_stores_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hp_store *open_stores[OPEN_STORES_MAX];

static void register_store(struct hp_store *s, bool add)
{
	pthread_mutex_lock(&open_stores_lock);
	for (int i = 0; i < OPEN_STORES_MAX; i++)
		if (open_stores[i] == (add ? NULL : s)) {
			open_stores[i] = add ? s : NULL;
			break;
		}
	pthread_mutex_unlock(&open_stores_lock);
}

sqlite3 *hp_store_borrow(const char *path)
{
	sqlite3 *db = NULL;
	pthread_mutex_lock(&open_stores_lock);
	for (int i = 0; i < OPEN_STORES_MAX && db == NULL; i++)
		if (open_stores[i] != NULL && strcmp(open_stores[i]->cfg.path, path) == 0)
			db = open_stores[i]->db;
	pthread_mutex_unlock(&open_stores_lock);
	return db;
}

pthread_mutex_t *hp_store_borrow_enter(const sqlite3 *db)
{
	pthread_mutex_t *lock = NULL;
	pthread_mutex_lock(&open_stores_lock);
	for (int i = 0; i < OPEN_STORES_MAX && lock == NULL; i++)
		if (open_stores[i] != NULL && open_stores[i]->db == db) {
			lock = &open_stores[i]->lock;
			/* Taken before the registry is let go: a closing store waits for
			 * this query (it unregisters first, then takes its lock). */
			pthread_mutex_lock(lock);
		}
	pthread_mutex_unlock(&open_stores_lock);
	return lock;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The configured zone of a meter; NULL when it has none. */
static const struct hp_tz *configured_zone(const struct hp_store *s, const char *name)
{
	for (unsigned i = 0; i < s->zone_count; i++)
		if (strcmp(s->zones[i].meter, name) == 0)
			return s->zones[i].zone;
	return NULL;
}

static struct hp_store_meter *meter_slot(struct hp_store *s, const char *name)
{
	for (unsigned i = 0; i < s->meter_count; i++)
		if (strcmp(s->meters[i].name, name) == 0)
			return &s->meters[i];
	if (s->meter_count == HP_METERS_MAX || strlen(name) >= HP_NAME_MAX || name[0] == '\0') {
		snprintf(s->last_error, sizeof(s->last_error), "meter \"%.32s\" not stored: %s",
			 name, name[0] == '\0' ? "no name" : "too many meters or name too long");
		return NULL;
	}
	struct hp_store_meter *m = &s->meters[s->meter_count];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->last_raw_ms = m->last_reg_raw_ms = m->booked_ms = INT64_MIN;
	m->zone = configured_zone(s, name); /* else the file's (hp_store_meter_load) */
	hp_series_init(&m->series, m->zone);
	char err[HP_DETAIL_MAX / 2];
	if (hp_store_meter_load(s, m, err, sizeof(err)) != 0) {
		snprintf(s->last_error, sizeof(s->last_error), "meter \"%.31s\" not stored: %s",
			 name, err);
		return NULL;
	}
	s->meter_count++;
	return m;
}

/* The bucket sink: merges one addition into the pending bucket it belongs to. */
struct sink_ctx {
	struct hp_store *s;
	unsigned meter;
};

static struct hp_pending *pending_for(struct hp_store *s, unsigned meter,
				      const struct hp_bucket_add *a)
{
	for (unsigned i = s->pending_count; i-- > 0;) {
		struct hp_pending *p = &s->pending[i];
		if (p->meter == meter && p->res == a->res && p->b.start_ms == a->b.start_ms)
			return p;
	}
	if (s->pending_count == HP_PENDING_MAX)
		return NULL; /* not reached: callers keep HP_SERIES_ADDS_MAX free */
	struct hp_pending *p = &s->pending[s->pending_count++];
	memset(p, 0, sizeof(*p));
	p->meter = meter;
	p->res = a->res;
	p->b = a->b;
	return p;
}

static void sink(void *ctx, const struct hp_bucket_add *a)
{
	struct sink_ctx *c = ctx;
	struct hp_pending *p = pending_for(c->s, c->meter, a);
	if (p == NULL)
		return;
	for (int i = 0; i < HP_REG_COUNT; i++) {
		if (a->has_energy[i]) {
			p->has_energy[i] = true;
			p->kwh[i] += a->kwh[i];
		}
		if (a->has_power[i]) {
			double w = a->power_w[i];
			if (p->power_n[i] == 0 || w > p->power_max[i])
				p->power_max[i] = w;
			p->power_n[i]++;
			p->power_sum[i] += w;
		}
	}
	p->samples += a->samples;
	p->gap |= a->gap;
	p->estimated |= a->estimated;
}

static bool has_room(const struct hp_store *s)
{
	return s->raw_count < HP_RAW_QUEUE_MAX &&
	       s->pending_count + HP_SERIES_ADDS_MAX <= HP_PENDING_MAX;
}

/* Books a reading into the meter's pending buckets. booked_ms only grows: after
 * the clock went back, recovery re-books too little rather than twice. */
static void book(struct hp_store *s, struct hp_store_meter *m, int64_t t_ms,
		 const struct hp_reading *r)
{
	struct sink_ctx ctx = {s, (unsigned)(m - s->meters)};
	hp_series_add(&m->series, t_ms, r, sink, &ctx);
	if (t_ms > m->booked_ms)
		m->booked_ms = t_ms;
	m->unwritten = true;
}

static bool has_register(const struct hp_reading *r)
{
	return hp_reading_has(r, HP_NUM_ENERGY_IMPORT_KWH) ||
	       hp_reading_has(r, HP_NUM_ENERGY_EXPORT_KWH);
}

/* The first reading once store_interval has passed since the last row (or when
 * the clock went back) becomes a raw row. */
static bool interval_due(const struct hp_store *s, const struct hp_store_meter *m, int64_t t_ms)
{
	return m->last_raw_ms == INT64_MIN || t_ms < m->last_raw_ms ||
	       t_ms - m->last_raw_ms >= (int64_t)s->cfg.store_interval_s * 1000;
}

/* So does, as an extra row, a reading with an energy register when the last row
 * with one is HP_SERIES_SPARSE_MS old: hourly registers (list 3) are kept, and
 * recovery re-books them. */
static bool register_due(const struct hp_store_meter *m, int64_t t_ms, const struct hp_reading *r)
{
	return has_register(r) && (m->last_reg_raw_ms == INT64_MIN || t_ms < m->last_reg_raw_ms ||
				   t_ms - m->last_reg_raw_ms >= HP_SERIES_SPARSE_MS);
}

/* A raw row keeps the meter_id in a session's first row and after a swap only
 * (recovery needs it to see a swap; the rest would repeat it in every row). */
static void queue_raw(struct hp_store *s, struct hp_store_meter *m, int64_t t_ms,
		      const struct hp_reading *r)
{
	struct hp_raw_row *row = &s->raw[s->raw_count++];
	row->meter = (unsigned)(m - s->meters);
	row->t_ms = t_ms;
	row->present = r->num_present;
	memcpy(row->num, r->num, sizeof(row->num));
	snprintf(row->meter_time, sizeof(row->meter_time), "%.*s", HP_TIME_MAX - 1,
		 r->text[HP_TEXT_METER_TIME]);
	const char *id = r->text[HP_TEXT_METER_ID];
	row->meter_id[0] = '\0';
	if (id[0] != '\0' && strcmp(id, m->raw_meter_id) != 0) {
		snprintf(row->meter_id, sizeof(row->meter_id), "%s", id);
		snprintf(m->raw_meter_id, sizeof(m->raw_meter_id), "%s", id);
	}
	if (has_register(r))
		m->last_reg_raw_ms = t_ms;
}

static int commit_locked(struct hp_store *s, int64_t now_ms);

static int add_locked(struct hp_store *s, const char *meter, int64_t t_ms,
		      const struct hp_reading *r)
{
	struct hp_store_meter *m = meter_slot(s, meter);
	if (m == NULL)
		return -1;
	if (!has_room(s)) {
		/* A full disk refuses every commit: try once per commit interval, not
		 * once per reading. */
		int64_t since = wall_ms() - s->failed_ms;
		if (s->failed_ms != 0 && since >= 0 &&
		    since < (int64_t)s->cfg.commit_interval_s * 1000)
			return -1;
		if (commit_locked(s, 0) != 0)
			return -1; /* counted and logged by the commit */
	}
	bool on_time = interval_due(s, m, t_ms);
	if (on_time || register_due(m, t_ms, r))
		queue_raw(s, m, t_ms, r);
	if (on_time)
		m->last_raw_ms = t_ms; /* an extra row keeps the interval's rhythm */
	book(s, m, t_ms, r);
	return 0;
}

int hp_store_add(struct hp_store *s, const char *meter, int64_t t_ms, const struct hp_reading *r)
{
	pthread_mutex_lock(&s->lock);
	int rc = add_locked(s, meter, t_ms, r);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- commits ---- */

/* Buckets are written by the first commit in a new quarter-hour, and by every
 * commit without a time (shutdown, early commits). Quarter-hours start at the same
 * instants in every zone in use (offsets are whole quarters), so one rhythm serves
 * meters of all zones. */
#define QUARTER_MS (15LL * 60 * 1000)

static void plan_commit(const struct hp_store *s, int64_t now_ms, struct hp_commit_plan *plan,
			int64_t *quarter)
{
	*quarter = INT64_MIN;
	plan->now_ms = now_ms > 0 ? now_ms : 0;
	plan->buckets = true;
	plan->prune = false;
	if (plan->now_ms == 0)
		return;
	*quarter = now_ms / QUARTER_MS * QUARTER_MS; /* now_ms > 0 */
	plan->buckets = *quarter != s->written_quarter_ms;
	plan->prune = s->pruned_ms == INT64_MIN || now_ms < s->pruned_ms ||
		      now_ms - s->pruned_ms >= HP_PRUNE_EVERY_MS;
}

static int commit_locked(struct hp_store *s, int64_t now_ms)
{
	char err[HP_DETAIL_MAX];
	struct hp_commit_plan plan;
	int64_t quarter;
	plan_commit(s, now_ms, &plan, &quarter);
	if (hp_store_write(s, &plan, err, sizeof(err)) == 0) {
		s->commits++;
		if (plan.buckets && quarter != INT64_MIN)
			s->written_quarter_ms = quarter;
		if (plan.prune)
			s->pruned_ms = now_ms;
		s->failed_ms = 0;
		if (hp_log_recovered(&s->fail_log)) {
			hp_log(LOG_NOTICE, "store: writing %s works again", s->cfg.path);
			/* The status shows the store healthy again (failures keeps count). */
			s->last_error[0] = '\0';
		}
		return 0;
	}
	s->failures++;
	s->failed_ms = wall_ms();
	snprintf(s->last_error, sizeof(s->last_error), "%s", err);
	if (hp_log_limited(&s->fail_log, wall_ms(), HP_STORE_LOG_INTERVAL_MS))
		hp_log(LOG_ERR, "store: commit to %s failed (%u rows kept for the next try): %s",
		       s->cfg.path, s->raw_count, err);
	return -1;
}

int hp_store_commit(struct hp_store *s, int64_t now_ms)
{
	pthread_mutex_lock(&s->lock);
	int rc = commit_locked(s, now_ms);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- recovery (store_db.h, rule 3) ---- */

struct rebook_ctx {
	struct hp_store *s;
	struct hp_store_meter *m;
	unsigned rows;
};

static int rebook_row(void *ctx, int64_t t_ms, const struct hp_reading *r)
{
	struct rebook_ctx *c = ctx;
	book(c->s, c->m, t_ms, r);
	if (t_ms > c->m->last_raw_ms)
		c->m->last_raw_ms = t_ms;
	c->rows++;
	return has_room(c->s) ? 0 : 1;
}

/* Books m's raw rows after its booked_ms; a full queue writes the buckets (which
 * moves booked_ms on) and goes on from there. */
static int rebook(struct hp_store *s, struct hp_store_meter *m, int64_t floor_id, unsigned *rows,
		  char *err, size_t err_size)
{
	struct rebook_ctx ctx = {s, m, 0};
	int rc;
	while ((rc = hp_store_raw_after(s, m, floor_id, rebook_row, &ctx, err, err_size)) == 1) {
		if (hp_store_commit(s, 0) != 0) {
			snprintf(err, err_size, "%s", s->last_error);
			return -1;
		}
	}
	*rows = ctx.rows;
	return rc;
}

static int recover(struct hp_store *s, char *err, size_t err_size)
{
	int64_t floor_id;
	char names[HP_METERS_MAX][HP_NAME_MAX];
	unsigned count;
	if (hp_store_recover_floor(s, &floor_id, err, err_size) != 0 ||
	    hp_store_recover_meters(s, floor_id, names, HP_METERS_MAX, &count, err, err_size) != 0)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		struct hp_store_meter *m = meter_slot(s, names[i]);
		unsigned rows = 0;
		if (m == NULL) {
			snprintf(err, err_size, "%s", s->last_error);
			return -1;
		}
		if (rebook(s, m, floor_id, &rows, err, err_size) != 0)
			return -1;
		if (rows > 0)
			hp_log(LOG_NOTICE,
			       "store: meter %s: booked %u raw rows into the buckets again (the"
			       " last stop was not clean)",
			       m->name, rows);
	}
	return 0;
}

/* Each configured meter's zone, loaded before recovery books anything. */
static int load_zones(struct hp_store *s, const struct hp_meter_config *meters, unsigned count,
		      char *err, size_t err_size)
{
	for (unsigned i = 0; i < count && i < HP_METERS_MAX; i++) {
		char why[HP_DETAIL_MAX];
		const struct hp_tz *z = hp_tz_get(meters[i].timezone, why, sizeof(why));
		if (z == NULL) {
			snprintf(err, err_size, "meter %s: %s", meters[i].name, why);
			return -1;
		}
		snprintf(s->zones[i].meter, sizeof(s->zones[i].meter), "%s", meters[i].name);
		s->zones[i].zone = z;
		s->zone_count = i + 1;
	}
	return 0;
}

struct hp_store *hp_store_open(const struct hp_store_config *cfg, char *err, size_t err_size)
{
	return hp_store_open_meters(cfg, NULL, 0, err, err_size);
}

struct hp_store *hp_store_open_meters(const struct hp_store_config *cfg,
				      const struct hp_meter_config *meters, unsigned meter_count,
				      char *err, size_t err_size)
{
	struct hp_store *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	pthread_mutex_init(&s->lock, NULL);
	if (load_zones(s, meters, meter_count, err, err_size) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	s->written_quarter_ms = s->pruned_ms = INT64_MIN;
	if (hp_store_db_open(cfg->path, cfg->shared, &s->db, err, err_size) != 0)
		goto fail;
	if (hp_store_prepare(s, err, err_size) != 0)
		goto fail;
	char why[HP_DETAIL_MAX];
	if (recover(s, why, sizeof(why)) != 0)
		hp_log(LOG_WARNING,
		       "store: %s: re-booking the last raw rows failed (%s); the next readings"
		       " book their energy",
		       cfg->path, why);
	if (!cfg->shared)
		register_store(s, true);
	return s;
fail:
	hp_store_finalize(s);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

static int64_t file_size(const char *path, const char *suffix)
{
	char name[HP_PATH_MAX + 8];
	struct stat st;
	snprintf(name, sizeof(name), "%s%s", path, suffix);
	return stat(name, &st) == 0 ? (int64_t)st.st_size : 0;
}

void hp_store_get_status(struct hp_store *s, struct hp_store_status *out)
{
	memset(out, 0, sizeof(*out));
	out->file_bytes = file_size(s->cfg.path, "") + file_size(s->cfg.path, "-wal");
	out->rows = s->rows;
	out->commits = s->commits;
	out->failures = s->failures;
	snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
}

void hp_store_close(struct hp_store *s)
{
	if (s == NULL)
		return;
	register_store(s, false);
	if (hp_store_commit(s, 0) != 0)
		hp_log(LOG_ERR, "store: closing %s with %u raw rows and %u buckets not written",
		       s->cfg.path, s->raw_count, s->pending_count);
	hp_store_finalize(s);
	/* _v2: a reader that still holds statements keeps the connection until it
	 * finalizes them, instead of a failed close leaking the file's lock. */
	sqlite3_close_v2(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
