/* The AMS reader compatible endpoints (api_amsreader.h): routing, the meter, the
 * text writers, /data.json and /sysinfo.json. */
#include "api_amsreader.h"
#include "plausible.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mqtt.h"
#include "price_book.h"
#include "store.h"
#include "tz.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

#define ERR_MAX      256
#define MEMINFO_PATH "/proc/meminfo"
#define THERMAL_PATH "/sys/class/thermal/thermal_zone0/temp"
/* HAN status (`hm`) from the age of the last frame (amsreader-compat.md). */
#define HAN_OK_MS      15000
#define HAN_WARNING_MS 30000
/* The firmware's gauge maximum and main fuse when none is configured. */
#define GAUGE_3PHASE_W 20000
#define GAUGE_1PHASE_W 10000
#define FUSE_DEFAULT_A 40
/* The MQTT client's error codes the firmware shows in `me` (PubSubClient's). */
#define MQTT_CONNECTION_LOST (-3)
#define MQTT_CONNECT_FAILED  (-2)

static const struct {
	const char *path;
	enum hp_ams_endpoint e;
} endpoints[] = {
    {"/data.json", HP_AMS_DATA},
    {"/dayplot.json", HP_AMS_DAYPLOT},
    {"/monthplot.json", HP_AMS_MONTHPLOT},
    {"/tariff.json", HP_AMS_TARIFF},
    {"/realtime.json", HP_AMS_REALTIME},
    {"/energyprice.json", HP_AMS_ENERGYPRICE},
    {"/importprice.json", HP_AMS_IMPORTPRICE},
    {"/exportprice.json", HP_AMS_EXPORTPRICE},
    {"/sysinfo.json", HP_AMS_SYSINFO},
    {"/temperature.json", HP_AMS_TEMPERATURE},
    {"/is-alive", HP_AMS_IS_ALIVE},
};

enum hp_ams_endpoint hp_ams_endpoint_of(const char *path)
{
	for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
		if (strcmp(path, endpoints[i].path) == 0)
			return endpoints[i].e;
	return HP_AMS_NONE;
}

bool hp_ams_endpoint_open(enum hp_ams_endpoint e)
{
	return e == HP_AMS_REALTIME || e == HP_AMS_IS_ALIVE;
}

/* ---- text writers ---- */

void hp_ams_fixed(struct hp_json_text *t, double v, int decimals)
{
	char buf[64];
	if (!isfinite(v) || fabs(v) > 1e15)
		v = 0;
	int n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	const char *p = buf;
	/* "-0.00": a negative value that rounds to zero prints as 0.00. */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)(n - 1)) {
		p++;
		n--;
	}
	hp_json_append(t, p, (size_t)n);
}

void hp_ams_int(struct hp_json_text *t, double v)
{
	hp_json_int(t, isfinite(v) && fabs(v) < 9e15 ? (int64_t)llround(v) : 0);
}

void hp_ams_price(struct hp_json_text *t, const struct hp_price_value *p)
{
	if (p == NULL || !p->known || !isfinite(p->price))
		hp_json_null(t);
	else
		hp_ams_fixed(t, p->price, fabs(p->price) > 1 ? 2 : 4);
}

void hp_ams_key(struct hp_json_text *t, bool *first, const char *key)
{
	if (!*first)
		hp_json_char(t, ',');
	*first = false;
	hp_json_string(t, key, strlen(key));
	hp_json_char(t, ':');
}

static void error_text(struct hp_json_text *t, const char *error)
{
	hp_json_literal(t, "{\"error\":");
	hp_json_string(t, error, strlen(error));
	hp_json_char(t, '}');
}

/* ---- the meter ---- */

static const struct hp_price_config *price_config(const struct hp_api_env *env)
{
	return env->prices != NULL ? hp_price_book_config(env->prices) : &env->cfg->prices;
}

