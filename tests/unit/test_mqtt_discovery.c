/* Home Assistant device discovery against home-assistant.md: every field of every
 * component checked against the doc's rules (restated here as an independent
 * table), for a Kaifa NO meter (lists 1, 2, 3 at their cadences), a DSMR 5 meter with
 * gas, a Belgian e-MUCS meter with gas and water, and a Hungarian one; plus the
 * doc's complete example, lazy announcement and the expire_after cadences. */
#include "mqtt_discovery.h"
#include "test_mqtt_fixture.h"

/* ---- the doc's rules, restated ---- */

struct rule {
	const char *key;
	const char *name;
	const char *dev_cla, *stat_cla, *unit;
	int precision; /* -1: none */
	bool enabled, diagnostic;
	const char *part; /* state topic suffix */
};

#define M "measurement"
#define T "total_increasing"

static const struct rule rules[] = {
    {"power_import_w", "Power consumption", "power", M, "W", 0, true, false, "power"},
    {"power_export_w", "Power production", "power", M, "W", 0, true, false, "power"},
    {"reactive_import_var", "Reactive power consumption", "reactive_power", M, "var", -1, false,
     false, "power"},
    {"reactive_export_var", "Reactive power production", "reactive_power", M, "var", -1, false,
     false, "power"},
    {"apparent_power_va", "Apparent power", "apparent_power", M, "VA", -1, false, false, "power"},
    {"l1_power_import_w", "Power consumption phase L1", "power", M, "W", 0, false, false, "power"},
    {"l2_power_import_w", "Power consumption phase L2", "power", M, "W", 0, false, false, "power"},
    {"l3_power_import_w", "Power consumption phase L3", "power", M, "W", 0, false, false, "power"},
    {"l1_power_export_w", "Power production phase L1", "power", M, "W", 0, false, false, "power"},
    {"l2_power_export_w", "Power production phase L2", "power", M, "W", 0, false, false, "power"},
    {"l3_power_export_w", "Power production phase L3", "power", M, "W", 0, false, false, "power"},
    {"l1_current_a", "Current phase L1", "current", M, "A", 2, false, false, "power"},
    {"l2_current_a", "Current phase L2", "current", M, "A", 2, false, false, "power"},
    {"l3_current_a", "Current phase L3", "current", M, "A", 2, false, false, "power"},
    {"l1_voltage_v", "Voltage phase L1", "voltage", M, "V", 1, false, false, "power"},
    {"l2_voltage_v", "Voltage phase L2", "voltage", M, "V", 1, false, false, "power"},
    {"l3_voltage_v", "Voltage phase L3", "voltage", M, "V", 1, false, false, "power"},
    {"power_factor", "Power factor", "power_factor", M, NULL, -1, false, false, "power"},
    {"l1_power_factor", "Power factor phase L1", "power_factor", M, NULL, -1, false, false,
     "power"},
    {"l2_power_factor", "Power factor phase L2", "power_factor", M, NULL, -1, false, false,
     "power"},
    {"l3_power_factor", "Power factor phase L3", "power_factor", M, NULL, -1, false, false,
     "power"},
    {"frequency_hz", "Frequency", "frequency", M, "Hz", -1, false, false, "power"},
    {"demand_avg_w", "Current average demand", "power", M, "W", 0, true, false, "power"},
    {"demand_month_max_w", "Maximum demand current month", "power", M, "W", 0, true, false,
     "power"},
    {"energy_import_kwh", "Energy consumption (total)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_import_t1_kwh", "Energy consumption (tarif 1)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_import_t2_kwh", "Energy consumption (tarif 2)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_import_t3_kwh", "Energy consumption (tarif 3)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_import_t4_kwh", "Energy consumption (tarif 4)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_export_kwh", "Energy production (total)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_export_t1_kwh", "Energy production (tarif 1)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_export_t2_kwh", "Energy production (tarif 2)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_export_t3_kwh", "Energy production (tarif 3)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"energy_export_t4_kwh", "Energy production (tarif 4)", "energy", T, "kWh", 3, true, false,
     "energy"},
    {"reactive_energy_import_kvarh", "Reactive energy consumption", NULL, T, "kvarh", -1, false,
     false, "energy"},
    {"reactive_energy_export_kvarh", "Reactive energy production", NULL, T, "kvarh", -1, false,
     false, "energy"},
    {"tariff", "Active tariff", "enum", NULL, NULL, -1, true, false, "energy"},
    {"power_failures", "Short power failure count", NULL, T, NULL, -1, false, true, "energy"},
    {"long_power_failures", "Long power failure count", NULL, T, NULL, -1, false, true, "energy"},
    {"l1_voltage_sags", "Voltage sags phase L1", NULL, T, NULL, -1, false, true, "energy"},
    {"l2_voltage_sags", "Voltage sags phase L2", NULL, T, NULL, -1, false, true, "energy"},
    {"l3_voltage_sags", "Voltage sags phase L3", NULL, T, NULL, -1, false, true, "energy"},
    {"l1_voltage_swells", "Voltage swells phase L1", NULL, T, NULL, -1, false, true, "energy"},
    {"l2_voltage_swells", "Voltage swells phase L2", NULL, T, NULL, -1, false, true, "energy"},
    {"l3_voltage_swells", "Voltage swells phase L3", NULL, T, NULL, -1, false, true, "energy"},
    {"message", "Text message", NULL, NULL, NULL, -1, true, true, "energy"},
    {"meter_time", "Timestamp", "timestamp", NULL, NULL, -1, true, true, "info"},
    {"demand_month_max_time", "Peak time", "timestamp", NULL, NULL, -1, true, true, "power"},
    {"gas_1", "Gas consumption", "gas", T, "m\u00b3", 3, true, false, "mbus/1"},
    {"water_2", "Water consumption", "water", T, "m\u00b3", 3, true, false, "mbus/2"},
};

