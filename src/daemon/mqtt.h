/* The MQTT client (libmosquitto): one connection for all meters, on a network
 * thread of its own, so the decoder never waits for the broker.
 *
 * The main thread hands it readings (hp_mqtt_reading) and services it when its
 * wake fd is readable and about twice a second (hp_mqtt_service). Publishing never
 * blocks: while the broker is away messages are dropped (and counted) and each
 * meter keeps only its latest states, which go out again on reconnect; what the
 * library holds unsent is bounded.
 *
 * Topics (home-assistant.md): the daemon's availability (will) and each meter's
 * <base>/status, `online`/`offline`, retained, each with its last will (a meter's
 * on a will-only connection of its own, mqtt_will.h); the state topics of
 * mqtt_meter.h; Home Assistant discovery. Retained topics an earlier configuration
 * left and this one does not use are cleared on connect (mqtt_retained.h).
 * Subscribed: <prefix>/status (Home Assistant's birth:
 * discovery and the latest states again after a random 1-5 s), <base>/command
 * (`{"command": "republish-discovery"}`, `{"command": "status"}`, whose answer goes
 * to <base>/status/detail), <prefix>/device/+/config to clear retained
 * announcements of meters that are gone from the configuration or of a discovery
 * that is now off, and the prices topic beside the daemon's status (hanp1d/prices:
 * a JSON price list for the price book, mqtt_prices.h). */
#ifndef HP_DAEMON_MQTT_H
#define HP_DAEMON_MQTT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hanp1d/reading.h"
#include "price_book.h"
#include "state.h"

struct hp_mqtt;

/* MQTT runs: enabled = yes, or enabled = auto and a host is set. */
bool hp_mqtt_wanted(const struct hp_mqtt_config *cfg);

/* Starts the client; connecting goes on in the background. Price lists published
 * to the prices topic go into prices (NULL: not subscribed). NULL with err when it
 * cannot start (the library, a TLS file it refuses, a topic too long). */
struct hp_mqtt *hp_mqtt_start(const struct hp_config *cfg, struct hp_price_book *prices, char *err,
			      size_t err_size);

/* A decoded reading of meter `index` (multipliers applied), arrived at wall_ms /
 * mono_ms. Main thread. */
void hp_mqtt_reading(struct hp_mqtt *mq, unsigned index, const struct hp_reading *r,
		     int64_t wall_ms, int64_t mono_ms);

/* Meter `index`'s running figures (hp_accounting_mqtt_json) for its next energy
 * payload; takes the reference. Main thread, before hp_mqtt_reading. */
void hp_mqtt_set_accounting(struct hp_mqtt *mq, unsigned index, json_t *accounting);

/* Readable when the network thread has news for hp_mqtt_service. */
int hp_mqtt_wake_fd(const struct hp_mqtt *mq);

/* Main thread: acts on connects, Home Assistant's birth, commands and retained
 * announcements; runs the interval publishes and the staleness checks. */
void hp_mqtt_service(struct hp_mqtt *mq, int64_t mono_ms);

void hp_mqtt_get_status(struct hp_mqtt *mq, struct hp_mqtt_status *out);

/* "disabled", "connecting", "connected", "disconnected". */
const char *hp_mqtt_state_name(enum hp_mqtt_state s);

/* Publishes `offline` for the daemon and every meter, disconnects (at most about
 * 2.5 s; the meters' will connections last, so their wills are discarded only
 * after `offline` went out) and frees. */
void hp_mqtt_stop(struct hp_mqtt *mq);

#endif
