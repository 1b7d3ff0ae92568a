/* A meter's running figures between bucket writes: the AMS reader style
 * integration of power (live_energy.h) over the running local hour, day and month,
 * and the same over the running quarter-hour, with the latest power and the
 * meter's own running quarter average (1-0:1.4.0).
 *
 * The daemon's main thread books every reading here and copies the result into the
 * live state (state.h), where the API threads read it. A plain struct: copied
 * whole, no pointers. The stored buckets (series.h) stay the truth for everything
 * that has finished; this only fills in what the store has not written yet
 * (accounting.h says how the two are joined). */
#ifndef HP_DAEMON_ACCOUNTING_LIVE_H
#define HP_DAEMON_ACCOUNTING_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "hanp1d/reading.h"
#include "live_energy.h"
#include "prices.h"
#include "realtime_ring.h"
#include "tz.h"

struct hp_acct_live {
	bool started;
	int64_t t_ms;                 /* the last reading booked */
	int64_t first_ms;             /* the first one: integration runs since then */
	struct hp_live_energy energy; /* running hour, day and month */
	/* The same integration keyed by quarter-hour instead of hour: its `hour`
	 * period is the running quarter (live_energy.h clears a period when its key
	 * changes, whatever length the key stands for). */
	struct hp_live_energy quarter;
	int64_t quarter_start_ms; /* the quarter of the last reading */
	int64_t hour_start_ms;    /* its hour */
	bool has_import_w, has_export_w;
	double import_w, export_w; /* the latest power of each direction */
	bool has_demand_avg;
	double demand_avg_w;              /* 1-0:1.4.0 in the last reading that had it ... */
	int64_t demand_avg_ms;            /* ... and that reading's time */
	struct hp_realtime_ring realtime; /* net power of the last hour (/realtime.json) */
};

void hp_acct_live_init(struct hp_acct_live *l);

/* Books a reading of a meter in zone taken at t_ms (wall clock). imp and exp are
 * the prices at t_ms (unknown prices book energy without cost: unpriced). */
void hp_acct_live_add(struct hp_acct_live *l, const struct hp_tz *zone, int64_t t_ms,
		      const struct hp_reading *r, const struct hp_price_value *imp,
		      const struct hp_price_value *exp);

#endif
