/* The hanp1d MQTT state payloads (home-assistant.md, Topics): pure functions from a
 * reading to JSON, tested without a broker.
 *
 *   <base>/state      the whole reading (reading-model keys) plus the times below
 *   <base>/power      the instantaneous keys of the frame, plus `time`
 *   <base>/energy     the register keys, only when the frame had them, plus `time`
 *   <base>/accounting the running hour/day/month figures and the current peak,
 *                     plus `time`: never a register
 *   <base>/info       identity, and the meter clock when the frame had one, plus `time`
 *   <base>/mbus/<n>   one sub-meter channel as the reading model has it
 *
 * `time` is when the daemon received the frame and `meter_time_iso` /
 * `demand_month_max_time_iso` are the wall times with their UTC offset
 * (mqtt_time.h); the wall-time keys stay as the reading model has them. */
#ifndef HP_DAEMON_MQTT_PAYLOAD_H
#define HP_DAEMON_MQTT_PAYLOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hanp1d/reading.h"
#include "mqtt_time.h"

/* Which state topic carries a reading key. */
enum hp_mqtt_part { HP_PART_POWER, HP_PART_ENERGY, HP_PART_INFO };

/* The instantaneous table of reading-model.md goes to `power`, the register table
 * (registers, tariff, counters) to `energy`. */
enum hp_mqtt_part hp_mqtt_num_part(enum hp_num field);

/* The identity a meter has shown so far: frames of a list without ids (Kaifa list
 * 1) keep the last one known. */
struct hp_mqtt_identity {
	char text[HP_TEXT_METER_TIME][HP_TEXT_MAX]; /* meter_id .. dsmr_version, "" = unknown */
};

/* Takes the identity keys the reading has; true when one of them changed. */
bool hp_mqtt_identity_update(struct hp_mqtt_identity *id, const struct hp_reading *r);

/* One frame prepared once for every payload built from it. */
struct hp_mqtt_frame {
	const struct hp_reading *r;
	const struct hp_tz *zone; /* the meter's: the offsets of the times below */
	int64_t wall_ms;
	json_t *full; /* hp_reading_to_json */
	char time[HP_ISO_TIME_MAX];
	char meter_time_iso[HP_ISO_TIME_MAX];  /* "" when the frame has no valid clock */
	char demand_time_iso[HP_ISO_TIME_MAX]; /* "" when absent */
	int64_t meter_time_epoch_s;            /* 0 when meter_time_iso is "" */
};

/* zone: the meter's time zone (tz.h), which its wall times are in. */
void hp_mqtt_frame_init(struct hp_mqtt_frame *f, const struct hp_reading *r, int64_t wall_ms,
			const struct hp_tz *zone);
void hp_mqtt_frame_free(struct hp_mqtt_frame *f);

/* New objects (the caller owns them); NULL when the topic has nothing from this
 * frame. */
json_t *hp_mqtt_state_json(const struct hp_mqtt_frame *f);
json_t *hp_mqtt_power_json(const struct hp_mqtt_frame *f);
/* accounting: the running hour/day/month import/export and current peak
 * (hp_accounting_mqtt_json), added under "accounting" when not NULL (borrowed). */
json_t *hp_mqtt_energy_json(const struct hp_mqtt_frame *f, json_t *accounting);
/* The running figures on their own, for frames with or without registers: the keys
 * of accounting (borrowed) plus `time`; NULL when accounting is NULL. Registers
 * come hourly from some meters (Norway), and the `energy` topic carries only what
 * a frame had, since Home Assistant's register sensors read it (a payload without
 * their keys would make their templates fail and restart their expire_after). */
json_t *hp_mqtt_accounting_json(const struct hp_mqtt_frame *f, json_t *accounting);
json_t *hp_mqtt_info_json(const struct hp_mqtt_frame *f, const struct hp_mqtt_identity *id);
/* The channel object of the frame's mbus array at index i (0-based), or NULL. */
json_t *hp_mqtt_mbus_json(const struct hp_mqtt_frame *f, unsigned i);

/* A JSON scalar as the plain text of a per-value topic: numbers as JSON prints them,
 * strings without quotes, booleans as true/false. Returns the length, or -1 when v
 * is not a scalar or does not fit. */
int hp_mqtt_scalar_text(const json_t *v, char *out, size_t size);

#endif
