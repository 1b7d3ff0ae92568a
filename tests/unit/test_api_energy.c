/* The energy endpoints of the REST API without sockets (api_energy.c): a store
 * filled through hp_store_add with tariffs.md's worked examples, the live state
 * as the daemon sets it, a real price book, and each answer checked value by
 * value; CSV byte for byte. */
#include <stdlib.h>
#include <unistd.h>

#include "api.h"
#include "price_book.h"
#include "test_accounting_fixture.h"
#include "test_query.h"

static struct hp_config cfg;
static struct hp_state state;
static struct hp_api *api;
static struct hp_price_book *book;
static char dir[200];

enum { HOME, BE, GAP, COST };

/* ---- requests ---- */

static void request(const char *path, const char *query, int64_t now, struct hp_api_reply *r)
{
	struct query q;
	parse_query(&q, query);
	hp_api_handle(api, "GET", path, query_arg, &q, now, r);
}

/* A JSON answer (text or tree) with its status. */
static json_t *get(const char *path, const char *query, int64_t now, unsigned *status)
{
	struct hp_api_reply r;
	request(path, query, now, &r);
	*status = r.status;
	CHECK(r.content_type == NULL);
	if (r.text != NULL) {
		json_error_t e = {.line = 0};
		CHECK(r.body == NULL);
		r.body = json_loadb(r.text->buf, r.text->len, 0, &e);
		CHECK_MSG(r.body != NULL, "%s: %s", path, e.text);
		hp_json_text_free(r.text);
	}
	CHECK(r.body != NULL);
	return r.body != NULL ? r.body : json_object();
}

static json_t *get_ok(const char *path, const char *query, int64_t now)
{
	unsigned status;
	json_t *o = get(path, query, now, &status);
	CHECK_MSG(status == 200, "%s?%s: %u: %s", path, query, status,
		  json_string_value(json_object_get(o, "error")));
	return o;
}

static void check_error(const char *path, const char *query, unsigned want, const char *param)
{
	unsigned status;
	/* Any now after the examples. */
	json_t *o = get(path, query, local_ms(oslo(), 2025, 12, 1, 12, 0, 0), &status);
	CHECK_MSG(status == want, "%s?%s: %u", path, query, status);
	CHECK(json_is_string(json_object_get(o, "error")));
	if (param != NULL)
		CHECK_STREQ(json_string_value(json_object_get(o, "parameter")), param);
	json_decref(o);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "(none)";
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	CHECK_MSG(json_is_number(v), "%s is not a number", key);
	return json_number_value(v);
}

static bool is_null(json_t *o, const char *key)
{
	return json_is_null(json_object_get(o, key));
}

