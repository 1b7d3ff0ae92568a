/* DSMR / P1 meter profiles as line tables (protocols-dsmr-serial.md (h)). */
#include <string.h>

#include "meters_internal.h"

enum dkind {
	D_TEXT,     /* a fixed line */
	D_CLOCK,    /* obis(YYMMDDhhmmssX) */
	D_HEX,      /* obis(hex of a text quantity) */
	D_NUM,      /* obis(value[*unit]) */
	D_COUNT,    /* obis(00009): a counter without unit */
	D_TARIFF,   /* obis(0002) */
	D_MESSAGE,  /* obis(hex of the message) or obis() */
	D_FAILURES, /* 1-0:99.97.0 power-failure log */
	D_PEAK,     /* 1-0:1.6.0(TST)(value*kW), Belgian month peak */
	D_PEAKS,    /* 0-0:98.1.0 Belgian peak history */
	D_MBUS,     /* the M-Bus channel lines in the profile's style */
};

#define DL_L23 0x01 /* an L2/L3 line: only on 3-phase meters */

struct dline {
	uint8_t kind;
	const char *obis; /* D_TEXT: the whole line */
	uint8_t qty;      /* enum hp_enc_qty */
	uint8_t int_digits, decimals;
	int8_t pow10;     /* printed = value * 10^pow10 (kW from W: -3; Wh from kWh: +3) */
	const char *unit; /* NULL: no "*unit" */
	uint8_t flags;
};

enum mbus_style {
	MB_NL,     /* 24.1.0(003), 96.1.0(hex), 24.2.1(TST)(value*m3) */
	MB_BE,     /* 24.1.0(003), 96.1.1(hex), gas: 24.4.0(1) + 24.2.3; others 24.2.1 */
	MB_DSMR22, /* 24.1.0(3), 96.1.0(hex), 24.3.0(...)(m3) + value on the next line */
};

struct dsmr_profile {
	const char *ident; /* before the model: "ISk5\\2" gives /ISk5\2<model> */
	const struct dline *lines;
	size_t n;
	enum mbus_style mbus;
	enum hp_enc_dsmr_crc crc;
	uint8_t sc; /* 0: clear P1; else a DB envelope (Luxembourg) */
};

/* The line tables, one row per telegram line, are laid out by hand. */
/* clang-format off */
#define TEXT(s) {D_TEXT, s, 0, 0, 0, 0, NULL, 0}
#define CLOCK {D_CLOCK, "0-0:1.0.0", 0, 0, 0, 0, NULL, 0}
#define HEX(o, q) {D_HEX, o, q, 0, 0, 0, NULL, 0}
#define NUM(o, q, i, d, p, u) {D_NUM, o, q, i, d, p, u, 0}
#define NUM3(o, q, i, d, p, u) {D_NUM, o, q, i, d, p, u, DL_L23}
#define COUNT(o, q, w) {D_COUNT, o, q, w, 0, 0, NULL, 0}
#define COUNT3(o, q, w) {D_COUNT, o, q, w, 0, 0, NULL, DL_L23}
#define TARIFF {D_TARIFF, "0-0:96.14.0", 0, 4, 0, 0, NULL, 0}
#define MESSAGE {D_MESSAGE, "0-0:96.13.0", 0, 0, 0, 0, NULL, 0}
#define FAILURES {D_FAILURES, "1-0:99.97.0", 0, 0, 0, 0, NULL, 0}
#define MBUS {D_MBUS, NULL, 0, 0, 0, 0, NULL, 0}

#define TARIFF_REGISTERS(i)                                                                        \
	NUM("1-0:1.8.1", HP_Q_E_IMP_T1, i, 3, 0, "kWh"),                                           \
	NUM("1-0:1.8.2", HP_Q_E_IMP_T2, i, 3, 0, "kWh"),                                           \
	NUM("1-0:2.8.1", HP_Q_E_EXP_T1, i, 3, 0, "kWh"),                                           \
	NUM("1-0:2.8.2", HP_Q_E_EXP_T2, i, 3, 0, "kWh")
