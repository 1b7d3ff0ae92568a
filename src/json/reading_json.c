/* Reading -> JSON. Values are numbers in the unit their key names; integral values
 * print as integers (a count or 9586 W), the rest as reals. */
#include <math.h>

#include "reading_json.h"

/* Doubles hold integers exactly up to 2^53; beyond that a real is the honest form. */
#define EXACT_INTEGER_LIMIT 9007199254740992.0

static json_t *number(double v)
{
	if (v == floor(v) && fabs(v) < EXACT_INTEGER_LIMIT)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static void set_text(json_t *o, const char *key, const char *s)
{
	if (s[0] != '\0')
		json_object_set_new(o, key, json_string(s));
}

static json_t *mbus_to_json(const struct hp_mbus_reading *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "channel", json_integer(m->channel));
	if (m->device_type >= 0) {
		json_object_set_new(o, "device_type", json_integer(m->device_type));
		json_object_set_new(o, "kind", json_string(hp_mbus_kind(m->device_type)));
	}
	set_text(o, "id", m->id);
	if (m->has_value)
		json_object_set_new(o, "value", number(m->value));
	set_text(o, "unit", m->unit);
	set_text(o, "time", m->time);
	return o;
}

static json_t *failures_to_json(const struct hp_reading *r)
{
	json_t *a = json_array();
	for (int i = 0; i < r->failure_count; i++) {
		json_t *o = json_object();
		set_text(o, "end", r->failures[i].end);
		json_object_set_new(o, "duration_s", json_integer(r->failures[i].duration_s));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *peaks_to_json(const struct hp_reading *r)
{
	json_t *a = json_array();
	for (int i = 0; i < r->peak_count; i++) {
		json_t *o = json_object();
		set_text(o, "month", r->peaks[i].month);
		set_text(o, "time", r->peaks[i].time);
		json_object_set_new(o, "value_w", number(r->peaks[i].value_w));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *hp_reading_to_json(const struct hp_reading *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "protocol", json_string(hp_protocol_name(r->protocol)));
	json_object_set_new(o, "framing", json_string(hp_framing_name(r->framing)));
	json_object_set_new(o, "encrypted", json_boolean(r->encrypted));
	for (int t = 0; t < HP_TEXT_COUNT; t++) {
		set_text(o, hp_text_key((enum hp_text)t), r->text[t]);
		if (t == HP_TEXT_METER_TIME && r->text[t][0] != '\0' && r->meter_time_dst >= 0)
			json_object_set_new(o, "meter_time_dst", json_boolean(r->meter_time_dst));
	}
	for (int f = 0; f < HP_NUM_COUNT; f++)
		if (hp_reading_has(r, (enum hp_num)f))
			json_object_set_new(o, hp_num_key((enum hp_num)f), number(r->num[f]));
	set_text(o, "message", r->message);
	if (r->mbus_count > 0) {
		json_t *a = json_array();
		for (int i = 0; i < r->mbus_count; i++)
			json_array_append_new(a, mbus_to_json(&r->mbus[i]));
		json_object_set_new(o, "mbus", a);
	}
	if (r->failure_count >= 0)
		json_object_set_new(o, "power_failure_log", failures_to_json(r));
	if (r->peak_count >= 0)
		json_object_set_new(o, "demand_month_max_history", peaks_to_json(r));
	if (r->encrypted && !r->authenticated)
		json_object_set_new(o, "authenticated", json_false());
	return o;
}

json_t *hp_error_to_json(const struct hp_error *e)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(hp_error_name(e->code)));
	json_object_set_new(o, "detail", json_string(e->detail));
	return o;
}
