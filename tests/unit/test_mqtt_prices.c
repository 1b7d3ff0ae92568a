/* Price lists from the MQTT prices topic into the price book: a good list taken,
 * a cleared retained message ignored, garbage and oversized payloads refused and
 * counted without harm. */
#include <stdlib.h>

#include "check.h"
#include "mqtt_prices.h"
#include "mqtt_topics.h"

static struct hp_price_config cfg;
static struct hp_price_series snap;

static bool message(struct hp_mqtt_prices *p, const char *payload, int64_t now_ms)
{
	return hp_mqtt_prices_message(p, payload, strlen(payload), now_ms);
}

int main(void)
{
	hp_price_config_init(&cfg);
	struct hp_price_book *book = hp_price_book_new(&cfg, NULL);
	CHECK(book != NULL);
	struct hp_mqtt_prices p = {.book = book, .topic = "hanp1d/prices"};

	/* Two hourly spot prices, the second with a separate export price. */
	CHECK(message(&p,
		      "[{\"start\": \"2025-10-01T00:00:00+02:00\", \"end\": "
		      "\"2025-10-01T01:00:00+02:00\", \"price\": 0.52},"
		      " {\"start\": \"2025-10-01T01:00:00+02:00\", \"end\": "
		      "\"2025-10-01T02:00:00+02:00\", \"price\": 0.61, \"export_price\": 0.4}]",
		      1000));
	hp_price_book_snapshot(book, &snap);
	CHECK_INT(snap.count, 2);
	CHECK_NEAR(snap.p[0].import_price, 0.52);
	CHECK(snap.p[1].has_export);
	CHECK_NEAR(snap.p[1].export_price, 0.4);
	CHECK_INT(p.accepted, 1);

	/* A retained list being cleared: an empty payload, nothing to do. */
	CHECK(!hp_mqtt_prices_message(&p, "", 0, 2000));
	CHECK_INT(p.rejected, 0);

	/* Garbage of every kind: refused, counted, the series untouched. */
	static const char *const garbage[] = {
	    "not json",
	    "{\"start\": \"2025-10-01T00:00:00Z\"}",
	    "[{\"start\": \"2025-10-01T00:00:00Z\", \"end\": \"2025-10-01T00:15:00Z\"}]",
	    "[{\"start\": \"2025-10-01T00:00:00\", \"end\": \"2025-10-01T00:15:00\", \"price\": "
	    "1}]",
	    "[{\"start\": \"2025-10-01T00:00:00Z\", \"end\": \"2025-10-01T00:15:00Z\", "
	    "\"price\": 1, \"currency\": \"NOK\"}]",
	    "[null, 1, \"x\"]",
	    "\xff\xfe[]",
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		CHECK_MSG(!message(&p, garbage[i], 3000 + (int64_t)i), "garbage %zu taken", i);
	CHECK_INT(p.rejected, sizeof(garbage) / sizeof(garbage[0]));
	/* Binary with NULs inside the length. */
	static const char nuls[] = "[\0\0\0]";
	CHECK(!hp_mqtt_prices_message(&p, nuls, sizeof(nuls) - 1, 4000));
	/* Larger than the limit: refused unread. */
	char *big = malloc(HP_MQTT_PRICES_MAX + 2);
	memset(big, ' ', HP_MQTT_PRICES_MAX + 1);
	big[0] = '[';
	big[HP_MQTT_PRICES_MAX] = ']';
	CHECK(!hp_mqtt_prices_message(&p, big, HP_MQTT_PRICES_MAX + 1, 5000));
	free(big);
	hp_price_book_snapshot(book, &snap);
	CHECK_INT(snap.count, 2);
	CHECK_INT(p.accepted, 1);

	/* Without a book nothing is taken. */
	struct hp_mqtt_prices none = {.book = NULL, .topic = "hanp1d/prices"};
	CHECK(!message(&none, "[]", 6000));
	hp_price_book_free(book);
	return check_report("mqtt_prices");
}
