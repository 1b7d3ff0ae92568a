/* Prices and cost (prices.h). */
#include "prices.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"

#define MIN_MS (60LL * 1000)
/* A value as it appears in a message: quoted and cut. */
#define QUOTE_MAX 48

/* ---- small text helpers ---- */

static void quote(const char *v, char *out, size_t size)
{
	size_t len = strlen(v), room = size - 3; /* quotes and NUL */
	bool cut = len > room;
	if (cut) {
		room -= 3;
		len = room;
	}
	size_t k = 0;
	out[k++] = '"';
	for (size_t i = 0; i < len; i++)
		out[k++] = iscntrl((unsigned char)v[i]) ? '?' : v[i];
	if (cut) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k++] = '"';
	out[k] = '\0';
}

static int parse_number(const char *v, double *out, char *why, size_t why_size)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end != '\0' || !isfinite(d)) {
		char q[QUOTE_MAX];
		quote(v, q, sizeof(q));
		snprintf(why, why_size, "%s is not a number", q);
		return -1;
	}
	*out = d;
	return 0;
}

/* n decimal digits at *p, advancing it. */
static bool take_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* "YYYY-MM-DDTHH:MM[:SS[.fff...]]" then "Z" or "+HH:MM", "+HHMM", "+HH" (or -). */
static int parse_iso8601(const char *s, int64_t *ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0, frac_ms = 0;
	if (!take_digits(&p, 4, &y) || *p++ != '-' || !take_digits(&p, 2, &mo) || *p++ != '-' ||
	    !take_digits(&p, 2, &d) || *p++ != 'T' || !take_digits(&p, 2, &h) || *p++ != ':' ||
	    !take_digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (!take_digits(&p, 2, &sec))
			return -1;
		if (*p == '.') {
			p++;
			int scale = 100, digits = 0;
			for (; isdigit((unsigned char)*p); p++, digits++) {
				frac_ms += (*p - '0') * scale;
				scale /= 10;
			}
			if (digits == 0)
				return -1;
		}
	}
	int offset_min;
	if (*p == 'Z') {
		p++;
		offset_min = 0;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
		if (!take_digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && !take_digits(&p, 2, &om))
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		offset_min = sign * (oh * 60 + om);
	} else {
		return -1; /* a local time without offset: ambiguous here */
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > hp_days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	int64_t secs = hp_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*ms = (secs - (int64_t)offset_min * 60) * 1000 + frac_ms;
	return 0;
}

/* ---- configuration ---- */

void hp_price_config_init(struct hp_price_config *c)
{
	memset(c, 0, sizeof(*c));
}

void hp_tou_rule_init(struct hp_tou_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->days = 0x7f;
	r->hour_from = 0;
	r->hour_to = 24;
}

void hp_price_modifier_init(struct hp_price_modifier *m)
{
	memset(m, 0, sizeof(*m));
}

/* Day names in struct tm's tm_wday order. */
static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int day_of(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One "mon" or "fri-mon" item of s[0..n), spaces trimmed, into mask. */
static int parse_day_item(const char *s, size_t n, uint8_t *mask)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	const char *dash = memchr(s, '-', n);
	int from, to;
	if (dash == NULL) {
		from = to = day_of(s, n);
	} else {
		from = day_of(s, (size_t)(dash - s));
		to = day_of(dash + 1, n - (size_t)(dash - s) - 1);
	}
	if (from < 0 || to < 0)
		return -1;
	for (int d = from;; d = (d + 1) % 7) {
		*mask = (uint8_t)(*mask | 1u << d);
		if (d == to)
			break;
	}
	return 0;
}

int hp_price_parse_days(void *rule, const char *value, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	uint8_t mask = 0;
	const char *s = value;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
		if (parse_day_item(s, n, &mask) != 0) {
			char item[QUOTE_MAX], q[QUOTE_MAX];
			char text[QUOTE_MAX];
			snprintf(text, sizeof(text), "%.*s", (int)n, s);
			quote(text, item, sizeof(item));
			quote(value, q, sizeof(q));
			snprintf(why, why_size,
				 "%s in %s is not a day (mon, tue, wed, thu, fri, sat, sun) or a "
				 "range of days like mon-fri",
				 item, q);
			return -1;
		}
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	r->days = mask;
	return 0;
}

int hp_price_parse_hours(void *rule, const char *value, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	const char *p = skip_spaces(value);
	int from, to;
	char q[QUOTE_MAX];
	quote(value, q, sizeof(q));
	bool ok = (take_digits(&p, 2, &from) || take_digits(&p, 1, &from));
	if (ok) {
		p = skip_spaces(p);
		ok = *p++ == '-';
	}
	if (ok) {
		p = skip_spaces(p);
		ok =
		    (take_digits(&p, 2, &to) || take_digits(&p, 1, &to)) && *skip_spaces(p) == '\0';
	}
	if (!ok) {
		snprintf(why, why_size, "%s is not FROM-TO in whole hours, like 22-06 or 0-24", q);
		return -1;
	}
	if (from > 23 || to > 24) {
		snprintf(why, why_size, "%s: hours run from 0 to 23 (and a range may end at 24)",
			 q);
		return -1;
	}
	if (from == to) {
		snprintf(why, why_size, "%s is an empty range (0-24 is the whole day)", q);
		return -1;
	}
	r->hour_from = (uint8_t)from;
	r->hour_to = (uint8_t)to;
	return 0;
}

/* "MM-DD" at *p into MMDD (leap day allowed). */
static bool take_month_day(const char **p, uint16_t *out)
{
	int m, d;
	if (!take_digits(p, 2, &m) || *(*p)++ != '-' || !take_digits(p, 2, &d))
		return false;
	if (m < 1 || m > 12 || d < 1 || d > hp_days_in_month(2000, m))
		return false;
	*out = (uint16_t)(m * 100 + d);
	return true;
}

int hp_price_parse_dates(void *rule, const char *value, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	const char *p = skip_spaces(value);
	uint16_t from, to;
	bool ok = take_month_day(&p, &from);
	if (ok) {
		p = skip_spaces(p);
		ok = strncmp(p, "..", 2) == 0;
		p = skip_spaces(p + 2);
	}
	ok = ok && take_month_day(&p, &to) && *skip_spaces(p) == '\0';
	if (!ok) {
		char q[QUOTE_MAX];
		quote(value, q, sizeof(q));
		snprintf(why, why_size, "%s is not MM-DD..MM-DD with real dates, like 11-01..03-31",
			 q);
		return -1;
	}
	r->has_dates = true;
	r->date_from = from;
	r->date_to = to;
	return 0;
}

int hp_price_parse_rule_import(void *rule, const char *value, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	if (parse_number(value, &r->import_price, why, why_size) != 0)
		return -1;
	r->has_import = true;
	return 0;
}

int hp_price_parse_rule_export(void *rule, const char *value, char *why, size_t why_size)
{
	struct hp_tou_rule *r = rule;
	if (parse_number(value, &r->export_price, why, why_size) != 0)
		return -1;
	r->has_export = true;
	return 0;
}

int hp_tou_rule_check(const struct hp_tou_rule *r, char *why, size_t why_size)
{
	if (!r->has_import && !r->has_export) {
		snprintf(why, why_size, "the rule sets no price: give import, export or both");
		return -1;
	}
	return 0;
}

int hp_price_parse_operation(void *modifier, const char *value, char *why, size_t why_size)
{
	static const struct {
		const char *name;
		enum hp_price_op op;
	} ops[] = {{"fixed", HP_PRICE_OP_FIXED},
		   {"add", HP_PRICE_OP_ADD},
		   {"percent", HP_PRICE_OP_PERCENT},
		   {"subtract", HP_PRICE_OP_SUBTRACT}};
	struct hp_price_modifier *m = modifier;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcasecmp(value, ops[i].name) == 0) {
			m->op = ops[i].op;
			return 0;
		}
	}
	char q[QUOTE_MAX];
	quote(value, q, sizeof(q));
	snprintf(why, why_size, "%s is not add, percent, subtract or fixed", q);
	return -1;
}

