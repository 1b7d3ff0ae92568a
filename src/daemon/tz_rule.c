/* POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3"): the footer of a TZif file, which
 * says what happens after its last transition, and $TZ when it is no file name.
 * RFC 8536 section 3.3 adds to POSIX: rule times from -167 to 167 hours, and DST
 * all year ("EST5EDT,0/0,J365/25"). */
#include <ctype.h>
#include <string.h>

#include "tz_internal.h"

#define HOUR_S 3600
/* POSIX offsets are 0 to 24 hours; RFC 8536 rule times -167 to 167. */
#define OFFSET_HOURS_MAX 24
#define RULE_HOURS_MAX   167
/* The default time of day of a switch, 02:00. */
#define DEFAULT_SWITCH_S (2 * HOUR_S)

/* "CET", or "<+0530>" (letters, digits, '+' and '-' between angle brackets). */
static bool parse_abbr(const char **p, char out[HP_TZ_ABBR_MAX])
{
	const char *s = *p;
	size_t n = 0;
	if (*s == '<') {
		s++;
		while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-')
			n++;
		if (s[n] != '>')
			return false;
		*p = s + n + 1;
	} else {
		while (isalpha((unsigned char)s[n]))
			n++;
		*p = s + n;
	}
	if (n < 3 || n >= HP_TZ_ABBR_MAX)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* One to max_digits digits, at most max. */
static bool parse_number(const char **p, int max_digits, int max, int *out)
{
	int v = 0, n = 0;
	while (n < max_digits && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0 || v > max || isdigit((unsigned char)**p))
		return false;
	*out = v;
	return true;
}

/* [+-]hh[:mm[:ss]] in seconds, as written (POSIX offsets count west of UTC). */
static bool parse_hms(const char **p, int max_hours, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;
	if (**p == '+' || **p == '-')
		sign = *(*p)++ == '-' ? -1 : 1;
	if (!parse_number(p, 3, max_hours, &h))
		return false;
	if (**p == ':') {
		(*p)++;
		if (!parse_number(p, 2, 59, &m))
			return false;
		if (**p == ':') {
			(*p)++;
			if (!parse_number(p, 2, 59, &s))
				return false;
		}
	}
	*out = (int32_t)(sign * (h * HOUR_S + m * 60 + s));
	return true;
}

/* Jn, n or Mm.w.d, then an optional /time. */
static bool parse_date(const char **p, struct hp_tz_date *d)
{
	memset(d, 0, sizeof(*d));
	if (**p == 'J') {
		(*p)++;
		d->kind = HP_TZ_JULIAN1;
		if (!parse_number(p, 3, 365, &d->day) || d->day < 1)
			return false;
	} else if (**p == 'M') {
		(*p)++;
		d->kind = HP_TZ_MONTH;
		if (!parse_number(p, 2, 12, &d->month) || d->month < 1 || *(*p)++ != '.' ||
		    !parse_number(p, 1, 5, &d->week) || d->week < 1 || *(*p)++ != '.' ||
		    !parse_number(p, 1, 6, &d->day))
			return false;
	} else {
		d->kind = HP_TZ_JULIAN0;
		if (!parse_number(p, 3, 365, &d->day))
			return false;
	}
	d->secs = DEFAULT_SWITCH_S;
	if (**p == '/') {
		(*p)++;
		return parse_hms(p, RULE_HOURS_MAX, &d->secs);
	}
	return true;
}

int hp_tz_rule_parse(const char *s, struct hp_tz_rule *r)
{
	const char *p = s;
	int32_t west;
	memset(r, 0, sizeof(*r));
	if (!parse_abbr(&p, r->std_abbr) || !parse_hms(&p, OFFSET_HOURS_MAX, &west))
		return -1;
	r->std_off = -west;
	if (*p == '\0')
		return 0;
	if (!parse_abbr(&p, r->dst_abbr))
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + HOUR_S;
	if (*p != ',' && *p != '\0') {
		if (!parse_hms(&p, OFFSET_HOURS_MAX, &west))
			return -1;
		r->dst_off = -west;
	}
	if (*p == '\0') {
		/* No dates: the US ones, as glibc has them without a posixrules file. */
		r->start = (struct hp_tz_date){HP_TZ_MONTH, 0, 2, 3, DEFAULT_SWITCH_S};
		r->end = (struct hp_tz_date){HP_TZ_MONTH, 0, 1, 11, DEFAULT_SWITCH_S};
		return 0;
	}
	if (*p++ != ',' || !parse_date(&p, &r->start) || *p++ != ',' || !parse_date(&p, &r->end))
		return -1;
	return *p == '\0' ? 0 : -1;
}

/* The instant of a switch in year y; off_before is the offset in force before it,
 * the one its local time of day is written in. */
static int64_t switch_at(const struct hp_tz_date *d, int64_t y, int32_t off_before)
{
	int64_t day = hp_days_from_civil(y, 1, 1);
	switch (d->kind) {
	case HP_TZ_JULIAN1: /* February 29 is not counted: J60 is always March 1 */
		day += d->day - 1 + (d->day >= 60 && hp_tz_leap(y));
		break;
	case HP_TZ_JULIAN0:
		day += d->day;
		break;
	case HP_TZ_MONTH: {
		int64_t first = hp_days_from_civil(y, d->month, 1);
		int first_wday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		int mday0 = (d->day - first_wday + 7) % 7;         /* the first such weekday */
		int len = hp_tz_month_days(y, d->month);
		for (int w = 1; w < d->week && mday0 + 7 < len; w++)
			mday0 += 7;
		day = first + mday0;
		break;
	}
	}
	return day * HP_TZ_SECS_PER_DAY + d->secs - off_before;
}

void hp_tz_rule_at(const struct hp_tz_rule *r, int64_t t, struct hp_tz_state *st, int64_t *next)
{
	bool dst = false;
	*next = INT64_MAX;
	if (r->has_dst) {
		int64_t y;
		int m, d;
		hp_civil_from_days(hp_tz_floor_div(t, HP_TZ_SECS_PER_DAY), &y, &m, &d);
		int64_t on = switch_at(&r->start, y, r->std_off);
		int64_t off = switch_at(&r->end, y, r->dst_off);
		/* Southern zones: DST runs over the new year. */
		dst = on > off ? (t < off || t >= on) : (t >= on && t < off);
		/* Within t's UTC year only its two switches change the state; the next
		 * year has switches of its own. */
		*next = hp_days_from_civil(y + 1, 1, 1) * HP_TZ_SECS_PER_DAY;
		if (on > t && on < *next)
			*next = on;
		if (off > t && off < *next)
			*next = off;
	}
	st->isdst = dst;
	st->off = dst ? r->dst_off : r->std_off;
	st->abbr = dst ? r->dst_abbr : r->std_abbr;
}