#define PHASE_POWERS(i, d)                                                                         \
	NUM("1-0:21.7.0", HP_Q_P_IMP_L1, i, d, -3, "kW"),                                          \
	NUM3("1-0:41.7.0", HP_Q_P_IMP_L2, i, d, -3, "kW"),                                         \
	NUM3("1-0:61.7.0", HP_Q_P_IMP_L3, i, d, -3, "kW"),                                         \
	NUM("1-0:22.7.0", HP_Q_P_EXP_L1, i, d, -3, "kW"),                                          \
	NUM3("1-0:42.7.0", HP_Q_P_EXP_L2, i, d, -3, "kW"),                                         \
	NUM3("1-0:62.7.0", HP_Q_P_EXP_L3, i, d, -3, "kW")
#define VOLTAGES(i, d, u)                                                                          \
	NUM("1-0:32.7.0", HP_Q_U1, i, d, 0, u),                                                    \
	NUM3("1-0:52.7.0", HP_Q_U2, i, d, 0, u),                                                   \
	NUM3("1-0:72.7.0", HP_Q_U3, i, d, 0, u)
#define CURRENTS(i, d)                                                                             \
	NUM("1-0:31.7.0", HP_Q_I1, i, d, 0, "A"),                                                  \
	NUM3("1-0:51.7.0", HP_Q_I2, i, d, 0, "A"),                                                 \
	NUM3("1-0:71.7.0", HP_Q_I3, i, d, 0, "A")
#define QUALITY_COUNTERS                                                                           \
	COUNT("1-0:32.32.0", HP_Q_SAGS1, 5),                                                       \
	COUNT3("1-0:52.32.0", HP_Q_SAGS2, 5),                                                      \
	COUNT3("1-0:72.32.0", HP_Q_SAGS3, 5),                                                      \
	COUNT("1-0:32.36.0", HP_Q_SWELLS1, 5),                                                     \
	COUNT3("1-0:52.36.0", HP_Q_SWELLS2, 5),                                                    \
	COUNT3("1-0:72.36.0", HP_Q_SWELLS3, 5)
#define FAILURE_COUNTERS                                                                           \
	COUNT("0-0:96.7.21", HP_Q_POWER_FAILURES, 5),                                              \
	COUNT("0-0:96.7.9", HP_Q_LONG_POWER_FAILURES, 5)

/* DSMR 2.2 (NL): no clock line, no CRC, two-line gas. */
static const struct dline dsmr22_nl[] = {
	HEX("0-0:96.1.1", HP_Q_METER_ID),
	NUM("1-0:1.8.1", HP_Q_E_IMP_T1, 5, 3, 0, "kWh"),
	NUM("1-0:1.8.2", HP_Q_E_IMP_T2, 5, 3, 0, "kWh"),
	NUM("1-0:2.8.1", HP_Q_E_EXP_T1, 5, 3, 0, "kWh"),
	NUM("1-0:2.8.2", HP_Q_E_EXP_T2, 5, 3, 0, "kWh"),
	TARIFF,
	NUM("1-0:1.7.0", HP_Q_P_IMP, 4, 2, -3, "kW"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 4, 2, -3, "kW"),
	TEXT("0-0:17.0.0(0999.00*kW)"),
	TEXT("0-0:96.3.10(1)"),
	TEXT("0-0:96.13.1()"),
	MESSAGE,
	MBUS,
};

static const struct dline dsmr42_nl[] = {
	TEXT("1-3:0.2.8(42)"),
	CLOCK,
	HEX("0-0:96.1.1", HP_Q_METER_ID),
	TARIFF_REGISTERS(6),
	TARIFF,
	NUM("1-0:1.7.0", HP_Q_P_IMP, 2, 3, -3, "kW"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 2, 3, -3, "kW"),
	TEXT("0-0:17.0.0(999.9*kW)"),
	TEXT("0-0:96.3.10(1)"),
	FAILURE_COUNTERS,
	FAILURES,
	QUALITY_COUNTERS,
	TEXT("0-0:96.13.1()"),
	MESSAGE,
	CURRENTS(3, 0),
	PHASE_POWERS(2, 3),
	MBUS,
};

static const struct dline dsmr50_nl[] = {
	TEXT("1-3:0.2.8(50)"),
	CLOCK,
	HEX("0-0:96.1.1", HP_Q_METER_ID),
	TARIFF_REGISTERS(6),
	TARIFF,
	NUM("1-0:1.7.0", HP_Q_P_IMP, 2, 3, -3, "kW"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 2, 3, -3, "kW"),
	FAILURE_COUNTERS,
	FAILURES,
	QUALITY_COUNTERS,
	MESSAGE,
	VOLTAGES(3, 1, "V"),
	CURRENTS(3, 0),
	PHASE_POWERS(2, 3),
	MBUS,
};

