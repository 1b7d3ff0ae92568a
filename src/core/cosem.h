/* COSEM value conventions: date-time, scaler-unit, unit codes (protocols.md (e)). */
#ifndef HP_CORE_COSEM_H
#define HP_CORE_COSEM_H

#include <stdbool.h>
#include <stdint.h>

#include "axdr.h"
#include "hanp1d/reading.h"

/* A COSEM date-time is 12 bytes: year (2), month, day, weekday, hour, minute,
 * second, hundredths, deviation (2), clock status. */
#define HP_COSEM_DATETIME_LEN 12

/* A clock as the reading keeps it. */
struct hp_cosem_clock {
	bool valid;
	int8_t dst;             /* -1 status not specified, 0 winter, 1 summer */
	char text[HP_TIME_MAX]; /* "YYYY-MM-DDTHH:MM:SS", the wall fields as sent */
};

/* Reads a 12-byte date-time by the clock rules of reading-model.md: invalid when
 * the year is FFFF or < 2000, a field is FF or out of range, or the status is not
 * FF and has bit 0 set. The deviation never shifts the time. */
void hp_cosem_datetime(const uint8_t *p, struct hp_cosem_clock *c);

/* A loose check for delimiting frames: every field is in range or "not specified"
 * (month and day may be the DST markers FD/FE), whatever the clock status. */
bool hp_cosem_datetime_plausible(const uint8_t *p);

/* DLMS unit codes (Blue Book) the decoder uses. */
enum hp_cosem_unit {
	HP_UNIT_SECOND = 7,
	HP_UNIT_DEGREE = 8,
	HP_UNIT_CELSIUS = 9,
	HP_UNIT_CUBIC_METRE = 13,
	HP_UNIT_CUBIC_METRE_CORR = 14,
	HP_UNIT_LITRE = 19,
	HP_UNIT_W = 27,
	HP_UNIT_VA = 28,
	HP_UNIT_VAR = 29,
	HP_UNIT_WH = 30,
	HP_UNIT_VAH = 31,
	HP_UNIT_VARH = 32,
	HP_UNIT_A = 33,
	HP_UNIT_V = 35,
	HP_UNIT_HZ = 44,
	HP_UNIT_PERCENT = 56,
	HP_UNIT_OTHER = 254,
	HP_UNIT_NONE = 255, /* count, or no unit */
};

/* A short symbol for traces ("W", "Wh", "none"); "?" for codes not in the table. */
const char *hp_cosem_unit_name(uint8_t unit);

/* Node i is a scaler-unit structure 02 02 0F <scaler> 16 <unit>. Inline: every
 * register of a scaler-unit list asks. */
static inline bool hp_cosem_scaler_unit(const struct hp_axdr_tree *t, uint32_t i, int8_t *scaler,
					uint8_t *unit)
{
	const struct hp_axdr_node *n = &t->node[i];
	if (n->tag != HP_AXDR_STRUCTURE || n->count != 2 || n[1].tag != HP_AXDR_INTEGER ||
	    n[2].tag != HP_AXDR_ENUM)
		return false;
	*scaler = (int8_t)n[1].v.i;
	*unit = (uint8_t)n[2].v.u;
	return true;
}

/* Largest power of ten applied: 10^22 is the largest that a double holds exactly,
 * and no meter scales by more. */
#define HP_COSEM_EXP_MAX 22

/* 10^0 .. 10^22, exact. */
extern const double hp_cosem_pow10[HP_COSEM_EXP_MAX + 1];

/* raw x 10^exp, dividing for negative exponents so that 237 x 10^-2 is exactly the
 * double nearest 2.37. False when |exp| > HP_COSEM_EXP_MAX. */
static inline bool hp_cosem_scale(double raw, int exp, double *out)
{
	if (exp > HP_COSEM_EXP_MAX || exp < -HP_COSEM_EXP_MAX)
		return false;
	*out = exp < 0 ? raw / hp_cosem_pow10[-exp] : raw * hp_cosem_pow10[exp];
	return true;
}

#endif
