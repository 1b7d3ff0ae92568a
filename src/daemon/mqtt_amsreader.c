/* The AMS reader's JSON classic and raw MQTT layouts (mqtt_amsreader.h). */
#include "mqtt_amsreader.h"

#include <math.h>
#include <stdio.h>

/* Fixed decimals per quantity, as the firmware prints them. */
#define DEC_POWER  0
#define DEC_UI     2
#define DEC_ENERGY 3
#define DEC_PF     2

static const enum hp_num phase_current[3] = {HP_NUM_L1_CURRENT_A, HP_NUM_L2_CURRENT_A,
					     HP_NUM_L3_CURRENT_A};
static const enum hp_num phase_voltage[3] = {HP_NUM_L1_VOLTAGE_V, HP_NUM_L2_VOLTAGE_V,
					     HP_NUM_L3_VOLTAGE_V};
static const enum hp_num phase_import[3] = {HP_NUM_L1_POWER_IMPORT_W, HP_NUM_L2_POWER_IMPORT_W,
					    HP_NUM_L3_POWER_IMPORT_W};
static const enum hp_num phase_export[3] = {HP_NUM_L1_POWER_EXPORT_W, HP_NUM_L2_POWER_EXPORT_W,
					    HP_NUM_L3_POWER_EXPORT_W};
static const enum hp_num phase_pf[3] = {HP_NUM_L1_POWER_FACTOR, HP_NUM_L2_POWER_FACTOR,
					HP_NUM_L3_POWER_FACTOR};

/* The registers of list 3 and their JSON classic keys. */
static const struct {
	enum hp_num num;
	const char *key;
	const char *raw; /* below meter/ */
} registers[] = {
    {HP_NUM_ENERGY_IMPORT_KWH, "tPI", "import/active/accumulated"},
    {HP_NUM_ENERGY_IMPORT_T1_KWH, "tPIT1", "import/active/accumulated/tariff1"},
    {HP_NUM_ENERGY_IMPORT_T2_KWH, "tPIT2", "import/active/accumulated/tariff2"},
    {HP_NUM_ENERGY_EXPORT_KWH, "tPO", "export/active/accumulated"},
    {HP_NUM_ENERGY_EXPORT_T1_KWH, "tPOT1", "export/active/accumulated/tariff1"},
    {HP_NUM_ENERGY_EXPORT_T2_KWH, "tPOT2", "export/active/accumulated/tariff2"},
    {HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH, "tQI", "import/reactive/accumulated"},
    {HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH, "tQO", "export/reactive/accumulated"},
};
#define REGISTER_COUNT (sizeof(registers) / sizeof(registers[0]))

static bool any_of(const struct hp_reading *r, const enum hp_num *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hp_reading_has(r, keys[i]))
			return true;
	return false;
}

static bool has_register(const struct hp_reading *r)
{
	for (size_t i = 0; i < REGISTER_COUNT; i++)
		if (hp_reading_has(r, registers[i].num))
			return true;
	return false;
}

int hp_ams_list(const struct hp_reading *r)
{
	if (any_of(r, phase_import, 3) || any_of(r, phase_export, 3) || any_of(r, phase_pf, 3) ||
	    hp_reading_has(r, HP_NUM_POWER_FACTOR))
		return 4;
	if (has_register(r))
		return 3;
	static const enum hp_num list2[] = {HP_NUM_REACTIVE_IMPORT_VAR, HP_NUM_REACTIVE_EXPORT_VAR,
					    HP_NUM_POWER_EXPORT_W};
	if (any_of(r, phase_current, 3) || any_of(r, phase_voltage, 3) || any_of(r, list2, 3) ||
	    r->text[HP_TEXT_METER_ID][0] != '\0')
		return 2;
	return 1;
}

static double round_to(double v, int decimals)
{
	double scale = pow(10, decimals);
	return round(v * scale) / scale;
}

/* The value with the firmware's decimals; 0 when the frame lacks it. */
static json_t *value(const struct hp_reading *r, enum hp_num k, int decimals)
{
	double v = hp_reading_has(r, k) ? r->num[k] : 0;
	if (decimals == 0)
		return json_integer((json_int_t)llround(v));
	return json_real(round_to(v, decimals));
}

static void put(json_t *o, const char *key, const struct hp_reading *r, enum hp_num k, int decimals)
{
	json_object_set_new(o, key, value(r, k, decimals));
}

static void put_phases(json_t *o, const char *prefix, const struct hp_reading *r,
		       const enum hp_num *keys, int decimals)
{
	for (int i = 0; i < 3; i++) {
		char key[8];
		snprintf(key, sizeof(key), "%s%d", prefix, i + 1);
		put(o, key, r, keys[i], decimals);
	}
}

static const char *list_version(const struct hp_reading *r)
{
	return r->text[HP_TEXT_LIST_ID][0] != '\0' ? r->text[HP_TEXT_LIST_ID]
						   : r->text[HP_TEXT_DSMR_VERSION];
}

