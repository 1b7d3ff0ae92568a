/* Energy accounting of one meter on demand: energy, cost and income per local
 * quarter, hour, day, month and year; the figures of the periods running now; the
 * capacity tariff of the month (Norwegian step, Belgian quarter peak); resolved
 * prices. From the history (store.h), the meter's zone (tz.h), the prices
 * (prices.h) and the live figures (accounting_live.h). tariffs.md has the rules.
 *
 * How stored and live figures are joined:
 * - Finished periods come from the stored buckets, which come from the registers.
 *   Cost is summed per quarter (tariffs.md section 4: quarter kWh x quarter price;
 *   the quarters of hourly registers follow the integrated power, series.h).
 * - The running quarter: the meter's own running average (1-0:1.4.0) x the time
 *   elapsed when the meter sends it, else integrated power (live).
 * - The running hour: its stored finished quarters + the running quarter when every
 *   finished quarter has register energy (P1 meters); else the power integrated
 *   since the hour began (Norwegian hourly registers: AMS reader style).
 * - A running day, month or year: its stored quarters before the running hour +
 *   the running hour. The store writes buckets once a quarter, so for about a
 *   commit interval after a quarter ends its quarter may still be short.
 * - Without live figures for the running hour (no reading in it yet) the stored
 *   partial buckets are shown as they are.
 * - Gaps stay gaps: a stored bucket flagged gap is reported so, and a bucket the
 *   store has no row for is reported with unknown (null) energy, gap and missing,
 *   never filled in. */
#ifndef HP_DAEMON_ACCOUNTING_H
#define HP_DAEMON_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "accounting_live.h"
#include "buckets.h"
#include "config.h"
#include "prices.h"
#include "store.h"
#include "tariff_be.h"
#include "tariff_no.h"
#include "tz.h"

enum hp_period { HP_PERIOD_15M, HP_PERIOD_HOUR, HP_PERIOD_DAY, HP_PERIOD_MONTH, HP_PERIOD_YEAR };

/* "15m", "hour", "day", "month", "year" <-> enum; -1 for an unknown name. */
int hp_period_parse(const char *name);
const char *hp_period_name(enum hp_period p);

/* The local period of p holding t_ms in zone z (years from local 1 January).
 * 0, or -1 when out of the zone's range. */
int hp_period_bucket(const struct hp_tz *z, enum hp_period p, int64_t t_ms, struct hp_bucket *out);

/* What accounting of one meter reads; the caller gathers it. */
struct hp_acct_ctx {
	struct hp_store_reader *rd;           /* the history */
	const char *meter;                    /* the meter's name */
	const struct hp_meter_config *cfg;    /* capacity tariff; NULL = none */
	const struct hp_tz *zone;             /* the meter's */
	const struct hp_price_config *prices; /* NULL = no prices */
	const struct hp_price_series *dyn;    /* dynamic prices; NULL = none */
	const struct hp_acct_live *live;      /* NULL = no live figures */
	const struct hp_reading *reading;     /* the latest; NULL = none */
	int64_t now_ms;
};

/* Stored quarters summed. */
struct hp_acct_sum {
	unsigned quarters;                 /* stored quarter rows */
	unsigned with_import, with_export; /* ... with that energy known */
	double import_kwh, export_kwh;
	double cost, income;      /* of the priced quarters */
	unsigned unpriced_import; /* quarters with import energy but no price */
	unsigned unpriced_export;
	unsigned priced;  /* quarters with an import price ... */
	double price_sum; /* ... and the sum of those prices */
	unsigned gaps, estimated;
};

/* The quarters of [from_ms, to_ms) summed (chunked reads: bounded memory). 0, or
 * -1 with err set. */
int hp_acct_sum_range(const struct hp_acct_ctx *c, int64_t from_ms, int64_t to_ms,
		      struct hp_acct_sum *out, char *err, size_t err_size);

/* A running figure. */
struct hp_acct_figure {
	bool known;
	double import_kwh, export_kwh;
	double cost, income;
	bool has_export; /* export is known (the meter sends export power or registers) */
	bool unpriced;   /* energy without a price: cost or income is short by it */
	bool from_live;  /* integrated power, not registers (estimated) */
};

