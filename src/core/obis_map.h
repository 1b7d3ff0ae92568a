/* OBIS code -> reading key: one const table, matched on C.D.E (A and B vary by
 * meter; protocols-meters.md), with the quantity that says which units fit. */
#ifndef HP_CORE_OBIS_MAP_H
#define HP_CORE_OBIS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Meter makers whose lists need their own rules. */
enum hp_vendor {
	HP_VENDOR_NONE = 0,
	HP_VENDOR_KAMSTRUP,
	HP_VENDOR_AIDON,
	HP_VENDOR_KAIFA,
	HP_VENDOR_ISKRAEMECO,
	HP_VENDOR_LANDIS_GYR,
	HP_VENDOR_COUNT
};

/* What a value becomes in the reading. */
enum hp_target_kind {
	HP_TARGET_NONE = 0, /* known but not in the reading model: skipped */
	HP_TARGET_NUM,      /* a number -> num[field] */
	HP_TARGET_MODEL,    /* a string -> meter_model */
	HP_TARGET_ID,       /* a string (or an integer, in decimal) -> meter_id, rank = field */
	HP_TARGET_LIST_ID,  /* a string -> list_id (and the manufacturer it names) */
	HP_TARGET_CLOCK,    /* a date-time -> meter_time */
};

/* The physical quantity of a numeric key: which DLMS unit fits it and how that
 * unit converts to the key's unit. */
enum hp_quantity {
	HP_Q_PLAIN = 0, /* counts and tariff: as sent */
	HP_Q_POWER,
	HP_Q_REACTIVE,
	HP_Q_APPARENT,
	HP_Q_CURRENT,
	HP_Q_VOLTAGE,
	HP_Q_POWER_FACTOR,
	HP_Q_FREQUENCY,
	HP_Q_ENERGY,
	HP_Q_REACTIVE_ENERGY,
	HP_Q_COUNT
};

/* C.D.E packed into one integer, so that a lookup compares integers. */
#define HP_OBIS_CDE(c, d, e) ((uint32_t)(c) << 16 | (uint32_t)(d) << 8 | (uint32_t)(e))

struct hp_obis_entry {
	uint32_t cde;
	uint8_t kind;     /* enum hp_target_kind */
	uint8_t field;    /* enum hp_num for numbers, enum hp_id_rank for ids */
	uint8_t quantity; /* enum hp_quantity for numbers */
	uint8_t vendor;   /* enum hp_vendor: the code means this only in that maker's lists;
			   * HP_VENDOR_NONE: in every list */
};

/* Most codes a list carries are instantaneous values C.7.0 or registers C.8.E:
 * those are indexed directly (inline, as every element asks); the rest is
 * searched. Unused slots are all zero. */
#define HP_OBIS_INSTANT_C_LIMIT  74 /* past the largest C used (73, L3 power factor) */
#define HP_OBIS_REGISTER_C_MAX   4  /* active/reactive import/export */
#define HP_OBIS_REGISTER_E_LIMIT 5  /* total and tariffs 1..4 */

extern const struct hp_obis_entry hp_obis_instant[HP_OBIS_INSTANT_C_LIMIT];
extern const struct hp_obis_entry hp_obis_registers[HP_OBIS_REGISTER_C_MAX]
						   [HP_OBIS_REGISTER_E_LIMIT];

/* The entry for C.D.E among the codes that are not directly indexed, or NULL. */
const struct hp_obis_entry *hp_obis_search(uint32_t cde);

/* The entry for an OBIS code (6 bytes A.B.C.D.E.F), or NULL. */
static inline const struct hp_obis_entry *hp_obis_lookup(const uint8_t *obis)
{
	uint8_t c = obis[2], d = obis[3], e = obis[4];
	uint32_t cde = HP_OBIS_CDE(c, d, e);
	const struct hp_obis_entry *hit;
	if (d == 7 && e == 0 && c < HP_OBIS_INSTANT_C_LIMIT)
		hit = &hp_obis_instant[c];
	else if (d == 8 && c >= 1 && c <= HP_OBIS_REGISTER_C_MAX && e < HP_OBIS_REGISTER_E_LIMIT)
		hit = &hp_obis_registers[c - 1][e];
	else
		return hp_obis_search(cde);
	/* No code has C.D.E = 0.0.0, so an unused slot never matches. */
	return hit->cde == cde ? hit : NULL;
}

/* The codes outside the directly indexed groups C.7.0 and C.8.E, sorted by cde
 * (for the unit test that checks the order the search relies on). */
const struct hp_obis_entry *hp_obis_sparse_table(size_t *count);

/* Units that fit a quantity: the base unit (the one assumed when none is sent)
 * and an alternative, each with the power of ten to the key's unit. */
struct hp_quantity_units {
	uint8_t unit;
	int8_t adjust;
	uint8_t alt_unit;
	int8_t alt_adjust;
};

extern const struct hp_quantity_units hp_quantity_units[HP_Q_COUNT];

/* For a unit sent in a scaler-unit: true when it fits quantity q, with the power
 * of ten that turns it into the key's unit (Wh -> kWh: -3). */
static inline bool hp_quantity_unit(enum hp_quantity q, uint8_t unit, int *adjust)
{
	const struct hp_quantity_units *u = &hp_quantity_units[q];
	if (unit == u->unit) {
		*adjust = u->adjust;
		return true;
	}
	if (unit == u->alt_unit) {
		*adjust = u->alt_adjust;
		return true;
	}
	return false;
}

/* The DLMS unit a quantity has when the list sends no scaler-unit (W, Wh, A, ...). */
static inline uint8_t hp_quantity_base_unit(enum hp_quantity q)
{
	return hp_quantity_units[q].unit;
}

/* The power of ten from the base unit to the key's unit (Wh -> kWh: -3). */
static inline int hp_quantity_base_adjust(enum hp_quantity q)
{
	return hp_quantity_units[q].adjust;
}

#endif
