/* Prices and cost with hand-computed expectations: the worked hour of tariffs.md
 * section 4 (8.905 NOK per quarter, 7.56 NOK with the hourly mean), modifiers in
 * order, time-of-use rules wrapping midnight and the year, precedence dynamic >
 * time-of-use > fixed, DST days of 92 and 100 quarter prices, the bounded series,
 * JSON errors and the configuration parsers. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "prices.h"

#define MIN_MS  (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm) * 1000;
}

/* The local calendar facts of a wall time (weekday worked out by timegm). */
static struct tm local_tm(int y, int mo, int d, int h)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h};
	time_t t = timegm(&tm);
	struct tm out;
	gmtime_r(&t, &out);
	return out;
}

/* A wall time offset_h east of UTC, as ISO-8601 with its offset. */
static void iso_local(int64_t ms, int offset_h, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000) + offset_h * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	/* Bounded fields: the compiler then knows the text fits. */
	snprintf(out, size, "%04u-%02u-%02uT%02u:%02u:00+%02u:00",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)offset_h % 100u);
}

static struct hp_price_series series; /* large: not on the stack */
static struct hp_price_point points[HP_PRICE_POINTS_MAX];

static size_t parse_ok(const char *json)
{
	size_t n = 0;
	char err[256] = "";
	int rc = hp_prices_parse_json(json, strlen(json), points, HP_PRICE_POINTS_MAX, &n, err,
				      sizeof(err));
	CHECK_MSG(rc == 0, "%s", err);
	return rc == 0 ? n : 0;
}

static void add_modifier(struct hp_price_config *c, enum hp_price_op op, unsigned applies,
			 double value)
{
	struct hp_price_modifier *m = &c->modifiers[c->modifier_count++];
	m->op = op;
	m->applies = applies;
	m->value = value;
	m->has_value = true;
}

static struct hp_cost_bucket bucket(int64_t start, int64_t end, double import_kwh,
				    double export_kwh, struct tm local)
{
	struct hp_cost_bucket b = {.start_ms = start,
				   .end_ms = end,
				   .import_kwh = import_kwh,
				   .export_kwh = export_kwh,
				   .local = local};
	return b;
}

static void test_worked_cost(void)
{
	/* 1 October 2025 (Oslo, +02:00), 17-18, quarter prices in NOK. */
	const char *json =
	    "[{\"start\":\"2025-10-01T17:00:00+02:00\",\"end\":\"2025-10-01T17:15:00+02:00\","
	    "\"price\":1.20},"
	    " {\"start\":\"2025-10-01T17:15:00+02:00\",\"end\":\"2025-10-01T17:30:00+02:00\","
	    "\"price\":1.35},"
	    " {\"start\":\"2025-10-01T15:30:00Z\",\"end\":\"2025-10-01T15:45Z\",\"price\":2.10},"
	    " {\"start\":\"2025-10-01T17:45:00.000+0200\",\"end\":\"2025-10-01T18:00:00+02\","
	    "\"price\":0.95}]";
	CHECK_INT(parse_ok(json), 4);
	hp_price_series_init(&series);
	hp_price_series_merge(&series, points, 4);
	CHECK_INT(series.count, 4);
	struct hp_price_config c;
	hp_price_config_init(&c);
	struct tm lt = local_tm(2025, 10, 1, 17);

	int64_t h = utc_ms(2025, 10, 1, 15, 0);
	struct hp_cost_bucket q[4];
	double kwh[4] = {0.9, 1.4, 2.6, 0.5};
	double cost[4] = {1.080, 1.890, 5.460, 0.475};
	for (int i = 0; i < 4; i++) {
		q[i] = bucket(h + i * 15 * MIN_MS, h + (i + 1) * 15 * MIN_MS, kwh[i], 0, lt);
		struct hp_bucket_cost bc;
		hp_price_bucket_cost(&c, &series, &q[i], &bc);
		CHECK(bc.cost_known);
		CHECK_NEAR(bc.cost, cost[i]);
		CHECK(!bc.mean_price);
		CHECK_INT(bc.price_intervals, 1);
		/* No export price anywhere: the spot price serves export too. */
		CHECK(bc.income_known);
	}
	struct hp_cost_total t;
	hp_price_cost_total(&c, &series, q, 4, &t);
	CHECK_NEAR(t.cost, 8.905);
	CHECK_NEAR(t.import_kwh, 5.4);
	CHECK_INT(t.mean_priced, 0);
	CHECK_INT(t.unpriced_import, 0);

	/* Hourly energy only: 5.4 kWh x 1.40 (mean of the four) = 7.56, flagged. */
	struct hp_cost_bucket hour = bucket(h, h + HOUR_MS, 5.4, 0, lt);
	struct hp_bucket_cost bc;
	hp_price_bucket_cost(&c, &series, &hour, &bc);
	CHECK_NEAR(bc.import_price, 1.40);
	CHECK_NEAR(bc.cost, 7.56);
	CHECK(bc.mean_price);
	CHECK_INT(bc.price_intervals, 4);
	hp_price_cost_total(&c, &series, &hour, 1, &t);
	CHECK_INT(t.mean_priced, 1);

	/* A quarter bucket under an hourly price takes that price: not a mean. */
	const char *hourly = "[{\"start\":\"2025-10-01T18:00:00+02:00\",\"end\":"
			     "\"2025-10-01T19:00:00+02:00\",\"price\":1.5,\"export_price\":0.4}]";
	CHECK_INT(parse_ok(hourly), 1);
	hp_price_series_merge(&series, points, 1);
	struct hp_cost_bucket q18 = bucket(h + HOUR_MS + 30 * MIN_MS, h + HOUR_MS + 45 * MIN_MS,
					   0.5, 0.2, local_tm(2025, 10, 1, 18));
	hp_price_bucket_cost(&c, &series, &q18, &bc);
	CHECK_NEAR(bc.cost, 0.75);
	CHECK_NEAR(bc.income, 0.08);
	CHECK(!bc.mean_price);
}

