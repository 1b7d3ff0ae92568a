/* Time zones (tz.h): the process-wide cache, what a name means, and the two
 * conversions. A zone is the table of its file's transitions and, after the last
 * one (or always, for a bare POSIX rule), its rule; both give the offset in force
 * at an instant and the next instant at which it may change, which is all the
 * conversions need. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz_internal.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define LOCALTIME    "/etc/localtime"
/* Real zone files are a few KiB; anything far larger is not one. */
#define FILE_MAX (1024 * 1024)
/* More than any UTC offset (RFC 8536: under 26 h): the instants whose wall time is
 * L lie within L -/+ this. */
#define WINDOW_S (27 * 3600)
/* Periods (spans of one offset) looked at around a wall time; real zones have at
 * most a few in the window. */
#define PERIODS_MAX 64
/* A name as quoted in a message. */
#define QUOTED "'%.64s'"

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hp_tz *cache;

static struct hp_tz_type utc_types[1] = {{0, false, 0}};
static char utc_chars[] = "UTC";
static struct hp_tz utc_zone = {
    .name = "UTC", .key = "builtin:UTC", .type_count = 1, .types = utc_types, .chars = utc_chars};

const struct hp_tz *hp_tz_utc(void)
{
	return &utc_zone;
}

const char *hp_tz_name(const struct hp_tz *z)
{
	return z->name;
}

/* ---- the cache (callers hold cache_lock) ---- */

static const struct hp_tz *cached(const char *key)
{
	for (const struct hp_tz *z = cache; z != NULL; z = z->next)
		if (strcmp(z->key, key) == 0)
			return z;
	return NULL;
}

static struct hp_tz *new_zone(const char *key, const char *name)
{
	struct hp_tz *z = calloc(1, sizeof(*z));
	if (z != NULL) {
		snprintf(z->key, sizeof(z->key), "%s", key);
		snprintf(z->name, sizeof(z->name), "%s", name);
	}
	return z;
}

/* Kept for the life of the process: callers hold on to the pointer. */
static const struct hp_tz *keep(struct hp_tz *z)
{
	z->next = cache;
	cache = z;
	return z;
}

/* ---- loading ---- */

enum load_result { LOADED, NO_FILE, BAD_FILE };

static enum load_result read_file(const char *path, unsigned char **buf, size_t *len, char *why,
				  size_t why_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG)
			return NO_FILE;
		snprintf(why, why_size, "cannot read it: %s", strerror(errno));
		return BAD_FILE;
	}
	struct stat st;
	enum load_result rc = BAD_FILE;
	*buf = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = NO_FILE; /* "Europe" is a directory, not a zone */
	else if (st.st_size > FILE_MAX)
		snprintf(why, why_size, "too large for a zone file");
	else if ((*buf = malloc((size_t)st.st_size + 1)) == NULL)
		snprintf(why, why_size, "out of memory");
	else {
		ssize_t n = read(fd, *buf, (size_t)st.st_size + 1);
		if (n < 0)
			snprintf(why, why_size, "cannot read it: %s", strerror(errno));
		else {
			*len = (size_t)n;
			rc = LOADED;
		}
	}
	close(fd);
	if (rc != LOADED) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* The zone in the TZif file at path (cached under path). */
static enum load_result load_file(const char *path, const char *name, const struct hp_tz **out,
				  char *why, size_t why_size)
{
	if ((*out = cached(path)) != NULL)
		return LOADED;
	unsigned char *buf;
	size_t len = 0;
	enum load_result rc = read_file(path, &buf, &len, why, why_size);
	if (rc != LOADED)
		return rc;
	struct hp_tz *z = new_zone(path, name);
	if (z == NULL) {
		snprintf(why, why_size, "out of memory");
		rc = BAD_FILE;
	} else if (hp_tz_file_parse(buf, len, z, why, why_size) != 0) {
		free(z);
		rc = BAD_FILE;
	} else {
		*out = keep(z);
	}
	free(buf);
	return rc;
}

