/* The meters' last wills. MQTT gives a connection one will, and the main connection's
 * is the daemon's availability (hanp1d/status). So each meter whose <base>/status is
 * another topic gets a small connection of its own that only holds the will
 * `<base>/status` = `offline` (retained, at the configured QoS): when the daemon dies
 * without a word, the broker marks every meter offline too. These connections
 * publish nothing; the main connection keeps publishing the meters' `online` and
 * `offline`.
 *
 * Client id: the main client id, "-", the meter's name; host, port, login and TLS
 * as the main client. Driven by the MQTT network thread (mqtt.c) with non-blocking
 * loop calls, reconnecting with the same backoff as the main client, and at once
 * when the main connection is back. Between the main connection's `online` and the
 * will connection's CONNACK (milliseconds on a connect) a SIGKILL would leave the
 * meter `online`; when a will connection comes back, the meter's `online` is sent
 * again, since the broker may have published the will meanwhile. A clean stop
 * disconnects them normally, which discards the wills (the main connection has just
 * published `offline`); a stop while the main connection is down drops them, so
 * the broker publishes their wills instead. */
#ifndef HP_DAEMON_MQTT_WILL_H
#define HP_DAEMON_MQTT_WILL_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"
#include "mqtt_topics.h"

/* Called (network thread) when a meter's will connection is accepted: the broker
 * may have published that will when the previous one dropped, so the meter's
 * availability is worth sending again. */
typedef void (*hp_mqtt_will_up_fn)(void *ctx, unsigned meter);

struct hp_mqtt_will {
	struct hp_mqtt_wills *set;
	struct mosquitto *mosq;
	unsigned meter; /* index in the configuration */
	char name[HP_NAME_MAX];
	char client_id[HP_MQTT_TEXT_MAX + HP_NAME_MAX + 1];
	char topic[HP_MQTT_TOPIC_MAX]; /* <base>/status */
	bool started;                  /* connect_async done: later attempts reconnect */
	bool attempting;               /* an attempt or a connection is on */
	bool session_up;               /* the broker accepted this attempt */
	int64_t attempt_mono;          /* when the attempt began */
	int64_t retry_mono;            /* not attempting: when to try again */
	unsigned delay_s;
	int cause;                   /* errno of this attempt (mqtt_conn.h) */
	char refused[HP_DETAIL_MAX]; /* the broker's CONNACK refusal, "" = none */
	struct hp_log_limit error_log;
};

struct hp_mqtt_wills {
	const struct hp_mqtt_config *q;
	const char *host;
	int port;
	unsigned count;
	struct hp_mqtt_will w[HP_METERS_MAX];
	hp_mqtt_will_up_fn on_up;
	void *ctx;
	int64_t serviced_mono; /* the last hp_mqtt_wills_service that looked at them */
};

/* host and q must outlive the set. */
void hp_mqtt_wills_init(struct hp_mqtt_wills *ws, const struct hp_mqtt_config *q, const char *host,
			int port, hp_mqtt_will_up_fn on_up, void *ctx);

/* A will connection for meter `meter` (its name and <base>/status) under the main
 * client id; -1 with err when the library refuses it (as the main client's setup
 * would). */
int hp_mqtt_wills_add(struct hp_mqtt_wills *ws, unsigned meter, const char *name,
		      const char *main_client_id, const char *status_topic, char *err,
		      size_t err_size);

/* Network thread, as often as it likes: at most every HP_MQTT_WILL_SERVICE_MS
 * (sooner calls return at once) each connection gets one non-blocking loop pass,
 * and a new attempt when its backoff is over. */
#define HP_MQTT_WILL_SERVICE_MS 100
void hp_mqtt_wills_service(struct hp_mqtt_wills *ws, int64_t mono_ms);

/* The main connection is up: the broker is back, so connections waiting out their
 * backoff try again at the next service instead of up to 30 s later. */
void hp_mqtt_wills_kick(struct hp_mqtt_wills *ws);

/* How many will connections the broker accepted and are up. */
unsigned hp_mqtt_wills_up(const struct hp_mqtt_wills *ws);

/* Network thread, at the end. clean: DISCONNECT each connection (its will is
 * discarded), waiting for the packets to go out until deadline_mono; else close
 * the sockets without a word, so the broker publishes the wills. */
void hp_mqtt_wills_stop(struct hp_mqtt_wills *ws, bool clean, int64_t deadline_mono);

/* Frees the clients (after the network thread has ended). */
void hp_mqtt_wills_free(struct hp_mqtt_wills *ws);

#endif
