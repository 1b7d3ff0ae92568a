/* The AMS reader compatible endpoints without sockets (api_amsreader.h): every
 * answer against the shape amsreader-compat.md gives (the exact key set of each
 * object, each value's type and each number's decimals as printed), and values
 * against hand-computed expectations from a filled store (tariffs.md's Norwegian
 * January) and live state. */
#include <regex.h>
#include <stdlib.h>
#include <unistd.h>

#include "api_amsreader.h"
#include "price_book.h"
#include "test_accounting_fixture.h"

static struct hp_config cfg;
static struct hp_state state;
static struct hp_api *api;
static struct hp_price_book *book;
static char dir[200];

enum { HOME, PLAIN };

/* ---- requests ---- */

struct query {
	const char *key[4], *value[4];
	int n;
};

static const char *query_arg(void *ctx, const char *key)
{
	const struct query *q = ctx;
	for (int i = 0; i < q->n; i++)
		if (strcmp(q->key[i], key) == 0)
			return q->value[i];
	return NULL;
}

/* The raw answer text of a path ("/data.json"), with its status. */
static char *get_text(const char *path, struct query *q, int64_t now, unsigned *status)
{
	struct hp_api_env env;
	hp_api_env_of(api, &env);
	struct hp_api_reply r;
	struct query none = {.n = 0};
	enum hp_ams_endpoint e = hp_ams_endpoint_of(path);
	CHECK_MSG(e != HP_AMS_NONE, "%s is no endpoint", path);
	hp_api_amsreader(&env, e, query_arg, q != NULL ? q : &none, now, true, &r);
	*status = r.status;
	CHECK(r.text != NULL && !r.text->failed);
	char *s = strdup(r.text != NULL && r.text->buf != NULL ? r.text->buf : "");
	hp_json_text_free(r.text);
	return s;
}

/* ---- shapes: a tiny parser that keeps each number as the text it was printed as ---- */

struct cursor {
	const char *p;
	bool bad;
};

static void skip_ws(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r')
		c->p++;
}

static json_t *parse_value(struct cursor *c);

static json_t *parse_string(struct cursor *c)
{
	const char *start = ++c->p;
	while (*c->p != '"' && *c->p != '\0')
		c->p += *c->p == '\\' && c->p[1] != '\0' ? 2 : 1;
	if (*c->p != '"') {
		c->bad = true;
		return json_null();
	}
	json_t *s = json_stringn(start, (size_t)(c->p - start));
	c->p++;
	return s != NULL ? s : json_string("");
}

/* Numbers become {"num": "<text>"}, so their decimals can be checked. */
static json_t *parse_number(struct cursor *c)
{
	const char *start = c->p;
	c->p += strspn(c->p, "-+0123456789.eE");
	if (c->p == start) {
		c->bad = true;
		return json_null();
	}
	return json_pack("{s:s%}", "num", start, (size_t)(c->p - start));
}

static json_t *parse_value(struct cursor *c)
{
	skip_ws(c);
	if (*c->p == '{') {
		json_t *o = json_object();
		c->p++;
		skip_ws(c);
		while (!c->bad && *c->p != '}') {
			skip_ws(c);
			if (*c->p != '"') {
				c->bad = true;
				break;
			}
			json_t *k = parse_string(c);
			skip_ws(c);
			if (*c->p++ != ':')
				c->bad = true;
			json_object_set_new(o, json_string_value(k), parse_value(c));
			json_decref(k);
			skip_ws(c);
			if (*c->p == ',')
				c->p++;
			else if (*c->p != '}')
				c->bad = true;
		}
		c->p++;
		return o;
	}
	if (*c->p == '[') {
		json_t *a = json_array();
		c->p++;
		skip_ws(c);
		while (!c->bad && *c->p != ']') {
			json_array_append_new(a, parse_value(c));
			skip_ws(c);
			if (*c->p == ',')
				c->p++;
			else if (*c->p != ']')
				c->bad = true;
		}
		c->p++;
		return a;
	}
	if (*c->p == '"')
		return parse_string(c);
	static const struct {
		const char *word;
		json_t *(*make)(void);
	} words[] = {{"true", json_true}, {"false", json_false}, {"null", json_null}};
	for (size_t i = 0; i < 3; i++)
		if (strncmp(c->p, words[i].word, strlen(words[i].word)) == 0) {
			c->p += strlen(words[i].word);
			return words[i].make();
		}
	return parse_number(c);
}

static json_t *parse_raw(const char *text)
{
	struct cursor c = {.p = text};
	json_t *v = parse_value(&c);
	skip_ws(&c);
	CHECK_MSG(!c.bad && *c.p == '\0', "not JSON: %s", text);
	return v;
}

