/* A simulated household meter: values that evolve plausibly from frame to frame,
 * and the cadence real meter families send their lists at. */
#ifndef HP_ENCODE_SIM_MODEL_H
#define HP_ENCODE_SIM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "meters.h"

/* What sim_model_init gives a meter's panels: a typical 4 kWp roof at noon. */
#define SIM_SOLAR_PEAK_W 3500.0

struct sim_model {
	struct hp_enc_values values;
	time_t clock;      /* the meter's wall clock (local time), seconds since the epoch */
	uint16_t clock_ms; /* milliseconds past `clock` */
	uint64_t rng;      /* xorshift state: the same seed gives the same stream */
	double base_load_w;
	double solar_peak_w;       /* clear-sky production at noon; 0 = no panels, no export */
	double cloud;              /* 0.2 (overcast) .. 1 (clear): drifts slowly */
	double appliance_w;        /* a kettle, oven or washing machine running now */
	int64_t appliance_left_ms; /* how long it still runs */
	/* Belgian demand (1-0:1.4.0, 1-0:1.6.0): the running quarter-hour. */
	time_t quarter_start; /* meter clock; 0 = none yet */
	double quarter_kwh;   /* imported since quarter_start */
};

/* A meter at `start` (its local clock) with solar panels of SIM_SOLAR_PEAK_W and
 * registers as a household's that has counted at its mean load since 2025-01-15
 * (so a meter started again later shows more, as a real one would). */
/* Makes the values fit a profile that needs more than numbers: Iskraemeco lists are
 * recognised by a logical device name starting "ISK". */
void sim_model_fit_profile(struct sim_model *m, enum hp_enc_profile p);

/* Meters send local time: the local wall clock now, as seconds since the epoch,
 * where a simulated meter's clock starts. */
time_t sim_local_now(void);

void sim_model_init(struct sim_model *m, uint8_t phases, uint64_t seed, time_t start);
/* Panels of peak_w at noon; 0 is a meter without panels, whose export registers
 * stay at zero. */
void sim_model_set_solar(struct sim_model *m, double peak_w);
/* Advances the meter by dt seconds: power drifts, energies integrate it, the clock
 * moves on. */
void sim_model_step(struct sim_model *m, unsigned dt);
/* The same by ms milliseconds. The power of the frame that follows is the power
 * held over these ms; the energy registers grew by exactly that power times ms. */
void sim_model_advance_ms(struct sim_model *m, uint32_t ms);
/* The meter's clock in milliseconds since the epoch (local time). */
int64_t sim_model_time_ms(const struct sim_model *m);

/* ---- the cadence of a meter family ---- */

#define SIM_FAMILY_LISTS_MAX 3
#define SIM_MS_PER_HOUR      3600000u

/* A list a family sends every period_ms, at meter times t with
 * t % period_ms == offset_ms (so hourly lists come at xx:00:05 and the like). */
struct sim_list {
	enum hp_enc_profile profile;
	uint32_t period_ms;
	uint32_t offset_ms;
};

struct sim_family {
	const char *name;
	const char *cadence; /* in words, for `hanp1d sim --list` */
	unsigned n;
	/* Longest period first: when several lists are due, the first one is sent. */
	struct sim_list lists[SIM_FAMILY_LISTS_MAX];
};

size_t sim_family_count(void);
const struct sim_family *sim_family_get(size_t i);
/* NULL when no family has that name. */
const struct sim_family *sim_family_find(const char *name);
/* The first frame after meter time after_ms: its time, and the list in *p. */
int64_t sim_family_next(const struct sim_family *f, int64_t after_ms, enum hp_enc_profile *p);

#endif