int hp_price_parse_direction(void *modifier, const char *value, char *why, size_t why_size)
{
	struct hp_price_modifier *m = modifier;
	if (strcasecmp(value, "import") == 0) {
		m->applies = HP_PRICE_APPLIES_IMPORT;
	} else if (strcasecmp(value, "export") == 0) {
		m->applies = HP_PRICE_APPLIES_EXPORT;
	} else if (strcasecmp(value, "both") == 0) {
		m->applies = HP_PRICE_APPLIES_IMPORT | HP_PRICE_APPLIES_EXPORT;
	} else {
		char q[QUOTE_MAX];
		quote(value, q, sizeof(q));
		snprintf(why, why_size, "%s is not import, export or both", q);
		return -1;
	}
	return 0;
}

int hp_price_parse_modifier_value(void *modifier, const char *value, char *why, size_t why_size)
{
	struct hp_price_modifier *m = modifier;
	if (parse_number(value, &m->value, why, why_size) != 0)
		return -1;
	m->has_value = true;
	return 0;
}

int hp_price_modifier_check(const struct hp_price_modifier *m, char *why, size_t why_size)
{
	if (m->op == HP_PRICE_OP_NONE) {
		snprintf(why, why_size, "operation: missing (add, percent, subtract or fixed)");
		return -1;
	}
	if (m->applies == 0) {
		snprintf(why, why_size, "direction: missing (import, export or both)");
		return -1;
	}
	if (!m->has_value) {
		snprintf(why, why_size, "value: missing");
		return -1;
	}
	return 0;
}

