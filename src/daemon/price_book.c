/* The daemon's prices (price_book.h).
 *
 * Two locks: `lock` guards the series and is held only for memory work, so a
 * reader (the API, cost queries) never waits for the disk; `save_lock` is held by
 * a push from its merge until its file is written, so two pushes write their files
 * in the order they merged and the file always ends with the newest series. */
#include "price_book.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define STATE_FILE_NAME "prices.json"
/* The saved series is at most HP_PRICE_POINTS_MAX points of about 120 bytes;
 * anything much larger is not a file this code wrote. */
#define STATE_FILE_MAX (1024 * 1024)
#define ERR_MAX        256
/* "2025-10-01T00:00:00.000Z" */
#define TIME_TEXT_MAX 32

struct hp_price_book {
	const struct hp_price_config *cfg;
	char path[HP_PATH_MAX]; /* "" = not kept */
	pthread_mutex_t lock;
	pthread_mutex_t save_lock;
	struct hp_price_series series;
	struct hp_price_point parsed[HP_PRICE_POINTS_MAX]; /* a push's points, under save_lock */
};

bool hp_price_book_path(const char *store_path, char *out, size_t size)
{
	const char *slash = strrchr(store_path, '/');
	int n;
	if (slash == NULL)
		n = snprintf(out, size, "./%s", STATE_FILE_NAME);
	else
		n = snprintf(out, size, "%.*s/%s", (int)(slash - store_path), store_path,
			     STATE_FILE_NAME);
	return n > 0 && (size_t)n < size;
}

/* ---- the file ---- */

/* UTC, whole seconds unless the time has a fraction: what hp_prices_parse_json
 * reads back to the same millisecond. */
static void format_utc(int64_t ms, char *out, size_t size)
{
	int64_t s = ms / 1000, frac = ms % 1000;
	if (frac < 0) {
		s -= 1;
		frac += 1000;
	}
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac != 0)
		snprintf(out + n, size - n, ".%03dZ", (int)frac);
	else
		snprintf(out + n, size - n, "Z");
}

/* One point as a push sends it. */
static json_t *point_json(const struct hp_price_point *p)
{
	char start[TIME_TEXT_MAX], end[TIME_TEXT_MAX];
	format_utc(p->start_ms, start, sizeof(start));
	format_utc(p->end_ms, end, sizeof(end));
	json_t *o = json_object();
	json_object_set_new(o, "start", json_string(start));
	json_object_set_new(o, "end", json_string(end));
	json_object_set_new(o, "price", json_real(p->import_price));
	if (p->has_export)
		json_object_set_new(o, "export_price", json_real(p->export_price));
	return o;
}

/* The series as the JSON array a push takes, one point per line so a person can
 * read it. Prices print with 15 significant digits: "0.1", not
 * "0.10000000000000001", and a price sent with up to 15 digits reads back as the
 * same double. NULL when out of memory. */
static char *series_json(const struct hp_price_series *s)
{
	const size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15);
	size_t size = 4, len = 0;
	char *text = malloc(size);
	if (text == NULL)
		return NULL;
	text[len++] = '[';
	for (size_t i = 0; i < s->count; i++) {
		json_t *o = point_json(&s->p[i]);
		char *line = o != NULL ? json_dumps(o, flags) : NULL;
		json_decref(o);
		size_t n = line != NULL ? strlen(line) : 0;
		char *grown = line != NULL ? realloc(text, size + n + 3) : NULL;
		if (grown == NULL) {
			free(line);
			free(text);
			return NULL;
		}
		text = grown;
		size += n + 3;
		len += (size_t)sprintf(text + len, "%s\n%s", i > 0 ? "," : "", line);
		free(line);
	}
	sprintf(text + len, "%s]", s->count > 0 ? "\n" : "");
	return text;
}

/* temp + fsync + rename: a crash leaves the old file or the new one, never half. */
static int write_atomically(const char *path, const char *text, char *err, size_t err_size)
{
	char tmp[HP_PATH_MAX + 8];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, err_size, "the path is too long");
		return -1;
	}
	FILE *f = fopen(tmp, "we");
	if (f == NULL) {
		snprintf(err, err_size, "%.200s: %s", tmp, strerror(errno));
		return -1;
	}
	size_t len = strlen(text);
	bool ok = fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF && fflush(f) == 0 &&
		  fsync(fileno(f)) == 0;
	int e = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		snprintf(err, err_size, "%.200s: %s", tmp, strerror(e));
	} else if (rename(tmp, path) != 0) {
		ok = false;
		snprintf(err, err_size, "renaming %.200s: %s", tmp, strerror(errno));
	}
	if (!ok)
		unlink(tmp);
	return ok ? 0 : -1;
}