/* A bare POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3"); NULL when name is none. */
static const struct hp_tz *load_rule(const char *name)
{
	char key[HP_TZ_NAME_MAX];
	struct hp_tz_rule rule;
	if (snprintf(key, sizeof(key), "rule:%s", name) >= (int)sizeof(key))
		return NULL;
	const struct hp_tz *z = cached(key);
	if (z != NULL || hp_tz_rule_parse(name, &rule) != 0)
		return z;
	struct hp_tz *nz = new_zone(key, name);
	if (nz == NULL)
		return NULL;
	nz->rule = rule;
	nz->has_rule = true;
	return keep(nz);
}

static const struct hp_tz *load_named(const char *name, char *err, size_t err_size)
{
	if (strstr(name, "..") != NULL || strlen(name) >= HP_TZ_NAME_MAX) {
		snprintf(err, err_size, "unknown time zone " QUOTED " (a zone name has no '..')",
			 name);
		return NULL;
	}
	char path[2 * HP_TZ_NAME_MAX], why[HP_TZ_NAME_MAX] = "";
	const char *dir = getenv("TZDIR");
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s",
			 dir != NULL && *dir != '\0' ? dir : ZONEINFO_DIR, name);
	const struct hp_tz *z = NULL;
	enum load_result rc =
	    strlen(path) < HP_TZ_NAME_MAX ? load_file(path, name, &z, why, sizeof(why)) : NO_FILE;
	if (rc == LOADED)
		return z;
	if (rc == BAD_FILE) {
		snprintf(err, err_size, "time zone " QUOTED ": %.200s: %s", name, path, why);
		return NULL;
	}
	if (name[0] != '/' && strcmp(name, "UTC") == 0)
		return &utc_zone; /* even without tzdata */
	if (name[0] != '/' && (z = load_rule(name)) != NULL)
		return z;
	snprintf(err, err_size, "unknown time zone " QUOTED, name);
	return NULL;
}

/* /etc/localtime, named after the zone its link points to when it is one. */
static const struct hp_tz *localtime_zone(void)
{
	char name[HP_TZ_NAME_MAX] = LOCALTIME, link[HP_TZ_NAME_MAX], why[HP_TZ_NAME_MAX];
	ssize_t n = readlink(LOCALTIME, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		const char *in = strstr(link, "zoneinfo/");
		if (in != NULL && strstr(in, "..") == NULL)
			snprintf(name, sizeof(name), "%s", in + strlen("zoneinfo/"));
	}
	const struct hp_tz *z = NULL;
	return load_file(LOCALTIME, name, &z, why, sizeof(why)) == LOADED ? z : &utc_zone;
}

/* As glibc reads $TZ: unset is /etc/localtime, "" is UTC, a leading ':' is dropped
 * (":" alone is /etc/localtime again), and what is no zone is UTC. */
static const struct hp_tz *system_zone(void)
{
	const char *tz = getenv("TZ");
	if (tz != NULL && *tz == '\0')
		return &utc_zone;
	if (tz != NULL && *tz == ':')
		tz++;
	if (tz == NULL || *tz == '\0')
		return localtime_zone();
	char ignored[HP_TZ_NAME_MAX];
	const struct hp_tz *z = load_named(tz, ignored, sizeof(ignored));
	return z != NULL ? z : &utc_zone;
}

const struct hp_tz *hp_tz_get(const char *name, char *err, size_t err_size)
{
	pthread_mutex_lock(&cache_lock);
	const struct hp_tz *z =
	    name == NULL || name[0] == '\0' ? system_zone() : load_named(name, err, err_size);
	pthread_mutex_unlock(&cache_lock);
	return z;
}

/* ---- conversions ---- */

static void type_state(const struct hp_tz *z, unsigned type, struct hp_tz_state *st)
{
	st->off = z->types[type].off;
	st->isdst = z->types[type].isdst;
	st->abbr = z->chars + z->types[type].abbr;
}

