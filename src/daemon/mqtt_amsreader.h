/* The AMS reader's MQTT layouts (amsreader-compat.md, MQTT), for `format =
 * amsreader`: setups built on that firmware keep working when they switch.
 *
 *   <base>              JSON classic (format 0): envelope + `data` of list 1..4
 *   <base>/meter/...    raw full (format 2): one plain value per topic
 *
 * The list number follows the keys the frame has (1: power only; 2: + voltage,
 * current, reactive power or ids; 3: + registers; 4: + per-phase power or power
 * factor). As the firmware does, a value of the list that the frame lacks is sent as
 * 0; registers are the exception: one the frame lacks is left out, because 0 in a
 * total_increasing register reads as a meter reset. Keys the reading model has no
 * source for (per-phase energy tPI1..tPO3, realtime accounting, prices) are not
 * sent. */
#ifndef HP_DAEMON_MQTT_AMSREADER_H
#define HP_DAEMON_MQTT_AMSREADER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "mqtt_payload.h"

/* The envelope: what the firmware says about its board. */
struct hp_ams_env {
	const char *id;   /* MAC address, "" when unknown */
	const char *name; /* MQTT client id */
	int64_t uptime_s;
	double temp_c; /* CPU temperature, 0 when unknown */
};

/* 1..4 as above. */
int hp_ams_list(const struct hp_reading *r);

/* JSON classic: {"id","name","up","t","vcc","rssi","temp","data":{...}} (new). */
json_t *hp_ams_json(const struct hp_mqtt_frame *f, const struct hp_ams_env *env);

/* Raw full: fn gets each topic below <base> ("meter/import/active", ...), its value
 * as text and whether it is retained. */
typedef void (*hp_ams_emit_fn)(void *ctx, const char *subtopic, const char *value, bool retain);
void hp_ams_raw(const struct hp_mqtt_frame *f, const struct hp_ams_env *env, hp_ams_emit_fn fn,
		void *ctx);

#endif
