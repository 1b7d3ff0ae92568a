/* Home Assistant device discovery (mqtt_discovery.h). The rules are those of
 * home-assistant.md: names in HA's `dsmr` style, classes, units, precisions,
 * categories and default enablement per reading key. */
#include "mqtt_discovery.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The power entities never expire sooner than HA's floor; that is also the guess
 * until frames show the meter's pace. */
#define GUESS_POWER_S HP_EXPIRE_MIN_S
/* Registers: in every DSMR telegram (1-10 s); hourly in Norwegian HAN lists. */
#define GUESS_DSMR_REGISTERS_S HP_EXPIRE_MIN_S
#define GUESS_HOURLY_S         7200
/* Gas and water: every 5 minutes in DSMR 5 and e-MUCS, hourly before. */
#define GUESS_MBUS_5MIN_S 600
#define POWER_FACTOR      3
#define REGISTER_FACTOR   2

struct key_rule {
	const char *name;
	const char *dev_cla;  /* NULL: none */
	const char *stat_cla; /* NULL: none */
	const char *unit;     /* NULL: none */
	bool off;             /* enabled_by_default: false */
	bool diagnostic;      /* entity_category: diagnostic */
};

#define MEAS "measurement"
#define INCR "total_increasing"

static const struct key_rule num_rules[HP_NUM_COUNT] = {
    [HP_NUM_POWER_IMPORT_W] = {"Power consumption", "power", MEAS, "W", false, false},
    [HP_NUM_POWER_EXPORT_W] = {"Power production", "power", MEAS, "W", false, false},
    [HP_NUM_REACTIVE_IMPORT_VAR] = {"Reactive power consumption", "reactive_power", MEAS, "var",
				    true, false},
    [HP_NUM_REACTIVE_EXPORT_VAR] = {"Reactive power production", "reactive_power", MEAS, "var",
				    true, false},
    [HP_NUM_APPARENT_POWER_VA] = {"Apparent power", "apparent_power", MEAS, "VA", true, false},
    [HP_NUM_L1_POWER_IMPORT_W] = {"Power consumption phase L1", "power", MEAS, "W", true, false},
    [HP_NUM_L2_POWER_IMPORT_W] = {"Power consumption phase L2", "power", MEAS, "W", true, false},
    [HP_NUM_L3_POWER_IMPORT_W] = {"Power consumption phase L3", "power", MEAS, "W", true, false},
    [HP_NUM_L1_POWER_EXPORT_W] = {"Power production phase L1", "power", MEAS, "W", true, false},
    [HP_NUM_L2_POWER_EXPORT_W] = {"Power production phase L2", "power", MEAS, "W", true, false},
    [HP_NUM_L3_POWER_EXPORT_W] = {"Power production phase L3", "power", MEAS, "W", true, false},
    [HP_NUM_L1_CURRENT_A] = {"Current phase L1", "current", MEAS, "A", true, false},
    [HP_NUM_L2_CURRENT_A] = {"Current phase L2", "current", MEAS, "A", true, false},
    [HP_NUM_L3_CURRENT_A] = {"Current phase L3", "current", MEAS, "A", true, false},
    [HP_NUM_L1_VOLTAGE_V] = {"Voltage phase L1", "voltage", MEAS, "V", true, false},
    [HP_NUM_L2_VOLTAGE_V] = {"Voltage phase L2", "voltage", MEAS, "V", true, false},
    [HP_NUM_L3_VOLTAGE_V] = {"Voltage phase L3", "voltage", MEAS, "V", true, false},
    /* -1..1: a power factor without a unit. */
    [HP_NUM_POWER_FACTOR] = {"Power factor", "power_factor", MEAS, NULL, true, false},
    [HP_NUM_L1_POWER_FACTOR] = {"Power factor phase L1", "power_factor", MEAS, NULL, true, false},
    [HP_NUM_L2_POWER_FACTOR] = {"Power factor phase L2", "power_factor", MEAS, NULL, true, false},
    [HP_NUM_L3_POWER_FACTOR] = {"Power factor phase L3", "power_factor", MEAS, NULL, true, false},
    [HP_NUM_FREQUENCY_HZ] = {"Frequency", "frequency", MEAS, "Hz", true, false},
    [HP_NUM_DEMAND_AVG_W] = {"Current average demand", "power", MEAS, "W", false, false},
    [HP_NUM_DEMAND_MONTH_MAX_W] = {"Maximum demand current month", "power", MEAS, "W", false,
				   false},
    [HP_NUM_ENERGY_IMPORT_KWH] = {"Energy consumption (total)", "energy", INCR, "kWh", false,
				  false},
    [HP_NUM_ENERGY_IMPORT_T1_KWH] = {"Energy consumption (tarif 1)", "energy", INCR, "kWh", false,
				     false},
    [HP_NUM_ENERGY_IMPORT_T2_KWH] = {"Energy consumption (tarif 2)", "energy", INCR, "kWh", false,
				     false},
    [HP_NUM_ENERGY_IMPORT_T3_KWH] = {"Energy consumption (tarif 3)", "energy", INCR, "kWh", false,
				     false},
    [HP_NUM_ENERGY_IMPORT_T4_KWH] = {"Energy consumption (tarif 4)", "energy", INCR, "kWh", false,
				     false},
    [HP_NUM_ENERGY_EXPORT_KWH] = {"Energy production (total)", "energy", INCR, "kWh", false, false},
    [HP_NUM_ENERGY_EXPORT_T1_KWH] = {"Energy production (tarif 1)", "energy", INCR, "kWh", false,
				     false},
    [HP_NUM_ENERGY_EXPORT_T2_KWH] = {"Energy production (tarif 2)", "energy", INCR, "kWh", false,
				     false},
    [HP_NUM_ENERGY_EXPORT_T3_KWH] = {"Energy production (tarif 3)", "energy", INCR, "kWh", false,
				     false},
    [HP_NUM_ENERGY_EXPORT_T4_KWH] = {"Energy production (tarif 4)", "energy", INCR, "kWh", false,
				     false},
    /* The device class only with ha_reactive_energy_class (reactive_class()). */
    [HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH] = {"Reactive energy consumption", NULL, INCR, "kvarh",
					     true, false},
    [HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH] = {"Reactive energy production", NULL, INCR, "kvarh",
					     true, false},
    /* enum: options and template from tariff_component(). */
    [HP_NUM_TARIFF] = {"Active tariff", "enum", NULL, NULL, false, false},
    [HP_NUM_POWER_FAILURES] = {"Short power failure count", NULL, INCR, NULL, true, true},
    [HP_NUM_LONG_POWER_FAILURES] = {"Long power failure count", NULL, INCR, NULL, true, true},
    [HP_NUM_L1_VOLTAGE_SAGS] = {"Voltage sags phase L1", NULL, INCR, NULL, true, true},
    [HP_NUM_L2_VOLTAGE_SAGS] = {"Voltage sags phase L2", NULL, INCR, NULL, true, true},
    [HP_NUM_L3_VOLTAGE_SAGS] = {"Voltage sags phase L3", NULL, INCR, NULL, true, true},
    [HP_NUM_L1_VOLTAGE_SWELLS] = {"Voltage swells phase L1", NULL, INCR, NULL, true, true},
    [HP_NUM_L2_VOLTAGE_SWELLS] = {"Voltage swells phase L2", NULL, INCR, NULL, true, true},
    [HP_NUM_L3_VOLTAGE_SWELLS] = {"Voltage swells phase L3", NULL, INCR, NULL, true, true},
};

