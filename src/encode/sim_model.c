/* The simulated meter: a base load with a daily shape, appliances that run for
 * minutes, solar export around noon under drifting clouds, and registers that
 * integrate what flowed. And the cadence of the meter families. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_model.h"

#define SECONDS_PER_HOUR  3600.0
#define MS_PER_HOUR       3600000.0
#define MS_PER_MINUTE     60000.0
#define MS_PER_S          1000
#define NOMINAL_VOLTAGE_V 230.0
/* A low-voltage feeder sits a few volts above nominal at no load... */
#define VOLTAGE_HEADROOM_V 4.0
/* ... and drops about a volt per kilowatt drawn on a phase. */
#define VOLTAGE_DROP_V_PER_W 0.001
/* Reactive power of a household: a power factor of about 0.997. */
#define REACTIVE_SHARE 0.08
/* Appliances start on average every 15 minutes and run 1 to 20 minutes at
 * 0.8 to 3 kW (a kettle, an oven, a washing machine's heater). */
#define APPLIANCE_GAP_MS  (15 * MS_PER_MINUTE)
#define APPLIANCE_MIN_W   800.0
#define APPLIANCE_SPAN_W  2200.0
#define APPLIANCE_MIN_MS  (1 * MS_PER_MINUTE)
#define APPLIANCE_SPAN_MS (19 * MS_PER_MINUTE)
/* The jitter of a base load (fridge, router, standby): up to 150 W. */
#define NOISE_W 150.0
/* Clouds move the solar output by about 10 % a minute, between 20 % and 100 %. */
#define CLOUD_STEP 0.1
#define CLOUD_MIN  0.2
/* The registers' age: at the reference day (2025-01-15T00:00:00) they hold
 * hp_enc_values_example's values; a meter started later has counted longer, at
 * this household's means (the load shape below averages about 2 kW; panels export
 * about 0.15 kW net). So a simulator started again later (meter time) goes on
 * upwards, unless the run before drew far above the mean for longer than the gap. */
#define REGISTER_EPOCH     1736899200
#define MEAN_IMPORT_KW     2.0
#define MEAN_EXPORT_KW     0.2
#define NIGHT_TARIFF_SHARE (8.0 / 24.0)
/* A quarter-hour of the Belgian demand registers, in seconds. */
#define QUARTER_S 900
/* The month's peak a meter started mid-month already holds: a few kilowatts. */
#define MONTH_PEAK_MIN_W  2500.0
#define MONTH_PEAK_SPAN_W 2000.0
/* Grid frequency wanders within +-30 mHz of 50 Hz. */
#define FREQUENCY_HZ      50.0
#define FREQUENCY_SPAN_HZ 0.06

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
	c->hundredths = (uint8_t)(m->clock_ms / 10);
}

/* Splits what a register gained over its age between the night and day tariffs. */
static void age_register(double *total, double *tariffs, double kwh)
{
	*total += kwh;
	tariffs[0] += kwh * NIGHT_TARIFF_SHARE;
	tariffs[1] += kwh * (1 - NIGHT_TARIFF_SHARE);
}

static void age_registers(struct hp_enc_values *v, time_t start)
{
	double hours = (double)(start - REGISTER_EPOCH) / SECONDS_PER_HOUR;
	if (hours <= 0)
		return;
	age_register(&v->energy_import_kwh, v->energy_import_tariff_kwh, hours * MEAN_IMPORT_KW);
	age_register(&v->energy_export_kwh, v->energy_export_tariff_kwh, hours * MEAN_EXPORT_KW);
	v->reactive_energy_import_kvarh += hours * MEAN_IMPORT_KW * REACTIVE_SHARE;
	v->reactive_energy_export_kvarh += hours * MEAN_EXPORT_KW * REACTIVE_SHARE;
}

void sim_model_fit_profile(struct sim_model *m, enum hp_enc_profile p)
{
	if (p == HP_PROFILE_ISKRA_12)
		snprintf(m->values.logical_name, sizeof(m->values.logical_name), "%s",
			 "ISK1030775213859");
}

