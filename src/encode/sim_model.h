/* A simulated household meter: values that evolve plausibly from frame to frame. */
#ifndef HP_ENCODE_SIM_MODEL_H
#define HP_ENCODE_SIM_MODEL_H

#include <stdint.h>
#include <time.h>

#include "meters.h"

struct sim_model {
	struct hp_enc_values values;
	time_t clock; /* the meter's wall clock, as seconds since the epoch */
	uint64_t rng; /* xorshift state: the same seed gives the same stream */
	double base_load_w;
};

void sim_model_init(struct sim_model *m, uint8_t phases, uint64_t seed, time_t start);
/* Advances the meter by dt seconds: power drifts, energies integrate it, the clock
 * moves on. */
void sim_model_step(struct sim_model *m, unsigned dt);

#endif