static void test_modifiers(void)
{
	struct hp_price_config c;
	hp_price_config_init(&c);
	c.has_fixed_import = c.has_fixed_export = true;
	c.fixed_import = 1.00;
	c.fixed_export = 0.50;
	const unsigned both = HP_PRICE_APPLIES_IMPORT | HP_PRICE_APPLIES_EXPORT;

	/* add 0.1 then percent 25: (1.00 + 0.1) x 1.25 = 1.375 */
	add_modifier(&c, HP_PRICE_OP_ADD, HP_PRICE_APPLIES_IMPORT, 0.1);
	add_modifier(&c, HP_PRICE_OP_PERCENT, both, 25);
	struct hp_price_value v = hp_price_at(&c, NULL, HP_PRICE_IMPORT, 0, NULL);
	CHECK(v.known);
	CHECK(v.source == HP_PRICE_SOURCE_FIXED);
	CHECK_NEAR(v.base, 1.00);
	CHECK_NEAR(v.price, 1.375);
	/* Export gets only the percent: 0.50 x 1.25 = 0.625. */
	v = hp_price_at(&c, NULL, HP_PRICE_EXPORT, 0, NULL);
	CHECK_NEAR(v.price, 0.625);

	/* percent 25 then add 0.1: 1.00 x 1.25 + 0.1 = 1.35 */
	c.modifier_count = 0;
	add_modifier(&c, HP_PRICE_OP_PERCENT, both, 25);
	add_modifier(&c, HP_PRICE_OP_ADD, HP_PRICE_APPLIES_IMPORT, 0.1);
	CHECK_NEAR(hp_price_at(&c, NULL, HP_PRICE_IMPORT, 0, NULL).price, 1.35);

	/* subtract on export only: 0.50 x 1.25 - 0.05 = 0.575. */
	add_modifier(&c, HP_PRICE_OP_SUBTRACT, HP_PRICE_APPLIES_EXPORT, 0.05);
	CHECK_NEAR(hp_price_at(&c, NULL, HP_PRICE_EXPORT, 0, NULL).price, 0.575);
	CHECK_NEAR(hp_price_at(&c, NULL, HP_PRICE_IMPORT, 0, NULL).price, 1.35);

	/* fixed replaces what came before; later ones still apply: 0.7 + 0.2. */
	c.modifier_count = 0;
	add_modifier(&c, HP_PRICE_OP_ADD, HP_PRICE_APPLIES_IMPORT, 0.1);
	add_modifier(&c, HP_PRICE_OP_FIXED, HP_PRICE_APPLIES_IMPORT, 0.7);
	add_modifier(&c, HP_PRICE_OP_ADD, both, 0.2);
	CHECK_NEAR(hp_price_apply_modifiers(&c, HP_PRICE_IMPORT, 5.0), 0.9);
	CHECK_NEAR(hp_price_apply_modifiers(&c, HP_PRICE_EXPORT, 5.0), 5.2);
	/* Negative spot prices stay negative through add and percent. */
	c.modifier_count = 0;
	add_modifier(&c, HP_PRICE_OP_PERCENT, both, 25);
	CHECK_NEAR(hp_price_apply_modifiers(&c, HP_PRICE_IMPORT, -0.2), -0.25);

	/* No base price: modifiers do not invent one. */
	c.has_fixed_import = false;
	add_modifier(&c, HP_PRICE_OP_FIXED, both, 1.0);
	v = hp_price_at(&c, NULL, HP_PRICE_IMPORT, 0, NULL);
	CHECK(!v.known);
	CHECK(v.source == HP_PRICE_SOURCE_NONE);
}