/* The named meter, or the first; false when there is none by that name. */
static bool meter_open(const struct hp_api_env *env, const char *name, int64_t now_ms,
		       struct hp_ams_meter *m)
{
	memset(m, 0, sizeof(*m));
	bool found = name != NULL ? hp_state_meter_by_name(env->state, name, &m->st)
				  : hp_state_meter(env->state, 0, &m->st);
	if (!found)
		return false;
	m->mc = hp_config_meter(env->cfg, m->st.name);
	m->zone = hp_tz_get(m->mc != NULL ? m->mc->timezone : "", NULL, 0);
	if (m->zone == NULL)
		m->zone = hp_tz_get("", NULL, 0);
	if (env->prices != NULL && (m->dyn = malloc(sizeof(*m->dyn))) != NULL)
		hp_price_book_snapshot(env->prices, m->dyn);
	m->c = (struct hp_acct_ctx){
	    .meter = m->st.name,
	    .cfg = m->mc,
	    .zone = m->zone,
	    .prices = price_config(env),
	    .dyn = m->dyn,
	    .live = &m->st.live,
	    /* The AMS reader shows the last value of every field, not only what the
	     * latest list carried (a list 1 has the power alone). */
	    .reading = m->st.has_reading ? &m->st.merged : NULL,
	    .now_ms = now_ms,
	};
	return true;
}

static void meter_close(struct hp_ams_meter *m)
{
	free(m->dyn);
	m->dyn = NULL;
}

bool hp_ams_with_reader(const struct hp_api_env *env, struct hp_ams_meter *m, hp_ams_job fn,
			void *job)
{
	char err[ERR_MAX] = "";
	bool ok = false;
	pthread_mutex_lock(env->reader_lock);
	for (int attempt = 0; attempt < 2 && !ok; attempt++) {
		if (*env->reader == NULL)
			*env->reader = hp_store_reader_open(env->cfg->store.path, err, sizeof(err));
		if (*env->reader == NULL)
			break;
		m->c.rd = *env->reader;
		ok = fn(&m->c, job, err, sizeof(err)) == 0;
		if (!ok) {
			hp_store_reader_close(*env->reader);
			*env->reader = NULL;
		}
	}
	pthread_mutex_unlock(env->reader_lock);
	m->c.rd = NULL;
	return ok;
}

struct hp_price_value hp_ams_price_at(const struct hp_ams_meter *m, enum hp_price_dir dir,
				      int64_t t_ms)
{
	struct tm tm;
	int64_t s = t_ms >= 0 ? t_ms / 1000 : -((999 - t_ms) / 1000);
	const struct tm *local = hp_tz_local(m->zone, s, &tm) == 0 ? &tm : NULL;
	return hp_price_at(m->c.prices, m->dyn, dir, t_ms, local);
}

/* ---- the AMS reader's peak table ---- */

void hp_ams_tariff_config(const struct hp_meter_config *mc, struct hp_no_ams_config *out)
{
	hp_no_ams_config_defaults(out);
	if (mc == NULL || mc->capacity_tariff != HP_CAPACITY_NO)
		return;
	const struct hp_no_config *no = &mc->capacity_no;
	out->hours = no->hours;
	/* The DSO's step bounds (kW = kWh per hour) in the firmware's nine slots,
	 * rounded to its whole kWh; unused slots and the tenth hold the end marker. */
	for (unsigned i = 0; i + 1 < HP_NO_AMS_THRESHOLD_COUNT; i++)
		out->thresholds[i] = i < no->threshold_count
					 ? (unsigned)lround(fmin(no->thresholds_kw[i], 65534))
					 : HP_NO_AMS_THRESHOLD_END;
	out->thresholds[HP_NO_AMS_THRESHOLD_COUNT - 1] = HP_NO_AMS_THRESHOLD_END;
}