static bool is_true(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static json_t *at(json_t *o, const char *key, size_t i)
{
	return json_array_get(json_object_get(o, key), i);
}

/* ---- fixtures ---- */

static void fill_config(void)
{
	memset(&cfg, 0, sizeof(cfg));
	static const char *const names[] = {"home", "be", "gap", "cost"};
	static const char *const zones[] = {"Europe/Oslo", "Europe/Brussels", "Europe/Oslo",
					    "Europe/Oslo"};
	cfg.meter_count = 4;
	for (unsigned i = 0; i < 4; i++) {
		struct hp_meter_config *m = &cfg.meters[i];
		snprintf(m->name, sizeof(m->name), "%s", names[i]);
		snprintf(m->timezone, sizeof(m->timezone), "%s", zones[i]);
		hp_no_config_defaults(&m->capacity_no);
		hp_be_config_defaults(&m->capacity_be);
	}
	cfg.meters[HOME].capacity_tariff = HP_CAPACITY_NO;
	cfg.meters[BE].capacity_tariff = HP_CAPACITY_BE;
	cfg.meters[BE].capacity_be.price_per_kw_year = 40.4;
	cfg.stale_after_s = 30;
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/history.db", dir);
	hp_price_config_init(&cfg.prices);
	snprintf(cfg.prices.currency, sizeof(cfg.prices.currency), "NOK");
	cfg.prices.has_fixed_import = true;
	cfg.prices.fixed_import = 1.0;
}

static void fill_store(void)
{
	static const char *const names[] = {"home", "be", "gap", "cost"};
	static const char *const zones[] = {"Europe/Oslo", "Europe/Brussels", "Europe/Oslo",
					    "Europe/Oslo"};
	struct hp_store *s = fixture_store(cfg.store.path, names, zones, 4);
	feed_no_january(s, "home", 23, 18);
	feed_be_peak(s, "be");
	feed_gap_day(s, "gap");
	feed_cost_hour(s, "cost");
	hp_store_close(s);
}

/* The quarter prices of the cost hour, pushed as POST /prices would. */
static void push_prices(void)
{
	char text[1024];
	int n = snprintf(text, sizeof(text), "[");
	for (int i = 0; i < 4; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "%s{\"start\": \"2025-10-01T17:%02d:00+02:00\", \"end\": "
			      "\"2025-10-01T%02d:%02d:00+02:00\", \"price\": %.2f}",
			      i ? ", " : "", 15 * i, i == 3 ? 18 : 17, i == 3 ? 0 : 15 * (i + 1),
			      cost_hour_prices[i]);
	snprintf(text + n, sizeof(text) - (size_t)n, "]");
	char err[256] = "";
	CHECK_MSG(hp_price_book_push_json(book, text, strlen(text), err, sizeof(err)) == 4, "%s",
		  err);
}

/* What the daemon's main thread sets for a meter: the reading and its live
 * figures, from readings every 10 s at w watts over [from, to]. */
static void set_live(unsigned index, const struct hp_tz *z, int64_t from, int64_t to,
		     struct hp_reading *r)
{
	struct hp_acct_live live;
	hp_acct_live_init(&live);
	for (int64_t t = from; t <= to; t += 10000)
		hp_acct_live_add(&live, z, t, r, NULL, NULL);
	hp_state_set_reading(&state, index, r, to);
	hp_state_set_live(&state, index, &live);
}

/* ---- /energy ---- */

/* Norway, 23 January at 18:20, 6.3 kW since 18:00 (tariffs.md). */
static int64_t home_now(void)
{
	return local_ms(oslo(), 2024, 1, 23, 18, 20, 0);
}

static void test_energy_hours(void)
{
	json_t *o =
	    get_ok("/meters/home/energy", "period=hour&from=2024-01-06&to=2024-01-07", home_now());
	CHECK_STREQ(str(o, "name"), "home");
	CHECK_STREQ(str(o, "period"), "hour");
	CHECK_STREQ(str(o, "from"), "2024-01-06T00:00:00+01:00");
	CHECK_STREQ(str(o, "to"), "2024-01-07T00:00:00+01:00");
	CHECK_STREQ(str(o, "currency"), "NOK");
	CHECK_INT(json_array_size(json_object_get(o, "buckets")), 24);
	json_t *b = at(o, "buckets", 17);
	CHECK_STREQ(str(b, "start"), "2024-01-06T17:00:00+01:00");
	CHECK_STREQ(str(b, "end"), "2024-01-06T18:00:00+01:00");
	CHECK_INT(num(b, "end_ms") - num(b, "start_ms"), HOUR_MS);
	/* 12 353.478 - 12 345.678 kWh, rounded to the Wh's thousandth. */
	CHECK_NEAR(num(b, "import_kwh"), 7.8);
	CHECK(is_null(b, "export_kwh"));
	CHECK_NEAR(num(b, "cost"), 7.8); /* the fixed 1 NOK/kWh */
	CHECK(is_null(b, "income"));
	CHECK_NEAR(num(b, "mean_price"), 1.0);
	CHECK(json_is_false(json_object_get(b, "gap")));
	CHECK(json_is_false(json_object_get(b, "estimated")));
	CHECK(json_is_false(json_object_get(b, "running")));
	json_t *t = json_object_get(o, "total");
	CHECK_NEAR(num(t, "import_kwh"), 22 + 7.8 + 7.5);
	CHECK_NEAR(num(t, "cost"), 22 + 7.8 + 7.5);
	CHECK(is_null(t, "export_kwh"));
	CHECK_INT(num(t, "buckets"), 24);
	CHECK_INT(num(t, "gaps"), 0);
	CHECK_INT(num(t, "unpriced_import"), 0);
	json_decref(o);
}

static void test_energy_defaults_and_running(void)
{
	/* Days default to this month; today is running: 18 finished hours of 1 kWh and
	 * the running hour, 2.1 kWh integrated since 18:00. */
	json_t *o = get_ok("/meters/home/energy", "period=day", home_now());
	CHECK_STREQ(str(o, "from"), "2024-01-01T00:00:00+01:00");
	CHECK_STREQ(str(o, "to"), "2024-02-01T00:00:00+01:00");
	json_t *days = json_object_get(o, "buckets");
	CHECK_INT(json_array_size(days), 23);
	json_t *d6 = json_array_get(days, 5);
	CHECK_STREQ(str(d6, "start"), "2024-01-06T00:00:00+01:00");
	CHECK_NEAR(num(d6, "import_kwh"), 22 + 7.8 + 7.5);
	json_t *today = json_array_get(days, 22);
	CHECK(is_true(today, "running") && is_true(today, "estimated"));
	CHECK_NEAR(num(today, "import_kwh"), 18 + 2.1);
	json_decref(o);
	/* Hours default to today, up to the running one. */
	o = get_ok("/meters/home/energy", NULL, home_now());
	CHECK_STREQ(str(o, "period"), "hour");
	CHECK_INT(json_array_size(json_object_get(o, "buckets")), 19);
	json_t *running = at(o, "buckets", 18);
	CHECK_STREQ(str(running, "start"), "2024-01-23T18:00:00+01:00");
	CHECK_NEAR(num(running, "import_kwh"), 2.1);
	CHECK(is_true(running, "running"));
	json_decref(o);
	/* Years default to all: from the first stored month (December 2023). */
	o = get_ok("/meters/home/energy", "period=year", home_now());
	CHECK_STREQ(str(o, "from"), "2023-01-01T00:00:00+01:00");
	CHECK_INT(json_array_size(json_object_get(o, "buckets")), 2);
	json_t *y23 = at(o, "buckets", 0);
	CHECK_NEAR(num(y23, "import_kwh"), 1.0); /* 31 December 23:00-24:00 */
	CHECK(is_true(y23, "gap"));              /* January to November unknown */
	json_decref(o);
}

static void test_energy_gap(void)
{
	int64_t now = local_ms(oslo(), 2024, 1, 16, 12, 0, 0);
	json_t *o = get_ok("/meters/gap/energy",
			   "period=hour&from=2024-01-15T09:00&to=2024-01-15T22:00", now);
	json_t *b = json_object_get(o, "buckets");
	CHECK_INT(json_array_size(b), 13);
	/* 13:00-20:00 unknown: null energy, a gap, never spread. */
	for (size_t i = 4; i <= 10; i++) {
		json_t *h = json_array_get(b, i);
		CHECK(is_null(h, "import_kwh") && is_null(h, "cost") && is_true(h, "gap"));
	}
	CHECK(is_true(json_array_get(b, 3), "gap"));
	CHECK(is_null(json_array_get(b, 3), "import_kwh"));
	/* The whole outage lands where it ended, flagged. */
	CHECK_STREQ(str(json_array_get(b, 11), "start"), "2024-01-15T20:00:00+01:00");
	CHECK_NEAR(num(json_array_get(b, 11), "import_kwh"), 9.0);
	CHECK(is_true(json_array_get(b, 11), "gap"));
	json_t *t = json_object_get(o, "total");
	CHECK_NEAR(num(t, "import_kwh"), 13.0);
	CHECK_INT(num(t, "gaps"), 9);
	json_decref(o);
}

/* ---- /cost ---- */

static void test_cost(void)
{
	int64_t now = local_ms(oslo(), 2025, 10, 2, 12, 0, 0);
	/* tariffs.md: 0.9, 1.4, 2.6, 0.5 kWh at 1.20, 1.35, 2.10, 0.95 -> 8.905. */
	json_t *o = get_ok("/meters/cost/cost", "period=day&from=2025-10-01&to=2025-10-02", now);
	CHECK_INT(json_array_size(json_object_get(o, "buckets")), 1);
	json_t *d = at(o, "buckets", 0);
	CHECK_NEAR(num(d, "import_kwh"), 5.4);
	CHECK_NEAR(num(d, "cost"), 8.905);
	CHECK_NEAR(num(d, "net"), 8.905);
	CHECK_INT(num(d, "unpriced_import"), 0);
	CHECK(json_object_get(d, "mean_price") == NULL); /* /energy's */
	CHECK_NEAR(num(json_object_get(o, "total"), "cost"), 8.905);
	json_decref(o);
	/* Per quarter through /energy. */
	o = get_ok("/meters/cost/energy", "period=15m&from=2025-10-01T17:00&to=2025-10-01T18:00",
		   now);
	static const double cost[4] = {1.08, 1.89, 5.46, 0.475};
	for (size_t i = 0; i < 4; i++) {
		CHECK_NEAR(num(at(o, "buckets", i), "cost"), cost[i]);
		CHECK_NEAR(num(at(o, "buckets", i), "mean_price"), cost_hour_prices[i]);
	}
	json_decref(o);
	check_error("/meters/cost/cost", "period=hour", 400, "period");
}

/* ---- /peaks ---- */

static void test_peaks_no(void)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 6300);
	set_live(HOME, oslo(), home_now() - 20 * MIN_MS, home_now(), &r);
	json_t *o = get_ok("/meters/home/peaks", NULL, home_now());
	CHECK_STREQ(str(o, "capacity_tariff"), "no");
	CHECK_STREQ(str(json_object_get(o, "month"), "start"), "2024-01-01T00:00:00+01:00");
	json_t *no = json_object_get(o, "no");
	CHECK_NEAR(num(no, "month_kw"), 8.633);
	CHECK(is_true(no, "complete"));
	CHECK_INT(json_array_size(json_object_get(no, "peaks")), 3);
	json_t *p0 = at(no, "peaks", 0), *p2 = at(no, "peaks", 2);
	CHECK_STREQ(str(p0, "day"), "2024-01-14");
	CHECK_INT(num(p0, "hour"), 7);
	CHECK_NEAR(num(p0, "kwh"), 9.2);
	CHECK_STREQ(str(p0, "start"), "2024-01-14T07:00:00+01:00");
	CHECK_NEAR(num(at(no, "peaks", 1), "kwh"), 8.9);
	CHECK_STREQ(str(p2, "day"), "2024-01-06");
	CHECK_INT(num(p2, "hour"), 17);
	json_t *step = json_object_get(no, "step");
	CHECK_INT(num(step, "index"), 2);
	CHECK_NEAR(num(step, "lower_kw"), 5);
	CHECK_NEAR(num(step, "upper_kw"), 10);
	json_t *run = json_object_get(no, "running");
	CHECK_NEAR(num(run, "used_kwh"), 2.1);
	CHECK_NEAR(num(run, "hour_max_kwh"), 11.9);
	CHECK_NEAR(num(run, "headroom_kwh"), 9.8);
	CHECK_NEAR(num(run, "headroom_kw"), 14.7);
	CHECK_INT(num(run, "remaining_s"), 2400);
	CHECK_NEAR(num(run, "projected_hour_kwh"), 6.3);
	CHECK_INT(num(json_object_get(run, "projected_step"), "index"), 2);
	CHECK_NEAR(num(json_object_get(o, "max_hour"), "kwh"), 9.2);
	json_decref(o);
}

