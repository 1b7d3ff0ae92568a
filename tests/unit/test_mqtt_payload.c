/* The MQTT state payloads and their times (home-assistant.md, Topics and Times),
 * the topic names, and the merge of interval mode: readings built by hand and by the
 * encoder, compared key by key, and the doc's example state messages. */
#include "mqtt_payload.h"
#include "mqtt_topics.h"
#include "reading_json.h"
#include "test_mqtt_fixture.h"

/* ---- times ---- */

static void check_iso_in(const struct hp_tz *zone, int64_t ms, const char *want)
{
	char out[HP_ISO_TIME_MAX];
	CHECK_INT(hp_mqtt_time_iso(zone, ms, out, sizeof(out)), 0);
	CHECK_STREQ(out, want);
}

static void check_wall_in(const struct hp_tz *zone, const char *wall, int dst, const char *want,
			  int64_t want_epoch)
{
	char out[HP_ISO_TIME_MAX];
	int64_t epoch = -1;
	int rc = hp_mqtt_wall_iso(zone, wall, dst, out, sizeof(out), &epoch);
	CHECK_MSG(rc == (want != NULL ? 0 : -1), "%s dst %d: rc %d", wall, dst, rc);
	CHECK_STREQ(out, want != NULL ? want : "");
	if (want != NULL)
		CHECK_MSG(epoch == want_epoch, "%s dst %d: epoch %lld, want %lld", wall, dst,
			  (long long)epoch, (long long)want_epoch);
}

static void check_iso(int64_t ms, const char *want)
{
	check_iso_in(cet(), ms, want);
}

static void check_wall(const char *wall, int dst, const char *want, int64_t want_epoch)
{
	check_wall_in(cet(), wall, dst, want, want_epoch);
}

/* The process runs in New York time (away_from_cet): every offset below is the
 * meter zone's. */
