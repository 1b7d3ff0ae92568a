/* The DLMS list layouts as tables (protocols-meters.md (f)): adding a meter
 * layout means adding rows here. */
#include "axdr.h"
#include "dlms_layouts.h"
#include "hanp1d/reading.h"

#define PREFIX(s) s, (uint8_t)(sizeof(s) - 1)

static const struct hp_dlms_vendor vendors[] = {
    {PREFIX("Kamstrup"), HP_VENDOR_KAMSTRUP, PREFIX("Kamstrup"), true, false},
    {PREFIX("AIDON"), HP_VENDOR_AIDON, PREFIX("Aidon"), true, false},
    {PREFIX("KFM"), HP_VENDOR_KAIFA, PREFIX("Kaifa"), true, false},
    {PREFIX("ISK"), HP_VENDOR_ISKRAEMECO, PREFIX("Iskraemeco"), true, true},
};

const struct hp_dlms_vendor *hp_dlms_vendor_by_name(const uint8_t *s, size_t len, bool logical_name)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		const struct hp_dlms_vendor *v = &vendors[i];
		bool names = logical_name ? v->by_logical_name : v->by_list_id;
		if (names && hp_dlms_starts_with(s, len, v->prefix, v->prefix_len))
			return v;
	}
	return NULL;
}

/* Scalers for lists without scaler-unit structures; unlisted quantities are
 * sent in the base unit (W, var, VA, A, V, Hz, Wh, varh), scaler 0. */
const int8_t hp_dlms_default_scalers[HP_VENDOR_COUNT][HP_Q_COUNT] = {
    /* Kamstrup HAN-NVE / Omnipower: 0.01 A, counters in 10 Wh, PF x 0.01. */
    [HP_VENDOR_KAMSTRUP] = {[HP_Q_CURRENT] = -2,
			    [HP_Q_ENERGY] = 1,
			    [HP_Q_REACTIVE_ENERGY] = 1,
			    [HP_Q_POWER_FACTOR] = -2},
    /* Kaifa: 0.1 V, mA, Wh. */
    [HP_VENDOR_KAIFA] = {[HP_Q_VOLTAGE] = -1, [HP_Q_CURRENT] = -3},
    /* Iskraemeco: 0.1 V, 0.01 A (the positional profiles' units). */
    [HP_VENDOR_ISKRAEMECO] = {[HP_Q_VOLTAGE] = -1, [HP_Q_CURRENT] = -2},
    /* Landis+Gyr descriptor lists: whole V, 0.01 A. */
    [HP_VENDOR_LANDIS_GYR] = {[HP_Q_CURRENT] = -2},
};

/* Row builders. Tags: 06 double-long-unsigned, 09 octet-string, 12 long-unsigned. */
#define ANY_TAG HP_POS_ANY_TAG
#define NUM(tag, key, exp)                                                                         \
	{                                                                                          \
		tag, HP_TARGET_NUM, HP_NUM_##key, exp                                              \
	}
#define U32(key, exp) NUM(HP_AXDR_DOUBLE_LONG_UNSIGNED, key, exp)
#define U16(key, exp) NUM(HP_AXDR_LONG_UNSIGNED, key, exp)
#define STR(kind, field)                                                                           \
	{                                                                                          \
		HP_AXDR_OCTET_STRING, kind, field, 0                                               \
	}
#define SKIP(tag)                                                                                  \
	{                                                                                          \
		tag, HP_TARGET_NONE, 0, 0                                                          \
	}

/* Kaifa KFM_001 (NO), 3-phase: list 3 has 18 elements, list 2 the first 13. Units
 * W/var, mA, 0.1 V, Wh/varh. */
static const struct hp_pos_row kaifa_3p[] = {
    STR(HP_TARGET_LIST_ID, 0),
    STR(HP_TARGET_ID, HP_ID_PROFILE),
    STR(HP_TARGET_MODEL, 0),
    U32(POWER_IMPORT_W, 0),
    U32(POWER_EXPORT_W, 0),
    U32(REACTIVE_IMPORT_VAR, 0),
    U32(REACTIVE_EXPORT_VAR, 0),
    U32(L1_CURRENT_A, -3),
    U32(L2_CURRENT_A, -3),
    U32(L3_CURRENT_A, -3),
    U32(L1_VOLTAGE_V, -1),
    U32(L2_VOLTAGE_V, -1),
    U32(L3_VOLTAGE_V, -1),
    STR(HP_TARGET_CLOCK, 0),
    U32(ENERGY_IMPORT_KWH, -3),
    U32(ENERGY_EXPORT_KWH, -3),
    U32(REACTIVE_ENERGY_IMPORT_KVARH, -3),
    U32(REACTIVE_ENERGY_EXPORT_KVARH, -3),
};