/* Templates and topics are built in buffers of this size. */
#define TEXT_MAX 512

void hp_disc_sanitise(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in != '\0' && n + 1 < size; in++) {
		char c = *in;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		out[n++] = ok ? c : '_';
	}
	if (size > 0)
		out[n] = '\0';
}

int hp_disc_topic(const char *prefix, const char *meter, char *out, size_t size)
{
	char object[64];
	hp_disc_sanitise(meter, object, sizeof(object));
	int n = snprintf(out, size, "%s/device/hanp1d_%s/config", prefix, object);
	return n >= 0 && (size_t)n < size ? 0 : -1;
}

void hp_disc_state_init(struct hp_disc_state *s)
{
	memset(s, 0, sizeof(*s));
	s->tariff_style = HP_TARIFF_NUMBERS;
}

/* ---- observing frames ---- */

/* NL and LU send a two-digit DSMR version (1-3:0.2.8); Belgian e-MUCS meters send
 * five digits (0-0:96.1.4, e.g. 50217). HU meters send none and four tariffs, so
 * they get numbers. */
static enum hp_tariff_style tariff_style(const struct hp_disc_state *s)
{
	const char *v = s->id.text[HP_TEXT_DSMR_VERSION];
	if (s->protocol != HP_PROTO_DSMR || s->seen_tariff_3_4)
		return HP_TARIFF_NUMBERS;
	if (strlen(v) == 5)
		return HP_TARIFF_BE;
	if (strlen(v) == 2)
		return HP_TARIFF_NL;
	return HP_TARIFF_NUMBERS;
}