static void test_times(void)
{
	CHECK(cet() != NULL);
	/* The doc's receive time: 16:00:10Z is 17:00:10 in Oslo in January. */
	check_iso(utc_ms(2025, 1, 15, 16, 0, 10), "2025-01-15T17:00:10+01:00");
	check_iso(utc_ms(2025, 1, 15, 16, 0, 10) + 999, "2025-01-15T17:00:10+01:00");
	check_iso(utc_ms(2025, 7, 1, 10, 0, 0), "2025-07-01T12:00:00+02:00");
	check_wall("2025-01-15T17:00:00", 0, "2025-01-15T17:00:00+01:00",
		   utc_ms(2025, 1, 15, 16, 0, 0) / 1000);
	check_wall("2025-01-15T17:00:00", -1, "2025-01-15T17:00:00+01:00",
		   utc_ms(2025, 1, 15, 16, 0, 0) / 1000);
	/* A flag that contradicts the date does not move the time. */
	check_wall("2025-01-15T17:00:00", 1, "2025-01-15T17:00:00+01:00",
		   utc_ms(2025, 1, 15, 16, 0, 0) / 1000);
	check_wall("2025-07-01T12:00:00", 0, "2025-07-01T12:00:00+02:00",
		   utc_ms(2025, 7, 1, 10, 0, 0) / 1000);
	check_wall("2025-07-01T12:00:00", -1, "2025-07-01T12:00:00+02:00",
		   utc_ms(2025, 7, 1, 10, 0, 0) / 1000);
	/* The day before the autumn change: one occurrence, whatever the flag says. */
	check_wall("2025-10-25T02:30:00", 0, "2025-10-25T02:30:00+02:00",
		   utc_ms(2025, 10, 25, 0, 30, 0) / 1000);
	/* The repeated autumn hour: the flag picks, the first occurrence (summer)
	 * without it. */
	check_wall("2025-10-26T02:30:00", 1, "2025-10-26T02:30:00+02:00",
		   utc_ms(2025, 10, 26, 0, 30, 0) / 1000);
	check_wall("2025-10-26T02:30:00", 0, "2025-10-26T02:30:00+01:00",
		   utc_ms(2025, 10, 26, 1, 30, 0) / 1000);
	check_wall("2025-10-26T02:30:00", -1, "2025-10-26T02:30:00+02:00",
		   utc_ms(2025, 10, 26, 0, 30, 0) / 1000);
	check_wall("2025-10-26T02:00:00", 0, "2025-10-26T02:00:00+01:00",
		   utc_ms(2025, 10, 26, 1, 0, 0) / 1000);
	check_wall("2025-10-26T02:59:59", 0, "2025-10-26T02:59:59+01:00",
		   utc_ms(2025, 10, 26, 1, 59, 59) / 1000);
	check_wall("2025-10-26T03:00:00", 1, "2025-10-26T03:00:00+01:00",
		   utc_ms(2025, 10, 26, 2, 0, 0) / 1000);
	/* The spring gap: the offset before it. */
	check_wall("2025-03-30T02:30:00", -1, "2025-03-30T02:30:00+01:00",
		   utc_ms(2025, 3, 30, 1, 30, 0) / 1000);
	check_wall("2025-03-30T02:30:00", 1, "2025-03-30T02:30:00+01:00",
		   utc_ms(2025, 3, 30, 1, 30, 0) / 1000);
	check_wall("", -1, NULL, 0);
	check_wall("2025-01-15 17:00:00", -1, NULL, 0);
	check_wall("2025-13-15T17:00:00", -1, NULL, 0);
	check_wall("2025-01-15T17:00", -1, NULL, 0);
	/* West of UTC, with its own autumn hour a week later than Europe's, and UTC
	 * itself: zones of other meters of the same daemon. */
	const struct hp_tz *ny = hp_tz_get("EST5EDT,M3.2.0,M11.1.0", NULL, 0);
	check_iso_in(ny, utc_ms(2025, 1, 15, 16, 0, 10), "2025-01-15T11:00:10-05:00");
	check_wall_in(ny, "2025-11-02T01:30:00", 0, "2025-11-02T01:30:00-05:00",
		      utc_ms(2025, 11, 2, 6, 30, 0) / 1000);
	check_wall_in(ny, "2025-11-02T01:30:00", 1, "2025-11-02T01:30:00-04:00",
		      utc_ms(2025, 11, 2, 5, 30, 0) / 1000);
	check_wall_in(ny, "2025-10-26T02:30:00", 0, "2025-10-26T02:30:00-04:00",
		      utc_ms(2025, 10, 26, 6, 30, 0) / 1000);
	check_iso_in(hp_tz_utc(), utc_ms(2025, 1, 15, 16, 0, 10), "2025-01-15T16:00:10+00:00");
	check_wall_in(hp_tz_utc(), "2025-10-26T02:30:00", 1, "2025-10-26T02:30:00+00:00",
		      utc_ms(2025, 10, 26, 2, 30, 0) / 1000);
	/* Without a zone there is no offset to give. */
	char out[HP_ISO_TIME_MAX] = "x";
	CHECK_INT(hp_mqtt_time_iso(NULL, 0, out, sizeof(out)), -1);
	CHECK_STREQ(out, "");
	CHECK_INT(hp_mqtt_wall_iso(NULL, "2025-01-15T17:00:00", -1, out, sizeof(out), NULL), -1);
}

/* Two meters of one daemon in different zones: the same reading gets each
 * meter's offsets. */