static const struct rule *rule_of(const char *key)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].key, key) == 0)
			return &rules[i];
	return NULL;
}

/* The only keys a component may have. */
static const char *const allowed[] = {"p",           "name",       "uniq_id",  "stat_t",
				      "val_tpl",     "dev_cla",    "stat_cla", "unit_of_meas",
				      "sug_dsp_prc", "exp_aft",    "ent_cat",  "en",
				      "options",     "json_attr_t"};

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool str_is(const json_t *o, const char *key, const char *want)
{
	const char *v = str(o, key);
	return want == NULL ? json_object_get(o, key) == NULL : v != NULL && strcmp(v, want) == 0;
}

struct expect {
	const char *meter, *base;
	unsigned power_exp, energy_exp, mbus_exp;
	bool reactive_class;
	const char *tariff_template;
	const char *tariff_options; /* as JSON */
};

/* One component against the rules. */
static void check_component(const char *id, const json_t *c, const struct expect *x)
{
	const struct rule *r = rule_of(id);
	CHECK_MSG(r != NULL, "unexpected component %s", id);
	if (r == NULL)
		return;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)c, k, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			ok = ok || strcmp(allowed[i], k) == 0;
		CHECK_MSG(ok, "%s: key %s", id, k);
	}
	CHECK_MSG(str_is(c, "p", "sensor"), "%s: p", id);
	CHECK_MSG(str_is(c, "name", r->name), "%s: name %s", id, str(c, "name"));
	char want[256];
	bool mbus = strncmp(r->part, "mbus/", 5) == 0;
	if (mbus)
		snprintf(want, sizeof(want), "hanp1d_%s_mbus%s_%.*s", x->meter, r->part + 5,
			 (int)strcspn(id, "_"), id);
	else
		snprintf(want, sizeof(want), "hanp1d_%s_%s", x->meter, id);
	CHECK_MSG(str_is(c, "uniq_id", want), "%s: uniq_id %s, want %s", id, str(c, "uniq_id"),
		  want);
	snprintf(want, sizeof(want), "%s/%s", x->base, r->part);
	CHECK_MSG(str_is(c, "stat_t", want), "%s: stat_t %s", id, str(c, "stat_t"));
	const char *value_key = mbus                            ? "value"
				: strcmp(id, "meter_time") == 0 ? "meter_time_iso"
				: strcmp(id, "demand_month_max_time") == 0
				    ? "demand_month_max_time_iso"
				    : id;
	if (strcmp(id, "tariff") == 0)
		snprintf(want, sizeof(want), "%s", x->tariff_template);
	else if (strcmp(id, "message") == 0)
		snprintf(want, sizeof(want), "{{ (value_json.message | is_defined)[:255] }}");
	else
		snprintf(want, sizeof(want), "{{ value_json.%s | is_defined }}", value_key);
	CHECK_MSG(str_is(c, "val_tpl", want), "%s: val_tpl %s", id, str(c, "val_tpl"));
	const char *dev_cla = r->dev_cla;
	if (strncmp(id, "reactive_energy_", 16) == 0 && x->reactive_class)
		dev_cla = "reactive_energy";
	CHECK_MSG(str_is(c, "dev_cla", dev_cla), "%s: dev_cla %s", id, str(c, "dev_cla"));
	CHECK_MSG(str_is(c, "stat_cla", r->stat_cla), "%s: stat_cla", id);
	CHECK_MSG(str_is(c, "unit_of_meas", r->unit), "%s: unit %s", id, str(c, "unit_of_meas"));
	json_t *prc = json_object_get(c, "sug_dsp_prc");
	CHECK_MSG(r->precision < 0 ? prc == NULL : json_integer_value(prc) == r->precision,
		  "%s: sug_dsp_prc", id);
	unsigned exp = strcmp(r->part, "power") == 0    ? x->power_exp
		       : strcmp(r->part, "energy") == 0 ? x->energy_exp
		       : mbus                           ? x->mbus_exp
							: 0;
	json_t *e = json_object_get(c, "exp_aft");
	CHECK_MSG(exp == 0 ? e == NULL : json_integer_value(e) == exp, "%s: exp_aft %lld, want %u",
		  id, (long long)json_integer_value(e), exp);
	CHECK_MSG(r->diagnostic ? str_is(c, "ent_cat", "diagnostic")
				: json_object_get(c, "ent_cat") == NULL,
		  "%s: ent_cat", id);
	CHECK_MSG(r->enabled ? json_object_get(c, "en") == NULL
			     : json_is_false(json_object_get(c, "en")),
		  "%s: en", id);
	if (strcmp(id, "tariff") == 0)
		CHECK_MSG(same_json_text(json_object_get(c, "options"), x->tariff_options, id),
			  "tariff options");
	else
		CHECK_MSG(json_object_get(c, "options") == NULL, "%s: options", id);
	if (mbus) {
		snprintf(want, sizeof(want), "%s/%s", x->base, r->part);
		CHECK_MSG(str_is(c, "json_attr_t", want), "%s: json_attr_t", id);
	} else {
		CHECK_MSG(json_object_get(c, "json_attr_t") == NULL, "%s: json_attr_t", id);
	}
}