/* Belgian e-MUCS (Fluvius). */
static const struct dline dsmr_be[] = {
	TEXT("0-0:96.1.4(50217)"),
	HEX("0-0:96.1.1", HP_Q_METER_ID),
	CLOCK,
	TARIFF_REGISTERS(6),
	NUM("1-0:1.4.0", HP_Q_DEMAND_AVG, 2, 3, -3, "kW"),
	{D_PEAK, "1-0:1.6.0", HP_Q_DEMAND_MAX, 2, 3, -3, "kW", 0},
	{D_PEAKS, "0-0:98.1.0", 0, 2, 3, -3, "kW", 0},
	TARIFF,
	NUM("1-0:1.7.0", HP_Q_P_IMP, 2, 3, -3, "kW"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 2, 3, -3, "kW"),
	PHASE_POWERS(2, 3),
	VOLTAGES(3, 1, "V"),
	CURRENTS(3, 2),
	TEXT("0-0:96.3.10(1)"),
	TEXT("0-0:17.0.0(999.9*kW)"),
	TEXT("1-0:31.4.0(999*A)"),
	MESSAGE,
	MBUS,
};

/* Luxembourg Smarty (sent in a DB envelope). */
static const struct dline dsmr_lu[] = {
	TEXT("1-3:0.2.8(42)"),
	CLOCK,
	HEX("0-0:42.0.0", HP_Q_LOGICAL_NAME),
	NUM("1-0:1.8.0", HP_Q_E_IMP, 6, 3, 0, "kWh"),
	NUM("1-0:2.8.0", HP_Q_E_EXP, 6, 3, 0, "kWh"),
	NUM("1-0:3.8.0", HP_Q_R_IMP, 6, 3, 0, "kvarh"),
	NUM("1-0:4.8.0", HP_Q_R_EXP, 6, 3, 0, "kvarh"),
	NUM("1-0:1.7.0", HP_Q_P_IMP, 2, 3, -3, "kW"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 2, 3, -3, "kW"),
	NUM("1-0:3.7.0", HP_Q_Q_IMP, 2, 3, -3, "kvar"),
	NUM("1-0:4.7.0", HP_Q_Q_EXP, 2, 3, -3, "kvar"),
	TEXT("0-0:17.0.0(999.9*kW)"),
	TEXT("0-0:96.3.10(1)"),
	FAILURE_COUNTERS,
	FAILURES,
	QUALITY_COUNTERS,
	MESSAGE,
	VOLTAGES(3, 1, "V"),
	CURRENTS(3, 0),
};

/* Swedish H1 (Energiföretagen): totals, four quadrants, per phase. */
static const struct dline dsmr_se_h1[] = {
	CLOCK,
	NUM("1-0:1.8.0", HP_Q_E_IMP, 8, 3, 0, "kWh"),
	NUM("1-0:2.8.0", HP_Q_E_EXP, 8, 3, 0, "kWh"),
	NUM("1-0:3.8.0", HP_Q_R_IMP, 8, 3, 0, "kVArh"),
	NUM("1-0:4.8.0", HP_Q_R_EXP, 8, 3, 0, "kVArh"),
	NUM("1-0:1.7.0", HP_Q_P_IMP, 4, 3, -3, "kW"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 4, 3, -3, "kW"),
	NUM("1-0:3.7.0", HP_Q_Q_IMP, 4, 3, -3, "kVAr"),
	NUM("1-0:4.7.0", HP_Q_Q_EXP, 4, 3, -3, "kVAr"),
	NUM("1-0:21.7.0", HP_Q_P_IMP_L1, 4, 3, -3, "kW"),
	NUM("1-0:22.7.0", HP_Q_P_EXP_L1, 4, 3, -3, "kW"),
	NUM3("1-0:41.7.0", HP_Q_P_IMP_L2, 4, 3, -3, "kW"),
	NUM3("1-0:42.7.0", HP_Q_P_EXP_L2, 4, 3, -3, "kW"),
	NUM3("1-0:61.7.0", HP_Q_P_IMP_L3, 4, 3, -3, "kW"),
	NUM3("1-0:62.7.0", HP_Q_P_EXP_L3, 4, 3, -3, "kW"),
	NUM("1-0:23.7.0", HP_Q_Q_IMP_L1, 4, 3, -3, "kVAr"),
	NUM("1-0:24.7.0", HP_Q_Q_EXP_L1, 4, 3, -3, "kVAr"),
	NUM3("1-0:43.7.0", HP_Q_Q_IMP_L2, 4, 3, -3, "kVAr"),
	NUM3("1-0:44.7.0", HP_Q_Q_EXP_L2, 4, 3, -3, "kVAr"),
	NUM3("1-0:63.7.0", HP_Q_Q_IMP_L3, 4, 3, -3, "kVAr"),
	NUM3("1-0:64.7.0", HP_Q_Q_EXP_L3, 4, 3, -3, "kVAr"),
	VOLTAGES(3, 1, "V"),
	CURRENTS(3, 1),
};

