/* GET /api/v1/config: the effective configuration, defaults filled in, as the
 * dashboard's info page shows it and offers it for download.
 *
 * Walks the key tables of config_keys.c, so a key added there appears here
 * without an edit: plain keys (yes/no, numbers, words, texts) are read through the
 * table's offsets; keys with their own parser (CUSTOM rows) are written back by
 * format_custom below. Every value is the text the file would hold for it, so the
 * answer turns back into a hanp1d.conf line by line.
 *
 * Secrets (encryption and authentication keys, the HTTP password hash, the MQTT
 * password: the rows marked secret) never appear: a set one reads MASK, an unset
 * one "". A CUSTOM key this file does not know yet reads null, which the unit test
 * refuses, so it cannot slip through unformatted. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "config_keys.h"

/* What a secret that is set reads as. */
#define MASK "********"
/* Room for the longest value: a path, or a list of thresholds. */
#define VALUE_MAX (HP_PATH_MAX + HP_HOST_MAX + 32)

static const char *const DAY_NAMES[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* ---- values of the plain rows, through the table's offsets ---- */

static const char *choice_name(const struct hp_cfg_key *k, int value)
{
	for (const struct hp_cfg_choice *c = k->choices; c->name != NULL; c++)
		if (c->value == value)
			return c->name;
	return "";
}

/* "%.15g": 230, 0.1, 1.25, the shortest text that reads back as the same double. */
static void number_text(double v, char *out, size_t size)
{
	snprintf(out, size, "%.15g", v);
}

/* A plain row's value; false for a CUSTOM row. */
static bool format_plain(const struct hp_cfg_key *k, const void *obj, char *out, size_t size)
{
	const char *field = (const char *)obj + k->offset;
	int choice;
	switch (k->type) {
	case HP_CFG_BOOL:
		snprintf(out, size, "%s", *(const bool *)field ? "yes" : "no");
		return true;
	case HP_CFG_UINT:
		snprintf(out, size, "%u", *(const unsigned *)field);
		return true;
	case HP_CFG_DOUBLE:
		number_text(*(const double *)field, out, size);
		return true;
	case HP_CFG_CHOICE:
		memcpy(&choice, field, sizeof(choice));
		snprintf(out, size, "%s", choice_name(k, choice));
		return true;
	case HP_CFG_TEXT:
		snprintf(out, size, "%s", field);
		return true;
	case HP_CFG_CUSTOM:
		break;
	}
	return false;
}

/* ---- values of the CUSTOM rows, section by section ---- */

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static void optional_number(bool has, double v, char *out, size_t size)
{
	if (has)
		number_text(v, out, size);
	else
		out[0] = '\0';
}

/* An IPv6 literal goes in brackets, as the file writes it. */
static void host_port(const char *host, unsigned port, char *out, size_t size)
{
	bool bare_v6 = strchr(host, ':') != NULL && host[0] != '[';
	snprintf(out, size, bare_v6 ? "[%s]:%u" : "%s:%u", host, port);
}

static void hex_text(const uint8_t *b, size_t n, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used + 3 <= size; i++)
		used += (size_t)snprintf(out + used, size - used, "%02X", b[i]);
}

static void source_text(const struct hp_meter_config *m, char *out, size_t size)
{
	char speed[48] = "";
	if ((m->kind == HP_SOURCE_REPLAY || m->kind == HP_SOURCE_SIM) && m->speed != 1)
		snprintf(speed, sizeof(speed), "?speed=%.15g", m->speed);
	switch (m->kind) {
	case HP_SOURCE_SERIAL:
		snprintf(out, size, "serial:%s", m->path);
		break;
	case HP_SOURCE_TCP: {
		char hp[HP_HOST_MAX + 16];
		host_port(m->host, m->port, hp, sizeof(hp));
		snprintf(out, size, "tcp://%s", hp);
		break;
	}
	case HP_SOURCE_REPLAY:
		snprintf(out, size, "replay:%s%s", m->path, speed);
		break;
	case HP_SOURCE_SIM:
		snprintf(out, size, "sim:%s%s", m->path, speed);
		break;
	case HP_SOURCE_MEP:
		snprintf(out, size, "mep:%s", m->path);
		break;
	}
}

static void thresholds_text(const struct hp_no_config *c, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < c->threshold_count && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%.15g", i > 0 ? ", " : "",
					 c->thresholds_kw[i]);
}

