/* What one meter publishes over MQTT and when: the state topics of a reading
 * (realtime, or merged once per interval), lazy Home Assistant discovery, the
 * meter's availability (offline while stale), and the republishing after a
 * reconnect or Home Assistant's birth message. No broker here: messages go out
 * through a sink, so the unit tests see exactly what a subscriber would. Runs on the
 * daemon's main thread only. */
#ifndef HP_DAEMON_MQTT_METER_H
#define HP_DAEMON_MQTT_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hanp1d/reading.h"
#include "mqtt_amsreader.h"
#include "mqtt_discovery.h"
#include "mqtt_retained.h"
#include "mqtt_topics.h"
#include "tz.h"

/* Where messages go. publish returns false when the message was dropped. */
struct hp_mqtt_sink {
	bool (*publish)(void *ctx, const char *topic, const void *payload, size_t len, bool retain);
	void *ctx;
};

struct hp_mqtt_meter_setup {
	const struct hp_mqtt_config *cfg;
	const char *name;              /* the configured meter name */
	const char *daemon_status;     /* the daemon's availability topic (the will) */
	const char *device_name;       /* Home Assistant's device name */
	const char *configuration_url; /* the dashboard, "" = none */
	const struct hp_ams_env *env;  /* format = amsreader: the envelope */
	const struct hp_tz *zone;      /* the meter's time zone; NULL: the system's */
};

/* Payloads kept for republishing: power, energy, info, mbus/1..4. */
enum {
	HP_MQTT_CACHE_POWER,
	HP_MQTT_CACHE_ENERGY,
	HP_MQTT_CACHE_INFO,
	HP_MQTT_CACHE_MBUS,
	HP_MQTT_CACHE_COUNT = HP_MQTT_CACHE_MBUS + HP_MBUS_MAX
};

/* What mbus/<n> last carried: a channel is sent when it changes. */
struct hp_mqtt_mbus_sent {
	bool sent;
	bool has_value;
	double value;
	char time[HP_TIME_MAX];
};

struct hp_mqtt_meter {
	const struct hp_mqtt_config *cfg;
	const struct hp_ams_env *env;
	const struct hp_tz *zone; /* the offsets of the times in its payloads */
	char name[HP_NAME_MAX];
	char base[HP_MQTT_TOPIC_MAX];
	char status_topic[HP_MQTT_TOPIC_MAX];    /* <base>/status */
	char discovery_topic[HP_MQTT_TOPIC_MAX]; /* <prefix>/device/hanp1d_<name>/config */
	char daemon_status[HP_MQTT_TOPIC_MAX];
	char device_name[64];
	char configuration_url[HP_MQTT_TOPIC_MAX];
	struct hp_disc_state disc;
	char *announced; /* the discovery payload last sent, NULL = none yet */
	char *cache[HP_MQTT_CACHE_COUNT];
	/* Per-meter availability as last sent; unknown until the first send. */
	bool status_sent, online;
	int64_t last_reading_mono; /* 0 = none yet */
	struct hp_mqtt_mbus_sent mbus_sent[HP_MBUS_MAX];
	/* Interval mode: the readings since the last publish, merged. */
	bool has_pending;
	struct hp_reading pending;
	int64_t pending_wall_ms;
	int64_t next_flush_mono;
	json_t *accounting; /* the latest running figures for `energy` (owned), NULL = none */
	bool accounting_sent;
	int64_t accounting_sent_mono; /* when <base>/accounting last went out */
};

/* -1 when a topic does not fit (a name or template too long). */
int hp_mqtt_meter_init(struct hp_mqtt_meter *m, const struct hp_mqtt_meter_setup *s);
void hp_mqtt_meter_free(struct hp_mqtt_meter *m);

/* The running figures (accounting.h) for <base>/accounting and for the next
 * `energy` payloads (under "accounting"); takes the reference (NULL = none).
 * <base>/accounting goes out with the first frame, then at most every
 * HP_MQTT_ACCOUNTING_PERIOD_MS (realtime) or with each interval's publish, whether
 * or not the frames have registers. */
#define HP_MQTT_ACCOUNTING_PERIOD_MS 10000
void hp_mqtt_meter_set_accounting(struct hp_mqtt_meter *m, json_t *accounting);

/* Home Assistant discovery is sent: discovery = on and format = hanp1d. */
bool hp_mqtt_discovery_active(const struct hp_mqtt_config *cfg);

/* A decoded reading (wall clock and monotonic ms of its arrival): published at once
 * in realtime mode, else merged for the next interval. */
void hp_mqtt_meter_reading(struct hp_mqtt_meter *m, const struct hp_reading *r, int64_t wall_ms,
			   int64_t mono_ms, const struct hp_mqtt_sink *sink);

/* About twice a second: the interval publish, and `offline` once the meter has
 * been silent for stale_after_s. */
void hp_mqtt_meter_tick(struct hp_mqtt_meter *m, int64_t mono_ms, unsigned stale_after_s,
			const struct hp_mqtt_sink *sink);

/* Everything again, after a (re)connect, Home Assistant's `online` or the
 * republish-discovery command: availability, discovery and the latest states. */
void hp_mqtt_meter_announce(struct hp_mqtt_meter *m, int64_t mono_ms, unsigned stale_after_s,
			    const struct hp_mqtt_sink *sink);

/* `offline` on the meter's availability topic (a clean stop). */
void hp_mqtt_meter_offline(struct hp_mqtt_meter *m, const struct hp_mqtt_sink *sink);

/* `online` again when that is what was last sent: the meter's will connection was
 * just accepted, and the broker may have published its will (`offline`) when the
 * previous one dropped. */
void hp_mqtt_meter_status_again(struct hp_mqtt_meter *m, const struct hp_mqtt_sink *sink);

/* Removes the meter's Home Assistant device: an empty retained discovery payload. */
void hp_mqtt_meter_remove_discovery(struct hp_mqtt_meter *m, const struct hp_mqtt_sink *sink);

/* The retained topics the meter's configuration publishes (mqtt_retained.h): its
 * discovery config when discovery is on, its status, and with format = hanp1d its
 * info and mbus/1..4. */
void hp_mqtt_meter_retained(const struct hp_mqtt_meter *m, struct hp_mqtt_retained *r);

/* Clears what a meter that is no longer configured left retained: its discovery
 * config, then its retained state topics (info, mbus/1..4, status). */
void hp_mqtt_remove_old_meter(const struct hp_mqtt_config *cfg, const char *name,
			      const struct hp_mqtt_sink *sink);

/* The meter's part of the status command's answer (a new object). */
json_t *hp_mqtt_meter_status_json(const struct hp_mqtt_meter *m, int64_t mono_ms,
				  unsigned stale_after_s);

#endif