static void test_peaks_be(void)
{
	const struct hp_tz *z = brussels();
	int64_t now = local_ms(z, 2024, 1, 20, 18, 9, 0);
	struct hp_reading r;
	be_peak_reading(&r);
	set_live(BE, z, now, now, &r);
	json_t *o = get_ok("/meters/be/peaks", NULL, now);
	CHECK_STREQ(str(o, "capacity_tariff"), "be");
	json_t *be = json_object_get(o, "be");
	json_t *mp = json_object_get(be, "month_peak");
	CHECK_NEAR(num(mp, "kw"), 3.8);
	CHECK(is_true(mp, "from_meter"));
	CHECK_STREQ(str(mp, "time"), "2024-01-10T18:15:00");
	CHECK_NEAR(num(mp, "own_kw"), 3.8);
	CHECK_STREQ(str(mp, "own_time"), "2024-01-10T18:00:00+01:00");
	CHECK_NEAR(num(mp, "diff_kw"), 0);
	/* 0.600 kWh + 4.2 kW x 6 min = 1.020 kWh -> 4.08 kW: a warning. */
	json_t *q = json_object_get(be, "running_quarter");
	CHECK_STREQ(str(q, "start"), "2024-01-20T18:00:00+01:00");
	CHECK_NEAR(num(q, "kwh"), 0.6);
	CHECK(is_true(q, "from_meter"));
	CHECK_NEAR(num(q, "projected_kwh"), 1.02);
	CHECK_NEAR(num(q, "projected_kw"), 4.08);
	CHECK(is_true(q, "warning"));
	CHECK_INT(num(q, "remaining_s"), 360);
	json_t *roll = json_object_get(be, "rolling");
	CHECK_NEAR(num(roll, "mean_kw"), 3.667); /* 44.0 / 12, floored per month */
	CHECK_STREQ(str(roll, "floor_on"), "month");
	CHECK_INT(json_array_size(json_object_get(roll, "months")), 12);
	json_t *feb = at(roll, "months", 1);
	CHECK_STREQ(str(feb, "month"), "2023-03");
	CHECK_NEAR(num(feb, "meter_kw"), 2.2);
	CHECK_NEAR(num(feb, "counted_kw"), 2.5);
	CHECK_STREQ(str(feb, "source"), "meter");
	json_t *jan = at(roll, "months", 11);
	CHECK_STREQ(str(jan, "month"), "2024-01");
	CHECK_NEAR(num(jan, "own_kw"), 3.8);
	CHECK_NEAR(num(jan, "meter_kw"), 3.8);
	json_t *fee = json_object_get(be, "fee");
	CHECK_NEAR(num(fee, "year"), 148.13);
	CHECK_NEAR(num(fee, "month"), 12.34);
	CHECK_NEAR(num(json_object_get(o, "max_quarter"), "kw"), 3.8);
	json_decref(o);
}

