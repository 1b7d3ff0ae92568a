/* Belgian (Flanders) capacity tariff, capaciteitstarief (tariffs.md section 3):
 * quarter-hour power = kWh imported in a clock quarter x 4; the month peak is the
 * highest quarter of the calendar month; the billed value is the mean of the last
 * 12 month peaks with a 2.5 kW floor.
 *
 * The meter is the billing truth: e-MUCS meters send this month's peak (1-0:1.6.0,
 * demand_month_max_w and _time) and the last up to 13 month peaks (0-0:98.1.0,
 * struct hp_month_peak). Own quarters serve live views and a cross-check; where the
 * meter has a value it is the one used, and both are reported with their
 * difference.
 *
 * Pure computations: buckets, meter values and times come in as arguments. */
#ifndef HP_DAEMON_TARIFF_BE_H
#define HP_DAEMON_TARIFF_BE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/reading.h"

#define HP_BE_QUARTER_MS     (15LL * 60 * 1000)
#define HP_BE_FLOOR_KW       2.5
#define HP_BE_ROLLING_MONTHS 12

/* One quarter-hour import bucket as the store keeps it. */
struct hp_be_quarter {
	int64_t start_ms, end_ms; /* UTC epoch ms; end - start is 15 minutes */
	double import_kwh;
	bool gap;       /* unknown quarter (series.h): never a peak */
	bool estimated; /* spread from a longer span: counted, and flagged */
};

/* The mean power of a quarter from its energy: kWh x 4 (kW). */
double hp_be_quarter_kw(double kwh);

struct hp_be_peak {
	bool found;
	double kw;        /* highest quarter power */
	int64_t start_ms; /* start of that quarter (the earliest of equal ones) */
	bool estimated;
	unsigned quarters_used;
	unsigned gap_quarters; /* skipped: gap flag */
	unsigned odd_rows;     /* skipped: not 15 minutes long, or no finite energy */
};

/* The month peak from the month's quarter buckets (any order). */
void hp_be_month_peak(const struct hp_be_quarter *q, size_t n, struct hp_be_peak *out);

/* The running quarter projected to its end at the current power (tariffs.md: at
 * 18:09, 0.600 kWh so far + 4.2 kW x 6/60 h = 1.020 kWh -> 4.08 kW). */
struct hp_be_projection {
	int64_t remaining_ms; /* until the quarter ends, 0..15 min */
	double quarter_kwh;   /* kwh_so_far + power_kw x remaining time */
	double quarter_kw;    /* quarter_kwh x 4 */
	bool above_peak;      /* quarter_kw > month_peak_kw, when a peak is known */
};

/* now_ms is clamped to the quarter [quarter_start_ms, + 15 min); negative kwh or
 * power count as 0. With has_peak false (the month's first quarter) above_peak is
 * false: there is nothing to exceed yet. A meter's 1-0:1.4.0 running average
 * (demand_avg_w) gives kwh_so_far = avg_w / 1000 x elapsed hours. */
void hp_be_project(int64_t quarter_start_ms, int64_t now_ms, double kwh_so_far, double power_kw,
		   bool has_peak, double month_peak_kw, struct hp_be_projection *out);

/* This month's own peak set against the meter's 1-0:1.6.0. */
struct hp_be_reconciled {
	bool has_own, has_meter;
	double own_kw;
	int64_t own_start_ms;
	double meter_kw;
	char meter_time[HP_TIME_MAX]; /* demand_month_max_time, "" when not sent */
	double diff_kw;               /* own_kw - meter_kw when both, else 0 */
	bool from_meter;              /* peak_kw is the meter's */
	double peak_kw;               /* the month peak to use: the meter's, else own, else 0 */
};

/* own may be NULL (no own quarters); meter_w is demand_month_max_w in W, NaN when
 * the meter did not send it; meter_time may be NULL. */
void hp_be_reconcile(const struct hp_be_peak *own, double meter_w, const char *meter_time,
		     struct hp_be_reconciled *out);

/* ---- the rolling 12-month mean ---- */

enum hp_be_floor_mode {
	HP_BE_FLOOR_PER_MONTH, /* each month counts as at least floor_kw (default) */
	HP_BE_FLOOR_ON_MEAN,   /* the mean of the raw peaks, at least floor_kw */
};

struct hp_be_config {
	double floor_kw; /* 2.5 */
	enum hp_be_floor_mode floor_mode;
	double price_per_kw_year; /* grid fee per kW and year; 0 = not configured */
};

void hp_be_config_defaults(struct hp_be_config *c);

/* A month peak from own quarters (hp_be_month_peak of that month). */
struct hp_be_own_month {
	int month; /* YYYYMM, local calendar month */
	double kw;
};

enum hp_be_source { HP_BE_SOURCE_NONE, HP_BE_SOURCE_OWN, HP_BE_SOURCE_METER };

struct hp_be_month_value {
	int month; /* YYYYMM */
	bool has_own, has_meter;
	double own_kw, meter_kw;
	double diff_kw;           /* own - meter when both */
	enum hp_be_source source; /* which one counts: the meter's when present */
	double peak_kw;           /* the value that counts, unfloored; 0 with NONE */
	double counted_kw;        /* as it enters the mean (floored per month, or raw) */
};

struct hp_be_rolling {
	struct hp_be_month_value months[HP_BE_ROLLING_MONTHS]; /* oldest first */
	unsigned months_with_data;
	double mean_kw;    /* the billed value */
	double cost_year;  /* mean_kw x price_per_kw_year */
	double cost_month; /* cost_year / 12 */
};

/* The month a 0-0:98.1.0 entry belongs to, YYYYMM, or -1 when neither time can be
 * read. From the peak's own time (a peak stamped exactly at 00:00:00 on the 1st
 * closed the previous month's last quarter, so it is that month's); when the peak
 * time is missing, from the period stamp, which names the end of the period
 * (protocols-dsmr-serial.md: (200501000000S)... is the April 2020 peak). */
int hp_be_meter_peak_month(const struct hp_month_peak *p);

/* The mean of the 12 months end_month - 11 .. end_month (YYYYMM, normally the
 * running month). Each month's value is the meter's when it has one (history
 * entries, and current_meter_w = demand_month_max_w for end_month itself; NaN when
 * absent), else the own peak, else none. Months without any value (before the
 * meter was installed) are left out of the mean; with none at all the mean is
 * floor_kw (tariffs.md: meters without quarter data are billed 2.5 kW). Several
 * values for one month (should not happen): the largest.
 * Returns 0, or -1 when end_month is no YYYYMM (out zeroed). */
int hp_be_rolling_mean(const struct hp_be_config *c, int end_month,
		       const struct hp_be_own_month *own, size_t n_own,
		       const struct hp_month_peak *history, size_t n_history,
		       double current_meter_w, struct hp_be_rolling *out);

#endif