/* The quarter and hour running at c->now_ms. */
struct hp_acct_running {
	struct hp_bucket quarter, hour;
	struct hp_acct_figure q, h;
	bool q_from_meter; /* q from the meter's 1-0:1.4.0 */
	bool hour_gaps;    /* h includes stored quarters flagged gap */
	bool has_power;    /* the latest import power */
	double power_kw;
};

/* hour_done: the stored quarters of [hour.start, quarter.start) (hp_acct_sum_range).
 * Fails (-1) only when now is out of the zone's range. */
int hp_acct_running(const struct hp_acct_ctx *c, const struct hp_acct_sum *hour_done,
		    struct hp_acct_running *out);

/* One bucket of a period. */
struct hp_acct_bucket {
	int64_t start_ms, end_ms;
	bool has_import, has_export;
	double import_kwh, export_kwh;
	bool has_power;
	double max_power_w, mean_power_w;
	bool has_cost, has_income;
	double cost, income;
	bool has_mean_price;
	double mean_price;                         /* mean import price of its priced quarters */
	unsigned unpriced_import, unpriced_export; /* quarters with energy, no price */
	bool gap;       /* holds energy of a longer gap, or (years) some months unknown */
	bool missing;   /* no stored row at all: energy unknown (reported as a gap) */
	bool estimated; /* spread from a longer span, or live (running) */
	bool running;   /* holds now: stored part + live part */
};

/* Too many buckets for one answer: a year of quarters is 35,136. */
#define HP_ACCT_BUCKETS_MAX 10000

/* The buckets of period p from the one holding from_ms, while they start before
 * to_ms and before now (the running one included), at most cap. For more, call
 * again from out[cap - 1].end_ms. 0 with *n set, or -1 with err set. */
int hp_acct_energy(const struct hp_acct_ctx *c, enum hp_period p, int64_t from_ms, int64_t to_ms,
		   struct hp_acct_bucket *out, size_t cap, size_t *n, char *err, size_t err_size);

struct hp_acct_total {
	unsigned buckets, gaps, missing, running;
	unsigned with_import, with_export, with_cost, with_income;
	double import_kwh, export_kwh;             /* over the buckets that know it */
	double cost, income;                       /* over the buckets that know it */
	unsigned unpriced_import, unpriced_export; /* quarters */
};

void hp_acct_total_add(struct hp_acct_total *t, const struct hp_acct_bucket *b, size_t n);

/* Resolved prices of [from_ms, to_ms): per quarter-hour when a dynamic price in
 * the range is 15 minutes long, else per hour (local clock). */
struct hp_acct_price {
	int64_t start_ms, end_ms;
	struct hp_price_value import, export;
};

/* At most cap intervals (a week of quarters is 672). 0 with *n and *minutes set,
 * or -1 with err set (more than cap). */
int hp_acct_prices(const struct hp_acct_ctx *c, int64_t from_ms, int64_t to_ms,
		   struct hp_acct_price *out, size_t cap, size_t *n, unsigned *minutes, char *err,
		   size_t err_size);

/* ---- capacity tariffs of the running month (accounting_peaks.c) ---- */

/* A month has at most 31 x 24 + 1 hours (the autumn day). */
#define HP_ACCT_MONTH_HOURS_MAX (31 * 24 + 1)

/* The month's highest finished hour and quarter, whatever the tariff. */
struct hp_acct_max {
	bool has_hour;
	int64_t hour_start_ms;
	double hour_kwh;
	bool hour_estimated;
	struct hp_be_peak quarter; /* hp_be_month_peak of the finished quarters */
};

struct hp_acct_no {
	struct hp_no_config cfg;
	struct hp_no_month month; /* the finished hours */
	bool has_live;            /* a running hour to project */
	struct hp_no_running run;
	struct hp_no_live live;
};

struct hp_acct_be {
	struct hp_be_config cfg;
	struct hp_be_reconciled month; /* own quarters against the meter's 1-0:1.6.0 */
	bool has_running;
	int64_t quarter_start_ms;
	double quarter_kwh; /* the running quarter so far */
	bool quarter_from_meter;
	double power_kw;
	struct hp_be_projection projection;
	struct hp_be_rolling rolling; /* the last 12 months */
};