int hp_ams_peak_table(const struct hp_acct_ctx *c, const struct hp_no_ams_config *cfg,
		      struct hp_no_ams_view *out, char *err, size_t err_size)
{
	struct hp_bucket month, hour;
	struct hp_no_ams table;
	hp_no_ams_init(&table);
	memset(out, 0, sizeof(*out));
	if (hp_bucket_of(c->zone, HP_RES_MONTH, c->now_ms, &month) != 0 ||
	    hp_bucket_of(c->zone, HP_RES_HOUR, c->now_ms, &hour) != 0) {
		snprintf(err, err_size, "now is out of the time zone's range");
		return -1;
	}
	struct hp_no_hour *hours = malloc(HP_ACCT_MONTH_HOURS_MAX * sizeof(*hours));
	size_t n = 0;
	if (hours == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	int rc = hp_acct_month_hours(c, &month, hour.start_ms, hours, HP_ACCT_MONTH_HOURS_MAX, &n,
				     err, err_size);
	/* As the firmware books them: each finished hour at its end, in order. */
	for (size_t i = 0; rc == 0 && i < n; i++)
		hp_no_ams_offer(&table, cfg, &hours[i]);
	free(hours);
	hp_no_ams_view(&table, cfg, out);
	return rc;
}

/* ---- /data.json ---- */

/* What the history gives /data.json: the finished parts of the running hour, day
 * and month, and the peak table. */
struct data_job {
	struct hp_bucket quarter, hour, day, month;
	struct hp_acct_sum hour_done, day_done, month_done;
	struct hp_no_ams_config tariff;
	struct hp_no_ams_view peaks;
};

static int data_job(const struct hp_acct_ctx *c, void *arg, char *err, size_t err_size)
{
	struct data_job *j = arg;
	if (hp_acct_sum_range(c, j->hour.start_ms, j->quarter.start_ms, &j->hour_done, err,
			      err_size) != 0 ||
	    hp_acct_sum_range(c, j->day.start_ms, j->hour.start_ms, &j->day_done, err, err_size) !=
		0 ||
	    hp_acct_sum_range(c, j->month.start_ms, j->day.start_ms, &j->month_done, err,
			      err_size) != 0)
		return -1;
	return hp_ams_peak_table(c, &j->tariff, &j->peaks, err, err_size);
}

static void number_of(struct hp_json_text *t, const struct hp_reading *r, enum hp_num k,
		      int decimals)
{
	double v = r != NULL && hp_reading_has(r, k) ? r->num[k] : 0;
	if (decimals == 0)
		hp_ams_int(t, v);
	else
		hp_ams_fixed(t, v, decimals);
}

static void phase(struct hp_json_text *t, const struct hp_reading *r, int n)
{
	static const enum hp_num u[] = {HP_NUM_L1_VOLTAGE_V, HP_NUM_L2_VOLTAGE_V,
					HP_NUM_L3_VOLTAGE_V};
	static const enum hp_num i[] = {HP_NUM_L1_CURRENT_A, HP_NUM_L2_CURRENT_A,
					HP_NUM_L3_CURRENT_A};
	static const enum hp_num p[] = {HP_NUM_L1_POWER_IMPORT_W, HP_NUM_L2_POWER_IMPORT_W,
					HP_NUM_L3_POWER_IMPORT_W};
	static const enum hp_num q[] = {HP_NUM_L1_POWER_EXPORT_W, HP_NUM_L2_POWER_EXPORT_W,
					HP_NUM_L3_POWER_EXPORT_W};
	static const enum hp_num f[] = {HP_NUM_L1_POWER_FACTOR, HP_NUM_L2_POWER_FACTOR,
					HP_NUM_L3_POWER_FACTOR};
	hp_json_literal(t, "{\"u\":");
	number_of(t, r, u[n], 2);
	hp_json_literal(t, ",\"i\":");
	number_of(t, r, i[n], 2);
	hp_json_literal(t, ",\"p\":");
	number_of(t, r, p[n], 0);
	hp_json_literal(t, ",\"q\":"); /* export power, not reactive (the firmware's naming) */
	number_of(t, r, q[n], 0);
	hp_json_literal(t, ",\"f\":");
	number_of(t, r, f[n], 2);
	if (n == 1) {
		/* A 3-wire meter (IT grid) measures no L2 current. */
		bool missing = r != NULL && hp_reading_has(r, HP_NUM_L1_CURRENT_A) &&
			       hp_reading_has(r, HP_NUM_L3_CURRENT_A) &&
			       !hp_reading_has(r, HP_NUM_L2_CURRENT_A);
		hp_json_literal(t, ",\"e\":");
		hp_json_bool(t, missing);
	}
	hp_json_char(t, '}');
}

int hp_ams_meter_type(const char *manufacturer)
{
	static const struct {
		const char *prefix;
		int code;
	} types[] = {{"aidon", 1}, {"kaifa", 2}, {"kamstrup", 3},  {"iskra", 8}, {"landis", 9},
		     {"l+g", 9},   {"lgz", 9},   {"sagemcom", 10}, {"sagem", 10}};
	for (size_t i = 0; manufacturer != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strncasecmp(manufacturer, types[i].prefix, strlen(types[i].prefix)) == 0)
			return types[i].code;
	return 255;
}

int hp_ams_han_error(const struct hp_error *e)
{
	switch (e->code) {
	case HP_ERR_NONE:
		return 0;
	case HP_ERR_NOISE:
		return -1;
	case HP_ERR_TRUNCATED:
		return -2;
	case HP_ERR_CRC:
		/* The header check of an HDLC frame, else a whole-frame check. */
		return strncmp(e->detail, "HCS", 3) == 0 ? -4 : -5;
	case HP_ERR_MALFORMED:
	case HP_ERR_UNSUPPORTED:
		return -9;
	case HP_ERR_AUTH:
		return -51;
	case HP_ERR_NO_KEY:
		return -52;
	}
	return -1;
}

/* The last frame failed: an error newer than the last reading. */
static bool last_frame_failed(const struct hp_meter_state *s)
{
	return s->has_error && (!s->has_reading || s->last_error_ms >= s->reading_ms);
}

/* `hm`: 0 nothing yet in the first 30 s, 1 a frame within 15 s, 2 within 30 s,
 * 3 older or the last frame failed. */
static int han_status(const struct hp_meter_state *s, int64_t started_ms, int64_t now_ms)
{
	int64_t last = s->has_reading ? s->reading_ms : 0;
	if (s->has_error && s->last_error_ms > last)
		last = s->last_error_ms;
	if (last == 0)
		return now_ms - started_ms < HAN_WARNING_MS ? 0 : 3;
	if (last_frame_failed(s))
		return 3;
	int64_t age = now_ms - last;
	return age < HAN_OK_MS ? 1 : age < HAN_WARNING_MS ? 2 : 3;
}

static int mqtt_status(const struct hp_mqtt_status *s)
{
	switch (s->state) {
	case HP_MQTT_STATE_DISABLED:
		return 0;
	case HP_MQTT_STATE_CONNECTED:
		return 1;
	case HP_MQTT_STATE_CONNECTING:
		return 2;
	case HP_MQTT_STATE_DISCONNECTED:
		break;
	}
	return 3;
}

static int mqtt_error(const struct hp_mqtt_status *s)
{
	if (s->state == HP_MQTT_STATE_DISABLED || s->state == HP_MQTT_STATE_CONNECTED)
		return 0;
	if (s->state == HP_MQTT_STATE_DISCONNECTED && s->connects > 0)
		return MQTT_CONNECTION_LOST;
	return s->last_error[0] != '\0' ? MQTT_CONNECT_FAILED : 0;
}

int64_t hp_ams_mem_available(const char *meminfo_path)
{
	FILE *f = fopen(meminfo_path, "r");
	if (f == NULL)
		return 0;
	char line[128];
	long long kb = 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0 ? (int64_t)kb * 1024 : 0;
}

double hp_ams_cpu_temp(const char *thermal_path)
{
	FILE *f = fopen(thermal_path, "r");
	if (f == NULL)
		return 0;
	long long milli = 0;
	int n = fscanf(f, "%lld", &milli);
	fclose(f);
	return n == 1 ? (double)milli / 1000.0 : 0;
}

/* Gauge maximum `im`: max_power_w, else the main fuse's power when configured,
 * else the firmware's default for the phase count (as the dashboard's gauge). */
static double gauge_max_w(const struct hp_meter_config *mc)
{
	if (mc == NULL)
		return GAUGE_3PHASE_W;
	if (mc->max_power_w > 0)
		return mc->max_power_w;
	if (mc->main_fuse_a <= 0)
		return mc->phases == 1 ? GAUGE_1PHASE_W : GAUGE_3PHASE_W;
	return hp_fuse_power_w(mc);
}

/* {u used kWh, c cost, p produced kWh, i income}, 2 decimals each. */
static void period_value(struct hp_json_text *t, double use, double cost, double produced,
			 double income)
{
	hp_json_literal(t, "{\"u\":");
	hp_ams_fixed(t, use, 2);
	hp_json_literal(t, ",\"c\":");
	hp_ams_fixed(t, cost, 2);
	hp_json_literal(t, ",\"p\":");
	hp_ams_fixed(t, produced, 2);
	hp_json_literal(t, ",\"i\":");
	hp_ams_fixed(t, income, 2);
	hp_json_char(t, '}');
}

static void period(struct hp_json_text *t, const char *key, const struct hp_live_period *p)
{
	hp_json_char(t, ',');
	hp_json_string(t, key, strlen(key));
	hp_json_char(t, ':');
	period_value(t, p->use_kwh, p->cost, p->produced_kwh, p->income);
}

static struct hp_live_period from_sum(const struct hp_acct_sum *s)
{
	return (struct hp_live_period){.use_kwh = s->import_kwh,
				       .cost = s->cost,
				       .produced_kwh = s->export_kwh,
				       .income = s->income};
}

/* `ea`: the peak table and the running hour, day and month (tariffs.md section 5):
 * the hour as accounting.h joins it (registers when the meter sends them, else
 * integrated power), the day and month its stored finished parts plus the hour;
 * without the history, the integrated figures alone. */
static void energy_accounting(struct hp_json_text *t, const struct hp_ams_meter *m,
			      const struct data_job *j, bool stored)
{
	struct hp_acct_running run;
	struct hp_live_view v;
	hp_live_energy_view(&m->st.live.energy, NULL, NULL, &v);
	if (stored && hp_acct_running(&m->c, &j->hour_done, &run) == 0) {
		struct hp_live_period hour = {.use_kwh = run.h.import_kwh,
					      .cost = run.h.cost,
					      .produced_kwh = run.h.export_kwh,
					      .income = run.h.income};
		struct hp_live_period day = from_sum(&j->day_done),
				      month = from_sum(&j->month_done);
		v.hour = hour;
		v.day = (struct hp_live_period){day.use_kwh + hour.use_kwh, day.cost + hour.cost,
						day.produced_kwh + hour.produced_kwh,
						day.income + hour.income, false};
		v.month = (struct hp_live_period){
		    month.use_kwh + v.day.use_kwh, month.cost + v.day.cost,
		    month.produced_kwh + v.day.produced_kwh, month.income + v.day.income, false};
	}
	hp_json_literal(t, "{\"x\":");
	hp_ams_fixed(t, j->peaks.month_max_kwh, 1);
	hp_json_literal(t, ",\"p\":[");
	for (unsigned i = 0; i < j->peaks.count; i++) {
		if (i > 0)
			hp_json_char(t, ',');
		hp_ams_fixed(t, j->peaks.peaks[i].centi_kwh / 100.0, 2);
	}
	hp_json_literal(t, "],\"t\":");
	hp_json_int(t, j->peaks.threshold_kwh);
	period(t, "h", &v.hour);
	period(t, "d", &v.day);
	period(t, "m", &v.month);
	hp_json_char(t, '}');
}

static void data_json(const struct hp_api_env *env, struct hp_ams_meter *m, int64_t now_ms,
		      bool config_access, struct hp_json_text *t)
{
	const struct hp_meter_config *mc = m->mc;
	const struct hp_reading *r = m->c.reading;
	struct data_job j;
	memset(&j, 0, sizeof(j));
	hp_ams_tariff_config(mc, &j.tariff);
	bool stored = hp_bucket_of(m->zone, HP_RES_15M, now_ms, &j.quarter) == 0 &&
		      hp_bucket_of(m->zone, HP_RES_HOUR, now_ms, &j.hour) == 0 &&
		      hp_bucket_of(m->zone, HP_RES_DAY, now_ms, &j.day) == 0 &&
		      hp_bucket_of(m->zone, HP_RES_MONTH, now_ms, &j.month) == 0 &&
		      hp_ams_with_reader(env, m, data_job, &j);
	if (!stored) { /* zeros, and the firmware's default threshold */
		memset(&j.peaks, 0, sizeof(j.peaks));
		j.peaks.threshold_kwh = j.tariff.thresholds[0];
	}
	struct hp_mqtt_status mq;
	hp_state_mqtt(env->state, &mq);
	struct hp_price_value imp = hp_ams_price_at(m, HP_PRICE_IMPORT, now_ms);
	struct hp_price_value exp = hp_ams_price_at(m, HP_PRICE_EXPORT, now_ms);
	double in = r != NULL && hp_reading_has(r, HP_NUM_POWER_IMPORT_W)
			? r->num[HP_NUM_POWER_IMPORT_W]
			: 0;
	double out = r != NULL && hp_reading_has(r, HP_NUM_POWER_EXPORT_W)
			 ? r->num[HP_NUM_POWER_EXPORT_W]
			 : 0;

	hp_json_literal(t, "{\"im\":");
	hp_ams_int(t, gauge_max_w(mc));
	hp_json_literal(t, ",\"om\":");
	hp_ams_int(t, mc != NULL ? mc->production_kwp : 0);
	hp_json_literal(t, ",\"mf\":");
	hp_ams_int(t, mc != NULL && mc->main_fuse_a > 0 ? mc->main_fuse_a : FUSE_DEFAULT_A);
	hp_json_literal(t, ",\"i\":");
	hp_ams_int(t, in);
	hp_json_literal(t, ",\"e\":");
	hp_ams_int(t, out);
	hp_json_literal(t, ",\"w\":");
	hp_ams_int(t, round(in) - round(out));
	static const struct {
		const char *key;
		enum hp_num num;
		int decimals;
	} values[] = {
	    {"ri", HP_NUM_REACTIVE_IMPORT_VAR, 0},
	    {"re", HP_NUM_REACTIVE_EXPORT_VAR, 0},
	    {"ic", HP_NUM_ENERGY_IMPORT_KWH, 3},
	    {"ict1", HP_NUM_ENERGY_IMPORT_T1_KWH, 3},
	    {"ict2", HP_NUM_ENERGY_IMPORT_T2_KWH, 3},
	    {"ec", HP_NUM_ENERGY_EXPORT_KWH, 3},
	    {"ect1", HP_NUM_ENERGY_EXPORT_T1_KWH, 3},
	    {"ect2", HP_NUM_ENERGY_EXPORT_T2_KWH, 3},
	    {"ric", HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH, 3},
	    {"rec", HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH, 3},
	    {"f", HP_NUM_POWER_FACTOR, 2},
	};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		hp_json_char(t, ',');
		hp_json_string(t, values[i].key, strlen(values[i].key));
		hp_json_char(t, ':');
		number_of(t, r, values[i].num, values[i].decimals);
	}
	for (int n = 0; n < 3; n++) {
		char key[8];
		snprintf(key, sizeof(key), ",\"l%d\":", n + 1);
		hp_json_append(t, key, strlen(key));
		phase(t, r, n);
	}
	hp_json_literal(t, ",\"v\":0.000,\"r\":0,\"t\":");
	hp_ams_fixed(t, hp_ams_cpu_temp(THERMAL_PATH), 2);
	hp_json_literal(t, ",\"u\":");
	hp_json_int(t,
		    now_ms > env->state->started_ms ? (now_ms - env->state->started_ms) / 1000 : 0);
	hp_json_literal(t, ",\"m\":");
	hp_json_int(t, hp_ams_mem_available(MEMINFO_PATH));
	hp_json_literal(t, ",\"em\":1,\"hm\":");
	hp_json_int(t, han_status(&m->st, env->state->started_ms, now_ms));
	hp_json_literal(t, ",\"wm\":0,\"mm\":");
	hp_json_int(t, mqtt_status(&mq));
	hp_json_literal(t, ",\"me\":");
	hp_json_int(t, mqtt_error(&mq));
	hp_json_literal(t, ",\"sa\":0,\"p\":");
	hp_ams_price(t, &imp);
	hp_json_literal(t, ",\"px\":");
	hp_ams_price(t, &exp);
	hp_json_literal(t, ",\"mt\":");
	hp_json_int(t, hp_ams_meter_type(r != NULL ? r->text[HP_TEXT_MANUFACTURER] : NULL));
	hp_json_literal(t, ",\"ds\":");
	hp_json_int(t, mc != NULL && mc->voltage >= 400 ? 2 : 1);
	hp_json_literal(t, ",\"ea\":");
	energy_accounting(t, m, &j, stored);
	hp_json_literal(t, ",\"pe\":");
	hp_json_bool(t, imp.known);
	/* hanp1d has no price region: prices come pushed in, from any source. */
	hp_json_literal(t, ",\"pr\":\"\",\"pc\":");
	const char *cur = m->c.prices->currency;
	hp_json_string(t, cur, strlen(cur));
	hp_json_literal(t, ",\"he\":");
	hp_json_int(t, last_frame_failed(&m->st) ? hp_ams_han_error(&m->st.last_error) : 0);
	hp_json_literal(t, ",\"ee\":0,\"c\":");
	hp_json_int(t, now_ms / 1000);
	hp_json_literal(t, ",\"a\":");
	hp_json_bool(t, config_access);
	hp_json_char(t, '}');
}