static void test_meter_zones(void)
{
	static struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set_text(&r, HP_TEXT_METER_TIME, "2025-10-26T02:30:00", 19);
	r.meter_time_dst = 0;
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 500);
	struct hp_mqtt_frame f;
	hp_mqtt_frame_init(&f, &r, utc_ms(2025, 10, 26, 1, 30, 5), cet());
	json_t *o = hp_mqtt_state_json(&f);
	CHECK_STREQ(json_string_value(json_object_get(o, "time")), "2025-10-26T02:30:05+01:00");
	CHECK_STREQ(json_string_value(json_object_get(o, "meter_time_iso")),
		    "2025-10-26T02:30:00+01:00");
	CHECK_INT(f.meter_time_epoch_s, utc_ms(2025, 10, 26, 1, 30, 0) / 1000);
	json_decref(o);
	hp_mqtt_frame_free(&f);
	const struct hp_tz *lisbon = hp_tz_get("WET0WEST,M3.5.0/1,M10.5.0", NULL, 0);
	hp_mqtt_frame_init(&f, &r, utc_ms(2025, 10, 26, 1, 30, 5), lisbon);
	o = hp_mqtt_state_json(&f);
	CHECK_STREQ(json_string_value(json_object_get(o, "time")), "2025-10-26T01:30:05+00:00");
	CHECK_STREQ(json_string_value(json_object_get(o, "meter_time_iso")),
		    "2025-10-26T02:30:00+00:00");
	json_decref(o);
	hp_mqtt_frame_free(&f);
}

/* ---- the doc's example: meter `main`, a Kaifa, January in Norway ---- */