static json_t *data(const struct hp_mqtt_frame *f)
{
	const struct hp_reading *r = f->r;
	int list = hp_ams_list(r);
	json_t *d = json_object();
	if (list >= 2) {
		json_object_set_new(d, "lv", json_string(list_version(r)));
		json_object_set_new(d, "meterId", json_string(r->text[HP_TEXT_METER_ID]));
		json_object_set_new(d, "type", json_string(r->text[HP_TEXT_METER_MODEL]));
	}
	put(d, "P", r, HP_NUM_POWER_IMPORT_W, DEC_POWER);
	if (list == 1)
		return d;
	put(d, "Q", r, HP_NUM_REACTIVE_IMPORT_VAR, DEC_POWER);
	put(d, "PO", r, HP_NUM_POWER_EXPORT_W, DEC_POWER);
	put(d, "QO", r, HP_NUM_REACTIVE_EXPORT_VAR, DEC_POWER);
	put_phases(d, "I", r, phase_current, DEC_UI);
	put_phases(d, "U", r, phase_voltage, DEC_UI);
	if (list == 2)
		return d;
	for (size_t i = 0; i < REGISTER_COUNT; i++)
		if (hp_reading_has(r, registers[i].num))
			put(d, registers[i].key, r, registers[i].num, DEC_ENERGY);
	json_object_set_new(d, "rtc", json_integer(f->meter_time_epoch_s));
	if (list == 3)
		return d;
	put_phases(d, "P", r, phase_import, DEC_POWER);
	put_phases(d, "PO", r, phase_export, DEC_POWER);
	put(d, "PF", r, HP_NUM_POWER_FACTOR, DEC_PF);
	put_phases(d, "PF", r, phase_pf, DEC_PF);
	return d;
}

json_t *hp_ams_json(const struct hp_mqtt_frame *f, const struct hp_ams_env *env)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(env->id));
	json_object_set_new(o, "name", json_string(env->name));
	json_object_set_new(o, "up", json_integer(env->uptime_s));
	json_object_set_new(o, "t", json_integer(f->wall_ms / 1000));
	json_object_set_new(o, "vcc", json_integer(0));
	json_object_set_new(o, "rssi", json_integer(0));
	json_object_set_new(o, "temp", json_real(round_to(env->temp_c, 2)));
	json_object_set_new(o, "data", data(f));
	return o;
}

/* ---- raw ---- */

static void emit_num(hp_ams_emit_fn fn, void *ctx, const char *topic, const struct hp_reading *r,
		     enum hp_num k, int decimals, bool retain)
{
	if (!hp_reading_has(r, k))
		return;
	char text[32];
	snprintf(text, sizeof(text), "%.*f", decimals, round_to(r->num[k], decimals));
	fn(ctx, topic, text, retain);
}

static void emit_int(hp_ams_emit_fn fn, void *ctx, const char *topic, int64_t v, bool retain)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)v);
	fn(ctx, topic, text, retain);
}

void hp_ams_raw(const struct hp_mqtt_frame *f, const struct hp_ams_env *env, hp_ams_emit_fn fn,
		void *ctx)
{
	const struct hp_reading *r = f->r;
	bool with_registers = has_register(r);
	char topic[64];
	emit_int(fn, ctx, "meter/dlms/timestamp", f->wall_ms / 1000, false);
	if (f->meter_time_iso[0] != '\0')
		emit_int(fn, ctx, "meter/clock", f->meter_time_epoch_s, false);
	if (r->text[HP_TEXT_METER_ID][0] != '\0')
		fn(ctx, "meter/id", r->text[HP_TEXT_METER_ID], with_registers);
	if (r->text[HP_TEXT_METER_MODEL][0] != '\0')
		fn(ctx, "meter/type", r->text[HP_TEXT_METER_MODEL], with_registers);
	emit_num(fn, ctx, "meter/import/active", r, HP_NUM_POWER_IMPORT_W, DEC_POWER, false);
	emit_num(fn, ctx, "meter/export/active", r, HP_NUM_POWER_EXPORT_W, DEC_POWER, false);
	emit_num(fn, ctx, "meter/import/reactive", r, HP_NUM_REACTIVE_IMPORT_VAR, DEC_POWER, false);
	emit_num(fn, ctx, "meter/export/reactive", r, HP_NUM_REACTIVE_EXPORT_VAR, DEC_POWER, false);
	for (int i = 0; i < 3; i++) {
		snprintf(topic, sizeof(topic), "meter/l%d/current", i + 1);
		emit_num(fn, ctx, topic, r, phase_current[i], DEC_UI, false);
		snprintf(topic, sizeof(topic), "meter/l%d/voltage", i + 1);
		emit_num(fn, ctx, topic, r, phase_voltage[i], DEC_UI, false);
	}
	for (size_t i = 0; i < REGISTER_COUNT; i++) {
		snprintf(topic, sizeof(topic), "meter/%s", registers[i].raw);
		emit_num(fn, ctx, topic, r, registers[i].num, DEC_ENERGY, true);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(topic, sizeof(topic), "meter/import/l%d", i + 1);
		emit_num(fn, ctx, topic, r, phase_import[i], DEC_POWER, false);
		snprintf(topic, sizeof(topic), "meter/export/l%d", i + 1);
		emit_num(fn, ctx, topic, r, phase_export[i], DEC_POWER, false);
	}
	emit_num(fn, ctx, "meter/powerfactor", r, HP_NUM_POWER_FACTOR, DEC_PF, false);
	for (int i = 0; i < 3; i++) {
		snprintf(topic, sizeof(topic), "meter/l%d/powerfactor", i + 1);
		emit_num(fn, ctx, topic, r, phase_pf[i], DEC_PF, false);
	}
	if (env->id[0] != '\0')
		fn(ctx, "id", env->id, true);
	emit_int(fn, ctx, "uptime", env->uptime_s, false);
}