static void test_tou(void)
{
	struct hp_price_config c;
	hp_price_config_init(&c);
	c.has_fixed_import = true;
	c.fixed_import = 1.0;
	char why[160];
	/* Rule 0: winter, every day, all day, 1.5. Rule 1: weekday nights 22-06, 0.8;
	 * the later rule wins where both match. */
	struct hp_tou_rule *winter = &c.tou[c.tou_count++];
	hp_tou_rule_init(winter);
	CHECK_INT(hp_price_parse_dates(winter, "11-01..03-31", why, sizeof(why)), 0);
	CHECK_INT(hp_price_parse_rule_import(winter, "1.5", why, sizeof(why)), 0);
	struct hp_tou_rule *night = &c.tou[c.tou_count++];
	hp_tou_rule_init(night);
	CHECK_INT(hp_price_parse_days(night, "mon-fri", why, sizeof(why)), 0);
	CHECK_INT(hp_price_parse_hours(night, "22-06", why, sizeof(why)), 0);
	CHECK_INT(hp_price_parse_rule_import(night, "0.8", why, sizeof(why)), 0);

	static const struct {
		int y, mo, d, h;
		double want;
		enum hp_price_source source;
	} cases[] = {
	    {2025, 12, 15, 23, 0.8, HP_PRICE_SOURCE_TOU}, /* Monday 23:00 */
	    {2025, 12, 16, 5, 0.8, HP_PRICE_SOURCE_TOU},  /* Tuesday 05:00, after midnight */
	    {2025, 12, 16, 6, 1.5, HP_PRICE_SOURCE_TOU},  /* 06:00 ends the night */
	    {2025, 12, 16, 21, 1.5, HP_PRICE_SOURCE_TOU},
	    {2025, 12, 20, 3, 1.5, HP_PRICE_SOURCE_TOU}, /* Saturday: no weekday night */
	    {2025, 7, 16, 23, 0.8, HP_PRICE_SOURCE_TOU}, /* summer Wednesday night */
	    {2025, 7, 16, 12, 1.0, HP_PRICE_SOURCE_FIXED},
	    {2025, 10, 31, 12, 1.0, HP_PRICE_SOURCE_FIXED}, /* the day before winter */
	    {2025, 11, 1, 12, 1.5, HP_PRICE_SOURCE_TOU},    /* its first day */
	    {2026, 1, 1, 12, 1.5, HP_PRICE_SOURCE_TOU},     /* across the new year */
	    {2026, 1, 1, 0, 0.8, HP_PRICE_SOURCE_TOU},      /* a Thursday night */
	    {2024, 2, 29, 12, 1.5, HP_PRICE_SOURCE_TOU},    /* leap day */
	    {2026, 3, 31, 12, 1.5, HP_PRICE_SOURCE_TOU},    /* its last day */
	    {2026, 4, 1, 12, 1.0, HP_PRICE_SOURCE_FIXED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm lt = local_tm(cases[i].y, cases[i].mo, cases[i].d, cases[i].h);
		struct hp_price_value v = hp_price_at(&c, NULL, HP_PRICE_IMPORT, 0, &lt);
		CHECK_MSG(
		    v.known && fabs(v.price - cases[i].want) < 1e-12 && v.source == cases[i].source,
		    "case %zu: %d-%02d-%02d %02d:00 gave %g (source %d), want %g", i, cases[i].y,
		    cases[i].mo, cases[i].d, cases[i].h, v.price, v.source, cases[i].want);
	}
	/* The rules have no export price: export falls to the fixed one, or nothing. */
	struct tm lt = local_tm(2025, 12, 15, 23);
	CHECK(!hp_price_at(&c, NULL, HP_PRICE_EXPORT, 0, &lt).known);
	c.has_fixed_export = true;
	c.fixed_export = 0.3;
	CHECK_NEAR(hp_price_at(&c, NULL, HP_PRICE_EXPORT, 0, &lt).price, 0.3);
	/* Without local time the rules cannot be applied: the fixed price. */
	CHECK_NEAR(hp_price_at(&c, NULL, HP_PRICE_IMPORT, 0, NULL).price, 1.0);

	/* Hour ranges ending at midnight, the whole day. */
	struct hp_tou_rule r;
	hp_tou_rule_init(&r);
	CHECK_INT(hp_price_parse_hours(&r, "22-00", why, sizeof(why)), 0);
	lt = local_tm(2025, 12, 15, 23);
	CHECK(hp_tou_rule_matches(&r, &lt));
	lt = local_tm(2025, 12, 15, 0);
	CHECK(!hp_tou_rule_matches(&r, &lt));
	CHECK_INT(hp_price_parse_hours(&r, "22-24", why, sizeof(why)), 0);
	lt = local_tm(2025, 12, 15, 23);
	CHECK(hp_tou_rule_matches(&r, &lt));
	lt = local_tm(2025, 12, 15, 21);
	CHECK(!hp_tou_rule_matches(&r, &lt));
	CHECK_INT(hp_price_parse_hours(&r, "0-24", why, sizeof(why)), 0);
	for (int hour = 0; hour < 24; hour++) {
		lt = local_tm(2025, 12, 15, hour);
		CHECK(hp_tou_rule_matches(&r, &lt));
	}
	/* Weekend across the week's wrap: fri-mon is fri, sat, sun, mon. */
	CHECK_INT(hp_price_parse_days(&r, "fri-mon", why, sizeof(why)), 0);
	CHECK_INT(r.days, 1 << 5 | 1 << 6 | 1 << 0 | 1 << 1);
}

static void test_precedence(void)
{
	struct hp_price_config c;
	hp_price_config_init(&c);
	c.has_fixed_import = true;
	c.fixed_import = 1.0;
	struct hp_tou_rule *peak = &c.tou[c.tou_count++];
	hp_tou_rule_init(peak);
	peak->hour_from = 17;
	peak->hour_to = 19;
	peak->has_import = true;
	peak->import_price = 1.2;
	add_modifier(&c, HP_PRICE_OP_ADD, HP_PRICE_APPLIES_IMPORT, 0.5);

	/* 1 October 2025, 17:00-17:30 local: two dynamic quarters at 2.0 (the second
	 * with an export price of its own). */
	const char *json = "[{\"start\":\"2025-10-01T17:00:00+02:00\",\"end\":\"2025-10-01T17:15:"
			   "00+02:00\",\"price\":2.0},"
			   " {\"start\":\"2025-10-01T17:15:00+02:00\",\"end\":\"2025-10-01T17:30:"
			   "00+02:00\",\"price\":2.0,\"export_price\":0.3}]";
	CHECK_INT(parse_ok(json), 2);
	hp_price_series_init(&series);
	hp_price_series_merge(&series, points, 2);
	int64_t h17 = utc_ms(2025, 10, 1, 15, 0);
	struct tm lt17 = local_tm(2025, 10, 1, 17), lt18 = local_tm(2025, 10, 1, 18),
		  lt19 = local_tm(2025, 10, 1, 19);

	struct hp_price_value v =
	    hp_price_at(&c, &series, HP_PRICE_IMPORT, h17 + 5 * MIN_MS, &lt17);
	CHECK(v.source == HP_PRICE_SOURCE_DYNAMIC);
	CHECK_NEAR(v.price, 2.5);
	v = hp_price_at(&c, &series, HP_PRICE_IMPORT, h17 + 40 * MIN_MS, &lt17);
	CHECK(v.source == HP_PRICE_SOURCE_TOU);
	CHECK_NEAR(v.price, 1.7);
	v = hp_price_at(&c, &series, HP_PRICE_IMPORT, h17 + 90 * MIN_MS, &lt18);
	CHECK(v.source == HP_PRICE_SOURCE_TOU);
	v = hp_price_at(&c, &series, HP_PRICE_IMPORT, h17 + 150 * MIN_MS, &lt19);
	CHECK(v.source == HP_PRICE_SOURCE_FIXED);
	CHECK_NEAR(v.price, 1.5);
	/* Export: the point's own export price, else its import price. */
	v = hp_price_at(&c, &series, HP_PRICE_EXPORT, h17 + 20 * MIN_MS, &lt17);
	CHECK(v.source == HP_PRICE_SOURCE_DYNAMIC);
	CHECK_NEAR(v.price, 0.3);
	v = hp_price_at(&c, &series, HP_PRICE_EXPORT, h17 + 5 * MIN_MS, &lt17);
	CHECK_NEAR(v.price, 2.0);
	/* Past the dynamic points, export has no rule and no fixed price. */
	CHECK(!hp_price_at(&c, &series, HP_PRICE_EXPORT, h17 + 40 * MIN_MS, &lt17).known);

	/* The 17-18 hour: half dynamic (2.5 after the modifier), half time-of-use
	 * (1.7): mean 2.1 over three price intervals; 2 kWh -> 4.2. */
	struct hp_cost_bucket b = bucket(h17, h17 + HOUR_MS, 2.0, 1.0, lt17);
	struct hp_bucket_cost bc;
	hp_price_bucket_cost(&c, &series, &b, &bc);
	CHECK(bc.cost_known);
	CHECK_NEAR(bc.import_price, 2.1);
	CHECK_NEAR(bc.cost, 4.2);
	CHECK_INT(bc.price_intervals, 3);
	CHECK(bc.mean_price);
	/* Export has no price for the second half: income unknown. */
	CHECK(!bc.income_known);
	CHECK_NEAR(bc.income, 0);
	struct hp_cost_total t;
	hp_price_cost_total(&c, &series, &b, 1, &t);
	CHECK_INT(t.unpriced_export, 1);
	CHECK_INT(t.unpriced_import, 0);
	CHECK_NEAR(t.cost, 4.2);
	CHECK_NEAR(t.income, 0);

	/* A quarter just before the dynamic points, from the fixed price. */
	b = bucket(h17 - 15 * MIN_MS, h17, 1.0, 0, local_tm(2025, 10, 1, 16));
	hp_price_bucket_cost(&c, &series, &b, &bc);
	CHECK_NEAR(bc.cost, 1.5);
	CHECK_INT(bc.price_intervals, 1);
	/* A gap bucket is costed all the same, and counted. */
	b.gap = true;
	hp_price_cost_total(&c, &series, &b, 1, &t);
	CHECK_INT(t.gaps, 1);
	CHECK_NEAR(t.cost, 1.5);
}

/* A day of quarter prices as JSON with the local offset of each quarter: price i
 * is i / 100. */
static size_t dst_day_json(int64_t start, int quarters, int64_t switch_ms, int before_h,
			   int after_h, char *out, size_t size)
{
	size_t k = 0;
	k += (size_t)snprintf(out + k, size - k, "[");
	for (int i = 0; i < quarters; i++) {
		int64_t s = start + i * 15 * MIN_MS, e = s + 15 * MIN_MS;
		char a[40], b[40];
		iso_local(s, s < switch_ms ? before_h : after_h, a, sizeof(a));
		iso_local(e, e < switch_ms ? before_h : after_h, b, sizeof(b));
		k += (size_t)snprintf(out + k, size - k,
				      "%s{\"start\":\"%s\",\"end\":\"%s\",\"price\":%d.%02d}",
				      i ? "," : "", a, b, i / 100, i % 100);
	}
	k += (size_t)snprintf(out + k, size - k, "]");
	return k;
}

static void test_dst_days(void)
{
	static char json[32768];
	struct hp_price_config c;
	hp_price_config_init(&c);

	/* 26 October 2025, Oslo: 00:00+02:00 = 25 Oct 22:00Z to 27 Oct 00:00+01:00 =
	 * 26 Oct 23:00Z: 100 quarters; the clock goes back at 01:00Z. */
	int64_t start = utc_ms(2025, 10, 25, 22, 0), back = utc_ms(2025, 10, 26, 1, 0);
	dst_day_json(start, 100, back, 2, 1, json, sizeof(json));
	CHECK(strstr(json, "\"2025-10-26T02:45:00+02:00\"") != NULL);
	CHECK(strstr(json, "\"2025-10-26T02:45:00+01:00\"") != NULL);
	CHECK_INT(parse_ok(json), 100);
	hp_price_series_init(&series);
	hp_price_series_merge(&series, points, 100);
	CHECK_INT(series.count, 100);
	CHECK_INT(series.p[0].start_ms, start);
	CHECK_INT(series.p[99].end_ms, utc_ms(2025, 10, 26, 23, 0));
	/* 02:30 happens twice, with different prices: 0.10 (CEST) and 0.14 (CET). */
	CHECK_NEAR(hp_price_series_find(&series, utc_ms(2025, 10, 26, 0, 30))->import_price, 0.10);
	CHECK_NEAR(hp_price_series_find(&series, utc_ms(2025, 10, 26, 1, 30))->import_price, 0.14);

	/* 25 hourly buckets of 1 kWh: each costs the mean of its 4 quarters, so the day
	 * costs (0 + 0.01 + ... + 0.99) / 4 = 49.5 / 4 = 12.375; the two 02:00 hours
	 * cost 0.095 and 0.135. */
	struct hp_cost_bucket hours[25];
	for (int i = 0; i < 25; i++) {
		int label = i <= 2 ? i : i - 1;
		hours[i] = bucket(start + i * HOUR_MS, start + (i + 1) * HOUR_MS, 1.0, 0,
				  local_tm(2025, 10, 26, label));
	}
	struct hp_cost_total t;
	hp_price_cost_total(&c, &series, hours, 25, &t);
	CHECK_NEAR(t.cost, 12.375);
	CHECK_INT(t.mean_priced, 25);
	struct hp_bucket_cost bc;
	hp_price_bucket_cost(&c, &series, &hours[2], &bc);
	CHECK_NEAR(bc.cost, 0.095);
	hp_price_bucket_cost(&c, &series, &hours[3], &bc);
	CHECK_NEAR(bc.cost, 0.135);

	/* 30 March 2025: 29 Mar 23:00Z to 30 Mar 22:00Z, 92 quarters; 02:00-03:00 local
	 * does not exist. */
	start = utc_ms(2025, 3, 29, 23, 0);
	int64_t fwd = utc_ms(2025, 3, 30, 1, 0);
	dst_day_json(start, 92, fwd, 1, 2, json, sizeof(json));
	CHECK(strstr(json, "\"2025-03-30T01:45:00+01:00\",\"end\":\"2025-03-30T03:00:00+02:00\"") !=
	      NULL);
	CHECK_INT(parse_ok(json), 92);
	hp_price_series_init(&series);
	hp_price_series_merge(&series, points, 92);
	CHECK_INT(series.count, 92);
	CHECK_INT(series.p[91].end_ms, utc_ms(2025, 3, 30, 22, 0));
	CHECK_NEAR(hp_price_series_find(&series, fwd)->import_price, 0.08);
	/* 23 hours of 1 kWh: (0 + ... + 0.91) / 4 = 41.86 / 4 = 10.465. */
	struct hp_cost_bucket spring[23];
	for (int i = 0; i < 23; i++)
		spring[i] = bucket(start + i * HOUR_MS, start + (i + 1) * HOUR_MS, 1.0, 0,
				   local_tm(2025, 3, 30, i < 2 ? i : i + 1));
	hp_price_cost_total(&c, &series, spring, 23, &t);
	CHECK_NEAR(t.cost, 10.465);
	CHECK_INT(t.unpriced_import, 0);
}

static void test_series_bound(void)
{
	/* Eight days of quarters (768) in two pushes of 384: the newest 700 stay. */
	int64_t start = utc_ms(2025, 10, 5, 22, 0);
	hp_price_series_init(&series);
	for (int push = 0; push < 2; push++) {
		for (int i = 0; i < 384; i++) {
			int64_t s = start + (push * 384 + i) * 15 * MIN_MS;
			points[i] = (struct hp_price_point){.start_ms = s,
							    .end_ms = s + 15 * MIN_MS,
							    .import_price = push * 384 + i};
		}
		hp_price_series_merge(&series, points, 384);
	}
	CHECK_INT(series.count, HP_PRICE_POINTS_MAX);
	CHECK_INT(series.p[0].start_ms, start + 68 * 15 * MIN_MS);
	CHECK_NEAR(series.p[0].import_price, 68);
	CHECK_NEAR(series.p[699].import_price, 767);
	CHECK(hp_price_series_find(&series, start) == NULL);
	for (size_t i = 1; i < series.count; i++)
		CHECK(series.p[i].start_ms == series.p[i - 1].end_ms);

	/* A revised point replaces the one it covers. */
	points[0] = (struct hp_price_point){.start_ms = start + 700 * 15 * MIN_MS,
					    .end_ms = start + 701 * 15 * MIN_MS,
					    .import_price = -1};
	hp_price_series_merge(&series, points, 1);
	CHECK_INT(series.count, HP_PRICE_POINTS_MAX);
	CHECK_NEAR(hp_price_series_find(&series, points[0].start_ms)->import_price, -1);
	/* An hourly point over four quarters replaces all four. */
	points[0] = (struct hp_price_point){.start_ms = start + 704 * 15 * MIN_MS,
					    .end_ms = start + 708 * 15 * MIN_MS,
					    .import_price = 9};
	hp_price_series_merge(&series, points, 1);
	CHECK_INT(series.count, HP_PRICE_POINTS_MAX - 3);
	CHECK_NEAR(hp_price_series_find(&series, start + 707 * 15 * MIN_MS + 1)->import_price, 9);
	/* Full again, a point older than all kept is not stored. */
	for (int i = 0; i < 3; i++)
		points[i] = (struct hp_price_point){.start_ms = start + (768 + i) * 15 * MIN_MS,
						    .end_ms = start + (769 + i) * 15 * MIN_MS};
	hp_price_series_merge(&series, points, 3);
	CHECK_INT(series.count, HP_PRICE_POINTS_MAX);
	points[0] = (struct hp_price_point){.start_ms = start, .end_ms = start + 15 * MIN_MS};
	hp_price_series_merge(&series, points, 1);
	CHECK(hp_price_series_find(&series, start) == NULL);
	CHECK_INT(series.p[0].start_ms, start + 68 * 15 * MIN_MS);

	/* Unordered input is sorted by the parser. */
	const char *json =
	    "[{\"start\":\"2025-10-01T01:00:00Z\",\"end\":\"2025-10-01T02:00:00Z\",\"price\":2},"
	    " {\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T01:00:00Z\",\"price\":1,"
	    "\"export_price\":null}]";
	CHECK_INT(parse_ok(json), 2);
	CHECK_NEAR(points[0].import_price, 1);
	CHECK(!points[0].has_export);
	CHECK_NEAR(points[1].import_price, 2);
	/* An empty list is no error. */
	CHECK_INT(parse_ok("[]"), 0);
}

static void test_json_errors(void)
{
	static const struct {
		const char *json;
		const char *err;
	} cases[] = {
	    {"[{\"start\":", "not valid JSON (line 1, column 10): "},
	    {"{\"start\":\"x\"}", "expected a JSON array of prices, got an object"},
	    {"[1]", "prices[0]: expected an object, got a number"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":1},"
	     " {\"end\":\"2025-10-01T00:30:00Z\",\"price\":1}]",
	     "prices[1].start: missing"},
	    {"[{\"start\":\"2025-10-01 00:00\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":1}]",
	     "prices[0].start: \"2025-10-01 00:00\" is not an ISO-8601 time with a UTC offset, "
	     "like 2025-10-01T00:00:00+02:00 or 2025-09-30T22:00:00Z"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00\",\"price\":1}]",
	     "prices[0].end: \"2025-10-01T00:15:00\" is not an ISO-8601 time with a UTC offset, "
	     "like 2025-10-01T00:00:00+02:00 or 2025-09-30T22:00:00Z"},
	    {"[{\"start\":\"2025-02-29T00:00:00Z\",\"end\":\"2025-02-29T00:15:00Z\",\"price\":1}]",
	     "prices[0].start: \"2025-02-29T00:00:00Z\" is not an ISO-8601 time with a UTC "
	     "offset, like 2025-10-01T00:00:00+02:00 or 2025-09-30T22:00:00Z"},
	    {"[{\"start\":12,\"end\":\"2025-10-01T00:15:00Z\",\"price\":1}]",
	     "prices[0].start: expected an ISO-8601 time string, got a number"},
	    {"[{\"start\":\"2025-10-01T00:15:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":1}]",
	     "prices[0].end: not after start"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:30:00Z\",\"price\":1}]",
	     "prices[0].end: 30 minutes after start; a price is for 15 or 60 minutes"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\"}]",
	     "prices[0].price: missing"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":\"1,"
	     "2\"}]",
	     "prices[0].price: expected a number, got a string"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":null}"
	     "]",
	     "prices[0].price: expected a number, got null"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":1,"
	     "\"export_price\":true}]",
	     "prices[0].export_price: expected a number, got true"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"prise\":1}]",
	     "prices[0]: unknown field \"prise\" (the fields are start, end, price, export_price)"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T01:00:00Z\",\"price\":1},"
	     " {\"start\":\"2025-10-01T03:00:00+02:00\",\"end\":\"2025-10-01T03:15:00+02:00\","
	     "\"price\":1},"
	     " {\"start\":\"2025-10-01T00:45:00Z\",\"end\":\"2025-10-01T01:00:00Z\",\"price\":1}]",
	     "prices[2] overlaps prices[0] (2025-10-01T00:00:00Z to 2025-10-01T01:00:00Z)"},
	    {"[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":1},"
	     " {\"start\":\"2025-10-01T02:00:00+02:00\",\"end\":\"2025-10-01T02:15:00+02:00\","
	     "\"price\":2}]",
	     "prices[1] overlaps prices[0] (2025-10-01T00:00:00Z to 2025-10-01T00:15:00Z)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[300] = "";
		size_t n = 99;
		int rc = hp_prices_parse_json(cases[i].json, strlen(cases[i].json), points,
					      HP_PRICE_POINTS_MAX, &n, err, sizeof(err));
		CHECK_MSG(rc == -1, "case %zu accepted", i);
		CHECK_MSG(strncmp(err, cases[i].err, strlen(cases[i].err)) == 0,
			  "case %zu: got \"%s\", want \"%s\"", i, err, cases[i].err);
	}
	/* More elements than room. */
	const char *two =
	    "[{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-10-01T00:15:00Z\",\"price\":1},"
	    " {\"start\":\"2025-10-01T00:15:00Z\",\"end\":\"2025-10-01T00:30:00Z\",\"price\":1}]";
	char err[200];
	size_t n;
	CHECK_INT(hp_prices_parse_json(two, strlen(two), points, 1, &n, err, sizeof(err)), -1);
	CHECK_STREQ(err, "2 prices, at most 1 at a time");
}

