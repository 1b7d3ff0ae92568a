/* Which multiplier each reading key takes: a table over the reading model. */
#include "multiply.h"

enum quantity { Q_NONE, Q_POWER, Q_VOLTAGE, Q_CURRENT, Q_ENERGY };

static const enum quantity quantity_of[HP_NUM_COUNT] = {
    [HP_NUM_POWER_IMPORT_W] = Q_POWER,
    [HP_NUM_POWER_EXPORT_W] = Q_POWER,
    [HP_NUM_REACTIVE_IMPORT_VAR] = Q_POWER,
    [HP_NUM_REACTIVE_EXPORT_VAR] = Q_POWER,
    [HP_NUM_APPARENT_POWER_VA] = Q_POWER,
    [HP_NUM_L1_POWER_IMPORT_W] = Q_POWER,
    [HP_NUM_L2_POWER_IMPORT_W] = Q_POWER,
    [HP_NUM_L3_POWER_IMPORT_W] = Q_POWER,
    [HP_NUM_L1_POWER_EXPORT_W] = Q_POWER,
    [HP_NUM_L2_POWER_EXPORT_W] = Q_POWER,
    [HP_NUM_L3_POWER_EXPORT_W] = Q_POWER,
    [HP_NUM_DEMAND_AVG_W] = Q_POWER,
    [HP_NUM_DEMAND_MONTH_MAX_W] = Q_POWER,
    [HP_NUM_L1_CURRENT_A] = Q_CURRENT,
    [HP_NUM_L2_CURRENT_A] = Q_CURRENT,
    [HP_NUM_L3_CURRENT_A] = Q_CURRENT,
    [HP_NUM_L1_VOLTAGE_V] = Q_VOLTAGE,
    [HP_NUM_L2_VOLTAGE_V] = Q_VOLTAGE,
    [HP_NUM_L3_VOLTAGE_V] = Q_VOLTAGE,
    [HP_NUM_ENERGY_IMPORT_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_IMPORT_T1_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_IMPORT_T2_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_IMPORT_T3_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_IMPORT_T4_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_EXPORT_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_EXPORT_T1_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_EXPORT_T2_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_EXPORT_T3_KWH] = Q_ENERGY,
    [HP_NUM_ENERGY_EXPORT_T4_KWH] = Q_ENERGY,
    [HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH] = Q_ENERGY,
    [HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH] = Q_ENERGY,
};

void hp_apply_multipliers(const struct hp_meter_config *m, struct hp_reading *r)
{
	const double factor[] = {
	    [Q_NONE] = 1.0,
	    [Q_POWER] = m->multiplier_power,
	    [Q_VOLTAGE] = m->multiplier_voltage,
	    [Q_CURRENT] = m->multiplier_current,
	    [Q_ENERGY] = m->multiplier_energy,
	};
	for (int f = 0; f < HP_NUM_COUNT; f++)
		if (hp_reading_has(r, (enum hp_num)f) && quantity_of[f] != Q_NONE)
			r->num[f] *= factor[quantity_of[f]];
	/* Sub-meter values (gas, water, heat) are their own devices: left as sent. */
	for (int i = 0; i < r->peak_count; i++)
		r->peaks[i].value_w *= m->multiplier_power;
}