/* The whole payload: device, origin, availability and every component; `keys` lists
 * the component ids expected, space-separated. */
static void check_payload(const json_t *o, const struct expect *x, const char *keys,
			  const char *legend)
{
	const json_t *cmps = json_object_get(o, "cmps");
	char list[2048];
	snprintf(list, sizeof(list), "%s", keys);
	size_t n = 0;
	for (char *k = strtok(list, " "); k != NULL; k = strtok(NULL, " ")) {
		n++;
		json_t *c = json_object_get(cmps, k);
		CHECK_MSG(c != NULL, "%s: no component %s", legend, k);
		if (c != NULL)
			check_component(k, c, x);
	}
	CHECK_MSG(json_object_size(cmps) == n, "%s: %zu components, want %zu", legend,
		  json_object_size(cmps), n);
	const json_t *o_ = json_object_get(o, "o");
	CHECK(str_is(o_, "name", "hanp1d") && str_is(o_, "sw", "0.1.0"));
	char t[128];
	snprintf(t, sizeof(t), "[{\"t\": \"hanp1d/status\"}, {\"t\": \"%s/status\"}]", x->base);
	CHECK_MSG(same_json_text(json_object_get(o, "avty"), t, "avty"), "%s: avty", legend);
	CHECK(str_is(o, "avty_mode", "all"));
}