/* ---- /sysinfo.json ---- */

struct last_month_job {
	int64_t from_ms, to_ms;
	struct hp_acct_sum sum;
};

static int last_month_job(const struct hp_acct_ctx *c, void *arg, char *err, size_t err_size)
{
	struct last_month_job *j = arg;
	return hp_acct_sum_range(c, j->from_ms, j->to_ms, &j->sum, err, err_size);
}

static void string_value(struct hp_json_text *t, bool *first, const char *key, const char *v)
{
	hp_ams_key(t, first, key);
	hp_json_string(t, v, strlen(v));
}

static void sysinfo_json(const struct hp_api_env *env, struct hp_ams_meter *m, int64_t now_ms,
			 struct hp_json_text *t)
{
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	const struct hp_reading *r = m->c.reading;
	struct last_month_job j = {0};
	struct hp_bucket month;
	bool stored = hp_bucket_of(m->zone, HP_RES_MONTH, now_ms, &month) == 0 &&
		      hp_bucket_of(m->zone, HP_RES_MONTH, month.start_ms - 1, &month) == 0;
	if (stored) {
		j.from_ms = month.start_ms;
		j.to_ms = month.end_ms;
		stored = hp_ams_with_reader(env, m, last_month_job, &j);
	}
	if (!stored)
		memset(&j.sum, 0, sizeof(j.sum));
	struct tm tm;
	int offset_h = hp_tz_local(m->zone, now_ms / 1000, &tm) == 0
			   ? (int)lround((double)tm.tm_gmtoff / 3600.0)
			   : 0;
	static const int security[] = {[HP_AUTH_NONE] = 0, [HP_AUTH_WRITE] = 1, [HP_AUTH_ALL] = 2};
	const char *prefix = env->cfg->http.prefix;
	while (*prefix == '/')
		prefix++;

