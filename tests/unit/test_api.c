/* The REST handlers and /metrics without sockets: a filled state in, JSON (or
 * Prometheus text) out, checked value by value. History goes through the store's
 * real write and read paths on a database in a temporary directory. */
#include <ctype.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "check.h"
#include "cipher.h"
#include "metrics.h"
#include "reading_json.h"
#include "store.h"
#include "test_query.h"

/* A fixed "now" (2024-05-01T10:00:00Z) keeps every age exact. */
#define NOW    1714557600000LL
#define HOUR   3600000LL
#define SECRET "00112233445566778899AABBCCDDEEFF"

static struct hp_config cfg;
static struct hp_state state;
static struct hp_api *api;
static char tmpdir[] = "/tmp/hp-test-api-XXXXXX";

/* ---- requests ---- */

/* Every answer passes through here: nothing secret may be in it. */
static void check_no_secret(json_t *body)
{
	char *text = json_dumps(body, HP_JSON_FLAGS);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	for (char *p = text; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	CHECK_MSG(strstr(text, SECRET) == NULL, "a key in %s", text);
	CHECK_MSG(strstr(text, "FFEEDDCCBBAA") == NULL, "an auth key in %s", text);
	CHECK_MSG(strstr(text, "$PBKDF2") == NULL, "the password hash in %s", text);
	free(text);
}

static json_t *request(const char *method, const char *path, const char *query, int64_t now,
		       unsigned *status)
{
	struct query q;
	parse_query(&q, query != NULL ? query : "");
	struct hp_api_reply reply;
	hp_api_handle(api, method, path, query_arg, &q, now, &reply);
	*status = reply.status;
	if (reply.text != NULL) {
		/* History answers come as text: the whole of it must parse. */
		json_error_t e = {.line = 0};
		CHECK(reply.body == NULL);
		reply.body = json_loadb(reply.text->buf, reply.text->len, 0, &e);
		CHECK_MSG(reply.body != NULL, "%s: %s", path, e.text);
		hp_json_text_free(reply.text);
	}
	CHECK(reply.body != NULL);
	check_no_secret(reply.body);
	return reply.body;
}

static json_t *get(const char *path, const char *query, int64_t now, unsigned *status)
{
	return request("GET", path, query, now, status);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "(none)";
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static json_int_t integer(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* ---- fixtures ---- */

static void fill_config(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.meter_count = 2;
	snprintf(cfg.meters[0].name, HP_NAME_MAX, "home");
	snprintf(cfg.meters[1].name, HP_NAME_MAX, "garage");
	struct hp_keys *k = &cfg.meters[0].keys;
	k->has_ek = k->has_ak = true;
	for (int i = 0; i < HP_KEY_LEN; i++) {
		k->ek[i] = (uint8_t)(i * 0x11);
		k->ak[i] = (uint8_t)(0xFF - i * 0x11);
	}
	cfg.http.auth = HP_AUTH_ALL;
	snprintf(cfg.http.user, HP_NAME_MAX, "admin");
	snprintf(cfg.http.password_hash, HP_HASH_MAX, "$pbkdf2-sha256$1000$c2FsdA$aGFzaA");
	cfg.stale_after_s = 30;
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/history.db", tmpdir);
	cfg.store.store_interval_s = 1;
	cfg.store.raw_days = 90;
	cfg.store.commit_interval_s = 60;
}

static struct hp_reading home_reading(double power_w, double energy_kwh)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, power_w);
	hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, energy_kwh);
	hp_reading_set(&r, HP_NUM_L1_VOLTAGE_V, 230.5);
	hp_reading_set_text(&r, HP_TEXT_METER_ID, "5706567274389702", 16);
	hp_reading_set_text(&r, HP_TEXT_MANUFACTURER, "Kamstrup", 8);
	hp_reading_set_text(&r, HP_TEXT_METER_MODEL, "6841121BN243101040", 18);
	hp_reading_finish(&r);
	return r;
}

/* ---- /meters and /now ---- */