static void check_parse_error(int (*fn)(void *, const char *, char *, size_t), void *obj,
			      const char *value, const char *want)
{
	char why[200] = "";
	CHECK_MSG(fn(obj, value, why, sizeof(why)) == -1, "%s accepted", value);
	CHECK_STREQ(why, want);
}

static void test_config_parsers(void)
{
	char why[200];
	struct hp_tou_rule r;
	hp_tou_rule_init(&r);
	CHECK_INT(r.days, 0x7f);
	CHECK_INT(hp_tou_rule_check(&r, why, sizeof(why)), -1);
	CHECK_STREQ(why, "the rule sets no price: give import, export or both");

	CHECK_INT(hp_price_parse_days(&r, "mon-fri,sun", why, sizeof(why)), 0);
	CHECK_INT(r.days, 0x3e | 0x01);
	CHECK_INT(hp_price_parse_days(&r, " Sat , SUN ", why, sizeof(why)), 0);
	CHECK_INT(r.days, 1 << 6 | 1 << 0);
	CHECK_INT(hp_price_parse_days(&r, "wed", why, sizeof(why)), 0);
	CHECK_INT(r.days, 1 << 3);
	check_parse_error(hp_price_parse_days, &r, "mo-fri",
			  "\"mo-fri\" in \"mo-fri\" is not a day (mon, tue, wed, thu, fri, sat, "
			  "sun) or a range of days like mon-fri");
	check_parse_error(hp_price_parse_days, &r, "mon,,fri",
			  "\"\" in \"mon,,fri\" is not a day (mon, tue, wed, thu, fri, sat, sun) "
			  "or a range of days like mon-fri");
	CHECK_INT(r.days, 1 << 3); /* unchanged by a refused value */

	CHECK_INT(hp_price_parse_hours(&r, "6-22", why, sizeof(why)), 0);
	CHECK_INT(r.hour_from, 6);
	CHECK_INT(r.hour_to, 22);
	check_parse_error(hp_price_parse_hours, &r, "22:00-06:00",
			  "\"22:00-06:00\" is not FROM-TO in whole hours, like 22-06 or 0-24");
	check_parse_error(hp_price_parse_hours, &r, "24-06",
			  "\"24-06\": hours run from 0 to 23 (and a range may end at 24)");
	check_parse_error(hp_price_parse_hours, &r, "7-7",
			  "\"7-7\" is an empty range (0-24 is the whole day)");
	check_parse_error(hp_price_parse_hours, &r, "0-0",
			  "\"0-0\" is an empty range (0-24 is the whole day)");

	CHECK_INT(hp_price_parse_dates(&r, "11-01..03-31", why, sizeof(why)), 0);
	CHECK(r.has_dates);
	CHECK_INT(r.date_from, 1101);
	CHECK_INT(r.date_to, 331);
	CHECK_INT(hp_price_parse_dates(&r, "02-29..02-29", why, sizeof(why)), 0);
	check_parse_error(hp_price_parse_dates, &r, "11-31..03-31",
			  "\"11-31..03-31\" is not MM-DD..MM-DD with real dates, like "
			  "11-01..03-31");
	check_parse_error(hp_price_parse_dates, &r, "11-01-03-31",
			  "\"11-01-03-31\" is not MM-DD..MM-DD with real dates, like "
			  "11-01..03-31");

	CHECK_INT(hp_price_parse_rule_export(&r, "-0.05", why, sizeof(why)), 0);
	CHECK(r.has_export);
	CHECK_NEAR(r.export_price, -0.05);
	CHECK_INT(hp_tou_rule_check(&r, why, sizeof(why)), 0);
	check_parse_error(hp_price_parse_rule_import, &r, "1,25", "\"1,25\" is not a number");
	check_parse_error(hp_price_parse_rule_import, &r, "nan", "\"nan\" is not a number");
	CHECK(!r.has_import);

	struct hp_price_modifier m;
	hp_price_modifier_init(&m);
	CHECK_INT(hp_price_modifier_check(&m, why, sizeof(why)), -1);
	CHECK_STREQ(why, "operation: missing (add, percent, subtract or fixed)");
	CHECK_INT(hp_price_parse_operation(&m, "Percent", why, sizeof(why)), 0);
	CHECK(m.op == HP_PRICE_OP_PERCENT);
	CHECK_INT(hp_price_modifier_check(&m, why, sizeof(why)), -1);
	CHECK_STREQ(why, "direction: missing (import, export or both)");
	CHECK_INT(hp_price_parse_direction(&m, "both", why, sizeof(why)), 0);
	CHECK_INT(m.applies, HP_PRICE_APPLIES_IMPORT | HP_PRICE_APPLIES_EXPORT);
	CHECK_INT(hp_price_modifier_check(&m, why, sizeof(why)), -1);
	CHECK_STREQ(why, "value: missing");
	CHECK_INT(hp_price_parse_modifier_value(&m, "25", why, sizeof(why)), 0);
	CHECK_NEAR(m.value, 25);
	CHECK_INT(hp_price_modifier_check(&m, why, sizeof(why)), 0);
	CHECK_INT(hp_price_parse_direction(&m, "export", why, sizeof(why)), 0);
	CHECK_INT(m.applies, HP_PRICE_APPLIES_EXPORT);
	check_parse_error(hp_price_parse_operation, &m, "multiply",
			  "\"multiply\" is not add, percent, subtract or fixed");
	check_parse_error(hp_price_parse_direction, &m, "in",
			  "\"in\" is not import, export or both");
	check_parse_error(hp_price_parse_modifier_value, &m, "25%", "\"25%\" is not a number");

	struct hp_price_config c;
	hp_price_config_init(&c);
	CHECK_STREQ(c.currency, "");
	CHECK_INT(hp_price_parse_currency(&c, "nok", why, sizeof(why)), 0);
	CHECK_STREQ(c.currency, "NOK");
	check_parse_error(hp_price_parse_currency, &c, "kr",
			  "\"kr\" is not a 3-letter currency code such as NOK, SEK, DKK or EUR");
	check_parse_error(hp_price_parse_currency, &c, "EU1",
			  "\"EU1\" is not a 3-letter currency code such as NOK, SEK, DKK or EUR");
	CHECK_INT(hp_price_parse_fixed_import(&c, "1.25", why, sizeof(why)), 0);
	CHECK(c.has_fixed_import);
	CHECK_NEAR(c.fixed_import, 1.25);
	CHECK_INT(hp_price_parse_fixed_export(&c, "0.4", why, sizeof(why)), 0);
	CHECK(c.has_fixed_export);
	/* A long value is cut in the message. */
	check_parse_error(hp_price_parse_fixed_export, &c,
			  "0123456789012345678901234567890123456789012345678901234567890123456789x",
			  "\"012345678901234567890123456789012345678901...\" is not a number");
}

int main(void)
{
	test_worked_cost();
	test_modifiers();
	test_tou();
	test_precedence();
	test_dst_days();
	test_series_bound();
	test_json_errors();
	test_config_parsers();
	return check_report("prices");
}