int hp_price_parse_currency(void *config, const char *value, char *why, size_t why_size)
{
	struct hp_price_config *c = config;
	bool ok = strlen(value) == 3;
	for (size_t i = 0; ok && i < 3; i++)
		ok = isalpha((unsigned char)value[i]) && (unsigned char)value[i] < 0x80;
	if (!ok) {
		char q[QUOTE_MAX];
		quote(value, q, sizeof(q));
		snprintf(why, why_size,
			 "%s is not a 3-letter currency code such as NOK, SEK, DKK or EUR", q);
		return -1;
	}
	for (size_t i = 0; i < 3; i++)
		c->currency[i] = (char)toupper((unsigned char)value[i]);
	c->currency[3] = '\0';
	return 0;
}

int hp_price_parse_fixed_import(void *config, const char *value, char *why, size_t why_size)
{
	struct hp_price_config *c = config;
	if (parse_number(value, &c->fixed_import, why, why_size) != 0)
		return -1;
	c->has_fixed_import = true;
	return 0;
}

int hp_price_parse_fixed_export(void *config, const char *value, char *why, size_t why_size)
{
	struct hp_price_config *c = config;
	if (parse_number(value, &c->fixed_export, why, why_size) != 0)
		return -1;
	c->has_fixed_export = true;
	return 0;
}

/* ---- dynamic prices: JSON ---- */

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
	default:
		return "null";
	}
}

static int time_field(const json_t *e, const char *field, size_t i, int64_t *ms, char *err,
		      size_t err_size)
{
	const json_t *v = json_object_get(e, field);
	if (v == NULL) {
		snprintf(err, err_size, "prices[%zu].%s: missing", i, field);
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(err, err_size, "prices[%zu].%s: expected an ISO-8601 time string, got %s",
			 i, field, json_kind(v));
		return -1;
	}
	if (parse_iso8601(json_string_value(v), ms) != 0) {
		char q[QUOTE_MAX];
		quote(json_string_value(v), q, sizeof(q));
		snprintf(err, err_size,
			 "prices[%zu].%s: %s is not an ISO-8601 time with a UTC offset, like "
			 "2025-10-01T00:00:00+02:00 or 2025-09-30T22:00:00Z",
			 i, field, q);
		return -1;
	}
	return 0;
}