static void doc_reading(struct hp_reading *r)
{
	hp_reading_init(r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set_text(r, HP_TEXT_METER_ID, "6970631403275928", 16);
	hp_reading_set_text(r, HP_TEXT_METER_MODEL, "MA304H3E", 8);
	hp_reading_set_text(r, HP_TEXT_MANUFACTURER, "Kaifa", 5);
	hp_reading_set_text(r, HP_TEXT_LIST_ID, "KFM_001", 7);
	hp_reading_set_text(r, HP_TEXT_METER_TIME, "2025-01-15T17:00:00", 19);
	r->meter_time_dst = 0;
	hp_reading_set(r, HP_NUM_POWER_IMPORT_W, 1849);
	hp_reading_set(r, HP_NUM_POWER_EXPORT_W, 0);
	hp_reading_set(r, HP_NUM_L1_CURRENT_A, 3.1);
	hp_reading_set(r, HP_NUM_ENERGY_IMPORT_KWH, 23817.092);
	hp_reading_set(r, HP_NUM_ENERGY_EXPORT_KWH, 0.0);
	r->mbus_count = 1;
	struct hp_mbus_reading *g = &r->mbus[0];
	memset(g, 0, sizeof(*g));
	g->channel = 1;
	g->device_type = 3;
	snprintf(g->id, sizeof(g->id), "4819243993373755377509728609491464");
	g->value = 981.443;
	g->has_value = true;
	snprintf(g->unit, sizeof(g->unit), "m3");
	snprintf(g->time, sizeof(g->time), "2025-01-15T16:55:00");
}

static void check_payload(json_t *o, const char *want, const char *legend)
{
	CHECK_MSG(o != NULL, "%s: no payload", legend);
	if (o == NULL)
		return;
	CHECK_MSG(same_json_text(o, want, legend), "%s differs from the doc", legend);
	json_decref(o);
}

static void test_doc_example(void)
{
	static struct hp_reading r;
	doc_reading(&r);
	struct hp_mqtt_frame f;
	hp_mqtt_frame_init(&f, &r, utc_ms(2025, 1, 15, 16, 0, 10), cet());
	struct hp_mqtt_identity id = {0};
	CHECK(hp_mqtt_identity_update(&id, &r));
	CHECK(!hp_mqtt_identity_update(&id, &r));
	check_payload(hp_mqtt_power_json(&f),
		      "{\"power_import_w\": 1849, \"power_export_w\": 0, \"l1_current_a\": 3.1,"
		      " \"time\": \"2025-01-15T17:00:10+01:00\"}",
		      "power");
	check_payload(hp_mqtt_energy_json(&f, NULL),
		      "{\"energy_import_kwh\": 23817.092, \"energy_export_kwh\": 0.0,"
		      " \"time\": \"2025-01-15T17:00:10+01:00\"}",
		      "energy");
	check_payload(hp_mqtt_info_json(&f, &id),
		      "{\"meter_id\": \"6970631403275928\", \"meter_model\": \"MA304H3E\","
		      " \"manufacturer\": \"Kaifa\", \"list_id\": \"KFM_001\","
		      " \"meter_time\": \"2025-01-15T17:00:00\", \"meter_time_dst\": false,"
		      " \"meter_time_iso\": \"2025-01-15T17:00:00+01:00\","
		      " \"time\": \"2025-01-15T17:00:10+01:00\"}",
		      "info");
	check_payload(hp_mqtt_mbus_json(&f, 0),
		      "{\"channel\": 1, \"device_type\": 3, \"kind\": \"gas\","
		      " \"id\": \"4819243993373755377509728609491464\", \"value\": 981.443,"
		      " \"unit\": \"m3\", \"time\": \"2025-01-15T16:55:00\"}",
		      "mbus/1");
	CHECK(hp_mqtt_mbus_json(&f, 1) == NULL);

	/* The state: the reading as the decoder prints it, plus the times. */
	json_t *state = hp_mqtt_state_json(&f);
	json_t *want = hp_reading_to_json(&r);
	json_object_set_new(want, "meter_time_iso", json_string("2025-01-15T17:00:00+01:00"));
	json_object_set_new(want, "time", json_string("2025-01-15T17:00:10+01:00"));
	CHECK(same_json(state, want, "state"));
	json_decref(want);
	json_decref(state);

	/* Accounting joins the energy payload when there is one. */
	json_t *acc = json_pack("{s:f}", "hour_import_kwh", 1.25);
	json_t *energy = hp_mqtt_energy_json(&f, acc);
	CHECK(json_equal(json_object_get(energy, "accounting"), acc));
	json_decref(energy);
	json_decref(acc);
	hp_mqtt_frame_free(&f);
}

/* <base>/accounting: the running figures and the receive time, from any frame, and
 * never a register of the frame (Home Assistant's total_increasing sensors read
 * registers from `energy` only). */
static void test_accounting(void)
{
	static struct hp_reading r;
	doc_reading(&r);
	struct hp_mqtt_frame f;
	hp_mqtt_frame_init(&f, &r, utc_ms(2025, 1, 15, 16, 0, 10), cet());
	CHECK(hp_mqtt_accounting_json(&f, NULL) == NULL);
	json_t *acc = json_loads("{\"currency\": \"NOK\", \"hour\": {\"import_kwh\": 0.42,"
				 " \"export_kwh\": 0}, \"day\": {\"import_kwh\": 12.5,"
				 " \"export_kwh\": 0}, \"month\": {\"import_kwh\": 210.1,"
				 " \"export_kwh\": 3.2}, \"peak\": {\"month_kw\": 4.2}}",
				 0, NULL);
	CHECK(acc != NULL);
	check_payload(hp_mqtt_accounting_json(&f, acc),
		      "{\"currency\": \"NOK\", \"hour\": {\"import_kwh\": 0.42, \"export_kwh\": 0},"
		      " \"day\": {\"import_kwh\": 12.5, \"export_kwh\": 0},"
		      " \"month\": {\"import_kwh\": 210.1, \"export_kwh\": 3.2},"
		      " \"peak\": {\"month_kw\": 4.2}, \"time\": \"2025-01-15T17:00:10+01:00\"}",
		      "accounting");
	/* The borrowed object is left as it was. */
	CHECK(json_object_get(acc, "time") == NULL);
	hp_mqtt_frame_free(&f);

	/* A frame without registers (Kaifa list 1) has no energy payload, but the
	 * running figures still go out. */
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading list1;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST1, &v, &list1));
	hp_mqtt_frame_init(&f, &list1, utc_ms(2025, 1, 15, 16, 0, 12), cet());
	CHECK(hp_mqtt_energy_json(&f, acc) == NULL);
	json_t *o = hp_mqtt_accounting_json(&f, acc);
	CHECK_STREQ(json_string_value(json_object_get(o, "time")), "2025-01-15T17:00:12+01:00");
	CHECK_INT(json_object_size(o), 6);
	json_decref(o);
	hp_mqtt_frame_free(&f);
	json_decref(acc);
}