static void test_meters_before_readings(void)
{
	unsigned status;
	json_t *a = get("/meters", NULL, NOW, &status);
	CHECK_INT(status, 200);
	CHECK_INT(json_array_size(a), 2);
	json_t *home = json_array_get(a, 0), *garage = json_array_get(a, 1);
	CHECK_STREQ(str(home, "name"), "home");
	CHECK_STREQ(str(garage, "name"), "garage");
	CHECK(json_is_null(json_object_get(home, "protocol")));
	CHECK(json_is_null(json_object_get(home, "meter_id")));
	CHECK(json_is_null(json_object_get(home, "last_reading_age_s")));
	CHECK(json_is_true(json_object_get(home, "stale")));
	json_decref(a);

	json_t *o = get("/meters/home/now", NULL, NOW, &status);
	CHECK_INT(status, 503);
	CHECK_STREQ(str(o, "error"), "no reading yet");
	CHECK_STREQ(str(o, "source_state"), "starting");
	CHECK_MSG(strstr(str(o, "probable_cause"), "nothing has been received") != NULL, "%s",
		  str(o, "probable_cause"));
	CHECK(json_is_null(json_object_get(o, "last_error")));
	json_decref(o);
}

static void test_meters_and_now(void)
{
	struct hp_reading r = home_reading(1234.5, 10.25);
	hp_state_set_reading(&state, 0, &r, NOW - 5250);
	unsigned status;
	json_t *a = get("/meters", NULL, NOW, &status);
	CHECK_INT(status, 200);
	json_t *home = json_array_get(a, 0);
	CHECK_STREQ(str(home, "protocol"), "dlms");
	CHECK_STREQ(str(home, "meter_id"), "5706567274389702");
	CHECK_STREQ(str(home, "manufacturer"), "Kamstrup");
	CHECK_STREQ(str(home, "meter_model"), "6841121BN243101040");
	CHECK_NEAR(num(home, "last_reading_age_s"), 5.25);
	CHECK(json_is_false(json_object_get(home, "stale")));
	CHECK(json_is_true(json_object_get(json_array_get(a, 1), "stale")));
	json_decref(a);

	json_t *o = get("/meters/home/now", NULL, NOW, &status);
	CHECK_INT(status, 200);
	CHECK_STREQ(str(o, "name"), "home");
	CHECK_STREQ(str(o, "time"), "2024-05-01T09:59:54.750Z");
	CHECK_NEAR(num(o, "age_s"), 5.25);
	CHECK(json_is_false(json_object_get(o, "stale")));
	json_t *reading = json_object_get(o, "reading");
	CHECK_NEAR(num(reading, "power_import_w"), 1234.5);
	CHECK_NEAR(num(reading, "energy_import_kwh"), 10.25);
	CHECK_NEAR(num(reading, "l1_voltage_v"), 230.5);
	CHECK_STREQ(str(reading, "protocol"), "dlms");
	CHECK_STREQ(str(reading, "framing"), "hdlc");
	CHECK(json_object_get(reading, "power_export_w") == NULL);
	/* The one JSON shape of a reading: exactly what reading_json makes. */
	json_t *expect = hp_reading_to_json(&r);
	CHECK(json_equal(reading, expect));
	json_decref(expect);
	json_decref(o);

	/* Stale exactly when older than stale_after (30 s). */
	o = get("/meters/home/now", NULL, NOW - 5250 + 30000, &status);
	CHECK(json_is_false(json_object_get(o, "stale")));
	json_decref(o);
	o = get("/meters/home/now", NULL, NOW - 5250 + 30001, &status);
	CHECK_INT(status, 200);
	CHECK(json_is_true(json_object_get(o, "stale")));
	CHECK_NEAR(num(o, "age_s"), 30.001);
	json_decref(o);
	a = get("/meters", NULL, NOW + 60000, &status);
	CHECK(json_is_true(json_object_get(json_array_get(a, 0), "stale")));
	json_decref(a);
	/* A clock stepped back gives age 0, not a negative one. */
	o = get("/meters/home/now", NULL, NOW - 60000, &status);
	CHECK_NEAR(num(o, "age_s"), 0);
	json_decref(o);
}

