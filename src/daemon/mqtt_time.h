/* Times in MQTT payloads: ISO 8601 with the UTC offset, because Home Assistant
 * rejects a timestamp without one (home-assistant.md, Times). The reading model's
 * times are wall times without an offset; these functions add the offset they have
 * in the meter's own time zone (tz.h), so two meters of one daemon in different
 * zones each get theirs. */
#ifndef HP_DAEMON_MQTT_TIME_H
#define HP_DAEMON_MQTT_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

/* "2025-01-15T17:00:10+01:00": 25 characters and the NUL. */
#define HP_ISO_TIME_MAX 32

/* An instant (wall clock, epoch ms) as local time in zone with its offset, whole
 * seconds. Returns 0, or -1 (out is then "") when the time cannot be represented. */
int hp_mqtt_time_iso(const struct hp_tz *zone, int64_t epoch_ms, char *out, size_t size);

/* A reading-model wall time "YYYY-MM-DDTHH:MM:SS", read in zone, with the offset
 * it had: in the repeated autumn hour dst picks it (1: the summer offset, 0: the
 * winter one, -1 not known: the first occurrence, which is the summer one). A wall
 * time that does not exist (the spring gap) gets the offset in force before the
 * gap. The instant is stored in *epoch_s when that is not NULL. Returns 0, or -1
 * for a text that is not such a time (out is then ""). */
int hp_mqtt_wall_iso(const struct hp_tz *zone, const char *wall, int dst, char *out, size_t size,
		     int64_t *epoch_s);

#endif
