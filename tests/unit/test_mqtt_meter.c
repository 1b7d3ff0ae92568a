/* What one meter publishes, as a subscriber sees it (a recording sink in place of
 * the broker): the order and retain flags of the first frame, lazy re-announcing,
 * M-Bus only on change, availability while stale, the republish after a reconnect,
 * interval mode, per-value topics, the AMS reader layout, and removals. */
#include "config.h"
#include "test_mqtt_fixture.h"

static struct hp_config cfg;
static struct recorder rec;
static const struct hp_mqtt_sink sink = {record, &rec};
static struct hp_ams_env env = {"b8:27:eb:01:02:03", "hanp1d-pi", 0, 41.5};

static void setup(struct hp_mqtt_meter *m, const char *name)
{
	struct hp_mqtt_meter_setup s = {
	    &cfg.mqtt, name, "hanp1d/status", "Electricity meter", "http://pi:8080/", &env, cet()};
	CHECK_INT(hp_mqtt_meter_init(m, &s), 0);
	recorder_clear(&rec);
}

static struct hp_reading dsmr5(double power_w, double gas_m3, uint8_t gas_minute)
{
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	v.power_import_w = power_w;
	add_gas(&v, gas_m3, gas_minute);
	static struct hp_reading r;
	CHECK(make_reading(HP_PROFILE_DSMR50_NL, &v, &r));
	return r;
}

static void expect_order(const char *const *topics, size_t n, const bool *retain)
{
	CHECK_MSG((size_t)rec.count == n, "%d messages, want %zu", rec.count, n);
	for (size_t i = 0; i < n && i < (size_t)rec.count; i++) {
		CHECK_MSG(strcmp(rec.m[i].topic, topics[i]) == 0, "message %zu: %s, want %s", i,
			  rec.m[i].topic, topics[i]);
		CHECK_MSG(rec.m[i].retain == retain[i], "message %zu (%s): retain %d", i,
			  rec.m[i].topic, rec.m[i].retain);
	}
}

