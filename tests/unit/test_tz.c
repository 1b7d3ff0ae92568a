/* The zone reader (tz.h) against glibc's localtime_r and mktime (TZ set and tzset
 * here): every hour of 1970..2060 and every minute within two hours of each
 * transition, for real zones and for zone files and POSIX rules this test writes;
 * the DST days of 2024 and 2025 in Oslo by hand; bad names, broken files, the
 * system zone and the cache.
 *
 * Without tzdata (/usr/share/zoneinfo) only the parts that need no zone files run,
 * and the test ends with 77 (skipped) when they pass. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tz.h"

#define HOUR_S  3600LL
#define DAY_S   (24 * HOUR_S)
#define SKIPPED 77

static char tmp_dir[256];

static const char *const real_zones[] = {"Europe/Oslo",
					 "Europe/Amsterdam",
					 "Europe/Brussels",
					 "Europe/London",
					 "Europe/Vienna",
					 "Europe/Warsaw",
					 "Europe/Zurich",
					 "America/New_York",
					 "Australia/Sydney",
					 "Asia/Kolkata",
					 "Pacific/Chatham",
					 "America/Sao_Paulo",
					 "UTC",
					 "America/Nuuk",
					 "Africa/Casablanca",
					 "Asia/Tehran",
					 "Pacific/Apia",
					 "Europe/Dublin",
					 "America/Santiago",
					 "Asia/Kathmandu",
					 "Australia/Lord_Howe"};

/* POSIX rules (used as $TZ and given to hp_tz_get): southern DST, negative and
 * 24 h rule times, Jn and n days, quoted names, all-year DST, no DST. */
static const char *const rules[] = {
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "EST5EDT,M3.2.0,M11.1.0",
    "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
    "<+0330>-3:30<+0430>,J79/24,J263/24",
    "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
    "<-04>4<-03>,M9.1.6/24,M4.1.6/24",
    "ABC-2DEF,59/2,300/3",
    "ABC-2DEF-3:30,J60/1:30,J365/23:59:59",
    "EST5EDT,0/0,J365/25",
    "IST-5:30",
    "<+03>-3",
    "WET0WEST,M3.5.0/1,M10.5.0",
};

static void use_tz(const char *tz)
{
	if (tz == NULL)
		unsetenv("TZ");
	else
		setenv("TZ", tz, 1);
	tzset();
}

static const struct hp_tz *get(const char *name)
{
	char err[256] = "";
	const struct hp_tz *z = hp_tz_get(name, err, sizeof(err));
	CHECK_MSG(z != NULL, "hp_tz_get(%s): %s", name, err);
	return z;
}

/* ---- comparing with glibc ---- */

struct tally {
	const char *zone;
	long local_bad, utc_bad, samples;
	char first[256];
};

static void note(struct tally *ty, long *counter, const char *what, int64_t t)
{
	if ((*counter)++ == 0 && ty->first[0] == '\0')
		snprintf(ty->first, sizeof(ty->first), "%s at %lld", what, (long long)t);
}

static bool same_wall(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	       a->tm_hour == b->tm_hour && a->tm_min == b->tm_min && a->tm_sec == b->tm_sec;
}

/* Compares hp_tz_local with localtime_r at t; want gets glibc's answer. */
static void compare_local(const struct hp_tz *z, int64_t t, struct tally *ty, struct tm *want)
{
	time_t tt = (time_t)t;
	struct tm got;
	ty->samples++;
	if (localtime_r(&tt, want) == NULL) {
		note(ty, &ty->local_bad, "localtime_r failed", t);
		return;
	}
	if (hp_tz_local(z, t, &got) != 0 || !same_wall(&got, want) ||
	    got.tm_wday != want->tm_wday || got.tm_yday != want->tm_yday ||
	    got.tm_isdst != want->tm_isdst || got.tm_gmtoff != want->tm_gmtoff ||
	    got.tm_zone == NULL || strcmp(got.tm_zone, want->tm_zone) != 0)
		note(ty, &ty->local_bad, "local", t);
}

/* A wall time (seconds since 1970-01-01 00:00 of the wall clock) as struct tm. */
static struct tm wall_tm(int64_t wall)
{
	time_t w = (time_t)wall;
	struct tm tm;
	gmtime_r(&w, &tm);
	tm.tm_isdst = -1;
	return tm;
}