/* A Kaifa list 1 frame: power only, no ids; info keeps the identity known. */
static void test_partial_frames(void)
{
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	static struct hp_reading list1, list2;
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST1, &v, &list1));
	CHECK(make_reading(HP_PROFILE_KAIFA_LIST2, &v, &list2));
	struct hp_mqtt_identity id = {0};
	CHECK(hp_mqtt_identity_update(&id, &list2));
	CHECK(!hp_mqtt_identity_update(&id, &list1));
	CHECK_STREQ(id.text[HP_TEXT_METER_ID], "7359990000123458");
	struct hp_mqtt_frame f;
	int64_t t = utc_ms(2025, 1, 15, 11, 0, 0);
	hp_mqtt_frame_init(&f, &list1, t, cet());
	json_t *power = hp_mqtt_power_json(&f);
	CHECK_INT(json_object_size(power), 2); /* power_import_w and time */
	CHECK_NEAR(json_number_value(json_object_get(power, "power_import_w")), 3127);
	CHECK(hp_mqtt_energy_json(&f, NULL) == NULL);
	json_t *info = hp_mqtt_info_json(&f, &id);
	CHECK_STREQ(json_string_value(json_object_get(info, "meter_id")), "7359990000123458");
	CHECK_STREQ(json_string_value(json_object_get(info, "manufacturer")), "Kaifa");
	CHECK_STREQ(json_string_value(json_object_get(info, "meter_time_iso")),
		    "2025-01-15T12:00:00+01:00");
	json_decref(info);
	json_decref(power);
	hp_mqtt_frame_free(&f);

	/* A frame without a clock: info has the identity and time, no clock keys. */
	hp_mqtt_frame_init(&f, &list2, t, cet());
	static struct hp_reading noclock;
	noclock = list2;
	noclock.text[HP_TEXT_METER_TIME][0] = '\0';
	hp_mqtt_frame_free(&f);
	hp_mqtt_frame_init(&f, &noclock, t, cet());
	info = hp_mqtt_info_json(&f, &id);
	CHECK(json_object_get(info, "meter_time") == NULL);
	CHECK(json_object_get(info, "meter_time_iso") == NULL);
	CHECK(json_object_get(info, "meter_time_dst") == NULL);
	CHECK(json_object_get(info, "time") != NULL);
	json_decref(info);
	hp_mqtt_frame_free(&f);
}

/* Belgian frames: the demand keys on power, with the peak time's ISO form;
 * counters, tariff and message on energy. */
static void test_belgian_split(void)
{
	struct hp_enc_values v;
	hp_enc_values_example(&v, 3);
	v.demand_avg_w = 1234;
	v.demand_month_max_w = 4321;
	v.demand_month_max_time = (struct hp_enc_datetime){2025, 1, 10, 5, 18, 15, 0, 0, -60, 0};
	snprintf(v.message, sizeof(v.message), "Hello");
	add_gas(&v, 1234.567, 10);
	static struct hp_reading r;
	CHECK(make_reading(HP_PROFILE_DSMR_BE, &v, &r));
	struct hp_mqtt_frame f;
	hp_mqtt_frame_init(&f, &r, utc_ms(2025, 1, 15, 11, 12, 0), cet());
	json_t *power = hp_mqtt_power_json(&f), *energy = hp_mqtt_energy_json(&f, NULL);
	CHECK_NEAR(json_number_value(json_object_get(power, "demand_avg_w")), 1234);
	CHECK_NEAR(json_number_value(json_object_get(power, "demand_month_max_w")), 4321);
	CHECK_STREQ(json_string_value(json_object_get(power, "demand_month_max_time")),
		    "2025-01-10T18:15:00");
	CHECK_STREQ(json_string_value(json_object_get(power, "demand_month_max_time_iso")),
		    "2025-01-10T18:15:00+01:00");
	CHECK(json_object_get(power, "energy_import_kwh") == NULL);
	CHECK(json_object_get(power, "tariff") == NULL);
	CHECK(json_object_get(energy, "tariff") != NULL);
	CHECK(json_object_get(energy, "energy_import_t1_kwh") != NULL);
	CHECK_STREQ(json_string_value(json_object_get(energy, "message")), "Hello");
	CHECK(json_object_get(energy, "power_import_w") == NULL);
	/* Every numeric key of the frame is in exactly one of the two. */
	for (int k = 0; k < HP_NUM_COUNT; k++) {
		const char *key = hp_num_key((enum hp_num)k);
		bool in_power = json_object_get(power, key) != NULL;
		bool in_energy = json_object_get(energy, key) != NULL;
		CHECK_MSG(in_power + in_energy == hp_reading_has(&r, (enum hp_num)k), "%s", key);
	}
	json_t *gas = hp_mqtt_mbus_json(&f, 0);
	CHECK_STREQ(json_string_value(json_object_get(gas, "kind")), "gas");
	CHECK_NEAR(json_number_value(json_object_get(gas, "value")), 1234.567);
	json_decref(gas);
	json_decref(power);
	json_decref(energy);
	hp_mqtt_frame_free(&f);
}