static bool matches(const char *pattern, const char *text)
{
	regex_t re;
	CHECK(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0);
	bool ok = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static const char *number_text(json_t *v)
{
	return json_is_object(v) ? json_string_value(json_object_get(v, "num")) : NULL;
}

/* A spec leaf: "int", "d1".."d4" (a number printed with that many decimals),
 * "price" (null, or 2 decimals above 1 in magnitude, else 4), "d4|null", "bool",
 * "str". Objects list their exact keys; an array spec holds the element spec. */
static void check_shape(const char *where, json_t *spec, json_t *v)
{
	if (json_is_object(spec)) {
		CHECK_MSG(json_is_object(v) && json_object_get(v, "num") == NULL,
			  "%s: not an object", where);
		if (!json_is_object(v))
			return;
		const char *key;
		json_t *sub;
		json_object_foreach(spec, key, sub)
		{
			char path[256];
			snprintf(path, sizeof(path), "%s.%s", where, key);
			CHECK_MSG(json_object_get(v, key) != NULL, "%s: missing", path);
			if (json_object_get(v, key) != NULL)
				check_shape(path, sub, json_object_get(v, key));
		}
		json_object_foreach(v, key, sub) CHECK_MSG(json_object_get(spec, key) != NULL,
							   "%s.%s: not in the doc", where, key);
		return;
	}
	if (json_is_array(spec)) {
		CHECK_MSG(json_is_array(v), "%s: not an array", where);
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			char path[256];
			snprintf(path, sizeof(path), "%s[%zu]", where, i);
			check_shape(path, json_array_get(spec, 0), e);
		}
		return;
	}
	const char *kind = json_string_value(spec);
	const char *num = number_text(v);
	if (strcmp(kind, "bool") == 0) {
		CHECK_MSG(json_is_boolean(v), "%s: not a bool", where);
	} else if (strcmp(kind, "str") == 0) {
		CHECK_MSG(json_is_string(v), "%s: not a string", where);
	} else if (strcmp(kind, "int") == 0) {
		CHECK_MSG(num != NULL && matches("^-?[0-9]+$", num), "%s: %s is not an int", where,
			  num != NULL ? num : "(not a number)");
	} else if (strncmp(kind, "d4|null", 7) == 0 && json_is_null(v)) {
		return;
	} else if (strcmp(kind, "price") == 0) {
		if (json_is_null(v))
			return;
		bool big = num != NULL && fabs(atof(num)) > 1;
		CHECK_MSG(num != NULL &&
			      matches(big ? "^-?[0-9]+\\.[0-9]{2}$" : "^-?[0-9]+\\.[0-9]{4}$", num),
			  "%s: %s is not a price", where, num != NULL ? num : "(not a number)");
	} else if (kind[0] == 'd') {
		char pattern[32];
		snprintf(pattern, sizeof(pattern), "^-?[0-9]+\\.[0-9]{%c}$", kind[1]);
		CHECK_MSG(num != NULL && matches(pattern, num), "%s: %s has not %c decimals", where,
			  num != NULL ? num : "(not a number)", kind[1]);
	} else {
		CHECK_MSG(false, "%s: bad spec %s", where, kind);
	}
}

/* The shapes of amsreader-compat.md, as specs. */
static const char DATA_SPEC[] =
    "{\"im\":\"int\",\"om\":\"int\",\"mf\":\"int\",\"i\":\"int\",\"e\":\"int\",\"w\":\"int\","
    "\"ri\":\"int\",\"re\":\"int\",\"ic\":\"d3\",\"ict1\":\"d3\",\"ict2\":\"d3\",\"ec\":\"d3\","
    "\"ect1\":\"d3\",\"ect2\":\"d3\",\"ric\":\"d3\",\"rec\":\"d3\",\"f\":\"d2\","
    "\"l1\":{\"u\":\"d2\",\"i\":\"d2\",\"p\":\"int\",\"q\":\"int\",\"f\":\"d2\"},"
    "\"l2\":{\"u\":\"d2\",\"i\":\"d2\",\"p\":\"int\",\"q\":\"int\",\"f\":\"d2\",\"e\":\"bool\"},"
    "\"l3\":{\"u\":\"d2\",\"i\":\"d2\",\"p\":\"int\",\"q\":\"int\",\"f\":\"d2\"},"
    "\"v\":\"d3\",\"r\":\"int\",\"t\":\"d2\",\"u\":\"int\",\"m\":\"int\",\"em\":\"int\","
    "\"hm\":\"int\",\"wm\":\"int\",\"mm\":\"int\",\"me\":\"int\",\"sa\":\"int\","
    "\"p\":\"price\",\"px\":\"price\",\"mt\":\"int\",\"ds\":\"int\","
    "\"ea\":{\"x\":\"d1\",\"p\":[\"d2\"],\"t\":\"int\","
    "\"h\":{\"u\":\"d2\",\"c\":\"d2\",\"p\":\"d2\",\"i\":\"d2\"},"
    "\"d\":{\"u\":\"d2\",\"c\":\"d2\",\"p\":\"d2\",\"i\":\"d2\"},"
    "\"m\":{\"u\":\"d2\",\"c\":\"d2\",\"p\":\"d2\",\"i\":\"d2\"}},"
    "\"pe\":\"bool\",\"pr\":\"str\",\"pc\":\"str\",\"he\":\"int\",\"ee\":\"int\",\"c\":\"int\","
    "\"a\":\"bool\"}";