/* Kaifa KFM_001, 1-phase: list 3 has 14 elements, list 2 the first 9. */
static const struct hp_pos_row kaifa_1p[] = {
    STR(HP_TARGET_LIST_ID, 0),
    STR(HP_TARGET_ID, HP_ID_PROFILE),
    STR(HP_TARGET_MODEL, 0),
    U32(POWER_IMPORT_W, 0),
    U32(POWER_EXPORT_W, 0),
    U32(REACTIVE_IMPORT_VAR, 0),
    U32(REACTIVE_EXPORT_VAR, 0),
    U32(L1_CURRENT_A, -3),
    U32(L1_VOLTAGE_V, -1),
    STR(HP_TARGET_CLOCK, 0),
    U32(ENERGY_IMPORT_KWH, -3),
    U32(ENERGY_EXPORT_KWH, -3),
    U32(REACTIVE_ENERGY_IMPORT_KVARH, -3),
    U32(REACTIVE_ENERGY_EXPORT_KVARH, -3),
};

/* Kaifa list 1 (NO): a structure of one value, P+ in W, and no list id. */
static const struct hp_pos_row kaifa_list1[] = {
    U32(POWER_IMPORT_W, 0),
};

/* Iskraemeco (layout 5, UNVERIFIED): element 1 is the logical device name; units
 * 0.1 V, 0.01 A, W/var, Wh. */
#define ISK_NAME STR(HP_TARGET_ID, HP_ID_LOGICAL_NAME)
#define ISK_ID   STR(HP_TARGET_ID, HP_ID_PROFILE)

static const struct hp_pos_row iskra_18[] = {
    ISK_NAME,
    ISK_ID, /* 96.1.3 */
    U32(POWER_IMPORT_W, 0),
    U32(POWER_EXPORT_W, 0),
    U32(REACTIVE_IMPORT_VAR, 0),
    U32(REACTIVE_EXPORT_VAR, 0),
    U16(L1_VOLTAGE_V, -1),
    U16(L2_VOLTAGE_V, -1),
    U16(L3_VOLTAGE_V, -1),
    U16(L1_CURRENT_A, -2),
    U16(L2_CURRENT_A, -2),
    U16(L3_CURRENT_A, -2),
    U32(L1_POWER_IMPORT_W, 0),
    U32(L2_POWER_IMPORT_W, 0),
    U32(L3_POWER_IMPORT_W, 0),
    U32(L1_POWER_EXPORT_W, 0),
    U32(L2_POWER_EXPORT_W, 0),
    U32(L3_POWER_EXPORT_W, 0),
};

static const struct hp_pos_row iskra_12_registers[] = {
    ISK_NAME,
    ISK_ID,
    SKIP(HP_AXDR_BOOLEAN),                 /* breaker state 96.3.10 */
    NUM(ANY_TAG, TARIFF, 0),               /* 96.14.0 */
    U32(ENERGY_IMPORT_KWH, -3),            /* 1.8.0 */
    U32(ENERGY_IMPORT_T1_KWH, -3),         /* 1.8.1 */
    U32(ENERGY_IMPORT_T2_KWH, -3),         /* 1.8.2 */
    U32(ENERGY_EXPORT_KWH, -3),            /* 2.8.0 */
    U32(ENERGY_EXPORT_T1_KWH, -3),         /* 2.8.1 */
    U32(ENERGY_EXPORT_T2_KWH, -3),         /* 2.8.2 */
    U32(REACTIVE_ENERGY_IMPORT_KVARH, -3), /* 3.8.0 */
    U32(REACTIVE_ENERGY_EXPORT_KVARH, -3), /* 4.8.0 */
};

static const struct hp_pos_row iskra_12_instant[] = {
    ISK_NAME,
    ISK_ID, /* 96.1.2 */
    U16(L1_VOLTAGE_V, -1),
    U16(L2_VOLTAGE_V, -1),
    U16(L3_VOLTAGE_V, -1),
    U16(L1_CURRENT_A, -2),
    U16(L2_CURRENT_A, -2),
    U16(L3_CURRENT_A, -2),
    U32(POWER_IMPORT_W, 0),
    U32(POWER_EXPORT_W, 0),
    U32(REACTIVE_IMPORT_VAR, 0),
    U32(REACTIVE_EXPORT_VAR, 0),
};

static const struct hp_pos_row iskra_10_instant[] = {
    ISK_NAME,
    ISK_ID,
    U32(POWER_IMPORT_W, 0),
    U32(POWER_EXPORT_W, 0),
    U32(REACTIVE_IMPORT_VAR, 0),
    U32(REACTIVE_EXPORT_VAR, 0),
    U16(L1_VOLTAGE_V, -1),
    U16(L1_CURRENT_A, -2),
    U32(L1_POWER_IMPORT_W, 0),
    U32(L1_POWER_EXPORT_W, 0),
};

