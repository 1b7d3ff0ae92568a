/* Meter profiles: complete frames as each meter family sends them, built from the
 * meter's quantities (protocols-meters.md layouts 1-6, protocols-dsmr-serial.md (h)).
 *
 * Values are given in reading-model units (W, var, A, V, kWh, kvarh, Hz, -1..1);
 * each profile converts them to its wire units and scalers and rounds to the wire
 * resolution (e.g. Kamstrup energy in 10 Wh: raw = round(kWh * 100)). A value the
 * wire type cannot hold is clamped to the type's range. */
#ifndef HP_ENCODE_METERS_H
#define HP_ENCODE_METERS_H

#include "encode.h"

enum hp_enc_profile {
	/* DLMS */
	HP_PROFILE_KAMSTRUP_LIST1,  /* NO, 25 elements: id, type, P, Q, I, U */
	HP_PROFILE_KAMSTRUP_LIST2,  /* NO, 35 elements: list 1 + clock + 4 energies */
	HP_PROFILE_KAMSTRUP_DK,     /* DK push: uint32 meter number, per-phase P, PF; GCM SC 30 */
	HP_PROFILE_AIDON_LIST1,     /* P+ only */
	HP_PROFILE_AIDON_LIST2,     /* 13 / 9 elements */
	HP_PROFILE_AIDON_LIST3,     /* 18 / 14 elements */
	HP_PROFILE_AIDON_SE,        /* clock first, per-phase P/Q, energies, PF, frequency */
	HP_PROFILE_KAIFA_LIST1,     /* 02 01 06 P+ */
	HP_PROFILE_KAIFA_LIST2,     /* KFM_001 positional, 13 / 9 */
	HP_PROFILE_KAIFA_LIST3,     /* KFM_001 positional, 18 / 14 */
	HP_PROFILE_KAIFA_SE,        /* flat OBIS/value pairs, no scalers */
	HP_PROFILE_AT_TRIPLET,      /* Kaifa MA309 EVN style triplets; M-Bus, SC 20 */
	HP_PROFILE_SAGEMCOM_AT,     /* triplets, bare leading clock, trailing meter number */
	HP_PROFILE_KAIFA_MA309_VKW, /* Vorarlberg mixed list; M-Bus, SC 21 */
	HP_PROFILE_ISKRA_12,        /* Iskraemeco positional n = 0x12 */
	HP_PROFILE_LANDIS_GYR,      /* capture-object descriptors */
	HP_PROFILE_NETZ_BURGENLAND, /* fixed structure of 14, encrypted HDLC */
	/* DSMR */
	HP_PROFILE_DSMR22_NL, /* no CRC, two-line gas 24.3.0 */
	HP_PROFILE_DSMR42_NL,
	HP_PROFILE_DSMR50_NL,  /* with gas on channel 1 */
	HP_PROFILE_DSMR_BE,    /* e-MUCS: 1.4.0, 1.6.0, 98.1.0, gas 24.2.3, water */
	HP_PROFILE_DSMR_LU,    /* Smarty: telegram in a DB envelope, SC 30 */
	HP_PROFILE_DSMR_SE_H1, /* Swedish H1: totals, per-phase P/Q */
	HP_PROFILE_DSMR_AT_WH, /* Sagemcom AT: Wh, W, varh, var */
	HP_PROFILE_DSMR_HU,    /* E.ON HU: 4 tariffs, PF, frequency, 42.0.0 + 96.1.0 */
	HP_PROFILE_COUNT
};

#define HP_ENC_TEXT_MAX     48
#define HP_ENC_MESSAGE_MAX  128
#define HP_ENC_MBUS_MAX     4
#define HP_ENC_FAILURES_MAX 10
#define HP_ENC_PEAKS_MAX    13

struct hp_enc_mbus_channel {
	uint8_t channel;          /* 1..4 */
	uint8_t device_type;      /* EN 13757-3: 3 gas, 7 water, ... */
	char id[HP_ENC_TEXT_MAX]; /* text; sent hex-encoded */
	double value;
	char unit[8]; /* "m3", "GJ" */
	struct hp_enc_datetime time;
};

struct hp_enc_failure {
	struct hp_enc_datetime end;
	uint32_t duration_s;
};

struct hp_enc_peak {
	struct hp_enc_datetime month; /* start of the month */
	struct hp_enc_datetime time;  /* when the peak was registered */
	double value_w;
};

