/* The AMS reader layouts (amsreader-compat.md, MQTT): the list number from the keys
 * of a frame, exactly the keys of JSON classic per list with the firmware's decimals
 * and zeros, registers never faked, and the raw topics with their retain flags. */
#include "mqtt_amsreader.h"
#include "test_mqtt_fixture.h"

static const struct hp_ams_env env = {"b8:27:eb:01:02:03", "hanp1d-pi", 3600, 41.25};

static void check_keys(const json_t *o, const char *keys, const char *legend)
{
	char list[512];
	snprintf(list, sizeof(list), "%s", keys);
	size_t n = 0;
	for (char *k = strtok(list, " "); k != NULL; k = strtok(NULL, " ")) {
		n++;
		CHECK_MSG(json_object_get(o, k) != NULL, "%s: no %s", legend, k);
	}
	CHECK_MSG(json_object_size(o) == n, "%s: %zu keys, want %zu", legend, json_object_size(o),
		  n);
}

#define LIST2 "lv meterId type P Q PO QO I1 I2 I3 U1 U2 U3"

static json_t *classic(enum hp_enc_profile p, struct hp_enc_values *v, int want_list,
		       int64_t wall_ms)
{
	static struct hp_reading r;
	CHECK(make_reading(p, v, &r));
	CHECK_INT(hp_ams_list(&r), want_list);
	struct hp_mqtt_frame f;
	hp_mqtt_frame_init(&f, &r, wall_ms, cet());
	json_t *o = hp_ams_json(&f, &env);
	hp_mqtt_frame_free(&f);
	return o;
}

static void test_json_classic(void)
{
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	int64_t wall = utc_ms(2025, 1, 15, 11, 0, 5);
	json_t *o = classic(HP_PROFILE_KAIFA_LIST1, &v, 1, wall);
	check_keys(o, "id name up t vcc rssi temp data", "envelope");
	CHECK_STREQ(json_string_value(json_object_get(o, "id")), "b8:27:eb:01:02:03");
	CHECK_STREQ(json_string_value(json_object_get(o, "name")), "hanp1d-pi");
	CHECK_INT(json_integer_value(json_object_get(o, "up")), 3600);
	CHECK_INT(json_integer_value(json_object_get(o, "t")), wall / 1000);
	CHECK_NEAR(json_number_value(json_object_get(o, "temp")), 41.25);
	check_keys(json_object_get(o, "data"), "P", "list 1");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(o, "data"), "P")), 3127);
	json_decref(o);

	o = classic(HP_PROFILE_KAIFA_LIST2, &v, 2, wall);
	json_t *d = json_object_get(o, "data");
	check_keys(d, LIST2, "list 2");
	CHECK_STREQ(json_string_value(json_object_get(d, "lv")), "KFM_001");
	CHECK_STREQ(json_string_value(json_object_get(d, "meterId")), "7359990000123458");
	CHECK_STREQ(json_string_value(json_object_get(d, "type")), "6841138BN245101091");
	CHECK_INT(json_integer_value(json_object_get(d, "Q")), 184);
	CHECK_NEAR(json_number_value(json_object_get(d, "I1")), 4.21);
	CHECK_NEAR(json_number_value(json_object_get(d, "U2")), 230.7);
	json_decref(o);

	/* List 3: registers and the meter clock (12:00:00 CET = 11:00:00Z). */
	o = classic(HP_PROFILE_KAIFA_LIST3, &v, 3, wall);
	d = json_object_get(o, "data");
	check_keys(d, LIST2 " tPI tPO tQI tQO rtc", "list 3");
	CHECK_NEAR(json_number_value(json_object_get(d, "tPI")), 42871.24);
	CHECK_INT(json_integer_value(json_object_get(d, "rtc")),
		  utc_ms(2025, 1, 15, 11, 0, 0) / 1000);
	json_decref(o);

	/* DSMR 5: per phase, so list 4; the tariff registers; no reactive registers
	 * (never a zero for a register the meter does not send). */
	o = classic(HP_PROFILE_DSMR50_NL, &v, 4, wall);
	d = json_object_get(o, "data");
	check_keys(d,
		   LIST2 " tPI tPIT1 tPIT2 tPO tPOT1 tPOT2 rtc P1 P2 P3 PO1 PO2 PO3 PF PF1 PF2 PF3",
		   "list 4");
	CHECK_STREQ(json_string_value(json_object_get(d, "lv")), "50");
	CHECK_INT(json_integer_value(json_object_get(d, "Q")), 0); /* not sent: 0 */
	CHECK_NEAR(json_number_value(json_object_get(d, "PF")), 0);
	CHECK_INT(json_integer_value(json_object_get(d, "P2")), 964);
	CHECK_NEAR(json_number_value(json_object_get(d, "tPIT2")), 15000);
	json_decref(o);

	/* HU: power factors with two decimals. */
	o = classic(HP_PROFILE_DSMR_HU, &v, 4, wall);
	d = json_object_get(o, "data");
	CHECK_NEAR(json_number_value(json_object_get(d, "PF")), 0.94);
	CHECK_NEAR(json_number_value(json_object_get(d, "PF2")), 0.94);
	CHECK(json_object_get(d, "tQI") != NULL);
	json_decref(o);
}

