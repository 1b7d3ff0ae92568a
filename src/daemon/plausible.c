/* Plausibility of a reading against the configured installation (plausible.h). */
#include <math.h>
#include <stdio.h>

#include "plausible.h"

double hp_fuse_power_w(const struct hp_meter_config *m)
{
	if (m->main_fuse_a <= 0)
		return 0;
	return m->main_fuse_a * m->voltage * (m->phases == 1 ? 1 : sqrt(3));
}

/* Whether r's value of k lies outside [low, high]; then why says so. */
static bool outside(const struct hp_reading *r, enum hp_num k, double low, double high,
		    const char *keys, char *why, size_t why_size)
{
	if (!hp_reading_has(r, k))
		return false;
	double v = r->num[k];
	if (v >= low && v <= high)
		return false;
	snprintf(why, why_size, "%s = %g is %s %g for this installation (check %s)", hp_num_key(k),
		 v, v < low ? "below" : "above", v < low ? low : high, keys);
	return true;
}

bool hp_plausible(const struct hp_meter_config *m, const struct hp_reading *r, char *why,
		  size_t why_size)
{
	static const enum hp_num volts[] = {HP_NUM_L1_VOLTAGE_V, HP_NUM_L2_VOLTAGE_V,
					    HP_NUM_L3_VOLTAGE_V};
	static const enum hp_num amps[] = {HP_NUM_L1_CURRENT_A, HP_NUM_L2_CURRENT_A,
					   HP_NUM_L3_CURRENT_A};
	/* Phases read at least half the system's phase-to-neutral voltage (a 400 V
	 * system's phases read 230 V); a missing phase reads 0 and is left alone. */
	double v_low = 0.5 * (m->phases == 1 ? m->voltage : m->voltage / sqrt(3));
	double v_high = m->voltage * HP_PLAUSIBLE_FACTOR / 2;
	for (size_t i = 0; i < 3; i++)
		if (hp_reading_has(r, volts[i]) && r->num[volts[i]] != 0 &&
		    outside(r, volts[i], v_low, v_high, "voltage, multiplier_voltage", why,
			    why_size))
			return false;
	if (m->main_fuse_a > 0) {
		double max_a = m->main_fuse_a * HP_PLAUSIBLE_FACTOR;
		for (size_t i = 0; i < 3; i++)
			if (outside(r, amps[i], -max_a, max_a, "main_fuse_a, multiplier_current",
				    why, why_size))
				return false;
		if (outside(r, HP_NUM_POWER_IMPORT_W, 0, hp_fuse_power_w(m) * HP_PLAUSIBLE_FACTOR,
			    "main_fuse_a, multiplier_power", why, why_size))
			return false;
	}
	if (m->production_kwp > 0 &&
	    outside(r, HP_NUM_POWER_EXPORT_W, 0, m->production_kwp * 1000 * HP_PLAUSIBLE_FACTOR,
		    "production_kwp, multiplier_power", why, why_size))
		return false;
	return true;
}
