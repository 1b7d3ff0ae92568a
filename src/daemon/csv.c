/* History as CSV (csv.h). */
#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buckets.h"

static const char EOL[] = "\r\n";

/* Reading-model keys in enum order. */
#define HP_CSV_KEY(name, key) key,
static const char *const num_keys[HP_NUM_COUNT] = {HP_NUM_FIELDS(HP_CSV_KEY)};

void hp_csv_fixed(struct hp_json_text *t, double v, int decimals)
{
	if (!isfinite(v))
		return;
	char text[64];
	int n = snprintf(text, sizeof(text), "%.*f", decimals, v);
	if (n <= 0 || (size_t)n >= sizeof(text))
		return;
	if (strchr(text, '.') != NULL) {
		while (n > 0 && text[n - 1] == '0')
			n--;
		if (n > 0 && text[n - 1] == '.')
			n--;
	}
	text[n] = '\0';
	if (strcmp(text, "-0") == 0)
		snprintf(text, sizeof(text), "0");
	hp_json_append(t, text, strlen(text));
}

static void plain(struct hp_json_text *t, const char *s)
{
	hp_json_append(t, s, strlen(s));
}

void hp_csv_raw_header(struct hp_json_text *t, uint64_t columns)
{
	plain(t, "time");
	for (int f = 0; f < HP_NUM_COUNT; f++) {
		if (!((columns >> f) & 1u))
			continue;
		hp_json_char(t, ',');
		plain(t, num_keys[f]);
	}
	plain(t, EOL);
}

void hp_csv_raw_row(struct hp_json_text *t, uint64_t columns, int64_t t_ms, uint64_t present,
		    const double *num)
{
	char time[HP_ISO_UTC_MAX];
	hp_time_iso_utc(t_ms, time);
	plain(t, time);
	char *start = hp_json_reserve(t, (size_t)HP_NUM_COUNT * (HP_JSON_NUMBER_MAX + 1));
	if (start == NULL)
		return;
	char *p = start;
	for (int f = 0; f < HP_NUM_COUNT; f++) {
		if (!((columns >> f) & 1u))
			continue;
		*p++ = ',';
		if ((present >> f) & 1u)
			p += hp_json_format_number(num[f], p);
	}
	hp_json_commit(t, (size_t)(p - start));
	plain(t, EOL);
}

void hp_csv_bucket_header(struct hp_json_text *t)
{
	plain(t, "start,end,import_kwh,export_kwh,max_power_w,mean_power_w,gap,estimated,cost,"
		 "income");
	plain(t, EOL);
}

static void field_if(struct hp_json_text *t, bool has, double v, int decimals)
{
	hp_json_char(t, ',');
	if (has)
		hp_csv_fixed(t, v, decimals);
}

void hp_csv_bucket_row(struct hp_json_text *t, const struct hp_tz *zone,
		       const struct hp_acct_bucket *b)
{
	char time[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(zone, b->start_ms, time);
	plain(t, time);
	hp_json_char(t, ',');
	hp_time_iso_local(zone, b->end_ms, time);
	plain(t, time);
	field_if(t, b->has_import, b->import_kwh, HP_ACCT_KWH_DECIMALS);
	field_if(t, b->has_export, b->export_kwh, HP_ACCT_KWH_DECIMALS);
	field_if(t, b->has_power, b->max_power_w, 3);
	field_if(t, b->has_power, b->mean_power_w, 3);
	plain(t, b->gap || b->missing ? ",true" : ",false");
	plain(t, b->estimated ? ",true" : ",false");
	field_if(t, b->has_cost, b->cost, HP_ACCT_MONEY_DECIMALS);
	field_if(t, b->has_income, b->income, HP_ACCT_MONEY_DECIMALS);
	plain(t, EOL);
}