static bool has_part(const struct hp_reading *r, enum hp_mqtt_part part)
{
	for (int k = 0; k < HP_NUM_COUNT; k++)
		if (hp_reading_has(r, (enum hp_num)k) && hp_mqtt_num_part((enum hp_num)k) == part)
			return true;
	return false;
}

/* First sight of a topic's keys sets its cadence up with the family's usual pace. */
static bool observe_cadence(struct hp_cadence *c, unsigned factor, unsigned guess_s,
			    int64_t mono_ms, unsigned publish_s)
{
	if (c->factor == 0)
		hp_cadence_init(c, factor, guess_s);
	return hp_cadence_seen(c, mono_ms, publish_s);
}

static bool mark(bool *seen)
{
	bool was = *seen;
	*seen = true;
	return !was;
}

static unsigned mbus_guess(const struct hp_disc_state *s)
{
	const char *v = s->id.text[HP_TEXT_DSMR_VERSION];
	/* DSMR 5 ("50") and e-MUCS ("50217"): every 5 minutes. */
	return v[0] == '5' ? GUESS_MBUS_5MIN_S : GUESS_HOURLY_S;
}

static bool observe_channel(struct hp_disc_state *s, const struct hp_mbus_reading *m,
			    int64_t mono_ms, unsigned publish_s)
{
	if (m->channel < 1 || m->channel > HP_MBUS_MAX || !m->has_value)
		return false;
	struct hp_disc_channel *c = &s->mbus[m->channel - 1];
	bool changed = false;
	if (!c->seen || c->device_type != m->device_type || strcmp(c->unit, m->unit) != 0) {
		c->seen = true;
		c->device_type = m->device_type;
		snprintf(c->unit, sizeof(c->unit), "%s", m->unit);
		changed = true;
	}
	/* A channel's pace is that of its new values, not of the telegrams repeating
	 * them. */
	if (c->has_last && c->last_value == m->value && strcmp(c->last_time, m->time) == 0)
		return changed;
	c->has_last = true;
	c->last_value = m->value;
	snprintf(c->last_time, sizeof(c->last_time), "%s", m->time);
	return observe_cadence(&c->cadence, REGISTER_FACTOR, mbus_guess(s), mono_ms, publish_s) ||
	       changed;
}

bool hp_disc_observe(struct hp_disc_state *s, const struct hp_reading *r, int64_t mono_ms,
		     unsigned publish_s)
{
	bool changed = false;
	s->protocol = r->protocol;
	if ((s->seen_num | r->num_present) != s->seen_num) {
		s->seen_num |= r->num_present;
		changed = true;
	}
	if (r->text[HP_TEXT_METER_TIME][0] != '\0')
		changed |= mark(&s->seen_meter_time);
	if (r->text[HP_TEXT_DEMAND_MONTH_MAX_TIME][0] != '\0')
		changed |= mark(&s->seen_demand_time);
	if (r->message[0] != '\0')
		changed |= mark(&s->seen_message);
	changed |= hp_mqtt_identity_update(&s->id, r);
	if ((hp_reading_has(r, HP_NUM_TARIFF) && r->num[HP_NUM_TARIFF] > 2) ||
	    hp_reading_has(r, HP_NUM_ENERGY_IMPORT_T3_KWH) ||
	    hp_reading_has(r, HP_NUM_ENERGY_IMPORT_T4_KWH) ||
	    hp_reading_has(r, HP_NUM_ENERGY_EXPORT_T3_KWH) ||
	    hp_reading_has(r, HP_NUM_ENERGY_EXPORT_T4_KWH))
		s->seen_tariff_3_4 = true;
	enum hp_tariff_style style = tariff_style(s);
	if (style != s->tariff_style) {
		s->tariff_style = style;
		changed = true;
	}
	if (has_part(r, HP_PART_POWER) || r->text[HP_TEXT_DEMAND_MONTH_MAX_TIME][0] != '\0')
		changed |=
		    observe_cadence(&s->power, POWER_FACTOR, GUESS_POWER_S, mono_ms, publish_s);
	if (has_part(r, HP_PART_ENERGY) || r->message[0] != '\0')
		changed |= observe_cadence(&s->energy, REGISTER_FACTOR,
					   r->protocol == HP_PROTO_DSMR ? GUESS_DSMR_REGISTERS_S
									: GUESS_HOURLY_S,
					   mono_ms, publish_s);
	for (unsigned i = 0; i < r->mbus_count && i < HP_MBUS_MAX; i++)
		changed |= observe_channel(s, &r->mbus[i], mono_ms, publish_s);
	return changed;
}