static const char TARIFF_SPEC[] = "{\"t\":[\"int\"],\"p\":[{\"d\":\"int\",\"h\":\"int\",\"v\":"
				  "\"d2\"}],\"c\":\"int\",\"m\":\"d2\"}";
static const char REALTIME_SPEC[] =
    "{\"offset\":\"int\",\"size\":\"int\",\"total\":\"int\",\"data\":[\"int\"]}";
static const char PRICES_SPEC[] =
    "{\"currency\":\"str\",\"source\":\"str\",\"resolution\":\"int\",\"direction\":\"str\","
    "\"cursor\":\"int\",\"importExportPriceDifferent\":\"bool\",\"prices\":[\"d4|null\"]}";
static const char SYSINFO_SPEC[] =
    "{\"version\":\"str\",\"chip\":\"str\",\"chipId\":\"str\",\"cpu\":\"int\",\"mac\":\"str\","
    "\"apmac\":\"str\",\"board\":\"int\",\"vndcfg\":\"bool\",\"usrcfg\":\"bool\","
    "\"fwconsent\":\"int\",\"hostname\":\"str\",\"booting\":\"bool\",\"upgrading\":\"bool\","
    "\"net\":{\"ip\":\"str\",\"mask\":\"str\",\"gw\":\"str\",\"dns1\":\"str\",\"dns2\":\"str\","
    "\"ipv6\":\"str\",\"dns1v6\":\"str\",\"dns2v6\":\"str\"},\"if\":{\"eth\":\"int\"},"
    "\"meter\":{\"mfg\":\"int\",\"model\":\"str\",\"id\":\"str\"},"
    "\"ui\":{\"i\":\"int\",\"e\":\"int\",\"v\":\"int\",\"a\":\"int\",\"r\":\"int\",\"c\":\"int\","
    "\"t\":\"int\",\"p\":\"int\",\"d\":\"int\",\"m\":\"int\",\"s\":\"int\",\"l\":\"int\","
    "\"h\":\"int\",\"f\":\"int\",\"k\":\"int\",\"lang\":\"str\"},\"security\":\"int\","
    "\"context\":\"str\",\"boot_reason\":\"int\",\"ex_cause\":\"int\","
    "\"upgrade\":{\"c\":\"int\",\"e\":\"int\",\"f\":\"str\",\"t\":\"str\",\"n\":\"int\","
    "\"p\":\"int\"},\"last_month\":{\"u\":\"d2\",\"c\":\"d2\",\"p\":\"d2\",\"i\":\"d2\"},"
    "\"clock_offset\":\"int\",\"features\":[\"str\"],\"services\":[\"str\"]}";

/* A plot's spec: "unit" and i/e keys first..first+count-1, 3 decimals. */
static json_t *plot_spec(int first, int count)
{
	json_t *o = json_pack("{ss}", "unit", "str");
	for (int i = first; i < first + count; i++) {
		char k[16];
		snprintf(k, sizeof(k), "i%02d", i);
		json_object_set_new(o, k, json_string("d3"));
		snprintf(k, sizeof(k), "e%02d", i);
		json_object_set_new(o, k, json_string("d3"));
	}
	return o;
}

static json_t *energyprice_spec(void)
{
	json_t *o = json_pack("{ssss}", "currency", "str", "source", "str");
	for (int i = 0; i < 36; i++) {
		char k[16];
		snprintf(k, sizeof(k), "%02d", i);
		json_object_set_new(o, k, json_string("d4|null"));
	}
	return o;
}

/* The answer of path parsed as raw numbers, after its shape was checked. */
static json_t *get_shaped(const char *path, struct query *q, int64_t now, json_t *spec)
{
	unsigned status;
	char *text = get_text(path, q, now, &status);
	CHECK_MSG(status == 200, "%s: %u %s", path, status, text);
	json_t *v = parse_raw(text);
	check_shape(path, spec, v);
	free(text);
	json_decref(spec);
	return v;
}

static json_t *spec_of(const char *text)
{
	json_error_t e;
	json_t *s = json_loads(text, 0, &e);
	CHECK_MSG(s != NULL, "spec: %s", e.text);
	return s;
}

/* A number as printed, e.g. "230.12"; "(none)" for anything else. */
static const char *raw(json_t *o, const char *path)
{
	json_t *v = o;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok(buf, "."); p != NULL && v != NULL; p = strtok(NULL, "."))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(p)) : json_object_get(v, p);
	const char *t = number_text(v);
	return t != NULL ? t : "(none)";
}

/* ---- fixtures ---- */

/* Norway, 23 January 2024 at 18:20 (tariffs.md's live headroom example). */
static int64_t home_now(void)
{
	return local_ms(oslo(), 2024, 1, 23, 18, 20, 0);
}

