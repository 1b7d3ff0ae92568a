/* The meters' will-only connections (mqtt_will.h). Network thread only: the
 * clients are never touched from another thread, so they run unthreaded and their
 * callbacks need no lock. */
#include "mqtt_will.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_conn.h"
#include "state.h"

static const char offline[] = "offline";

/* Refusals (a login or an ACL that lets the main client in but not this one) are
 * logged at most this often; other failures come with the main connection's. */
#define ERROR_LOG_PERIOD_MS 600000
/* A connection the broker refused while it let the main client in (an ACL on
 * client ids, a connection limit) is tried again this much later, or when the main
 * connection comes back: an attempt with TLS costs the network thread some 20 ms
 * (the system's certificate store is loaded anew), time the main connection's
 * messages would wait. */
#define REFUSED_RETRY_S 600
/* A clean stop waits for each DISCONNECT in steps of this. */
#define STOP_STEP_MS 10

void hp_mqtt_wills_init(struct hp_mqtt_wills *ws, const struct hp_mqtt_config *q, const char *host,
			int port, hp_mqtt_will_up_fn on_up, void *ctx)
{
	memset(ws, 0, sizeof(*ws));
	ws->q = q;
	ws->host = host;
	ws->port = port;
	ws->on_up = on_up;
	ws->ctx = ctx;
}

static void on_connect(struct mosquitto *mosq, void *ctx, int rc)
{
	(void)mosq;
	struct hp_mqtt_will *w = ctx;
	if (rc != 0) {
		snprintf(w->refused, sizeof(w->refused), "%s", mosquitto_connack_string(rc));
		return;
	}
	w->session_up = true;
	hp_log(LOG_DEBUG, "mqtt: meter %s: the will of %s stands (client id %s)", w->name, w->topic,
	       w->client_id);
	if (hp_log_recovered(&w->error_log))
		hp_log(LOG_NOTICE, "mqtt: meter %s: its last-will connection is up again", w->name);
	w->set->on_up(w->set->ctx, w->meter);
}

int hp_mqtt_wills_add(struct hp_mqtt_wills *ws, unsigned meter, const char *name,
		      const char *main_client_id, const char *status_topic, char *err,
		      size_t err_size)
{
	if (ws->count >= HP_METERS_MAX) {
		snprintf(err, err_size, "too many will connections");
		return -1;
	}
	struct hp_mqtt_will *w = &ws->w[ws->count];
	memset(w, 0, sizeof(*w));
	w->set = ws;
	w->meter = meter;
	w->delay_s = HP_MQTT_RECONNECT_MIN_S;
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->client_id, sizeof(w->client_id), "%s-%s", main_client_id, name);
	snprintf(w->topic, sizeof(w->topic), "%s", status_topic);
	w->mosq = mosquitto_new(w->client_id, true, w);
	if (w->mosq == NULL) {
		snprintf(err, err_size, "meter %s: cannot create its will client: %s", name,
			 strerror(errno));
		return -1;
	}
	ws->count++;
	mosquitto_connect_callback_set(w->mosq, on_connect);
	int rc = mosquitto_will_set(w->mosq, w->topic, (int)strlen(offline), offline,
				    (int)ws->q->qos, true);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, err_size, "meter %s: its will: %s", name, mosquitto_strerror(rc));
		return -1;
	}
	return hp_mqtt_conn_login(w->mosq, ws->q, err, err_size);
}

/* The attempt or connection ended: the next one after the backoff. */
static void failed(struct hp_mqtt_will *w, int rc, int64_t mono_ms)
{
	bool was_up = w->session_up;
	w->attempting = false;
	w->session_up = false;
	if (was_up)
		w->delay_s = HP_MQTT_RECONNECT_MIN_S;
	w->retry_mono = mono_ms + (int64_t)w->delay_s * 1000;
	if (w->refused[0] != '\0') {
		w->retry_mono = mono_ms + (int64_t)REFUSED_RETRY_S * 1000;
		if (hp_log_limited(&w->error_log, mono_ms, ERROR_LOG_PERIOD_MS))
			hp_log(LOG_WARNING,
			       "mqtt: meter %s: the broker refused its last-will connection "
			       "(client id %s): %s; without it the meter stays online on %s "
			       "if the daemon dies (tried again in %d minutes or on the next "
			       "connect)",
			       w->name, w->client_id, w->refused, w->topic, REFUSED_RETRY_S / 60);
	} else {
		const char *why = rc == MOSQ_ERR_ERRNO && w->cause != 0 ? strerror(w->cause)
									: mosquitto_strerror(rc);
		hp_log(LOG_DEBUG, "mqtt: meter %s: last-will connection: %s; again in %u s",
		       w->name, why, w->delay_s);
	}
	w->delay_s = hp_mqtt_backoff_next(w->delay_s);
}