static bool maps_to(int64_t t, const struct tm *wall)
{
	time_t tt = (time_t)t;
	struct tm tm;
	return localtime_r(&tt, &tm) != NULL && same_wall(&tm, wall);
}

/* hp_tz_to_utc against mktime: equal, or both real instants of a wall time that
 * happens twice with ours the earlier, or mktime failing (a gap glibc does not
 * resolve). */
static void compare_wall(const struct hp_tz *z, int64_t wall, struct tally *ty)
{
	struct tm tm = wall_tm(wall), copy = tm;
	int64_t got = 0;
	time_t want = mktime(&copy);
	if (hp_tz_to_utc(z, &tm, &got) != 0) {
		note(ty, &ty->utc_bad, "to_utc failed", wall);
		return;
	}
	if (want == (time_t)-1 || got == (int64_t)want)
		return;
	bool got_real = maps_to(got, &tm), want_real = maps_to((int64_t)want, &tm);
	if (got_real && want_real && got < (int64_t)want)
		return; /* a wall time that happens twice: ours is the first */
	/* A gap between two DST or two standard offsets (Pacific/Apia skipping
	 * 2011-12-30): mktime's side depends on what it was asked before; ours is
	 * always the offset before the gap, which moves the wall clock forward. */
	time_t g = (time_t)got;
	struct tm gt, wt;
	localtime_r(&g, &gt);
	localtime_r(&want, &wt);
	if (!got_real && !want_real && gt.tm_isdst == wt.tm_isdst && timegm(&gt) > wall)
		return;
	note(ty, &ty->utc_bad, "to_utc", wall);
}

/* Every minute within two hours of the change in (t - 1 h, t]; then every wall
 * minute around it, which includes the gap or the repeated hour. */
static void dense(const struct hp_tz *z, int64_t t, struct tally *ty)
{
	struct tm lt;
	for (int64_t s = t - 3 * HOUR_S; s <= t + 2 * HOUR_S; s += 60)
		compare_local(z, s, ty, &lt);
	compare_local(z, t, ty, &lt);
	int64_t wall = t + lt.tm_gmtoff;
	for (int64_t w = wall - 4 * HOUR_S; w <= wall + 3 * HOUR_S; w += 60)
		compare_wall(z, w, ty);
}

static void report(struct tally *ty)
{
	CHECK_MSG(ty->local_bad == 0 && ty->utc_bad == 0,
		  "%s: %ld local and %ld to_utc mismatches in %ld samples; first: %s", ty->zone,
		  ty->local_bad, ty->utc_bad, ty->samples, ty->first);
}

/* Hour by hour over [from, to); where the offset or DST changes, densely. Then a
 * day's noon every 9 days up to 2400, and densely around each change there. */
static void sweep(const char *zone, const char *tz_env, int64_t from, int64_t to)
{
	use_tz(tz_env);
	const struct hp_tz *z = get(zone);
	if (z == NULL)
		return;
	struct tally ty = {.zone = zone};
	long prev_off = LONG_MIN;
	int prev_dst = -1, changes = 0;
	for (int64_t t = from; t < to; t += HOUR_S) {
		struct tm lt;
		compare_local(z, t, &ty, &lt);
		compare_wall(z, t + 7 * 60, &ty); /* a wall time, off the hour */
		if (prev_dst >= 0 && (lt.tm_gmtoff != prev_off || lt.tm_isdst != prev_dst)) {
			dense(z, t, &ty);
			changes++;
		}
		prev_off = lt.tm_gmtoff;
		prev_dst = lt.tm_isdst;
	}
	for (int64_t t = to; t < 13569465600LL; t += 9 * DAY_S) { /* to 2400 */
		struct tm lt;
		compare_local(z, t, &ty, &lt);
		compare_wall(z, t, &ty);
	}
	report(&ty);
	/* A zone or rule with DST must have shown its switches. */
	CHECK_MSG(changes > 0 || strchr(zone, ',') == NULL, "%s: no change found", zone);
}

#define Y1970 0LL
#define Y1990 631152000LL
#define Y2000 946684800LL
#define Y2061 2871763200LL

static void test_real_zones(void)
{
	for (size_t i = 0; i < sizeof(real_zones) / sizeof(real_zones[0]); i++)
		sweep(real_zones[i], real_zones[i], Y1970, Y2061);
}