static void test_no_reading_causes(void)
{
	unsigned status;
	/* Bytes but no frame: the noise hint. */
	struct hp_decoder_stats st = {0};
	struct hp_source_status src = {.state = HP_SOURCE_RUNNING, .bytes = 800};
	hp_state_set_counters(&state, 1, &st, &src, 0);
	json_t *o = get("/meters/garage/now", NULL, NOW, &status);
	CHECK_INT(status, 503);
	CHECK_STREQ(str(o, "probable_cause"), hp_error_hint(HP_ERR_NOISE));
	CHECK_STREQ(str(o, "source_state"), "running");
	json_decref(o);
	/* The source's own complaint. */
	snprintf(src.detail, sizeof(src.detail), "the signal looks inverted");
	hp_state_set_counters(&state, 1, &st, &src, 0);
	o = get("/meters/garage/now", NULL, NOW, &status);
	CHECK_STREQ(str(o, "probable_cause"), "the signal looks inverted");
	json_decref(o);
	/* A decode error says the most. */
	struct hp_error e;
	hp_error_set(&e, HP_ERR_NO_KEY, "ciphered frame, no key configured");
	hp_state_set_error(&state, 1, &e, NOW - 2000);
	o = get("/meters/garage/now", NULL, NOW, &status);
	CHECK_INT(status, 503);
	CHECK_STREQ(str(o, "probable_cause"), hp_error_hint(HP_ERR_NO_KEY));
	json_t *le = json_object_get(o, "last_error");
	CHECK_STREQ(str(le, "error"), "no_key");
	CHECK_STREQ(str(le, "detail"), "ciphered frame, no key configured");
	CHECK_NEAR(num(le, "age_s"), 2.0);
	json_decref(o);
}

static void test_unknown_and_routes(void)
{
	unsigned status;
	json_t *o = get("/meters/nosuch/now", NULL, NOW, &status);
	CHECK_INT(status, 404);
	CHECK_STREQ(str(o, "error"), "unknown meter");
	CHECK_STREQ(str(o, "name"), "nosuch");
	json_decref(o);
	o = get("/meters/nosuch/history", NULL, NOW, &status);
	CHECK_INT(status, 404);
	json_decref(o);

	static const struct {
		const char *method, *path;
		unsigned status;
	} cases[] = {
	    {"GET", "/meters", 200},
	    {"GET", "/meters/", 200},
	    {"HEAD", "/meters", 200},
	    {"GET", "/status", 200},
	    {"GET", "/openapi.json", 200},
	    {"GET", "/meters/home/now/", 200},
	    {"GET", "", 404},
	    {"GET", "/", 404},
	    {"GET", "/nope", 404},
	    {"GET", "/meters/home", 404},
	    {"GET", "/meters/home/now/extra", 404},
	    {"GET", "/meters/home/later", 404},
	    {"GET", "/meters//now", 404},
	    {"GET", "//meters", 200},
	    {"GET", "/status/x", 404},
	    {"GET",
	     "/meters/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/now",
	     404},
	    {"POST", "/meters", 405},
	    {"DELETE", "/meters/home/now", 405},
	    {"PUT", "/status", 405},
	    {"POST", "/nope", 404},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query q = {.n = 0};
		struct hp_api_reply reply;
		hp_api_handle(api, cases[i].method, cases[i].path, query_arg, &q, NOW, &reply);
		CHECK_MSG(reply.status == cases[i].status, "%s %s: %u", cases[i].method,
			  cases[i].path, reply.status);
		CHECK(reply.body != NULL);
		if (reply.status >= 400)
			CHECK(json_is_string(json_object_get(reply.body, "error")));
		if (reply.status == 405)
			CHECK(reply.allow != NULL && strcmp(reply.allow, "GET, HEAD") == 0);
		else
			CHECK(reply.allow == NULL);
		check_no_secret(reply.body);
		json_decref(reply.body);
	}
}

/* ---- /status ---- */