static void test_realtime(void)
{
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	struct hp_reading r = dsmr5(1000, 500, 0);
	int64_t wall = utc_ms(2025, 1, 15, 11, 0, 0), mono = 100000;
	hp_mqtt_meter_reading(&m, &r, wall, mono, &sink);
	static const char *const first[] = {
	    "hanp1d/home/status", "homeassistant/device/hanp1d_home/config",
	    "hanp1d/home/state",  "hanp1d/home/power",
	    "hanp1d/home/energy", "hanp1d/home/info",
	    "hanp1d/home/mbus/1"};
	static const bool first_retain[] = {true, true, false, false, false, true, true};
	expect_order(first, 7, first_retain);
	CHECK_STREQ(rec.m[0].payload, "online");
	json_t *d = json_on(&rec, "homeassistant/device/hanp1d_home/config");
	CHECK(json_object_get(json_object_get(d, "cmps"), "gas_1") != NULL);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(d, "dev"), "cu")),
		    "http://pi:8080/");
	json_decref(d);
	/* The state is the reading plus the times. */
	json_t *state = json_on(&rec, "hanp1d/home/state");
	CHECK_NEAR(json_number_value(json_object_get(state, "power_import_w")), 1000);
	CHECK_STREQ(json_string_value(json_object_get(state, "time")), "2025-01-15T12:00:00+01:00");
	CHECK(json_object_get(state, "mbus") != NULL);
	json_decref(state);

	/* The same again: no discovery, no M-Bus (unchanged), no status. */
	recorder_clear(&rec);
	r = dsmr5(1100, 500, 0);
	hp_mqtt_meter_reading(&m, &r, wall + 1000, mono + 1000, &sink);
	static const char *const again[] = {"hanp1d/home/state", "hanp1d/home/power",
					    "hanp1d/home/energy", "hanp1d/home/info"};
	static const bool again_retain[] = {false, false, false, true};
	expect_order(again, 4, again_retain);
	/* Five minutes on, a new gas value: mbus/1 again (its pace is the guessed one: no
	 * new announcement). */
	recorder_clear(&rec);
	r = dsmr5(1100, 500.25, 5);
	mono += 300000 - 2000;
	hp_mqtt_meter_reading(&m, &r, wall + 2000, mono + 2000, &sink);
	CHECK_INT(count_on(&rec, "hanp1d/home/mbus/1"), 1);
	CHECK_INT(count_on(&rec, "homeassistant/device/hanp1d_home/config"), 0);

	/* Silent past stale_after: offline once; a reading: online again. */
	recorder_clear(&rec);
	hp_mqtt_meter_tick(&m, mono + 2000 + 29000, 30, &sink);
	CHECK_INT(rec.count, 0);
	hp_mqtt_meter_tick(&m, mono + 2000 + 31000, 30, &sink);
	hp_mqtt_meter_tick(&m, mono + 2000 + 32000, 30, &sink);
	CHECK_INT(rec.count, 1);
	CHECK_STREQ(rec.m[0].topic, "hanp1d/home/status");
	CHECK_STREQ(rec.m[0].payload, "offline");
	CHECK(rec.m[0].retain);
	recorder_clear(&rec);
	hp_mqtt_meter_reading(&m, &r, wall + 40000, mono + 40000, &sink);
	CHECK_STREQ(rec.m[0].topic, "hanp1d/home/status");
	CHECK_STREQ(rec.m[0].payload, "online");

	/* While the broker is away nothing gets through; after the reconnect the announce
	 * carries the latest states. */
	rec.refuse = true;
	r = dsmr5(2222, 501, 10);
	hp_mqtt_meter_reading(&m, &r, wall + 41000, mono + 41000, &sink);
	rec.refuse = false;
	recorder_clear(&rec);
	hp_mqtt_meter_announce(&m, mono + 41500, 30, &sink);
	static const char *const announce[] = {
	    "hanp1d/home/status", "homeassistant/device/hanp1d_home/config",
	    "hanp1d/home/power",  "hanp1d/home/energy",
	    "hanp1d/home/info",   "hanp1d/home/mbus/1"};
	static const bool announce_retain[] = {true, true, false, false, true, true};
	expect_order(announce, 6, announce_retain);
	json_t *power = json_on(&rec, "hanp1d/home/power");
	CHECK_NEAR(json_number_value(json_object_get(power, "power_import_w")), 2222);
	json_decref(power);
	json_t *gas = json_on(&rec, "hanp1d/home/mbus/1");
	CHECK_NEAR(json_number_value(json_object_get(gas, "value")), 501);
	json_decref(gas);
	CHECK_STREQ(rec.m[0].payload, "online");
	/* Announced while stale: offline. */
	recorder_clear(&rec);
	hp_mqtt_meter_announce(&m, mono + 100000, 30, &sink);
	CHECK_STREQ(rec.m[0].payload, "offline");

	/* A clean stop; removal of the device. */
	recorder_clear(&rec);
	hp_mqtt_meter_offline(&m, &sink);
	hp_mqtt_meter_remove_discovery(&m, &sink);
	CHECK_INT(rec.count, 2);
	CHECK_STREQ(rec.m[1].topic, "homeassistant/device/hanp1d_home/config");
	CHECK_STREQ(rec.m[1].payload, "");
	CHECK(rec.m[1].retain);
	hp_mqtt_meter_free(&m);
}

/* A new key re-announces; the meter_id becoming known too (Kaifa list 1 -> 2). */
static void test_lazy(void)
{
	static struct hp_mqtt_meter m;
	setup(&m, "main");
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading l1, l2;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST1, &v, &l1));
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST2, &v, &l2));
	const char *topic = "homeassistant/device/hanp1d_main/config";
	hp_mqtt_meter_reading(&m, &l1, 1000, 1000, &sink);
	hp_mqtt_meter_reading(&m, &l1, 3000, 3000, &sink);
	CHECK_INT(count_on(&rec, topic), 1);
	CHECK_INT(count_on(&rec, "hanp1d/main/energy"), 0);
	hp_mqtt_meter_reading(&m, &l2, 5000, 5000, &sink);
	CHECK_INT(count_on(&rec, topic), 2);
	json_t *d = json_on(&rec, topic);
	CHECK_INT(json_array_size(json_object_get(json_object_get(d, "dev"), "ids")), 2);
	CHECK(json_object_get(json_object_get(d, "cmps"), "l1_voltage_v") != NULL);
	json_decref(d);
	hp_mqtt_meter_reading(&m, &l1, 7000, 7000, &sink);
	hp_mqtt_meter_reading(&m, &l2, 9000, 9000, &sink);
	CHECK_INT(count_on(&rec, topic), 2);
	hp_mqtt_meter_free(&m);
}