static struct hp_disc_config config(const char *meter, const char *base)
{
	static char status[128];
	snprintf(status, sizeof(status), "%s/status", base);
	struct hp_disc_config c = {.meter = meter,
				   .base = base,
				   .avty = {"hanp1d/status", status},
				   .device_name = "Electricity meter",
				   .configuration_url = "http://pi.local:8080/",
				   .sw_version = "0.1.0"};
	return c;
}

/* ---- Kaifa NO: list 1 every 2 s, list 2 every 10 s, list 3 hourly ---- */

static void test_kaifa(void)
{
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading l1, l2, l3;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST1, &v, &l1));
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST2, &v, &l2));
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST3, &v, &l3));
	struct hp_disc_state s;
	hp_disc_state_init(&s);
	CHECK(!hp_disc_has_components(&s));
	int64_t t0 = 1000000;
	/* The first frame after the start is a list 1: power and clock only. */
	CHECK(hp_disc_observe(&s, &l1, t0, 0));
	struct hp_disc_config c = config("main", "hanp1d/main");
	json_t *o = hp_disc_payload(&c, &s);
	struct expect x = {.meter = "main", .base = "hanp1d/main", .power_exp = 30};
	check_payload(o, &x, "power_import_w meter_time", "kaifa list 1");
	CHECK_MSG(same_json_text(json_object_get(o, "dev"),
				 "{\"ids\": [\"hanp1d_main\"], \"name\": \"Electricity meter\","
				 " \"cu\": \"http://pi.local:8080/\"}",
				 "dev"),
		  "device before the ids are known");
	json_decref(o);
	/* A list 1 again: nothing new, no new announcement. */
	CHECK(!hp_disc_observe(&s, &l1, t0 + 2000, 0));
	/* List 2: new keys and the identity. */
	CHECK(hp_disc_observe(&s, &l2, t0 + 4000, 0));
	for (int64_t t = t0 + 6000; t < t0 + 3600000; t += 2000)
		CHECK(!hp_disc_observe(&s, (t / 2000) % 5 == 0 ? &l2 : &l1, t, 0));
	/* The hourly list 3: registers appear (the first ones: the hourly guess). */
	CHECK(hp_disc_observe(&s, &l3, t0 + 3600000, 0));
	CHECK(!hp_disc_observe(&s, &l1, t0 + 3602000, 0));
	/* The next hour, a second late: the same expire_after, nothing to announce. */
	CHECK(!hp_disc_observe(&s, &l3, t0 + 7201000, 0));
	o = hp_disc_payload(&c, &s);
	x.energy_exp = 7200;
	check_payload(o, &x,
		      "power_import_w power_export_w reactive_import_var reactive_export_var "
		      "l1_current_a l2_current_a l3_current_a l1_voltage_v l2_voltage_v "
		      "l3_voltage_v energy_import_kwh energy_export_kwh "
		      "reactive_energy_import_kvarh reactive_energy_export_kvarh meter_time",
		      "kaifa list 3");
	CHECK_MSG(same_json_text(json_object_get(o, "dev"),
				 "{\"ids\": [\"hanp1d_main\", \"hanp1d_7359990000123458\"],"
				 " \"name\": \"Electricity meter\", \"mf\": \"Kaifa\","
				 " \"mdl\": \"6841138BN245101091\", \"sn\": \"7359990000123458\","
				 " \"sw\": \"KFM_001\", \"cu\": \"http://pi.local:8080/\"}",
				 "dev"),
		  "kaifa device");
	CHECK(json_object_get(o, "qos") == NULL);
	json_decref(o);
	/* With the option, reactive registers get HA 2025.6's device class; QoS 1 is a
	 * shared option. */
	c.reactive_energy_class = true;
	c.qos = 1;
	o = hp_disc_payload(&c, &s);
	x.reactive_class = true;
	check_payload(o, &x,
		      "power_import_w power_export_w reactive_import_var reactive_export_var "
		      "l1_current_a l2_current_a l3_current_a l1_voltage_v l2_voltage_v "
		      "l3_voltage_v energy_import_kwh energy_export_kwh "
		      "reactive_energy_import_kvarh reactive_energy_export_kvarh meter_time",
		      "kaifa, reactive class");
	CHECK_INT(json_integer_value(json_object_get(o, "qos")), 1);
	json_decref(o);
}

