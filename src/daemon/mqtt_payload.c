/* The hanp1d MQTT state payloads (mqtt_payload.h). */
#include "mqtt_payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reading_json.h"

/* reading.h lists the instantaneous keys first, ending with the Belgian demand
 * keys, then the registers: the split below relies on it. */
_Static_assert(HP_NUM_DEMAND_MONTH_MAX_W + 1 == HP_NUM_ENERGY_IMPORT_KWH, "key order");
/* The identity keys come first among the text keys, up to the meter clock. */
_Static_assert(HP_TEXT_DSMR_VERSION + 1 == HP_TEXT_METER_TIME, "text key order");

enum hp_mqtt_part hp_mqtt_num_part(enum hp_num field)
{
	return field <= HP_NUM_DEMAND_MONTH_MAX_W ? HP_PART_POWER : HP_PART_ENERGY;
}

bool hp_mqtt_identity_update(struct hp_mqtt_identity *id, const struct hp_reading *r)
{
	bool changed = false;
	for (int t = 0; t < HP_TEXT_METER_TIME; t++) {
		if (r->text[t][0] == '\0' || strcmp(id->text[t], r->text[t]) == 0)
			continue;
		snprintf(id->text[t], sizeof(id->text[t]), "%s", r->text[t]);
		changed = true;
	}
	return changed;
}

void hp_mqtt_frame_init(struct hp_mqtt_frame *f, const struct hp_reading *r, int64_t wall_ms,
			const struct hp_tz *zone)
{
	memset(f, 0, sizeof(*f));
	f->r = r;
	f->zone = zone;
	f->wall_ms = wall_ms;
	f->full = hp_reading_to_json(r);
	hp_mqtt_time_iso(zone, wall_ms, f->time, sizeof(f->time));
	if (hp_mqtt_wall_iso(zone, r->text[HP_TEXT_METER_TIME], r->meter_time_dst,
			     f->meter_time_iso, sizeof(f->meter_time_iso),
			     &f->meter_time_epoch_s) != 0)
		f->meter_time_epoch_s = 0;
	/* The reading keeps no S/W flag of its own for the peak time: first occurrence. */
	hp_mqtt_wall_iso(zone, r->text[HP_TEXT_DEMAND_MONTH_MAX_TIME], -1, f->demand_time_iso,
			 sizeof(f->demand_time_iso), NULL);
}

void hp_mqtt_frame_free(struct hp_mqtt_frame *f)
{
	json_decref(f->full);
	f->full = NULL;
}

/* Copies key from the full reading into o when the frame has it. */
static bool copy_key(json_t *o, const struct hp_mqtt_frame *f, const char *key)
{
	json_t *v = json_object_get(f->full, key);
	if (v == NULL)
		return false;
	json_object_set(o, key, v);
	return true;
}

static void set_text(json_t *o, const char *key, const char *s)
{
	if (s[0] != '\0')
		json_object_set_new(o, key, json_string(s));
}

json_t *hp_mqtt_state_json(const struct hp_mqtt_frame *f)
{
	json_t *o = json_deep_copy(f->full);
	set_text(o, "meter_time_iso", f->meter_time_iso);
	set_text(o, "demand_month_max_time_iso", f->demand_time_iso);
	set_text(o, "time", f->time);
	return o;
}

/* The numeric keys of one part, in reading-model order; the count copied. */
static int copy_part(json_t *o, const struct hp_mqtt_frame *f, enum hp_mqtt_part part)
{
	int n = 0;
	for (int k = 0; k < HP_NUM_COUNT; k++)
		if (hp_mqtt_num_part((enum hp_num)k) == part &&
		    hp_reading_has(f->r, (enum hp_num)k))
			n += copy_key(o, f, hp_num_key((enum hp_num)k));
	return n;
}

json_t *hp_mqtt_power_json(const struct hp_mqtt_frame *f)
{
	json_t *o = json_object();
	int n = copy_part(o, f, HP_PART_POWER);
	if (copy_key(o, f, "demand_month_max_time")) {
		n++;
		set_text(o, "demand_month_max_time_iso", f->demand_time_iso);
	}
	if (n == 0) {
		json_decref(o);
		return NULL;
	}
	set_text(o, "time", f->time);
	return o;
}

json_t *hp_mqtt_energy_json(const struct hp_mqtt_frame *f, json_t *accounting)
{
	json_t *o = json_object();
	int n = copy_part(o, f, HP_PART_ENERGY);
	n += copy_key(o, f, "message");
	if (n == 0) {
		json_decref(o);
		return NULL;
	}
	if (accounting != NULL)
		json_object_set(o, "accounting", accounting);
	set_text(o, "time", f->time);
	return o;
}

json_t *hp_mqtt_accounting_json(const struct hp_mqtt_frame *f, json_t *accounting)
{
	if (!json_is_object(accounting))
		return NULL;
	json_t *o = json_deep_copy(accounting);
	set_text(o, "time", f->time);
	return o;
}

json_t *hp_mqtt_info_json(const struct hp_mqtt_frame *f, const struct hp_mqtt_identity *id)
{
	bool has_clock = f->r->text[HP_TEXT_METER_TIME][0] != '\0';
	bool any = has_clock;
	for (int t = 0; t < HP_TEXT_METER_TIME; t++)
		any = any || f->r->text[t][0] != '\0';
	if (!any)
		return NULL;
	json_t *o = json_object();
	for (int t = 0; t < HP_TEXT_METER_TIME; t++)
		set_text(o, hp_text_key((enum hp_text)t), id->text[t]);
	if (has_clock) {
		copy_key(o, f, "meter_time");
		copy_key(o, f, "meter_time_dst");
		set_text(o, "meter_time_iso", f->meter_time_iso);
	}
	set_text(o, "time", f->time);
	return o;
}

json_t *hp_mqtt_mbus_json(const struct hp_mqtt_frame *f, unsigned i)
{
	json_t *channel = json_array_get(json_object_get(f->full, "mbus"), i);
	return channel != NULL ? json_deep_copy(channel) : NULL;
}

int hp_mqtt_scalar_text(const json_t *v, char *out, size_t size)
{
	const char *s = NULL;
	char *dumped = NULL;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_number(v) || json_is_boolean(v))
		s = dumped = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	if (s == NULL)
		return -1;
	size_t len = strlen(s);
	int rc = len < size ? (int)len : -1;
	if (rc >= 0)
		memcpy(out, s, len + 1);
	free(dumped);
	return rc;
}
