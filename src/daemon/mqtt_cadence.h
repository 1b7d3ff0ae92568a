/* How often a meter sends something, for Home Assistant's expire_after
 * (home-assistant.md, Sensor fields): power 3 x the observed interval of frames
 * with power, registers and M-Bus channels 2 x their own; never below 30 s.
 *
 * The interval is the shortest of the last few seen, so one lost frame does not
 * double it; the announced value only moves when the new one differs by more than a
 * quarter, so jitter does not re-announce the device every hour. */
#ifndef HP_DAEMON_MQTT_CADENCE_H
#define HP_DAEMON_MQTT_CADENCE_H

#include <stdbool.h>
#include <stdint.h>

/* Intervals remembered. */
#define HP_CADENCE_KEEP 3
/* Home Assistant's floor for expire_after, in seconds. */
#define HP_EXPIRE_MIN_S 30

struct hp_cadence {
	int64_t last_ms; /* monotonic; 0 = nothing seen */
	int64_t intervals_ms[HP_CADENCE_KEEP];
	unsigned count;
	unsigned factor;   /* 3 for power, 2 for registers and channels */
	unsigned expire_s; /* what is announced; the guess until intervals are seen */
};

/* guess_s: expire_after before any interval is seen (the meter family's usual one). */
void hp_cadence_init(struct hp_cadence *c, unsigned factor, unsigned guess_s);

/* Something arrived at mono_ms. publish_s: the publish interval (0 = every frame),
 * which is a floor for the interval. True when expire_s changed. */
bool hp_cadence_seen(struct hp_cadence *c, int64_t mono_ms, unsigned publish_s);

#endif