static bool format_meter(const char *key, const struct hp_meter_config *m, char *out, size_t size)
{
	if (is(key, "source"))
		source_text(m, out, size);
	else if (is(key, "baud") && m->baud == 0)
		snprintf(out, size, "auto");
	else if (is(key, "baud"))
		snprintf(out, size, "%u", m->baud);
	else if (is(key, "key"))
		snprintf(out, size, "%s", m->keys.has_ek ? MASK : "");
	else if (is(key, "auth_key"))
		snprintf(out, size, "%s", m->keys.has_ak ? MASK : "");
	else if (is(key, "mbk"))
		snprintf(out, size, "%s", m->has_mep_key ? MASK : "");
	else if (is(key, "system_title") && m->keys.has_system_title)
		hex_text(m->keys.system_title, sizeof(m->keys.system_title), out, size);
	else if (is(key, "system_title"))
		out[0] = '\0';
	else if (is(key, "voltage"))
		number_text(m->voltage, out, size);
	else if (is(key, "phases"))
		snprintf(out, size, "%u", m->phases);
	else if (is(key, "timezone"))
		snprintf(out, size, "%s", m->timezone);
	else if (is(key, "capacity_thresholds"))
		thresholds_text(&m->capacity_no, out, size);
	else
		return false;
	return true;
}

static bool format_http(const char *key, const struct hp_http_config *h, char *out, size_t size)
{
	if (is(key, "listen"))
		host_port(h->host, h->port, out, size);
	else if (is(key, "prefix"))
		snprintf(out, size, "%s", h->prefix);
	else if (is(key, "user"))
		snprintf(out, size, "%s", h->user);
	else if (is(key, "password_hash"))
		snprintf(out, size, "%s", h->password_hash[0] != '\0' ? MASK : "");
	else
		return false;
	return true;
}

static bool format_daemon(const char *key, const struct hp_config *c, char *out, size_t size)
{
	if (!is(key, "timezone"))
		return false;
	snprintf(out, size, "%s", c->timezone);
	return true;
}

static bool format_mqtt(const char *key, const struct hp_mqtt_config *q, char *out, size_t size)
{
	static const char *const enabled[] = {
	    [HP_MQTT_AUTO] = "auto", [HP_MQTT_YES] = "yes", [HP_MQTT_NO] = "no"};
	const char *text;
	if (is(key, "enabled"))
		text = enabled[q->enabled];
	else if (is(key, "host"))
		text = q->host;
	else if (is(key, "client_id"))
		text = q->client_id;
	else if (is(key, "ca_file"))
		text = q->ca_file;
	else if (is(key, "cert_file"))
		text = q->cert_file;
	else if (is(key, "key_file"))
		text = q->key_file;
	else if (is(key, "base_topic"))
		text = q->base_topic;
	else if (is(key, "discovery_prefix"))
		text = q->discovery_prefix;
	else if (is(key, "publish") && q->publish_interval_s == 0)
		text = "realtime";
	else if (is(key, "publish") || is(key, "port")) {
		/* port 0: not set (1883, or 8883 with tls) */
		unsigned v = is(key, "port") ? q->port : q->publish_interval_s;
		out[0] = '\0';
		if (v != 0)
			snprintf(out, size, "%u", v);
		return true;
	} else
		return false;
	snprintf(out, size, "%s", text);
	return true;
}

static bool format_prices(const char *key, const struct hp_price_config *p, char *out, size_t size)
{
	if (is(key, "currency"))
		snprintf(out, size, "%s", p->currency);
	else if (is(key, "import"))
		optional_number(p->has_fixed_import, p->fixed_import, out, size);
	else if (is(key, "export"))
		optional_number(p->has_fixed_export, p->fixed_export, out, size);
	else
		return false;
	return true;
}

/* Days in the week's order from Monday, as people write them: "mon,tue,sat". */
static void days_text(uint8_t mask, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 1; i <= 7 && used < size; i++) {
		int d = i % 7;
		if (mask & (1u << d))
			used += (size_t)snprintf(out + used, size - used, "%s%s",
						 used > 0 ? "," : "", DAY_NAMES[d]);
	}
}

static bool format_rule(const char *key, const struct hp_tou_rule *r, char *out, size_t size)
{
	if (is(key, "days"))
		days_text(r->days, out, size);
	else if (is(key, "hours"))
		snprintf(out, size, "%u-%u", r->hour_from, r->hour_to);
	else if (is(key, "dates") && r->has_dates)
		snprintf(out, size, "%02u-%02u..%02u-%02u", r->date_from / 100u,
			 r->date_from % 100u, r->date_to / 100u, r->date_to % 100u);
	else if (is(key, "dates"))
		out[0] = '\0';
	else if (is(key, "import"))
		optional_number(r->has_import, r->import_price, out, size);
	else if (is(key, "export"))
		optional_number(r->has_export, r->export_price, out, size);
	else
		return false;
	return true;
}