static void test_discovery_off(void)
{
	cfg.mqtt.discovery = false;
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	struct hp_reading r = dsmr5(1000, 500, 0);
	hp_mqtt_meter_reading(&m, &r, 1000, 1000, &sink);
	hp_mqtt_meter_announce(&m, 1500, 30, &sink);
	CHECK_INT(count_on(&rec, "homeassistant/device/hanp1d_home/config"), 0);
	CHECK_INT(count_on(&rec, "hanp1d/home/power"), 2);
	cfg.mqtt.discovery = true;
	hp_mqtt_meter_free(&m);
}

static void test_interval(void)
{
	cfg.mqtt.publish_interval_s = 10;
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading list1, list3;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST1, &v, &list1));
	v.power_import_w = 4321;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST3, &v, &list3));
	int64_t mono = 50000;
	hp_mqtt_meter_reading(&m, &list3, 1000, mono, &sink);
	for (int i = 1; i < 5; i++) {
		hp_reading_set(&list1, HP_NUM_POWER_IMPORT_W, 100 + i);
		hp_mqtt_meter_reading(&m, &list1, 1000 + i * 2000, mono + i * 2000, &sink);
		hp_mqtt_meter_tick(&m, mono + i * 2000, 30, &sink);
	}
	/* Only the availability so far. */
	CHECK_INT(rec.count, 1);
	CHECK_STREQ(rec.m[0].topic, "hanp1d/home/status");
	hp_mqtt_meter_tick(&m, mono + 10000, 30, &sink);
	CHECK_INT(count_on(&rec, "hanp1d/home/state"), 1);
	json_t *power = json_on(&rec, "hanp1d/home/power");
	CHECK_NEAR(json_number_value(json_object_get(power, "power_import_w")), 104);
	/* list 3's other values are merged in. */
	CHECK(json_object_get(power, "l1_voltage_v") != NULL);
	json_decref(power);
	json_t *energy = json_on(&rec, "hanp1d/home/energy");
	CHECK(json_object_get(energy, "energy_import_kwh") != NULL);
	json_decref(energy);
	json_t *d = json_on(&rec, "homeassistant/device/hanp1d_home/config");
	CHECK_INT(json_integer_value(json_object_get(
		      json_object_get(json_object_get(d, "cmps"), "power_import_w"), "exp_aft")),
		  30);
	json_decref(d);
	/* The next interval has only list 1 frames: no energy. */
	recorder_clear(&rec);
	hp_mqtt_meter_reading(&m, &list1, 13000, mono + 12000, &sink);
	hp_mqtt_meter_tick(&m, mono + 19999, 30, &sink);
	CHECK_INT(rec.count, 0);
	hp_mqtt_meter_tick(&m, mono + 20000, 30, &sink);
	CHECK_INT(count_on(&rec, "hanp1d/home/power"), 1);
	CHECK_INT(count_on(&rec, "hanp1d/home/energy"), 0);
	/* An interval without frames publishes nothing. */
	recorder_clear(&rec);
	hp_mqtt_meter_tick(&m, mono + 30000, 300, &sink);
	CHECK_INT(rec.count, 0);
	cfg.mqtt.publish_interval_s = 0;
	hp_mqtt_meter_free(&m);
}

static json_t *running_figures(double hour_import_kwh)
{
	return json_pack("{s:s, s:{s:f}, s:{}}", "currency", "NOK", "hour", "import_kwh",
			 hour_import_kwh, "peak");
}

