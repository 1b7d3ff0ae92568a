/* Values the daemon derives for display only: never stored, never published as the
 * meter's own, always labelled as derived (protocols-meters.md, IT grids). */
#ifndef HP_DAEMON_DERIVED_H
#define HP_DAEMON_DERIVED_H

#include <stdbool.h>

#include "hanp1d/reading.h"

/* On a 3-wire IT grid the meter measures U1 (L1-L2) and U3 (L3-L2) line to line and
 * sends U2 as 0 or not at all. The third side of the voltage triangle follows
 * from the other two at their 60 degree angle: U2 = sqrt(U1^2 + U3^2 - U1 U3).
 * False (nothing derived) when U1 or U3 is missing or U2 is a real value. */
bool hp_derive_u2(const struct hp_reading *r, double *u2);

#endif