static void test_status(void)
{
	struct hp_decoder_stats st = {.bytes = 5000,
				      .garbage_bytes = 12,
				      .frames = 10,
				      .readings = 7,
				      .ignored_apdus = 1,
				      .unauthenticated = 2,
				      .last_invocation_counter = 123456,
				      .has_system_title = true};
	st.errors[HP_ERR_CRC] = 1;
	st.errors[HP_ERR_AUTH] = 2;
	memcpy(st.last_system_title, "KFM\x10\x00\x01\x02\x03", HP_SYSTEM_TITLE_LEN);
	struct hp_source_status src = {.state = HP_SOURCE_RUNNING,
				       .baud = 2400,
				       .parity = HP_PARITY_8E1,
				       .detected = true,
				       .bytes = 5100,
				       .reconnects = 3,
				       .last_byte_ms = NOW - 500};
	hp_state_set_counters(&state, 0, &st, &src, 77);
	struct hp_error e;
	hp_error_set(&e, HP_ERR_CRC, "FCS 1234, computed 4321");
	hp_state_set_error(&state, 0, &e, NOW - 4000);
	struct hp_store_status ss = {.file_bytes = 4096, .rows = 10, .commits = 3, .failures = 1};
	snprintf(ss.last_error, sizeof(ss.last_error), "disk I/O error");
	hp_state_set_store(&state, &ss);

	unsigned status;
	json_t *o = get("/status", NULL, NOW, &status);
	CHECK_INT(status, 200);
	CHECK(json_is_string(json_object_get(o, "version")));
	CHECK_INT(integer(o, "uptime_s"), 3600);
	json_t *meters = json_object_get(o, "meters");
	CHECK_INT(json_array_size(meters), 2);
	json_t *m = json_array_get(meters, 0);
	CHECK_STREQ(str(m, "name"), "home");
	json_t *s = json_object_get(m, "source");
	CHECK_STREQ(str(s, "state"), "running");
	CHECK_INT(integer(s, "baud"), 2400);
	CHECK_STREQ(str(s, "parity"), "8E1");
	CHECK(json_is_true(json_object_get(s, "detected")));
	CHECK_INT(integer(s, "bytes"), 5100);
	CHECK_INT(integer(s, "reconnects"), 3);
	CHECK_NEAR(num(s, "last_byte_age_s"), 0.5);
	CHECK(json_is_null(json_object_get(s, "detail")));
	CHECK_INT(integer(m, "frames"), 10);
	CHECK_INT(integer(m, "readings"), 7);
	json_t *errors = json_object_get(m, "errors");
	CHECK_INT(json_object_size(errors), 7);
	CHECK_INT(integer(errors, "crc"), 1);
	CHECK_INT(integer(errors, "auth"), 2);
	CHECK_INT(integer(errors, "noise"), 0);
	CHECK_INT(integer(errors, "no_key"), 0);
	json_t *le = json_object_get(m, "last_error");
	CHECK_STREQ(str(le, "error"), "crc");
	CHECK_STREQ(str(le, "detail"), "FCS 1234, computed 4321");
	CHECK_STREQ(str(le, "probable_cause"), hp_error_hint(HP_ERR_CRC));
	CHECK_NEAR(num(le, "age_s"), 4.0);
	CHECK_INT(integer(m, "ring_dropped"), 77);
	json_t *pl = json_object_get(m, "implausible");
	CHECK_INT(integer(pl, "count"), 0);
	CHECK(json_is_null(json_object_get(pl, "last")));
	json_decref(o);
	hp_state_set_implausible(&state, 0, "l1_voltage_v = 2310 is above 345", NOW - 2000);
	o = get("/status", NULL, NOW, &status);
	meters = json_object_get(o, "meters");
	m = json_array_get(meters, 0);
	pl = json_object_get(m, "implausible");
	CHECK_INT(integer(pl, "count"), 1);
	CHECK_STREQ(str(pl, "last"), "l1_voltage_v = 2310 is above 345");
	CHECK_NEAR(num(pl, "age_s"), 2.0);
	CHECK_INT(integer(m, "garbage_bytes"), 12);
	CHECK_INT(integer(m, "unauthenticated"), 2);
	CHECK_INT(integer(m, "ignored_apdus"), 1);
	CHECK_STREQ(str(m, "system_title"), "KFM1000010203");
	CHECK_INT(integer(m, "invocation_counter"), 123456);
	/* The second meter: nothing yet, nulls rather than zeros where unknown. */
	json_t *g = json_array_get(meters, 1);
	CHECK(json_is_null(json_object_get(g, "system_title")));
	CHECK(json_is_null(json_object_get(g, "invocation_counter")));
	CHECK(json_is_null(json_object_get(g, "last_reading_age_s")));
	json_t *store = json_object_get(o, "store");
	CHECK_INT(integer(store, "size_bytes"), 4096);
	CHECK_INT(integer(store, "rows"), 10);
	CHECK_INT(integer(store, "commits"), 3);
	CHECK_INT(integer(store, "failures"), 1);
	CHECK_STREQ(str(store, "last_error"), "disk I/O error");
	json_decref(o);
}

/* ---- time parameters ---- */