/* A Norwegian meter sends its registers once an hour: the running figures go out
 * on <base>/accounting every 10 s all the same, and `energy` only with registers. */
static void test_accounting_cadence(void)
{
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading list1, list3;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST1, &v, &list1));
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST3, &v, &list3));
	int64_t mono = 70000, wall = utc_ms(2025, 1, 15, 16, 0, 2);
	/* List 1 every 2 s for 31 s: figures at 0, 10, 20 and 30 s. */
	for (int i = 0; i <= 15; i++) {
		hp_mqtt_meter_set_accounting(&m, running_figures(0.01 * i));
		hp_mqtt_meter_reading(&m, &list1, wall + i * 2000, mono + i * 2000, &sink);
	}
	CHECK_INT(count_on(&rec, "hanp1d/home/accounting"), 4);
	CHECK_INT(count_on(&rec, "hanp1d/home/energy"), 0);
	json_t *o = json_on(&rec, "hanp1d/home/accounting");
	CHECK_NEAR(json_number_value(json_object_get(json_object_get(o, "hour"), "import_kwh")),
		   0.15);
	CHECK_STREQ(json_string_value(json_object_get(o, "time")), "2025-01-15T17:00:32+01:00");
	CHECK(json_object_get(o, "energy_import_kwh") == NULL);
	CHECK(!last_on(&rec, "hanp1d/home/accounting")->retain);
	json_decref(o);
	/* The hourly list 3: registers on `energy` (with the figures of that moment);
	 * the accounting topic keeps its pace. */
	recorder_clear(&rec);
	hp_mqtt_meter_set_accounting(&m, running_figures(0.2));
	hp_mqtt_meter_reading(&m, &list3, wall + 32000, mono + 32000, &sink);
	CHECK_INT(count_on(&rec, "hanp1d/home/accounting"), 0);
	o = json_on(&rec, "hanp1d/home/energy");
	CHECK(json_object_get(o, "energy_import_kwh") != NULL);
	CHECK(json_object_get(o, "accounting") != NULL);
	json_decref(o);
	/* No figures (no accounting for the meter): no topic. */
	recorder_clear(&rec);
	hp_mqtt_meter_set_accounting(&m, NULL);
	hp_mqtt_meter_reading(&m, &list1, wall + 60000, mono + 60000, &sink);
	CHECK_INT(count_on(&rec, "hanp1d/home/accounting"), 0);
	hp_mqtt_meter_free(&m);

	/* Interval mode: the figures with every interval's publish (here 5 s). */
	cfg.mqtt.publish_interval_s = 5;
	setup(&m, "home");
	for (int i = 0; i <= 10; i++) {
		hp_mqtt_meter_set_accounting(&m, running_figures(0.01 * i));
		hp_mqtt_meter_reading(&m, &list1, wall + i * 2000, mono + i * 2000, &sink);
		hp_mqtt_meter_tick(&m, mono + i * 2000, 30, &sink);
	}
	CHECK_INT(count_on(&rec, "hanp1d/home/power"), 4);
	CHECK_INT(count_on(&rec, "hanp1d/home/accounting"), 4);
	CHECK_INT(count_on(&rec, "hanp1d/home/energy"), 0);
	cfg.mqtt.publish_interval_s = 0;
	hp_mqtt_meter_free(&m);
}

/* The availability again when a meter's will connection comes (back): only an
 * `online` that stands, since the broker may have just published the will. */
static void test_status_again(void)
{
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	hp_mqtt_meter_status_again(&m, &sink);
	CHECK_INT(rec.count, 0); /* nothing sent yet: nothing to repeat */
	struct hp_reading r = dsmr5(1000, 500, 0);
	hp_mqtt_meter_reading(&m, &r, utc_ms(2025, 1, 15, 11, 0, 0), 100000, &sink);
	recorder_clear(&rec);
	hp_mqtt_meter_status_again(&m, &sink);
	CHECK_INT(rec.count, 1);
	CHECK_STREQ(rec.m[0].topic, "hanp1d/home/status");
	CHECK_STREQ(rec.m[0].payload, "online");
	CHECK(rec.m[0].retain);
	/* Stale: offline, and the will says the same. */
	hp_mqtt_meter_tick(&m, 100000 + 31000, 30, &sink);
	recorder_clear(&rec);
	hp_mqtt_meter_status_again(&m, &sink);
	CHECK_INT(rec.count, 0);
	hp_mqtt_meter_free(&m);
}