/* Sagemcom T210-D (AT): Wh, W, varh, var. */
static const struct dline dsmr_at_wh[] = {
	TEXT("1-3:0.2.8(50)"),
	CLOCK,
	NUM("1-0:1.8.0", HP_Q_E_IMP, 9, 0, 3, "Wh"),
	NUM("1-0:1.8.1", HP_Q_E_IMP_T1, 9, 0, 3, "Wh"),
	NUM("1-0:1.8.2", HP_Q_E_IMP_T2, 9, 0, 3, "Wh"),
	NUM("1-0:1.7.0", HP_Q_P_IMP, 9, 0, 0, "W"),
	NUM("1-0:2.8.0", HP_Q_E_EXP, 9, 0, 3, "Wh"),
	NUM("1-0:2.8.1", HP_Q_E_EXP_T1, 9, 0, 3, "Wh"),
	NUM("1-0:2.8.2", HP_Q_E_EXP_T2, 9, 0, 3, "Wh"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 9, 0, 0, "W"),
	NUM("1-0:3.8.0", HP_Q_R_IMP, 9, 0, 3, "varh"),
	NUM("1-0:3.7.0", HP_Q_Q_IMP, 9, 0, 0, "var"),
	NUM("1-0:4.8.0", HP_Q_R_EXP, 9, 0, 3, "varh"),
	NUM("1-0:4.7.0", HP_Q_Q_EXP, 9, 0, 0, "var"),
};

/* E.ON Hungary (Sagemcom): no version line, four tariffs, PF, frequency. */
static const struct dline dsmr_hu[] = {
	CLOCK,
	HEX("0-0:42.0.0", HP_Q_LOGICAL_NAME),
	HEX("0-0:96.1.0", HP_Q_METER_ID),
	TARIFF,
	TEXT("0-0:96.3.10(1)"),
	TEXT("0-0:17.0.0(90.000*kW)"),
	NUM("1-0:1.8.0", HP_Q_E_IMP, 6, 3, 0, "kWh"),
	NUM("1-0:1.8.1", HP_Q_E_IMP_T1, 6, 3, 0, "kWh"),
	NUM("1-0:1.8.2", HP_Q_E_IMP_T2, 6, 3, 0, "kWh"),
	NUM("1-0:1.8.3", HP_Q_E_IMP_T3, 6, 3, 0, "kWh"),
	NUM("1-0:1.8.4", HP_Q_E_IMP_T4, 6, 3, 0, "kWh"),
	NUM("1-0:2.8.0", HP_Q_E_EXP, 6, 3, 0, "kWh"),
	NUM("1-0:2.8.1", HP_Q_E_EXP_T1, 6, 3, 0, "kWh"),
	NUM("1-0:2.8.2", HP_Q_E_EXP_T2, 6, 3, 0, "kWh"),
	NUM("1-0:2.8.3", HP_Q_E_EXP_T3, 6, 3, 0, "kWh"),
	NUM("1-0:2.8.4", HP_Q_E_EXP_T4, 6, 3, 0, "kWh"),
	NUM("1-0:3.8.0", HP_Q_R_IMP, 6, 3, 0, "kvarh"),
	NUM("1-0:4.8.0", HP_Q_R_EXP, 6, 3, 0, "kvarh"),
	TEXT("1-0:5.8.0(000001.204*kvarh)"),
	TEXT("1-0:6.8.0(000000.310*kvarh)"),
	TEXT("1-0:7.8.0(000210.955*kvarh)"),
	TEXT("1-0:8.8.0(000098.120*kvarh)"),
	VOLTAGES(3, 1, "V"),
	CURRENTS(3, 0),
	NUM("1-0:13.7.0", HP_Q_PF, 1, 3, 0, NULL),
	NUM("1-0:33.7.0", HP_Q_PF1, 1, 3, 0, NULL),
	NUM3("1-0:53.7.0", HP_Q_PF2, 1, 3, 0, NULL),
	NUM3("1-0:73.7.0", HP_Q_PF3, 1, 3, 0, NULL),
	NUM("1-0:14.7.0", HP_Q_FREQ, 2, 2, 0, "Hz"),
	NUM("1-0:1.7.0", HP_Q_P_IMP, 2, 3, -3, "kW"),
	NUM("1-0:2.7.0", HP_Q_P_EXP, 2, 3, -3, "kW"),
	TEXT("1-0:5.7.0(00.000*kvar)"),
	TEXT("1-0:6.7.0(00.000*kvar)"),
	TEXT("1-0:7.7.0(00.212*kvar)"),
	TEXT("1-0:8.7.0(00.000*kvar)"),
	TEXT("1-0:31.4.0(200.00*A)"),
	TEXT("0-0:98.1.0(250101000000W)(000051.302*kWh)(000012.004*kWh)(02.918*kW)"),
	MESSAGE,
};

