/* The configuration's key tables and the generic value checks (config_keys.h). */
#include "config_keys.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "config.h"
#include "config_values.h"

/* The offset of field f of struct st, which must have type T: a row cannot point a
 * double parser at an unsigned field. */
#define AT(st, f, T)     _Generic(((st *)0)->f, T : offsetof(st, f))
#define TEXT_SIZE(st, f) sizeof(((st *)0)->f)

/* CHOICE stores the chosen value as an int into these enum fields. */
_Static_assert(sizeof(enum hp_parity) == sizeof(int), "enum size");
_Static_assert(sizeof(enum hp_request_lines) == sizeof(int), "enum size");
_Static_assert(sizeof(enum hp_auth_scope) == sizeof(int), "enum size");
_Static_assert(sizeof(enum hp_mqtt_format) == sizeof(int), "enum size");
_Static_assert(sizeof(enum hp_capacity_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum hp_be_floor_mode) == sizeof(int), "enum size");

/* Multipliers and production: a current-transformer ratio or a solar plant is far
 * below this; it only keeps infinities and typos out. */
#define SCALE_MAX 1e6
/* A main fuse above 1000 A is a substation, not a household meter. */
#define FUSE_MAX 1000
/* A reading a day old is stale by any measure. */
#define STALE_MAX 86400
/* Store intervals: an hour at most, or a 15-minute bucket would see no row. */
#define INTERVAL_MAX 3600
/* Ten years of raw rows. */
#define RAW_DAYS_MAX 3650
/* MQTT keepalive: libmosquitto takes 5 s and more; MQTT's field holds 65535. */
#define KEEPALIVE_MIN 5
#define KEEPALIVE_MAX 65535
/* A quoted value in a message. */
#define QUOTE_MAX 64
/* The Belgian floor per month: 2.5 kW in Flanders; a household never sees 100. */
#define FLOOR_KW_MAX 100

static const struct hp_cfg_choice parity_choices[] = {
    {"auto", HP_PARITY_AUTO},
    {"8N1", HP_PARITY_8N1},
    {"8E1", HP_PARITY_8E1},
    {"7E1", HP_PARITY_7E1},
    {NULL, 0},
};

static const struct hp_cfg_choice lines_choices[] = {
    {"none", HP_LINES_NONE},
    {"dtr", HP_LINES_DTR},
    {"rts", HP_LINES_RTS},
    {"both", HP_LINES_BOTH},
    {NULL, 0},
};

static const struct hp_cfg_choice auth_choices[] = {
    {"none", HP_AUTH_NONE},
    {"write", HP_AUTH_WRITE},
    {"all", HP_AUTH_ALL},
    {NULL, 0},
};

static const struct hp_cfg_choice mqtt_format_choices[] = {
    {"hanp1d", HP_MQTT_FORMAT_HANP1D},
    {"amsreader", HP_MQTT_FORMAT_AMSREADER},
    {NULL, 0},
};

static const struct hp_cfg_choice capacity_choices[] = {
    {"none", HP_CAPACITY_NONE},
    {"no", HP_CAPACITY_NO},
    {"be", HP_CAPACITY_BE},
    {NULL, 0},
};

static const struct hp_cfg_choice floor_choices[] = {
    {"month", HP_BE_FLOOR_PER_MONTH},
    {"mean", HP_BE_FLOOR_ON_MEAN},
    {NULL, 0},
};