time_t sim_local_now(void)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	return now + tm.tm_gmtoff;
}

static void set_datetime(struct hp_enc_datetime *d, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	*d = (struct hp_enc_datetime){.year = (uint16_t)(tm.tm_year + 1900),
				      .month = (uint8_t)(tm.tm_mon + 1),
				      .day = (uint8_t)tm.tm_mday,
				      .hour = (uint8_t)tm.tm_hour,
				      .minute = (uint8_t)tm.tm_min,
				      .second = (uint8_t)tm.tm_sec};
}

/* A meter started mid-month shows a peak from earlier in the month: the first
 * day's 18:00 quarter. */
static void seed_month_peak(struct sim_model *m)
{
	struct tm tm;
	gmtime_r(&m->clock, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = 18;
	tm.tm_min = tm.tm_sec = 0;
	time_t first = timegm(&tm);
	if (first >= m->clock)
		return; /* the month is young: its first quarter sets the peak */
	m->values.demand_month_max_w =
	    round(MONTH_PEAK_MIN_W + MONTH_PEAK_SPAN_W * uniform(&m->rng));
	set_datetime(&m->values.demand_month_max_time, first);
}

/* The running quarter's mean import (1-0:1.4.0), and at each quarter's end the
 * month's highest (1-0:1.6.0), reset when a month begins, as e-MUCS meters do. */
static void track_demand(struct sim_model *m, double imported_kwh)
{
	struct hp_enc_values *v = &m->values;
	time_t quarter = m->clock / QUARTER_S * QUARTER_S;
	if (quarter != m->quarter_start) {
		if (m->quarter_start != 0) {
			struct tm was, now;
			gmtime_r(&m->quarter_start, &was);
			gmtime_r(&quarter, &now);
			if (was.tm_mon != now.tm_mon)
				v->demand_month_max_w = 0;
			double mean_w = round(m->quarter_kwh * 1000 * SECONDS_PER_HOUR / QUARTER_S);
			if (was.tm_mon == now.tm_mon && mean_w > v->demand_month_max_w) {
				v->demand_month_max_w = mean_w;
				set_datetime(&v->demand_month_max_time, m->quarter_start);
			}
		}
		m->quarter_start = quarter;
		m->quarter_kwh = 0;
	}
	m->quarter_kwh += imported_kwh;
	double elapsed_h = ((double)(m->clock - quarter) + m->clock_ms / 1000.0) / SECONDS_PER_HOUR;
	v->demand_avg_w =
	    elapsed_h > 0 ? round(m->quarter_kwh * 1000 / elapsed_h) : v->power_import_w;
}

void sim_model_init(struct sim_model *m, uint8_t phases, uint64_t seed, time_t start)
{
	memset(m, 0, sizeof(*m));
	hp_enc_values_example(&m->values, phases);
	age_registers(&m->values, start);
	m->rng = seed != 0 ? seed : 1;
	m->clock = start;
	m->base_load_w = 400 + 600 * uniform(&m->rng);
	m->solar_peak_w = SIM_SOLAR_PEAK_W;
	m->cloud = 1;
	set_clock(m);
	seed_month_peak(m);
	track_demand(m, 0);
}

void sim_model_set_solar(struct sim_model *m, double peak_w)
{
	m->solar_peak_w = peak_w > 0 ? peak_w : 0;
	if (m->solar_peak_w > 0)
		return;
	struct hp_enc_values *v = &m->values;
	v->energy_export_kwh = 0;
	v->reactive_energy_export_kvarh = 0;
	memset(v->energy_export_tariff_kwh, 0, sizeof(v->energy_export_tariff_kwh));
}

int64_t sim_model_time_ms(const struct sim_model *m)
{
	return (int64_t)m->clock * MS_PER_S + m->clock_ms;
}

/* An appliance runs its time out; when none runs, one may start. The chance of a
 * start grows with the step, so the load looks alike at any frame rate. */
static void step_appliance(struct sim_model *m, uint32_t ms)
{
	if (m->appliance_left_ms > 0) {
		m->appliance_left_ms -= ms;
		if (m->appliance_left_ms <= 0)
			m->appliance_w = 0;
		return;
	}
	if (uniform(&m->rng) >= 1 - exp(-(double)ms / APPLIANCE_GAP_MS))
		return;
	m->appliance_w = round(APPLIANCE_MIN_W + APPLIANCE_SPAN_W * uniform(&m->rng));
	m->appliance_left_ms = (int64_t)(APPLIANCE_MIN_MS + APPLIANCE_SPAN_MS * uniform(&m->rng));
}

/* Household demand at a time of day: low at night, peaks morning and evening. */
static double demand_w(struct sim_model *m, double hour)
{
	double morning = exp(-pow((hour - 7.5) / 1.5, 2)) * 1800;
	double evening = exp(-pow((hour - 19.0) / 2.0, 2)) * 2600;
	return m->base_load_w + morning + evening + m->appliance_w + NOISE_W * uniform(&m->rng);
}

/* Solar production: a bell around 13:00 under the current clouds. */
static double solar_w(struct sim_model *m, double hour, uint32_t ms)
{
	m->cloud += (uniform(&m->rng) - 0.5) * CLOUD_STEP * sqrt(ms / MS_PER_MINUTE);
	m->cloud = m->cloud < CLOUD_MIN ? CLOUD_MIN : m->cloud > 1 ? 1 : m->cloud;
	if (m->solar_peak_w <= 0 || hour <= 6 || hour >= 20)
		return 0;
	return m->solar_peak_w * m->cloud * exp(-pow((hour - 13.0) / 2.8, 2));
}

static void set_phases(struct sim_model *m, double import_w, double export_w)
{
	struct hp_enc_values *v = &m->values;
	int n = v->phases == 1 ? 1 : 3;
	for (int i = 0; i < 3; i++) {
		bool on = i < n;
		double share = on ? 1.0 / n : 0;
		double jitter = uniform(&m->rng) - 0.5;
		v->phase_power_import_w[i] = round(import_w * share);
		v->phase_power_export_w[i] = round(export_w * share);
		v->voltage_v[i] = on ? NOMINAL_VOLTAGE_V + VOLTAGE_HEADROOM_V + jitter -
					   VOLTAGE_DROP_V_PER_W * import_w * share
				     : 0;
		v->current_a[i] = on ? (import_w + export_w) * share / v->voltage_v[i] : 0;
		v->phase_power_factor[i] = on ? v->power_factor : 0;
	}
	v->frequency_hz = FREQUENCY_HZ + FREQUENCY_SPAN_HZ * (uniform(&m->rng) - 0.5);
}

/* The registers grow by what flowed during the step. Tariff 1 at night (NL low
 * tariff), 2 by day. */
static void integrate(struct hp_enc_values *v, int hour_of_day, uint32_t ms)
{
	double hours = ms / MS_PER_HOUR;
	double imported = v->power_import_w * hours / 1000.0;
	double exported = v->power_export_w * hours / 1000.0;
	v->energy_import_kwh += imported;
	v->energy_export_kwh += exported;
	v->reactive_energy_import_kvarh += v->reactive_import_var * hours / 1000.0;
	v->reactive_energy_export_kvarh += v->reactive_export_var * hours / 1000.0;
	int t = (hour_of_day < 7 || hour_of_day >= 23) ? 0 : 1;
	v->tariff = (uint8_t)(t + 1);
	v->energy_import_tariff_kwh[t] += imported;
	v->energy_export_tariff_kwh[t] += exported;
}

void sim_model_advance_ms(struct sim_model *m, uint32_t ms)
{
	struct hp_enc_values *v = &m->values;
	struct tm tm;
	gmtime_r(&m->clock, &tm);
	double hour = tm.tm_hour + tm.tm_min / 60.0 + tm.tm_sec / SECONDS_PER_HOUR;
	step_appliance(m, ms);
	double net = demand_w(m, hour) - solar_w(m, hour, ms);
	v->power_import_w = net > 0 ? round(net) : 0;
	v->power_export_w = net < 0 ? round(-net) : 0;
	v->reactive_import_var = round(v->power_import_w * REACTIVE_SHARE);
	v->reactive_export_var = round(v->power_export_w * REACTIVE_SHARE);
	double p = v->power_import_w + v->power_export_w;
	v->power_factor = p > 0 ? p / hypot(p, p * REACTIVE_SHARE) : 1;
	set_phases(m, v->power_import_w, v->power_export_w);
	double before_kwh = v->energy_import_kwh;
	integrate(v, tm.tm_hour, ms);
	uint64_t t = (uint64_t)m->clock_ms + ms;
	m->clock += (time_t)(t / MS_PER_S);
	m->clock_ms = (uint16_t)(t % MS_PER_S);
	set_clock(m);
	track_demand(m, v->energy_import_kwh - before_kwh);
}

void sim_model_step(struct sim_model *m, unsigned dt)
{
	sim_model_advance_ms(m, dt * (uint32_t)MS_PER_S);
}

/* ---- families ---- */

/* The cadence of each family as the meters send it (the HAN documentation of the
 * Norwegian grid companies; DSMR 5.0.2 section 4.2). */
static const struct sim_family families[] = {
    {"kamstrup",
     "list 1 every 10 s, list 2 hourly at xx:00:05",
     2,
     {{HP_PROFILE_KAMSTRUP_LIST2, SIM_MS_PER_HOUR, 5000},
      {HP_PROFILE_KAMSTRUP_LIST1, 10000, 5000}}},
    {"aidon",
     "list 1 every 2.5 s, list 2 every 10 s, list 3 hourly at xx:00:10",
     3,
     {{HP_PROFILE_AIDON_LIST3, SIM_MS_PER_HOUR, 10000},
      {HP_PROFILE_AIDON_LIST2, 10000, 0},
      {HP_PROFILE_AIDON_LIST1, 2500, 0}}},
    {"kaifa",
     "list 1 every 2 s, list 2 every 10 s, list 3 hourly at xx:00:00",
     3,
     {{HP_PROFILE_KAIFA_LIST3, SIM_MS_PER_HOUR, 0},
      {HP_PROFILE_KAIFA_LIST2, 10000, 0},
      {HP_PROFILE_KAIFA_LIST1, 2000, 0}}},
    {"dsmr", "DSMR 5 telegram every 1 s", 1, {{HP_PROFILE_DSMR50_NL, 1000, 0}}},
};

size_t sim_family_count(void)
{
	return sizeof(families) / sizeof(families[0]);
}

const struct sim_family *sim_family_get(size_t i)
{
	return i < sim_family_count() ? &families[i] : NULL;
}

const struct sim_family *sim_family_find(const char *name)
{
	for (size_t i = 0; i < sim_family_count(); i++) {
		if (strcmp(families[i].name, name) == 0)
			return &families[i];
	}
	return NULL;
}

/* The first t > after with t % period == offset. */
static int64_t next_of(const struct sim_list *l, int64_t after)
{
	int64_t period = l->period_ms > 0 ? l->period_ms : 1;
	int64_t k = (after - (int64_t)l->offset_ms) / period;
	int64_t t = (int64_t)l->offset_ms + k * period;
	while (t <= after)
		t += period;
	while (t - period > after)
		t -= period;
	return t;
}

int64_t sim_family_next(const struct sim_family *f, int64_t after_ms, enum hp_enc_profile *p)
{
	int64_t best = INT64_MAX;
	for (unsigned i = 0; i < f->n && i < SIM_FAMILY_LISTS_MAX; i++) {
		int64_t t = next_of(&f->lists[i], after_ms);
		if (t < best) {
			best = t;
			*p = f->lists[i].profile;
		}
	}
	return best;
}