#define LINES(a) a, sizeof(a) / sizeof(a[0])

static const struct dsmr_profile dsmr_profiles[] = {
	[HP_PROFILE_DSMR22_NL - HP_PROFILE_DSMR22_NL] = {"ISk5\\2", LINES(dsmr22_nl), MB_DSMR22,
		HP_DSMR_CRC_NONE, 0},
	[HP_PROFILE_DSMR42_NL - HP_PROFILE_DSMR22_NL] = {"KFM5", LINES(dsmr42_nl), MB_NL,
		HP_DSMR_CRC_PADDED, 0},
	[HP_PROFILE_DSMR50_NL - HP_PROFILE_DSMR22_NL] = {"ISK5\\2", LINES(dsmr50_nl), MB_NL,
		HP_DSMR_CRC_PADDED, 0},
	[HP_PROFILE_DSMR_BE - HP_PROFILE_DSMR22_NL] = {"FLU5\\2", LINES(dsmr_be), MB_BE,
		HP_DSMR_CRC_PADDED, 0},
	[HP_PROFILE_DSMR_LU - HP_PROFILE_DSMR22_NL] = {"Lux5\\2", LINES(dsmr_lu), MB_NL,
		HP_DSMR_CRC_PADDED, 0x30},
	[HP_PROFILE_DSMR_SE_H1 - HP_PROFILE_DSMR22_NL] = {"LGF5", LINES(dsmr_se_h1), MB_NL,
		HP_DSMR_CRC_PADDED, 0},
	[HP_PROFILE_DSMR_AT_WH - HP_PROFILE_DSMR22_NL] = {"EST5\\2", LINES(dsmr_at_wh), MB_NL,
		HP_DSMR_CRC_PADDED, 0},
	[HP_PROFILE_DSMR_HU - HP_PROFILE_DSMR22_NL] = {"SAG5", LINES(dsmr_hu), MB_NL,
		HP_DSMR_CRC_PADDED, 0},
};
/* clang-format on */

static const struct dsmr_profile *dsmr_profile(enum hp_enc_profile p)
{
	if (!hp_enc_profile_is_dsmr(p))
		return NULL;
	return &dsmr_profiles[p - HP_PROFILE_DSMR22_NL];
}

/* The Luxembourg Smarty authentication key, the same for every meter
 * (protocols.md (d)). */
static const uint8_t smarty_ak[HP_ENC_KEY_LEN] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
						  0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
/* Smarty sends LEN as 82 nn nn. */
#define SMARTY_LEN_FORM 2

void hp_enc_dsmr_default_link(enum hp_enc_profile p, struct hp_enc_link *link)
{
	const struct dsmr_profile *pr = dsmr_profile(p);
	if (pr == NULL)
		return;
	link->framing = HP_ENC_FRAMING_P1;
	link->crc = pr->crc;
	if (pr->sc != 0) {
		link->framing = HP_ENC_FRAMING_RAW;
		link->cipher = true;
		hp_enc_default_ggc(&link->ggc, "SAG", pr->sc);
		memcpy(link->ggc.ak, smarty_ak, HP_ENC_KEY_LEN);
		link->ggc.len_form = SMARTY_LEN_FORM;
	}
}

/* ---- lines ---- */

static void open_value(struct hp_buf *b, const char *obis)
{
	hp_buf_str(b, obis);
	hp_buf_u8(b, '(');
}