struct hp_acct_peaks {
	enum hp_capacity_kind kind;
	struct hp_bucket month; /* the local month running at now */
	struct hp_acct_max max;
	struct hp_acct_no no;
	struct hp_acct_be be;
};

/* The month's hours that start before until_ms, with their local day and hour. 0
 * with *n set, or -1 with err. */
int hp_acct_month_hours(const struct hp_acct_ctx *c, const struct hp_bucket *month,
			int64_t until_ms, struct hp_no_hour *out, size_t cap, size_t *n, char *err,
			size_t err_size);
/* The highest quarter of [from_ms, until_ms) (chunked reads). */
int hp_acct_quarter_peak(const struct hp_acct_ctx *c, int64_t from_ms, int64_t until_ms,
			 struct hp_be_peak *out, char *err, size_t err_size);

/* Live Norwegian figures from the month's finished hours and the running hour. */
void hp_acct_no_figures(const struct hp_no_config *cfg, const struct hp_no_hour *hours, size_t n,
			const struct hp_acct_running *run, const struct hp_tz *zone, int64_t now_ms,
			struct hp_acct_no *out);
/* Belgian month peak (own, reconciled with the reading's 1-0:1.6.0) and the
 * running quarter's projection; rolling is left for hp_acct_peaks. */
void hp_acct_be_figures(const struct hp_be_config *cfg, const struct hp_be_peak *own,
			const struct hp_reading *reading, const struct hp_acct_running *run,
			int64_t now_ms, struct hp_acct_be *out);
/* The month's highest hour from its finished hours. */
void hp_acct_max_hour(const struct hp_no_hour *hours, size_t n, struct hp_acct_max *out);

/* Everything for /peaks: the month's figures of the meter's tariff, the month's
 * highest hour and quarter, and for Belgium the rolling 12 months (own quarters
 * of each month, the meter's 0-0:98.1.0 and 1-0:1.6.0 from c->reading). */
int hp_acct_peaks(const struct hp_acct_ctx *c, struct hp_acct_peaks *out, char *err,
		  size_t err_size);

/* ---- the daemon's accounting on its main thread (accounting_daemon.c) ---- */

struct hp_accounting;
struct hp_price_book;

/* cfg (its meters and store path) and book (NULL = no dynamic prices, the
 * configured prices of cfg) must outlive it. NULL when out of memory. */
struct hp_accounting *hp_accounting_new(const struct hp_config *cfg, struct hp_price_book *book);
void hp_accounting_free(struct hp_accounting *a);

/* Books a reading of meter index taken at t_ms (multipliers applied) and gives its
 * live figures for the state (state.h). */
void hp_accounting_reading(struct hp_accounting *a, unsigned index, int64_t t_ms,
			   const struct hp_reading *r, struct hp_acct_live *live_out);

/* For MQTT's energy topic (mqtt_payload.h, "accounting"): the running hour, day and
 * month (import and export kWh, cost and income), the currency, and the current
 * peak (Norway: the month value and step with the running hour's headroom;
 * Belgium: the month peak and the running quarter's projection; else the month's
 * highest hour and quarter). r is the reading just booked. The store's finished
 * figures are read at most once a minute and at each new hour; the object is made
 * at most once a second per meter (in between the same one again). A new
 * reference; NULL for an unknown meter. */
json_t *hp_accounting_mqtt_json(struct hp_accounting *a, unsigned index, const struct hp_reading *r,
				int64_t now_ms);

/* ---- JSON pieces shared by the API and MQTT (accounting_json.c) ---- */

/* x rounded to `decimals` places (sums of floating kWh print as 0.95, not
 * 0.9500000000000455); null for NaN and infinities. */
json_t *hp_acct_number(double x, int decimals);
/* "2024-01-15T18:00:00+01:00" in zone. */
json_t *hp_acct_time_json(const struct hp_tz *zone, int64_t t_ms);
/* {"index", "lower_kw", "upper_kw" (null in the top step)} */
json_t *hp_acct_step_json(const struct hp_no_step *s);
/* Decimals of energy and money in answers. */
#define HP_ACCT_KWH_DECIMALS   6
#define HP_ACCT_MONEY_DECIMALS 6

#endif
