/* The AMS reader's "real time" accounting (tariffs.md section 5) for live views
 * (`ea.h/d/m` in /data.json, MQTT `realtime`): energy, cost, production and income
 * of the running local hour, integrated from power readings, plus the day and the
 * month built from the stored, register-based values of the finished hours and
 * days.
 *
 * On each reading with import power: dE = P x dt (rectangle rule with the current
 * power), dt = time since the previous reading that carried import power, capped
 * at HP_LIVE_DT_MAX_MS; cost += dE x the import price at that moment. Export power
 * likewise, with dt since the previous reading carrying export power (meters send
 * export only in their longer lists, so frames without it must not shorten dt).
 * All of dt is booked in the hour of the reading, as the AMS reader does: the
 * first reading after a boundary carries a few seconds of the previous hour.
 *
 * These values are estimates for display: the stored buckets (series.h) come from
 * the registers and stay the truth. Pure: times, keys and prices come in. */
#ifndef HP_DAEMON_LIVE_ENERGY_H
#define HP_DAEMON_LIVE_ENERGY_H

#include <stdbool.h>
#include <stdint.h>

/* Longest dt booked at once: a reader that was stopped or a meter that went quiet
 * for an hour must not book an hour of the last power seen. Five minutes is far
 * above any meter's push interval (1 to 10 s; 2.5 s lists between 10 s ones) and
 * small enough that an outage adds at most 5 minutes of one reading. */
#define HP_LIVE_DT_MAX_MS (5LL * 60 * 1000)

struct hp_live_period {
	double use_kwh, cost;        /* import energy and its cost */
	double produced_kwh, income; /* export energy and its income */
	bool unpriced;               /* some energy was booked without a price: cost or
					income is short by it */
};

/* The local periods a reading belongs to. */
struct hp_live_keys {
	int64_t hour_start_ms; /* UTC start of the local hour (the repeated autumn hour has
				  its own) */
	int day;               /* YYYYMMDD */
	int month;             /* YYYYMM */
};

struct hp_live_sample {
	int64_t t_ms; /* when the reading was taken, UTC epoch ms */
	struct hp_live_keys keys;
	bool has_import, has_export; /* the reading carried that power */
	double import_w, export_w;
	bool has_import_price, has_export_price;
	double import_price, export_price; /* currency per kWh, at t_ms */
};

struct hp_live_energy {
	bool started;
	struct hp_live_keys keys; /* of the last reading */
	bool has_last_import, has_last_export;
	int64_t last_import_ms, last_export_ms; /* previous readings with that power */
	struct hp_live_period hour, day, month; /* integrated since each began (or since
						     the first reading) */
};

void hp_live_energy_init(struct hp_live_energy *e);

/* Books one reading. A new hour, day or month key first clears that period (and
 * the shorter ones). The first reading, or one whose power has no earlier reading
 * to measure dt from, books nothing for that power; a reading not later than the
 * previous one (a repeated or backward time) books nothing and restarts dt from
 * it. Negative power counts as 0. */
void hp_live_energy_add(struct hp_live_energy *e, const struct hp_live_sample *s);

struct hp_live_view {
	struct hp_live_period hour, day, month;
};

/* What `ea.h/d/m` and `realtime` show: hour = the running hour; day =
 * today_finished (the stored values of today's finished hours) + hour; month =
 * month_finished (the stored values of days 1..yesterday) + day. A NULL finished
 * value falls back to the integrated running total (without a store, or before it
 * has today's rows); unpriced carries through. */
void hp_live_energy_view(const struct hp_live_energy *e,
			 const struct hp_live_period *today_finished,
			 const struct hp_live_period *month_finished, struct hp_live_view *out);

#endif