static bool format_modifier(const char *key, const struct hp_price_modifier *m, char *out,
			    size_t size)
{
	static const char *const ops[] = {[HP_PRICE_OP_NONE] = "",
					  [HP_PRICE_OP_FIXED] = "fixed",
					  [HP_PRICE_OP_ADD] = "add",
					  [HP_PRICE_OP_PERCENT] = "percent",
					  [HP_PRICE_OP_SUBTRACT] = "subtract"};
	static const char *const directions[] = {"", "import", "export", "both"};
	if (is(key, "operation"))
		snprintf(out, size, "%s", ops[m->op]);
	else if (is(key, "direction"))
		snprintf(out, size, "%s", directions[m->applies & 3u]);
	else if (is(key, "value"))
		optional_number(m->has_value, m->value, out, size);
	else
		return false;
	return true;
}

static bool format_custom(enum hp_cfg_section s, const char *key, const void *obj, char *out,
			  size_t size)
{
	switch (s) {
	case HP_CFG_METER:
		return format_meter(key, obj, out, size);
	case HP_CFG_HTTP:
		return format_http(key, obj, out, size);
	case HP_CFG_DAEMON:
		return format_daemon(key, obj, out, size);
	case HP_CFG_MQTT:
		return format_mqtt(key, obj, out, size);
	case HP_CFG_PRICES:
		return format_prices(key, obj, out, size);
	case HP_CFG_PRICE:
		return format_rule(key, obj, out, size);
	case HP_CFG_MODIFIER:
		return format_modifier(key, obj, out, size);
	case HP_CFG_STORE:
	case HP_CFG_SECTION_COUNT:
		break;
	}
	return false;
}

/* ---- sections ---- */

static json_t *key_value(enum hp_cfg_section s, const struct hp_cfg_key *k, const void *obj)
{
	char value[VALUE_MAX];
	bool known = format_plain(k, obj, value, sizeof(value)) ||
		     format_custom(s, k->name, obj, value, sizeof(value));
	if (!known)
		return json_null();
	/* A plain secret row (the MQTT password) is masked here; the CUSTOM ones
	 * (keys, password_hash) never copied theirs into value. */
	if (k->secret && value[0] != '\0')
		return json_string(MASK);
	return json_string(value);
}

/* {"section": "meter", "name": "home", "values": {...}}; name only for [meter NAME],
 * [price NAME] and [modifier NAME]. */
static json_t *section_json(enum hp_cfg_section s, const char *name, const void *obj)
{
	const struct hp_cfg_section_def *def = &hp_cfg_sections[s];
	json_t *o = json_object();
	json_object_set_new(o, "section", json_string(def->name));
	if (name != NULL)
		json_object_set_new(o, "name", json_string(name));
	json_t *values = json_object();
	for (size_t i = 0; i < def->count; i++)
		json_object_set_new(values, def->keys[i].name, key_value(s, &def->keys[i], obj));
	json_object_set_new(o, "values", values);
	return o;
}

unsigned hp_api_config(const struct hp_config *cfg, json_t **out)
{
	json_t *sections = json_array();
	for (unsigned i = 0; i < cfg->meter_count; i++)
		json_array_append_new(
		    sections, section_json(HP_CFG_METER, cfg->meters[i].name, &cfg->meters[i]));
	json_array_append_new(sections, section_json(HP_CFG_HTTP, NULL, &cfg->http));
	json_array_append_new(sections, section_json(HP_CFG_STORE, NULL, &cfg->store));
	json_array_append_new(sections, section_json(HP_CFG_DAEMON, NULL, cfg));
	json_array_append_new(sections, section_json(HP_CFG_MQTT, NULL, &cfg->mqtt));
	json_array_append_new(sections, section_json(HP_CFG_PRICES, NULL, &cfg->prices));
	/* The file's section names of rules and modifiers are not kept: they are
	 * numbered in the order they apply. */
	char name[24]; /* "%zu" of a size_t */
	for (size_t i = 0; i < cfg->prices.tou_count; i++) {
		snprintf(name, sizeof(name), "%zu", i + 1);
		json_array_append_new(sections,
				      section_json(HP_CFG_PRICE, name, &cfg->prices.tou[i]));
	}
	for (size_t i = 0; i < cfg->prices.modifier_count; i++) {
		snprintf(name, sizeof(name), "%zu", i + 1);
		json_array_append_new(
		    sections, section_json(HP_CFG_MODIFIER, name, &cfg->prices.modifiers[i]));
	}
	json_t *o = json_object();
	json_object_set_new(o, "file", json_string(cfg->file));
	json_object_set_new(o, "masked", json_string(MASK));
	json_object_set_new(o, "sections", sections);
	*out = o;
	return 200;
}