/* The retained topics a meter's configuration uses (mqtt_retained.h). */
static void test_retained_topics(void)
{
	static struct hp_mqtt_meter m;
	struct hp_mqtt_retained r;
	setup(&m, "home");
	hp_mqtt_retained_init(&r, NULL);
	hp_mqtt_meter_retained(&m, &r);
	char *text = json_dumps(r.current, JSON_COMPACT);
	CHECK_STREQ(text, "[\"homeassistant/device/hanp1d_home/config\",\"hanp1d/home/status\","
			  "\"hanp1d/home/info\",\"hanp1d/home/mbus/1\",\"hanp1d/home/mbus/2\","
			  "\"hanp1d/home/mbus/3\",\"hanp1d/home/mbus/4\"]");
	free(text);
	hp_mqtt_retained_free(&r);
	hp_mqtt_meter_free(&m);
	/* Discovery off: no config topic; the AMS reader layout: no info or mbus. */
	cfg.mqtt.discovery = false;
	cfg.mqtt.format = HP_MQTT_FORMAT_AMSREADER;
	setup(&m, "home");
	hp_mqtt_retained_init(&r, NULL);
	hp_mqtt_meter_retained(&m, &r);
	text = json_dumps(r.current, JSON_COMPACT);
	CHECK_STREQ(text, "[\"hanp1d/home/status\"]");
	free(text);
	hp_mqtt_retained_free(&r);
	hp_mqtt_meter_free(&m);
	cfg.mqtt.discovery = true;
	cfg.mqtt.format = HP_MQTT_FORMAT_HANP1D;
}

static void test_per_value(void)
{
	cfg.mqtt.per_value_topics = true;
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	struct hp_reading r = dsmr5(1234, 500, 0);
	hp_mqtt_meter_reading(&m, &r, utc_ms(2025, 1, 15, 11, 0, 0), 1000, &sink);
	const struct sent *s = last_on(&rec, "hanp1d/home/power_import_w");
	CHECK(s != NULL && strcmp(s->payload, "1234") == 0 && !s->retain);
	s = last_on(&rec, "hanp1d/home/meter_id");
	CHECK(s != NULL && strcmp(s->payload, "7359990000123458") == 0);
	s = last_on(&rec, "hanp1d/home/time");
	CHECK(s != NULL && strcmp(s->payload, "2025-01-15T12:00:00+01:00") == 0);
	CHECK(last_on(&rec, "hanp1d/home/mbus") == NULL);
	/* One topic per scalar key of the state. */
	json_t *state = json_on(&rec, "hanp1d/home/state");
	const char *key;
	json_t *v;
	json_object_foreach(state, key, v)
	{
		char topic[HP_MQTT_TOPIC_MAX];
		snprintf(topic, sizeof(topic), "hanp1d/home/%s", key);
		CHECK_MSG(count_on(&rec, topic) == (json_is_object(v) || json_is_array(v) ? 0 : 1),
			  "%s", topic);
	}
	json_decref(state);
	cfg.mqtt.per_value_topics = false;
	hp_mqtt_meter_free(&m);
}

