/* Local-time bucket boundaries. Quarters and hours are found by stepping back over
 * the local minutes and seconds, so they are the real UTC intervals even on DST
 * days (zone offsets and DST shifts are whole quarters in every zone in use). Days
 * and months go through mktime with tm_isdst = -1, so a local midnight is found
 * whatever offset is in force on either side of it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buckets.h"

#define MS_PER_S  1000
#define QUARTER_S (15 * 60)
#define HOUR_S    (60 * 60)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int local_tm(int64_t t_ms, struct tm *tm)
{
	time_t t = (time_t)floor_div(t_ms, MS_PER_S);
	return localtime_r(&t, tm) == NULL ? -1 : 0;
}

/* Local midnight of the day (first of the month when month is set) holding tm,
 * `ahead` days or months later. */
static int64_t local_start(const struct tm *tm, int ahead, int month)
{
	struct tm m = {0};
	m.tm_year = tm->tm_year;
	m.tm_mon = tm->tm_mon + (month ? ahead : 0);
	m.tm_mday = month ? 1 : tm->tm_mday + ahead;
	m.tm_isdst = -1; /* let the zone rules say which offset that midnight has */
	time_t t = mktime(&m);
	return t == (time_t)-1 ? -1 : (int64_t)t * MS_PER_S;
}

static int calendar_bucket(const struct tm *tm, int month, int64_t t_ms, struct hp_bucket *out)
{
	out->start_ms = local_start(tm, 0, month);
	out->end_ms = local_start(tm, 1, month);
	if (out->start_ms < 0 || out->end_ms <= t_ms || out->start_ms > t_ms)
		return -1;
	return 0;
}

int hp_bucket_of(enum hp_resolution res, int64_t t_ms, struct hp_bucket *out)
{
	struct tm tm;
	if (local_tm(t_ms, &tm) != 0)
		return -1;
	int64_t t_s = floor_div(t_ms, MS_PER_S);
	int64_t back_s;
	switch (res) {
	case HP_RES_15M:
		back_s = (tm.tm_min % 15) * 60 + tm.tm_sec;
		out->start_ms = (t_s - back_s) * MS_PER_S;
		out->end_ms = out->start_ms + (int64_t)QUARTER_S * MS_PER_S;
		return 0;
	case HP_RES_HOUR:
		back_s = tm.tm_min * 60 + tm.tm_sec;
		out->start_ms = (t_s - back_s) * MS_PER_S;
		out->end_ms = out->start_ms + (int64_t)HOUR_S * MS_PER_S;
		return 0;
	case HP_RES_DAY:
		return calendar_bucket(&tm, 0, t_ms, out);
	case HP_RES_MONTH:
		return calendar_bucket(&tm, 1, t_ms, out);
	case HP_RES_RAW:
		break;
	}
	return -1;
}

void hp_time_iso_local(int64_t t_ms, char out[HP_ISO_LOCAL_MAX])
{
	struct tm tm;
	/* strftime's %z gives +0200; ISO-8601 extended form wants +02:00. */
	size_t n = local_tm(t_ms, &tm) == 0
		       ? strftime(out, HP_ISO_LOCAL_MAX, "%Y-%m-%dT%H:%M:%S%z", &tm)
		       : 0;
	if (n < 5 || n + 2 > HP_ISO_LOCAL_MAX) {
		snprintf(out, HP_ISO_LOCAL_MAX, "invalid");
		return;
	}
	memmove(out + n - 1, out + n - 2, 3);
	out[n - 2] = ':';
}

/* Year, month, day of a count of days since 1970-01-01 (H. Hinnant's
 * civil_from_days): a raw day's query formats 8,640 times, and gmtime_r plus
 * strftime was a fifth of its time. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void hp_time_iso_utc(int64_t t_ms, char out[HP_ISO_UTC_MAX])
{
	int64_t t = floor_div(t_ms, MS_PER_S);
	int64_t days = floor_div(t, 86400), y;
	unsigned sec = (unsigned)(t - days * 86400), m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, HP_ISO_UTC_MAX, "invalid");
		return;
	}
	snprintf(out, HP_ISO_UTC_MAX, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000u,
		 m % 100u, d % 100u, sec / 3600 % 100u, sec / 60 % 60, sec % 60);
}