static const struct hp_cfg_choice level_choices[] = {
    {"err", LOG_ERR},   {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
    {"info", LOG_INFO}, {"debug", LOG_DEBUG},     {NULL, 0},
};

#define M             struct hp_meter_config
#define CUSTOM(n, fn) .name = n, .type = HP_CFG_CUSTOM, .parse = fn
#define MULTIPLIER(f)                                                                              \
	{                                                                                          \
		.name = #f, .type = HP_CFG_DOUBLE, .offset = AT(M, f, double), .min = 0,           \
		.max = SCALE_MAX, .min_exclusive = true                                            \
	}

static const struct hp_cfg_key meter_keys[] = {
    {CUSTOM("source", hp_cfg_parse_source)},
    {CUSTOM("baud", hp_cfg_parse_baud)},
    {.name = "parity",
     .type = HP_CFG_CHOICE,
     .offset = AT(M, parity, enum hp_parity),
     .choices = parity_choices},
    {.name = "request_lines",
     .type = HP_CFG_CHOICE,
     .offset = AT(M, request_lines, enum hp_request_lines),
     .choices = lines_choices},
    {CUSTOM("key", hp_cfg_parse_key), .secret = true},
    {CUSTOM("auth_key", hp_cfg_parse_auth_key), .secret = true},
    {CUSTOM("system_title", hp_cfg_parse_system_title)},
    {CUSTOM("mbk", hp_cfg_parse_mbk), .secret = true},
    {.name = "enable_line",
     .type = HP_CFG_CHOICE,
     .offset = AT(M, enable_line, enum hp_request_lines),
     .choices = lines_choices},
    /* The meter's own pace is one request every 2 s at best (mep.md 5.2). */
    {.name = "poll_interval",
     .type = HP_CFG_UINT,
     .offset = AT(M, poll_interval_s, unsigned),
     .min = 2,
     .max = 3600},
    MULTIPLIER(multiplier_power),
    MULTIPLIER(multiplier_voltage),
    MULTIPLIER(multiplier_current),
    MULTIPLIER(multiplier_energy),
    {.name = "main_fuse_a",
     .type = HP_CFG_DOUBLE,
     .offset = AT(M, main_fuse_a, double),
     .min = 0,
     .max = FUSE_MAX},
    {CUSTOM("voltage", hp_cfg_parse_voltage)},
    {CUSTOM("phases", hp_cfg_parse_phases)},
    {.name = "production_kwp",
     .type = HP_CFG_DOUBLE,
     .offset = AT(M, production_kwp, double),
     .min = 0,
     .max = SCALE_MAX},
    {.name = "max_power_w",
     .type = HP_CFG_DOUBLE,
     .offset = AT(M, max_power_w, double),
     .min = 0,
     .max = SCALE_MAX},
    {.name = "derive_u2", .type = HP_CFG_BOOL, .offset = AT(M, derive_u2, bool)},
    {CUSTOM("timezone", hp_cfg_parse_meter_timezone)},
    {.name = "capacity_tariff",
     .type = HP_CFG_CHOICE,
     .offset = AT(M, capacity_tariff, enum hp_capacity_kind),
     .choices = capacity_choices},
    {.name = "capacity_hours",
     .type = HP_CFG_UINT,
     .offset = AT(M, capacity_no.hours, unsigned),
     .min = 1,
     .max = HP_NO_HOURS_MAX},
    {.name = "capacity_distinct_days",
     .type = HP_CFG_BOOL,
     .offset = AT(M, capacity_no.distinct_days, bool)},
    {CUSTOM("capacity_thresholds", hp_cfg_parse_capacity_thresholds)},
    {.name = "capacity_floor_kw",
     .type = HP_CFG_DOUBLE,
     .offset = AT(M, capacity_be.floor_kw, double),
     .min = 0,
     .max = FLOOR_KW_MAX},
    {.name = "capacity_floor_on",
     .type = HP_CFG_CHOICE,
     .offset = AT(M, capacity_be.floor_mode, enum hp_be_floor_mode),
     .choices = floor_choices},
    {.name = "capacity_price_kw_year",
     .type = HP_CFG_DOUBLE,
     .offset = AT(M, capacity_be.price_per_kw_year, double),
     .min = 0,
     .max = SCALE_MAX},
};
#undef M

#define H struct hp_http_config
#define H_TEXT(f)                                                                                  \
	{                                                                                          \
		.name = #f, .type = HP_CFG_TEXT, .offset = AT(H, f, char *),                       \
		.size = TEXT_SIZE(H, f)                                                            \
	}

static const struct hp_cfg_key http_keys[] = {
    {.name = "enabled", .type = HP_CFG_BOOL, .offset = AT(H, enabled, bool)},
    {CUSTOM("listen", hp_cfg_parse_listen)},
    {CUSTOM("prefix", hp_cfg_parse_prefix)},
    H_TEXT(www_dir),
    H_TEXT(vendor_dir),
    {.name = "auth",
     .type = HP_CFG_CHOICE,
     .offset = AT(H, auth, enum hp_auth_scope),
     .choices = auth_choices},
    {CUSTOM("user", hp_cfg_parse_user)},
    {CUSTOM("password_hash", hp_cfg_parse_password_hash), .secret = true},
};
#undef H

#define S struct hp_store_config
#define INTERVAL(n, f)                                                                             \
	{                                                                                          \
		.name = n, .type = HP_CFG_UINT, .offset = AT(S, f, unsigned), .min = 1,            \
		.max = INTERVAL_MAX                                                                \
	}

static const struct hp_cfg_key store_keys[] = {
    {.name = "path",
     .type = HP_CFG_TEXT,
     .offset = AT(S, path, char *),
     .size = TEXT_SIZE(S, path)},
    INTERVAL("store_interval", store_interval_s),
    {.name = "raw_days",
     .type = HP_CFG_UINT,
     .offset = AT(S, raw_days, unsigned),
     .min = 1,
     .max = RAW_DAYS_MAX},
    INTERVAL("commit_interval", commit_interval_s),
    {.name = "shared", .type = HP_CFG_BOOL, .offset = AT(S, shared, bool)},
};
#undef S

#define C struct hp_config

static const struct hp_cfg_key daemon_keys[] = {
    {CUSTOM("timezone", hp_cfg_parse_timezone)},
    {.name = "stale_after",
     .type = HP_CFG_UINT,
     .offset = AT(C, stale_after_s, unsigned),
     .min = 1,
     .max = STALE_MAX},
    {.name = "log_level",
     .type = HP_CFG_CHOICE,
     .offset = AT(C, log_level, int),
     .choices = level_choices},
};
#undef C

#define Q struct hp_mqtt_config
#define Q_TEXT(f, secret_)                                                                         \
	{                                                                                          \
		.name = #f, .type = HP_CFG_TEXT, .offset = AT(Q, f, char *),                       \
		.size = TEXT_SIZE(Q, f), .empty_ok = true, .secret = secret_                       \
	}
#define Q_BOOL(f)                                                                                  \
	{                                                                                          \
		.name = #f, .type = HP_CFG_BOOL, .offset = AT(Q, f, bool)                          \
	}

static const struct hp_cfg_key mqtt_keys[] = {
    {CUSTOM("enabled", hp_cfg_parse_mqtt_enabled)},
    {CUSTOM("host", hp_cfg_parse_mqtt_host)},
    {CUSTOM("port", hp_cfg_parse_mqtt_port)},
    {CUSTOM("client_id", hp_cfg_parse_mqtt_client_id)},
    Q_TEXT(username, false),
    Q_TEXT(password, true),
    Q_BOOL(tls),
    {CUSTOM("ca_file", hp_cfg_parse_mqtt_ca_file)},
    {CUSTOM("cert_file", hp_cfg_parse_mqtt_cert_file)},
    {CUSTOM("key_file", hp_cfg_parse_mqtt_key_file)},
    Q_BOOL(tls_insecure),
    {.name = "keepalive",
     .type = HP_CFG_UINT,
     .offset = AT(Q, keepalive_s, unsigned),
     .min = KEEPALIVE_MIN,
     .max = KEEPALIVE_MAX},
    {.name = "qos", .type = HP_CFG_UINT, .offset = AT(Q, qos, unsigned), .min = 0, .max = 1},
    {CUSTOM("base_topic", hp_cfg_parse_mqtt_base_topic)},
    {CUSTOM("publish", hp_cfg_parse_mqtt_publish)},
    Q_BOOL(discovery),
    {CUSTOM("discovery_prefix", hp_cfg_parse_mqtt_discovery_prefix)},
    {.name = "format",
     .type = HP_CFG_CHOICE,
     .offset = AT(Q, format, enum hp_mqtt_format),
     .choices = mqtt_format_choices},
    Q_BOOL(per_value_topics),
    Q_BOOL(ha_reactive_energy_class),
};
#undef Q

/* [prices]: the fixed prices and the currency. */
static const struct hp_cfg_key prices_keys[] = {
    {CUSTOM("currency", hp_cfg_parse_currency)},
    {CUSTOM("import", hp_cfg_parse_fixed_import)},
    {CUSTOM("export", hp_cfg_parse_fixed_export)},
};

/* [price NAME]: one time-of-use rule. */
static const struct hp_cfg_key price_keys[] = {
    {CUSTOM("days", hp_price_parse_days)},        {CUSTOM("hours", hp_price_parse_hours)},
    {CUSTOM("dates", hp_cfg_parse_rule_dates)},   {CUSTOM("import", hp_cfg_parse_rule_import)},
    {CUSTOM("export", hp_cfg_parse_rule_export)},
};

/* [modifier NAME]: one step applied to the price. */
static const struct hp_cfg_key modifier_keys[] = {
    {CUSTOM("operation", hp_price_parse_operation)},
    {CUSTOM("direction", hp_price_parse_direction)},
    {CUSTOM("value", hp_price_parse_modifier_value)},
};

#define KEYS(t) t, sizeof(t) / sizeof(t[0])

const struct hp_cfg_section_def hp_cfg_sections[HP_CFG_SECTION_COUNT] = {
    [HP_CFG_METER] = {"meter", true, KEYS(meter_keys)},
    [HP_CFG_HTTP] = {"http", false, KEYS(http_keys)},
    [HP_CFG_STORE] = {"store", false, KEYS(store_keys)},
    [HP_CFG_DAEMON] = {"daemon", false, KEYS(daemon_keys)},
    [HP_CFG_MQTT] = {"mqtt", false, KEYS(mqtt_keys)},
    [HP_CFG_PRICES] = {"prices", false, KEYS(prices_keys)},
    [HP_CFG_PRICE] = {"price", true, KEYS(price_keys)},
    [HP_CFG_MODIFIER] = {"modifier", true, KEYS(modifier_keys)},
};

_Static_assert(sizeof(meter_keys) / sizeof(meter_keys[0]) <= HP_CFG_KEYS_MAX, "keys");
_Static_assert(sizeof(http_keys) / sizeof(http_keys[0]) <= HP_CFG_KEYS_MAX, "keys");
_Static_assert(sizeof(mqtt_keys) / sizeof(mqtt_keys[0]) <= HP_CFG_KEYS_MAX, "keys");

const struct hp_cfg_key *hp_cfg_find_key(const struct hp_cfg_section_def *s, const char *name)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

/* Names longer than this are never near a key (the longest is 24 characters). */
#define DISTANCE_LEN_MAX 40

unsigned hp_cfg_distance(const char *a, const char *b, unsigned cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > DISTANCE_LEN_MAX || lb > DISTANCE_LEN_MAX)
		return cap + 1;
	/* Three rows of the dynamic programme: i - 2, i - 1 and i. */
	unsigned rows[3][DISTANCE_LEN_MAX + 1];
	for (size_t j = 0; j <= lb; j++)
		rows[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i - 2) % 3];
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned d = prev[j - 1] + cost;
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
	}
	unsigned d = rows[la % 3][lb];
	return d > cap ? cap + 1 : d;
}