/* ---- the payload ---- */

/* suggested_display_precision by unit: W 0, V 1, A 2, kWh 3, m³ 3. */
static int precision(const char *unit)
{
	static const struct {
		const char *unit;
		int digits;
	} table[] = {{"W", 0}, {"V", 1}, {"A", 2}, {"kWh", 3}, {"m\u00b3", 3}};
	for (size_t i = 0; unit != NULL && i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(unit, table[i].unit) == 0)
			return table[i].digits;
	return -1;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, key, json_string(v));
}

static json_t *component(const struct hp_disc_config *c, const char *uniq, const char *name,
			 const char *topic_part, const char *template)
{
	char text[TEXT_MAX];
	json_t *o = json_object();
	json_object_set_new(o, "p", json_string("sensor"));
	json_object_set_new(o, "name", json_string(name));
	snprintf(text, sizeof(text), "hanp1d_%s_%s", c->meter, uniq);
	json_object_set_new(o, "uniq_id", json_string(text));
	snprintf(text, sizeof(text), "%s/%s", c->base, topic_part);
	json_object_set_new(o, "stat_t", json_string(text));
	json_object_set_new(o, "val_tpl", json_string(template));
	return o;
}

static void classes(json_t *o, const char *dev_cla, const char *stat_cla, const char *unit)
{
	set_str(o, "dev_cla", dev_cla);
	set_str(o, "stat_cla", stat_cla);
	set_str(o, "unit_of_meas", unit);
	int digits = precision(unit);
	if (digits >= 0)
		json_object_set_new(o, "sug_dsp_prc", json_integer(digits));
}

static void flags(json_t *o, unsigned expire_s, bool diagnostic, bool off)
{
	if (expire_s > 0)
		json_object_set_new(o, "exp_aft", json_integer(expire_s));
	if (diagnostic)
		json_object_set_new(o, "ent_cat", json_string("diagnostic"));
	if (off)
		json_object_set_new(o, "en", json_false());
}

static void value_template(char *out, size_t size, const char *key)
{
	snprintf(out, size, "{{ value_json.%s | is_defined }}", key);
}

static json_t *tariff_component(const struct hp_disc_config *c, const struct hp_disc_state *s,
				const struct key_rule *rule)
{
	static const char *const numbers[] = {"1", "2", "3", "4"};
	static const char *const low_normal[] = {"low", "normal"};
	const char *template;
	const char *const *options;
	size_t count;
	switch (s->tariff_style) {
	case HP_TARIFF_NL:
		template = "{{ {1: 'low', 2: 'normal'}[value_json.tariff | is_defined] }}";
		options = low_normal;
		count = 2;
		break;
	case HP_TARIFF_BE:
		template = "{{ {1: 'normal', 2: 'low'}[value_json.tariff | is_defined] }}";
		options = low_normal;
		count = 2;
		break;
	default:
		template = "{{ value_json.tariff | is_defined | string }}";
		options = numbers;
		count = 4;
		break;
	}
	json_t *o = component(c, "tariff", rule->name, "energy", template);
	json_object_set_new(o, "dev_cla", json_string("enum"));
	json_t *a = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(a, json_string(options[i]));
	json_object_set_new(o, "options", a);
	flags(o, s->energy.expire_s, rule->diagnostic, rule->off);
	return o;
}

