/* Display-only derived values (derived.h). */
#include "derived.h"

#include <math.h>

bool hp_derive_u2(const struct hp_reading *r, double *u2)
{
	if (!hp_reading_has(r, HP_NUM_L1_VOLTAGE_V) || !hp_reading_has(r, HP_NUM_L3_VOLTAGE_V))
		return false;
	if (hp_reading_has(r, HP_NUM_L2_VOLTAGE_V) && r->num[HP_NUM_L2_VOLTAGE_V] != 0)
		return false;
	double a = r->num[HP_NUM_L1_VOLTAGE_V], b = r->num[HP_NUM_L3_VOLTAGE_V];
	double square = a * a + b * b - a * b;
	if (square <= 0)
		return false;
	/* To 0.1 V, the resolution meters send voltages at. */
	*u2 = round(sqrt(square) * 10) / 10;
	return true;
}