static void test_parse_time(void)
{
	static const struct {
		const char *text;
		int64_t ms;
	} good[] = {
	    {"1714557600", 1714557600000LL},
	    {"1714557600.25", 1714557600250LL},
	    {"0", 0},
	    {"2024-05-01T10:00:00Z", 1714557600000LL},
	    {"2024-05-01t10:00:00z", 1714557600000LL},
	    {"2024-05-01T10:00Z", 1714557600000LL},
	    {"2024-05-01T10:00:00.5Z", 1714557600500LL},
	    {"2024-05-01T10:00:00.123456Z", 1714557600123LL},
	    {"2024-05-01T12:00:00+02:00", 1714557600000LL},
	    {"2024-05-01T12:00:00+0200", 1714557600000LL},
	    {"2024-05-01T12:00:00+02", 1714557600000LL},
	    {"2024-05-01T12:00:00 02:00", 1714557600000LL}, /* '+' unescaped to ' ' */
	    {"2024-05-01T05:30:00-04:30", 1714557600000LL},
	    {"2024-05-01 10:00:00Z", 1714557600000LL},
	    {"2024-02-29T00:00:00Z", 1709164800000LL},
	    /* Local time is the process's zone: CET/CEST here (main sets TZ). */
	    {"2024-05-01", 1714514400000LL},
	    {"2024-01-15T12:00", 1705316400000LL},
	    {"2024-05-01T12:00:00", 1714557600000LL},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t ms = -1;
		CHECK_MSG(hp_api_parse_time(good[i].text, &ms) == 0, "%s", good[i].text);
		CHECK_MSG(ms == good[i].ms, "%s: %lld, want %lld", good[i].text, (long long)ms,
			  (long long)good[i].ms);
	}
	static const char *const bad[] = {
	    "",
	    "yesterday",
	    "1714557600x",
	    "-5",
	    "1714557600.",
	    "99999999999999",
	    "253402300800",
	    "2024",
	    "2024-05",
	    "2024-13-01",
	    "2024-00-10",
	    "2023-02-29",
	    "2024-04-31",
	    "2024-05-01T",
	    "2024-05-01T10",
	    "2024-05-01T25:00Z",
	    "2024-05-01T10:60Z",
	    "2024-05-01T10:00:61Z",
	    "2024-05-01T10:00:00+24:00",
	    "2024-05-01T10:00:00+02:60",
	    "2024-05-01Z",
	    "2024-05-01T10:00:00ZZ",
	    "2024-05-01T10:00:00.Z",
	    "1969-12-31",
	    "2024-5-1",
	    " 2024-05-01",
	    "2024-05-01T10:00:00+2",
	};
	/* "2024" alone is epoch second 2024, as documented, so it is not among these. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ms = 0;
		bool is_year = strcmp(bad[i], "2024") == 0;
		CHECK_MSG((hp_api_parse_time(bad[i], &ms) == 0) == is_year, "\"%s\" taken as %lld",
			  bad[i], (long long)ms);
	}
	char text[HP_API_TIME_MAX];
	hp_api_format_time(0, text, sizeof(text));
	CHECK_STREQ(text, "1970-01-01T00:00:00.000Z");
	hp_api_format_time(1714557600250LL, text, sizeof(text));
	CHECK_STREQ(text, "2024-05-01T10:00:00.250Z");
}

/* ---- /history ---- */

static void check_param_error(const char *query, const char *parameter)
{
	unsigned status;
	json_t *o = get("/meters/home/history", query, NOW, &status);
	CHECK_MSG(status == 400, "%s: %u", query, status);
	CHECK_MSG(strcmp(str(o, "parameter"), parameter) == 0, "%s: parameter %s", query,
		  str(o, "parameter"));
	CHECK(json_is_string(json_object_get(o, "error")));
	json_decref(o);
}

static void test_history_parameters(void)
{
	check_param_error("from=yesterday-ish", "from");
	check_param_error("from=", "from");
	check_param_error("to=2024-02-30", "to");
	check_param_error("resolution=week", "resolution");
	check_param_error("resolution=", "resolution");
	check_param_error("limit=0", "limit");
	check_param_error("limit=10001", "limit");
	check_param_error("limit=-1", "limit");
	check_param_error("limit=12abc", "limit");
	check_param_error("limit=99999999999999999999", "limit");
	/* An empty range names the parameter the client gave. */
	check_param_error("from=2024-05-01T11:00:00Z&to=2024-05-01T10:00:00Z", "to");
	check_param_error("from=2024-05-01T10:00:00Z&to=2024-05-01T10:00:00Z", "to");
	check_param_error("from=2024-05-02T00:00:00Z", "from");
}

static void test_history_rows(void)
{
	char err[256] = "";
	struct hp_store *store = hp_store_open(&cfg.store, err, sizeof(err));
	CHECK_MSG(store != NULL, "store: %s", err);
	if (store == NULL)
		return;
	/* Outside the default 24 h window, then two inside it. */
	const int64_t t[] = {NOW - 25 * HOUR, NOW - 2 * HOUR, NOW - HOUR};
	const double power[] = {100, 200, 300};
	for (int i = 0; i < 3; i++) {
		struct hp_reading r = home_reading(power[i], 10.0 + i);
		CHECK_INT(hp_store_add(store, "home", t[i], &r), 0);
	}
	CHECK_INT(hp_store_commit(store, NOW), 0);

	unsigned status;
	json_t *a = get("/meters/home/history", "resolution=raw", NOW, &status);
	CHECK_INT(status, 200);
	CHECK_INT(json_array_size(a), 2);
	CHECK_INT(integer(json_array_get(a, 0), "t_ms"), t[1]);
	CHECK_NEAR(num(json_array_get(a, 0), "power_import_w"), 200);
	CHECK_NEAR(num(json_array_get(a, 1), "power_import_w"), 300);
	json_decref(a);

	a = get("/meters/home/history", "resolution=raw&from=2024-04-30T08:00:00Z", NOW, &status);
	CHECK_INT(status, 200);
	CHECK_INT(json_array_size(a), 3);
	CHECK_NEAR(num(json_array_get(a, 0), "power_import_w"), 100);
	json_decref(a);

	a = get("/meters/home/history", "resolution=raw&from=1714460400&limit=1", NOW, &status);
	CHECK_INT(json_array_size(a), 1);
	CHECK_NEAR(num(json_array_get(a, 0), "power_import_w"), 100);
	json_decref(a);

	/* "to" alone: the 24 hours before it. */
	a = get("/meters/home/history", "resolution=raw&to=2024-05-01T08:30:00Z", NOW, &status);
	CHECK_INT(json_array_size(a), 2);
	CHECK_INT(integer(json_array_get(a, 0), "t_ms"), t[0]);
	CHECK_INT(integer(json_array_get(a, 1), "t_ms"), t[1]);
	json_decref(a);

	/* The default resolution is hour: buckets, not raw rows. */
	a = get("/meters/home/history", NULL, NOW, &status);
	CHECK_INT(status, 200);
	CHECK(json_is_array(a));
	CHECK(json_array_size(a) >= 1);
	json_t *b = json_array_get(a, 0);
	CHECK(json_is_string(json_object_get(b, "start")));
	CHECK(json_object_get(b, "t_ms") == NULL);
	json_decref(a);

	/* Another meter's history is its own. */
	a = get("/meters/garage/history", "resolution=raw", NOW, &status);
	CHECK_INT(status, 200);
	CHECK_INT(json_array_size(a), 0);
	json_decref(a);
	hp_store_close(store);

	/* The answer is text, to the byte: keys in reading-model order, and values as
	 * /now prints them (200, not 200.0). */
	struct query q;
	parse_query(&q, "resolution=raw&limit=1");
	struct hp_api_reply reply;
	hp_api_handle(api, "GET", "/meters/home/history", query_arg, &q, NOW, &reply);
	CHECK_INT(reply.status, 200);
	CHECK(reply.body == NULL && reply.text != NULL);
	if (reply.text != NULL)
		CHECK_STREQ(
		    reply.text->buf,
		    "[{\"t\":\"2024-05-01T08:00:00Z\",\"t_ms\":1714550400000,"
		    "\"power_import_w\":200,\"l1_voltage_v\":230.5,\"energy_import_kwh\":11}]");
	hp_json_text_free(reply.text);
	struct hp_reading r = home_reading(200, 11);
	json_t *now = hp_reading_to_json(&r);
	char *now_text = json_dumps(now, HP_JSON_FLAGS);
	CHECK(now_text != NULL && strstr(now_text, "\"power_import_w\":200,") != NULL &&
	      strstr(now_text, "\"energy_import_kwh\":11") != NULL &&
	      strstr(now_text, "\"l1_voltage_v\":230.5") != NULL);
	free(now_text);
	json_decref(now);
}

static void test_history_without_store(void)
{
	/* No database file yet: 503 naming the problem, and the next query that finds
	 * one works (the reader is opened on demand). */
	struct hp_config saved = cfg;
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/missing/none.db", tmpdir);
	struct hp_api *a2 = hp_api_new(&cfg, &state);
	unsigned status;
	json_t *body;
	struct hp_json_text *text;
	struct query q = {.n = 0};
	status = hp_api_history(a2, "home", query_arg, &q, NOW, &body, &text);
	CHECK_INT(status, 503);
	CHECK(text == NULL);
	CHECK_STREQ(str(body, "error"), "history unavailable");
	CHECK(json_is_string(json_object_get(body, "detail")));
	json_decref(body);
	hp_api_free(a2);
	cfg = saved;
}

/* ---- openapi.json ---- */

static void test_openapi(void)
{
	unsigned status;
	json_t *o = get("/openapi.json", NULL, NOW, &status);
	CHECK_INT(status, 200);
	CHECK_STREQ(str(o, "openapi"), "3.0.3");
	json_t *paths = json_object_get(o, "paths");
	/* Every route, with its method: a new one must be described here too. */
	static const struct {
		const char *path, *method;
	} routes[] = {
	    {"/meters", "get"},
	    {"/meters/{name}/now", "get"},
	    {"/meters/{name}/history", "get"},
	    {"/meters/{name}/history.csv", "get"},
	    {"/meters/{name}/energy", "get"},
	    {"/meters/{name}/cost", "get"},
	    {"/meters/{name}/peaks", "get"},
	    {"/meters/{name}/prices", "get"},
	    {"/status", "get"},
	    {"/config", "get"},
	    {"/prices", "post"},
	    {"/openapi.json", "get"},
	    {"/metrics", "get"},
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		CHECK_MSG(json_object_get(json_object_get(paths, routes[i].path),
					  routes[i].method) != NULL,
			  "%s %s", routes[i].method, routes[i].path);
	CHECK_INT(json_object_size(paths), sizeof(routes) / sizeof(routes[0]));
	json_t *params = json_object_get(
	    json_object_get(json_object_get(paths, "/meters/{name}/history"), "get"), "parameters");
	static const char *const names[] = {"from", "to", "resolution", "limit"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool found = false;
		for (size_t k = 0; k < json_array_size(params); k++)
			found =
			    found || strcmp(str(json_array_get(params, k), "name"), names[i]) == 0;
		CHECK_MSG(found, "history parameter %s", names[i]);
	}
	/* The 503 of /now is documented, since that is the choice made. */
	json_t *now_responses = json_object_get(
	    json_object_get(json_object_get(paths, "/meters/{name}/now"), "get"), "responses");
	CHECK(json_object_get(now_responses, "503") != NULL);
	CHECK(json_object_get(now_responses, "404") != NULL);
	json_decref(o);
}

/* ---- /metrics ---- */

static bool metric_name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' ||
	       (!first && isdigit((unsigned char)c));
}

/* `name{label="value",...} value` with the format's escapes, or a comment. */
static bool metric_line_ok(const char *line)
{
	if (strncmp(line, "# HELP ", 7) == 0)
		return true;
	if (strncmp(line, "# TYPE ", 7) == 0) {
		const char *type = strrchr(line, ' ') + 1;
		return strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0;
	}
	const char *p = line;
	if (!metric_name_char(*p, true))
		return false;
	while (metric_name_char(*p, false))
		p++;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			if (!metric_name_char(*p, true))
				return false;
			while (metric_name_char(*p, false))
				p++;
			if (*p++ != '=' || *p++ != '"')
				return false;
			while (*p != '"') {
				if (*p == '\0' || *p == '\n')
					return false;
				if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == 'n'))
					p++;
				p++;
			}
			p++;
			if (*p == ',')
				p++;
		}
		p++;
	}
	if (*p++ != ' ')
		return false;
	if (strcmp(p, "NaN") == 0 || strcmp(p, "+Inf") == 0 || strcmp(p, "-Inf") == 0)
		return true;
	char *end;
	strtod(p, &end);
	return end != p && *end == '\0';
}