/* How far a misspelt name may be from the one meant: "bauds", "paritiy", "kye". */
#define NEAR_DISTANCE 2

const struct hp_cfg_key *hp_cfg_near_key(const struct hp_cfg_section_def *s, const char *name)
{
	const struct hp_cfg_key *best = NULL;
	unsigned best_d = NEAR_DISTANCE + 1;
	for (size_t i = 0; i < s->count; i++) {
		unsigned d = hp_cfg_distance(name, s->keys[i].name, NEAR_DISTANCE);
		if (d < best_d) {
			best_d = d;
			best = &s->keys[i];
		}
	}
	return best;
}

void hp_cfg_quote(const char *value, char *out, size_t size)
{
	/* Room for the quotes, "..." and the NUL. */
	const size_t keep = size > 6 ? size - 6 : 0;
	size_t n = 0, len = strlen(value);
	out[n++] = '\'';
	for (size_t i = 0; i < len && i < keep; i++)
		out[n++] = iscntrl((unsigned char)value[i]) ? '?' : value[i];
	if (len > keep) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n++] = '\'';
	out[n] = '\0';
}

/* ---- generic types ---- */

static int set_bool(const struct hp_cfg_key *k, void *obj, const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	bool *field = (bool *)((char *)obj + k->offset);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*field = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

static int set_uint(const struct hp_cfg_key *k, void *obj, const char *v)
{
	if (*v < '0' || *v > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end != '\0' || errno != 0 || (double)x < k->min || (double)x > k->max)
		return -1;
	*(unsigned *)((char *)obj + k->offset) = (unsigned)x;
	return 0;
}

static int set_double(const struct hp_cfg_key *k, void *obj, const char *v)
{
	if (*v == '\0' || isspace((unsigned char)*v))
		return -1;
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (*end != '\0' || errno != 0 || !isfinite(x) || x < k->min || x > k->max ||
	    (k->min_exclusive && x <= k->min))
		return -1;
	*(double *)((char *)obj + k->offset) = x;
	return 0;
}

static int set_choice(const struct hp_cfg_key *k, void *obj, const char *v)
{
	for (const struct hp_cfg_choice *c = k->choices; c->name != NULL; c++) {
		if (strcasecmp(v, c->name) == 0) {
			memcpy((char *)obj + k->offset, &c->value, sizeof(int));
			return 0;
		}
	}
	return -1;
}

static int set_text(const struct hp_cfg_key *k, void *obj, const char *v)
{
	size_t len = strlen(v);
	if ((len == 0 && !k->empty_ok) || len >= k->size)
		return -1;
	memcpy((char *)obj + k->offset, v, len + 1);
	return 0;
}

/* What the value should have been, for the message. */
static void describe(const struct hp_cfg_key *k, char *out, size_t size)
{
	size_t n = 0;
	switch (k->type) {
	case HP_CFG_BOOL:
		snprintf(out, size, "yes/no, true/false, on/off or 1/0");
		break;
	case HP_CFG_UINT:
		snprintf(out, size, "a whole number from %.0f to %.0f", k->min, k->max);
		break;
	case HP_CFG_DOUBLE:
		snprintf(out, size,
			 k->min_exclusive ? "a number greater than %.15g and at most %.15g"
					  : "a number from %.15g to %.15g",
			 k->min, k->max);
		break;
	case HP_CFG_CHOICE:
		out[0] = '\0';
		for (const struct hp_cfg_choice *c = k->choices; c->name != NULL && n < size; c++)
			n += (size_t)snprintf(out + n, size - n, "%s%s", n > 0 ? ", " : "one of ",
					      c->name);
		break;
	case HP_CFG_TEXT:
		snprintf(out, size, "%s at most %zu characters",
			 k->empty_ok ? "text of" : "a non-empty text of", k->size - 1);
		break;
	case HP_CFG_CUSTOM:
		out[0] = '\0';
		break;
	}
}

int hp_cfg_set(const struct hp_cfg_key *k, void *obj, const char *value, char *why, size_t why_size)
{
	int rc = -1;
	switch (k->type) {
	case HP_CFG_BOOL:
		rc = set_bool(k, obj, value);
		break;
	case HP_CFG_UINT:
		rc = set_uint(k, obj, value);
		break;
	case HP_CFG_DOUBLE:
		rc = set_double(k, obj, value);
		break;
	case HP_CFG_CHOICE:
		rc = set_choice(k, obj, value);
		break;
	case HP_CFG_TEXT:
		rc = set_text(k, obj, value);
		break;
	case HP_CFG_CUSTOM:
		return k->parse(obj, value, why, why_size);
	}
	if (rc == 0)
		return 0;
	char expected[160], q[QUOTE_MAX];
	describe(k, expected, sizeof(expected));
	if (k->secret)
		snprintf(q, sizeof(q), "the value");
	else
		hp_cfg_quote(value, q, sizeof(q));
	snprintf(why, why_size, "%s is not %s", q, expected);
	return -1;
}