static void fill(void)
{
	memset(&cfg, 0, sizeof(cfg));
	static const char *const names[] = {"home", "plain"};
	static const char *const zones[] = {"Europe/Oslo", "Europe/Oslo"};
	cfg.meter_count = 2;
	for (unsigned i = 0; i < 2; i++) {
		struct hp_meter_config *m = &cfg.meters[i];
		snprintf(m->name, sizeof(m->name), "%s", names[i]);
		snprintf(m->timezone, sizeof(m->timezone), "%s", zones[i]);
		hp_no_config_defaults(&m->capacity_no);
		m->voltage = 230;
		m->phases = 3;
	}
	cfg.meters[HOME].capacity_tariff = HP_CAPACITY_NO;
	cfg.meters[HOME].main_fuse_a = 63;
	cfg.meters[HOME].production_kwp = 7.6;
	cfg.meters[PLAIN].voltage = 400;
	cfg.stale_after_s = 30;
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/history.db", dir);
	hp_price_config_init(&cfg.prices);
	snprintf(cfg.prices.currency, sizeof(cfg.prices.currency), "NOK");
	cfg.prices.has_fixed_import = true;
	cfg.prices.fixed_import = 1.0;

	struct hp_store *s = fixture_store(cfg.store.path, names, zones, 2);
	feed_no_january(s, "home", 23, 18);
	feed_no_january(s, "plain", 23, 18);
	hp_store_close(s);
	hp_state_init(&state, &cfg, home_now() - 3600 * 1000);
	api = hp_api_new(&cfg, &state);
	book = hp_price_book_new(&cfg.prices, NULL);
	hp_api_set_prices(api, book);
}

/* A Kaifa list 3 reading at now, with the live figures of 6.3 kW since 18:00. */
static void set_reading(unsigned index, int64_t now)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 6300);
	hp_reading_set(&r, HP_NUM_POWER_EXPORT_W, 0);
	hp_reading_set(&r, HP_NUM_REACTIVE_IMPORT_VAR, 412.6);
	hp_reading_set(&r, HP_NUM_L1_VOLTAGE_V, 230.123);
	hp_reading_set(&r, HP_NUM_L2_VOLTAGE_V, 229.9);
	hp_reading_set(&r, HP_NUM_L3_VOLTAGE_V, 231);
	hp_reading_set(&r, HP_NUM_L1_CURRENT_A, 10.456);
	hp_reading_set(&r, HP_NUM_L3_CURRENT_A, 9.1);
	hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, 12345.6789);
	hp_reading_set(&r, HP_NUM_POWER_FACTOR, 0.987);
	hp_reading_set_text(&r, HP_TEXT_MANUFACTURER, "Kaifa", 5);
	hp_reading_set_text(&r, HP_TEXT_METER_ID, "6970631400000000", 16);
	struct hp_acct_live live;
	hp_acct_live_init(&live);
	for (int64_t t = local_ms(oslo(), 2024, 1, 23, 18, 0, 0); t <= now; t += 10000)
		hp_acct_live_add(&live, oslo(), t, &r, NULL, NULL);
	hp_state_set_reading(&state, index, &r, now);
	hp_state_set_live(&state, index, &live);
}

/* ---- tests ---- */

static void test_routes(void)
{
	CHECK_INT(hp_ams_endpoint_of("/data.json"), HP_AMS_DATA);
	CHECK_INT(hp_ams_endpoint_of("/is-alive"), HP_AMS_IS_ALIVE);
	CHECK_INT(hp_ams_endpoint_of("/data.json/"), HP_AMS_NONE);
	CHECK_INT(hp_ams_endpoint_of("/index.html"), HP_AMS_NONE);
	CHECK(hp_ams_endpoint_open(HP_AMS_REALTIME));
	CHECK(!hp_ams_endpoint_open(HP_AMS_DATA) && !hp_ams_endpoint_open(HP_AMS_SYSINFO));
	CHECK_INT(hp_ams_meter_type("Aidon"), 1);
	CHECK_INT(hp_ams_meter_type("Kaifa"), 2);
	CHECK_INT(hp_ams_meter_type("Kamstrup"), 3);
	CHECK_INT(hp_ams_meter_type("Iskraemeco"), 8);
	CHECK_INT(hp_ams_meter_type("Landis+Gyr"), 9);
	CHECK_INT(hp_ams_meter_type("Sagemcom"), 10);
	CHECK_INT(hp_ams_meter_type(""), 255);
	CHECK_INT(hp_ams_meter_type(NULL), 255);
}

static void test_han_errors(void)
{
	static const struct {
		enum hp_error_code code;
		const char *detail;
		int he;
	} cases[] = {
	    {HP_ERR_NONE, "", 0},
	    {HP_ERR_NOISE, "garbage", -1},
	    {HP_ERR_TRUNCATED, "short", -2},
	    {HP_ERR_CRC, "HCS: frame has 1234, computed 4321", -4},
	    {HP_ERR_CRC, "FCS: frame has 1234, computed 4321", -5},
	    {HP_ERR_CRC, "M-Bus checksum: frame has 12, computed 21", -5},
	    {HP_ERR_CRC, "DSMR CRC mismatch: sent 1234, computed 4321", -5},
	    {HP_ERR_MALFORMED, "x", -9},
	    {HP_ERR_UNSUPPORTED, "x", -9},
	    {HP_ERR_AUTH, "x", -51},
	    {HP_ERR_NO_KEY, "x", -52},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hp_error e = {.code = cases[i].code};
		snprintf(e.detail, sizeof(e.detail), "%s", cases[i].detail);
		CHECK_INT(hp_ams_han_error(&e), cases[i].he);
	}
}

