/* Per-meter multipliers (current-transformer installations, Kamstrup meters that
 * count Wh where the Norwegian ones count 10 Wh), applied to every output. */
#ifndef HP_DAEMON_MULTIPLY_H
#define HP_DAEMON_MULTIPLY_H

#include "config.h"
#include "hanp1d/reading.h"

void hp_apply_multipliers(const struct hp_meter_config *m, struct hp_reading *r);

#endif