static void test_merge(void)
{
	static struct hp_reading a, b;
	hp_reading_init(&a, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_init(&b, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&a, HP_NUM_POWER_IMPORT_W, 100);
	hp_reading_set(&a, HP_NUM_ENERGY_IMPORT_KWH, 5.5);
	hp_reading_set_text(&a, HP_TEXT_METER_ID, "A1", 2);
	hp_reading_set_text(&a, HP_TEXT_METER_TIME, "2025-01-15T10:00:00", 19);
	a.meter_time_dst = 0;
	a.mbus_count = 1;
	a.mbus[0] =
	    (struct hp_mbus_reading){.channel = 2, .device_type = 7, .value = 1, .has_value = true};
	hp_reading_set(&b, HP_NUM_POWER_IMPORT_W, 200);
	hp_reading_set(&b, HP_NUM_L1_VOLTAGE_V, 230.5);
	hp_reading_set_text(&b, HP_TEXT_METER_TIME, "2025-01-15T10:00:02", 19);
	b.meter_time_dst = -1;
	b.mbus_count = 2;
	b.mbus[0] =
	    (struct hp_mbus_reading){.channel = 1, .device_type = 3, .value = 9, .has_value = true};
	b.mbus[1] =
	    (struct hp_mbus_reading){.channel = 2, .device_type = 7, .value = 2, .has_value = true};
	hp_reading_merge(&a, &b);
	CHECK_NEAR(a.num[HP_NUM_POWER_IMPORT_W], 200);
	CHECK_NEAR(a.num[HP_NUM_ENERGY_IMPORT_KWH], 5.5);
	CHECK(hp_reading_has(&a, HP_NUM_L1_VOLTAGE_V));
	CHECK_STREQ(a.text[HP_TEXT_METER_ID], "A1");
	CHECK_STREQ(a.text[HP_TEXT_METER_TIME], "2025-01-15T10:00:02");
	CHECK_INT(a.meter_time_dst, -1);
	CHECK_INT(a.mbus_count, 2);
	CHECK_INT(a.mbus[0].channel, 1);
	CHECK_INT(a.mbus[1].channel, 2);
	CHECK_NEAR(a.mbus[1].value, 2);
}

static void test_scalar_text(void)
{
	char out[32];
	json_t *v = json_real(230.1);
	CHECK_INT(hp_mqtt_scalar_text(v, out, sizeof(out)), 5);
	CHECK_STREQ(out, "230.1");
	json_decref(v);
	v = json_integer(1849);
	hp_mqtt_scalar_text(v, out, sizeof(out));
	CHECK_STREQ(out, "1849");
	json_decref(v);
	v = json_string("KFM_001");
	hp_mqtt_scalar_text(v, out, sizeof(out));
	CHECK_STREQ(out, "KFM_001");
	json_decref(v);
	v = json_false();
	hp_mqtt_scalar_text(v, out, sizeof(out));
	CHECK_STREQ(out, "false");
	v = json_array();
	CHECK_INT(hp_mqtt_scalar_text(v, out, sizeof(out)), -1);
	json_decref(v);
	v = json_string("a string longer than the buffer it goes in");
	CHECK_INT(hp_mqtt_scalar_text(v, out, sizeof(out)), -1);
	json_decref(v);
}

static void test_topics(void)
{
	char out[HP_MQTT_TOPIC_MAX], name[64];
	CHECK_INT(hp_mqtt_base_topic("hanp1d/<meter>", "main", out, sizeof(out)), 0);
	CHECK_STREQ(out, "hanp1d/main");
	CHECK_INT(hp_mqtt_base_topic("home/<meter>/p1/<meter>", "a", out, sizeof(out)), 0);
	CHECK_STREQ(out, "home/a/p1/a");
	CHECK_INT(hp_mqtt_base_topic("ams", "main", out, sizeof(out)), 0);
	CHECK_STREQ(out, "ams");
	CHECK_INT(hp_mqtt_base_topic("hanp1d/<meter>", "main", out, 11), -1);
	CHECK_INT(hp_mqtt_base_topic("hanp1d/<meter>", "main", out, 12), 0);
	CHECK_INT(hp_mqtt_daemon_status_topic("hanp1d/<meter>", out, sizeof(out)), 0);
	CHECK_STREQ(out, "hanp1d/status");
	CHECK_INT(hp_mqtt_daemon_status_topic("home/energy/<meter>/p1", out, sizeof(out)), 0);
	CHECK_STREQ(out, "home/energy/status");
	CHECK_INT(hp_mqtt_daemon_status_topic("<meter>/p1", out, sizeof(out)), 0);
	CHECK_STREQ(out, "hanp1d/status");
	CHECK_INT(hp_mqtt_daemon_status_topic("ams", out, sizeof(out)), 0);
	CHECK_STREQ(out, "ams/status");
	/* Prices come in beside the daemon's status. */
	CHECK_INT(hp_mqtt_prices_topic("hanp1d/<meter>", out, sizeof(out)), 0);
	CHECK_STREQ(out, "hanp1d/prices");
	CHECK_INT(hp_mqtt_prices_topic("home/energy/<meter>/p1", out, sizeof(out)), 0);
	CHECK_STREQ(out, "home/energy/prices");
	CHECK_INT(hp_mqtt_prices_topic("<meter>", out, sizeof(out)), 0);
	CHECK_STREQ(out, "hanp1d/prices");
	CHECK_INT(hp_mqtt_prices_topic("ams", out, sizeof(out)), 0);
	CHECK_STREQ(out, "ams/prices");
	CHECK_INT(hp_mqtt_prices_topic("hanp1d/<meter>", out, 13), -1);
	CHECK_INT(hp_mqtt_prices_topic("hanp1d/<meter>", out, 14), 0);
	CHECK(hp_mqtt_discovery_meter("homeassistant", "homeassistant/device/hanp1d_main/config",
				      name, sizeof(name)));
	CHECK_STREQ(name, "main");
	CHECK(!hp_mqtt_discovery_meter("homeassistant", "homeassistant/device/other_x/config", name,
				       sizeof(name)));
	CHECK(!hp_mqtt_discovery_meter("homeassistant", "homeassistant/device/hanp1d_/config", name,
				       sizeof(name)));
	CHECK(!hp_mqtt_discovery_meter("homeassistant", "homeassistant/device/hanp1d_a/b/config",
				       name, sizeof(name)));
	CHECK(!hp_mqtt_discovery_meter("ha", "homeassistant/device/hanp1d_main/config", name,
				       sizeof(name)));
}

int main(void)
{
	away_from_cet();
	test_times();
	test_meter_zones();
	test_doc_example();
	test_accounting();
	test_partial_frames();
	test_belgian_split();
	test_merge();
	test_scalar_text();
	test_topics();
	return check_report("mqtt_payload");
}