/* A meter's quantities. Profiles send the ones their layout has. */
struct hp_enc_values {
	uint8_t phases; /* 1 or 3 */
	struct hp_enc_datetime clock;
	char meter_id[HP_ENC_TEXT_MAX];     /* GS1 number, serial, trailing Sagemcom number */
	uint32_t meter_number;              /* Kamstrup DK */
	char meter_model[HP_ENC_TEXT_MAX];  /* also the DSMR ident after /XXX5 */
	char logical_name[HP_ENC_TEXT_MAX]; /* 0.0.42.0.0 */
	double power_import_w, power_export_w;
	double reactive_import_var, reactive_export_var;
	double phase_power_import_w[3], phase_power_export_w[3];
	double phase_reactive_import_var[3], phase_reactive_export_var[3];
	double current_a[3], voltage_v[3];
	double power_factor, phase_power_factor[3];
	double frequency_hz;
	double energy_import_kwh, energy_export_kwh;
	double reactive_energy_import_kvarh, reactive_energy_export_kvarh;
	double energy_import_tariff_kwh[4], energy_export_tariff_kwh[4];
	/* DSMR extras */
	uint8_t tariff;
	double demand_avg_w, demand_month_max_w;
	struct hp_enc_datetime demand_month_max_time;
	uint32_t power_failures, long_power_failures;
	uint32_t voltage_sags[3], voltage_swells[3];
	char message[HP_ENC_MESSAGE_MAX]; /* sent hex-encoded; empty = "()" */
	uint8_t failure_count;
	struct hp_enc_failure failures[HP_ENC_FAILURES_MAX];
	uint8_t peak_count;
	struct hp_enc_peak peaks[HP_ENC_PEAKS_MAX];
	uint8_t mbus_count;
	struct hp_enc_mbus_channel mbus[HP_ENC_MBUS_MAX];
};

enum hp_enc_framing {
	HP_ENC_FRAMING_HDLC,
	HP_ENC_FRAMING_MBUS,
	HP_ENC_FRAMING_RAW, /* bare APDU (with the LLC header when `llc`), or a DB telegram */
	HP_ENC_FRAMING_P1,  /* DSMR text as is */
};

/* Quantity groups whose scaler a list with scaler-units may send (protocols-meters.md
 * layouts 2 and 3: "always use the sent scaler"; Aidon firmwares differ). */
enum hp_enc_scaler_group {
	HP_ENC_SCALER_P,  /* active power, totals and per phase (W) */
	HP_ENC_SCALER_Q,  /* reactive power (var) */
	HP_ENC_SCALER_I,  /* current (A) */
	HP_ENC_SCALER_U,  /* voltage (V) */
	HP_ENC_SCALER_E,  /* active energy, totals and tariffs (Wh) */
	HP_ENC_SCALER_R,  /* reactive energy (varh) */
	HP_ENC_SCALER_PF, /* power factor */
	HP_ENC_SCALER_F,  /* frequency (Hz) */
	HP_ENC_SCALER_COUNT
};

/* How the APDU (or telegram) travels. hp_enc_meter_default_link gives each profile
 * the link of the real meters; tests change fields to make variants. */
struct hp_enc_link {
	enum hp_enc_framing framing;
	bool llc; /* HDLC and raw: E6 E7 00 before the APDU */
	struct hp_enc_hdlc hdlc;
	unsigned hdlc_segments; /* 0 or 1: one frame; N: N frames with the S bit */
	struct hp_enc_mbus mbus;
	unsigned mbus_segments; /* 0: as few as mbus_seg_max allows; N: N frames */
	size_t mbus_seg_max;    /* data bytes per M-Bus frame; 252 gives the Sagemcom wrap */
	size_t gbt_block;       /* 0: no GBT; else block size, one block per HDLC frame */
	bool gbt_llc_each;      /* repeat the LLC header in every frame carrying a block */
	bool cipher;            /* wrap in general-glo-ciphering */
	struct hp_enc_ggc ggc;
	enum hp_enc_dt_form dt_form; /* data-notification date-time */
	uint32_t invoke_id;
	bool lf_only; /* DSMR line ends */
	enum hp_enc_dsmr_crc crc;
	/* When set, lists that send a scaler-unit with each value (layouts 2, 3 and the mixed
	 * Kaifa MA309 list) use these scalers instead of the profile's; values are rounded
	 * to the new resolution. Lists whose scalers are implied ignore them. */
	bool scalers_set;
	int8_t scalers[HP_ENC_SCALER_COUNT];
};

const char *hp_enc_profile_name(enum hp_enc_profile p);
/* The profile with that name (as `hanp1d sim --list` prints them), or -1. */
int hp_enc_profile_by_name(const char *name);
bool hp_enc_profile_is_dsmr(enum hp_enc_profile p);

/* The link a real meter of the profile uses (addresses, control, segmenting, SC,
 * system title prefix, date-time form). Keys are the protocols.md (d) test keys
 * (LU: the fixed Smarty AK); callers set their own. */
void hp_enc_meter_default_link(enum hp_enc_profile p, struct hp_enc_link *link);

/* DLMS: the notification body (one A-XDR value). DSMR: the whole telegram. */
int hp_enc_meter_body(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
		      const struct hp_enc_link *link);
/* DLMS: the data-notification APDU (header + body), in clear. DSMR: the telegram. */
int hp_enc_meter_apdu(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
		      const struct hp_enc_link *link);
/* The bytes on the line: APDU, ciphering, GBT, HDLC / M-Bus framing. Several link
 * frames (segments, blocks) are appended back to back. */
int hp_enc_meter_frames(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
			const struct hp_enc_link *link);

/* A plausible set of values for a meter (used by the simulator as a starting point
 * and by the tests); phases 1 or 3. */
void hp_enc_values_example(struct hp_enc_values *v, uint8_t phases);

#endif