static void test_rules(void)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		sweep(rules[i], rules[i], Y2000, Y2061); /* every kind of year */
		/* The same rule as the system zone ($TZ), as the daemon sees it. */
		use_tz(rules[i]);
		struct tm a, b;
		CHECK(hp_tz_local(get(""), 1719792000, &a) == 0 &&
		      hp_tz_local(get(rules[i]), 1719792000, &b) == 0 &&
		      a.tm_gmtoff == b.tm_gmtoff);
	}
}

/* ---- Oslo by hand ---- */

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return (int64_t)timegm(&tm);
}

static void check_local(const struct hp_tz *z, int64_t t, const char *want)
{
	struct tm tm;
	char got[64] = "(failed)";
	if (hp_tz_local(z, t, &tm) == 0)
		snprintf(got, sizeof(got), "%04d-%02d-%02d %02d:%02d:%02d %s %+ld %d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, tm.tm_zone, tm.tm_gmtoff, tm.tm_isdst);
	CHECK_STREQ(got, want);
}

static int64_t to_utc(const struct hp_tz *z, int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s,
			.tm_isdst = -1};
	int64_t t = -1;
	CHECK_INT(hp_tz_to_utc(z, &tm, &t), 0);
	return t;
}

static void check_day(const struct hp_tz *z, int y, int mo, int d, int64_t start, int hours)
{
	int64_t s = to_utc(z, y, mo, d, 0, 0, 0), e = to_utc(z, y, mo, d + 1, 0, 0, 0);
	CHECK_INT(s, start);
	CHECK_INT((e - s) / HOUR_S, hours);
}

static void test_oslo_by_hand(void)
{
	use_tz("UTC"); /* nothing below may depend on the process's zone */
	const struct hp_tz *z = get("Europe/Oslo");
	if (z == NULL)
		return;
	CHECK_STREQ(hp_tz_name(z), "Europe/Oslo");
	/* Spring 2024: 02:00 CET -> 03:00 CEST at 01:00Z. */
	check_local(z, utc(2024, 3, 31, 0, 59, 59), "2024-03-31 01:59:59 CET +3600 0");
	check_local(z, utc(2024, 3, 31, 1, 0, 0), "2024-03-31 03:00:00 CEST +7200 1");
	check_day(z, 2024, 3, 31, utc(2024, 3, 30, 23, 0, 0), 23);
	CHECK_INT(to_utc(z, 2024, 3, 31, 1, 59, 59), utc(2024, 3, 31, 0, 59, 59));
	CHECK_INT(to_utc(z, 2024, 3, 31, 2, 0, 0), utc(2024, 3, 31, 1, 0, 0));   /* gap: 03:00 */
	CHECK_INT(to_utc(z, 2024, 3, 31, 2, 30, 0), utc(2024, 3, 31, 1, 30, 0)); /* 03:30 */
	CHECK_INT(to_utc(z, 2024, 3, 31, 3, 0, 0), utc(2024, 3, 31, 1, 0, 0));
	/* Autumn 2024: 03:00 CEST -> 02:00 CET at 01:00Z; 02:30 is the first one. */
	check_local(z, utc(2024, 10, 27, 0, 59, 59), "2024-10-27 02:59:59 CEST +7200 1");
	check_local(z, utc(2024, 10, 27, 1, 0, 0), "2024-10-27 02:00:00 CET +3600 0");
	check_day(z, 2024, 10, 27, utc(2024, 10, 26, 22, 0, 0), 25);
	CHECK_INT(to_utc(z, 2024, 10, 27, 2, 30, 0), utc(2024, 10, 27, 0, 30, 0));
	CHECK_INT(to_utc(z, 2024, 10, 27, 3, 0, 0), utc(2024, 10, 27, 2, 0, 0));
	CHECK_INT(to_utc(z, 2024, 10, 27, 1, 59, 0), utc(2024, 10, 26, 23, 59, 0));
	/* 2025: March 30 and October 26. */
	check_local(z, utc(2025, 3, 30, 1, 0, 0), "2025-03-30 03:00:00 CEST +7200 1");
	check_local(z, utc(2025, 10, 26, 1, 0, 0), "2025-10-26 02:00:00 CET +3600 0");
	check_day(z, 2025, 3, 30, utc(2025, 3, 29, 23, 0, 0), 23);
	check_day(z, 2025, 10, 26, utc(2025, 10, 25, 22, 0, 0), 25);
	check_day(z, 2025, 6, 1, utc(2025, 5, 31, 22, 0, 0), 24);
	CHECK_INT(to_utc(z, 2025, 10, 26, 2, 0, 0), utc(2025, 10, 26, 0, 0, 0));
	/* Far beyond the file's transitions: the footer rule. */
	check_local(z, utc(2100, 3, 28, 1, 0, 0), "2100-03-28 03:00:00 CEST +7200 1");
	check_day(z, 2100, 10, 31, utc(2100, 10, 30, 22, 0, 0), 25);
	/* Fields out of range count on, as the bucket code needs. */
	CHECK_INT(to_utc(z, 2024, 3, 32, 0, 0, 0), utc(2024, 3, 31, 22, 0, 0)); /* April 1 */
	CHECK_INT(to_utc(z, 2024, 13, 1, 0, 0, 0), utc(2024, 12, 31, 23, 0, 0));
	CHECK_INT(to_utc(z, 2024, 0, 1, 0, 0, 0), utc(2023, 11, 30, 23, 0, 0)); /* Dec 2023 */
	CHECK_INT(to_utc(z, 2024, 3, 0, 0, 0, 0), utc(2024, 2, 28, 23, 0, 0));  /* Feb 29 */
	CHECK_INT(to_utc(z, 2024, 1, 1, -1, 0, 0), utc(2023, 12, 31, 22, 0, 0));
	CHECK_INT(to_utc(z, 2024, 1, 1, 0, 0, 3600), utc(2024, 1, 1, 0, 0, 0));
	CHECK_INT(to_utc(z, 2024, 1, 1, 0, 0, -1), utc(2023, 12, 31, 22, 59, 59));
}

