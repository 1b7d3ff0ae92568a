/* Whether a reading fits the installation the config describes (main_fuse_a,
 * voltage, phases, production_kwp). A value far outside it points at a wrong
 * multiplier (a Kamstrup's Wh read as 10 Wh), a misread list or the wrong meter;
 * the status says which value, so the user need not guess. Nothing is dropped:
 * the meter may know better than the config. */
#ifndef HP_DAEMON_PLAUSIBLE_H
#define HP_DAEMON_PLAUSIBLE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "hanp1d/reading.h"

/* How far beyond what the installation allows a value may go and still pass:
 * fuses carry several times their rating for a while; a tenfold error does not. */
#define HP_PLAUSIBLE_FACTOR 3.0

/* The power the main fuse lets through, W: fuse x voltage, times sqrt(3) on three
 * phases (voltage is the line-to-line voltage there); 0 when no fuse is set. */
double hp_fuse_power_w(const struct hp_meter_config *m);

/* true when every value r carries is plausible for m; else false with the first
 * value that is not, in words, in why. */
bool hp_plausible(const struct hp_meter_config *m, const struct hp_reading *r, char *why,
		  size_t why_size);

#endif
