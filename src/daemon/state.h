/* The live state the HTTP API (and later MQTT) serves: per meter the latest
 * reading, the decoder's counters, the source's status. Copy in, copy out, under
 * one mutex; never held across I/O. */
#ifndef HP_DAEMON_STATE_H
#define HP_DAEMON_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "accounting_live.h"
#include "config.h"
#include "hanp1d/decode.h"
#include "source.h"

struct hp_meter_state {
	char name[HP_NAME_MAX];
	bool has_reading;
	struct hp_reading reading; /* multipliers applied */
	/* Every value's latest, across the meter's lists (hp_reading_merge); started
	 * afresh when the meter id changes (a meter swap). */
	struct hp_reading merged;
	int64_t reading_ms; /* wall clock when it was decoded */
	struct hp_decoder_stats stats;
	bool has_error;
	struct hp_error last_error;
	int64_t last_error_ms;
	struct hp_source_status source;
	uint64_t ring_dropped;               /* bytes the ring had no room for */
	uint64_t implausible;                /* readings outside the installation (plausible.h) */
	char implausible_why[HP_DETAIL_MAX]; /* the last one's value, in words */
	int64_t implausible_ms;              /* wall clock of the last one */
	struct hp_acct_live live; /* running hour/day/month/quarter (accounting_live.h) */
};

struct hp_store_status {
	int64_t file_bytes;
	uint64_t rows, commits, failures;
	char last_error[HP_DETAIL_MAX]; /* "" = none */
};

/* The MQTT client (mqtt.h), as /api/v1/status and STATUS= show it. */
enum hp_mqtt_state {
	HP_MQTT_STATE_DISABLED,
	HP_MQTT_STATE_CONNECTING,
	HP_MQTT_STATE_CONNECTED,
	HP_MQTT_STATE_DISCONNECTED,
};

struct hp_mqtt_status {
	enum hp_mqtt_state state;
	char broker[HP_HOST_MAX + 8]; /* "host:port" */
	bool tls;
	char last_error[HP_DETAIL_MAX]; /* "" = none since the last connect */
	uint64_t published, dropped, connects;
	uint64_t queued;         /* handed to the client library, not yet sent */
	int64_t last_connect_ms; /* wall clock, 0 = never */
};

struct hp_state {
	pthread_mutex_t lock;
	int64_t started_ms;
	unsigned meter_count;
	struct hp_meter_state meters[HP_METERS_MAX];
	struct hp_store_status store;
	struct hp_mqtt_status mqtt;
};

void hp_state_init(struct hp_state *s, const struct hp_config *cfg, int64_t now_ms);
void hp_state_destroy(struct hp_state *s);

/* Copies of one meter (by index or name) and of the store status; false when there
 * is no such meter. */
bool hp_state_meter(struct hp_state *s, unsigned index, struct hp_meter_state *out);
bool hp_state_meter_by_name(struct hp_state *s, const char *name, struct hp_meter_state *out);
void hp_state_store(struct hp_state *s, struct hp_store_status *out);
void hp_state_mqtt(struct hp_state *s, struct hp_mqtt_status *out);

/* Writers (the parser thread). */
void hp_state_set_reading(struct hp_state *s, unsigned index, const struct hp_reading *r,
			  int64_t now_ms);
void hp_state_set_error(struct hp_state *s, unsigned index, const struct hp_error *e,
			int64_t now_ms);
/* Counts a reading hp_plausible refused, with why. */
void hp_state_set_implausible(struct hp_state *s, unsigned index, const char *why, int64_t now_ms);
void hp_state_set_counters(struct hp_state *s, unsigned index, const struct hp_decoder_stats *st,
			   const struct hp_source_status *src, uint64_t ring_dropped);
void hp_state_set_store(struct hp_state *s, const struct hp_store_status *st);
/* The meter's running figures, as the main thread booked its latest reading. */
void hp_state_set_live(struct hp_state *s, unsigned index, const struct hp_acct_live *live);
void hp_state_set_mqtt(struct hp_state *s, const struct hp_mqtt_status *st);

/* Wall clock in milliseconds. */
int64_t hp_now_ms(void);
/* Monotonic clock in milliseconds: for intervals and deadlines. */
int64_t hp_mono_ms(void);

#endif
