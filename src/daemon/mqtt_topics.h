/* MQTT topic names: the base topic template, availability, discovery. */
#ifndef HP_DAEMON_MQTT_TOPICS_H
#define HP_DAEMON_MQTT_TOPICS_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any topic the daemon publishes: a base of at most HP_TOPIC_MAX plus a
 * meter name per placeholder, plus the longest suffix. */
#define HP_MQTT_TOPIC_MAX 512

/* The placeholder in base_topic. */
#define HP_MQTT_METER_PLACEHOLDER "<meter>"

/* base_topic with every <meter> replaced by the meter's name. -1 when it does not
 * fit. */
int hp_mqtt_base_topic(const char *tmpl, const char *meter, char *out, size_t size);

/* The daemon's own availability topic (the last will): the part of the template
 * before <meter>, then "/status" ("hanp1d/<meter>" -> "hanp1d/status"); a template
 * that starts with <meter> gives "hanp1d/status", one without it "<base>/status".
 * -1 when it does not fit. */
int hp_mqtt_daemon_status_topic(const char *tmpl, char *out, size_t size);

/* Where dynamic prices are read from, beside the daemon's status topic: the part
 * of the template before <meter>, then "/prices" ("hanp1d/<meter>" ->
 * "hanp1d/prices"), with the same rules. -1 when it does not fit. */
int hp_mqtt_prices_topic(const char *tmpl, char *out, size_t size);

/* When topic is "<prefix>/device/hanp1d_<NAME>/config", copies NAME into out and
 * returns true. */
bool hp_mqtt_discovery_meter(const char *prefix, const char *topic, char *out, size_t size);

#endif