static int count_lines(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		if (p == text || p[-1] == '\n')
			n++;
	return n;
}

static void check_metrics_text(char *text)
{
	int lines = 0;
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		CHECK_MSG(metric_line_ok(line), "bad line: %s", line);
		lines++;
	}
	CHECK(lines > 20);
}

static void test_metrics(void)
{
	size_t len = 0;
	char *text = hp_metrics_render(&state, &cfg, NOW, &len);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	CHECK_INT(len, strlen(text));
	CHECK(strstr(text, "hanp1d_power_import_watts{meter=\"home\"} 1234.5\n") != NULL);
	CHECK(strstr(text, "hanp1d_energy_import_kilowatt_hours_total{meter=\"home\"} 10.25\n") !=
	      NULL);
	CHECK(strstr(text, "hanp1d_voltage_volts{meter=\"home\",phase=\"l1\"} 230.5\n") != NULL);
	CHECK(strstr(text, "# TYPE hanp1d_power_import_watts gauge\n") != NULL);
	CHECK(strstr(text, "# TYPE hanp1d_energy_import_kilowatt_hours_total counter\n") != NULL);
	CHECK(strstr(text, "hanp1d_frame_errors_total{meter=\"home\",error=\"crc\"} 1\n") != NULL);
	CHECK(strstr(text, "hanp1d_frame_errors_total{meter=\"home\",error=\"auth\"} 2\n") != NULL);
	CHECK(strstr(text, "hanp1d_frame_errors_total{meter=\"garage\",error=\"no_key\"} 0\n") !=
	      NULL);
	CHECK(strstr(text, "hanp1d_source_bytes_total{meter=\"home\"} 5100\n") != NULL);
	CHECK(strstr(text, "hanp1d_readings_total{meter=\"home\"} 7\n") != NULL);
	CHECK(strstr(text, "hanp1d_source_up{meter=\"home\"} 1\n") != NULL);
	CHECK(strstr(text, "hanp1d_ring_dropped_bytes_total{meter=\"home\"} 77\n") != NULL);
	CHECK(strstr(text, "hanp1d_store_size_bytes 4096\n") != NULL);
	CHECK(strstr(text, "hanp1d_uptime_seconds 3600\n") != NULL);
	CHECK(strstr(text, "hanp1d_stale{meter=\"garage\"} 1\n") != NULL);
	CHECK(
	    strstr(text, "hanp1d_last_reading_timestamp_seconds{meter=\"home\"} 1714557594.75\n") !=
	    NULL);
	/* Only families some meter has: no export power was ever sent. */
	CHECK(strstr(text, "power_export_watts") == NULL);
	CHECK(strstr(text, SECRET) == NULL);
	CHECK(count_lines(text, "# TYPE hanp1d_frame_errors_total ") == 1);
	check_metrics_text(text);
	free(text);
}