static void test_amsreader_format(void)
{
	cfg.mqtt.format = HP_MQTT_FORMAT_AMSREADER;
	snprintf(cfg.mqtt.base_topic, sizeof(cfg.mqtt.base_topic), "ams");
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	struct hp_reading r = dsmr5(1234, 500, 0);
	hp_mqtt_meter_reading(&m, &r, utc_ms(2025, 1, 15, 11, 0, 0), 1000, &sink);
	hp_mqtt_meter_announce(&m, 1500, 30, &sink);
	CHECK_INT(count_on(&rec, "homeassistant/device/hanp1d_home/config"), 0);
	CHECK_INT(count_on(&rec, "ams/state"), 0);
	CHECK_INT(count_on(&rec, "ams/power"), 0);
	json_t *o = json_on(&rec, "ams");
	CHECK_NEAR(json_number_value(json_object_get(json_object_get(o, "data"), "P")), 1234);
	CHECK_STREQ(json_string_value(json_object_get(o, "name")), "hanp1d-pi");
	json_decref(o);
	const struct sent *s = last_on(&rec, "ams/meter/import/active");
	CHECK(s != NULL && strcmp(s->payload, "1234") == 0);
	s = last_on(&rec, "ams/meter/import/active/accumulated");
	CHECK(s != NULL && s->retain);
	s = last_on(&rec, "ams/status");
	CHECK(s != NULL && strcmp(s->payload, "online") == 0);
	cfg.mqtt.format = HP_MQTT_FORMAT_HANP1D;
	snprintf(cfg.mqtt.base_topic, sizeof(cfg.mqtt.base_topic), "hanp1d/<meter>");
	hp_mqtt_meter_free(&m);
}

static void test_remove_old_meter(void)
{
	recorder_clear(&rec);
	hp_mqtt_remove_old_meter(&cfg.mqtt, "garage", &sink);
	static const char *const topics[] = {"homeassistant/device/hanp1d_garage/config",
					     "hanp1d/garage/info",
					     "hanp1d/garage/mbus/1",
					     "hanp1d/garage/mbus/2",
					     "hanp1d/garage/mbus/3",
					     "hanp1d/garage/mbus/4",
					     "hanp1d/garage/status"};
	static const bool retain[] = {true, true, true, true, true, true, true};
	expect_order(topics, 7, retain);
	for (int i = 0; i < rec.count; i++)
		CHECK_STREQ(rec.m[i].payload, "");
}

static void test_status_json(void)
{
	static struct hp_mqtt_meter m;
	setup(&m, "home");
	json_t *o = hp_mqtt_meter_status_json(&m, 5000, 30);
	CHECK(json_is_false(json_object_get(o, "online")));
	CHECK(json_is_null(json_object_get(o, "last_reading_age_s")));
	json_decref(o);
	struct hp_reading r = dsmr5(1234, 500, 0);
	hp_mqtt_meter_reading(&m, &r, 1000, 5000, &sink);
	o = hp_mqtt_meter_status_json(&m, 7500, 30);
	CHECK(json_is_true(json_object_get(o, "online")));
	CHECK_NEAR(json_number_value(json_object_get(o, "last_reading_age_s")), 2.5);
	CHECK(json_is_true(json_object_get(o, "discovery")));
	CHECK_STREQ(json_string_value(json_object_get(o, "discovery_topic")),
		    "homeassistant/device/hanp1d_home/config");
	json_decref(o);
	hp_mqtt_meter_free(&m);
}

/* A template too long for the topic buffers is refused, not cut. */
static void test_topic_limits(void)
{
	static struct hp_mqtt_meter m;
	static struct hp_mqtt_config q;
	q = cfg.mqtt;
	memset(q.base_topic, 'a', sizeof(q.base_topic) - 1);
	q.base_topic[sizeof(q.base_topic) - 1] = '\0';
	memcpy(q.base_topic,
	       "<meter><meter><meter><meter><meter><meter><meter><meter><meter>"
	       "<meter><meter><meter><meter><meter><meter><meter>",
	       112);
	struct hp_mqtt_meter_setup s = {
	    &q,   "abcdefghijklmnopqrstuvwxyz01234", "hanp1d/status", "Electricity meter", "", &env,
	    cet()};
	CHECK_INT(hp_mqtt_meter_init(&m, &s), -1);
	hp_mqtt_meter_free(&m);
}

int main(void)
{
	away_from_cet();
	hp_config_defaults(&cfg);
	test_realtime();
	test_lazy();
	test_discovery_off();
	test_interval();
	test_accounting_cadence();
	test_status_again();
	test_retained_topics();
	test_per_value();
	test_amsreader_format();
	test_remove_old_meter();
	test_status_json();
	test_topic_limits();
	recorder_clear(&rec);
	return check_report("mqtt_meter");
}
