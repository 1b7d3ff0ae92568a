/* The reading model: one decoded meter frame (docs: reading-model.md).
 *
 * A reading is a plain struct with no pointers, so it can be copied between
 * threads and stored without allocation. Every value carries a presence bit:
 * a key the meter did not send is absent, never zero. */
#ifndef HANP1D_READING_H
#define HANP1D_READING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hp_protocol { HP_PROTO_DLMS, HP_PROTO_DSMR, HP_PROTO_MEP };

enum hp_framing { HP_FRAMING_HDLC, HP_FRAMING_MBUS, HP_FRAMING_RAW, HP_FRAMING_P1, HP_FRAMING_MEP };

/* Numeric keys: X(enum suffix, JSON key). The order is the JSON output order. */
#define HP_NUM_FIELDS(X)                                                                           \
	X(POWER_IMPORT_W, "power_import_w")                                                        \
	X(POWER_EXPORT_W, "power_export_w")                                                        \
	X(REACTIVE_IMPORT_VAR, "reactive_import_var")                                              \
	X(REACTIVE_EXPORT_VAR, "reactive_export_var")                                              \
	X(APPARENT_POWER_VA, "apparent_power_va")                                                  \
	X(L1_POWER_IMPORT_W, "l1_power_import_w")                                                  \
	X(L2_POWER_IMPORT_W, "l2_power_import_w")                                                  \
	X(L3_POWER_IMPORT_W, "l3_power_import_w")                                                  \
	X(L1_POWER_EXPORT_W, "l1_power_export_w")                                                  \
	X(L2_POWER_EXPORT_W, "l2_power_export_w")                                                  \
	X(L3_POWER_EXPORT_W, "l3_power_export_w")                                                  \
	X(L1_CURRENT_A, "l1_current_a")                                                            \
	X(L2_CURRENT_A, "l2_current_a")                                                            \
	X(L3_CURRENT_A, "l3_current_a")                                                            \
	X(L1_VOLTAGE_V, "l1_voltage_v")                                                            \
	X(L2_VOLTAGE_V, "l2_voltage_v")                                                            \
	X(L3_VOLTAGE_V, "l3_voltage_v")                                                            \
	X(POWER_FACTOR, "power_factor")                                                            \
	X(L1_POWER_FACTOR, "l1_power_factor")                                                      \
	X(L2_POWER_FACTOR, "l2_power_factor")                                                      \
	X(L3_POWER_FACTOR, "l3_power_factor")                                                      \
	X(FREQUENCY_HZ, "frequency_hz")                                                            \
	X(DEMAND_AVG_W, "demand_avg_w")                                                            \
	X(DEMAND_MONTH_MAX_W, "demand_month_max_w")                                                \
	X(ENERGY_IMPORT_KWH, "energy_import_kwh")                                                  \
	X(ENERGY_IMPORT_T1_KWH, "energy_import_t1_kwh")                                            \
	X(ENERGY_IMPORT_T2_KWH, "energy_import_t2_kwh")                                            \
	X(ENERGY_IMPORT_T3_KWH, "energy_import_t3_kwh")                                            \
	X(ENERGY_IMPORT_T4_KWH, "energy_import_t4_kwh")                                            \
	X(ENERGY_EXPORT_KWH, "energy_export_kwh")                                                  \
	X(ENERGY_EXPORT_T1_KWH, "energy_export_t1_kwh")                                            \
	X(ENERGY_EXPORT_T2_KWH, "energy_export_t2_kwh")                                            \
	X(ENERGY_EXPORT_T3_KWH, "energy_export_t3_kwh")                                            \
	X(ENERGY_EXPORT_T4_KWH, "energy_export_t4_kwh")                                            \
	X(REACTIVE_ENERGY_IMPORT_KVARH, "reactive_energy_import_kvarh")                            \
	X(REACTIVE_ENERGY_EXPORT_KVARH, "reactive_energy_export_kvarh")                            \
	X(TARIFF, "tariff")                                                                        \
	X(POWER_FAILURES, "power_failures")                                                        \
	X(LONG_POWER_FAILURES, "long_power_failures")                                              \
	X(L1_VOLTAGE_SAGS, "l1_voltage_sags")                                                      \
	X(L2_VOLTAGE_SAGS, "l2_voltage_sags")                                                      \
	X(L3_VOLTAGE_SAGS, "l3_voltage_sags")                                                      \
	X(L1_VOLTAGE_SWELLS, "l1_voltage_swells")                                                  \
	X(L2_VOLTAGE_SWELLS, "l2_voltage_swells")                                                  \
	X(L3_VOLTAGE_SWELLS, "l3_voltage_swells")

#define HP_NUM_ENUM(name, key) HP_NUM_##name,
enum hp_num { HP_NUM_FIELDS(HP_NUM_ENUM) HP_NUM_COUNT };
#undef HP_NUM_ENUM

/* Short text keys (ids, versions, clocks). */
#define HP_TEXT_FIELDS(X)                                                                          \
	X(METER_ID, "meter_id")                                                                    \
	X(METER_MODEL, "meter_model")                                                              \
	X(MANUFACTURER, "manufacturer")                                                            \
	X(LIST_ID, "list_id")                                                                      \
	X(DSMR_VERSION, "dsmr_version")                                                            \
	X(METER_TIME, "meter_time")                                                                \
	X(DEMAND_MONTH_MAX_TIME, "demand_month_max_time")

#define HP_TEXT_ENUM(name, key) HP_TEXT_##name,
enum hp_text { HP_TEXT_FIELDS(HP_TEXT_ENUM) HP_TEXT_COUNT };
#undef HP_TEXT_ENUM

