/* One meter's MQTT publishing (mqtt_meter.h). */
#include "mqtt_meter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reading_json.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

static const char online[] = "online", offline[] = "offline";

bool hp_mqtt_discovery_active(const struct hp_mqtt_config *cfg)
{
	return cfg->discovery && cfg->format == HP_MQTT_FORMAT_HANP1D;
}

static int topic(char *out, const char *base, const char *suffix)
{
	int n = snprintf(out, HP_MQTT_TOPIC_MAX, "%s/%s", base, suffix);
	return n >= 0 && n < HP_MQTT_TOPIC_MAX ? 0 : -1;
}

int hp_mqtt_meter_init(struct hp_mqtt_meter *m, const struct hp_mqtt_meter_setup *s)
{
	memset(m, 0, sizeof(*m));
	m->cfg = s->cfg;
	m->env = s->env;
	m->zone = s->zone != NULL ? s->zone : hp_tz_get("", NULL, 0);
	hp_disc_state_init(&m->disc);
	snprintf(m->name, sizeof(m->name), "%s", s->name);
	snprintf(m->device_name, sizeof(m->device_name), "%s", s->device_name);
	snprintf(m->configuration_url, sizeof(m->configuration_url), "%s", s->configuration_url);
	snprintf(m->daemon_status, sizeof(m->daemon_status), "%s", s->daemon_status);
	if (hp_mqtt_base_topic(s->cfg->base_topic, s->name, m->base, sizeof(m->base)) != 0 ||
	    topic(m->status_topic, m->base, "status") != 0 ||
	    hp_disc_topic(s->cfg->discovery_prefix, s->name, m->discovery_topic,
			  sizeof(m->discovery_topic)) != 0)
		return -1;
	return 0;
}

void hp_mqtt_meter_set_accounting(struct hp_mqtt_meter *m, json_t *accounting)
{
	json_decref(m->accounting);
	m->accounting = accounting;
}

void hp_mqtt_meter_free(struct hp_mqtt_meter *m)
{
	hp_mqtt_meter_set_accounting(m, NULL);
	free(m->announced);
	m->announced = NULL;
	for (int i = 0; i < HP_MQTT_CACHE_COUNT; i++) {
		free(m->cache[i]);
		m->cache[i] = NULL;
	}
}

static bool send_text(const struct hp_mqtt_sink *sink, const char *t, const char *payload,
		      bool retain)
{
	return sink->publish(sink->ctx, t, payload, strlen(payload), retain);
}

static void send_status(struct hp_mqtt_meter *m, bool is_online, const struct hp_mqtt_sink *sink)
{
	m->status_sent = true;
	m->online = is_online;
	send_text(sink, m->status_topic, is_online ? online : offline, true);
}

/* Sends o (consumed) on <base>/<suffix>; keeps the text in *cache when given. */
static void send_json(struct hp_mqtt_meter *m, const char *suffix, json_t *o, bool retain,
		      char **cache, const struct hp_mqtt_sink *sink)
{
	if (o == NULL)
		return;
	char *text = json_dumps(o, HP_JSON_FLAGS);
	json_decref(o);
	char t[HP_MQTT_TOPIC_MAX];
	if (text == NULL || topic(t, m->base, suffix) != 0) {
		free(text);
		return;
	}
	send_text(sink, t, text, retain);
	if (cache != NULL) {
		free(*cache);
		*cache = text;
	} else {
		free(text);
	}
}

static void disc_config(const struct hp_mqtt_meter *m, struct hp_disc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->meter = m->name;
	c->base = m->base;
	c->avty[0] = m->daemon_status;
	c->avty[1] = m->status_topic;
	c->device_name = m->device_name;
	c->configuration_url = m->configuration_url;
	c->sw_version = HP_VERSION;
	c->qos = (int)m->cfg->qos;
	c->reactive_energy_class = m->cfg->ha_reactive_energy_class;
}

/* Sends the discovery payload when it differs from the one last sent, or always
 * with force. */
