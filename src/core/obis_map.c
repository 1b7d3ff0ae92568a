/* The OBIS table (reading-model.md key tables; protocols-meters.md layouts). */
#include "obis_map.h"

#include "cosem.h"
#include "hanp1d/reading.h"

#define NUM(c, d, e, key, q)                                                                       \
	{                                                                                          \
		HP_OBIS_CDE(c, d, e), HP_TARGET_NUM, HP_NUM_##key, HP_Q_##q, 0                     \
	}
#define ID(c, d, e, rank, vendor)                                                                  \
	{                                                                                          \
		HP_OBIS_CDE(c, d, e), HP_TARGET_ID, rank, 0, vendor                                \
	}
#define TEXT(c, d, e, kind, vendor)                                                                \
	{                                                                                          \
		HP_OBIS_CDE(c, d, e), kind, 0, 0, vendor                                           \
	}

/* The quantity names the unit a value has when no scaler-unit comes with it: W,
 * var, VA, A, V, Hz, Wh (-> kWh), varh (-> kvarh); power factor and counts have
 * none. */

/* C.7.0, indexed by C. */
#define INSTANT(c, key, q) [c] = NUM(c, 7, 0, key, q)

const struct hp_obis_entry hp_obis_instant[HP_OBIS_INSTANT_C_LIMIT] = {
    INSTANT(1, POWER_IMPORT_W, POWER),          INSTANT(2, POWER_EXPORT_W, POWER),
    INSTANT(3, REACTIVE_IMPORT_VAR, REACTIVE),  INSTANT(4, REACTIVE_EXPORT_VAR, REACTIVE),
    INSTANT(9, APPARENT_POWER_VA, APPARENT),    INSTANT(13, POWER_FACTOR, POWER_FACTOR),
    INSTANT(14, FREQUENCY_HZ, FREQUENCY),       INSTANT(21, L1_POWER_IMPORT_W, POWER),
    INSTANT(22, L1_POWER_EXPORT_W, POWER),      INSTANT(31, L1_CURRENT_A, CURRENT),
    INSTANT(32, L1_VOLTAGE_V, VOLTAGE),         INSTANT(33, L1_POWER_FACTOR, POWER_FACTOR),
    INSTANT(41, L2_POWER_IMPORT_W, POWER),      INSTANT(42, L2_POWER_EXPORT_W, POWER),
    INSTANT(51, L2_CURRENT_A, CURRENT),         INSTANT(52, L2_VOLTAGE_V, VOLTAGE),
    INSTANT(53, L2_POWER_FACTOR, POWER_FACTOR), INSTANT(61, L3_POWER_IMPORT_W, POWER),
    INSTANT(62, L3_POWER_EXPORT_W, POWER),      INSTANT(71, L3_CURRENT_A, CURRENT),
    INSTANT(72, L3_VOLTAGE_V, VOLTAGE),         INSTANT(73, L3_POWER_FACTOR, POWER_FACTOR),
};

/* C.8.E for C = 1..4 (active import/export, reactive import/export), E = 0..4
 * (total, tariffs 1..4), indexed by [C - 1][E]. */
#define REGISTER(c, e, key, q) [c - 1][e] = NUM(c, 8, e, key, q)

const struct hp_obis_entry hp_obis_registers[HP_OBIS_REGISTER_C_MAX][HP_OBIS_REGISTER_E_LIMIT] = {
    REGISTER(1, 0, ENERGY_IMPORT_KWH, ENERGY),
    REGISTER(1, 1, ENERGY_IMPORT_T1_KWH, ENERGY),
    REGISTER(1, 2, ENERGY_IMPORT_T2_KWH, ENERGY),
    REGISTER(1, 3, ENERGY_IMPORT_T3_KWH, ENERGY),
    REGISTER(1, 4, ENERGY_IMPORT_T4_KWH, ENERGY),
    REGISTER(2, 0, ENERGY_EXPORT_KWH, ENERGY),
    REGISTER(2, 1, ENERGY_EXPORT_T1_KWH, ENERGY),
    REGISTER(2, 2, ENERGY_EXPORT_T2_KWH, ENERGY),
    REGISTER(2, 3, ENERGY_EXPORT_T3_KWH, ENERGY),
    REGISTER(2, 4, ENERGY_EXPORT_T4_KWH, ENERGY),
    REGISTER(3, 0, REACTIVE_ENERGY_IMPORT_KVARH, REACTIVE_ENERGY),
    REGISTER(4, 0, REACTIVE_ENERGY_EXPORT_KVARH, REACTIVE_ENERGY),
};

