/* The live state: one mutex around plain structs. Every access copies in or out
 * and returns; nothing is formatted, logged or written while the lock is held. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "state.h"

void hp_state_init(struct hp_state *s, const struct hp_config *cfg, int64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->started_ms = now_ms;
	s->meter_count = cfg->meter_count < HP_METERS_MAX ? cfg->meter_count : HP_METERS_MAX;
	for (unsigned i = 0; i < s->meter_count; i++) {
		struct hp_meter_state *m = &s->meters[i];
		/* The config bounds the name; copying with a bound keeps it terminated. */
		snprintf(m->name, sizeof(m->name), "%s", cfg->meters[i].name);
		m->source.state = HP_SOURCE_STARTING;
		m->source.parity = cfg->meters[i].parity;
		m->source.baud = cfg->meters[i].baud;
	}
}

void hp_state_destroy(struct hp_state *s)
{
	pthread_mutex_destroy(&s->lock);
}

bool hp_state_meter(struct hp_state *s, unsigned index, struct hp_meter_state *out)
{
	bool found = false;
	pthread_mutex_lock(&s->lock);
	if (index < s->meter_count) {
		*out = s->meters[index];
		found = true;
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

bool hp_state_meter_by_name(struct hp_state *s, const char *name, struct hp_meter_state *out)
{
	bool found = false;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < s->meter_count && !found; i++) {
		if (strcmp(s->meters[i].name, name) == 0) {
			*out = s->meters[i];
			found = true;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

void hp_state_store(struct hp_state *s, struct hp_store_status *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->store;
	pthread_mutex_unlock(&s->lock);
}

void hp_state_mqtt(struct hp_state *s, struct hp_mqtt_status *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->mqtt;
	pthread_mutex_unlock(&s->lock);
}

void hp_state_set_reading(struct hp_state *s, unsigned index, const struct hp_reading *r,
			  int64_t now_ms)
{
	pthread_mutex_lock(&s->lock);
	if (index < s->meter_count) {
		struct hp_meter_state *m = &s->meters[index];
		bool swapped =
		    hp_reading_has_text(r, HP_TEXT_METER_ID) &&
		    strcmp(m->merged.text[HP_TEXT_METER_ID], r->text[HP_TEXT_METER_ID]) != 0 &&
		    hp_reading_has_text(&m->merged, HP_TEXT_METER_ID);
		if (!m->has_reading || swapped)
			m->merged = *r;
		else
			hp_reading_merge(&m->merged, r);
		m->reading = *r;
		m->reading_ms = now_ms;
		m->has_reading = true;
	}
	pthread_mutex_unlock(&s->lock);
}

void hp_state_set_implausible(struct hp_state *s, unsigned index, const char *why, int64_t now_ms)
{
	pthread_mutex_lock(&s->lock);
	if (index < s->meter_count) {
		struct hp_meter_state *m = &s->meters[index];
		m->implausible++;
		snprintf(m->implausible_why, sizeof(m->implausible_why), "%s", why);
		m->implausible_ms = now_ms;
	}
	pthread_mutex_unlock(&s->lock);
}

void hp_state_set_error(struct hp_state *s, unsigned index, const struct hp_error *e,
			int64_t now_ms)
{
	pthread_mutex_lock(&s->lock);
	if (index < s->meter_count) {
		struct hp_meter_state *m = &s->meters[index];
		m->last_error = *e;
		m->last_error_ms = now_ms;
		m->has_error = true;
	}
	pthread_mutex_unlock(&s->lock);
}

void hp_state_set_counters(struct hp_state *s, unsigned index, const struct hp_decoder_stats *st,
			   const struct hp_source_status *src, uint64_t ring_dropped)
{
	pthread_mutex_lock(&s->lock);
	if (index < s->meter_count) {
		struct hp_meter_state *m = &s->meters[index];
		m->stats = *st;
		m->source = *src;
		m->ring_dropped = ring_dropped;
	}
	pthread_mutex_unlock(&s->lock);
}

void hp_state_set_live(struct hp_state *s, unsigned index, const struct hp_acct_live *live)
{
	pthread_mutex_lock(&s->lock);
	if (index < s->meter_count)
		s->meters[index].live = *live;
	pthread_mutex_unlock(&s->lock);
}

void hp_state_set_store(struct hp_state *s, const struct hp_store_status *st)
{
	pthread_mutex_lock(&s->lock);
	s->store = *st;
	pthread_mutex_unlock(&s->lock);
}

void hp_state_set_mqtt(struct hp_state *s, const struct hp_mqtt_status *st)
{
	pthread_mutex_lock(&s->lock);
	s->mqtt = *st;
	pthread_mutex_unlock(&s->lock);
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hp_now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t hp_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}