static void announce_discovery(struct hp_mqtt_meter *m, bool force, const struct hp_mqtt_sink *sink)
{
	if (!hp_mqtt_discovery_active(m->cfg) || !hp_disc_has_components(&m->disc))
		return;
	struct hp_disc_config c;
	disc_config(m, &c);
	json_t *o = hp_disc_payload(&c, &m->disc);
	char *text = json_dumps(o, HP_JSON_FLAGS);
	json_decref(o);
	if (text == NULL)
		return;
	if (!force && m->announced != NULL && strcmp(m->announced, text) == 0) {
		free(text);
		return;
	}
	send_text(sink, m->discovery_topic, text, true);
	free(m->announced);
	m->announced = text;
}

/* ---- publishing a frame ---- */

static void send_per_value(struct hp_mqtt_meter *m, json_t *state, const struct hp_mqtt_sink *sink)
{
	const char *key;
	json_t *v;
	json_object_foreach(state, key, v)
	{
		char text[HP_MESSAGE_MAX + 8], t[HP_MQTT_TOPIC_MAX];
		if (hp_mqtt_scalar_text(v, text, sizeof(text)) >= 0 && topic(t, m->base, key) == 0)
			send_text(sink, t, text, false);
	}
}

static void send_mbus(struct hp_mqtt_meter *m, const struct hp_mqtt_frame *f,
		      const struct hp_mqtt_sink *sink)
{
	for (unsigned i = 0; i < f->r->mbus_count && i < HP_MBUS_MAX; i++) {
		const struct hp_mbus_reading *ch = &f->r->mbus[i];
		if (ch->channel < 1 || ch->channel > HP_MBUS_MAX)
			continue;
		unsigned n = ch->channel;
		struct hp_mqtt_mbus_sent *sent = &m->mbus_sent[n - 1];
		/* Only a new value or capture time is news; the channel repeats in every
		 * DSMR telegram. */
		if (sent->sent && sent->has_value == ch->has_value &&
		    (!ch->has_value || sent->value == ch->value) &&
		    strcmp(sent->time, ch->time) == 0)
			continue;
		sent->sent = true;
		sent->has_value = ch->has_value;
		sent->value = ch->value;
		snprintf(sent->time, sizeof(sent->time), "%s", ch->time);
		char suffix[16];
		snprintf(suffix, sizeof(suffix), "mbus/%u", n);
		send_json(m, suffix, hp_mqtt_mbus_json(f, i), true,
			  &m->cache[HP_MQTT_CACHE_MBUS + n - 1], sink);
	}
}

struct raw_ctx {
	struct hp_mqtt_meter *m;
	const struct hp_mqtt_sink *sink;
};

static void send_raw(void *ctx, const char *subtopic, const char *value, bool retain)
{
	struct raw_ctx *rc = ctx;
	char t[HP_MQTT_TOPIC_MAX];
	if (topic(t, rc->m->base, subtopic) == 0)
		send_text(rc->sink, t, value, retain);
}

static void publish_amsreader(struct hp_mqtt_meter *m, const struct hp_mqtt_frame *f,
			      const struct hp_mqtt_sink *sink)
{
	json_t *o = hp_ams_json(f, m->env);
	char *text = json_dumps(o, HP_JSON_FLAGS);
	json_decref(o);
	if (text != NULL)
		send_text(sink, m->base, text, false);
	free(text);
	struct raw_ctx rc = {m, sink};
	hp_ams_raw(f, m->env, send_raw, &rc);
}

static void send_accounting(struct hp_mqtt_meter *m, const struct hp_mqtt_frame *f, int64_t mono_ms,
			    const struct hp_mqtt_sink *sink)
{
	if (m->accounting == NULL)
		return;
	bool realtime = m->cfg->publish_interval_s == 0;
	if (realtime && m->accounting_sent &&
	    mono_ms - m->accounting_sent_mono < HP_MQTT_ACCOUNTING_PERIOD_MS)
		return;
	m->accounting_sent = true;
	m->accounting_sent_mono = mono_ms;
	send_json(m, "accounting", hp_mqtt_accounting_json(f, m->accounting), false, NULL, sink);
}

