/* Local-time bucket boundaries in a zone of tz.h. Quarters and hours are found by
 * stepping back over the local minutes and seconds, so they are the real UTC
 * intervals even on DST days (zone offsets and DST shifts are whole quarters in
 * every zone in use). Days and months go through hp_tz_to_utc, so a local
 * midnight is found whatever offset is in force on either side of it (a midnight
 * that a DST start skips is the first instant of that day). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buckets.h"
#include "civil.h"

#define MS_PER_S  1000
#define QUARTER_S (15 * 60)
#define HOUR_S    (60 * 60)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int local_tm(const struct hp_tz *z, int64_t t_ms, struct tm *tm)
{
	return hp_tz_local(z, floor_div(t_ms, MS_PER_S), tm);
}

/* Local midnight of the day (first of the month when month is set) holding tm,
 * `ahead` days or months later; -1 when out of range. */
static int64_t local_start(const struct hp_tz *z, const struct tm *tm, int ahead, int month)
{
	struct tm m = {0};
	m.tm_year = tm->tm_year;
	m.tm_mon = tm->tm_mon + (month ? ahead : 0);
	m.tm_mday = month ? 1 : tm->tm_mday + ahead; /* hp_tz_to_utc rolls over */
	m.tm_isdst = -1;
	int64_t t;
	return hp_tz_to_utc(z, &m, &t) != 0 ? -1 : t * MS_PER_S;
}

static int calendar_bucket(const struct hp_tz *z, const struct tm *tm, int month, int64_t t_ms,
			   struct hp_bucket *out)
{
	out->start_ms = local_start(z, tm, 0, month);
	out->end_ms = local_start(z, tm, 1, month);
	if (out->start_ms < 0 || out->end_ms <= t_ms || out->start_ms > t_ms)
		return -1;
	return 0;
}

int hp_bucket_of(const struct hp_tz *z, enum hp_resolution res, int64_t t_ms, struct hp_bucket *out)
{
	struct tm tm;
	if (local_tm(z, t_ms, &tm) != 0)
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
		return calendar_bucket(z, &tm, 0, t_ms, out);
	case HP_RES_MONTH:
		return calendar_bucket(z, &tm, 1, t_ms, out);
	case HP_RES_RAW:
		break;
	}
	return -1;
}

void hp_time_iso_local(const struct hp_tz *z, int64_t t_ms, char out[HP_ISO_LOCAL_MAX])
{
	struct tm tm;
	if (local_tm(z, t_ms, &tm) != 0 || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		snprintf(out, HP_ISO_LOCAL_MAX, "invalid");
		return;
	}
	/* ISO-8601 extended form, +02:00 (the ranges are for the compiler's sake). */
	long off_min = tm.tm_gmtoff / 60;
	unsigned a = (unsigned)(off_min < 0 ? -off_min : off_min);
	snprintf(out, HP_ISO_LOCAL_MAX, "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u, off_min < 0 ? '-' : '+',
		 a / 60 % 100u, a % 60);
}

void hp_time_iso_utc(int64_t t_ms, char out[HP_ISO_UTC_MAX])
{
	int64_t t = floor_div(t_ms, MS_PER_S);
	int64_t days = floor_div(t, 86400), y;
	unsigned sec = (unsigned)(t - days * 86400);
	int m, d;
	hp_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, HP_ISO_UTC_MAX, "invalid");
		return;
	}
	snprintf(out, HP_ISO_UTC_MAX, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)d % 100u, sec / 3600 % 100u, sec / 60 % 60,
		 sec % 60);
}