static json_t *num_component(const struct hp_disc_config *c, const struct hp_disc_state *s,
			     enum hp_num k)
{
	const struct key_rule *rule = &num_rules[k];
	if (k == HP_NUM_TARIFF)
		return tariff_component(c, s, rule);
	const char *key = hp_num_key(k);
	char template[TEXT_MAX];
	value_template(template, sizeof(template), key);
	bool power = hp_mqtt_num_part(k) == HP_PART_POWER;
	json_t *o = component(c, key, rule->name, power ? "power" : "energy", template);
	const char *dev_cla = rule->dev_cla;
	if ((k == HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH ||
	     k == HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH) &&
	    c->reactive_energy_class)
		dev_cla = "reactive_energy";
	classes(o, dev_cla, rule->stat_cla, rule->unit);
	flags(o, power ? s->power.expire_s : s->energy.expire_s, rule->diagnostic, rule->off);
	return o;
}

static json_t *timestamp_component(const struct hp_disc_config *c, const char *key,
				   const char *name, const char *part, const char *iso_key,
				   unsigned expire_s)
{
	char template[TEXT_MAX];
	value_template(template, sizeof(template), iso_key);
	json_t *o = component(c, key, name, part, template);
	json_object_set_new(o, "dev_cla", json_string("timestamp"));
	flags(o, expire_s, true, false);
	return o;
}

static json_t *message_component(const struct hp_disc_config *c, const struct hp_disc_state *s)
{
	/* A sensor state holds at most 255 characters; DSMR messages hold up to 1024. */
	json_t *o = component(c, "message", "Text message", "energy",
			      "{{ (value_json.message | is_defined)[:255] }}");
	flags(o, s->energy.expire_s, true, false);
	return o;
}

struct mbus_rule {
	const char *kind;
	const char *name;
	const char *dev_cla;
	const char *units[4]; /* accepted by the device class, as HA writes them */
};

static const struct mbus_rule mbus_rules[] = {
    {"gas", "Gas consumption", "gas", {"m\u00b3"}},
    {"water", "Water consumption", "water", {"m\u00b3", "L"}},
    {"heat", "Heat consumption", "energy", {"GJ", "MJ", "kWh", "MWh"}},
};

/* The HA spelling of a channel unit ("m3" -> "m³"), or NULL when the device class
 * does not take it. */
static const char *mbus_unit(const struct mbus_rule *rule, const char *unit)
{
	const char *ha = strcasecmp(unit, "m3") == 0 ? "m\u00b3" : unit;
	for (size_t i = 0; i < 4 && rule->units[i] != NULL; i++)
		if (strcasecmp(ha, rule->units[i]) == 0)
			return rule->units[i];
	return NULL;
}

static void mbus_components(json_t *cmps, const struct hp_disc_config *c,
			    const struct hp_disc_state *s)
{
	for (unsigned n = 1; n <= HP_MBUS_MAX; n++) {
		const struct hp_disc_channel *ch = &s->mbus[n - 1];
		if (!ch->seen)
			continue;
		const char *kind = hp_mbus_kind(ch->device_type);
		for (size_t i = 0; i < sizeof(mbus_rules) / sizeof(mbus_rules[0]); i++) {
			const struct mbus_rule *rule = &mbus_rules[i];
			const char *unit = mbus_unit(rule, ch->unit);
			if (strcmp(kind, rule->kind) != 0 || unit == NULL)
				continue;
			char id[32], uniq[32], part[16];
			snprintf(id, sizeof(id), "%s_%u", kind, n);
			snprintf(uniq, sizeof(uniq), "mbus%u_%s", n, kind);
			snprintf(part, sizeof(part), "mbus/%u", n);
			json_t *o = component(c, uniq, rule->name, part,
					      "{{ value_json.value | is_defined }}");
			char topic[TEXT_MAX];
			snprintf(topic, sizeof(topic), "%s/%s", c->base, part);
			json_object_set_new(o, "json_attr_t", json_string(topic));
			classes(o, rule->dev_cla, INCR, unit);
			flags(o, ch->cadence.expire_s, false, false);
			json_object_set_new(cmps, id, o);
		}
	}
}

