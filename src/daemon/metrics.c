/* Prometheus text exposition. Names follow the Prometheus conventions: a hanp1d_
 * prefix, the unit as a suffix (watts, volts, amperes, hertz, bytes, seconds;
 * energy stays in the kilowatt-hours every meter counts in), _total on counters,
 * phases and tariffs as labels of one family. A family appears only when some
 * meter has a value for it, so a DSMR meter does not export DLMS-only zeros. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "source.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

/* Members of one reading family: a total, three phases or four tariffs. */
#define FAMILY_MEMBERS_MAX 4

struct member {
	enum hp_num field;
	const char *label_value; /* NULL for a family without a second label */
};

struct reading_family {
	const char *name, *type, *help;
	const char *label; /* "phase", "tariff" or NULL */
	unsigned count;
	struct member m[FAMILY_MEMBERS_MAX];
};

#define TOTAL(f)                                                                                   \
	NULL, 1,                                                                                   \
	{                                                                                          \
		{                                                                                  \
			HP_NUM_##f, NULL                                                           \
		}                                                                                  \
	}
#define PHASES(p, suffix)                                                                          \
	"phase", 3,                                                                                \
	{                                                                                          \
		{HP_NUM_L1_##p##suffix, "l1"}, {HP_NUM_L2_##p##suffix, "l2"},                      \
		{                                                                                  \
			HP_NUM_L3_##p##suffix, "l3"                                                \
		}                                                                                  \
	}
#define TARIFFS(dir)                                                                               \
	"tariff", 4,                                                                               \
	{                                                                                          \
		{HP_NUM_ENERGY_##dir##_T1_KWH, "1"}, {HP_NUM_ENERGY_##dir##_T2_KWH, "2"},          \
		    {HP_NUM_ENERGY_##dir##_T3_KWH, "3"},                                           \
		{                                                                                  \
			HP_NUM_ENERGY_##dir##_T4_KWH, "4"                                          \
		}                                                                                  \
	}

/* Every numeric key of the reading model, each in exactly one family (the unit
 * test checks that). */
static const struct reading_family READING_FAMILIES[] = {
    {"hanp1d_power_import_watts", "gauge", "Active power imported from the grid.",
     TOTAL(POWER_IMPORT_W)},
    {"hanp1d_power_export_watts", "gauge", "Active power exported to the grid.",
     TOTAL(POWER_EXPORT_W)},
    {"hanp1d_reactive_power_import_var", "gauge", "Reactive power imported (var).",
     TOTAL(REACTIVE_IMPORT_VAR)},
    {"hanp1d_reactive_power_export_var", "gauge", "Reactive power exported (var).",
     TOTAL(REACTIVE_EXPORT_VAR)},
    {"hanp1d_apparent_power_volt_amperes", "gauge", "Apparent power.", TOTAL(APPARENT_POWER_VA)},
    {"hanp1d_phase_power_import_watts", "gauge", "Active power imported per phase.",
     PHASES(POWER_IMPORT, _W)},
    {"hanp1d_phase_power_export_watts", "gauge", "Active power exported per phase.",
     PHASES(POWER_EXPORT, _W)},
    {"hanp1d_current_amperes", "gauge", "Current per phase.", PHASES(CURRENT, _A)},
    {"hanp1d_voltage_volts", "gauge", "Voltage per phase.", PHASES(VOLTAGE, _V)},
    {"hanp1d_power_factor_ratio", "gauge", "Power factor (-1 to 1).", TOTAL(POWER_FACTOR)},
    {"hanp1d_phase_power_factor_ratio", "gauge", "Power factor per phase (-1 to 1).",
     PHASES(POWER, _FACTOR)},
    {"hanp1d_frequency_hertz", "gauge", "Grid frequency.", TOTAL(FREQUENCY_HZ)},
    {"hanp1d_demand_average_watts", "gauge", "Running quarter-hour average power (Belgium).",
     TOTAL(DEMAND_AVG_W)},
    {"hanp1d_demand_month_max_watts", "gauge", "Highest quarter-hour power this month.",
     TOTAL(DEMAND_MONTH_MAX_W)},
    {"hanp1d_energy_import_kilowatt_hours_total", "counter",
     "Active energy imported (meter register).", TOTAL(ENERGY_IMPORT_KWH)},
    {"hanp1d_tariff_energy_import_kilowatt_hours_total", "counter",
     "Active energy imported per tariff register.", TARIFFS(IMPORT)},
    {"hanp1d_energy_export_kilowatt_hours_total", "counter",
     "Active energy exported (meter register).", TOTAL(ENERGY_EXPORT_KWH)},
    {"hanp1d_tariff_energy_export_kilowatt_hours_total", "counter",
     "Active energy exported per tariff register.", TARIFFS(EXPORT)},
    {"hanp1d_reactive_energy_import_kilovar_hours_total", "counter",
     "Reactive energy imported (meter register).", TOTAL(REACTIVE_ENERGY_IMPORT_KVARH)},
    {"hanp1d_reactive_energy_export_kilovar_hours_total", "counter",
     "Reactive energy exported (meter register).", TOTAL(REACTIVE_ENERGY_EXPORT_KVARH)},
    {"hanp1d_tariff", "gauge", "Tariff in force, as the meter numbers it.", TOTAL(TARIFF)},
    {"hanp1d_power_failures_total", "counter", "Power failures the meter counted.",
     TOTAL(POWER_FAILURES)},
    {"hanp1d_long_power_failures_total", "counter", "Long power failures the meter counted.",
     TOTAL(LONG_POWER_FAILURES)},
    {"hanp1d_voltage_sags_total", "counter", "Voltage sags per phase.", PHASES(VOLTAGE, _SAGS)},
    {"hanp1d_voltage_swells_total", "counter", "Voltage swells per phase.",
     PHASES(VOLTAGE, _SWELLS)},
};

/* Counters and gauges every meter has, read from its state. */
struct meter_family {
	const char *name, *type, *help;
	double (*get)(const struct hp_meter_state *m);
};

static double frames(const struct hp_meter_state *m)
{
	return (double)m->stats.frames;
}

static double readings(const struct hp_meter_state *m)
{
	return (double)m->stats.readings;
}

static double source_bytes(const struct hp_meter_state *m)
{
	return (double)m->source.bytes;
}

static double garbage_bytes(const struct hp_meter_state *m)
{
	return (double)m->stats.garbage_bytes;
}

static double ring_dropped(const struct hp_meter_state *m)
{
	return (double)m->ring_dropped;
}

static double reconnects(const struct hp_meter_state *m)
{
	return (double)m->source.reconnects;
}

static double source_up(const struct hp_meter_state *m)
{
	return m->source.state == HP_SOURCE_RUNNING ? 1 : 0;
}

static double unauthenticated(const struct hp_meter_state *m)
{
	return (double)m->stats.unauthenticated;
}

static double ignored_apdus(const struct hp_meter_state *m)
{
	return (double)m->stats.ignored_apdus;
}

static const struct meter_family METER_FAMILIES[] = {
    {"hanp1d_frames_total", "counter", "Link-layer frames accepted.", frames},
    {"hanp1d_readings_total", "counter", "Readings decoded.", readings},
    {"hanp1d_source_bytes_total", "counter", "Bytes read from the meter's source.", source_bytes},
    {"hanp1d_garbage_bytes_total", "counter", "Bytes outside any frame.", garbage_bytes},
    {"hanp1d_ring_dropped_bytes_total", "counter",
     "Bytes dropped because the ring buffer was full.", ring_dropped},
    {"hanp1d_source_reconnects_total", "counter", "Times the source was reopened.", reconnects},
    {"hanp1d_source_up", "gauge", "1 while the source is open and reading.", source_up},
    {"hanp1d_unauthenticated_readings_total", "counter",
     "Encrypted readings whose tag could not be checked (no authentication key).", unauthenticated},
    {"hanp1d_ignored_apdus_total", "counter",
     "APDUs that are not data-notifications (polled meters).", ignored_apdus},
};

struct snapshot {
	unsigned count;
	struct hp_meter_state m[HP_METERS_MAX];
	struct hp_store_status store;
	int64_t started_ms;
};

/* Label values are escaped as the format says: backslash, quote and newline. */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

/* The format's spelling of the special values, which printf spells differently. */
static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.15g", v);
}

static void put_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{meter="M"[,label="value"]} value */
static void put_sample(FILE *f, const char *name, const char *meter, const char *label,
		       const char *label_value, double v)
{
	fprintf(f, "%s{meter=\"", name);
	put_label_value(f, meter);
	if (label != NULL) {
		fprintf(f, "\",%s=\"", label);
		put_label_value(f, label_value);
	}
	fputs("\"} ", f);
	put_value(f, v);
	fputc('\n', f);
}

static bool family_present(const struct reading_family *fam, const struct snapshot *s)
{
	for (unsigned i = 0; i < s->count; i++)
		for (unsigned k = 0; k < fam->count; k++)
			if (s->m[i].has_reading &&
			    hp_reading_has(&s->m[i].reading, fam->m[k].field))
				return true;
	return false;
}

static void put_reading_family(FILE *f, const struct reading_family *fam, const struct snapshot *s)
{
	if (!family_present(fam, s))
		return;
	put_header(f, fam->name, fam->type, fam->help);
	for (unsigned i = 0; i < s->count; i++) {
		const struct hp_meter_state *m = &s->m[i];
		for (unsigned k = 0; k < fam->count; k++)
			if (m->has_reading && hp_reading_has(&m->reading, fam->m[k].field))
				put_sample(f, fam->name, m->name, fam->label, fam->m[k].label_value,
					   m->reading.num[fam->m[k].field]);
	}
}

static void put_meter_family(FILE *f, const struct meter_family *fam, const struct snapshot *s)
{
	if (s->count == 0)
		return;
	put_header(f, fam->name, fam->type, fam->help);
	for (unsigned i = 0; i < s->count; i++)
		put_sample(f, fam->name, s->m[i].name, NULL, NULL, fam->get(&s->m[i]));
}

/* Every code, zeros included, so rate() sees the first error. */
static void put_frame_errors(FILE *f, const struct snapshot *s)
{
	if (s->count == 0)
		return;
	const char *name = "hanp1d_frame_errors_total";
	put_header(f, name, "counter", "Frames that gave an error instead of a reading, by code.");
	for (unsigned i = 0; i < s->count; i++)
		for (int c = HP_ERR_CRC; c <= HP_ERR_NOISE; c++)
			put_sample(f, name, s->m[i].name, "error",
				   hp_error_name((enum hp_error_code)c),
				   (double)s->m[i].stats.errors[c]);
}

/* The age of the data: a timestamp (the Prometheus way) and the stale flag the API
 * shows, by the same rule. */
static void put_freshness(FILE *f, const struct snapshot *s, const struct hp_config *cfg,
			  int64_t now_ms)
{
	bool any = false;
	for (unsigned i = 0; i < s->count; i++)
		any = any || s->m[i].has_reading;
	if (any) {
		const char *name = "hanp1d_last_reading_timestamp_seconds";
		put_header(f, name, "gauge", "When the latest reading was decoded (Unix time).");
		for (unsigned i = 0; i < s->count; i++)
			if (s->m[i].has_reading)
				put_sample(f, name, s->m[i].name, NULL, NULL,
					   (double)s->m[i].reading_ms / 1000.0);
	}
	if (s->count == 0)
		return;
	const char *name = "hanp1d_stale";
	put_header(f, name, "gauge", "1 when the meter has no reading younger than stale_after.");
	for (unsigned i = 0; i < s->count; i++) {
		const struct hp_meter_state *m = &s->m[i];
		bool stale =
		    !m->has_reading || now_ms - m->reading_ms > (int64_t)cfg->stale_after_s * 1000;
		put_sample(f, name, m->name, NULL, NULL, stale ? 1 : 0);
	}
}

static void put_global(FILE *f, const char *name, const char *type, const char *help, double v)
{
	put_header(f, name, type, help);
	fprintf(f, "%s ", name);
	put_value(f, v);
	fputc('\n', f);
}

static void put_daemon(FILE *f, const struct snapshot *s, int64_t now_ms)
{
	put_header(f, "hanp1d_build_info", "gauge", "The running version.");
	fprintf(f, "hanp1d_build_info{version=\"");
	put_label_value(f, HP_VERSION);
	fputs("\"} 1\n", f);
	put_global(f, "hanp1d_uptime_seconds", "gauge", "Seconds since the daemon started.",
		   now_ms > s->started_ms ? (double)(now_ms - s->started_ms) / 1000.0 : 0.0);
	put_global(f, "hanp1d_store_size_bytes", "gauge", "Size of the history database.",
		   (double)s->store.file_bytes);
	put_global(f, "hanp1d_store_rows", "gauge", "Rows the history store reports.",
		   (double)s->store.rows);
	put_global(f, "hanp1d_store_commits_total", "counter", "History transactions committed.",
		   (double)s->store.commits);
	put_global(f, "hanp1d_store_failures_total", "counter", "History commits that failed.",
		   (double)s->store.failures);
}

static void take_snapshot(struct hp_state *state, struct snapshot *s)
{
	s->count = 0;
	while (s->count < HP_METERS_MAX && hp_state_meter(state, s->count, &s->m[s->count]))
		s->count++;
	hp_state_store(state, &s->store);
	s->started_ms = state->started_ms;
}

char *hp_metrics_render(struct hp_state *state, const struct hp_config *cfg, int64_t now_ms,
			size_t *len)
{
	/* A copy of every meter is a few tens of kB: the heap, not a server thread's
	 * stack. */
	struct snapshot *s = malloc(sizeof(*s));
	if (s == NULL)
		return NULL;
	take_snapshot(state, s);
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (f == NULL) {
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(READING_FAMILIES) / sizeof(READING_FAMILIES[0]); i++)
		put_reading_family(f, &READING_FAMILIES[i], s);
	put_freshness(f, s, cfg, now_ms);
	for (size_t i = 0; i < sizeof(METER_FAMILIES) / sizeof(METER_FAMILIES[0]); i++)
		put_meter_family(f, &METER_FAMILIES[i], s);
	put_frame_errors(f, s);
	put_daemon(f, s, now_ms);
	bool failed = ferror(f) != 0;
	if (fclose(f) != 0 || failed) {
		free(text);
		text = NULL;
	}
	free(s);
	return text;
}