	bool first = true;
	hp_json_char(t, '{');
	string_value(t, &first, "version", HP_VERSION);
	string_value(t, &first, "chip", "linux");
	string_value(t, &first, "chipId", "");
	hp_ams_key(t, &first, "cpu");
	hp_json_int(t, 0);
	string_value(t, &first, "mac", "");
	string_value(t, &first, "apmac", "");
	hp_ams_key(t, &first, "board");
	hp_json_int(t, 0);
	hp_ams_key(t, &first, "vndcfg");
	hp_json_bool(t, false);
	hp_ams_key(t, &first, "usrcfg");
	hp_json_bool(t, env->cfg->meter_count > 0);
	hp_ams_key(t, &first, "fwconsent");
	hp_json_int(t, 0);
	string_value(t, &first, "hostname", host);
	hp_ams_key(t, &first, "booting");
	hp_json_bool(t, false);
	hp_ams_key(t, &first, "upgrading");
	hp_json_bool(t, false);
	hp_json_literal(t, ",\"net\":{\"ip\":\"\",\"mask\":\"\",\"gw\":\"\",\"dns1\":\"\","
			   "\"dns2\":\"\",\"ipv6\":\"\",\"dns1v6\":\"\",\"dns2v6\":\"\"}"
			   ",\"if\":{\"eth\":1}");
	hp_json_literal(t, ",\"meter\":{\"mfg\":");
	hp_json_int(t, hp_ams_meter_type(r != NULL ? r->text[HP_TEXT_MANUFACTURER] : NULL));
	first = false;
	string_value(t, &first, "model", r != NULL ? r->text[HP_TEXT_METER_MODEL] : "");
	string_value(t, &first, "id", r != NULL ? r->text[HP_TEXT_METER_ID] : "");
	hp_json_char(t, '}');
	/* Panel visibility: 1 shown, for every panel the firmware has. */
	hp_json_literal(t, ",\"ui\":{\"i\":1,\"e\":1,\"v\":1,\"a\":1,\"r\":1,\"c\":1,\"t\":1,"
			   "\"p\":1,\"d\":1,\"m\":1,\"s\":1,\"l\":1,\"h\":1,\"f\":1,\"k\":1,"
			   "\"lang\":\"en\"},\"security\":");
	hp_json_int(t, security[env->cfg->http.auth]);
	first = false;
	string_value(t, &first, "context", prefix);
	hp_json_literal(t, ",\"boot_reason\":0,\"ex_cause\":0,\"upgrade\":{\"c\":0,\"e\":0,"
			   "\"f\":\"\",\"t\":\"\",\"n\":0,\"p\":0},\"last_month\":");
	period_value(t, j.sum.import_kwh, j.sum.cost, j.sum.export_kwh, j.sum.income);
	hp_json_literal(t, ",\"clock_offset\":");
	hp_json_int(t, offset_h);
	hp_json_literal(t, ",\"features\":[],\"services\":[]}");
}