/* Longest id or model string kept: DSMR ids are up to 96 hex digits
 * (48 bytes decoded); DLMS octet-strings for ids are shorter. */
#define HP_TEXT_MAX 100
/* DSMR 0-0:96.13.0 carries up to 1024 characters (DSMR 5), hex-encoded as 2048. */
#define HP_MESSAGE_MAX 1025
/* "YYYY-MM-DDTHH:MM:SS" plus NUL. */
#define HP_TIME_MAX 20
/* DSMR allows M-Bus channels 1..4. */
#define HP_MBUS_MAX 4
/* DSMR 1-0:99.97.0 holds at most 10 power-failure events. */
#define HP_FAILURE_LOG_MAX 10
/* Belgian 0-0:98.1.0 holds at most 13 past month peaks. */
#define HP_PEAK_HISTORY_MAX 13

/* Where a meter_id came from; a lower rank wins (reading-model.md precedence). */
enum hp_id_rank {
	HP_ID_SERIAL = 0,   /* DLMS 0.0.96.1.0; DSMR 0-0:96.1.1 */
	HP_ID_VENDOR,       /* Kamstrup 0.0.5 / 0.0.1; DSMR 0-0:96.1.0 */
	HP_ID_PROFILE,      /* a list profile's id element */
	HP_ID_LOGICAL_NAME, /* 0.0.42.0.0 */
	HP_ID_SYSTEM_TITLE, /* the DB envelope's system title */
	HP_ID_NONE
};

struct hp_mbus_reading {
	uint8_t channel;      /* 1..4 */
	int16_t device_type;  /* EN 13757-3 device type, -1 when not sent */
	char id[HP_TEXT_MAX]; /* empty when not sent */
	double value;
	bool has_value;
	char unit[8];           /* "m3", "GJ", ... empty when none */
	char time[HP_TIME_MAX]; /* empty when absent, placeholder or invalid */
};

struct hp_power_failure {
	char end[HP_TIME_MAX]; /* end of the failure, empty when a placeholder */
	int64_t duration_s;
};

struct hp_month_peak {
	char month[HP_TIME_MAX]; /* start of the month the peak belongs to */
	char time[HP_TIME_MAX];  /* when the peak was registered */
	double value_w;
};

struct hp_reading {
	enum hp_protocol protocol;
	enum hp_framing framing;
	bool encrypted;
	bool authenticated;    /* false for an encrypted frame whose tag was not checked */
	int8_t meter_time_dst; /* -1 absent, 0 winter, 1 summer */
	enum hp_id_rank meter_id_rank;
	uint64_t num_present; /* bit n set: num[n] is present */
	double num[HP_NUM_COUNT];
	char text[HP_TEXT_COUNT][HP_TEXT_MAX]; /* empty string = absent */
	char message[HP_MESSAGE_MAX];          /* DSMR 0-0:96.13.0, empty = absent */
	uint8_t mbus_count;
	struct hp_mbus_reading mbus[HP_MBUS_MAX];
	int8_t failure_count; /* -1 absent; 0 = log sent but empty */
	struct hp_power_failure failures[HP_FAILURE_LOG_MAX];
	int8_t peak_count; /* -1 absent */
	struct hp_month_peak peaks[HP_PEAK_HISTORY_MAX];
};

_Static_assert(HP_NUM_COUNT <= 64, "num_present is a 64-bit mask");

void hp_reading_init(struct hp_reading *r, enum hp_protocol protocol, enum hp_framing framing);

/* Inline: every value of every frame goes through these. */
static inline void hp_reading_set(struct hp_reading *r, enum hp_num field, double value)
{
	r->num[field] = value;
	r->num_present |= UINT64_C(1) << field;
}

static inline bool hp_reading_has(const struct hp_reading *r, enum hp_num field)
{
	return (r->num_present >> field) & 1u;
}

static inline void hp_reading_clear(struct hp_reading *r, enum hp_num field)
{
	r->num_present &= ~(UINT64_C(1) << field);
}

/* Copies up to len bytes (bounded by HP_TEXT_MAX - 1). An empty value is no value. */
void hp_reading_set_text(struct hp_reading *r, enum hp_text field, const char *s, size_t len);
bool hp_reading_has_text(const struct hp_reading *r, enum hp_text field);

/* Offers a meter id of the given rank; it replaces the current one only if it ranks
 * better (lower). Empty values are ignored. */
void hp_reading_offer_id(struct hp_reading *r, enum hp_id_rank rank, const char *s, size_t len);

/* Applies the derived rules every protocol shares: energy totals from the tariff
 * registers when the total is absent, and power factors outside -1..1 dropped. */
void hp_reading_finish(struct hp_reading *r);

/* Overlays r on into: every value r carries replaces into's, the others stay.
 * Meters that send their values in several lists (list 1 power every 2.5 s, list 2
 * voltages and currents every 10 s, list 3 registers hourly) are shown whole this
 * way. M-Bus channels are matched by channel and kept in channel order. */
void hp_reading_merge(struct hp_reading *into, const struct hp_reading *r);

const char *hp_num_key(enum hp_num field);
const char *hp_text_key(enum hp_text field);
const char *hp_protocol_name(enum hp_protocol p);
const char *hp_framing_name(enum hp_framing f);
/* "gas", "heat", "water" or "other" for an EN 13757-3 device type. */
const char *hp_mbus_kind(int device_type);

/* Text values that meters send hex-encoded (DSMR ids, messages): writes the decoded
 * text when s is an even-length hex string that decodes to printable ASCII
 * (0x20..0x7E), else s as sent. Always NUL-terminates; returns the length written. */
size_t hp_text_unhex(const char *s, size_t len, char *out, size_t out_size);

#endif