static int price_field(const json_t *e, const char *field, size_t i, bool required, bool *has,
		       double *price, char *err, size_t err_size)
{
	const json_t *v = json_object_get(e, field);
	*has = false;
	if (v == NULL || (!required && json_is_null(v))) {
		if (!required)
			return 0;
		snprintf(err, err_size, "prices[%zu].%s: missing", i, field);
		return -1;
	}
	if (!json_is_number(v)) {
		snprintf(err, err_size, "prices[%zu].%s: expected a number, got %s", i, field,
			 json_kind(v));
		return -1;
	}
	*price = json_number_value(v);
	*has = true;
	return 0;
}

static int parse_element(const json_t *e, size_t i, struct hp_price_point *p, char *err,
			 size_t err_size)
{
	if (!json_is_object(e)) {
		snprintf(err, err_size, "prices[%zu]: expected an object, got %s", i, json_kind(e));
		return -1;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)e, key, v)
	{
		if (strcmp(key, "start") != 0 && strcmp(key, "end") != 0 &&
		    strcmp(key, "price") != 0 && strcmp(key, "export_price") != 0) {
			char q[QUOTE_MAX];
			quote(key, q, sizeof(q));
			snprintf(err, err_size,
				 "prices[%zu]: unknown field %s (the fields are start, end, "
				 "price, export_price)",
				 i, q);
			return -1;
		}
	}
	memset(p, 0, sizeof(*p));
	bool has;
	if (time_field(e, "start", i, &p->start_ms, err, err_size) != 0 ||
	    time_field(e, "end", i, &p->end_ms, err, err_size) != 0 ||
	    price_field(e, "price", i, true, &has, &p->import_price, err, err_size) != 0 ||
	    price_field(e, "export_price", i, false, &p->has_export, &p->export_price, err,
			err_size) != 0)
		return -1;
	int64_t span = p->end_ms - p->start_ms;
	if (span <= 0) {
		snprintf(err, err_size, "prices[%zu].end: not after start", i);
		return -1;
	}
	if (span != 15 * MIN_MS && span != 60 * MIN_MS) {
		snprintf(err, err_size,
			 "prices[%zu].end: %g minutes after start; a price is for 15 or 60 "
			 "minutes",
			 i, (double)span / (double)MIN_MS);
		return -1;
	}
	return 0;
}