static void put_text_hex(struct hp_buf *b, const char *s)
{
	hp_buf_hex(b, (const uint8_t *)s, strlen(s));
}

/* "value[*unit]" without the parentheses. */
static void put_number(struct hp_buf *b, const struct dline *l, double x)
{
	for (int8_t i = l->pow10; i > 0; i--)
		x *= 10;
	for (int8_t i = l->pow10; i < 0; i++)
		x /= 10;
	hp_buf_fixed(b, x, l->int_digits, l->decimals);
	if (l->unit != NULL) {
		hp_buf_u8(b, '*');
		hp_buf_str(b, l->unit);
	}
}

static void put_timestamp_value(struct hp_buf *b, const struct hp_enc_datetime *dt)
{
	hp_buf_u8(b, '(');
	hp_enc_dsmr_timestamp(b, dt, true);
	hp_buf_u8(b, ')');
}

/* 1-0:99.97.0(n)(0-0:96.7.19)(end)(duration*s)... */
static void put_failures(struct hp_buf *b, const struct dline *l, const struct hp_enc_values *v)
{
	unsigned n = v->failure_count <= HP_ENC_FAILURES_MAX ? v->failure_count : 0;
	open_value(b, l->obis);
	hp_buf_dec(b, n, 0);
	hp_buf_str(b, ")(0-0:96.7.19)");
	for (unsigned i = 0; i < n; i++) {
		put_timestamp_value(b, &v->failures[i].end);
		hp_buf_u8(b, '(');
		hp_buf_dec(b, v->failures[i].duration_s, 10);
		hp_buf_str(b, "*s)");
	}
}

/* 1-0:1.6.0(TST)(value*kW) */
static void put_peak(struct hp_buf *b, const struct dline *l, const struct hp_enc_values *v)
{
	hp_buf_str(b, l->obis);
	put_timestamp_value(b, &v->demand_month_max_time);
	hp_buf_u8(b, '(');
	put_number(b, l, v->demand_month_max_w);
	hp_buf_u8(b, ')');
}

/* 0-0:98.1.0(n)(1-0:1.6.0)(1-0:1.6.0)(month)(time)(value*kW)... */
static void put_peaks(struct hp_buf *b, const struct dline *l, const struct hp_enc_values *v)
{
	unsigned n = v->peak_count <= HP_ENC_PEAKS_MAX ? v->peak_count : 0;
	open_value(b, l->obis);
	hp_buf_dec(b, n, 0);
	hp_buf_str(b, ")(1-0:1.6.0)(1-0:1.6.0)");
	if (n == 0)
		hp_buf_str(b, "()");
	for (unsigned i = 0; i < n; i++) {
		put_timestamp_value(b, &v->peaks[i].month);
		put_timestamp_value(b, &v->peaks[i].time);
		hp_buf_u8(b, '(');
		put_number(b, l, v->peaks[i].value_w);
		hp_buf_u8(b, ')');
	}
}

/* "0-n:" + rest of an M-Bus OBIS code. */
static void mbus_obis(struct hp_buf *b, uint8_t channel, const char *rest)
{
	hp_buf_str(b, "0-");
	hp_buf_dec(b, channel, 0);
	hp_buf_u8(b, ':');
	hp_buf_str(b, rest);
}

static void mbus_value(struct hp_buf *b, const struct hp_enc_mbus_channel *m)
{
	hp_buf_fixed(b, m->value, 5, 3);
	hp_buf_u8(b, '*');
	hp_buf_str(b, m->unit);
}

static void mbus_channel(struct hp_enc_dsmr *t, const struct hp_enc_mbus_channel *m,
			 enum mbus_style style)
{
	struct hp_buf *b = t->b;
	bool gas = m->device_type == 3;
	mbus_obis(b, m->channel, "24.1.0(");
	hp_buf_dec(b, m->device_type, style == MB_DSMR22 ? 0 : 3);
	hp_buf_u8(b, ')');
	hp_enc_dsmr_eol(t);
	mbus_obis(b, m->channel, style == MB_BE ? "96.1.1(" : "96.1.0(");
	put_text_hex(b, m->id);
	hp_buf_u8(b, ')');
	hp_enc_dsmr_eol(t);
	if (style == MB_BE && gas) {
		mbus_obis(b, m->channel, "24.4.0(1)");
		hp_enc_dsmr_eol(t);
	}
	if (style == MB_DSMR22) {
		mbus_obis(b, m->channel, "24.3.0(");
		hp_enc_dsmr_timestamp(b, &m->time, false);
		hp_buf_str(b, ")(00)(60)(1)(");
		mbus_obis(b, m->channel, "24.2.1)(");
		hp_buf_str(b, m->unit);
		hp_buf_u8(b, ')');
		hp_enc_dsmr_eol(t);
		hp_buf_u8(b, '(');
		hp_buf_fixed(b, m->value, 5, 3);
		hp_buf_u8(b, ')');
		hp_enc_dsmr_eol(t);
		mbus_obis(b, m->channel, "24.4.0(1)");
		return;
	}
	mbus_obis(b, m->channel, style == MB_BE && gas ? "24.2.3" : "24.2.1");
	put_timestamp_value(b, &m->time);
	hp_buf_u8(b, '(');
	mbus_value(b, m);
	hp_buf_u8(b, ')');
}

