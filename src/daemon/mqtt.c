/* The MQTT client (mqtt.h).
 *
 * Threads: the network thread runs libmosquitto's loop (connect, read, write,
 * reconnect with backoff) and its callbacks; they only note what happened under the
 * lock and wake the main thread, which does everything that touches the meters'
 * state. mosquitto_publish, called from the main thread, only queues the packet
 * (the client is in threaded mode), so the decoder never waits on a socket.
 *
 * The thread is ours rather than mosquitto_loop_start's: that loop retries failed
 * connects silently (no callback says why), so /api/v1/status could not show the
 * reason; ours calls connect_async/reconnect_async and mosquitto_loop itself,
 * records each failure, backs off (1 s doubling to 30 s), gives up on a broker that
 * never answers CONNECT, and stops at once when asked. It also drives the meters'
 * will-only connections (mqtt_will.h) between two passes of the main loop, without
 * blocking: the main loop's wait is what paces them. */
#include "mqtt.h"

#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mqtt_conn.h"
#include "mqtt_env.h"
#include "mqtt_meter.h"
#include "mqtt_prices.h"
#include "mqtt_retained.h"
#include "mqtt_will.h"
#include "reading_json.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

#define DEFAULT_HOST     "127.0.0.1"
#define DEFAULT_PORT     1883
#define DEFAULT_TLS_PORT 8883
/* Messages handed to libmosquitto and not yet written (QoS 0) or acknowledged
 * (QoS 1). A few seconds of the busiest setup (a DSMR meter every second with a
 * topic per value: about 60 a second); beyond it new messages are dropped. */
#define PENDING_MAX 1000
/* QoS 1 messages on the wire at once. */
#define INFLIGHT_MAX 20
/* The network loop checks for a stop, and services the will connections, at least
 * this often. */
#define LOOP_TIMEOUT_MS 500
/* A clean stop waits this long for `offline` to reach the broker, then this long
 * for the will connections' DISCONNECTs. */
#define STOP_TIMEOUT_MS      2000
#define WILL_STOP_TIMEOUT_MS 500
/* Home Assistant's birth: republish after a random 1 to 5 s, so that a broker full
 * of devices does not get them all at once. */
#define BIRTH_DELAY_MIN_MS  1000
#define BIRTH_DELAY_SPAN_MS 4000
/* Messages from the broker waiting for the main thread, and their size. */
#define INBOX_MAX           32
#define COMMAND_MAX         1024
#define RETAINED_CONFIG_MAX (256 * 1024)
/* Connection problems are logged at most this often. */
#define ERROR_LOG_PERIOD_MS 600000

enum inbox_kind { INBOX_COMMAND, INBOX_RETAINED_CONFIG };

struct inbox_item {
	enum inbox_kind kind;
	unsigned meter;               /* INBOX_COMMAND */
	char name[HP_MQTT_TOPIC_MAX]; /* INBOX_RETAINED_CONFIG: the meter named in the topic */
	char *payload;                /* NUL-terminated */
};

struct hp_mqtt {
	const struct hp_config *cfg;
	const struct hp_mqtt_config *q;
	struct mosquitto *mosq;
	pthread_t thread;
	bool thread_started;
	int wake_fd;
	char host[HP_HOST_MAX];
	int port;
	char client_id[HP_MQTT_TEXT_MAX];
	char daemon_status[HP_MQTT_TOPIC_MAX];
	char ha_status[HP_MQTT_TOPIC_MAX];     /* <prefix>/status */
	char config_filter[HP_MQTT_TOPIC_MAX]; /* <prefix>/device/+/config */
	char prices_topic[HP_MQTT_TOPIC_MAX];  /* hanp1d/prices */
	struct hp_mqtt_prices prices;          /* network thread only */
	char command[HP_METERS_MAX][HP_MQTT_TOPIC_MAX];
	unsigned meter_count;
	struct hp_mqtt_meter meters[HP_METERS_MAX];
	struct hp_ams_env env;
	char mac[32];
	struct hp_mqtt_sink sink;
	struct hp_mqtt_wills wills;       /* network thread only (after the start) */
	struct hp_mqtt_retained retained; /* main thread */
	int64_t started_mono;
	int64_t birth_at_mono; /* main thread: when to republish for HA's birth, 0 = no */

	/* Shared with the network thread. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	int64_t stop_deadline;
	bool connected;
	bool session_up; /* this connection attempt got a CONNACK */
	bool connect_event, birth_event;
	bool will_up[HP_METERS_MAX]; /* a meter's will connection was accepted */
	unsigned wills_up;           /* will connections up, for the status command */
	bool offline_sent;           /* hp_mqtt_stop published the meters' offline */
	struct inbox_item inbox[INBOX_MAX];
	unsigned inbox_count;
	uint64_t pending;
	char log_error[HP_DETAIL_MAX];     /* libmosquitto's last error log line */
	char connack_error[HP_DETAIL_MAX]; /* this attempt's CONNACK refusal, "" = none */
	struct hp_mqtt_status status;
	struct hp_log_limit error_log; /* network thread only */
};

