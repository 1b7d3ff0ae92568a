/* Price lists published to the daemon's prices topic (mqtt_topics.h,
 * hp_mqtt_prices_topic), handed to the price book as POST /api/v1/prices does:
 * the same JSON array, the same size limit. Called on the MQTT network thread;
 * whatever a payload holds, the worst it does is a log line. */
#ifndef HP_DAEMON_MQTT_PRICES_H
#define HP_DAEMON_MQTT_PRICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "price_book.h"

/* Payloads larger than this are refused unread (as HTTP bodies are). */
#define HP_MQTT_PRICES_MAX (256 * 1024)

struct hp_mqtt_prices {
	struct hp_price_book *book;
	const char *topic;           /* for messages */
	struct hp_log_limit log;     /* rejected payloads: one line a minute at most */
	uint64_t accepted, rejected; /* payloads */
};

/* A message on the prices topic, received at now_ms. An empty payload (a retained
 * list being cleared) is ignored. True when the list was taken; a refused one is
 * logged with the parser's error. */
bool hp_mqtt_prices_message(struct hp_mqtt_prices *p, const void *payload, size_t len,
			    int64_t now_ms);

#endif
