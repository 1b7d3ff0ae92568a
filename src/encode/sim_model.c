/* The simulated meter: a base load with a daily shape, random appliance steps,
 * solar export around noon, and registers that integrate what flowed. */
#include <math.h>
#include <string.h>

#include "sim_model.h"

#define SECONDS_PER_HOUR  3600.0
#define NOMINAL_VOLTAGE_V 230.0

static uint64_t next_random(uint64_t *s)
{
	/* xorshift64*: tiny, deterministic, good enough for plausible noise. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* A uniform value in [0, 1). */
static double uniform(uint64_t *s)
{
	return (double)(next_random(s) >> 11) / 9007199254740992.0;
}

static void set_clock(struct sim_model *m)
{
	struct tm tm;
	gmtime_r(&m->clock, &tm);
	struct hp_enc_datetime *c = &m->values.clock;
	c->year = (uint16_t)(tm.tm_year + 1900);
	c->month = (uint8_t)(tm.tm_mon + 1);
	c->day = (uint8_t)tm.tm_mday;
	c->weekday = 0; /* computed by the encoder */
	c->hour = (uint8_t)tm.tm_hour;
	c->minute = (uint8_t)tm.tm_min;
	c->second = (uint8_t)tm.tm_sec;
	c->hundredths = 0;
}

void sim_model_init(struct sim_model *m, uint8_t phases, uint64_t seed, time_t start)
{
	memset(m, 0, sizeof(*m));
	hp_enc_values_example(&m->values, phases);
	m->rng = seed != 0 ? seed : 1;
	m->clock = start;
	m->base_load_w = 400 + 600 * uniform(&m->rng);
	set_clock(m);
}

/* Household demand at a time of day: low at night, peaks morning and evening. */
static double demand_w(struct sim_model *m, double hour)
{
	double morning = exp(-pow((hour - 7.5) / 1.5, 2)) * 1800;
	double evening = exp(-pow((hour - 19.0) / 2.0, 2)) * 2600;
	double appliance = uniform(&m->rng) < 0.05 ? 2000 * uniform(&m->rng) : 0;
	return m->base_load_w + morning + evening + appliance + 150 * uniform(&m->rng);
}

/* Solar production: a bell around 13:00, up to 3.5 kW. */
static double solar_w(double hour)
{
	return hour > 6 && hour < 20 ? 3500 * exp(-pow((hour - 13.0) / 2.8, 2)) : 0;
}

static void set_phases(struct hp_enc_values *v, double import_w, double export_w)
{
	int n = v->phases == 1 ? 1 : 3;
	for (int i = 0; i < 3; i++) {
		bool on = i < n;
		double share = on ? 1.0 / n : 0;
		v->phase_power_import_w[i] = round(import_w * share);
		v->phase_power_export_w[i] = round(export_w * share);
		v->voltage_v[i] = on ? NOMINAL_VOLTAGE_V + 4 - 0.001 * import_w * share : 0;
		v->current_a[i] = on ? (import_w + export_w) * share / v->voltage_v[i] : 0;
	}
}

void sim_model_step(struct sim_model *m, unsigned dt)
{
	struct hp_enc_values *v = &m->values;
	struct tm tm;
	gmtime_r(&m->clock, &tm);
	double hour = tm.tm_hour + tm.tm_min / 60.0;
	double net = demand_w(m, hour) - solar_w(hour);
	v->power_import_w = net > 0 ? round(net) : 0;
	v->power_export_w = net < 0 ? round(-net) : 0;
	v->reactive_import_var = round(v->power_import_w * 0.08);
	set_phases(v, v->power_import_w, v->power_export_w);

	double hours = dt / SECONDS_PER_HOUR;
	double imported = v->power_import_w * hours / 1000.0;
	double exported = v->power_export_w * hours / 1000.0;
	v->energy_import_kwh += imported;
	v->energy_export_kwh += exported;
	v->reactive_energy_import_kvarh += v->reactive_import_var * hours / 1000.0;
	/* Tariff 1 at night (NL low tariff), 2 by day. */
	int t = (tm.tm_hour < 7 || tm.tm_hour >= 23) ? 0 : 1;
	v->tariff = (uint8_t)(t + 1);
	v->energy_import_tariff_kwh[t] += imported;
	v->energy_export_tariff_kwh[t] += exported;
	m->clock += dt;
	set_clock(m);
}