static const struct hp_pos_row iskra_10_tariffs[] = {
    ISK_NAME,
    ISK_ID,
    U32(ENERGY_IMPORT_T1_KWH, -3),      /* 1.8.1 */
    U32(ENERGY_IMPORT_T2_KWH, -3),      /* 1.8.2 */
    U32(ENERGY_EXPORT_T1_KWH, -3),      /* 2.8.1 */
    U32(ENERGY_EXPORT_T2_KWH, -3),      /* 2.8.2 */
    SKIP(HP_AXDR_DOUBLE_LONG_UNSIGNED), /* 3.8.1: per-tariff reactive energy is */
    SKIP(HP_AXDR_DOUBLE_LONG_UNSIGNED), /* 3.8.2  not in the reading model */
    SKIP(HP_AXDR_DOUBLE_LONG_UNSIGNED), /* 4.8.1 */
    SKIP(HP_AXDR_DOUBLE_LONG_UNSIGNED), /* 4.8.2 */
};

static const struct hp_pos_row iskra_8[] = {
    ISK_NAME,
    ISK_ID,
    U16(L1_VOLTAGE_V, -1),
    U16(L1_CURRENT_A, -2),
    U32(POWER_IMPORT_W, 0),
    U32(POWER_EXPORT_W, 0),
    U32(REACTIVE_IMPORT_VAR, 0),
    U32(REACTIVE_EXPORT_VAR, 0),
};

/* The 15-minute list (SI). */
static const struct hp_pos_row iskra_4[] = {
    ISK_NAME,
    SKIP(ANY_TAG), /* not documented */
    U32(ENERGY_IMPORT_KWH, -3),
    U32(ENERGY_EXPORT_KWH, -3),
};

/* Netz Burgenland (AT, layout 6): whole V, 0.01 A, W, Wh; the 14-element form has
 * three undocumented values before the meter id. */
#define BURGENLAND_VALUES                                                                          \
	U16(L1_VOLTAGE_V, 0), U16(L2_VOLTAGE_V, 0), U16(L3_VOLTAGE_V, 0), U16(L1_CURRENT_A, -2),   \
	    U16(L2_CURRENT_A, -2), U16(L3_CURRENT_A, -2), U32(POWER_IMPORT_W, 0),                  \
	    U32(POWER_EXPORT_W, 0), U32(ENERGY_IMPORT_KWH, -3), U32(ENERGY_EXPORT_KWH, -3)

static const struct hp_pos_row burgenland_14[] = {
    BURGENLAND_VALUES,           SKIP(HP_AXDR_LONG_UNSIGNED),      SKIP(HP_AXDR_LONG_UNSIGNED),
    SKIP(HP_AXDR_LONG_UNSIGNED), STR(HP_TARGET_ID, HP_ID_PROFILE),
};

static const struct hp_pos_row burgenland_11[] = {
    BURGENLAND_VALUES,
    STR(HP_TARGET_ID, HP_ID_PROFILE),
};

#define ROWS(a) a, (uint8_t)(sizeof(a) / sizeof(a[0]))

/* Named profiles first: the first element's string picks among them, then the
 * count and the key element's type. Unnamed profiles must match every type. */
static const struct hp_pos_profile profiles[] = {
    {"Kaifa KFM_001 list 3, 3-phase", PREFIX("KFM_001"), 18, 0, 0, ROWS(kaifa_3p)},
    {"Kaifa KFM_001 list 2, 3-phase", PREFIX("KFM_001"), 13, 0, 0, ROWS(kaifa_3p)},
    {"Kaifa KFM_001 list 3, 1-phase", PREFIX("KFM_001"), 14, 0, 0, ROWS(kaifa_1p)},
    {"Kaifa KFM_001 list 2, 1-phase", PREFIX("KFM_001"), 9, 0, 0, ROWS(kaifa_1p)},
    {"Iskraemeco 0x12", PREFIX("ISK"), 0x12, 0, 0, ROWS(iskra_18)},
    {"Iskraemeco 0x0C registers", PREFIX("ISK"), 0x0C, 3, HP_AXDR_BOOLEAN,
     ROWS(iskra_12_registers)},
    {"Iskraemeco 0x0C instantaneous", PREFIX("ISK"), 0x0C, 3, HP_AXDR_LONG_UNSIGNED,
     ROWS(iskra_12_instant)},
    {"Iskraemeco 0x0A 1-phase", PREFIX("ISK"), 0x0A, 7, HP_AXDR_LONG_UNSIGNED,
     ROWS(iskra_10_instant)},
    {"Iskraemeco 0x0A tariffs", PREFIX("ISK"), 0x0A, 7, HP_AXDR_DOUBLE_LONG_UNSIGNED,
     ROWS(iskra_10_tariffs)},
    {"Iskraemeco 0x08", PREFIX("ISK"), 0x08, 0, 0, ROWS(iskra_8)},
    {"Iskraemeco 0x04", PREFIX("ISK"), 0x04, 0, 0, ROWS(iskra_4)},
    {"Kaifa list 1", NULL, 0, 1, 0, 0, ROWS(kaifa_list1)},
    {"Netz Burgenland 0x0E", NULL, 0, 0x0E, 0, 0, ROWS(burgenland_14)},
    {"Netz Burgenland 0x0B", NULL, 0, 0x0B, 0, 0, ROWS(burgenland_11)},
};

const struct hp_pos_profile *hp_dlms_profiles(size_t *count)
{
	*count = sizeof(profiles) / sizeof(profiles[0]);
	return profiles;
}