static void test_realtime_ring(void)
{
	int8_t m;
	uint8_t e;
	hp_realtime_encode(1234, &m, &e);
	CHECK(m == 12 && e == 2);
	hp_realtime_encode(-56, &m, &e);
	CHECK(m == -56 && e == 0);
	hp_realtime_encode(995, &m, &e); /* 99.5 rounds to 100: one more power of ten */
	CHECK(m == 10 && e == 2);
	hp_realtime_encode(0, &m, &e);
	CHECK(m == 0 && e == 0);

	struct hp_realtime_ring r;
	hp_realtime_init(&r);
	int64_t t0 = 1700000000000LL; /* on a slot boundary */
	hp_realtime_add(&r, t0, 1000);
	hp_realtime_add(&r, t0 + 5000, 2000);  /* same slot: the mean, 1500 */
	hp_realtime_add(&r, t0 + 20000, -340); /* two slots on; the one between is empty */
	CHECK_NEAR(hp_realtime_at(&r, t0 + 20000, 0), -340);
	CHECK_NEAR(hp_realtime_at(&r, t0 + 20000, 1), 0);
	CHECK_NEAR(hp_realtime_at(&r, t0 + 20000, 2), 1500);
	CHECK_NEAR(hp_realtime_at(&r, t0 + 30000, 3), 1500);          /* read 10 s later */
	CHECK_NEAR(hp_realtime_at(&r, t0 + 30000, 0), 0);             /* nothing booked yet */
	CHECK_NEAR(hp_realtime_at(&r, t0 + 20000 + 3600000, 359), 0); /* an hour on */
	hp_realtime_add(&r, t0 - 10000, 500); /* older than the newest slot: ignored */
	CHECK_NEAR(hp_realtime_at(&r, t0 + 20000, 3), 0);
}