/* ---- DSMR 5 (NL) with gas every 5 minutes, a telegram every second ---- */

static void dsmr_frames(enum hp_enc_profile p, struct hp_disc_state *s, int seconds, bool water)
{
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	v.tariff = 2;
	static struct hp_reading r;
	for (int i = 0; i < seconds; i++) {
		/* The gas value and its capture time move every 5 minutes. */
		add_gas(&v, 1000 + i / 300, (uint8_t)(i / 300 * 5 % 60));
		if (water) {
			v.mbus_count = 2;
			v.mbus[1] = v.mbus[0];
			v.mbus[1].channel = 2;
			v.mbus[1].device_type = 7;
			snprintf(v.mbus[1].id, sizeof(v.mbus[1].id), "W0000000000000001");
		}
		if (i % 60 == 0 || i < 3) { /* the decoder is the slow part: a sample */
			CHECK(make_reading(p, &v, &r));
		}
		hp_disc_observe(s, &r, 5000 + (int64_t)i * 1000, 0);
	}
}

static void test_dsmr5_gas(void)
{
	struct hp_disc_state s;
	hp_disc_state_init(&s);
	dsmr_frames(HP_PROFILE_DSMR50_NL, &s, 901, false);
	struct hp_disc_config c = config("home", "hanp1d/home");
	json_t *o = hp_disc_payload(&c, &s);
	struct expect x = {.meter = "home",
			   .base = "hanp1d/home",
			   .power_exp = 30,
			   .energy_exp = 30,
			   .mbus_exp = 600,
			   .tariff_template =
			       "{{ {1: 'low', 2: 'normal'}[value_json.tariff | is_defined] }}",
			   .tariff_options = "[\"low\", \"normal\"]"};
	check_payload(o, &x,
		      "power_import_w power_export_w l1_power_import_w l2_power_import_w "
		      "l3_power_import_w l1_power_export_w l2_power_export_w l3_power_export_w "
		      "l1_current_a l2_current_a l3_current_a l1_voltage_v l2_voltage_v "
		      "l3_voltage_v energy_import_kwh energy_import_t1_kwh energy_import_t2_kwh "
		      "energy_export_kwh energy_export_t1_kwh energy_export_t2_kwh tariff "
		      "power_failures long_power_failures l1_voltage_sags l2_voltage_sags "
		      "l3_voltage_sags l1_voltage_swells l2_voltage_swells l3_voltage_swells "
		      "meter_time gas_1",
		      "dsmr 5");
	const json_t *dev = json_object_get(o, "dev");
	CHECK(str_is(dev, "sw", "50"));
	CHECK(json_object_get(dev, "mf") == NULL); /* a DSMR telegram names no maker */
	json_decref(o);
}

