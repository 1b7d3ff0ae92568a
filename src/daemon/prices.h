/* Energy prices and cost (tariffs.md section 4, amsreader-compat.md "Prices").
 *
 * The price of a direction (import or export) at a time t resolves, first found:
 *   1. dynamic prices: intervals of 15 or 60 minutes pushed in as JSON (day-ahead
 *      spot prices); for export, a point's export price, else its import price
 *      (spot sold at spot, as the AMS reader does when the source has no separate
 *      export prices);
 *   2. time-of-use rules: the last matching rule that has a price for the
 *      direction (later rules win);
 *   3. the fixed price of the direction.
 * Then the modifiers that apply to the direction, in configured order (fixed
 * replaces, add, percent multiplies by 1 + v/100, subtract). No base price: no
 * price (modifiers never invent one).
 *
 * Cost = kWh x price per bucket; income likewise with export energy and prices.
 *
 * Pure: no clock, zone or I/O. Local calendar facts (weekday, hour, date for the
 * time-of-use rules) come in as a struct tm the caller filled (hp_tz_local). */
#ifndef HP_DAEMON_PRICES_H
#define HP_DAEMON_PRICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ISO 4217 code, 3 letters, plus NUL. */
#define HP_CURRENCY_MAX        4
#define HP_PRICE_TOU_MAX       16
#define HP_PRICE_MODIFIERS_MAX 16
/* Seven days of quarter prices, each as long as a 25-hour autumn day. */
#define HP_PRICE_POINTS_MAX (7 * 100)

enum hp_price_dir { HP_PRICE_IMPORT, HP_PRICE_EXPORT };

/* ---- configuration ---- */

/* A time-of-use rule. Weekday and hour are those of the moment priced itself: with
 * "mon-fri" and "22-06", Saturday 03:00 does not match (Friday's night ends at
 * midnight for the day mask). */
struct hp_tou_rule {
	uint8_t days;               /* bit n = struct tm's tm_wday n (bit 0 Sunday) */
	uint8_t hour_from, hour_to; /* [from, to) in local hours; to < from wraps midnight;
					from == to is every hour */
	bool has_dates;
	uint16_t date_from, date_to; /* MMDD, both inclusive; from > to wraps the year */
	bool has_import, has_export;
	double import_price, export_price; /* currency per kWh */
};

enum hp_price_op {
	HP_PRICE_OP_NONE, /* not set yet (a configuration error) */
	HP_PRICE_OP_FIXED,
	HP_PRICE_OP_ADD,
	HP_PRICE_OP_PERCENT,
	HP_PRICE_OP_SUBTRACT,
};

#define HP_PRICE_APPLIES_IMPORT 1u
#define HP_PRICE_APPLIES_EXPORT 2u

struct hp_price_modifier {
	enum hp_price_op op;
	unsigned applies; /* HP_PRICE_APPLIES_* bits; 0 = not set yet */
	bool has_value;
	double value; /* currency per kWh; percent for HP_PRICE_OP_PERCENT */
};

struct hp_price_config {
	char currency[HP_CURRENCY_MAX]; /* "" = not configured */
	bool has_fixed_import, has_fixed_export;
	double fixed_import, fixed_export;
	size_t tou_count;
	struct hp_tou_rule tou[HP_PRICE_TOU_MAX];
	size_t modifier_count;
	struct hp_price_modifier modifiers[HP_PRICE_MODIFIERS_MAX];
};

/* Empty: no currency, no prices, no rules, no modifiers. */
void hp_price_config_init(struct hp_price_config *c);
/* Every day, every hour, all year, no price. */
void hp_tou_rule_init(struct hp_tou_rule *r);
/* Nothing set: operation, direction and value are required. */
void hp_price_modifier_init(struct hp_price_modifier *m);

/* Field parsers for the INI configuration, shaped as config_keys.h's
 * hp_cfg_parse_fn: 0, or -1 with `why` saying what follows "KEY: " (the value
 * quoted, and what was expected). obj is the struct named. */

/* struct hp_tou_rule: days = "mon-fri,sun" (mon tue wed thu fri sat sun, any case;
 * ranges may wrap: "fri-mon"); hours = "22-06" (whole hours FROM-TO, 0..23 and
 * 1..24, "0-24" all day); dates = "11-01..03-31" (MM-DD..MM-DD inclusive, may wrap
 * the year); import / export = a price (any finite number, negative allowed). */
int hp_price_parse_days(void *rule, const char *value, char *why, size_t why_size);
int hp_price_parse_hours(void *rule, const char *value, char *why, size_t why_size);
int hp_price_parse_dates(void *rule, const char *value, char *why, size_t why_size);
int hp_price_parse_rule_import(void *rule, const char *value, char *why, size_t why_size);
int hp_price_parse_rule_export(void *rule, const char *value, char *why, size_t why_size);
/* A rule without any price does nothing: -1 with why. */
int hp_tou_rule_check(const struct hp_tou_rule *r, char *why, size_t why_size);

/* struct hp_price_modifier: operation = add | percent | subtract | fixed;
 * direction = import | export | both; value = a number. */
int hp_price_parse_operation(void *modifier, const char *value, char *why, size_t why_size);
int hp_price_parse_direction(void *modifier, const char *value, char *why, size_t why_size);
int hp_price_parse_modifier_value(void *modifier, const char *value, char *why, size_t why_size);
/* -1 with why ("operation: missing ...") while a field is unset. */
int hp_price_modifier_check(const struct hp_price_modifier *m, char *why, size_t why_size);