static void test_data_json(void)
{
	int64_t now = home_now();
	set_reading(HOME, now);
	json_t *o = get_shaped("/data.json", NULL, now, spec_of(DATA_SPEC));
	/* Config: 63 A x 230 V x sqrt 3 (an IT grid's three phases) = 25 097 W. */
	CHECK_STREQ(raw(o, "im"), "25097");
	CHECK_STREQ(raw(o, "om"), "8");
	CHECK_STREQ(raw(o, "mf"), "63");
	CHECK_STREQ(raw(o, "ds"), "1");
	CHECK_STREQ(raw(o, "i"), "6300");
	CHECK_STREQ(raw(o, "e"), "0");
	CHECK_STREQ(raw(o, "w"), "6300");
	CHECK_STREQ(raw(o, "ri"), "413");
	CHECK_STREQ(raw(o, "ic"), "12345.679");
	CHECK_STREQ(raw(o, "ec"), "0.000"); /* absent: 0, not omitted */
	CHECK_STREQ(raw(o, "f"), "0.99");
	CHECK_STREQ(raw(o, "l1.u"), "230.12");
	CHECK_STREQ(raw(o, "l1.i"), "10.46");
	CHECK_STREQ(raw(o, "l3.u"), "231.00");
	CHECK_STREQ(raw(o, "l2.i"), "0.00");
	CHECK(json_is_true(json_object_get(json_object_get(o, "l2"), "e"))); /* 3-wire meter */
	CHECK_STREQ(raw(o, "mt"), "2");
	CHECK_STREQ(raw(o, "hm"), "1");
	CHECK_STREQ(raw(o, "he"), "0");
	CHECK_STREQ(raw(o, "mm"), "0");
	CHECK_STREQ(raw(o, "u"), "3600");
	CHECK_STREQ(raw(o, "p"), "1.0000"); /* 1 NOK is not above 1: 4 decimals */
	CHECK(json_is_null(json_object_get(o, "px")));
	CHECK(json_is_true(json_object_get(o, "pe")));
	CHECK_STREQ(json_string_value(json_object_get(o, "pc")), "NOK");
	CHECK(json_is_true(json_object_get(o, "a")));
	CHECK_INT(atoll(raw(o, "c")), now / 1000);
	/* ea: the AMS peak table of January (below), the hour integrated (6.3 kW x 20
	 * min = 2.10 kWh), the day 18 finished hours of 1 kWh + the hour, the month
	 * 22 days (528 h of 1 kWh + 47.4 kWh above that in the peak hours) + today. */
	CHECK_STREQ(raw(o, "ea.x"), "8.6");
	CHECK_STREQ(raw(o, "ea.p.0"), "7.80");
	CHECK_STREQ(raw(o, "ea.p.1"), "9.20");
	CHECK_STREQ(raw(o, "ea.p.2"), "8.90");
	CHECK_INT(json_array_size(json_object_get(json_object_get(o, "ea"), "p")), 3);
	CHECK_STREQ(raw(o, "ea.t"), "10");
	CHECK_STREQ(raw(o, "ea.h.u"), "2.10");
	CHECK_STREQ(raw(o, "ea.d.u"), "20.10");
	CHECK_STREQ(raw(o, "ea.m.u"), "595.50");
	CHECK_STREQ(raw(o, "ea.d.c"), "18.00"); /* the stored hours at 1 NOK; the live
						   hour was booked without a price */
	CHECK_STREQ(raw(o, "ea.m.p"), "0.00");
	json_decref(o);

	/* A frame that failed after the reading: `he` from it, `hm` error. */
	struct hp_error e = {.code = HP_ERR_CRC};
	snprintf(e.detail, sizeof(e.detail), "HCS: frame has 1234, computed 4321");
	hp_state_set_error(&state, HOME, &e, now + 1000);
	o = get_shaped("/data.json", NULL, now + 2000, spec_of(DATA_SPEC));
	CHECK_STREQ(raw(o, "he"), "-4");
	CHECK_STREQ(raw(o, "hm"), "3");
	json_decref(o);
	/* The next reading clears it; 20 s later the HAN status warns. */
	set_reading(HOME, now + 3000);
	o = get_shaped("/data.json", NULL, now + 23000, spec_of(DATA_SPEC));
	CHECK_STREQ(raw(o, "he"), "0");
	CHECK_STREQ(raw(o, "hm"), "2");
	json_decref(o);

	/* A list 1 (the power alone) between the fuller lists: the power is new,
	 * every other field keeps its last value, as the AMS reader shows them. */
	struct hp_reading list1;
	hp_reading_init(&list1, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&list1, HP_NUM_POWER_IMPORT_W, 4100);
	hp_state_set_reading(&state, HOME, &list1, now + 4000);
	o = get_shaped("/data.json", NULL, now + 4500, spec_of(DATA_SPEC));
	CHECK_STREQ(raw(o, "i"), "4100");
	CHECK_STREQ(raw(o, "l1.u"), "230.12");
	CHECK_STREQ(raw(o, "l3.i"), "9.10");
	CHECK_STREQ(raw(o, "ic"), "12345.679");
	CHECK_STREQ(raw(o, "mt"), "2");
	json_decref(o);
	/* A new meter id (a swap) starts afresh: nothing of the old meter stays. */
	hp_reading_set_text(&list1, HP_TEXT_METER_ID, "7359992890941742", 16);
	hp_state_set_reading(&state, HOME, &list1, now + 5000);
	o = get_shaped("/data.json", NULL, now + 5500, spec_of(DATA_SPEC));
	CHECK_STREQ(raw(o, "i"), "4100");
	CHECK_STREQ(raw(o, "l1.u"), "0.00");
	CHECK_STREQ(raw(o, "ic"), "0.000");
	json_decref(o);
	set_reading(HOME, now + 3000);

	/* Another meter by name; no reading: zeros, no frame yet after 30 s: error. A
	 * TN grid; no fuse: the firmware's 3-phase gauge and 40 A. */
	struct query q = {.key = {"meter"}, .value = {"plain"}, .n = 1};
	o = get_shaped("/data.json", &q, now, spec_of(DATA_SPEC));
	CHECK_STREQ(raw(o, "i"), "0");
	CHECK_STREQ(raw(o, "l1.u"), "0.00");
	CHECK_STREQ(raw(o, "ic"), "0.000");
	CHECK_STREQ(raw(o, "im"), "20000");
	CHECK_STREQ(raw(o, "mf"), "40");
	CHECK_STREQ(raw(o, "ds"), "2");
	CHECK_STREQ(raw(o, "mt"), "255");
	CHECK_STREQ(raw(o, "hm"), "3");
	/* Without the Norwegian tariff: the firmware's thresholds (first >= 8.63 is 10). */
	CHECK_STREQ(raw(o, "ea.t"), "10");
	json_decref(o);

	unsigned status;
	q.value[0] = "nosuch";
	char *text = get_text("/data.json", &q, now, &status);
	CHECK_INT(status, 404);
	CHECK(strstr(text, "unknown meter") != NULL);
	free(text);
}