static void publish_frame(struct hp_mqtt_meter *m, const struct hp_reading *r, int64_t wall_ms,
			  int64_t mono_ms, const struct hp_mqtt_sink *sink)
{
	struct hp_mqtt_frame f;
	hp_mqtt_frame_init(&f, r, wall_ms, m->zone);
	if (m->cfg->format == HP_MQTT_FORMAT_AMSREADER) {
		publish_amsreader(m, &f, sink);
		hp_mqtt_frame_free(&f);
		return;
	}
	/* Discovery first: Home Assistant has the entities when their states come. */
	if (hp_disc_observe(&m->disc, r, mono_ms, m->cfg->publish_interval_s) ||
	    m->announced == NULL)
		announce_discovery(m, false, sink);
	json_t *state = hp_mqtt_state_json(&f);
	if (m->cfg->per_value_topics)
		send_per_value(m, state, sink);
	send_json(m, "state", state, false, NULL, sink);
	send_json(m, "power", hp_mqtt_power_json(&f), false, &m->cache[HP_MQTT_CACHE_POWER], sink);
	send_json(m, "energy", hp_mqtt_energy_json(&f, m->accounting), false,
		  &m->cache[HP_MQTT_CACHE_ENERGY], sink);
	send_accounting(m, &f, mono_ms, sink);
	send_json(m, "info", hp_mqtt_info_json(&f, &m->disc.id), true,
		  &m->cache[HP_MQTT_CACHE_INFO], sink);
	send_mbus(m, &f, sink);
	hp_mqtt_frame_free(&f);
}

void hp_mqtt_meter_reading(struct hp_mqtt_meter *m, const struct hp_reading *r, int64_t wall_ms,
			   int64_t mono_ms, const struct hp_mqtt_sink *sink)
{
	m->last_reading_mono = mono_ms;
	if (!m->status_sent || !m->online)
		send_status(m, true, sink);
	unsigned interval = m->cfg->publish_interval_s;
	if (interval == 0) {
		publish_frame(m, r, wall_ms, mono_ms, sink);
		return;
	}
	if (!m->has_pending)
		m->pending = *r;
	else
		hp_reading_merge(&m->pending, r);
	m->has_pending = true;
	m->pending_wall_ms = wall_ms;
	if (m->next_flush_mono == 0)
		m->next_flush_mono = mono_ms + (int64_t)interval * 1000;
}

static bool is_fresh(const struct hp_mqtt_meter *m, int64_t mono_ms, unsigned stale_after_s)
{
	return m->last_reading_mono != 0 &&
	       mono_ms - m->last_reading_mono <= (int64_t)stale_after_s * 1000;
}

void hp_mqtt_meter_tick(struct hp_mqtt_meter *m, int64_t mono_ms, unsigned stale_after_s,
			const struct hp_mqtt_sink *sink)
{
	if (m->next_flush_mono != 0 && mono_ms >= m->next_flush_mono) {
		int64_t step = (int64_t)m->cfg->publish_interval_s * 1000;
		m->next_flush_mono += step;
		if (m->next_flush_mono <= mono_ms) /* a long stall: no catching up */
			m->next_flush_mono = mono_ms + step;
		if (m->has_pending) {
			m->has_pending = false;
			publish_frame(m, &m->pending, m->pending_wall_ms, mono_ms, sink);
		}
	}
	if (m->status_sent && m->online && !is_fresh(m, mono_ms, stale_after_s))
		send_status(m, false, sink);
}