static int begin(struct hp_mqtt_will *w, int64_t mono_ms)
{
	w->session_up = false;
	w->cause = 0;
	w->refused[0] = '\0';
	w->attempt_mono = mono_ms;
	errno = 0;
	int rc = w->started ? mosquitto_reconnect_async(w->mosq)
			    : mosquitto_connect_async(w->mosq, w->set->host, w->set->port,
						      (int)w->set->q->keepalive_s);
	hp_mqtt_conn_note_errno(&w->cause, errno);
	w->started = true;
	w->attempting = rc == MOSQ_ERR_SUCCESS;
	return rc;
}

static void step(struct hp_mqtt_will *w, int64_t mono_ms)
{
	if (!w->attempting) {
		if (mono_ms < w->retry_mono)
			return;
		int rc = begin(w, mono_ms);
		if (rc != MOSQ_ERR_SUCCESS) {
			failed(w, rc, mono_ms);
			return;
		}
	}
	errno = 0;
	int rc = mosquitto_loop(w->mosq, 0, 1);
	hp_mqtt_conn_note_errno(&w->cause, errno);
	if (rc == MOSQ_ERR_SUCCESS && !w->session_up)
		rc = hp_mqtt_conn_waiting(w->mosq, w->attempt_mono, mono_ms, &w->cause);
	if (rc != MOSQ_ERR_SUCCESS)
		failed(w, rc, mono_ms);
}

void hp_mqtt_wills_service(struct hp_mqtt_wills *ws, int64_t mono_ms)
{
	if (ws->serviced_mono != 0 && mono_ms - ws->serviced_mono < HP_MQTT_WILL_SERVICE_MS)
		return;
	ws->serviced_mono = mono_ms;
	for (unsigned i = 0; i < ws->count; i++)
		step(&ws->w[i], mono_ms);
}

void hp_mqtt_wills_kick(struct hp_mqtt_wills *ws)
{
	ws->serviced_mono = 0;
	for (unsigned i = 0; i < ws->count; i++) {
		struct hp_mqtt_will *w = &ws->w[i];
		if (!w->attempting) {
			w->retry_mono = 0;
			w->delay_s = HP_MQTT_RECONNECT_MIN_S;
		}
	}
}

unsigned hp_mqtt_wills_up(const struct hp_mqtt_wills *ws)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ws->count; i++)
		n += ws->w[i].attempting && ws->w[i].session_up;
	return n;
}

void hp_mqtt_wills_stop(struct hp_mqtt_wills *ws, bool clean, int64_t deadline_mono)
{
	if (!clean)
		return; /* hp_mqtt_wills_free closes the sockets without a DISCONNECT */
	bool pending[HP_METERS_MAX] = {false};
	for (unsigned i = 0; i < ws->count; i++) {
		struct hp_mqtt_will *w = &ws->w[i];
		if (w->attempting)
			pending[i] = mosquitto_disconnect(w->mosq) == MOSQ_ERR_SUCCESS;
	}
	/* Each DISCONNECT goes out from a loop pass; the loop reports no connection
	 * once it has. */
	for (bool any = true; any && hp_mono_ms() < deadline_mono;) {
		any = false;
		for (unsigned i = 0; i < ws->count; i++) {
			if (pending[i])
				pending[i] = mosquitto_loop(ws->w[i].mosq, STOP_STEP_MS, 1) ==
					     MOSQ_ERR_SUCCESS;
			any = any || pending[i];
		}
	}
	for (unsigned i = 0; i < ws->count; i++)
		ws->w[i].attempting = false;
}

void hp_mqtt_wills_free(struct hp_mqtt_wills *ws)
{
	for (unsigned i = 0; i < ws->count; i++) {
		if (ws->w[i].mosq != NULL)
			mosquitto_destroy(ws->w[i].mosq);
		ws->w[i].mosq = NULL;
	}
	ws->count = 0;
}