struct raw {
	int count;
	char topic[64][64];
	char value[64][64];
	bool retain[64];
};

static void collect(void *ctx, const char *subtopic, const char *value, bool retain)
{
	struct raw *r = ctx;
	if (r->count >= 64)
		return;
	snprintf(r->topic[r->count], 64, "%s", subtopic);
	snprintf(r->value[r->count], 64, "%s", value);
	r->retain[r->count++] = retain;
}

static int find(const struct raw *r, const char *topic)
{
	for (int i = 0; i < r->count; i++)
		if (strcmp(r->topic[i], topic) == 0)
			return i;
	return -1;
}

static void check_raw(const struct raw *r, const char *topic, const char *value, bool retain)
{
	int i = find(r, topic);
	CHECK_MSG(i >= 0, "no %s", topic);
	if (i < 0)
		return;
	CHECK_MSG(strcmp(r->value[i], value) == 0, "%s: %s, want %s", topic, r->value[i], value);
	CHECK_MSG(r->retain[i] == retain, "%s: retain", topic);
}

static void test_raw(void)
{
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading r;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST3, &v, &r));
	struct hp_mqtt_frame f;
	int64_t wall = utc_ms(2025, 1, 15, 11, 0, 5);
	hp_mqtt_frame_init(&f, &r, wall, cet());
	static struct raw raw;
	hp_ams_raw(&f, &env, collect, &raw);
	hp_mqtt_frame_free(&f);
	char t[24];
	snprintf(t, sizeof(t), "%lld", (long long)(wall / 1000));
	check_raw(&raw, "meter/dlms/timestamp", t, false);
	snprintf(t, sizeof(t), "%lld", (long long)(utc_ms(2025, 1, 15, 11, 0, 0) / 1000));
	check_raw(&raw, "meter/clock", t, false);
	check_raw(&raw, "meter/id", "7359990000123458", true); /* with registers: retained */
	check_raw(&raw, "meter/type", "6841138BN245101091", true);
	check_raw(&raw, "meter/import/active", "3127", false);
	check_raw(&raw, "meter/export/active", "0", false);
	check_raw(&raw, "meter/import/reactive", "184", false);
	check_raw(&raw, "meter/export/reactive", "298", false);
	check_raw(&raw, "meter/l1/current", "4.21", false);
	check_raw(&raw, "meter/l3/voltage", "231.70", false);
	check_raw(&raw, "meter/import/active/accumulated", "42871.240", true);
	check_raw(&raw, "meter/export/active/accumulated", "9312.880", true);
	check_raw(&raw, "meter/import/reactive/accumulated", "7733.410", true);
	check_raw(&raw, "meter/export/reactive/accumulated", "6120.060", true);
	check_raw(&raw, "id", "b8:27:eb:01:02:03", true);
	check_raw(&raw, "uptime", "3600", false);
	CHECK(find(&raw, "meter/import/l1") < 0); /* Kaifa sends no per-phase power */
	CHECK(find(&raw, "meter/powerfactor") < 0);
	CHECK_INT(raw.count, 20);

	/* A list 2 frame: ids not retained. */
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST2, &v, &r));
	hp_mqtt_frame_init(&f, &r, wall, cet());
	memset(&raw, 0, sizeof(raw));
	hp_ams_raw(&f, &env, collect, &raw);
	hp_mqtt_frame_free(&f);
	check_raw(&raw, "meter/id", "7359990000123458", false);
	CHECK(find(&raw, "meter/import/active/accumulated") < 0);

	/* DSMR 5: per phase power and tariff registers. */
	CHECK(make_reading(HP_PROFILE_DSMR50_NL, &v, &r));
	hp_mqtt_frame_init(&f, &r, wall, cet());
	memset(&raw, 0, sizeof(raw));
	hp_ams_raw(&f, &env, collect, &raw);
	hp_mqtt_frame_free(&f);
	check_raw(&raw, "meter/import/l2", "964", false);
	check_raw(&raw, "meter/export/l3", "0", false);
	check_raw(&raw, "meter/import/active/accumulated/tariff1", "27871.240", true);
	check_raw(&raw, "meter/export/active/accumulated/tariff2", "4000.000", true);
}

int main(void)
{
	away_from_cet();
	test_json_classic();
	test_raw();
	return check_report("mqtt_amsreader");
}