int hp_prices_parse_json(const char *text, size_t len, struct hp_price_point *out, size_t cap,
			 size_t *count, char *err, size_t err_size)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, err_size, "not valid JSON (line %d, column %d): %s", je.line,
			 je.column, je.text);
		return -1;
	}
	int rc = -1;
	if (!json_is_array(root)) {
		snprintf(err, err_size, "expected a JSON array of prices, got %s", json_kind(root));
		goto out;
	}
	size_t n = json_array_size(root);
	if (n > cap) {
		snprintf(err, err_size, "%zu prices, at most %zu at a time", n, cap);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (parse_element(json_array_get(root, i), i, &out[i], err, err_size) != 0)
			goto out;
	/* Overlaps are refused in input order, so the message names what was sent. */
	for (size_t j = 1; j < n; j++) {
		for (size_t i = 0; i < j; i++) {
			if (out[i].start_ms < out[j].end_ms && out[j].start_ms < out[i].end_ms) {
				const json_t *a = json_array_get(root, i);
				snprintf(err, err_size,
					 "prices[%zu] overlaps prices[%zu] (%s to %s)", j, i,
					 json_string_value(json_object_get(a, "start")),
					 json_string_value(json_object_get(a, "end")));
				goto out;
			}
		}
	}
	/* Any order in, sorted out (insertion sort: pushes are mostly sorted). */
	for (size_t i = 1; i < n; i++) {
		struct hp_price_point x = out[i];
		size_t j = i;
		for (; j > 0 && out[j - 1].start_ms > x.start_ms; j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	*count = n;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* ---- dynamic prices: the stored series ---- */

void hp_price_series_init(struct hp_price_series *s)
{
	s->count = 0;
}

/* How many stored points start at or before t_ms. */
static size_t points_up_to(const struct hp_price_series *s, int64_t t_ms)
{
	size_t lo = 0, hi = s->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->p[mid].start_ms <= t_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void hp_price_series_merge(struct hp_price_series *s, const struct hp_price_point *p, size_t n)
{
	const size_t size = sizeof(s->p[0]);
	for (size_t i = 0; i < n; i++) {
		const struct hp_price_point *x = &p[i];
		size_t w = 0;
		for (size_t r = 0; r < s->count; r++)
			if (s->p[r].end_ms <= x->start_ms || s->p[r].start_ms >= x->end_ms)
				s->p[w++] = s->p[r];
		s->count = w;
		size_t pos = points_up_to(s, x->start_ms);
		if (s->count == HP_PRICE_POINTS_MAX) {
			if (pos == 0)
				continue; /* older than all kept: it would be the one dropped */
			memmove(&s->p[0], &s->p[1], (s->count - 1) * size);
			s->count--;
			pos--;
		}
		memmove(&s->p[pos + 1], &s->p[pos], (s->count - pos) * size);
		s->p[pos] = *x;
		s->count++;
	}
}

const struct hp_price_point *hp_price_series_find(const struct hp_price_series *s, int64_t t_ms)
{
	size_t k = points_up_to(s, t_ms);
	if (k == 0 || t_ms >= s->p[k - 1].end_ms)
		return NULL;
	return &s->p[k - 1];
}

/* ---- resolving a price ---- */

static bool in_range(int v, int from, int to)
{
	return from <= to ? v >= from && v <= to : v >= from || v <= to;
}

bool hp_tou_rule_matches(const struct hp_tou_rule *r, const struct tm *local)
{
	if (local->tm_wday < 0 || local->tm_wday > 6 || !(r->days >> local->tm_wday & 1))
		return false;
	int h = local->tm_hour;
	if (r->hour_from != r->hour_to % 24 && !in_range(h, r->hour_from, r->hour_to - 1))
		return false;
	if (r->has_dates) {
		int md = (local->tm_mon + 1) * 100 + local->tm_mday;
		if (!in_range(md, r->date_from, r->date_to))
			return false;
	}
	return true;
}

double hp_price_apply_modifiers(const struct hp_price_config *c, enum hp_price_dir dir, double base)
{
	unsigned bit = dir == HP_PRICE_IMPORT ? HP_PRICE_APPLIES_IMPORT : HP_PRICE_APPLIES_EXPORT;
	double v = base;
	for (size_t i = 0; i < c->modifier_count; i++) {
		const struct hp_price_modifier *m = &c->modifiers[i];
		if (!(m->applies & bit) || !m->has_value)
			continue;
		switch (m->op) {
		case HP_PRICE_OP_FIXED:
			v = m->value;
			break;
		case HP_PRICE_OP_ADD:
			v += m->value;
			break;
		case HP_PRICE_OP_PERCENT:
			v *= 1 + m->value / 100;
			break;
		case HP_PRICE_OP_SUBTRACT:
			v -= m->value;
			break;
		case HP_PRICE_OP_NONE:
			break;
		}
	}
	return v;
}

/* Time-of-use, then fixed: the price when no dynamic price covers the moment. */
static bool static_base(const struct hp_price_config *c, enum hp_price_dir dir,
			const struct tm *local, double *base, enum hp_price_source *source)
{
	bool import = dir == HP_PRICE_IMPORT;
	for (size_t i = c->tou_count; local != NULL && i-- > 0;) {
		const struct hp_tou_rule *r = &c->tou[i];
		if ((import ? r->has_import : r->has_export) && hp_tou_rule_matches(r, local)) {
			*base = import ? r->import_price : r->export_price;
			*source = HP_PRICE_SOURCE_TOU;
			return true;
		}
	}
	if (import ? c->has_fixed_import : c->has_fixed_export) {
		*base = import ? c->fixed_import : c->fixed_export;
		*source = HP_PRICE_SOURCE_FIXED;
		return true;
	}
	return false;
}

static double point_base(const struct hp_price_point *p, enum hp_price_dir dir)
{
	return dir == HP_PRICE_EXPORT && p->has_export ? p->export_price : p->import_price;
}

struct hp_price_value hp_price_at(const struct hp_price_config *c,
				  const struct hp_price_series *dyn, enum hp_price_dir dir,
				  int64_t t_ms, const struct tm *local)
{
	struct hp_price_value v = {0};
	const struct hp_price_point *p = dyn != NULL ? hp_price_series_find(dyn, t_ms) : NULL;
	if (p != NULL) {
		v.base = point_base(p, dir);
		v.source = HP_PRICE_SOURCE_DYNAMIC;
	} else if (!static_base(c, dir, local, &v.base, &v.source)) {
		return v;
	}
	v.known = true;
	v.price = hp_price_apply_modifiers(c, dir, v.base);
	return v;
}

/* ---- cost ---- */

/* The time-weighted mean price of dir over [b->start_ms, b->end_ms): dynamic points
 * where they cover it, the static price elsewhere. False when a part has none. */
static bool mean_price(const struct hp_price_config *c, const struct hp_price_series *dyn,
		       enum hp_price_dir dir, const struct hp_cost_bucket *b, double *mean,
		       unsigned *intervals)
{
	*intervals = 0;
	if (b->end_ms <= b->start_ms) {
		struct hp_price_value v = hp_price_at(c, dyn, dir, b->start_ms, &b->local);
		*mean = v.price;
		*intervals = v.known;
		return v.known;
	}
	double weighted = 0;
	for (int64_t t = b->start_ms; t < b->end_ms;) {
		size_t k = dyn != NULL ? points_up_to(dyn, t) : 0;
		const struct hp_price_point *p =
		    k > 0 && t < dyn->p[k - 1].end_ms ? &dyn->p[k - 1] : NULL;
		int64_t until;
		double base;
		if (p != NULL) {
			until = p->end_ms;
			base = point_base(p, dir);
		} else {
			enum hp_price_source source;
			if (!static_base(c, dir, &b->local, &base, &source))
				return false;
			until = dyn != NULL && k < dyn->count ? dyn->p[k].start_ms : b->end_ms;
		}
		if (until > b->end_ms)
			until = b->end_ms;
		weighted += hp_price_apply_modifiers(c, dir, base) * (double)(until - t);
		(*intervals)++;
		t = until;
	}
	*mean = weighted / (double)(b->end_ms - b->start_ms);
	return true;
}

void hp_price_bucket_cost(const struct hp_price_config *c, const struct hp_price_series *dyn,
			  const struct hp_cost_bucket *b, struct hp_bucket_cost *out)
{
	memset(out, 0, sizeof(*out));
	unsigned export_intervals;
	out->cost_known =
	    mean_price(c, dyn, HP_PRICE_IMPORT, b, &out->import_price, &out->price_intervals);
	out->income_known =
	    mean_price(c, dyn, HP_PRICE_EXPORT, b, &out->export_price, &export_intervals);
	if (out->cost_known)
		out->cost = b->import_kwh * out->import_price;
	if (out->income_known)
		out->income = b->export_kwh * out->export_price;
	out->mean_price = out->price_intervals > 1 || export_intervals > 1;
}

void hp_price_cost_total(const struct hp_price_config *c, const struct hp_price_series *dyn,
			 const struct hp_cost_bucket *b, size_t n, struct hp_cost_total *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct hp_bucket_cost bc;
		hp_price_bucket_cost(c, dyn, &b[i], &bc);
		out->buckets++;
		out->import_kwh += b[i].import_kwh;
		out->export_kwh += b[i].export_kwh;
		out->gaps += b[i].gap;
		out->mean_priced += bc.mean_price;
		if (bc.cost_known)
			out->cost += bc.cost;
		else if (b[i].import_kwh > 0)
			out->unpriced_import++;
		if (bc.income_known)
			out->income += bc.income;
		else if (b[i].export_kwh > 0)
			out->unpriced_export++;
	}
}