/* Reads the whole file; NULL with err, or NULL and err "" when there is none. */
static char *read_file(const char *path, size_t *len, char *err, size_t err_size)
{
	err[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		if (errno != ENOENT)
			snprintf(err, err_size, "%s", strerror(errno));
		return NULL;
	}
	char *buf = malloc(STATE_FILE_MAX + 1);
	size_t n = buf != NULL ? fread(buf, 1, STATE_FILE_MAX + 1, f) : 0;
	bool failed = buf == NULL || ferror(f);
	fclose(f);
	if (failed || n > STATE_FILE_MAX) {
		snprintf(err, err_size, "%s",
			 buf == NULL ? "out of memory"
			 : failed    ? "read error"
				     : "larger than 1 MiB");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* A missing file is an empty series; a damaged one is logged and left alone until
 * the next push replaces it. */
static void load(struct hp_price_book *b)
{
	char err[ERR_MAX];
	size_t len = 0, n = 0;
	char *text = read_file(b->path, &len, err, sizeof(err));
	if (text == NULL) {
		if (err[0] != '\0')
			hp_log(LOG_WARNING, "prices: cannot read %s: %s; starting without prices",
			       b->path, err);
		return;
	}
	if (hp_prices_parse_json(text, len, b->parsed, HP_PRICE_POINTS_MAX, &n, err, sizeof(err)) !=
	    0) {
		hp_log(LOG_WARNING, "prices: %s is damaged (%s); starting without prices", b->path,
		       err);
	} else {
		hp_price_series_merge(&b->series, b->parsed, n);
		hp_log(LOG_INFO, "prices: %zu prices from %s", b->series.count, b->path);
	}
	free(text);
}

/* ---- the book ---- */

struct hp_price_book *hp_price_book_new(const struct hp_price_config *cfg, const char *state_file)
{
	struct hp_price_book *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->cfg = cfg;
	hp_price_series_init(&b->series);
	pthread_mutex_init(&b->lock, NULL);
	pthread_mutex_init(&b->save_lock, NULL);
	if (state_file != NULL && state_file[0] != '\0') {
		if ((size_t)snprintf(b->path, sizeof(b->path), "%s", state_file) >=
		    sizeof(b->path)) {
			hp_log(LOG_WARNING, "prices: the path %s is too long; prices are not kept",
			       state_file);
			b->path[0] = '\0';
		} else {
			load(b);
		}
	}
	return b;
}

void hp_price_book_free(struct hp_price_book *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->lock);
	pthread_mutex_destroy(&b->save_lock);
	free(b);
}

const struct hp_price_config *hp_price_book_config(const struct hp_price_book *b)
{
	return b->cfg;
}

int hp_price_book_push_json(struct hp_price_book *b, const char *text, size_t len, char *err,
			    size_t err_size)
{
	size_t n = 0;
	pthread_mutex_lock(&b->save_lock);
	if (hp_prices_parse_json(text, len, b->parsed, HP_PRICE_POINTS_MAX, &n, err, err_size) !=
	    0) {
		pthread_mutex_unlock(&b->save_lock);
		return -1;
	}
	pthread_mutex_lock(&b->lock);
	hp_price_series_merge(&b->series, b->parsed, n);
	char *saved = b->path[0] != '\0' ? series_json(&b->series) : NULL;
	pthread_mutex_unlock(&b->lock);
	/* The prices are taken either way; a file that cannot be written only means
	 * they do not survive a restart. */
	char why[ERR_MAX];
	if (b->path[0] != '\0' &&
	    (saved == NULL || write_atomically(b->path, saved, why, sizeof(why)) != 0))
		hp_log(LOG_WARNING, "prices: cannot save %s: %s", b->path,
		       saved == NULL ? "out of memory" : why);
	pthread_mutex_unlock(&b->save_lock);
	free(saved);
	return (int)n;
}

void hp_price_book_snapshot(struct hp_price_book *b, struct hp_price_series *out)
{
	pthread_mutex_lock(&b->lock);
	out->count = b->series.count;
	memcpy(out->p, b->series.p, b->series.count * sizeof(b->series.p[0]));
	pthread_mutex_unlock(&b->lock);
}

void hp_price_book_status(struct hp_price_book *b, struct hp_price_book_status *out)
{
	pthread_mutex_lock(&b->lock);
	const struct hp_price_series *s = &b->series;
	out->points = s->count;
	out->first_start_ms = s->count > 0 ? s->p[0].start_ms : 0;
	out->last_end_ms = s->count > 0 ? s->p[s->count - 1].end_ms : 0;
	pthread_mutex_unlock(&b->lock);
}
