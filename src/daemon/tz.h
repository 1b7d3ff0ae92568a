/* Time zones of their own, one per meter: the system's compiled zone files (TZif,
 * RFC 8536, versions 1 to 4) and POSIX TZ rules, read without the C library's
 * process-wide local time, so two meters of one daemon can be in different zones.
 *
 * Results match glibc's localtime_r and mktime (tests/unit/test_tz.c compares
 * them hour by hour), with these documented choices:
 * - hp_tz_to_utc of a wall time that happens twice (the autumn hour) gives the
 *   first, earlier instant (summer time), where mktime's answer depends on what
 *   it was asked before;
 * - a wall time in a gap (the spring hour) is read with the offset in force
 *   before the gap, so 02:30 on a day that jumps from 02:00 to 03:00 is 03:30
 *   summer time, as glibc does (when only the offset before the gap is standard
 *   time and the one after is DST, which is every DST gap; in the rare gap
 *   between two standard or two DST offsets, where glibc's mktime fails or
 *   depends on history, the same rule is used);
 * - leap-second zones ("right/...") are refused;
 * - a zone file without transitions follows its footer rule (RFC 8536; glibc
 *   ignores the rule there);
 * - a POSIX rule with a DST name but no dates uses the US dates M3.2.0,M11.1.0
 *   (glibc's fallback when there is no posixrules file). */
#ifndef HP_DAEMON_TZ_H
#define HP_DAEMON_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct hp_tz;

/* Zone names and paths are shorter than this. */
#define HP_TZ_NAME_MAX 256

/* The zone called name, loaded once per process and kept (never freed); any
 * thread may call this and use the zone.
 * name is an IANA name under $TZDIR (default /usr/share/zoneinfo) such as
 * "Europe/Oslo" or "UTC", an absolute path to a TZif file, or a POSIX TZ rule such
 * as "CET-1CEST,M3.5.0,M10.5.0/3" when no file has that name. "" (or NULL) is the
 * system's zone: $TZ when set (as the C library reads it: a leading ':' is
 * dropped, "" is UTC), else /etc/localtime, else UTC; the system's zone never
 * fails: a $TZ that is no zone is UTC, as for the C library.
 * NULL with err ("unknown time zone 'Europe/Olso'") for a name that is no zone, a
 * name with "..", or a file that is not a sound TZif file (err says what is
 * wrong with it). "UTC" works without zone files. */
const struct hp_tz *hp_tz_get(const char *name, char *err, size_t err_size);

/* UTC, built in. */
const struct hp_tz *hp_tz_utc(void);

/* The name for messages; hp_tz_get of it gives the same zone again. */
const char *hp_tz_name(const struct hp_tz *z);

/* Local time of utc_s (seconds since the epoch) in z, like localtime_r: every
 * field, tm_isdst, tm_gmtoff (seconds east of UTC) and tm_zone (the abbreviation,
 * kept with the zone). 0, or -1 when the year does not fit an int. */
int hp_tz_local(const struct hp_tz *z, int64_t utc_s, struct tm *out);

/* The instant of a local wall time in z, like mktime with tm_isdst = -1: fields
 * out of range count on (month 12 is January of the next year, mday 0 the last
 * day of the month before, hour 25 one o'clock the next day, and so on);
 * tm_isdst, tm_wday and tm_yday are ignored; a wall time that happens twice is the
 * first instant, one in a gap is read with the offset before it (see above).
 * 0, or -1 when there is no answer. */
int hp_tz_to_utc(const struct hp_tz *z, const struct tm *local, int64_t *utc_s);

#endif
