/* Clock-aligned buckets in a meter's time zone (DST-correct): a bucket is a real
 * UTC interval [start_ms, end_ms) whose start is a local quarter, hour, midnight or
 * first of the month in that zone. A DST day has 23 or 25 hours; the repeated
 * autumn hour is two buckets with the same local label and different UTC starts.
 * Nothing here depends on the process's time zone (TZ). */
#ifndef HP_DAEMON_BUCKETS_H
#define HP_DAEMON_BUCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "tz.h"

struct hp_bucket {
	int64_t start_ms, end_ms;
};

/* "2024-03-31T03:00:00+02:00" plus NUL, with room for a longer year. */
#define HP_ISO_LOCAL_MAX 32
/* "2024-03-31T01:00:00Z" plus NUL, with room for a longer year. */
#define HP_ISO_UTC_MAX 32

/* The bucket of resolution res (HP_RES_15M .. HP_RES_MONTH) in zone z that holds
 * t_ms. Returns 0, or -1 for HP_RES_RAW or a time out of the zone's range. */
int hp_bucket_of(const struct hp_tz *z, enum hp_resolution res, int64_t t_ms,
		 struct hp_bucket *out);

/* Wall time in zone z with its UTC offset, "YYYY-MM-DDTHH:MM:SS+hh:mm". */
void hp_time_iso_local(const struct hp_tz *z, int64_t t_ms, char out[HP_ISO_LOCAL_MAX]);
/* UTC, "YYYY-MM-DDTHH:MM:SSZ" (whole seconds; t_ms carries the rest). */
void hp_time_iso_utc(int64_t t_ms, char out[HP_ISO_UTC_MAX]);

#endif