bool hp_mqtt_wanted(const struct hp_mqtt_config *cfg)
{
	return cfg->enabled == HP_MQTT_YES ||
	       (cfg->enabled == HP_MQTT_AUTO && cfg->host[0] != '\0');
}

const char *hp_mqtt_state_name(enum hp_mqtt_state s)
{
	switch (s) {
	case HP_MQTT_STATE_CONNECTING:
		return "connecting";
	case HP_MQTT_STATE_CONNECTED:
		return "connected";
	case HP_MQTT_STATE_DISCONNECTED:
		return "disconnected";
	default:
		return "disabled";
	}
}

static void wake(struct hp_mqtt *mq)
{
	uint64_t one = 1;
	if (write(mq->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero (EAGAIN): the main thread will look. */
	}
}

/* ---- publishing (any thread) ---- */

static bool publish(void *ctx, const char *topic, const void *payload, size_t len, bool retain)
{
	struct hp_mqtt *mq = ctx;
	pthread_mutex_lock(&mq->lock);
	bool ok = mq->connected && mq->pending < PENDING_MAX;
	if (ok)
		mq->pending++;
	else
		mq->status.dropped++;
	pthread_mutex_unlock(&mq->lock);
	if (!ok)
		return false;
	int rc =
	    mosquitto_publish(mq->mosq, NULL, topic, (int)len, payload, (int)mq->q->qos, retain);
	pthread_mutex_lock(&mq->lock);
	if (rc == MOSQ_ERR_SUCCESS) {
		mq->status.published++;
	} else {
		mq->status.dropped++;
		if (mq->pending > 0)
			mq->pending--;
	}
	pthread_mutex_unlock(&mq->lock);
	return rc == MOSQ_ERR_SUCCESS;
}

/* ---- callbacks (network thread) ---- */

static void on_connect(struct mosquitto *mosq, void *ctx, int rc)
{
	struct hp_mqtt *mq = ctx;
	if (rc != 0) {
		pthread_mutex_lock(&mq->lock);
		snprintf(mq->connack_error, sizeof(mq->connack_error),
			 "the broker refused the connection: %s", mosquitto_connack_string(rc));
		pthread_mutex_unlock(&mq->lock);
		return;
	}
	pthread_mutex_lock(&mq->lock);
	mq->connected = true;
	mq->session_up = true;
	mq->connect_event = true;
	mq->status.state = HP_MQTT_STATE_CONNECTED;
	mq->status.connects++;
	mq->status.last_connect_ms = hp_now_ms();
	mq->status.last_error[0] = '\0';
	mq->log_error[0] = '\0';
	pthread_mutex_unlock(&mq->lock);
	hp_log(LOG_NOTICE, "mqtt: connected to %s", mq->status.broker);
	hp_log_recovered(&mq->error_log);
	hp_mqtt_wills_kick(&mq->wills);
	int qos = (int)mq->q->qos;
	mosquitto_subscribe(mosq, NULL, mq->ha_status, qos);
	mosquitto_subscribe(mosq, NULL, mq->config_filter, qos);
	if (mq->prices.book != NULL)
		mosquitto_subscribe(mosq, NULL, mq->prices_topic, qos);
	for (unsigned i = 0; i < mq->meter_count; i++)
		mosquitto_subscribe(mosq, NULL, mq->command[i], qos);
	wake(mq);
}

static void on_disconnect(struct mosquitto *mosq, void *ctx, int rc)
{
	(void)mosq;
	struct hp_mqtt *mq = ctx;
	pthread_mutex_lock(&mq->lock);
	mq->connected = false;
	/* QoS 0 packets not yet written are gone with the socket; QoS 1 ones stay
	 * with the library and are sent again on reconnect. */
	if (mq->q->qos == 0)
		mq->pending = 0;
	if (!mq->stopping)
		mq->status.state = HP_MQTT_STATE_DISCONNECTED;
	if (rc != 0 && mq->status.last_error[0] == '\0')
		snprintf(mq->status.last_error, sizeof(mq->status.last_error),
			 "the connection was lost");
	pthread_mutex_unlock(&mq->lock);
}

static void on_publish(struct mosquitto *mosq, void *ctx, int mid)
{
	(void)mosq;
	(void)mid;
	struct hp_mqtt *mq = ctx;
	pthread_mutex_lock(&mq->lock);
	if (mq->pending > 0)
		mq->pending--;
	pthread_mutex_unlock(&mq->lock);
}

static void on_log(struct mosquitto *mosq, void *ctx, int level, const char *text)
{
	(void)mosq;
	struct hp_mqtt *mq = ctx;
	if (level != MOSQ_LOG_ERR)
		return;
	pthread_mutex_lock(&mq->lock);
	snprintf(mq->log_error, sizeof(mq->log_error), "%s", text);
	pthread_mutex_unlock(&mq->lock);
}

/* Queues a message for the main thread; false when the inbox is full. */
static bool post(struct hp_mqtt *mq, enum inbox_kind kind, unsigned meter, const char *name,
		 const void *payload, int len)
{
	char *copy = malloc((size_t)len + 1);
	if (copy == NULL)
		return false;
	memcpy(copy, payload, (size_t)len);
	copy[len] = '\0';
	pthread_mutex_lock(&mq->lock);
	bool ok = mq->inbox_count < INBOX_MAX;
	if (ok) {
		struct inbox_item *it = &mq->inbox[mq->inbox_count++];
		it->kind = kind;
		it->meter = meter;
		snprintf(it->name, sizeof(it->name), "%s", name);
		it->payload = copy;
	}
	pthread_mutex_unlock(&mq->lock);
	if (!ok)
		free(copy);
	return ok;
}

static void on_message(struct mosquitto *mosq, void *ctx, const struct mosquitto_message *msg)
{
	(void)mosq;
	struct hp_mqtt *mq = ctx;
	if (strcmp(msg->topic, mq->ha_status) == 0) {
		if (msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0) {
			pthread_mutex_lock(&mq->lock);
			mq->birth_event = true;
			pthread_mutex_unlock(&mq->lock);
			wake(mq);
		}
		return;
	}
	/* Taken here, on the network thread: the book has its own lock, and the main
	 * thread (the decoder) never waits for the file it writes. */
	if (strcmp(msg->topic, mq->prices_topic) == 0) {
		hp_mqtt_prices_message(&mq->prices, msg->payload,
				       msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0,
				       hp_mono_ms());
		return;
	}
	for (unsigned i = 0; i < mq->meter_count; i++) {
		if (strcmp(msg->topic, mq->command[i]) == 0) {
			if (msg->payloadlen > 0 && msg->payloadlen <= COMMAND_MAX &&
			    post(mq, INBOX_COMMAND, i, "", msg->payload, msg->payloadlen))
				wake(mq);
			return;
		}
	}
	/* Only announcements that were retained before we subscribed: our own live
	 * ones come back without the retain flag. */
	char name[HP_MQTT_TOPIC_MAX];
	if (msg->retain && msg->payloadlen > 0 && msg->payloadlen <= RETAINED_CONFIG_MAX &&
	    hp_mqtt_discovery_meter(mq->q->discovery_prefix, msg->topic, name, sizeof(name)) &&
	    post(mq, INBOX_RETAINED_CONFIG, 0, name, msg->payload, msg->payloadlen))
		wake(mq);
}

/* ---- the network thread ---- */

static bool stop_now(struct hp_mqtt *mq)
{
	pthread_mutex_lock(&mq->lock);
	bool stop = mq->stopping && (!mq->connected || hp_mono_ms() >= mq->stop_deadline);
	pthread_mutex_unlock(&mq->lock);
	return stop;
}

/* The will connections' loop passes, and the count the status command shows. */
static void service_wills(struct hp_mqtt *mq)
{
	if (mq->wills.count == 0)
		return;
	hp_mqtt_wills_service(&mq->wills, hp_mono_ms());
	unsigned up = hp_mqtt_wills_up(&mq->wills);
	pthread_mutex_lock(&mq->lock);
	mq->wills_up = up;
	pthread_mutex_unlock(&mq->lock);
}

/* Sleeps up to ms, or until hp_mqtt_stop; true when stopping. */
static bool wait_ms(struct hp_mqtt *mq, int64_t ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	int64_t ns = until.tv_nsec + (ms % 1000) * 1000000;
	until.tv_sec += (time_t)(ms / 1000 + ns / 1000000000);
	until.tv_nsec = (long)(ns % 1000000000);
	pthread_mutex_lock(&mq->lock);
	while (!mq->stopping && pthread_cond_timedwait(&mq->cond, &mq->lock, &until) != ETIMEDOUT) {
	}
	bool stopping = mq->stopping;
	pthread_mutex_unlock(&mq->lock);
	return stopping;
}

/* Sleeps up to seconds, or until hp_mqtt_stop (true); the will connections keep
 * their pace meanwhile. */
static bool backoff(struct hp_mqtt *mq, unsigned seconds)
{
	int64_t until = hp_mono_ms() + (int64_t)seconds * 1000;
	for (int64_t now = hp_mono_ms(); now < until; now = hp_mono_ms()) {
		service_wills(mq);
		int64_t left = until - now;
		if (wait_ms(mq, left < LOOP_TIMEOUT_MS ? left : LOOP_TIMEOUT_MS))
			return true;
	}
	return false;
}

/* Why an attempt or a connection ended, in words. */
static void describe_failure(struct hp_mqtt *mq, int rc, int err, char *out, size_t size)
{
	pthread_mutex_lock(&mq->lock);
	char refused[HP_DETAIL_MAX], logged[HP_DETAIL_MAX];
	snprintf(refused, sizeof(refused), "%s", mq->connack_error);
	snprintf(logged, sizeof(logged), "%s", mq->log_error);
	pthread_mutex_unlock(&mq->lock);
	if (refused[0] != '\0')
		snprintf(out, size, "%s", refused);
	else if (rc == MOSQ_ERR_TLS && logged[0] != '\0')
		snprintf(out, size, "TLS: %.*s", (int)(sizeof(logged) - 8), logged);
	else if (rc == MOSQ_ERR_ERRNO && err != 0)
		snprintf(out, size, "%s", strerror(err));
	else if (rc == MOSQ_ERR_KEEPALIVE)
		snprintf(out, size, "no answer from the broker within %d s",
			 HP_MQTT_CONNECT_TIMEOUT_MS / 1000);
	else
		snprintf(out, size, "%s", mosquitto_strerror(rc));
	/* libmosquitto's sentences end with a full stop; ours go on. */
	size_t n = strlen(out);
	if (n > 0 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

static void failed(struct hp_mqtt *mq, int rc, int err, unsigned retry_s)
{
	char why[HP_DETAIL_MAX];
	describe_failure(mq, rc, err, why, sizeof(why));
	pthread_mutex_lock(&mq->lock);
	mq->status.state = HP_MQTT_STATE_DISCONNECTED;
	snprintf(mq->status.last_error, sizeof(mq->status.last_error), "%s", why);
	pthread_mutex_unlock(&mq->lock);
	if (hp_log_limited(&mq->error_log, hp_mono_ms(), ERROR_LOG_PERIOD_MS))
		hp_log(LOG_WARNING, "mqtt: %s: %s; trying again in %u s", mq->status.broker, why,
		       retry_s);
}

/* Runs one connection until it ends; the libmosquitto result. */
static int run_connection(struct hp_mqtt *mq, bool first, int *err)
{
	pthread_mutex_lock(&mq->lock);
	mq->status.state = HP_MQTT_STATE_CONNECTING;
	mq->session_up = false;
	mq->log_error[0] = '\0';
	mq->connack_error[0] = '\0';
	pthread_mutex_unlock(&mq->lock);
	errno = 0;
	int rc =
	    first ? mosquitto_connect_async(mq->mosq, mq->host, mq->port, (int)mq->q->keepalive_s)
		  : mosquitto_reconnect_async(mq->mosq);
	*err = errno;
	int cause = 0; /* why the socket failed, as it said the first time */
	hp_mqtt_conn_note_errno(&cause, *err);
	int64_t started = hp_mono_ms();
	while (rc == MOSQ_ERR_SUCCESS && !stop_now(mq)) {
		errno = 0;
		rc = mosquitto_loop(mq->mosq, LOOP_TIMEOUT_MS, 1);
		*err = errno;
		hp_mqtt_conn_note_errno(&cause, *err);
		/* After the main pass, never in its way: a publish queued meanwhile wakes
		 * the next pass at once. */
		service_wills(mq);
		pthread_mutex_lock(&mq->lock);
		bool up = mq->session_up;
		pthread_mutex_unlock(&mq->lock);
		if (rc != MOSQ_ERR_SUCCESS || up)
			continue;
		rc = hp_mqtt_conn_waiting(mq->mosq, started, hp_mono_ms(), &cause);
		if (rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_CONN_LOST)
			*err = cause;
	}
	return rc;
}

static void *network_main(void *arg)
{
	struct hp_mqtt *mq = arg;
	unsigned delay = HP_MQTT_RECONNECT_MIN_S;
	for (bool first = true;; first = false) {
		int err = 0;
		int rc = run_connection(mq, first, &err);
		pthread_mutex_lock(&mq->lock);
		bool stopping = mq->stopping, was_up = mq->session_up;
		mq->connected = false;
		pthread_mutex_unlock(&mq->lock);
		if (stopping)
			break;
		if (was_up)
			delay = HP_MQTT_RECONNECT_MIN_S;
		failed(mq, rc, err, delay);
		if (backoff(mq, delay))
			break;
		delay = hp_mqtt_backoff_next(delay);
	}
	/* The meters' wills are discarded only when their `offline` went out on the
	 * main connection, which then ended with its DISCONNECT (the deadline not
	 * reached); otherwise the broker is left to publish them. */
	pthread_mutex_lock(&mq->lock);
	bool clean = mq->offline_sent && hp_mono_ms() < mq->stop_deadline;
	pthread_mutex_unlock(&mq->lock);
	hp_mqtt_wills_stop(&mq->wills, clean, hp_mono_ms() + WILL_STOP_TIMEOUT_MS);
	return NULL;
}

/* ---- the main thread's side ---- */

static void announce_all(struct hp_mqtt *mq, int64_t mono_ms)
{
	for (unsigned i = 0; i < mq->meter_count; i++)
		hp_mqtt_meter_announce(&mq->meters[i], mono_ms, mq->cfg->stale_after_s, &mq->sink);
}

static json_t *status_detail(struct hp_mqtt *mq, unsigned index, int64_t mono_ms)
{
	struct hp_mqtt_status st;
	hp_mqtt_get_status(mq, &st);
	json_t *o = hp_mqtt_meter_status_json(&mq->meters[index], mono_ms, mq->cfg->stale_after_s);
	json_t *c = json_object();
	json_object_set_new(c, "state", json_string(hp_mqtt_state_name(st.state)));
	json_object_set_new(c, "broker", json_string(st.broker));
	json_object_set_new(c, "client_id", json_string(mq->client_id));
	json_object_set_new(c, "published", json_integer((json_int_t)st.published));
	json_object_set_new(c, "dropped", json_integer((json_int_t)st.dropped));
	json_object_set_new(c, "queued", json_integer((json_int_t)st.queued));
	json_object_set_new(c, "connects", json_integer((json_int_t)st.connects));
	pthread_mutex_lock(&mq->lock);
	unsigned wills_up = mq->wills_up;
	pthread_mutex_unlock(&mq->lock);
	json_object_set_new(c, "will_connections", json_integer(mq->wills.count));
	json_object_set_new(c, "will_connections_up", json_integer(wills_up));
	json_object_set_new(o, "mqtt", c);
	json_object_set_new(o, "version", json_string(HP_VERSION));
	json_object_set_new(o, "uptime_s", json_integer((mono_ms - mq->started_mono) / 1000));
	char now[HP_ISO_TIME_MAX];
	hp_mqtt_time_iso(mq->meters[index].zone, hp_now_ms(), now, sizeof(now));
	json_object_set_new(o, "time", json_string(now));
	return o;
}

/* The command's name: {"command": "..."} or the bare word. */
static void command_name(const char *payload, char *out, size_t size)
{
	json_t *o = json_loads(payload, 0, NULL);
	const char *name = json_string_value(json_object_get(o, "command"));
	if (name != NULL)
		snprintf(out, size, "%s", name);
	else if (o == NULL)
		snprintf(out, size, "%.*s", (int)strcspn(payload, " \t\r\n"), payload);
	else
		out[0] = '\0';
	json_decref(o);
}

static void handle_command(struct hp_mqtt *mq, unsigned index, const char *payload, int64_t mono_ms)
{
	struct hp_mqtt_meter *m = &mq->meters[index];
	char name[64];
	command_name(payload, name, sizeof(name));
	if (strcmp(name, "republish-discovery") == 0) {
		hp_log(LOG_INFO, "mqtt: meter %s: republishing discovery on request", m->name);
		hp_mqtt_meter_announce(m, mono_ms, mq->cfg->stale_after_s, &mq->sink);
	} else if (strcmp(name, "status") == 0) {
		json_t *o = status_detail(mq, index, mono_ms);
		char *text = json_dumps(o, HP_JSON_FLAGS);
		json_decref(o);
		char topic[HP_MQTT_TOPIC_MAX];
		if (text != NULL && snprintf(topic, sizeof(topic), "%s/status/detail", m->base) <
					(int)sizeof(topic))
			publish(mq, topic, text, strlen(text), false);
		free(text);
	} else {
		hp_log(LOG_WARNING,
		       "mqtt: meter %s: unknown command on %s (commands: republish-discovery, "
		       "status)",
		       m->name, mq->command[index]);
	}
}

/* A hanp1d announcement that uses our availability topic is ours. */
static bool announced_by_us(struct hp_mqtt *mq, const char *payload)
{
	json_t *o = json_loads(payload, 0, NULL);
	bool ours = false;
	const char *origin = json_string_value(json_object_get(json_object_get(o, "o"), "name"));
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(o, "avty"), i, item)
	{
		const char *t = json_string_value(json_object_get(item, "t"));
		if (t != NULL && strcmp(t, mq->daemon_status) == 0)
			ours = true;
	}
	ours = ours && origin != NULL && strcmp(origin, "hanp1d") == 0;
	json_decref(o);
	return ours;
}

static void handle_retained_config(struct hp_mqtt *mq, const char *name, const char *payload)
{
	for (unsigned i = 0; i < mq->meter_count; i++) {
		if (strcmp(mq->meters[i].name, name) != 0)
			continue;
		if (!hp_mqtt_discovery_active(mq->q) && announced_by_us(mq, payload)) {
			hp_log(LOG_NOTICE,
			       "mqtt: meter %s: discovery is off; removing its Home Assistant "
			       "device",
			       name);
			hp_mqtt_meter_remove_discovery(&mq->meters[i], &mq->sink);
		}
		return;
	}
	if (announced_by_us(mq, payload)) {
		hp_log(LOG_NOTICE,
		       "mqtt: meter %s is no longer configured; removing its Home Assistant "
		       "device and retained topics",
		       name);
		hp_mqtt_remove_old_meter(mq->q, name, &mq->sink);
	}
}

void hp_mqtt_service(struct hp_mqtt *mq, int64_t mono_ms)
{
	uint64_t count;
	if (read(mq->wake_fd, &count, sizeof(count)) < 0) {
		/* Nothing new (EAGAIN): the periodic call. */
	}
	struct inbox_item inbox[INBOX_MAX];
	pthread_mutex_lock(&mq->lock);
	bool connect_event = mq->connect_event, birth_event = mq->birth_event;
	mq->connect_event = mq->birth_event = false;
	bool will_up[HP_METERS_MAX];
	memcpy(will_up, mq->will_up, sizeof(will_up));
	memset(mq->will_up, 0, sizeof(mq->will_up));
	unsigned n = mq->inbox_count;
	memcpy(inbox, mq->inbox, n * sizeof(inbox[0]));
	mq->inbox_count = 0;
	pthread_mutex_unlock(&mq->lock);
	if (connect_event) {
		hp_mqtt_retained_clear(&mq->retained, &mq->sink);
		publish(mq, mq->daemon_status, "online", 6, true);
		announce_all(mq, mono_ms);
	}
	for (unsigned i = 0; i < mq->meter_count; i++)
		if (will_up[i])
			hp_mqtt_meter_status_again(&mq->meters[i], &mq->sink);
	if (birth_event)
		mq->birth_at_mono =
		    mono_ms + BIRTH_DELAY_MIN_MS + random() % (BIRTH_DELAY_SPAN_MS + 1);
	if (mq->birth_at_mono != 0 && mono_ms >= mq->birth_at_mono) {
		mq->birth_at_mono = 0;
		hp_log(LOG_INFO, "mqtt: Home Assistant is online: republishing discovery");
		announce_all(mq, mono_ms);
	}
	for (unsigned i = 0; i < n; i++) {
		if (inbox[i].kind == INBOX_COMMAND)
			handle_command(mq, inbox[i].meter, inbox[i].payload, mono_ms);
		else
			handle_retained_config(mq, inbox[i].name, inbox[i].payload);
		free(inbox[i].payload);
	}
	for (unsigned i = 0; i < mq->meter_count; i++)
		hp_mqtt_meter_tick(&mq->meters[i], mono_ms, mq->cfg->stale_after_s, &mq->sink);
}

void hp_mqtt_reading(struct hp_mqtt *mq, unsigned index, const struct hp_reading *r,
		     int64_t wall_ms, int64_t mono_ms)
{
	if (index >= mq->meter_count)
		return;
	mq->env.uptime_s = (mono_ms - mq->started_mono) / 1000;
	hp_mqtt_meter_reading(&mq->meters[index], r, wall_ms, mono_ms, &mq->sink);
}

void hp_mqtt_set_accounting(struct hp_mqtt *mq, unsigned index, json_t *accounting)
{
	if (index < mq->meter_count)
		hp_mqtt_meter_set_accounting(&mq->meters[index], accounting);
	else
		json_decref(accounting);
}

int hp_mqtt_wake_fd(const struct hp_mqtt *mq)
{
	return mq->wake_fd;
}

void hp_mqtt_get_status(struct hp_mqtt *mq, struct hp_mqtt_status *out)
{
	pthread_mutex_lock(&mq->lock);
	*out = mq->status;
	out->queued = mq->pending;
	pthread_mutex_unlock(&mq->lock);
}

/* ---- start and stop ---- */

static int setup_client(struct hp_mqtt *mq, char *err, size_t err_size)
{
	const struct hp_mqtt_config *q = mq->q;
	mq->mosq = mosquitto_new(mq->client_id, true, mq);
	if (mq->mosq == NULL) {
		snprintf(err, err_size, "cannot create the client: %s", strerror(errno));
		return -1;
	}
	mosquitto_threaded_set(mq->mosq, true);
	mosquitto_connect_callback_set(mq->mosq, on_connect);
	mosquitto_disconnect_callback_set(mq->mosq, on_disconnect);
	mosquitto_publish_callback_set(mq->mosq, on_publish);
	mosquitto_message_callback_set(mq->mosq, on_message);
	mosquitto_log_callback_set(mq->mosq, on_log);
	mosquitto_max_inflight_messages_set(mq->mosq, INFLIGHT_MAX);
	mosquitto_int_option(mq->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	int rc = mosquitto_will_set(mq->mosq, mq->daemon_status, 7, "offline", (int)q->qos, true);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_size, "client setup: %s", mosquitto_strerror(rc));
		return -1;
	}
	return hp_mqtt_conn_login(mq->mosq, q, err, err_size);
}

/* Network thread: a meter's will connection was accepted. */
static void on_will_up(void *ctx, unsigned meter)
{
	struct hp_mqtt *mq = ctx;
	pthread_mutex_lock(&mq->lock);
	if (meter < HP_METERS_MAX)
		mq->will_up[meter] = true;
	pthread_mutex_unlock(&mq->lock);
	wake(mq);
}

/* A will connection for each meter whose availability is not the daemon's own
 * topic (a base_topic without <meter> and a single meter share it). */
static int setup_wills(struct hp_mqtt *mq, char *err, size_t err_size)
{
	hp_mqtt_wills_init(&mq->wills, mq->q, mq->host, mq->port, on_will_up, mq);
	for (unsigned i = 0; i < mq->meter_count; i++) {
		const struct hp_mqtt_meter *m = &mq->meters[i];
		if (strcmp(m->status_topic, mq->daemon_status) != 0 &&
		    hp_mqtt_wills_add(&mq->wills, i, m->name, mq->client_id, m->status_topic, err,
				      err_size) != 0)
			return -1;
	}
	return 0;
}

/* "<base>/<leaf>" into out; false when it does not fit. (Copied through a local
 * buffer: base and out are both inside the client struct.) */
static bool topic_under(char *out, size_t size, const char *base, const char *leaf)
{
	char topic[HP_MQTT_TOPIC_MAX];
	int n = snprintf(topic, sizeof(topic), "%s/%s", base, leaf);
	if (n < 0 || (size_t)n >= sizeof(topic) || (size_t)n >= size)
		return false;
	memcpy(out, topic, (size_t)n + 1);
	return true;
}

static int setup_topics(struct hp_mqtt *mq, char *err, size_t err_size)
{
	const struct hp_mqtt_config *q = mq->q;
	char url[HP_MQTT_TOPIC_MAX];
	hp_mqtt_dashboard_url(&mq->cfg->http, url, sizeof(url));
	if (hp_mqtt_daemon_status_topic(q->base_topic, mq->daemon_status,
					sizeof(mq->daemon_status)) != 0 ||
	    hp_mqtt_prices_topic(q->base_topic, mq->prices_topic, sizeof(mq->prices_topic)) != 0 ||
	    snprintf(mq->ha_status, sizeof(mq->ha_status), "%s/status", q->discovery_prefix) >=
		(int)sizeof(mq->ha_status) ||
	    snprintf(mq->config_filter, sizeof(mq->config_filter), "%s/device/+/config",
		     q->discovery_prefix) >= (int)sizeof(mq->config_filter)) {
		snprintf(err, err_size, "base_topic or discovery_prefix too long");
		return -1;
	}
	for (unsigned i = 0; i < mq->cfg->meter_count; i++) {
		const char *name = mq->cfg->meters[i].name;
		char device[64];
		if (mq->cfg->meter_count == 1)
			snprintf(device, sizeof(device), "Electricity meter");
		else
			snprintf(device, sizeof(device), "Electricity meter %s", name);
		/* The meter's zone was loaded when the configuration was checked. */
		const struct hp_tz *zone = hp_tz_get(mq->cfg->meters[i].timezone, NULL, 0);
		struct hp_mqtt_meter_setup s = {q,        name, mq->daemon_status, device, url,
						&mq->env, zone};
		if (hp_mqtt_meter_init(&mq->meters[i], &s) != 0 ||
		    !topic_under(mq->command[i], sizeof(mq->command[i]), mq->meters[i].base,
				 "command")) {
			snprintf(err, err_size, "meter %s: its topics are too long", name);
			return -1;
		}
		mq->meter_count = i + 1;
	}
	return 0;
}

/* The retained topics of this configuration, and those an earlier one left. */
static void setup_retained(struct hp_mqtt *mq)
{
	char path[HP_PATH_MAX];
	bool kept = hp_mqtt_retained_path(mq->cfg->store.path, path, sizeof(path));
	hp_mqtt_retained_init(&mq->retained, kept ? path : NULL);
	hp_mqtt_retained_add(&mq->retained, mq->daemon_status);
	for (unsigned i = 0; i < mq->meter_count; i++)
		hp_mqtt_meter_retained(&mq->meters[i], &mq->retained);
	unsigned stale = hp_mqtt_retained_load(&mq->retained);
	if (stale > 0)
		hp_log(LOG_INFO, "mqtt: %u retained topic(s) of an earlier configuration to clear",
		       stale);
}

struct hp_mqtt *hp_mqtt_start(const struct hp_config *cfg, struct hp_price_book *prices, char *err,
			      size_t err_size)
{
	struct hp_mqtt *mq = calloc(1, sizeof(*mq));
	if (mq == NULL) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	mq->cfg = cfg;
	mq->q = &cfg->mqtt;
	mq->wake_fd = -1;
	mq->prices.book = prices;
	mq->prices.topic = mq->prices_topic;
	pthread_mutex_init(&mq->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&mq->cond, &attr);
	pthread_condattr_destroy(&attr);
	mosquitto_lib_init();
	snprintf(mq->host, sizeof(mq->host), "%s",
		 mq->q->host[0] != '\0' ? mq->q->host : DEFAULT_HOST);
	mq->port = mq->q->port != 0 ? mq->q->port : mq->q->tls ? DEFAULT_TLS_PORT : DEFAULT_PORT;
	if (mq->q->client_id[0] != '\0')
		snprintf(mq->client_id, sizeof(mq->client_id), "%s", mq->q->client_id);
	else
		hp_mqtt_default_client_id(mq->client_id, sizeof(mq->client_id));
	snprintf(mq->status.broker, sizeof(mq->status.broker),
		 strchr(mq->host, ':') != NULL ? "[%s]:%d" : "%s:%d", mq->host, mq->port);
	mq->status.tls = mq->q->tls;
	mq->status.state = HP_MQTT_STATE_CONNECTING;
	mq->started_mono = hp_mono_ms();
	srandom((unsigned)(hp_now_ms() ^ getpid()));
	if (mq->q->format == HP_MQTT_FORMAT_AMSREADER)
		hp_mqtt_mac_address(mq->mac, sizeof(mq->mac));
	mq->env = (struct hp_ams_env){mq->mac, mq->client_id, 0, hp_mqtt_cpu_temp_c()};
	mq->sink = (struct hp_mqtt_sink){publish, mq};
	mq->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (mq->wake_fd < 0) {
		snprintf(err, err_size, "eventfd: %s", strerror(errno));
		hp_mqtt_stop(mq);
		return NULL;
	}
	if (setup_topics(mq, err, err_size) != 0 || setup_client(mq, err, err_size) != 0 ||
	    setup_wills(mq, err, err_size) != 0) {
		hp_mqtt_stop(mq);
		return NULL;
	}
	setup_retained(mq);
	if (pthread_create(&mq->thread, NULL, network_main, mq) != 0) {
		snprintf(err, err_size, "cannot start the network thread");
		hp_mqtt_stop(mq);
		return NULL;
	}
	mq->thread_started = true;
	return mq;
}

void hp_mqtt_stop(struct hp_mqtt *mq)
{
	if (mq == NULL)
		return;
	pthread_mutex_lock(&mq->lock);
	bool connected = mq->connected;
	pthread_mutex_unlock(&mq->lock);
	if (connected) {
		for (unsigned i = 0; i < mq->meter_count; i++)
			hp_mqtt_meter_offline(&mq->meters[i], &mq->sink);
		publish(mq, mq->daemon_status, "offline", 7, true);
	}
	pthread_mutex_lock(&mq->lock);
	mq->stopping = true;
	mq->offline_sent = connected;
	mq->stop_deadline = hp_mono_ms() + STOP_TIMEOUT_MS;
	pthread_cond_broadcast(&mq->cond);
	pthread_mutex_unlock(&mq->lock);
	if (mq->mosq != NULL && connected)
		mosquitto_disconnect(mq->mosq);
	if (mq->thread_started)
		pthread_join(mq->thread, NULL);
	if (mq->mosq != NULL)
		mosquitto_destroy(mq->mosq);
	hp_mqtt_wills_free(&mq->wills);
	hp_mqtt_retained_free(&mq->retained);
	for (unsigned i = 0; i < mq->meter_count; i++)
		hp_mqtt_meter_free(&mq->meters[i]);
	for (unsigned i = 0; i < mq->inbox_count; i++)
		free(mq->inbox[i].payload);
	if (mq->wake_fd >= 0)
		close(mq->wake_fd);
	mosquitto_lib_cleanup();
	pthread_cond_destroy(&mq->cond);
	pthread_mutex_destroy(&mq->lock);
	free(mq);
}