static void test_belgian(void)
{
	struct hp_disc_state s;
	hp_disc_state_init(&s);
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	v.demand_avg_w = 1500;
	v.demand_month_max_w = 4200;
	v.demand_month_max_time = (struct hp_enc_datetime){2025, 1, 10, 5, 18, 15, 0, 0, -60, 0};
	static struct hp_reading r;
	CHECK(make_reading(HP_PROFILE_DSMR_BE, &v, &r));
	CHECK(hp_disc_observe(&s, &r, 1000, 0));
	dsmr_frames(HP_PROFILE_DSMR_BE, &s, 601, true);
	struct hp_disc_config c = config("be", "hanp1d/be");
	json_t *o = hp_disc_payload(&c, &s);
	struct expect x = {.meter = "be",
			   .base = "hanp1d/be",
			   .power_exp = 30,
			   .energy_exp = 30,
			   .mbus_exp = 600,
			   .tariff_template =
			       "{{ {1: 'normal', 2: 'low'}[value_json.tariff | is_defined] }}",
			   .tariff_options = "[\"low\", \"normal\"]"};
	check_payload(o, &x,
		      "power_import_w power_export_w l1_power_import_w l2_power_import_w "
		      "l3_power_import_w l1_power_export_w l2_power_export_w l3_power_export_w "
		      "l1_current_a l2_current_a l3_current_a l1_voltage_v l2_voltage_v "
		      "l3_voltage_v demand_avg_w demand_month_max_w energy_import_kwh "
		      "energy_import_t1_kwh energy_import_t2_kwh energy_export_kwh "
		      "energy_export_t1_kwh energy_export_t2_kwh tariff meter_time "
		      "demand_month_max_time gas_1 water_2",
		      "belgian");
	CHECK(str_is(json_object_get(o, "dev"), "sw", "50217"));
	json_decref(o);
}

/* HU: no version line, four tariffs: the tariff shows its number. */
static void test_hungarian(void)
{
	struct hp_disc_state s;
	hp_disc_state_init(&s);
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading r;
	CHECK(make_reading(HP_PROFILE_DSMR_HU, &v, &r));
	hp_disc_observe(&s, &r, 1000, 0);
	CHECK_INT(s.tariff_style, HP_TARIFF_NUMBERS);
	struct hp_disc_config c = config("hu", "hanp1d/hu");
	json_t *o = hp_disc_payload(&c, &s);
	json_t *t = json_object_get(json_object_get(o, "cmps"), "tariff");
	CHECK(str_is(t, "val_tpl", "{{ value_json.tariff | is_defined | string }}"));
	CHECK(same_json_text(json_object_get(t, "options"), "[\"1\", \"2\", \"3\", \"4\"]", "hu"));
	CHECK(json_object_get(json_object_get(o, "cmps"), "frequency_hz") != NULL);
	json_decref(o);
}

/* An NL meter that switches to tariff 3: the labels become numbers, announced. */
static void test_tariff_three(void)
{
	struct hp_disc_state s;
	hp_disc_state_init(&s);
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	v.tariff = 1;
	static struct hp_reading r;
	CHECK(make_reading(HP_PROFILE_DSMR50_NL, &v, &r));
	CHECK(hp_disc_observe(&s, &r, 1000, 0));
	CHECK_INT(s.tariff_style, HP_TARIFF_NL);
	CHECK(!hp_disc_observe(&s, &r, 2000, 0));
	hp_reading_set(&r, HP_NUM_TARIFF, 3);
	CHECK(hp_disc_observe(&s, &r, 3000, 0));
	CHECK_INT(s.tariff_style, HP_TARIFF_NUMBERS);
}

/* ---- the doc's complete example ---- */