/* Writes the line without its line end; returns false when nothing was written. */
static bool put_line(struct hp_enc_dsmr *t, const struct dline *l, const struct hp_enc_values *v)
{
	struct hp_buf *b = t->b;
	switch (l->kind) {
	case D_TEXT:
		hp_buf_str(b, l->obis);
		break;
	case D_CLOCK:
		hp_buf_str(b, l->obis);
		put_timestamp_value(b, &v->clock);
		break;
	case D_HEX:
		open_value(b, l->obis);
		put_text_hex(b, hp_enc_qty_text(v, (enum hp_enc_qty)l->qty));
		hp_buf_u8(b, ')');
		break;
	case D_NUM:
		open_value(b, l->obis);
		put_number(b, l, hp_enc_qty_value(v, (enum hp_enc_qty)l->qty));
		hp_buf_u8(b, ')');
		break;
	case D_COUNT:
		open_value(b, l->obis);
		hp_buf_dec(b, (int64_t)hp_enc_qty_value(v, (enum hp_enc_qty)l->qty), l->int_digits);
		hp_buf_u8(b, ')');
		break;
	case D_TARIFF:
		open_value(b, l->obis);
		hp_buf_dec(b, v->tariff, l->int_digits);
		hp_buf_u8(b, ')');
		break;
	case D_MESSAGE:
		open_value(b, l->obis);
		hp_buf_hex(b, (const uint8_t *)v->message, strnlen(v->message, sizeof(v->message)));
		hp_buf_u8(b, ')');
		break;
	case D_FAILURES:
		put_failures(b, l, v);
		break;
	case D_PEAK:
		put_peak(b, l, v);
		break;
	case D_PEAKS:
		put_peaks(b, l, v);
		break;
	default:
		return false;
	}
	return true;
}

static void put_mbus(struct hp_enc_dsmr *t, const struct dsmr_profile *pr,
		     const struct hp_enc_values *v)
{
	unsigned n = v->mbus_count <= HP_ENC_MBUS_MAX ? v->mbus_count : 0;
	for (unsigned i = 0; i < n; i++) {
		mbus_channel(t, &v->mbus[i], pr->mbus);
		hp_enc_dsmr_eol(t);
	}
}

/* Bytes kept for the ident: "/" + 6 prefix characters + the model. */
#define IDENT_MAX (8 + HP_ENC_TEXT_MAX)

int hp_enc_dsmr_telegram(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
			 const struct hp_enc_link *link)
{
	const struct dsmr_profile *pr = dsmr_profile(p);
	if (pr == NULL) {
		hp_buf_fail(b);
		return -1;
	}
	char ident[IDENT_MAX];
	size_t pn = strlen(pr->ident);
	size_t mn = strnlen(v->meter_model, sizeof(v->meter_model));
	memcpy(ident, pr->ident, pn);
	memcpy(ident + pn, v->meter_model, mn);
	ident[pn + mn] = '\0';

	struct hp_enc_dsmr t;
	hp_enc_dsmr_begin(&t, b, ident, link->lf_only, link->crc);
	for (size_t i = 0; i < pr->n; i++) {
		const struct dline *l = &pr->lines[i];
		if ((l->flags & DL_L23) != 0 && v->phases < 3)
			continue;
		if (l->kind == D_MBUS)
			put_mbus(&t, pr, v);
		else if (put_line(&t, l, v))
			hp_enc_dsmr_eol(&t);
	}
	hp_enc_dsmr_end(&t);
	return hp_buf_ok(b) ? 0 : -1;
}