/* Everything else, sorted by C.D.E for a binary search (the unit test checks it). */
static const struct hp_obis_entry others[] = {
    /* Kamstrup: 1.1.0.0.1.255 meter number (DK), 1.1.0.0.5.255 GS1 number (NO). */
    ID(0, 0, 1, HP_ID_VENDOR, HP_VENDOR_KAMSTRUP),
    ID(0, 0, 5, HP_ID_VENDOR, HP_VENDOR_KAMSTRUP),
    TEXT(0, 2, 129, HP_TARGET_LIST_ID, 0), /* list version identifier */
    TEXT(1, 0, 0, HP_TARGET_CLOCK, 0),     /* clock 0.0.1.0.0 / 0.1.1.0.0 */
    NUM(32, 32, 0, L1_VOLTAGE_SAGS, PLAIN),
    NUM(32, 36, 0, L1_VOLTAGE_SWELLS, PLAIN),
    ID(42, 0, 0, HP_ID_LOGICAL_NAME, 0), /* COSEM logical device name */
    NUM(52, 32, 0, L2_VOLTAGE_SAGS, PLAIN),
    NUM(52, 36, 0, L2_VOLTAGE_SWELLS, PLAIN),
    NUM(72, 32, 0, L3_VOLTAGE_SAGS, PLAIN),
    NUM(72, 36, 0, L3_VOLTAGE_SWELLS, PLAIN),
    ID(96, 1, 0, HP_ID_SERIAL, 0),                       /* meter serial number */
    TEXT(96, 1, 1, HP_TARGET_MODEL, HP_VENDOR_KAMSTRUP), /* Kamstrup meter type */
    ID(96, 1, 2, HP_ID_PROFILE, 0),                      /* Iskraemeco id */
    ID(96, 1, 3, HP_ID_PROFILE, 0),                      /* Iskraemeco id */
    TEXT(96, 1, 7, HP_TARGET_MODEL, 0),                  /* meter type */
    NUM(96, 7, 9, LONG_POWER_FAILURES, PLAIN),
    NUM(96, 7, 21, POWER_FAILURES, PLAIN),
    NUM(96, 14, 0, TARIFF, PLAIN),
};

#define OTHERS_SIZE (sizeof(others) / sizeof(others[0]))

const struct hp_obis_entry *hp_obis_search(uint32_t cde)
{
	size_t lo = 0, hi = OTHERS_SIZE;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t k = others[mid].cde;
		if (k == cde)
			return &others[mid];
		if (k < cde)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct hp_obis_entry *hp_obis_sparse_table(size_t *count)
{
	*count = OTHERS_SIZE;
	return others;
}

/* Units that fit each quantity. */
const struct hp_quantity_units hp_quantity_units[HP_Q_COUNT] = {
    [HP_Q_PLAIN] = {HP_UNIT_NONE, 0, HP_UNIT_NONE, 0},
    [HP_Q_POWER] = {HP_UNIT_W, 0, HP_UNIT_W, 0},
    [HP_Q_REACTIVE] = {HP_UNIT_VAR, 0, HP_UNIT_VAR, 0},
    [HP_Q_APPARENT] = {HP_UNIT_VA, 0, HP_UNIT_VA, 0},
    [HP_Q_CURRENT] = {HP_UNIT_A, 0, HP_UNIT_A, 0},
    [HP_Q_VOLTAGE] = {HP_UNIT_V, 0, HP_UNIT_V, 0},
    /* A power factor has no unit; one sent in percent is brought to -1..1. */
    [HP_Q_POWER_FACTOR] = {HP_UNIT_NONE, 0, HP_UNIT_PERCENT, -2},
    [HP_Q_FREQUENCY] = {HP_UNIT_HZ, 0, HP_UNIT_HZ, 0},
    [HP_Q_ENERGY] = {HP_UNIT_WH, -3, HP_UNIT_WH, -3},
    [HP_Q_REACTIVE_ENERGY] = {HP_UNIT_VARH, -3, HP_UNIT_VARH, -3},
};
