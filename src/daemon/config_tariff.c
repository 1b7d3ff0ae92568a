/* Configuration values of prices and capacity tariffs (config_values.h). The
 * price fields themselves are parsed by prices.h; here an empty value means "not
 * set", which is how the shipped file shows a key without giving it a value. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"
#include "config_values.h"
#include "prices.h"

/* A quoted value in a message. */
#define QUOTE_MAX 64

int hp_cfg_parse_capacity_thresholds(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	double bounds[HP_NO_THRESHOLDS_MAX] = {0};
	size_t n = 0;
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	for (const char *p = v;;) {
		while (isspace((unsigned char)*p))
			p++;
		char *end = NULL;
		errno = 0;
		double x = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(x)) {
			snprintf(why, why_size,
				 "%s is not a list of kW bounds between the steps, ascending and "
				 "comma-separated, such as 2, 5, 10, 15, 20, 25, 50, 75, 100",
				 q);
			return -1;
		}
		if (x <= 0 || (n > 0 && x <= bounds[n - 1])) {
			snprintf(why, why_size, "%s: %g %s", q, x,
				 x <= 0 ? "is not a positive number of kW"
					: "is not above the bound before it (the bounds ascend)");
			return -1;
		}
		if (n == HP_NO_THRESHOLDS_MAX) {
			snprintf(why, why_size, "%s: more than %d bounds", q, HP_NO_THRESHOLDS_MAX);
			return -1;
		}
		bounds[n++] = x;
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*p != ',') {
			snprintf(why, why_size,
				 "%s is not a list of kW bounds between the steps, ascending and "
				 "comma-separated, such as 2, 5, 10, 15, 20, 25, 50, 75, 100",
				 q);
			return -1;
		}
		p++;
	}
	memcpy(m->capacity_no.thresholds_kw, bounds, sizeof(bounds));
	m->capacity_no.threshold_count = n;
	return 0;
}

int hp_cfg_parse_currency(void *prices, const char *v, char *why, size_t why_size)
{
	struct hp_price_config *c = prices;
	if (*v != '\0')
		return hp_price_parse_currency(c, v, why, why_size);
	c->currency[0] = '\0';
	return 0;
}

int hp_cfg_parse_fixed_import(void *prices, const char *v, char *why, size_t why_size)
{
	struct hp_price_config *c = prices;
	if (*v != '\0')
		return hp_price_parse_fixed_import(c, v, why, why_size);
	c->has_fixed_import = false;
	c->fixed_import = 0;
	return 0;
}

int hp_cfg_parse_fixed_export(void *prices, const char *v, char *why, size_t why_size)
{
	struct hp_price_config *c = prices;
	if (*v != '\0')
		return hp_price_parse_fixed_export(c, v, why, why_size);
	c->has_fixed_export = false;
	c->fixed_export = 0;
	return 0;
}

int hp_cfg_parse_rule_dates(void *rule, const char *v, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	if (*v != '\0')
		return hp_price_parse_dates(r, v, why, why_size);
	r->has_dates = false;
	r->date_from = r->date_to = 0;
	return 0;
}

int hp_cfg_parse_rule_import(void *rule, const char *v, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	if (*v != '\0')
		return hp_price_parse_rule_import(r, v, why, why_size);
	r->has_import = false;
	r->import_price = 0;
	return 0;
}

int hp_cfg_parse_rule_export(void *rule, const char *v, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	if (*v != '\0')
		return hp_price_parse_rule_export(r, v, why, why_size);
	r->has_export = false;
	r->export_price = 0;
	return 0;
}
