/* The AMS reader compatible HTTP endpoints (amsreader-compat.md): the JSON the
 * UtilitechAS firmware serves at the root of its web server, byte-compatible in
 * keys, types and decimals, so scripts and Home Assistant REST sensors written for
 * it work unchanged:
 *
 *   /data.json /dayplot.json /monthplot.json /tariff.json /realtime.json
 *   /energyprice.json /importprice.json /exportprice.json /sysinfo.json
 *   /temperature.json /is-alive
 *
 * Each answers for one meter: `?meter=NAME`, else the first configured. Numbers
 * are printed with the firmware's fixed decimals (230.10, not 230.1), so answers
 * are written as text. http.c routes the paths here (at the root and under the
 * configured prefix), ahead of static files, and does auth and headers; nothing
 * here touches a socket. */
#ifndef HP_DAEMON_API_AMSREADER_H
#define HP_DAEMON_API_AMSREADER_H

#include <stdbool.h>
#include <stdint.h>

#include "accounting.h"
#include "api.h"
#include "json_text.h"

enum hp_ams_endpoint {
	HP_AMS_NONE,
	HP_AMS_DATA,
	HP_AMS_DAYPLOT,
	HP_AMS_MONTHPLOT,
	HP_AMS_TARIFF,
	HP_AMS_REALTIME,
	HP_AMS_ENERGYPRICE,
	HP_AMS_IMPORTPRICE,
	HP_AMS_EXPORTPRICE,
	HP_AMS_SYSINFO,
	HP_AMS_TEMPERATURE,
	HP_AMS_IS_ALIVE,
};

/* The endpoint of a path ("/data.json"); HP_AMS_NONE for any other. */
enum hp_ams_endpoint hp_ams_endpoint_of(const char *path);

/* Whether the endpoint answers without auth even when [http] auth = all (the
 * firmware leaves /realtime.json open; /is-alive is a liveness probe). */
bool hp_ams_endpoint_open(enum hp_ams_endpoint e);

/* Answers one GET. config_access: the caller may change the configuration (`a` of
 * /data.json). Sets out->status and out->text (JSON, or empty text with
 * content_type "text/plain" for /is-alive); errors are JSON {"error": ...}. */
void hp_api_amsreader(const struct hp_api_env *env, enum hp_ams_endpoint e, hp_api_arg_fn arg,
		      void *arg_ctx, int64_t now_ms, bool config_access, struct hp_api_reply *out);

/* System figures of /data.json, from files (paths given for the tests): bytes of
 * MemAvailable in a /proc/meminfo style file, and a thermal zone's millidegrees
 * as degrees C; 0 when unreadable. */
int64_t hp_ams_mem_available(const char *meminfo_path);
double hp_ams_cpu_temp(const char *thermal_path);

/* The firmware's meter type code of a manufacturer name: 1 Aidon, 2 Kaifa,
 * 3 Kamstrup, 8 Iskraemeco, 9 Landis+Gyr, 10 Sagemcom, 255 unknown. */
int hp_ams_meter_type(const char *manufacturer);

/* The `he` code of a frame result (0 for a reading). */
int hp_ams_han_error(const struct hp_error *e);

/* ---- shared by api_amsreader.c and api_amsreader_plots.c ---- */

/* The meter an answer is about, with its accounting context. */
struct hp_ams_meter {
	struct hp_meter_state st; /* a copy: reading, errors, live figures */
	const struct hp_meter_config *mc;
	const struct hp_tz *zone;
	struct hp_price_series *dyn; /* snapshot of the book, NULL without one */
	struct hp_acct_ctx c;
};

/* A job on the history reader (0, or -1 with err). */
typedef int (*hp_ams_job)(const struct hp_acct_ctx *c, void *job, char *err, size_t err_size);
/* Runs the job on the API's reader (tried twice, as api_energy.c does); false when
 * the history is unavailable or the job failed: the answer then shows zeros. */
bool hp_ams_with_reader(const struct hp_api_env *env, struct hp_ams_meter *m, hp_ams_job fn,
			void *job);

/* The AMS reader's peak table of the month running at c->now_ms, replayed from the
 * month's finished hours, and its configuration: the meter's Norwegian hours and
 * step bounds when it has that tariff, else the firmware's defaults. */
void hp_ams_tariff_config(const struct hp_meter_config *mc, struct hp_no_ams_config *out);
int hp_ams_peak_table(const struct hp_acct_ctx *c, const struct hp_no_ams_config *cfg,
		      struct hp_no_ams_view *out, char *err, size_t err_size);

/* Text writers: v with exactly `decimals` decimals (never "-0.00"; NaN as 0); an
 * integer (rounded); a price as the firmware prints it (2 decimals above 1 in
 * magnitude, else 4) or null. */
void hp_ams_fixed(struct hp_json_text *t, double v, int decimals);
void hp_ams_int(struct hp_json_text *t, double v);
void hp_ams_price(struct hp_json_text *t, const struct hp_price_value *p);
/* "<sep>\"key\":" where sep is ',' unless *first (then cleared). */
void hp_ams_key(struct hp_json_text *t, bool *first, const char *key);

/* The price of dir at t_ms for the meter (dynamic, time-of-use, fixed). */
struct hp_price_value hp_ams_price_at(const struct hp_ams_meter *m, enum hp_price_dir dir,
				      int64_t t_ms);

/* The plot and price endpoints (api_amsreader_plots.c); text is the answer. */
void hp_ams_dayplot(const struct hp_api_env *env, struct hp_ams_meter *m, struct hp_json_text *t);
void hp_ams_monthplot(const struct hp_api_env *env, struct hp_ams_meter *m, struct hp_json_text *t);
void hp_ams_tariff(const struct hp_api_env *env, struct hp_ams_meter *m, struct hp_json_text *t);
/* offset and size as given (NULL: 0 and 60), clipped to the ring. */
void hp_ams_realtime(const struct hp_ams_meter *m, const char *offset, const char *size,
		     struct hp_json_text *t);
void hp_ams_energyprice(const struct hp_ams_meter *m, struct hp_json_text *t);
void hp_ams_prices(const struct hp_ams_meter *m, enum hp_price_dir dir, struct hp_json_text *t);

#endif
