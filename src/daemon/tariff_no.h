/* Norwegian capacity step (kapasitetsledd, tariffs.md section 2): the month value is
 * the mean of the N highest hourly imports, by default taken from N different local
 * days; the DSO's step table turns it into a monthly fee.
 *
 * Pure computations: the caller hands in the hourly buckets of one local calendar
 * month (from the store) with their local day and hour already worked out, and the
 * running hour's figures; nothing here reads a clock, a zone or a file.
 *
 * Steps are half-open from below: step i covers (bound[i-1], bound[i]] kW, so a
 * month value of exactly 10 kW is still in step 5-10 (tariffs.md: "(9.2 + 8.9 + X)
 * / 3 <= 10" stays in step 5-10), and the last step has no upper bound.
 *
 * Also the AMS reader's own bookkeeping (5 day slots updated hour by hour) for a
 * byte-compatible /tariff.json, `ea` and MQTT `realtime`. */
#ifndef HP_DAEMON_TARIFF_NO_H
#define HP_DAEMON_TARIFF_NO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* N, the number of hours averaged: 1 to 5 (tariffs.md). */
#define HP_NO_HOURS_MAX     5
#define HP_NO_HOURS_DEFAULT 3
/* Room for a DSO's step table (bounds between steps, kW). */
#define HP_NO_THRESHOLDS_MAX 16

/* tariffs.md "Typical step bounds (kW): 0-2, 2-5, 5-10, 10-15, 15-20, 20-25, 25-50,
 * 50-75, 75-100, above 100": nine bounds, ten steps. DSOs that start at 0-5 drop
 * the 2. */
#define HP_NO_DEFAULT_THRESHOLDS_KW                                                                \
	{                                                                                          \
		2, 5, 10, 15, 20, 25, 50, 75, 100                                                  \
	}
#define HP_NO_DEFAULT_THRESHOLD_COUNT 9

/* One hourly import bucket as the store keeps it, plus its local calendar facts. */
struct hp_no_hour {
	int64_t start_ms, end_ms; /* UTC epoch ms of the clock hour [start, end) */
	double import_kwh;        /* A+ delta of the hour = its mean kW */
	bool gap;                 /* unknown hour (series.h): never counted */
	bool estimated;           /* spread from a longer span: counted, and flagged */
	int local_day;            /* YYYYMMDD of the local day the hour starts in */
	int local_hour;           /* 0..23, the local label: the repeated autumn hour
				     appears twice with different start_ms */
};

struct hp_no_config {
	unsigned hours;     /* N, 1..HP_NO_HOURS_MAX */
	bool distinct_days; /* take each day's best hour, then the top N days */
	size_t threshold_count;
	double thresholds_kw[HP_NO_THRESHOLDS_MAX]; /* strictly ascending, > 0 */
};

/* N = 3, distinct days, HP_NO_DEFAULT_THRESHOLDS_KW. */
void hp_no_config_defaults(struct hp_no_config *c);

/* 0 when the configuration is usable; -1 with why ("hours: 6 is not 1 to 5",
 * "thresholds: 10 after 15 is not ascending", ...). */
int hp_no_config_check(const struct hp_no_config *c, char *why, size_t why_size);

/* A step of the table: index 0 is the lowest; lower_kw is 0 for the first step;
 * the last step has has_upper false (upper_kw 0). */
struct hp_no_step {
	unsigned index;
	double lower_kw, upper_kw;
	bool has_upper;
};

/* The step holding value_kw: the first bound >= value_kw (a value on a bound
 * belongs to the step below it). Negative or NaN values count as 0. */
struct hp_no_step hp_no_step_of(const struct hp_no_config *c, double value_kw);

/* A counted peak hour. */
struct hp_no_peak {
	int64_t start_ms;
	int local_day, local_hour;
	double kwh;
	bool estimated;
};

struct hp_no_month {
	unsigned peak_count;                      /* min(N, days (or hours) with data) */
	struct hp_no_peak peaks[HP_NO_HOURS_MAX]; /* largest first; ties: earlier first */
	double value_kw;                          /* mean of the counted peaks; 0 if none */
	bool complete;                            /* peak_count == N */
	struct hp_no_step step;                   /* step of value_kw */
	unsigned hours_used, gap_hours;           /* hours looked at / skipped as gaps */
};

/* The month value from the month's hourly buckets (any order; rows of other months
 * are the caller's mistake and are counted like the rest). With distinct_days, a
 * day's best hour stands for the day (equal values: the earlier hour); without,
 * the top N hours wherever they fall. A month with fewer than N days (hours) of
 * data averages what there is and says so with complete = false: early in the
 * month that is the value so far, not a bill. Gap hours never count.
 * Returns 0, or -1 for a configuration hp_no_config_check refuses (out zeroed). */
int hp_no_month_compute(const struct hp_no_config *c, const struct hp_no_hour *hours, size_t n,
			struct hp_no_month *out);