static void test_tariff(void)
{
	/* January's hours offered one by one to the 5 day slots: days 1-5 fill them
	 * (1.00 each, 5.90 on day 3), day 6's 7.80 replaces the first smallest, day
	 * 14's 9.20 the next, then day 21 (6.40) and day 22 (8.90). The top 3 in
	 * storage order: 7.80, 9.20, 8.90; mean 8.63 -> threshold 10. */
	json_t *o = get_shaped("/tariff.json", NULL, home_now(), spec_of(TARIFF_SPEC));
	json_t *t = json_object_get(o, "t");
	CHECK_INT(json_array_size(t), 10);
	/* The meter's Norwegian step bounds, then the end marker. */
	static const char *const bounds[] = {"2",  "5",  "10", "15",  "20",
					     "25", "50", "75", "100", "65535"};
	for (size_t i = 0; i < 10; i++)
		CHECK_STREQ(number_text(json_array_get(t, i)), bounds[i]);
	json_t *p = json_object_get(o, "p");
	CHECK_INT(json_array_size(p), 3);
	static const struct {
		const char *d, *h, *v;
	} peaks[] = {{"6", "17", "7.80"}, {"14", "7", "9.20"}, {"22", "20", "8.90"}};
	for (size_t i = 0; i < 3; i++) {
		json_t *e = json_array_get(p, i);
		CHECK_STREQ(number_text(json_object_get(e, "d")), peaks[i].d);
		CHECK_STREQ(number_text(json_object_get(e, "h")), peaks[i].h);
		CHECK_STREQ(number_text(json_object_get(e, "v")), peaks[i].v);
	}
	CHECK_STREQ(raw(o, "c"), "10");
	CHECK_STREQ(raw(o, "m"), "8.63");
	json_decref(o);

	struct query q = {.key = {"meter"}, .value = {"plain"}, .n = 1};
	o = get_shaped("/tariff.json", &q, home_now(), spec_of(TARIFF_SPEC));
	static const char *const defaults[] = {"5",  "10", "15",  "20",  "25",
					       "50", "75", "100", "150", "65535"};
	for (size_t i = 0; i < 10; i++)
		CHECK_STREQ(number_text(json_array_get(json_object_get(o, "t"), i)), defaults[i]);
	CHECK_STREQ(raw(o, "m"), "8.63");
	json_decref(o);
}

static void test_plots(void)
{
	/* 23 January 18:20 in Oslo is 17:20 UTC: the last 24 finished hours are 22
	 * January 18:00 to 23 January 17:00 local. 22 January 20:00 local (19:00 UTC)
	 * held 8.9 kWh; every other hour 1 kWh; no export. */
	json_t *o = get_shaped("/dayplot.json", NULL, home_now(), plot_spec(0, 24));
	CHECK_STREQ(json_string_value(json_object_get(o, "unit")), "kwh");
	CHECK_STREQ(raw(o, "i19"), "8.900");
	CHECK_STREQ(raw(o, "i16"), "1.000");
	CHECK_STREQ(raw(o, "i17"), "1.000"); /* the running hour's slot: yesterday's */
	CHECK_STREQ(raw(o, "e19"), "0.000");
	json_decref(o);

	/* The 31 days before 23 January: 23 December to 22 January; the history starts
	 * on 31 December at 23:00. Day 6: 22 hours of 1 kWh + 7.8 + 7.5; day 22: 23 +
	 * 8.9; day 23 is 23 December: nothing stored. */
	o = get_shaped("/monthplot.json", NULL, home_now(), plot_spec(1, 31));
	CHECK_STREQ(raw(o, "i06"), "37.300");
	CHECK_STREQ(raw(o, "i22"), "31.900");
	CHECK_STREQ(raw(o, "i02"), "24.000");
	CHECK_STREQ(raw(o, "i23"), "0.000");
	CHECK_STREQ(raw(o, "i31"), "1.000"); /* 31 December: its last hour */
	json_decref(o);
}

static void test_realtime_json(void)
{
	int64_t now = home_now();
	set_reading(HOME, now); /* 6300 W every 10 s since 18:00 */
	json_t *o = get_shaped("/realtime.json", NULL, now, spec_of(REALTIME_SPEC));
	CHECK_STREQ(raw(o, "offset"), "0");
	CHECK_STREQ(raw(o, "size"), "60");
	CHECK_STREQ(raw(o, "total"), "360");
	json_t *d = json_object_get(o, "data");
	CHECK_INT(json_array_size(d), 60);
	CHECK_STREQ(number_text(json_array_get(d, 0)), "6300");
	CHECK_STREQ(number_text(json_array_get(d, 59)), "6300");
	json_decref(o);
	/* 18:00 is 120 slots back; before it nothing; size clipped to the ring. */
	struct query q = {.key = {"offset", "size"}, .value = {"115", "999"}, .n = 2};
	o = get_shaped("/realtime.json", &q, now, spec_of(REALTIME_SPEC));
	d = json_object_get(o, "data");
	CHECK_STREQ(raw(o, "size"), "245");
	CHECK_INT(json_array_size(d), 245);
	CHECK_STREQ(number_text(json_array_get(d, 5)), "6300");
	CHECK_STREQ(number_text(json_array_get(d, 6)), "0");
	json_decref(o);
}

