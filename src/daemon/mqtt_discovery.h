/* Home Assistant MQTT device discovery for one meter (home-assistant.md): the
 * retained payload on <prefix>/device/hanp1d_<meter>/config, built from what the
 * meter has sent so far (lazy: a component appears once its key was seen). Pure:
 * tested without a broker. */
#ifndef HP_DAEMON_MQTT_DISCOVERY_H
#define HP_DAEMON_MQTT_DISCOVERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/reading.h"
#include "mqtt_cadence.h"
#include "mqtt_payload.h"

/* The tariff entity's labels (home-assistant.md, Tariff entity). */
enum hp_tariff_style {
	HP_TARIFF_NUMBERS, /* "1".."4": other markets, or tariffs 3 and 4 seen */
	HP_TARIFF_NL,      /* 1 low, 2 normal (NL, LU) */
	HP_TARIFF_BE,      /* 1 normal, 2 low (BE, HU) */
};

/* A sub-meter channel as discovery sees it. */
struct hp_disc_channel {
	bool seen;
	int16_t device_type;
	char unit[8];
	struct hp_cadence cadence;
	char last_time[HP_TIME_MAX]; /* the capture time last seen, for the cadence */
	double last_value;
	bool has_last;
};

/* Everything the announcement depends on. Two equal states give equal payloads. */
struct hp_disc_state {
	uint64_t seen_num; /* bit per enum hp_num */
	bool seen_meter_time, seen_demand_time, seen_message;
	struct hp_mqtt_identity id;
	enum hp_protocol protocol;
	bool seen_tariff_3_4; /* a tariff number above 2, or registers of tariffs 3 and 4 */
	enum hp_tariff_style tariff_style;
	struct hp_cadence power, energy;
	struct hp_disc_channel mbus[HP_MBUS_MAX]; /* by channel number - 1 */
};

/* What does not come from the frames. */
struct hp_disc_config {
	const char *meter;             /* the configured name, [A-Za-z0-9_-] */
	const char *base;              /* the meter's base topic */
	const char *avty[2];           /* availability topics; avty[1] may be NULL */
	const char *device_name;       /* "Electricity meter" */
	const char *configuration_url; /* "" = none */
	const char *sw_version;        /* hanp1d's */
	int qos;
	bool reactive_energy_class; /* ha_reactive_energy_class */
};

void hp_disc_state_init(struct hp_disc_state *s);

/* Takes what a frame shows (mono_ms for the cadences, publish_s the publish
 * interval, 0 = realtime). True when the announcement changed: a new key or
 * channel, an identity, the tariff labels or an expire_after. */
bool hp_disc_observe(struct hp_disc_state *s, const struct hp_reading *r, int64_t mono_ms,
		     unsigned publish_s);

/* True when the meter has sent anything worth announcing. */
bool hp_disc_has_components(const struct hp_disc_state *s);

/* The device discovery payload (a new object). */
json_t *hp_disc_payload(const struct hp_disc_config *c, const struct hp_disc_state *s);

/* "<prefix>/device/hanp1d_<meter>/config"; -1 when it does not fit. */
int hp_disc_topic(const char *prefix, const char *meter, char *out, size_t size);

/* Replaces every character outside [A-Za-z0-9_-] with '_' (object ids, ids). */
void hp_disc_sanitise(const char *in, char *out, size_t size);

#endif
