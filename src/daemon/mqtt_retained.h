/* The retained topics the daemon leaves on the broker, remembered in the state
 * directory. Retained messages outlive the configuration that made them: after a
 * change of discovery_prefix, base_topic or format, a meter renamed or removed, or
 * discovery turned off, the old discovery configs would keep Home Assistant's
 * devices alive and the old availability and info topics would linger. So the
 * topics of the current configuration are written to a file beside the history
 * database, and those of the previous run that the current one does not use are
 * cleared (an empty retained payload) on the next connect, then forgotten.
 *
 * (The subscription to <prefix>/device/+/config in mqtt.c covers what this file
 * cannot: announcements made before the file existed, under the current prefix.) */
#ifndef HP_DAEMON_MQTT_RETAINED_H
#define HP_DAEMON_MQTT_RETAINED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "mqtt_topics.h"

struct hp_mqtt_sink;

struct hp_mqtt_retained {
	char path[HP_PATH_MAX]; /* "" = not kept */
	json_t *current;        /* array of the current configuration's topics */
	json_t *stale;          /* array of the earlier ones it does not use */
	bool warned;            /* a file problem was logged */
};

/* The file of a history database: "<its path without .db>-mqtt.json" (one per
 * database, as daemons never share one). False when it does not fit. */
bool hp_mqtt_retained_path(const char *store_path, char *out, size_t size);

/* path "" or NULL: nothing kept (and nothing cleared). */
void hp_mqtt_retained_init(struct hp_mqtt_retained *r, const char *path);
void hp_mqtt_retained_free(struct hp_mqtt_retained *r);

/* A retained topic of the current configuration (before hp_mqtt_retained_load). */
void hp_mqtt_retained_add(struct hp_mqtt_retained *r, const char *topic);

/* Reads the previous run's topics: those not in the current list become stale.
 * The file is rewritten with both, so a stop before they are cleared forgets none.
 * Returns the number of stale topics. */
unsigned hp_mqtt_retained_load(struct hp_mqtt_retained *r);

/* Publishes an empty retained payload on every stale topic (after a connect). When
 * the sink took them all, they are forgotten and the file lists the current topics
 * only. Returns the number cleared. */
unsigned hp_mqtt_retained_clear(struct hp_mqtt_retained *r, const struct hp_mqtt_sink *sink);

#endif