static void test_prices(void)
{
	/* 1 October 2025 in Oslo: quarter prices 17:00-18:00 (0.90, 1.40, 2.60, 0.50
	 * NOK), the fixed 1 NOK elsewhere. */
	static const double prices[] = {0.9, 1.4, 2.6, 0.5};
	char text[1024];
	int n = snprintf(text, sizeof(text), "[");
	for (int i = 0; i < 4; i++)
		n += snprintf(
		    text + n, sizeof(text) - (size_t)n,
		    "%s{\"start\": \"2025-10-01T17:%02d:00+02:00\", \"end\": "
		    "\"2025-10-01T%02d:%02d:00+02:00\", \"price\": %.2f, \"export_price\": "
		    "0.1}",
		    i ? ", " : "", 15 * i, i == 3 ? 18 : 17, i == 3 ? 0 : 15 * (i + 1), prices[i]);
	snprintf(text + n, sizeof(text) - (size_t)n, "]");
	char err[256] = "";
	CHECK_MSG(hp_price_book_push_json(book, text, strlen(text), err, sizeof(err)) == 4, "%s",
		  err);
	int64_t now = local_ms(oslo(), 2025, 10, 1, 17, 20, 0);
	json_t *o = get_shaped("/energyprice.json", NULL, now, energyprice_spec());
	CHECK_STREQ(json_string_value(json_object_get(o, "currency")), "NOK");
	CHECK_STREQ(raw(o, "00"), "1.3500"); /* the mean of the hour's quarters */
	CHECK_STREQ(raw(o, "01"), "1.0000");
	json_decref(o);

	o = get_shaped("/importprice.json", NULL, now, spec_of(PRICES_SPEC));
	CHECK_STREQ(raw(o, "resolution"), "15");
	CHECK_STREQ(json_string_value(json_object_get(o, "direction")), "import");
	CHECK_STREQ(raw(o, "cursor"), "69"); /* 17:15 is the 70th quarter of the day */
	CHECK(json_is_true(json_object_get(o, "importExportPriceDifferent")));
	json_t *p = json_object_get(o, "prices");
	CHECK_INT(json_array_size(p), 96);
	CHECK_STREQ(number_text(json_array_get(p, 69)), "1.4000");
	CHECK_STREQ(number_text(json_array_get(p, 0)), "1.0000");
	json_decref(o);

	o = get_shaped("/exportprice.json", NULL, now, spec_of(PRICES_SPEC));
	CHECK_STREQ(json_string_value(json_object_get(o, "direction")), "export");
	p = json_object_get(o, "prices");
	CHECK_STREQ(number_text(json_array_get(p, 69)), "0.1000");
	CHECK(json_is_null(json_array_get(p, 0))); /* no export price configured */
	json_decref(o);

	/* /data.json's current prices: 1.40 above 1 has 2 decimals, export 4. */
	set_reading(HOME, now);
	o = get_shaped("/data.json", NULL, now, spec_of(DATA_SPEC));
	CHECK_STREQ(raw(o, "p"), "1.40");
	CHECK_STREQ(raw(o, "px"), "0.1000");
	json_decref(o);
}

static void test_small_endpoints(void)
{
	unsigned status;
	char *text = get_text("/temperature.json", NULL, home_now(), &status);
	CHECK_INT(status, 200);
	CHECK_STREQ(text, "{\"c\":0,\"s\":[]}");
	free(text);
	text = get_text("/is-alive", NULL, home_now(), &status);
	CHECK_INT(status, 200);
	CHECK_STREQ(text, "");
	free(text);
	json_t *o = get_shaped("/sysinfo.json", NULL, home_now(), spec_of(SYSINFO_SPEC));
	CHECK_STREQ(raw(o, "meter.mfg"), "2");
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(o, "meter"), "id")),
		    "6970631400000000");
	CHECK_STREQ(raw(o, "clock_offset"), "1");    /* Oslo in winter */
	CHECK_STREQ(raw(o, "last_month.u"), "1.00"); /* December: its last hour only */
	json_decref(o);
}

static void test_system_files(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/meminfo", dir);
	FILE *f = fopen(path, "w");
	fputs("MemTotal:        3884852 kB\nMemFree:  100 kB\nMemAvailable:    2973012 kB\n", f);
	fclose(f);
	CHECK_INT(hp_ams_mem_available(path), 2973012LL * 1024);
	snprintf(path, sizeof(path), "%s/temp", dir);
	f = fopen(path, "w");
	fputs("48312\n", f);
	fclose(f);
	CHECK_NEAR(hp_ams_cpu_temp(path), 48.312);
	CHECK_INT(hp_ams_mem_available("/nonexistent/meminfo"), 0);
	CHECK_NEAR(hp_ams_cpu_temp("/nonexistent/temp"), 0);
	/* The fixed writer never prints -0.00 and keeps its decimals. */
	struct hp_json_text t;
	hp_json_text_init(&t);
	hp_ams_fixed(&t, -0.001, 2);
	hp_json_char(&t, ' ');
	hp_ams_fixed(&t, 230.1, 2);
	hp_json_char(&t, ' ');
	hp_ams_fixed(&t, NAN, 3);
	CHECK_STREQ(t.buf, "0.00 230.10 0.000");
	hp_json_text_release(&t);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hp-test-ams-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	fill();
	test_routes();
	test_han_errors();
	test_realtime_ring();
	test_data_json();
	test_tariff();
	test_plots();
	test_realtime_json();
	test_small_endpoints();
	test_prices();
	test_system_files();
	hp_api_free(api);
	hp_price_book_free(book);
	hp_state_destroy(&state);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_report("test_api_amsreader");
}