static void test_peaks_none(void)
{
	/* No capacity tariff: the month's highest hour and quarter all the same, and the
	 * outage's 9 kWh hour is no peak (it is a gap). */
	int64_t now = local_ms(oslo(), 2024, 1, 15, 23, 0, 0);
	json_t *o = get_ok("/meters/gap/peaks", NULL, now);
	CHECK_STREQ(str(o, "capacity_tariff"), "none");
	CHECK(json_object_get(o, "no") == NULL && json_object_get(o, "be") == NULL);
	json_t *h = json_object_get(o, "max_hour"), *q = json_object_get(o, "max_quarter");
	CHECK_NEAR(num(h, "kwh"), 1.0);
	CHECK_STREQ(str(h, "start"), "2024-01-15T09:00:00+01:00");
	CHECK_NEAR(num(q, "kw"), 1.0);
	CHECK_STREQ(str(q, "start"), "2024-01-15T09:00:00+01:00");
	json_decref(o);
}

/* ---- /prices ---- */

static void test_prices(void)
{
	int64_t now = local_ms(oslo(), 2025, 10, 1, 12, 0, 0);
	json_t *o = get_ok("/meters/cost/prices", "from=2025-10-01T17:00&to=2025-10-01T18:00", now);
	CHECK_STREQ(str(o, "currency"), "NOK");
	CHECK_INT(num(o, "interval_minutes"), 15);
	CHECK_INT(json_array_size(json_object_get(o, "prices")), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *p = at(o, "prices", i);
		CHECK_NEAR(num(p, "import"), cost_hour_prices[i]);
		CHECK_STREQ(str(p, "source"), "dynamic");
		/* Spot sold at spot when the source has no export price. */
		CHECK_NEAR(num(p, "export"), cost_hour_prices[i]);
	}
	CHECK_STREQ(str(at(o, "prices", 2), "start"), "2025-10-01T17:30:00+02:00");
	json_decref(o);
	/* Today and tomorrow by default, in quarters (a 15-minute price is among them),
	 * the fixed price where no dynamic one is. */
	o = get_ok("/meters/cost/prices", NULL, now);
	CHECK_INT(json_array_size(json_object_get(o, "prices")), 2 * 96);
	json_t *first = at(o, "prices", 0);
	CHECK_STREQ(str(first, "start"), "2025-10-01T00:00:00+02:00");
	CHECK_NEAR(num(first, "import"), 1.0);
	CHECK_STREQ(str(first, "source"), "fixed");
	CHECK(is_null(first, "export") && is_null(first, "export_source"));
	CHECK_STREQ(str(at(o, "prices", 17 * 4), "source"), "dynamic");
	json_decref(o);
	/* No dynamic price in range: hourly. */
	o = get_ok("/meters/cost/prices", "from=2025-10-05&to=2025-10-06", now);
	CHECK_INT(num(o, "interval_minutes"), 60);
	CHECK_INT(json_array_size(json_object_get(o, "prices")), 24);
	json_decref(o);
	check_error("/meters/cost/prices", "from=2025-10-01&to=2025-10-20", 400, "to");
}