bool hp_disc_has_components(const struct hp_disc_state *s)
{
	bool any = s->seen_num != 0 || s->seen_meter_time || s->seen_demand_time || s->seen_message;
	for (unsigned i = 0; i < HP_MBUS_MAX; i++)
		any = any || s->mbus[i].seen;
	return any;
}

static json_t *device(const struct hp_disc_config *c, const struct hp_disc_state *s)
{
	char text[TEXT_MAX];
	json_t *dev = json_object();
	json_t *ids = json_array();
	snprintf(text, sizeof(text), "hanp1d_%s", c->meter);
	json_array_append_new(ids, json_string(text));
	const char *meter_id = s->id.text[HP_TEXT_METER_ID];
	if (meter_id[0] != '\0') {
		char id[HP_TEXT_MAX];
		hp_disc_sanitise(meter_id, id, sizeof(id));
		snprintf(text, sizeof(text), "hanp1d_%s", id);
		if (strcmp(text, json_string_value(json_array_get(ids, 0))) != 0)
			json_array_append_new(ids, json_string(text));
	}
	json_object_set_new(dev, "ids", ids);
	json_object_set_new(dev, "name", json_string(c->device_name));
	if (s->id.text[HP_TEXT_MANUFACTURER][0] != '\0')
		set_str(dev, "mf", s->id.text[HP_TEXT_MANUFACTURER]);
	if (s->id.text[HP_TEXT_METER_MODEL][0] != '\0')
		set_str(dev, "mdl", s->id.text[HP_TEXT_METER_MODEL]);
	if (meter_id[0] != '\0')
		set_str(dev, "sn", meter_id);
	const char *sw = s->id.text[HP_TEXT_LIST_ID][0] != '\0' ? s->id.text[HP_TEXT_LIST_ID]
								: s->id.text[HP_TEXT_DSMR_VERSION];
	if (sw[0] != '\0')
		set_str(dev, "sw", sw);
	if (c->configuration_url != NULL && c->configuration_url[0] != '\0')
		set_str(dev, "cu", c->configuration_url);
	return dev;
}

json_t *hp_disc_payload(const struct hp_disc_config *c, const struct hp_disc_state *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "dev", device(c, s));
	json_t *origin = json_object();
	json_object_set_new(origin, "name", json_string("hanp1d"));
	json_object_set_new(origin, "sw", json_string(c->sw_version));
	json_object_set_new(o, "o", origin);
	json_t *avty = json_array();
	for (int i = 0; i < 2; i++) {
		if (c->avty[i] == NULL || (i == 1 && strcmp(c->avty[1], c->avty[0]) == 0))
			continue;
		json_t *item = json_object();
		json_object_set_new(item, "t", json_string(c->avty[i]));
		json_array_append_new(avty, item);
	}
	json_object_set_new(o, "avty", avty);
	/* Either the daemon's will or the meter going stale makes the entities
	 * unavailable. */
	if (json_array_size(avty) > 1)
		json_object_set_new(o, "avty_mode", json_string("all"));
	if (c->qos > 0)
		json_object_set_new(o, "qos", json_integer(c->qos));
	json_t *cmps = json_object();
	for (int k = 0; k < HP_NUM_COUNT; k++)
		if ((s->seen_num >> k) & 1u)
			json_object_set_new(cmps, hp_num_key((enum hp_num)k),
					    num_component(c, s, (enum hp_num)k));
	if (s->seen_meter_time)
		json_object_set_new(
		    cmps, "meter_time",
		    timestamp_component(c, "meter_time", "Timestamp", "info", "meter_time_iso", 0));
	if (s->seen_demand_time)
		json_object_set_new(cmps, "demand_month_max_time",
				    timestamp_component(c, "demand_month_max_time", "Peak time",
							"power", "demand_month_max_time_iso",
							s->power.expire_s));
	if (s->seen_message)
		json_object_set_new(cmps, "message", message_component(c, s));
	mbus_components(cmps, c, s);
	json_object_set_new(o, "cmps", cmps);
	return o;
}