/* The running hour, as live readings see it. */
struct hp_no_running {
	int64_t now_ms;
	int64_t hour_start_ms, hour_end_ms; /* the local clock hour holding now_ms */
	int local_day;                      /* YYYYMMDD of that hour */
	double used_kwh;                    /* imported since hour_start_ms */
	double power_kw;                    /* current import power, for the projection */
};

struct hp_no_live {
	double value_kw;        /* month value counting the running hour at used_kwh */
	struct hp_no_step step; /* its step: the one to stay in */
	bool limited;           /* false in the top step: no bound to stay under */
	double hour_max_kwh;    /* X: the most the running hour may total and keep the step */
	double remaining_kwh;   /* X - used_kwh, never below 0 */
	int64_t remaining_ms;   /* until hour_end_ms, never below 0 */
	double remaining_kw;    /* remaining_kwh over remaining_ms; 0 with no time left */
	/* Projection to month end: the running hour finishes at power_kw and no later
	 * hour of the month beats the peaks counted by then. Deliberately simple: it
	 * says whether this hour is lifting the step, not what next week brings. */
	double projected_hour_kwh; /* used_kwh + power_kw x remaining time */
	double projected_kw;
	struct hp_no_step projected_step;
};

/* Live headroom (tariffs.md worked example: on day 23 at 18:20 with best days 9.2,
 * 8.9, 7.8, staying in step 5-10 needs (9.2 + 8.9 + X) / 3 <= 10, so X <= 11.9 kWh;
 * with 2.1 kWh used, 9.8 kWh remain for 40 min: 14.7 kW).
 * hours are the month's finished buckets; rows starting at or after
 * run->hour_start_ms are ignored (the store's partial row of the running hour is
 * superseded by used_kwh). With fewer than N days, the bound uses the days there
 * are (as hp_no_month_compute does). Returns 0, or -1 for a bad configuration. */
int hp_no_live_compute(const struct hp_no_config *c, const struct hp_no_hour *hours, size_t n,
		       const struct hp_no_running *run, struct hp_no_live *out);

/* ---- the AMS reader's variant (tariffs.md "AMS reader implementation") ---- */

#define HP_NO_AMS_SLOTS 5
/* The `t` array of /tariff.json: nine thresholds in kWh and an end marker. */
#define HP_NO_AMS_THRESHOLD_COUNT 10
#define HP_NO_AMS_THRESHOLD_END   65535
#define HP_NO_AMS_DEFAULT_THRESHOLDS                                                               \
	{                                                                                          \
		5, 10, 15, 20, 25, 50, 75, 100, 150, HP_NO_AMS_THRESHOLD_END                       \
	}

struct hp_no_ams_slot {
	int day;            /* local day of month 1..31; 0 = free slot */
	int hour;           /* local hour 0..23 */
	unsigned centi_kwh; /* kWh in 0.01 kWh, as the AMS reader stores it */
};

struct hp_no_ams {
	int month; /* YYYYMM the slots belong to; 0 before the first hour */
	struct hp_no_ams_slot slot[HP_NO_AMS_SLOTS];
	unsigned threshold_index; /* 0..HP_NO_AMS_THRESHOLD_COUNT - 1; only grows in a month */
};

struct hp_no_ams_config {
	unsigned hours; /* N, 1..5 (0 or more than 5 is read as the nearest bound) */
	unsigned thresholds[HP_NO_AMS_THRESHOLD_COUNT]; /* kWh, ascending; last is the end */
};

/* N = 3, HP_NO_AMS_DEFAULT_THRESHOLDS. */
void hp_no_ams_config_defaults(struct hp_no_ams_config *c);

void hp_no_ams_init(struct hp_no_ams *t);

/* Offers a finished hour, as the AMS reader does at each local hour change: an hour
 * of a new month (local_day / 100) first clears the slots and threshold index; a
 * gap hour is not offered (so it never becomes a peak); the kWh is rounded to 0.01.
 * Same day in a slot -> keep the larger; else a free slot -> fill it; else replace
 * the smallest slot (the first of equal ones) when the new value is larger. The
 * slots keep their places: storage order is not sorted. */
void hp_no_ams_offer(struct hp_no_ams *t, const struct hp_no_ams_config *c,
		     const struct hp_no_hour *h);

/* What /tariff.json, `ea` and `realtime` show. */
struct hp_no_ams_view {
	unsigned count;                               /* counted peaks, <= N */
	struct hp_no_ams_slot peaks[HP_NO_AMS_SLOTS]; /* the top N slots in storage order */
	double month_max_kwh;                         /* mean of those, 0 when none */
	unsigned threshold_kwh;                       /* thresholds[threshold_index] */
};

void hp_no_ams_view(const struct hp_no_ams *t, const struct hp_no_ams_config *c,
		    struct hp_no_ams_view *out);

#endif