/* ---- /history.csv ---- */

static void check_csv(const char *query, const char *disposition, const char *want)
{
	int64_t now = local_ms(oslo(), 2025, 10, 2, 12, 0, 0);
	struct hp_api_reply r;
	request("/meters/cost/history.csv", query, now, &r);
	CHECK_INT(r.status, 200);
	CHECK(r.body == NULL && r.text != NULL);
	CHECK_STREQ(r.content_type != NULL ? r.content_type : "(none)", "text/csv; charset=utf-8");
	CHECK_STREQ(r.disposition, disposition);
	if (r.text != NULL)
		CHECK_STREQ(r.text->buf, want);
	hp_json_text_free(r.text);
	json_decref(r.body);
}

static void test_csv(void)
{
	/* 3.6, 5.6, 10.4, 2 kW a quarter each: max 10 400 W, mean 5 400 W; the day
	 * has the 2 kW of the reading at 18:00 too: 326 000 W / 61. */
	check_csv("resolution=hour&from=2025-10-01T17:00&to=2025-10-01T19:00",
		  "attachment; filename=\"cost-hour-2025-10-01T17-00-00.csv\"",
		  "start,end,import_kwh,export_kwh,max_power_w,mean_power_w,gap,estimated,cost,"
		  "income\r\n"
		  "2025-10-01T17:00:00+02:00,2025-10-01T18:00:00+02:00,5.4,,10400,5400,false,"
		  "false,8.905,\r\n"
		  "2025-10-01T18:00:00+02:00,2025-10-01T19:00:00+02:00,,,2000,2000,false,false,"
		  ",\r\n");
	check_csv("resolution=15m&from=2025-10-01T17:15&to=2025-10-01T17:45",
		  "attachment; filename=\"cost-15m-2025-10-01T17-15-00.csv\"",
		  "start,end,import_kwh,export_kwh,max_power_w,mean_power_w,gap,estimated,cost,"
		  "income\r\n"
		  "2025-10-01T17:15:00+02:00,2025-10-01T17:30:00+02:00,1.4,,5600,5600,false,"
		  "false,1.89,\r\n"
		  "2025-10-01T17:30:00+02:00,2025-10-01T17:45:00+02:00,2.6,,10400,10400,false,"
		  "false,5.46,\r\n");
	/* Raw: the columns present in the range, in the reading model's order. */
	check_csv("resolution=raw&from=2025-10-01T17:00&to=2025-10-01T17:02",
		  "attachment; filename=\"cost-raw-2025-10-01T17-00-00.csv\"",
		  "time,power_import_w,l1_voltage_v,energy_import_kwh\r\n"
		  "2025-10-01T15:00:00Z,3600,231.5,500\r\n"
		  "2025-10-01T15:01:00Z,3600,231.5,500.06\r\n");
	check_csv("resolution=day&from=2025-10-01&to=2025-10-02",
		  "attachment; filename=\"cost-day-2025-10-01.csv\"",
		  "start,end,import_kwh,export_kwh,max_power_w,mean_power_w,gap,estimated,cost,"
		  "income\r\n"
		  "2025-10-01T00:00:00+02:00,2025-10-02T00:00:00+02:00,5.4,,10400,"
		  "5344.262,false,false,8.905,\r\n");
	/* An empty range still has its header. */
	check_csv("resolution=raw&from=2020-01-01&to=2020-01-02",
		  "attachment; filename=\"cost-raw-2020-01-01.csv\"", "time\r\n");
	check_error("/meters/cost/history.csv", "resolution=week", 400, "resolution");
	check_error("/meters/cost/history.csv", "resolution=15m&from=2020-01-01&to=2025-01-01", 400,
		    "from");
}

