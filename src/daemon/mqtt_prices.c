/* Price lists from MQTT (mqtt_prices.h). */
#include "mqtt_prices.h"

#include <stdio.h>

/* One line per refused list, but no more than one a minute: a publisher stuck on a
 * bad payload does not fill the journal. */
#define REJECT_LOG_PERIOD_MS 60000
#define ERR_MAX              512

bool hp_mqtt_prices_message(struct hp_mqtt_prices *p, const void *payload, size_t len,
			    int64_t now_ms)
{
	if (len == 0 || p->book == NULL)
		return false;
	char err[ERR_MAX];
	int n = -1;
	if (len > HP_MQTT_PRICES_MAX)
		snprintf(err, sizeof(err), "the payload is larger than %d KiB",
			 HP_MQTT_PRICES_MAX / 1024);
	else
		n = hp_price_book_push_json(p->book, payload, len, err, sizeof(err));
	if (n < 0) {
		p->rejected++;
		if (hp_log_limited(&p->log, now_ms, REJECT_LOG_PERIOD_MS))
			hp_log(LOG_WARNING, "mqtt: prices on %s refused: %s", p->topic, err);
		return false;
	}
	p->accepted++;
	hp_log(LOG_INFO, "mqtt: %d prices from %s", n, p->topic);
	return true;
}
