/* What the daemon's MQTT connections have in common: the main one (mqtt.c) and the
 * will-only ones of the meters (mqtt_will.h) log in the same way, back off the same
 * way, and watch for the same libmosquitto blind spot during the TLS handshake. */
#ifndef HP_DAEMON_MQTT_CONN_H
#define HP_DAEMON_MQTT_CONN_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Reconnect backoff: 1, 2, 4, ... 30 s; a connection that was up retries after 1 s. */
#define HP_MQTT_RECONNECT_MIN_S 1
#define HP_MQTT_RECONNECT_MAX_S 30
/* A broker that accepts TCP but never answers CONNECT is given up after this. */
#define HP_MQTT_CONNECT_TIMEOUT_MS 15000

/* The wait after one of delay_s. */
unsigned hp_mqtt_backoff_next(unsigned delay_s);

/* The login and TLS settings of [mqtt] on a new client; -1 with err when the
 * library refuses them (a TLS file it cannot read, ...). */
int hp_mqtt_conn_login(struct mosquitto *m, const struct hp_mqtt_config *q, char *err,
		       size_t err_size);

/* Notes errno after a libmosquitto call of a connection attempt: the first error
 * that says why a connection failed (refused, unreachable, reset) is kept in
 * *cause, since the socket reports it only once. */
void hp_mqtt_conn_note_errno(int *cause, int err);

/* True when the socket of an attempt that has no CONNACK yet is dead: the broker
 * refused or reset it. libmosquitto 2.0 takes SSL_connect's SSL_ERROR_SYSCALL for
 * "try again", so with TLS a refused connection looks like one in progress (and
 * its loop spins) until the connect timeout; plain TCP reports it at once. *cause
 * gets the socket's pending error when it has one. */
bool hp_mqtt_conn_dead(struct mosquitto *m, int *cause);

/* After a loop pass of an attempt begun at started_mono that has no CONNACK yet:
 * MOSQ_ERR_SUCCESS while one may still come; MOSQ_ERR_ERRNO (*cause says why) or
 * MOSQ_ERR_CONN_LOST when the socket is dead (hp_mqtt_conn_dead); after
 * HP_MQTT_CONNECT_TIMEOUT_MS, MOSQ_ERR_KEEPALIVE, the attempt disconnected. */
int hp_mqtt_conn_waiting(struct mosquitto *m, int64_t started_mono, int64_t now_mono, int *cause);

#endif
