/* Inside the time zones (tz.h): the zone's data, shared by tz.c (the cache, names
 * and conversions), tz_file.c (TZif files) and tz_rule.c (POSIX TZ rules). */
#ifndef HP_DAEMON_TZ_INTERNAL_H
#define HP_DAEMON_TZ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "civil.h"

#include "tz.h"

/* A rule's abbreviation ("CEST", "+0530"). */
#define HP_TZ_ABBR_MAX 16

#define HP_TZ_SECS_PER_DAY 86400

/* The day a POSIX rule switches on (RFC 8536 section 3.3, POSIX TZ). */
enum hp_tz_day_kind {
	HP_TZ_JULIAN1, /* Jn: 1..365, February 29 never counted */
	HP_TZ_JULIAN0, /* n: 0..365, February 29 counted */
	HP_TZ_MONTH,   /* Mm.w.d: day d (0 = Sunday) of week w (5 = last) of month m */
};

struct hp_tz_date {
	enum hp_tz_day_kind kind;
	int day;      /* Jn, n: the day; M: the weekday */
	int week;     /* M */
	int month;    /* M: 1..12 */
	int32_t secs; /* local time of day, -167 h .. 167 h (version 3 files) */
};

/* "std offset [dst [offset] [,start[/time],end[/time]]]". */
struct hp_tz_rule {
	char std_abbr[HP_TZ_ABBR_MAX], dst_abbr[HP_TZ_ABBR_MAX];
	int32_t std_off, dst_off; /* seconds east of UTC */
	bool has_dst;
	struct hp_tz_date start; /* DST starts, in standard time */
	struct hp_tz_date end;   /* DST ends, in DST */
};

/* A local time type of a TZif file. */
struct hp_tz_type {
	int32_t off; /* seconds east of UTC */
	bool isdst;
	uint8_t abbr; /* index into chars */
};

struct hp_tz {
	char name[HP_TZ_NAME_MAX]; /* as asked for; hp_tz_name */
	char key[HP_TZ_NAME_MAX];  /* what the cache knows it by: the file or the rule */
	uint32_t trans_count, type_count;
	int64_t *trans;      /* transition instants, ascending */
	uint8_t *trans_type; /* the type from each transition on */
	struct hp_tz_type *types;
	char *chars;        /* abbreviations, each NUL-terminated */
	uint8_t first_type; /* before the first transition */
	bool has_rule;      /* after the last transition (or always, without any) */
	struct hp_tz_rule rule;
	struct hp_tz *next; /* the cache's list */
};

/* What is in force at an instant. */
struct hp_tz_state {
	int32_t off;
	bool isdst;
	const char *abbr;
};

/* tz_rule.c. Parses a whole POSIX TZ rule; 0 or -1. */
int hp_tz_rule_parse(const char *s, struct hp_tz_rule *r);
/* The state at t, the way glibc's __tz_compute has it (the switch instants of t's
 * UTC year decide), and the first instant after t at which it may change
 * (INT64_MAX: never). */
void hp_tz_rule_at(const struct hp_tz_rule *r, int64_t t, struct hp_tz_state *st, int64_t *next);

/* tz_file.c. Fills z's transitions, types, abbreviations and rule from a TZif
 * file's bytes (arrays from malloc; freed again on failure). 0, or -1 with why. */
int hp_tz_file_parse(const unsigned char *buf, size_t len, struct hp_tz *z, char *why,
		     size_t why_size);
/* Frees what hp_tz_file_parse allocated. */
void hp_tz_file_free(struct hp_tz *z);

/* ---- calendar (proleptic Gregorian) ---- */

static inline int64_t hp_tz_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline bool hp_tz_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static inline int hp_tz_month_days(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && hp_tz_leap(y) ? 29 : days[m - 1];
}

#endif