/* What is in force at t, and the first instant after t at which that may change. */
static void state_at(const struct hp_tz *z, int64_t t, struct hp_tz_state *st, int64_t *next)
{
	uint32_t n = z->trans_count;
	if (n == 0 || t >= z->trans[n - 1]) {
		if (z->has_rule) {
			hp_tz_rule_at(&z->rule, t, st, next);
		} else {
			type_state(z, n == 0 ? z->first_type : z->trans_type[n - 1], st);
			*next = INT64_MAX;
		}
		return;
	}
	if (t < z->trans[0]) {
		type_state(z, z->first_type, st);
		*next = z->trans[0];
		return;
	}
	uint32_t lo = 0, hi = n - 1; /* trans[lo] <= t < trans[hi] */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	type_state(z, z->trans_type[lo], st);
	*next = z->trans[hi];
}

int hp_tz_local(const struct hp_tz *z, int64_t utc_s, struct tm *out)
{
	/* Far beyond any int year, and no overflow adding the offset. */
	if (utc_s > INT64_MAX / 4 || utc_s < INT64_MIN / 4)
		return -1;
	struct hp_tz_state st;
	int64_t next;
	state_at(z, utc_s, &st, &next);
	int64_t local = utc_s + st.off;
	int64_t days = hp_tz_floor_div(local, HP_TZ_SECS_PER_DAY), y;
	int64_t secs = local - days * HP_TZ_SECS_PER_DAY;
	int m, d;
	hp_civil_from_days(days, &y, &m, &d);
	if (y - 1900 > INT_MAX || y - 1900 < INT_MIN)
		return -1;
	memset(out, 0, sizeof(*out));
	out->tm_year = (int)(y - 1900);
	out->tm_mon = m - 1;
	out->tm_mday = d;
	out->tm_hour = (int)(secs / 3600);
	out->tm_min = (int)(secs / 60 % 60);
	out->tm_sec = (int)(secs % 60);
	out->tm_wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	out->tm_yday = (int)(days - hp_days_from_civil(y, 1, 1));
	out->tm_isdst = st.isdst;
	out->tm_gmtoff = st.off;
	out->tm_zone = st.abbr;
	return 0;
}

/* The instant whose wall time is `wall` (seconds since 1970-01-01 00:00 of the
 * wall clock). Walks the periods of one offset around it: each period whose offset
 * puts wall inside it is an answer, the earliest wins; none is a gap, read with
 * the offset before it (glibc's mktime picks the DST side of a gap, which is that
 * one at every DST start; the other when only the side before is DST). */
static int resolve(const struct hp_tz *z, int64_t wall, int64_t *out)
{
	int64_t t = wall - WINDOW_S, gap_answer = 0;
	bool have_prev = false, gap = false;
	struct hp_tz_state prev = {0}, st;
	for (int i = 0; i < PERIODS_MAX && t <= wall + WINDOW_S; i++) {
		int64_t next;
		state_at(z, t, &st, &next);
		int64_t cand = wall - st.off;
		if (cand >= t && cand < next) {
			*out = cand;
			return 0;
		}
		/* The clock jumped from t + prev.off to t + st.off, over wall. */
		if (have_prev && !gap && wall >= t + prev.off && wall < t + st.off) {
			gap = true;
			gap_answer = prev.isdst && !st.isdst ? wall - st.off : wall - prev.off;
		}
		prev = st;
		have_prev = true;
		if (next == INT64_MAX)
			break;
		t = next;
	}
	*out = gap_answer;
	return gap ? 0 : -1;
}

int hp_tz_to_utc(const struct hp_tz *z, const struct tm *local, int64_t *utc_s)
{
	/* As mktime: months roll into years, the other fields count on linearly;
	 * seconds outside 0..59 are added after the offset is found. */
	int64_t mon = local->tm_mon, carry = hp_tz_floor_div(mon, 12);
	int64_t year = (int64_t)local->tm_year + 1900 + carry;
	int sec = local->tm_sec < 0 ? 0 : local->tm_sec > 59 ? 59 : local->tm_sec;
	int64_t day =
	    hp_days_from_civil(year, (int)(mon - carry * 12) + 1, 1) + (int64_t)local->tm_mday - 1;
	int64_t wall = day * HP_TZ_SECS_PER_DAY + (int64_t)local->tm_hour * 3600 +
		       (int64_t)local->tm_min * 60 + sec;
	int64_t t;
	if (resolve(z, wall, &t) != 0)
		return -1;
	*utc_s = t + (local->tm_sec - sec);
	return 0;
}