static const char doc_example[] =
    "{\"dev\": {\"ids\": [\"hanp1d_main\", \"hanp1d_6970631403275928\"],"
    " \"name\": \"Electricity meter\", \"mf\": \"Kaifa\", \"mdl\": \"MA304H3E\","
    " \"sn\": \"6970631403275928\", \"sw\": \"KFM_001\"},"
    " \"o\": {\"name\": \"hanp1d\", \"sw\": \"0.1.0\"},"
    " \"avty\": [{\"t\": \"hanp1d/status\"}],"
    " \"cmps\": {"
    "  \"power_import_w\": {\"p\": \"sensor\", \"name\": \"Power consumption\","
    "   \"uniq_id\": \"hanp1d_main_power_import_w\", \"stat_t\": \"hanp1d/main/power\","
    "   \"val_tpl\": \"{{ value_json.power_import_w | is_defined }}\","
    "   \"dev_cla\": \"power\", \"stat_cla\": \"measurement\", \"unit_of_meas\": \"W\","
    "   \"sug_dsp_prc\": 0, \"exp_aft\": 30},"
    "  \"power_export_w\": {\"p\": \"sensor\", \"name\": \"Power production\","
    "   \"uniq_id\": \"hanp1d_main_power_export_w\", \"stat_t\": \"hanp1d/main/power\","
    "   \"val_tpl\": \"{{ value_json.power_export_w | is_defined }}\","
    "   \"dev_cla\": \"power\", \"stat_cla\": \"measurement\", \"unit_of_meas\": \"W\","
    "   \"sug_dsp_prc\": 0, \"exp_aft\": 30},"
    "  \"energy_import_kwh\": {\"p\": \"sensor\", \"name\": \"Energy consumption (total)\","
    "   \"uniq_id\": \"hanp1d_main_energy_import_kwh\", \"stat_t\": \"hanp1d/main/energy\","
    "   \"val_tpl\": \"{{ value_json.energy_import_kwh | is_defined }}\","
    "   \"dev_cla\": \"energy\", \"stat_cla\": \"total_increasing\", \"unit_of_meas\": \"kWh\","
    "   \"sug_dsp_prc\": 3, \"exp_aft\": 7200},"
    "  \"energy_export_kwh\": {\"p\": \"sensor\", \"name\": \"Energy production (total)\","
    "   \"uniq_id\": \"hanp1d_main_energy_export_kwh\", \"stat_t\": \"hanp1d/main/energy\","
    "   \"val_tpl\": \"{{ value_json.energy_export_kwh | is_defined }}\","
    "   \"dev_cla\": \"energy\", \"stat_cla\": \"total_increasing\", \"unit_of_meas\": \"kWh\","
    "   \"sug_dsp_prc\": 3, \"exp_aft\": 7200},"
    "  \"meter_time\": {\"p\": \"sensor\", \"name\": \"Timestamp\","
    "   \"uniq_id\": \"hanp1d_main_meter_time\", \"stat_t\": \"hanp1d/main/info\","
    "   \"val_tpl\": \"{{ value_json.meter_time_iso | is_defined }}\","
    "   \"dev_cla\": \"timestamp\", \"ent_cat\": \"diagnostic\"},"
    "  \"gas_1\": {\"p\": \"sensor\", \"name\": \"Gas consumption\","
    "   \"uniq_id\": \"hanp1d_main_mbus1_gas\", \"stat_t\": \"hanp1d/main/mbus/1\","
    "   \"val_tpl\": \"{{ value_json.value | is_defined }}\","
    "   \"json_attr_t\": \"hanp1d/main/mbus/1\","
    "   \"dev_cla\": \"gas\", \"stat_cla\": \"total_increasing\", \"unit_of_meas\": \"m\u00b3\","
    "   \"sug_dsp_prc\": 3, \"exp_aft\": 600}}}";