/* ---- names, files, the system zone ---- */

static void expect_error(const char *name, const char *want)
{
	char err[256] = "";
	const struct hp_tz *z = hp_tz_get(name, err, sizeof(err));
	CHECK_MSG(z == NULL, "%s: loaded", name);
	CHECK_MSG(strstr(err, want) != NULL, "%s: err \"%s\" lacks \"%s\"", name, err, want);
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0700);
	*slash = '/';
	check_write_file(path, data, len);
}

/* ---- TZif files this test writes ---- */

struct tzif {
	unsigned char b[4096];
	size_t n;
};

static void put32(struct tzif *f, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		f->b[f->n++] = (unsigned char)(v >> (8 * i));
}

static void put64(struct tzif *f, int64_t v)
{
	put32(f, (uint32_t)((uint64_t)v >> 32));
	put32(f, (uint32_t)v);
}

struct zone_def {
	int version; /* 1: no 64-bit part, no footer */
	int trans_count;
	const int64_t *trans;
	const unsigned char *idx;
	int type_count;
	const int32_t *off;
	const unsigned char *isdst, *abbr;
	const char *chars;
	size_t chars_len;
	const char *footer;
};

static void block(struct tzif *f, const struct zone_def *d, bool wide)
{
	static const char magic[] = "TZif";
	memcpy(f->b + f->n, magic, 4);
	f->b[f->n + 4] = (unsigned char)(d->version == 1 ? 0 : '0' + d->version);
	memset(f->b + f->n + 5, 0, 15);
	f->n += 20;
	const uint32_t cnt[6] = {
	    0, 0, 0, (uint32_t)d->trans_count, (uint32_t)d->type_count, (uint32_t)d->chars_len};
	for (int i = 0; i < 6; i++)
		put32(f, cnt[i]);
	for (int i = 0; i < d->trans_count; i++)
		if (wide)
			put64(f, d->trans[i]);
		else
			put32(f, (uint32_t)(int32_t)d->trans[i]);
	for (int i = 0; i < d->trans_count; i++)
		f->b[f->n++] = d->idx[i];
	for (int i = 0; i < d->type_count; i++) {
		put32(f, (uint32_t)d->off[i]);
		f->b[f->n++] = d->isdst[i];
		f->b[f->n++] = d->abbr[i];
	}
	memcpy(f->b + f->n, d->chars, d->chars_len);
	f->n += d->chars_len;
}

static void build(struct tzif *f, const struct zone_def *d)
{
	f->n = 0;
	block(f, d, false);
	if (d->version == 1)
		return;
	block(f, d, true);
	f->n += (size_t)snprintf((char *)f->b + f->n, sizeof(f->b) - f->n, "\n%s\n", d->footer);
}

/* LMT until 1975, then standard +01 and DST +02 switching twice a year until
 * 1990 (four switches written out), then the footer rule with other dates. */