/* ---- dispatch ---- */

void hp_api_amsreader(const struct hp_api_env *env, enum hp_ams_endpoint e, hp_api_arg_fn arg,
		      void *arg_ctx, int64_t now_ms, bool config_access, struct hp_api_reply *out)
{
	memset(out, 0, sizeof(*out));
	out->status = 200;
	out->text = hp_json_text_new();
	if (out->text == NULL) {
		out->status = 500;
		return;
	}
	struct hp_json_text *t = out->text;
	if (e == HP_AMS_IS_ALIVE) {
		out->content_type = "text/plain";
		return;
	}
	if (e == HP_AMS_TEMPERATURE) {
		hp_json_literal(t, "{\"c\":0,\"s\":[]}");
		return;
	}
	struct hp_ams_meter *m = malloc(sizeof(*m));
	if (m == NULL) {
		out->status = 500;
		error_text(t, "out of memory");
		return;
	}
	if (!meter_open(env, arg(arg_ctx, "meter"), now_ms, m)) {
		out->status = 404;
		error_text(t, "unknown meter");
		free(m);
		return;
	}
	switch (e) {
	case HP_AMS_DATA:
		data_json(env, m, now_ms, config_access, t);
		break;
	case HP_AMS_DAYPLOT:
		hp_ams_dayplot(env, m, t);
		break;
	case HP_AMS_MONTHPLOT:
		hp_ams_monthplot(env, m, t);
		break;
	case HP_AMS_TARIFF:
		hp_ams_tariff(env, m, t);
		break;
	case HP_AMS_REALTIME:
		hp_ams_realtime(m, arg(arg_ctx, "offset"), arg(arg_ctx, "size"), t);
		break;
	case HP_AMS_ENERGYPRICE:
		hp_ams_energyprice(m, t);
		break;
	case HP_AMS_IMPORTPRICE:
	case HP_AMS_EXPORTPRICE:
		hp_ams_prices(m, e == HP_AMS_IMPORTPRICE ? HP_PRICE_IMPORT : HP_PRICE_EXPORT, t);
		break;
	case HP_AMS_SYSINFO:
		sysinfo_json(env, m, now_ms, t);
		break;
	case HP_AMS_NONE:
	case HP_AMS_TEMPERATURE:
	case HP_AMS_IS_ALIVE:
		out->status = 404;
		error_text(t, "no such endpoint");
		break;
	}
	meter_close(m);
	free(m);
	if (t->failed) {
		hp_json_text_truncate(t, 0);
		out->status = 500;
	}
}
