/* Energy accounting of one meter: turns readings into what they add to the
 * 15-minute, hourly, daily and monthly buckets.
 *
 * Booking rules (tariffs.md section 1):
 * - Energy comes from the registers (energy_import_kwh, energy_export_kwh). A
 *   delta since the meter's previous register value over a span of at most
 *   HP_SERIES_INTERP_MS is spread over [t_prev, t) in proportion to the time
 *   falling in each bucket (linear interpolation between the samples around a
 *   boundary).
 * - A longer span (hourly registers, a missed or repeated hourly list) is split by
 *   the power profile: the meter's power integrated per quarter (the trapezoid of
 *   each pair of power samples at most HP_SERIES_POWER_GAP_MS apart), scaled so
 *   the quarters add up to the register delta, and flagged `estimated`. Only when
 *   the power samples cover the whole span; a span they do not cover is a gap.
 * - Sparse registers (Norwegian hourly list 3, sent at about xx:00:10): a register
 *   sample whose previous sample is HP_SERIES_SPARSE_MS or more older and which
 *   comes at most HP_SERIES_SNAP_MS after a local hour boundary is taken as the
 *   register at that boundary, so each hour gets its own delta. (The first sample
 *   of a series needs no snapping: its span ends at the next boundary anyway.)
 * - A register repeated with the same meter_time as the previous sample (an Aidon
 *   list 3 repeating the last hour) is no sample; the next delta spans both hours.
 * - A bucket is `estimated` when a span that booked into it is longer than the
 *   bucket (quarters from hourly registers; an hour bridged by a short gap).
 * - A span the power profile does not cover, or longer than HP_SERIES_GAP_MS, is a
 *   gap and is not smeared (an even spread makes false peaks): for each resolution the
 *   whole delta is booked into the bucket where the span ends, and that bucket and
 *   the one where it started get the `gap` flag, unless the span lies inside one
 *   bucket (then the booking is exact: a 7-hour outage within a day still gives a
 *   right daily total). Sums over buckets thus stay equal to the register delta,
 *   and tariff code skips `gap` buckets instead of seeing a false peak. Buckets
 *   inside the gap get no row at all (unknown, not zero).
 * - A register going backwards, a new meter_id (when both readings carry one) or
 *   a clock that went back starts a new series: nothing is booked across it, so
 *   no bucket ever gets negative energy.
 * - A delta of zero is exact over any span: registers never go down.
 * - Power (power_import_w / power_export_w): each reading is one sample of the
 *   buckets holding its time (count, sum for the mean, max).
 *
 * The store keeps this state in memory and writes it with the buckets once a
 * quarter (store_db.h). After a crash it books the raw rows written since then
 * through hp_series_add again, so these rules must book a reading rebuilt from a
 * raw row (its numbers, meter_time, and meter_id when that changed) as they book
 * the live one: they depend on nothing else. The power profile is not written: a
 * span that began before a restart is rebuilt from the raw rows booked again, and
 * where those do not reach back to its start, its quarters are a gap (the hour,
 * day and month are still exact when the span lies inside them). */
#ifndef HP_DAEMON_SERIES_H
#define HP_DAEMON_SERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "buckets.h"
#include "hanp1d/reading.h"

/* A span longer than this is a gap (six hours: a long outage is not spread). */
#define HP_SERIES_GAP_MS (6LL * 3600 * 1000)
/* Register samples at most this far apart are interpolated linearly. */
#define HP_SERIES_INTERP_MS (15LL * 60 * 1000)
/* Power samples further apart than this break the profile (meters send power
 * every 1 to 10 s; an OSGP meter is polled every poll_interval, 10 s by default). */
#define HP_SERIES_POWER_GAP_MS (5LL * 60 * 1000)
/* The quarters of a HP_SERIES_GAP_MS span, plus the partial ones at its ends. */
#define HP_PROFILE_MAX 26
/* Registers this far apart count as sparse (hourly lists), so they snap. */
#define HP_SERIES_SPARSE_MS (30LL * 60 * 1000)
/* Hourly lists arrive 5..10 s after the hour; a minute leaves room for a slow
 * serial line or a system clock a little ahead of the meter's. */
#define HP_SERIES_SNAP_MS (60LL * 1000)

/* The bucket resolutions accounted (HP_RES_15M .. HP_RES_MONTH). */
#define HP_SERIES_RES_COUNT 4

/* One energy register's last sample. */
struct hp_register {
	bool valid;
	double kwh;
	int64_t t_ms;                 /* the time the value is taken for (after snapping) */
	char meter_time[HP_TIME_MAX]; /* "" when the reading had none */
};

enum hp_series_reg { HP_REG_IMPORT, HP_REG_EXPORT, HP_REG_COUNT };

/* Power integrated per local quarter since (about) the register's last sample. */
struct hp_profile_quarter {
	int64_t start_ms, end_ms;
	double kwh;
};

struct hp_profile {
	int64_t last_ms; /* the last power sample; 0 = none yet */
	double last_w;
	int64_t since_ms; /* integrated without a break since then */
	unsigned count;
	struct hp_profile_quarter q[HP_PROFILE_MAX]; /* oldest first */
};

struct hp_series {
	const struct hp_tz *zone;   /* the meter's: its buckets' local time */
	char meter_id[HP_TEXT_MAX]; /* "" = not known yet */
	struct hp_register reg[HP_REG_COUNT];
	struct hp_profile profile[HP_REG_COUNT];
	/* Last bucket per resolution, so a local midnight is looked for once per day,
	 * not per reading. */
	struct hp_bucket cache[HP_SERIES_RES_COUNT];
	uint64_t new_series; /* how often a series was restarted (reset or swap) */
};

/* What one reading adds to one bucket. */
struct hp_bucket_add {
	enum hp_resolution res;
	struct hp_bucket b;
	bool has_energy[HP_REG_COUNT];
	double kwh[HP_REG_COUNT];
	unsigned samples; /* readings counted: 0 or 1 */
	bool has_power[HP_REG_COUNT];
	double power_w[HP_REG_COUNT];
	bool gap, estimated;
};

typedef void (*hp_bucket_sink)(void *ctx, const struct hp_bucket_add *a);

/* The most bucket additions one reading can make: samples (4), a span of up to
 * HP_SERIES_GAP_MS (HP_PROFILE_MAX quarters, 7 hours, 2 days, 2 months) per
 * register. Callers keep this much room before hp_series_add. */
#define HP_SERIES_ADDS_MAX 80

/* An empty series whose buckets follow zone (tz.h). */
void hp_series_init(struct hp_series *s, const struct hp_tz *zone);

/* Books one reading taken at t_ms through sink. */
void hp_series_add(struct hp_series *s, int64_t t_ms, const struct hp_reading *r,
		   hp_bucket_sink sink, void *ctx);

#endif