static void example_reading(struct hp_reading *r, bool registers, double gas, const char *gas_time)
{
	hp_reading_init(r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set_text(r, HP_TEXT_METER_ID, "6970631403275928", 16);
	hp_reading_set_text(r, HP_TEXT_METER_MODEL, "MA304H3E", 8);
	hp_reading_set_text(r, HP_TEXT_MANUFACTURER, "Kaifa", 5);
	hp_reading_set_text(r, HP_TEXT_LIST_ID, "KFM_001", 7);
	hp_reading_set_text(r, HP_TEXT_METER_TIME, "2025-01-15T17:00:00", 19);
	hp_reading_set(r, HP_NUM_POWER_IMPORT_W, 1849);
	hp_reading_set(r, HP_NUM_POWER_EXPORT_W, 0);
	if (registers) {
		hp_reading_set(r, HP_NUM_ENERGY_IMPORT_KWH, 23817.092);
		hp_reading_set(r, HP_NUM_ENERGY_EXPORT_KWH, 0);
	}
	r->mbus_count = 1;
	r->mbus[0] = (struct hp_mbus_reading){
	    .channel = 1, .device_type = 3, .value = gas, .has_value = true};
	snprintf(r->mbus[0].unit, sizeof(r->mbus[0].unit), "m3");
	snprintf(r->mbus[0].time, sizeof(r->mbus[0].time), "%s", gas_time);
}

static void test_doc_example(void)
{
	struct hp_disc_state s;
	hp_disc_state_init(&s);
	static struct hp_reading r;
	/* Power every 2 s, registers hourly, gas every 5 minutes. */
	example_reading(&r, true, 981.443, "2025-01-15T16:55:00");
	CHECK(hp_disc_observe(&s, &r, 1000, 0));
	example_reading(&r, false, 981.443, "2025-01-15T16:55:00");
	hp_disc_observe(&s, &r, 3000, 0);
	example_reading(&r, false, 981.501, "2025-01-15T17:00:00");
	CHECK(hp_disc_observe(&s, &r, 301000, 0)); /* 2 x 5 min: no longer the hourly guess */
	struct hp_disc_config c = config("main", "hanp1d/main");
	c.configuration_url = "";
	json_t *o = hp_disc_payload(&c, &s);
	/* hanp1d adds the meter's own availability (issue 4), so entities also go
	 * unavailable while the meter is stale: the example's one topic becomes two. */
	CHECK(same_json_text(json_object_get(o, "avty"),
			     "[{\"t\": \"hanp1d/status\"}, {\"t\": \"hanp1d/main/status\"}]",
			     "avty"));
	CHECK(str_is(o, "avty_mode", "all"));
	json_object_del(o, "avty_mode");
	json_object_set_new(o, "avty", json_pack("[{s:s}]", "t", "hanp1d/status"));
	CHECK_MSG(same_json_text(o, doc_example, "example"), "the doc's complete example");
	json_decref(o);
}

static void test_sanitise(void)
{
	char out[64];
	hp_disc_sanitise("SAG 5911/C4.1D", out, sizeof(out));
	CHECK_STREQ(out, "SAG_5911_C4_1D");
	hp_disc_sanitise("a-b_C9", out, sizeof(out));
	CHECK_STREQ(out, "a-b_C9");
	CHECK_INT(hp_disc_topic("homeassistant", "main", out, sizeof(out)), 0);
	CHECK_STREQ(out, "homeassistant/device/hanp1d_main/config");
	struct hp_disc_state s;
	hp_disc_state_init(&s);
	static struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set_text(&r, HP_TEXT_METER_ID, "E0043 007.12", 12);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1);
	hp_disc_observe(&s, &r, 1, 0);
	struct hp_disc_config c = config("main", "hanp1d/main");
	json_t *o = hp_disc_payload(&c, &s);
	json_t *dev = json_object_get(o, "dev");
	CHECK(same_json_text(json_object_get(dev, "ids"),
			     "[\"hanp1d_main\", \"hanp1d_E0043_007_12\"]", "ids"));
	CHECK(str_is(dev, "sn", "E0043 007.12"));
	json_decref(o);
}

/* The cadence: three lost hourly frames do not move the announced value; a faster
 * pace does, once. */
static void test_cadence(void)
{
	struct hp_cadence c;
	hp_cadence_init(&c, 2, 7200);
	CHECK(!hp_cadence_seen(&c, 1000, 0));
	CHECK(!hp_cadence_seen(&c, 1000 + 3600000, 0));
	CHECK(!hp_cadence_seen(&c, 1000 + 3 * 3600000, 0)); /* one lost */
	CHECK_INT(c.expire_s, 7200);
	CHECK(hp_cadence_seen(&c, 1000 + 3 * 3600000 + 10000, 0));
	CHECK_INT(c.expire_s, 30);
	/* Interval mode: the publish interval is a floor. */
	hp_cadence_init(&c, 3, 30);
	hp_cadence_seen(&c, 1000, 60);
	CHECK(hp_cadence_seen(&c, 3000, 60));
	CHECK_INT(c.expire_s, 180);
}

int main(void)
{
	away_from_cet();
	test_kaifa();
	test_dsmr5_gas();
	test_belgian();
	test_hungarian();
	test_tariff_three();
	test_doc_example();
	test_sanitise();
	test_cadence();
	return check_report("mqtt_discovery");
}