/* Every numeric key of the reading model is exported, each exactly once. */
static void test_metrics_every_field(void)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	for (int f = 0; f < HP_NUM_COUNT; f++)
		hp_reading_set(&r, (enum hp_num)f, 1000.0 + f + 0.125);
	hp_state_set_reading(&state, 1, &r, NOW);
	size_t len;
	char *text = hp_metrics_render(&state, &cfg, NOW, &len);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	for (int f = 0; f < HP_NUM_COUNT; f++) {
		char value[32];
		snprintf(value, sizeof(value), "} %.15g\n", 1000.0 + f + 0.125);
		int n = 0;
		for (const char *p = text; (p = strstr(p, value)) != NULL; p++)
			n++;
		CHECK_MSG(n == 1, "%s exported %d times", hp_num_key((enum hp_num)f), n);
	}
	/* One HELP and one TYPE per family, before its samples. */
	CHECK_INT(count_lines(text, "# TYPE hanp1d_voltage_volts "), 1);
	CHECK_INT(count_lines(text, "# HELP hanp1d_voltage_volts "), 1);
	CHECK(strstr(text, "hanp1d_tariff_energy_import_kilowatt_hours_total{meter=\"garage\","
			   "tariff=\"2\"} 1026.125\n") != NULL);
	check_metrics_text(text);
	free(text);
}

int main(void)
{
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	int64_t wall = (int64_t)time(NULL) * 1000;
	CHECK(hp_now_ms() >= wall - 1000 && hp_now_ms() <= wall + 2000);
	fill_config();
	hp_state_init(&state, &cfg, NOW - HOUR);
	api = hp_api_new(&cfg, &state);
	CHECK(api != NULL);

	test_meters_before_readings();
	test_meters_and_now();
	test_no_reading_causes();
	test_unknown_and_routes();
	test_status();
	test_parse_time();
	test_history_parameters();
	test_history_without_store();
	test_history_rows();
	test_openapi();
	test_metrics();
	test_metrics_every_field();

	hp_api_free(api);
	hp_state_destroy(&state);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_report("api");
}
