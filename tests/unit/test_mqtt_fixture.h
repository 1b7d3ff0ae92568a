/* Shared by the MQTT unit tests: readings made the way the daemon gets them (the
 * project's encoder builds a meter's frame, the decoder reads it back), the time
 * zone of the examples, and a sink that records what a subscriber would see. */
#ifndef HP_TEST_MQTT_FIXTURE_H
#define HP_TEST_MQTT_FIXTURE_H

#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "encode.h"
#include "hanp1d/decode.h"
#include "meters.h"
#include "mqtt_meter.h"
#include "tz.h"

/* Norway and Belgium: CET/CEST, as a POSIX rule so no zone files are needed. */
#define CET_RULE "CET-1CEST,M3.5.0,M10.5.0/3"

/* The meters' zone in the examples. Payload times follow the meter's zone, never
 * the process's: the tests run with the process in another zone (away_from_cet)
 * to show it. */
static inline const struct hp_tz *cet(void)
{
	return hp_tz_get(CET_RULE, NULL, 0);
}

static inline void away_from_cet(void)
{
	setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
	tzset();
}

/* Epoch ms of a UTC time. */
static inline int64_t utc_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return (int64_t)timegm(&tm) * 1000;
}

struct fixture_events {
	int readings;
	struct hp_reading r;
};

static inline void fixture_on_event(void *ctx, const struct hp_event *ev)
{
	struct fixture_events *e = ctx;
	if (ev->reading != NULL) {
		e->readings++;
		e->r = *ev->reading;
	}
}

/* One frame of profile p with values v through the encoder and the decoder. */
static inline bool make_reading(enum hp_enc_profile p, const struct hp_enc_values *v,
				struct hp_reading *out)
{
	static uint8_t frame[16384];
	struct hp_enc_link link;
	hp_enc_meter_default_link(p, &link);
	struct hp_buf b;
	hp_buf_init(&b, frame, sizeof(frame));
	if (hp_enc_meter_frames(&b, p, v, &link) != 0)
		return false;
	static struct fixture_events e;
	memset(&e, 0, sizeof(e));
	struct hp_decoder_config dc = {
	    .keys = {.has_ek = link.cipher}, .on_event = fixture_on_event, .ctx = &e};
	if (link.cipher) {
		memcpy(dc.keys.ek, link.ggc.ek, HP_KEY_LEN);
		memcpy(dc.keys.ak, link.ggc.ak, HP_KEY_LEN);
		dc.keys.has_ak = true;
	}
	struct hp_decoder *d = hp_decoder_new(&dc);
	hp_decoder_feed(d, frame, b.len, 0);
	hp_decoder_finish(d);
	hp_decoder_free(d);
	if (e.readings != 1)
		return false;
	*out = e.r;
	return true;
}

/* A gas meter on M-Bus channel 1, as DSMR 5 sends it every 5 minutes. */
static inline void add_gas(struct hp_enc_values *v, double m3, uint8_t minute)
{
	v->mbus_count = 1;
	struct hp_enc_mbus_channel *g = &v->mbus[0];
	memset(g, 0, sizeof(*g));
	g->channel = 1;
	g->device_type = 3;
	snprintf(g->id, sizeof(g->id), "%s", "G0012345678901234");
	g->value = m3;
	snprintf(g->unit, sizeof(g->unit), "m3");
	g->time = (struct hp_enc_datetime){2025, 1, 15, 3, 16, minute, 0, 0, -60, 0x00};
}

/* ---- a recording sink ---- */

#define SINK_MAX 512

struct sent {
	char topic[HP_MQTT_TOPIC_MAX];
	char *payload;
	bool retain;
};

struct recorder {
	int count;
	bool refuse; /* act as if disconnected */
	struct sent m[SINK_MAX];
};

static inline bool record(void *ctx, const char *topic, const void *payload, size_t len,
			  bool retain)
{
	struct recorder *rec = ctx;
	if (rec->refuse || rec->count >= SINK_MAX)
		return false;
	struct sent *s = &rec->m[rec->count++];
	snprintf(s->topic, sizeof(s->topic), "%s", topic);
	s->payload = malloc(len + 1);
	memcpy(s->payload, payload, len);
	s->payload[len] = '\0';
	s->retain = retain;
	return true;
}

static inline void recorder_clear(struct recorder *rec)
{
	for (int i = 0; i < rec->count; i++)
		free(rec->m[i].payload);
	rec->count = 0;
}

/* The last message on topic, or NULL. */
static inline const struct sent *last_on(const struct recorder *rec, const char *topic)
{
	for (int i = rec->count - 1; i >= 0; i--)
		if (strcmp(rec->m[i].topic, topic) == 0)
			return &rec->m[i];
	return NULL;
}

static inline int count_on(const struct recorder *rec, const char *topic)
{
	int n = 0;
	for (int i = 0; i < rec->count; i++)
		n += strcmp(rec->m[i].topic, topic) == 0;
	return n;
}

/* The last payload on topic as JSON (new), or NULL. */
static inline json_t *json_on(const struct recorder *rec, const char *topic)
{
	const struct sent *s = last_on(rec, topic);
	return s != NULL ? json_loads(s->payload, 0, NULL) : NULL;
}

/* Two JSON documents with the same keys and values; numbers compare by value, so
 * 0 and 0.0 are equal. Prints the first difference. */
static inline bool same_json(const json_t *a, const json_t *b, const char *where)
{
	if (json_is_number(a) && json_is_number(b)) {
		if (fabs(json_number_value(a) - json_number_value(b)) < 1e-9)
			return true;
		fprintf(stderr, "  %s: %.12g != %.12g\n", where, json_number_value(a),
			json_number_value(b));
		return false;
	}
	if (json_is_object(a) && json_is_object(b)) {
		bool ok = json_object_size(a) == json_object_size(b);
		if (!ok)
			fprintf(stderr, "  %s: %zu keys != %zu keys\n", where, json_object_size(a),
				json_object_size(b));
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v)
		{
			char path[256];
			snprintf(path, sizeof(path), "%s.%s", where, k);
			json_t *w = json_object_get(b, k);
			if (w == NULL) {
				fprintf(stderr, "  %s: missing\n", path);
				ok = false;
			} else if (!same_json(v, w, path)) {
				ok = false;
			}
		}
		return ok;
	}
	if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
		bool ok = true;
		for (size_t i = 0; i < json_array_size(a); i++) {
			char path[256];
			snprintf(path, sizeof(path), "%s[%zu]", where, i);
			ok = same_json(json_array_get(a, i), json_array_get(b, i), path) && ok;
		}
		return ok;
	}
	if (json_equal((json_t *)a, (json_t *)b))
		return true;
	char *x = json_dumps(a, JSON_ENCODE_ANY), *y = json_dumps(b, JSON_ENCODE_ANY);
	fprintf(stderr, "  %s: %s != %s\n", where, x, y);
	free(x);
	free(y);
	return false;
}

static inline bool same_json_text(const json_t *a, const char *text, const char *where)
{
	json_error_t e;
	json_t *b = json_loads(text, 0, &e);
	if (b == NULL) {
		fprintf(stderr, "  %s: expected text does not parse: %s\n", where, e.text);
		return false;
	}
	bool ok = same_json(a, b, where);
	json_decref(b);
	return ok;
}

#endif