/* struct hp_price_config: currency = 3 letters (stored upper case); fixed import
 * and export prices. */
int hp_price_parse_currency(void *config, const char *value, char *why, size_t why_size);
int hp_price_parse_fixed_import(void *config, const char *value, char *why, size_t why_size);
int hp_price_parse_fixed_export(void *config, const char *value, char *why, size_t why_size);

/* ---- dynamic prices ---- */

struct hp_price_point {
	int64_t start_ms, end_ms; /* UTC epoch ms, 15 or 60 minutes apart */
	double import_price;
	bool has_export;
	double export_price;
};

/* Stored points, sorted by start, never overlapping, at most HP_PRICE_POINTS_MAX
 * (the oldest go first). */
struct hp_price_series {
	size_t count;
	struct hp_price_point p[HP_PRICE_POINTS_MAX];
};

void hp_price_series_init(struct hp_price_series *s);

/* Parses a pushed price list: a JSON array of
 *   {"start": ISO-8601, "end": ISO-8601, "price": number, "export_price": number}
 * (export_price optional, null = absent; times need an offset or Z, seconds and
 * fractions optional: "2025-10-01T00:00:00+02:00", "2025-09-30T22:00Z").
 * Normalised, not refused: the elements may come in any order; out is sorted by
 * start. Refused: anything else in an element (a misspelt key would silently lose
 * a price), an interval that is not 15 or 60 minutes, two elements that overlap,
 * more than cap elements. err names the element (from 0) and the field:
 * "prices[3].start: ..." Returns 0 with *count set, or -1 (out unspecified). */
int hp_prices_parse_json(const char *text, size_t len, struct hp_price_point *out, size_t cap,
			 size_t *count, char *err, size_t err_size);

/* Stores n points (any order): each replaces the stored points it overlaps (a new
 * publication supersedes the old one; points of one push must not overlap each
 * other, as hp_prices_parse_json ensures, or the later one wins); beyond
 * HP_PRICE_POINTS_MAX the oldest points are dropped, a new point older than
 * everything kept included. */
void hp_price_series_merge(struct hp_price_series *s, const struct hp_price_point *p, size_t n);

/* The point with start <= t_ms < end, or NULL. */
const struct hp_price_point *hp_price_series_find(const struct hp_price_series *s, int64_t t_ms);

/* ---- resolving a price ---- */

enum hp_price_source {
	HP_PRICE_SOURCE_NONE,
	HP_PRICE_SOURCE_DYNAMIC,
	HP_PRICE_SOURCE_TOU,
	HP_PRICE_SOURCE_FIXED,
};

struct hp_price_value {
	bool known;
	enum hp_price_source source;
	double base;  /* before the modifiers */
	double price; /* after them; currency per kWh */
};

/* Whether rule r covers the local time (tm_wday, tm_hour, tm_mon, tm_mday). */
bool hp_tou_rule_matches(const struct hp_tou_rule *r, const struct tm *local);

/* The modifiers of direction dir applied to base, in order. */
double hp_price_apply_modifiers(const struct hp_price_config *c, enum hp_price_dir dir,
				double base);

/* The price of dir at t_ms. dyn may be NULL (no dynamic prices); local may be NULL
 * (time-of-use rules skipped); local is t_ms's local time. */
struct hp_price_value hp_price_at(const struct hp_price_config *c,
				  const struct hp_price_series *dyn, enum hp_price_dir dir,
				  int64_t t_ms, const struct tm *local);

/* ---- cost ---- */

/* An energy bucket as the store keeps it, with the local time of its start for
 * the time-of-use rules (which are whole hours: buckets of a quarter or an hour,
 * aligned to the local clock, fall under one rule). */
struct hp_cost_bucket {
	int64_t start_ms, end_ms;
	double import_kwh, export_kwh;
	bool gap, estimated;
	struct tm local;
};

struct hp_bucket_cost {
	bool cost_known, income_known; /* a price covered every part of the bucket */
	double cost, income;           /* import_kwh x import price, export_kwh x export price */
	double import_price, export_price; /* the price used (the time-weighted mean when
					      mean_price) */
	/* The bucket spans several price intervals (hour energy, quarter prices): the
	 * cost is kWh x the time-weighted mean of their prices (tariffs.md: hour kWh x
	 * mean of the 4 quarter prices), which is wrong when use was uneven within
	 * the bucket; quarter buckets priced per quarter are exact. */
	bool mean_price;
	unsigned price_intervals; /* intervals of the import price covering the bucket */
};

void hp_price_bucket_cost(const struct hp_price_config *c, const struct hp_price_series *dyn,
			  const struct hp_cost_bucket *b, struct hp_bucket_cost *out);

struct hp_cost_total {
	double cost, income; /* over the buckets with a known price */
	double import_kwh, export_kwh;
	unsigned buckets;
	unsigned unpriced_import; /* buckets with import energy but no import price */
	unsigned unpriced_export;
	unsigned mean_priced; /* buckets costed with a mean price */
	unsigned gaps;        /* gap buckets (their energy is real but may belong to
				     other hours, so is priced at the wrong time) */
};

/* Sums hp_price_bucket_cost over n buckets (quarters and quarter prices: the sum
 * per quarter). */
void hp_price_cost_total(const struct hp_price_config *c, const struct hp_price_series *dyn,
			 const struct hp_cost_bucket *b, size_t n, struct hp_cost_total *out);

#endif