static const int64_t syn_trans[] = {157766400, 166150800, 180662400, 197600400, 212112000};
static const unsigned char syn_idx[] = {1, 2, 1, 2, 1};
static const int32_t syn_off[] = {2580, 3600, 7200};
static const unsigned char syn_dst[] = {0, 0, 1}, syn_abbr[] = {0, 4, 8};
static const char syn_chars[] = "LMT\0STD\0DST\0";

static struct zone_def synthetic(int version, const char *footer)
{
	return (struct zone_def){version, 5,       syn_trans, syn_idx,   3,
				 syn_off, syn_dst, syn_abbr,  syn_chars, sizeof(syn_chars) - 1,
				 footer};
}

static void test_written_files(void)
{
	struct tzif f;
	struct zone_def d = synthetic(2, "STD-1DST,M4.1.0/1,M9.5.0/4");
	build(&f, &d);
	write_file("Syn/Two", f.b, f.n);
	d.version = 4;
	build(&f, &d);
	write_file("Syn/Four", f.b, f.n);
	d = synthetic(1, "");
	build(&f, &d);
	write_file("Syn/One", f.b, f.n);
	d = synthetic(3, "");
	build(&f, &d);
	write_file("Syn/NoRule", f.b, f.n);
	setenv("TZDIR", tmp_dir, 1);
	/* glibc reads the same files through TZDIR. */
	sweep("Syn/Two", "Syn/Two", Y1970, Y1990);
	sweep("Syn/Four", "Syn/Four", Y1970, Y1990);
	sweep("Syn/One", "Syn/One", Y1970, Y1990);
	sweep("Syn/NoRule", "Syn/NoRule", Y1970, Y1990);
	char path[512];
	snprintf(path, sizeof(path), "%s/Syn/Two", tmp_dir);
	sweep(path, path, Y1970, Y1990); /* an absolute path */

	/* Broken files: each a clear error, never a crash. */
	struct tzif good;
	d = synthetic(2, "STD-1DST,M4.1.0/1,M9.5.0/4");
	build(&good, &d);
	write_file("Bad/Truncated", good.b, 100);
	write_file("Bad/NoFooter", good.b, good.n - 5);
	write_file("Bad/Empty", "", 0);
	write_file("Bad/Text", "Europe/Oslo is not this\n", 24);
	memcpy(&f, &good, sizeof(f));
	size_t v1 = 5 * 5 + 3 * 6 + sizeof(syn_chars) - 1;
	f.b[44 + v1 + 44 + 5 * 8 + 2] = 9; /* 64-bit block: a transition to type 9 */
	write_file("Bad/Index", f.b, f.n);
	d.footer = "STD-1DST,M13.1.0";
	build(&f, &d);
	write_file("Bad/Footer", f.b, f.n);
	memcpy(&f, &good, sizeof(f));
	f.b[44 - 4 * 4 + 3] = 1; /* one leap second */
	write_file("Bad/Leap", f.b, f.n);
	expect_error("Bad/Truncated", "truncated");
	expect_error("Bad/NoFooter", "footer");
	expect_error("Bad/Empty", "truncated");
	expect_error("Bad/Text", "not a TZif file");
	expect_error("Bad/Index", "type that does not exist");
	expect_error("Bad/Footer", "bad TZ rule");
	expect_error("Bad/Leap", "leap seconds");
	expect_error("Bad/Truncated", "Bad/Truncated"); /* failures are not cached */
	for (size_t cut = 0; cut < good.n; cut += 7) {  /* any truncation is refused */
		char name[32];
		snprintf(name, sizeof(name), "Cut/At%zu", cut);
		write_file(name, good.b, cut);
		char err[256] = "";
		CHECK_MSG(hp_tz_get(name, err, sizeof(err)) == NULL, "%s loaded", name);
	}
	unsetenv("TZDIR");
}

