/* POST /api/v1/prices and the prices part of GET /api/v1/status (api.h). */
#include <stdio.h>

#include "api.h"

/* The parser's message names the element and field: "prices[3].start: ...". */
#define ERR_MAX 512

static json_t *time_or_null(int64_t ms, bool known)
{
	if (!known)
		return json_null();
	char text[HP_API_TIME_MAX];
	hp_api_format_time(ms, text, sizeof(text));
	return json_string(text);
}

unsigned hp_api_prices_post(struct hp_price_book *prices, const char *body, size_t len,
			    json_t **out)
{
	if (prices == NULL) {
		*out = hp_api_error_body("prices are not available in this server");
		return 503;
	}
	char err[ERR_MAX] = "";
	int n = hp_price_book_push_json(prices, body, len, err, sizeof(err));
	if (n < 0) {
		*out = hp_api_error_body(err);
		return 400;
	}
	struct hp_price_book_status st;
	hp_price_book_status(prices, &st);
	json_t *o = json_object();
	json_object_set_new(o, "accepted", json_integer(n));
	json_object_set_new(o, "points", json_integer((json_int_t)st.points));
	*out = o;
	return 200;
}

json_t *hp_api_prices_status(struct hp_price_book *prices)
{
	if (prices == NULL)
		return json_null();
	struct hp_price_book_status st;
	hp_price_book_status(prices, &st);
	json_t *o = json_object();
	json_object_set_new(o, "points", json_integer((json_int_t)st.points));
	json_object_set_new(o, "from", time_or_null(st.first_start_ms, st.points > 0));
	json_object_set_new(o, "until", time_or_null(st.last_end_ms, st.points > 0));
	return o;
}