void hp_mqtt_meter_announce(struct hp_mqtt_meter *m, int64_t mono_ms, unsigned stale_after_s,
			    const struct hp_mqtt_sink *sink)
{
	send_status(m, is_fresh(m, mono_ms, stale_after_s), sink);
	announce_discovery(m, true, sink);
	static const char *const suffixes[HP_MQTT_CACHE_MBUS] = {"power", "energy", "info"};
	for (int i = 0; i < HP_MQTT_CACHE_COUNT; i++) {
		if (m->cache[i] == NULL)
			continue;
		char suffix[16], t[HP_MQTT_TOPIC_MAX];
		if (i < HP_MQTT_CACHE_MBUS)
			snprintf(suffix, sizeof(suffix), "%s", suffixes[i]);
		else
			snprintf(suffix, sizeof(suffix), "mbus/%d", i - HP_MQTT_CACHE_MBUS + 1);
		bool retain = i >= HP_MQTT_CACHE_INFO;
		if (topic(t, m->base, suffix) == 0)
			send_text(sink, t, m->cache[i], retain);
	}
}

void hp_mqtt_meter_offline(struct hp_mqtt_meter *m, const struct hp_mqtt_sink *sink)
{
	send_status(m, false, sink);
}

void hp_mqtt_meter_status_again(struct hp_mqtt_meter *m, const struct hp_mqtt_sink *sink)
{
	if (m->status_sent && m->online)
		send_status(m, true, sink);
}

void hp_mqtt_meter_remove_discovery(struct hp_mqtt_meter *m, const struct hp_mqtt_sink *sink)
{
	sink->publish(sink->ctx, m->discovery_topic, "", 0, true);
	free(m->announced);
	m->announced = NULL;
}

/* The retained topics under a meter's base: its state topics (format = hanp1d),
 * then its availability, last, so that a removal says offline after the rest. */
static const char *const retained_leaves[] = {"info",   "mbus/1", "mbus/2",
					      "mbus/3", "mbus/4", "status"};
#define RETAINED_STATE_COUNT 5

void hp_mqtt_meter_retained(const struct hp_mqtt_meter *m, struct hp_mqtt_retained *r)
{
	if (hp_mqtt_discovery_active(m->cfg))
		hp_mqtt_retained_add(r, m->discovery_topic);
	hp_mqtt_retained_add(r, m->status_topic);
	if (m->cfg->format != HP_MQTT_FORMAT_HANP1D)
		return;
	char t[HP_MQTT_TOPIC_MAX];
	for (size_t i = 0; i < RETAINED_STATE_COUNT; i++)
		if (topic(t, m->base, retained_leaves[i]) == 0)
			hp_mqtt_retained_add(r, t);
}

void hp_mqtt_remove_old_meter(const struct hp_mqtt_config *cfg, const char *name,
			      const struct hp_mqtt_sink *sink)
{
	char base[HP_MQTT_TOPIC_MAX], t[HP_MQTT_TOPIC_MAX];
	if (hp_disc_topic(cfg->discovery_prefix, name, t, sizeof(t)) == 0)
		sink->publish(sink->ctx, t, "", 0, true);
	if (hp_mqtt_base_topic(cfg->base_topic, name, base, sizeof(base)) != 0)
		return;
	for (size_t i = 0; i < sizeof(retained_leaves) / sizeof(retained_leaves[0]); i++)
		if (topic(t, base, retained_leaves[i]) == 0)
			sink->publish(sink->ctx, t, "", 0, true);
}

json_t *hp_mqtt_meter_status_json(const struct hp_mqtt_meter *m, int64_t mono_ms,
				  unsigned stale_after_s)
{
	json_t *o = json_object();
	json_object_set_new(o, "meter", json_string(m->name));
	json_object_set_new(o, "base_topic", json_string(m->base));
	json_object_set_new(o, "online", json_boolean(is_fresh(m, mono_ms, stale_after_s)));
	json_object_set_new(o, "last_reading_age_s",
			    m->last_reading_mono != 0
				? json_real((double)(mono_ms - m->last_reading_mono) / 1000.0)
				: json_null());
	json_object_set_new(o, "discovery", json_boolean(m->announced != NULL));
	json_object_set_new(o, "discovery_topic",
			    hp_mqtt_discovery_active(m->cfg) ? json_string(m->discovery_topic)
							     : json_null());
	return o;
}
