/* ISO 8601 times with the UTC offset for MQTT payloads (mqtt_time.h). */
#include "mqtt_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

int hp_mqtt_time_iso(int64_t epoch_ms, char *out, size_t size)
{
	int64_t s = epoch_ms / 1000 - (epoch_ms % 1000 < 0 ? 1 : 0);
	time_t t = (time_t)s;
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL) {
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

/* The instant that shows as wall with the given DST flag, if there is one. */
static bool instant_with(const struct tm *wall, int isdst, time_t *out)
{
	struct tm tm = *wall, back;
	tm.tm_isdst = isdst;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || localtime_r(&t, &back) == NULL)
		return false;
	if (!same_wall(&back, wall) || back.tm_isdst != isdst)
		return false;
	*out = t;
	return true;
}

int hp_mqtt_wall_iso(const char *wall, int dst, char *out, size_t size, int64_t *epoch_s)
{
	struct tm tm;
	if (size > 0)
		out[0] = '\0';
	if (!parse_wall(wall, &tm))
		return -1;
	time_t summer, winter, t;
	bool has_summer = instant_with(&tm, 1, &summer);
	bool has_winter = instant_with(&tm, 0, &winter);
	if (has_summer && has_winter)
		t = dst == 0 ? winter : summer; /* the repeated hour: summer comes first */
	else if (has_summer)
		t = summer;
	else if (has_winter)
		t = winter;
	else {
		/* The spring gap: read as standard time, the offset before the gap. */
		struct tm std = tm;
		std.tm_isdst = 0;
		t = mktime(&std);
		if (t == (time_t)-1)
			return -1;
	}
	struct tm utc_wall = tm;
	long offset = (long)(timegm(&utc_wall) - t);
	if (epoch_s != NULL)
		*epoch_s = (int64_t)t;
	return format(&tm, offset, out, size);
}
