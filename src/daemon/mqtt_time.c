/* ISO 8601 times with the UTC offset for MQTT payloads (mqtt_time.h). */
#include "mqtt_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* An offset changes by at most this much at a transition (the largest seen is a
 * day, at a date-line move; a DST repeat is an hour, 30 minutes on Lord Howe). */
#define TRANSITION_MAX_S (26 * 3600)

/* "+01:00" from an offset east of UTC in seconds. */
static int format(const struct tm *wall, long offset_s, char *out, size_t size)
{
	char sign = offset_s < 0 ? '-' : '+';
	long off = offset_s < 0 ? -offset_s : offset_s;
	int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
			 wall->tm_year + 1900, wall->tm_mon + 1, wall->tm_mday, wall->tm_hour,
			 wall->tm_min, wall->tm_sec, sign, off / 3600, off / 60 % 60);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int hp_mqtt_time_iso(const struct hp_tz *zone, int64_t epoch_ms, char *out, size_t size)
{
	int64_t s = epoch_ms / 1000 - (epoch_ms % 1000 < 0 ? 1 : 0);
	struct tm tm;
	if (zone == NULL || hp_tz_local(zone, s, &tm) != 0) {
		if (size > 0)
			out[0] = '\0';
		return -1;
	}
	return format(&tm, tm.tm_gmtoff, out, size);
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS" into the fields of tm (nothing else set). */
static bool parse_wall(const char *s, struct tm *tm)
{
	int y, mo, d, h, mi, se;
	if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return false;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	return true;
}

static bool same_wall(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	       a->tm_hour == b->tm_hour && a->tm_min == b->tm_min && a->tm_sec == b->tm_sec;
}

/* Whether instant t shows as wall in zone; its DST flag in *isdst. */
static bool shows_as(const struct hp_tz *zone, int64_t t, const struct tm *wall, int *isdst)
{
	struct tm back;
	if (hp_tz_local(zone, t, &back) != 0 || !same_wall(&back, wall))
		return false;
	*isdst = back.tm_isdst;
	return true;
}

int hp_mqtt_wall_iso(const struct hp_tz *zone, const char *wall, int dst, char *out, size_t size,
		     int64_t *epoch_s)
{
	struct tm tm;
	int64_t as_utc, first;
	if (size > 0)
		out[0] = '\0';
	/* hp_tz_to_utc gives the first instant of a repeated wall time, and reads one
	 * in a spring gap with the offset before the gap: what an unflagged time gets. */
	if (zone == NULL || !parse_wall(wall, &tm) ||
	    hp_tz_to_utc(hp_tz_utc(), &tm, &as_utc) != 0 || hp_tz_to_utc(zone, &tm, &first) != 0)
		return -1;
	int64_t t = first;
	int first_dst;
	if (dst >= 0 && shows_as(zone, first, &tm, &first_dst) && first_dst != (dst > 0)) {
		/* The wall time may come again with the offset after the next
		 * transition: the autumn hour, when the flag asks for that one. */
		struct tm later;
		if (hp_tz_local(zone, first + TRANSITION_MAX_S, &later) == 0) {
			int64_t second = as_utc - later.tm_gmtoff;
			int second_dst;
			if (second > first && shows_as(zone, second, &tm, &second_dst) &&
			    second_dst == (dst > 0))
				t = second;
		}
	}
	if (epoch_s != NULL)
		*epoch_s = t;
	return format(&tm, (long)(as_utc - t), out, size);
}