/* ---- errors and routes ---- */

static void test_errors(void)
{
	static const char *const paths[] = {"/meters/nosuch/energy", "/meters/nosuch/cost",
					    "/meters/nosuch/peaks", "/meters/nosuch/prices",
					    "/meters/nosuch/history.csv"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		check_error(paths[i], NULL, 404, NULL);
	check_error("/meters/home/energy", "period=week", 400, "period");
	check_error("/meters/home/energy", "from=yesterday", 400, "from");
	check_error("/meters/home/energy", "from=2024-01-02&to=2024-01-01", 400, "to");
	/* More than 10000 quarters. */
	check_error("/meters/home/energy", "period=15m&from=2020-01-01&to=2021-01-01", 400, "from");
	struct query q = {.n = 0};
	struct hp_api_reply r;
	hp_api_handle(api, "POST", "/meters/home/energy", query_arg, &q, 0, &r);
	CHECK_INT(r.status, 405);
	json_decref(r.body);
	/* The new paths are documented. */
	json_t *doc = json_loads(hp_openapi_json, 0, NULL);
	json_t *paths_doc = json_object_get(doc, "paths");
	static const char *const documented[] = {"/meters/{name}/energy", "/meters/{name}/cost",
						 "/meters/{name}/peaks", "/meters/{name}/prices",
						 "/meters/{name}/history.csv"};
	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		CHECK_MSG(json_object_get(json_object_get(paths_doc, documented[i]), "get") != NULL,
			  "%s", documented[i]);
	json_decref(doc);
}

/* ---- without a history ---- */

static void test_without_store(void)
{
	struct hp_config saved = cfg;
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/missing/none.db", dir);
	struct hp_api *a2 = hp_api_new(&cfg, &state);
	struct hp_api *keep = api;
	api = a2;
	check_error("/meters/home/energy", NULL, 503, NULL);
	check_error("/meters/home/peaks", NULL, 503, NULL);
	/* Prices need no history. */
	unsigned status;
	json_t *o = get("/meters/home/prices", NULL, home_now(), &status);
	CHECK_INT(status, 200);
	json_decref(o);
	api = keep;
	hp_api_free(a2);
	cfg = saved;
}

int main(void)
{
	setenv("TZ", "America/Sao_Paulo", 1); /* the meters' zones are their own */
	tzset();
	if (oslo() == NULL || brussels() == NULL) {
		fprintf(stderr, "no tzdata: skipped\n");
		return 77;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/hp-api-energy-XXXXXX", tmp != NULL ? tmp : P_tmpdir);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	fill_config();
	fill_store();
	hp_state_init(&state, &cfg, 0);
	api = hp_api_new(&cfg, &state);
	book = hp_price_book_new(&cfg.prices, NULL);
	hp_api_set_prices(api, book);
	push_prices();

	test_energy_hours();
	test_peaks_no(); /* sets home's live figures */
	test_energy_defaults_and_running();
	test_energy_gap();
	test_cost();
	test_peaks_be();
	test_peaks_none();
	test_prices();
	test_csv();
	test_errors();
	test_without_store();

	hp_api_free(api);
	hp_price_book_free(book);
	hp_state_destroy(&state);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (check_failures == 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("test_api_energy");
}