static void test_names(bool have_tzdata)
{
	expect_error("Europe/Olso", "unknown time zone 'Europe/Olso'");
	expect_error("../zoneinfo/UTC", "'..'");
	expect_error("Europe/../UTC", "'..'");
	expect_error("Nowhere", "unknown time zone 'Nowhere'");
	expect_error("/nonexistent/zone", "unknown time zone");
	char path[512];
	snprintf(path, sizeof(path), "%s/Bad/Text", tmp_dir); /* written by test_written_files */
	expect_error(path, "not a TZif file");
	if (have_tzdata) {
		expect_error("Europe", "unknown time zone 'Europe'"); /* a directory */
		const struct hp_tz *a = get("Europe/Oslo"),
				   *b = get("/usr/share/zoneinfo/Europe/Oslo");
		CHECK(a != NULL && a == get("Europe/Oslo")); /* cached */
		CHECK(b == a);                               /* the same file: one zone */
	}
	/* UTC works without tzdata. */
	const struct hp_tz *u = get("UTC");
	struct tm tm;
	CHECK(u != NULL && hp_tz_local(u, 86400 * 365, &tm) == 0 && tm.tm_year == 71 &&
	      tm.tm_gmtoff == 0 && tm.tm_isdst == 0);
	CHECK(hp_tz_local(hp_tz_utc(), -1, &tm) == 0 && tm.tm_year == 69 && tm.tm_hour == 23 &&
	      tm.tm_wday == 3 && tm.tm_yday == 364);
	/* A POSIX rule is a zone too, when no file has its name. */
	const struct hp_tz *r = get("<+0530>-5:30");
	CHECK(r != NULL && hp_tz_local(r, 0, &tm) == 0 && tm.tm_gmtoff == 19800 &&
	      strcmp(tm.tm_zone, "+0530") == 0 && strcmp(hp_tz_name(r), "<+0530>-5:30") == 0);
	expect_error("CET-1CEST,M3.5.0,M10.5.0/25:00:00x", "unknown time zone");
}

/* The system zone follows $TZ, and /etc/localtime without it, like glibc. */
static void test_system_zone(bool have_tzdata)
{
	const int64_t t = 1719792000; /* 2024-07-01 00:00Z */
	struct tm a, b;
	use_tz(NULL);
	time_t tt = (time_t)t;
	localtime_r(&tt, &b);
	const struct hp_tz *z = get("");
	CHECK(z != NULL && hp_tz_local(z, t, &a) == 0 && a.tm_gmtoff == b.tm_gmtoff &&
	      strcmp(a.tm_zone, b.tm_zone) == 0);
	struct tally ty = {.zone = "/etc/localtime"};
	for (int64_t s = utc(2024, 1, 1, 0, 0, 0); s < utc(2025, 1, 1, 0, 0, 0); s += HOUR_S)
		compare_local(z, s, &ty, &b);
	report(&ty);
	use_tz("");
	CHECK(get("") == hp_tz_utc());
	use_tz("Nowhere/Atall");
	CHECK(get("") == hp_tz_utc()); /* as for glibc: UTC */
	use_tz("EST5EDT,M3.2.0,M11.1.0");
	CHECK(hp_tz_local(get(""), t, &a) == 0 && a.tm_gmtoff == -4 * 3600 && a.tm_isdst == 1);
	if (have_tzdata) {
		use_tz(":Europe/Oslo");
		CHECK(get("") == get("Europe/Oslo"));
		use_tz("America/New_York");
		z = get("");
		CHECK(z == get("America/New_York") &&
		      strcmp(hp_tz_name(z), "America/New_York") == 0);
	}
	use_tz("UTC");
}

/* ---- threads ---- */

static void *get_many(void *arg)
{
	const char *const *names = arg;
	uintptr_t sum = 0;
	for (int i = 0; i < 200; i++)
		for (int j = 0; names[j] != NULL; j++)
			sum ^= (uintptr_t)hp_tz_get(names[j], NULL, 0) + (uintptr_t)j;
	return (void *)sum;
}

static void test_threads(void)
{
	static const char *const names[] = {"Europe/Warsaw", "Asia/Kolkata",    "UTC",
					    "<+04>-4",       "Pacific/Chatham", NULL};
	pthread_t th[4];
	void *res[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, get_many, (void *)names);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], &res[i]);
	for (int i = 1; i < 4; i++)
		CHECK(res[i] == res[0]); /* every thread got the same zones */
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/hp-tz-XXXXXX", tmp != NULL ? tmp : P_tmpdir);
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("TZDIR");
	struct stat st;
	bool have_tzdata = stat("/usr/share/zoneinfo/Europe/Oslo", &st) == 0;
	test_rules();
	test_written_files();
	test_names(have_tzdata);
	test_system_zone(have_tzdata);
	if (have_tzdata) {
		test_real_zones();
		test_oslo_by_hand();
		test_threads();
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp_dir);
	int rc = check_report("tz");
	if (!have_tzdata && rc == 0) {
		printf("tzdata is not installed (/usr/share/zoneinfo): real zones skipped\n");
		return SKIPPED;
	}
	return rc;
}
