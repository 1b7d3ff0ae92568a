/* The history store's writer: readings are queued in memory by hp_store_add and
 * written in one transaction by hp_store_commit (SD cards wear per write, so the
 * daemon commits once per commit_interval). The queues are bounded; a full queue
 * commits early, and a reading is refused (with -1 and a log line) only when that
 * commit fails too: nothing is dropped silently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store_db.h"

/* Commit failures are logged at most this often (an SD card that went read-only
 * fails every minute for days). */
#define HP_STORE_LOG_INTERVAL_MS (10LL * 60 * 1000)

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct hp_store *hp_store_open(const struct hp_store_config *cfg, char *err, size_t err_size)
{
	struct hp_store *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	if (hp_store_db_open(cfg->path, &s->db, err, err_size) != 0)
		goto fail;
	if (hp_store_prepare(s, err, err_size) != 0)
		goto fail;
	return s;
fail:
	hp_store_finalize(s);
	sqlite3_close(s->db);
	free(s);
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
	m->last_raw_ms = INT64_MIN;
	hp_series_init(&m->series);
	if (hp_store_meter_load(s, m, s->last_error, sizeof(s->last_error)) != 0)
		return NULL;
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
		return NULL; /* not reached: hp_store_add keeps HP_SERIES_ADDS_MAX free */
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

static void queue_raw(struct hp_store *s, unsigned meter, int64_t t_ms, const struct hp_reading *r)
{
	struct hp_raw_row *row = &s->raw[s->raw_count++];
	row->meter = meter;
	row->t_ms = t_ms;
	row->present = r->num_present;
	memcpy(row->num, r->num, sizeof(row->num));
	snprintf(row->meter_time, sizeof(row->meter_time), "%.*s", HP_TIME_MAX - 1,
		 r->text[HP_TEXT_METER_TIME]);
}

/* The first reading once store_interval has passed since the last row (or when
 * the clock went back) becomes a raw row. */
static bool raw_due(const struct hp_store *s, const struct hp_store_meter *m, int64_t t_ms)
{
	return m->last_raw_ms == INT64_MIN || t_ms < m->last_raw_ms ||
	       t_ms - m->last_raw_ms >= (int64_t)s->cfg.store_interval_s * 1000;
}

int hp_store_add(struct hp_store *s, const char *meter, int64_t t_ms, const struct hp_reading *r)
{
	struct hp_store_meter *m = meter_slot(s, meter);
	if (m == NULL)
		return -1;
	if (!has_room(s) && hp_store_commit(s, 0) != 0)
		return -1; /* counted and logged by the commit */
	unsigned index = (unsigned)(m - s->meters);
	if (raw_due(s, m, t_ms)) {
		queue_raw(s, index, t_ms, r);
		m->last_raw_ms = t_ms;
	}
	struct sink_ctx ctx = {s, index};
	hp_series_add(&m->series, t_ms, r, sink, &ctx);
	if (hp_reading_has(r, HP_NUM_ENERGY_IMPORT_KWH) ||
	    hp_reading_has(r, HP_NUM_ENERGY_EXPORT_KWH) || hp_reading_has_text(r, HP_TEXT_METER_ID))
		m->series_dirty = true;
	return 0;
}

int hp_store_commit(struct hp_store *s, int64_t now_ms)
{
	char err[HP_DETAIL_MAX];
	if (hp_store_write(s, now_ms, err, sizeof(err)) == 0) {
		s->commits++;
		if (hp_log_recovered(&s->fail_log))
			hp_log(LOG_NOTICE, "store: writing %s works again", s->cfg.path);
		return 0;
	}
	s->failures++;
	snprintf(s->last_error, sizeof(s->last_error), "%s", err);
	if (hp_log_limited(&s->fail_log, wall_ms(), HP_STORE_LOG_INTERVAL_MS))
		hp_log(LOG_ERR, "store: commit to %s failed (%u rows kept for the next try): %s",
		       s->cfg.path, s->raw_count, err);
	return -1;
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
	if (hp_store_commit(s, 0) != 0)
		hp_log(LOG_ERR, "store: closing %s with %u raw rows and %u buckets not written",
		       s->cfg.path, s->raw_count, s->pending_count);
	hp_store_finalize(s);
	sqlite3_close(s->db);
	free(s);
}
