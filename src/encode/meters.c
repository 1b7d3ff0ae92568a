/* DLMS meter profiles as element tables (protocols-meters.md layouts 1-6), and the
 * assembly of a profile's APDU into the frames on the line. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sizes.h"
#include "meters_internal.h"

/* How a list is laid out (protocols-meters.md). */
enum layout {
	L_FLAT,        /* 1: OBIS, value pairs (Kamstrup, Kaifa SE) */
	L_AIDON,       /* 2: {OBIS, value[, {scaler, unit}]} structures */
	L_TRIPLET,     /* 3: OBIS, value, {scaler, unit} as three elements */
	L_MIXED,       /* 2 with a bare clock pair first (Kaifa MA309 Vorarlberg) */
	L_POSITIONAL,  /* 4, 5, Netz Burgenland: values only */
	L_DESCRIPTORS, /* 6: capture-object descriptors, then values */
};

/* Element flags. */
#define E_L23  0x01 /* an L2/L3 quantity: only on 3-phase meters */
#define E_BARE 0x02 /* no OBIS code in front, even in an OBIS list */
#define E_PAIR 0x04 /* in a mixed list: a flat OBIS, value pair, not a structure */

struct elem {
	uint8_t obis[6];
	uint8_t qty;   /* enum hp_enc_qty */
	uint8_t type;  /* A-XDR tag of the value */
	int8_t scaler; /* wire value = value / 10^scaler (in Wh / varh for energies) */
	uint8_t unit;  /* DLMS unit (sent in scaler-units; also tells Wh from kWh) */
	uint8_t flags;
	const char *text; /* HP_Q_CONST */
};

struct dlms_profile {
	const char *name;
	enum layout layout;
	uint8_t container; /* HP_AXDR_ARRAY or HP_AXDR_STRUCTURE */
	bool pad_1p;       /* 1-phase: null-data pairs where L2/L3 would be (Kamstrup) */
	const struct elem *elems;
	size_t n;
	/* default link */
	enum hp_enc_framing framing;
	uint8_t dst[2], src[2], dst_len, src_len, control;
	enum hp_enc_dt_form dt_form;
	uint32_t invoke_id;
	uint8_t sc;        /* 0: not ciphered */
	char title[4];     /* system title manufacturer letters */
	unsigned segments; /* M-Bus */
	size_t seg_max;    /* M-Bus */
};

/* The element tables, one row per element, are laid out by hand. */
/* clang-format off */
#define OB(a, b, c, d, e, f) {a, b, c, d, e, f}
#define NOOB OB(0, 0, 0, 0, 0, 0)

#define T_U32 HP_AXDR_DOUBLE_LONG_UNSIGNED
#define T_U16 HP_AXDR_LONG_UNSIGNED
#define T_I16 HP_AXDR_LONG
#define T_OCT HP_AXDR_OCTET_STRING
#define T_VIS HP_AXDR_VISIBLE_STRING

/* Kamstrup (A.B = 1.1, no scaler-unit: the scalers are the fixed ones of layout 1). */
#define KAMSTRUP_HEAD(id_obis_e, id_qty, id_type)                                                 \
	{NOOB, HP_Q_CONST, T_VIS, 0, 0, E_BARE, "Kamstrup_V0001"},                                \
	{OB(1, 1, 0, 0, id_obis_e, 255), id_qty, id_type, 0, 0, 0, NULL},                         \
	{OB(1, 1, 96, 1, 1, 255), HP_Q_MODEL, T_VIS, 0, 0, 0, NULL},                              \
	{OB(1, 1, 1, 7, 0, 255), HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},                       \
	{OB(1, 1, 2, 7, 0, 255), HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},                       \
	{OB(1, 1, 3, 7, 0, 255), HP_Q_Q_IMP, T_U32, 0, HP_UNIT_VAR, 0, NULL},                     \
	{OB(1, 1, 4, 7, 0, 255), HP_Q_Q_EXP, T_U32, 0, HP_UNIT_VAR, 0, NULL}
#define KAMSTRUP_IU                                                                                \
	{OB(1, 1, 31, 7, 0, 255), HP_Q_I1, T_U32, -2, HP_UNIT_A, 0, NULL},                        \
	{OB(1, 1, 51, 7, 0, 255), HP_Q_I2, T_U32, -2, HP_UNIT_A, E_L23, NULL},                    \
	{OB(1, 1, 71, 7, 0, 255), HP_Q_I3, T_U32, -2, HP_UNIT_A, E_L23, NULL},                    \
	{OB(1, 1, 32, 7, 0, 255), HP_Q_U1, T_U16, 0, HP_UNIT_V, 0, NULL},                         \
	{OB(1, 1, 52, 7, 0, 255), HP_Q_U2, T_U16, 0, HP_UNIT_V, E_L23, NULL},                     \
	{OB(1, 1, 72, 7, 0, 255), HP_Q_U3, T_U16, 0, HP_UNIT_V, E_L23, NULL}
#define KAMSTRUP_HOURLY                                                                            \
	{OB(0, 1, 1, 0, 0, 255), HP_Q_CLOCK, T_OCT, 0, 0, 0, NULL},                               \
	{OB(1, 1, 1, 8, 0, 255), HP_Q_E_IMP, T_U32, 1, HP_UNIT_WH, 0, NULL},                      \
	{OB(1, 1, 2, 8, 0, 255), HP_Q_E_EXP, T_U32, 1, HP_UNIT_WH, 0, NULL},                      \
	{OB(1, 1, 3, 8, 0, 255), HP_Q_R_IMP, T_U32, 1, HP_UNIT_VARH, 0, NULL},                    \
	{OB(1, 1, 4, 8, 0, 255), HP_Q_R_EXP, T_U32, 1, HP_UNIT_VARH, 0, NULL}

static const struct elem kamstrup_list1[] = {
	KAMSTRUP_HEAD(5, HP_Q_METER_ID, T_VIS),
	KAMSTRUP_IU,
};

static const struct elem kamstrup_list2[] = {
	KAMSTRUP_HEAD(5, HP_Q_METER_ID, T_VIS),
	KAMSTRUP_IU,
	KAMSTRUP_HOURLY,
};

static const struct elem kamstrup_dk[] = {
	KAMSTRUP_HEAD(1, HP_Q_METER_NUMBER, T_U32),
	{OB(1, 1, 21, 7, 0, 255), HP_Q_P_IMP_L1, T_U32, 0, HP_UNIT_W, 0, NULL},
	{OB(1, 1, 41, 7, 0, 255), HP_Q_P_IMP_L2, T_U32, 0, HP_UNIT_W, E_L23, NULL},
	{OB(1, 1, 61, 7, 0, 255), HP_Q_P_IMP_L3, T_U32, 0, HP_UNIT_W, E_L23, NULL},
	{OB(1, 1, 22, 7, 0, 255), HP_Q_P_EXP_L1, T_U32, 0, HP_UNIT_W, 0, NULL},
	{OB(1, 1, 42, 7, 0, 255), HP_Q_P_EXP_L2, T_U32, 0, HP_UNIT_W, E_L23, NULL},
	{OB(1, 1, 62, 7, 0, 255), HP_Q_P_EXP_L3, T_U32, 0, HP_UNIT_W, E_L23, NULL},
	KAMSTRUP_IU,
	{OB(1, 1, 13, 7, 0, 255), HP_Q_PF, T_U16, -2, HP_UNIT_NONE, 0, NULL},
	{OB(1, 1, 33, 7, 0, 255), HP_Q_PF1, T_U16, -2, HP_UNIT_NONE, 0, NULL},
	{OB(1, 1, 53, 7, 0, 255), HP_Q_PF2, T_U16, -2, HP_UNIT_NONE, E_L23, NULL},
	{OB(1, 1, 73, 7, 0, 255), HP_Q_PF3, T_U16, -2, HP_UNIT_NONE, E_L23, NULL},
	KAMSTRUP_HOURLY,
};

/* Aidon NO (layout 2): P/Q scaler 0, I int16 -1, U -1, energies +1. */
#define AIDON_PQ(a, b)                                                                             \
	{OB(a, b, 1, 7, 0, 255), HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},                       \
	{OB(a, b, 2, 7, 0, 255), HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},                       \
	{OB(a, b, 3, 7, 0, 255), HP_Q_Q_IMP, T_U32, 0, HP_UNIT_VAR, 0, NULL},                     \
	{OB(a, b, 4, 7, 0, 255), HP_Q_Q_EXP, T_U32, 0, HP_UNIT_VAR, 0, NULL}
#define AIDON_LIST2                                                                                \
	{OB(1, 1, 0, 2, 129, 255), HP_Q_CONST, T_VIS, 0, 0, 0, "AIDON_V0001"},                    \
	{OB(0, 0, 96, 1, 0, 255), HP_Q_METER_ID, T_VIS, 0, 0, 0, NULL},                           \
	{OB(0, 0, 96, 1, 7, 255), HP_Q_MODEL, T_VIS, 0, 0, 0, NULL},                              \
	AIDON_PQ(1, 0),                                                                            \
	{OB(1, 0, 31, 7, 0, 255), HP_Q_I1, T_I16, -1, HP_UNIT_A, 0, NULL},                        \
	{OB(1, 0, 51, 7, 0, 255), HP_Q_I2, T_I16, -1, HP_UNIT_A, E_L23, NULL},                    \
	{OB(1, 0, 71, 7, 0, 255), HP_Q_I3, T_I16, -1, HP_UNIT_A, E_L23, NULL},                    \
	{OB(1, 0, 32, 7, 0, 255), HP_Q_U1, T_U16, -1, HP_UNIT_V, 0, NULL},                        \
	{OB(1, 0, 52, 7, 0, 255), HP_Q_U2, T_U16, -1, HP_UNIT_V, E_L23, NULL},                    \
	{OB(1, 0, 72, 7, 0, 255), HP_Q_U3, T_U16, -1, HP_UNIT_V, E_L23, NULL}

static const struct elem aidon_list1[] = {
	{OB(1, 0, 1, 7, 0, 255), HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},
};

static const struct elem aidon_list2[] = {
	AIDON_LIST2,
};

static const struct elem aidon_list3[] = {
	AIDON_LIST2,
	{OB(0, 0, 1, 0, 0, 255), HP_Q_CLOCK, T_OCT, 0, 0, 0, NULL},
	{OB(1, 0, 1, 8, 0, 255), HP_Q_E_IMP, T_U32, 1, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 2, 8, 0, 255), HP_Q_E_EXP, T_U32, 1, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 3, 8, 0, 255), HP_Q_R_IMP, T_U32, 1, HP_UNIT_VARH, 0, NULL},
	{OB(1, 0, 4, 8, 0, 255), HP_Q_R_EXP, T_U32, 1, HP_UNIT_VARH, 0, NULL},
};

/* Aidon SE (RJ12): the Swedish list order, then PF and frequency. */
#define AIDON_SE_PHASE(c, n, fl)                                                                   \
	{OB(1, 0, c, 7, 0, 255), HP_Q_P_IMP_L##n, T_U32, 0, HP_UNIT_W, fl, NULL},                 \
	{OB(1, 0, c + 1, 7, 0, 255), HP_Q_P_EXP_L##n, T_U32, 0, HP_UNIT_W, fl, NULL},             \
	{OB(1, 0, c + 2, 7, 0, 255), HP_Q_Q_IMP_L##n, T_U32, 0, HP_UNIT_VAR, fl, NULL},           \
	{OB(1, 0, c + 3, 7, 0, 255), HP_Q_Q_EXP_L##n, T_U32, 0, HP_UNIT_VAR, fl, NULL}

static const struct elem aidon_se[] = {
	{OB(0, 0, 1, 0, 0, 255), HP_Q_CLOCK, T_OCT, 0, 0, 0, NULL},
	AIDON_PQ(1, 0),
	{OB(1, 0, 31, 7, 0, 255), HP_Q_I1, T_I16, -2, HP_UNIT_A, 0, NULL},
	{OB(1, 0, 51, 7, 0, 255), HP_Q_I2, T_I16, -2, HP_UNIT_A, E_L23, NULL},
	{OB(1, 0, 71, 7, 0, 255), HP_Q_I3, T_I16, -2, HP_UNIT_A, E_L23, NULL},
	{OB(1, 0, 32, 7, 0, 255), HP_Q_U1, T_U16, -1, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 52, 7, 0, 255), HP_Q_U2, T_U16, -1, HP_UNIT_V, E_L23, NULL},
	{OB(1, 0, 72, 7, 0, 255), HP_Q_U3, T_U16, -1, HP_UNIT_V, E_L23, NULL},
	AIDON_SE_PHASE(21, 1, 0),
	AIDON_SE_PHASE(41, 2, E_L23),
	AIDON_SE_PHASE(61, 3, E_L23),
	{OB(1, 0, 1, 8, 0, 255), HP_Q_E_IMP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 2, 8, 0, 255), HP_Q_E_EXP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 3, 8, 0, 255), HP_Q_R_IMP, T_U32, 0, HP_UNIT_VARH, 0, NULL},
	{OB(1, 0, 4, 8, 0, 255), HP_Q_R_EXP, T_U32, 0, HP_UNIT_VARH, 0, NULL},
	{OB(1, 0, 13, 7, 0, 255), HP_Q_PF, T_I16, -3, HP_UNIT_NONE, 0, NULL},
	{OB(1, 0, 33, 7, 0, 255), HP_Q_PF1, T_I16, -3, HP_UNIT_NONE, 0, NULL},
	{OB(1, 0, 53, 7, 0, 255), HP_Q_PF2, T_I16, -3, HP_UNIT_NONE, E_L23, NULL},
	{OB(1, 0, 73, 7, 0, 255), HP_Q_PF3, T_I16, -3, HP_UNIT_NONE, E_L23, NULL},
	{OB(1, 0, 14, 7, 0, 255), HP_Q_FREQ, T_U16, -2, HP_UNIT_HZ, 0, NULL},
};

/* Kaifa positional (layout 4): I in mA, U in 0.1 V, energies in Wh. */
#define KAIFA_LIST2                                                                                \
	{NOOB, HP_Q_CONST, T_OCT, 0, 0, 0, "KFM_001"},                                             \
	{NOOB, HP_Q_METER_ID, T_OCT, 0, 0, 0, NULL},                                               \
	{NOOB, HP_Q_MODEL, T_OCT, 0, 0, 0, NULL},                                                  \
	{NOOB, HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},                                          \
	{NOOB, HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},                                          \
	{NOOB, HP_Q_Q_IMP, T_U32, 0, HP_UNIT_VAR, 0, NULL},                                        \
	{NOOB, HP_Q_Q_EXP, T_U32, 0, HP_UNIT_VAR, 0, NULL},                                        \
	{NOOB, HP_Q_I1, T_U32, -3, HP_UNIT_A, 0, NULL},                                            \
	{NOOB, HP_Q_I2, T_U32, -3, HP_UNIT_A, E_L23, NULL},                                        \
	{NOOB, HP_Q_I3, T_U32, -3, HP_UNIT_A, E_L23, NULL},                                        \
	{NOOB, HP_Q_U1, T_U32, -1, HP_UNIT_V, 0, NULL},                                            \
	{NOOB, HP_Q_U2, T_U32, -1, HP_UNIT_V, E_L23, NULL},                                        \
	{NOOB, HP_Q_U3, T_U32, -1, HP_UNIT_V, E_L23, NULL}

static const struct elem kaifa_list1[] = {
	{NOOB, HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},
};

static const struct elem kaifa_list2[] = {
	KAIFA_LIST2,
};

static const struct elem kaifa_list3[] = {
	KAIFA_LIST2,
	{NOOB, HP_Q_CLOCK, T_OCT, 0, 0, 0, NULL},
	{NOOB, HP_Q_E_IMP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{NOOB, HP_Q_E_EXP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{NOOB, HP_Q_R_IMP, T_U32, 0, HP_UNIT_VARH, 0, NULL},
	{NOOB, HP_Q_R_EXP, T_U32, 0, HP_UNIT_VARH, 0, NULL},
};

/* Kaifa SE (layout 1): pairs, Kaifa default scalers, no scaler-unit. */
static const struct elem kaifa_se[] = {
	{OB(1, 0, 0, 2, 129, 255), HP_Q_CONST, T_OCT, 0, 0, 0, "KFM_001"},
	{OB(0, 0, 96, 1, 0, 255), HP_Q_METER_ID, T_OCT, 0, 0, 0, NULL},
	{OB(0, 0, 96, 1, 7, 255), HP_Q_MODEL, T_OCT, 0, 0, 0, NULL},
	AIDON_PQ(1, 0),
	{OB(1, 0, 31, 7, 0, 255), HP_Q_I1, T_U32, -3, HP_UNIT_A, 0, NULL},
	{OB(1, 0, 51, 7, 0, 255), HP_Q_I2, T_U32, -3, HP_UNIT_A, E_L23, NULL},
	{OB(1, 0, 71, 7, 0, 255), HP_Q_I3, T_U32, -3, HP_UNIT_A, E_L23, NULL},
	{OB(1, 0, 32, 7, 0, 255), HP_Q_U1, T_U32, -1, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 52, 7, 0, 255), HP_Q_U2, T_U32, -1, HP_UNIT_V, E_L23, NULL},
	{OB(1, 0, 72, 7, 0, 255), HP_Q_U3, T_U32, -1, HP_UNIT_V, E_L23, NULL},
	{OB(0, 0, 1, 0, 0, 255), HP_Q_CLOCK, T_OCT, 0, 0, 0, NULL},
	{OB(1, 0, 1, 8, 0, 255), HP_Q_E_IMP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 2, 8, 0, 255), HP_Q_E_EXP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 3, 8, 0, 255), HP_Q_R_IMP, T_U32, 0, HP_UNIT_VARH, 0, NULL},
	{OB(1, 0, 4, 8, 0, 255), HP_Q_R_EXP, T_U32, 0, HP_UNIT_VARH, 0, NULL},
};

/* The 11 registers of the Sagemcom T210-D / Kaifa MA309 EVN triplet lists (layout 3). */
#define AT_TRIPLETS                                                                                \
	{OB(1, 0, 1, 8, 0, 255), HP_Q_E_IMP, T_U32, 0, HP_UNIT_WH, 0, NULL},                      \
	{OB(1, 0, 2, 8, 0, 255), HP_Q_E_EXP, T_U32, 0, HP_UNIT_WH, 0, NULL},                      \
	{OB(1, 0, 1, 7, 0, 255), HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},                       \
	{OB(1, 0, 2, 7, 0, 255), HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},                       \
	{OB(1, 0, 32, 7, 0, 255), HP_Q_U1, T_U16, -1, HP_UNIT_V, 0, NULL},                        \
	{OB(1, 0, 52, 7, 0, 255), HP_Q_U2, T_U16, -1, HP_UNIT_V, 0, NULL},                        \
	{OB(1, 0, 72, 7, 0, 255), HP_Q_U3, T_U16, -1, HP_UNIT_V, 0, NULL},                        \
	{OB(1, 0, 31, 7, 0, 255), HP_Q_I1, T_U16, -2, HP_UNIT_A, 0, NULL},                        \
	{OB(1, 0, 51, 7, 0, 255), HP_Q_I2, T_U16, -2, HP_UNIT_A, 0, NULL},                        \
	{OB(1, 0, 71, 7, 0, 255), HP_Q_I3, T_U16, -2, HP_UNIT_A, 0, NULL},                        \
	{OB(1, 0, 13, 7, 0, 255), HP_Q_PF, T_I16, -3, HP_UNIT_NONE, 0, NULL}

static const struct elem at_triplet[] = {
	{OB(0, 0, 1, 0, 0, 255), HP_Q_CLOCK, T_OCT, 0, 0, 0, NULL},
	{OB(0, 0, 96, 1, 0, 255), HP_Q_METER_ID, T_OCT, 0, 0, 0, NULL},
	AT_TRIPLETS,
};

static const struct elem sagemcom_at[] = {
	{NOOB, HP_Q_CLOCK, T_OCT, 0, 0, E_BARE, NULL},
	AT_TRIPLETS,
	{NOOB, HP_Q_METER_ID, T_OCT, 0, 0, E_BARE, NULL},
};

static const struct elem kaifa_ma309_vkw[] = {
	{OB(0, 0, 1, 0, 0, 255), HP_Q_CLOCK, T_OCT, 0, 0, E_PAIR, NULL},
	{OB(0, 0, 96, 1, 0, 255), HP_Q_METER_ID, T_OCT, 0, 0, 0, NULL},
	{OB(0, 0, 42, 0, 0, 255), HP_Q_LOGICAL_NAME, T_OCT, 0, 0, 0, NULL},
	{OB(1, 0, 32, 7, 0, 255), HP_Q_U1, T_U16, -1, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 52, 7, 0, 255), HP_Q_U2, T_U16, -1, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 72, 7, 0, 255), HP_Q_U3, T_U16, -1, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 31, 7, 0, 255), HP_Q_I1, T_U16, -2, HP_UNIT_A, 0, NULL},
	{OB(1, 0, 51, 7, 0, 255), HP_Q_I2, T_U16, -2, HP_UNIT_A, 0, NULL},
	{OB(1, 0, 71, 7, 0, 255), HP_Q_I3, T_U16, -2, HP_UNIT_A, 0, NULL},
	{OB(1, 0, 1, 7, 0, 255), HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{OB(1, 0, 2, 7, 0, 255), HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{OB(1, 0, 1, 8, 0, 255), HP_Q_E_IMP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 2, 8, 0, 255), HP_Q_E_EXP, T_U32, 0, HP_UNIT_WH, 0, NULL},
};

/* Iskraemeco n = 0x12 (layout 5): U 0.1 V, I 0.01 A, powers in W / var. */
static const struct elem iskra_12[] = {
	{NOOB, HP_Q_LOGICAL_NAME, T_OCT, 0, 0, 0, NULL},
	{NOOB, HP_Q_METER_ID, T_OCT, 0, 0, 0, NULL},
	{NOOB, HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_Q_IMP, T_U32, 0, HP_UNIT_VAR, 0, NULL},
	{NOOB, HP_Q_Q_EXP, T_U32, 0, HP_UNIT_VAR, 0, NULL},
	{NOOB, HP_Q_U1, T_U16, -1, HP_UNIT_V, 0, NULL},
	{NOOB, HP_Q_U2, T_U16, -1, HP_UNIT_V, 0, NULL},
	{NOOB, HP_Q_U3, T_U16, -1, HP_UNIT_V, 0, NULL},
	{NOOB, HP_Q_I1, T_U16, -2, HP_UNIT_A, 0, NULL},
	{NOOB, HP_Q_I2, T_U16, -2, HP_UNIT_A, 0, NULL},
	{NOOB, HP_Q_I3, T_U16, -2, HP_UNIT_A, 0, NULL},
	{NOOB, HP_Q_P_IMP_L1, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_P_IMP_L2, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_P_IMP_L3, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_P_EXP_L1, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_P_EXP_L2, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_P_EXP_L3, T_U32, 0, HP_UNIT_W, 0, NULL},
};

/* Landis+Gyr (layout 6): W, Wh, whole V, 0.01 A; the descriptors name each value. */
static const struct elem landis_gyr[] = {
	{OB(0, 0, 1, 0, 0, 255), HP_Q_CLOCK, T_OCT, 0, 0, 0, NULL},
	{OB(0, 0, 96, 1, 0, 255), HP_Q_METER_ID, T_OCT, 0, 0, 0, NULL},
	{OB(1, 0, 1, 7, 0, 255), HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{OB(1, 0, 2, 7, 0, 255), HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{OB(1, 0, 1, 8, 0, 255), HP_Q_E_IMP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 2, 8, 0, 255), HP_Q_E_EXP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{OB(1, 0, 32, 7, 0, 255), HP_Q_U1, T_U16, 0, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 52, 7, 0, 255), HP_Q_U2, T_U16, 0, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 72, 7, 0, 255), HP_Q_U3, T_U16, 0, HP_UNIT_V, 0, NULL},
	{OB(1, 0, 31, 7, 0, 255), HP_Q_I1, T_U16, -2, HP_UNIT_A, 0, NULL},
	{OB(1, 0, 51, 7, 0, 255), HP_Q_I2, T_U16, -2, HP_UNIT_A, 0, NULL},
	{OB(1, 0, 71, 7, 0, 255), HP_Q_I3, T_U16, -2, HP_UNIT_A, 0, NULL},
};

/* Netz Burgenland fixed structure of 0x0E (layout 6). */
static const struct elem netz_burgenland[] = {
	{NOOB, HP_Q_U1, T_U16, 0, HP_UNIT_V, 0, NULL},
	{NOOB, HP_Q_U2, T_U16, 0, HP_UNIT_V, 0, NULL},
	{NOOB, HP_Q_U3, T_U16, 0, HP_UNIT_V, 0, NULL},
	{NOOB, HP_Q_I1, T_U16, -2, HP_UNIT_A, 0, NULL},
	{NOOB, HP_Q_I2, T_U16, -2, HP_UNIT_A, 0, NULL},
	{NOOB, HP_Q_I3, T_U16, -2, HP_UNIT_A, 0, NULL},
	{NOOB, HP_Q_P_IMP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_P_EXP, T_U32, 0, HP_UNIT_W, 0, NULL},
	{NOOB, HP_Q_E_IMP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{NOOB, HP_Q_E_EXP, T_U32, 0, HP_UNIT_WH, 0, NULL},
	{NOOB, HP_Q_UNKNOWN, T_U16, 0, 0, 0, NULL},
	{NOOB, HP_Q_UNKNOWN, T_U16, 0, 0, 0, NULL},
	{NOOB, HP_Q_UNKNOWN, T_U16, 0, 0, 0, NULL},
	{NOOB, HP_Q_METER_ID, T_OCT, 0, 0, 0, NULL},
};

#define ELEMS(a) a, sizeof(a) / sizeof(a[0])
#define ARR HP_AXDR_ARRAY
#define STR HP_AXDR_STRUCTURE
#define HDLC_LINK(d0, d1, dl, s0, s1, sl, ctl)                                                    \
	HP_ENC_FRAMING_HDLC, {d0, d1}, {s0, s1}, dl, sl, ctl
#define MBUS_LINK HP_ENC_FRAMING_MBUS, {0, 0}, {0, 0}, 0, 0, 0

/* Addresses and control bytes as protocols.md (a) lists them for each vendor. */
static const struct dlms_profile dlms_profiles[] = {
	[HP_PROFILE_KAMSTRUP_LIST1] = {"kamstrup-list1", L_FLAT, STR, true, ELEMS(kamstrup_list1),
		HDLC_LINK(0x2B, 0, 1, 0x21, 0, 1, 0x13), HP_DT_BARE, 0, 0, "", 0, 0},
	[HP_PROFILE_KAMSTRUP_LIST2] = {"kamstrup-list2", L_FLAT, STR, true, ELEMS(kamstrup_list2),
		HDLC_LINK(0x2B, 0, 1, 0x21, 0, 1, 0x13), HP_DT_BARE, 0, 0, "", 0, 0},
	[HP_PROFILE_KAMSTRUP_DK] = {"kamstrup-dk", L_FLAT, STR, true, ELEMS(kamstrup_dk),
		HDLC_LINK(0x41, 0, 1, 0x03, 0, 1, 0x13), HP_DT_BARE, 0, 0x30, "KAM", 0, 0},
	[HP_PROFILE_AIDON_LIST1] = {"aidon-list1", L_AIDON, ARR, false, ELEMS(aidon_list1),
		HDLC_LINK(0x41, 0, 1, 0x08, 0x83, 2, 0x13), HP_DT_ABSENT, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_AIDON_LIST2] = {"aidon-list2", L_AIDON, ARR, false, ELEMS(aidon_list2),
		HDLC_LINK(0x41, 0, 1, 0x08, 0x83, 2, 0x13), HP_DT_ABSENT, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_AIDON_LIST3] = {"aidon-list3", L_AIDON, ARR, false, ELEMS(aidon_list3),
		HDLC_LINK(0x41, 0, 1, 0x08, 0x83, 2, 0x13), HP_DT_ABSENT, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_AIDON_SE] = {"aidon-se", L_AIDON, ARR, false, ELEMS(aidon_se),
		HDLC_LINK(0x41, 0, 1, 0x08, 0x83, 2, 0x13), HP_DT_ABSENT, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_KAIFA_LIST1] = {"kaifa-list1", L_POSITIONAL, STR, false, ELEMS(kaifa_list1),
		HDLC_LINK(0x01, 0, 1, 0x02, 0x01, 2, 0x10), HP_DT_OCTET, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_KAIFA_LIST2] = {"kaifa-list2", L_POSITIONAL, STR, false, ELEMS(kaifa_list2),
		HDLC_LINK(0x01, 0, 1, 0x02, 0x01, 2, 0x10), HP_DT_OCTET, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_KAIFA_LIST3] = {"kaifa-list3", L_POSITIONAL, STR, false, ELEMS(kaifa_list3),
		HDLC_LINK(0x01, 0, 1, 0x02, 0x01, 2, 0x10), HP_DT_OCTET, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_KAIFA_SE] = {"kaifa-se", L_FLAT, STR, false, ELEMS(kaifa_se),
		HDLC_LINK(0x01, 0, 1, 0x02, 0x01, 2, 0x10), HP_DT_ABSENT, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_AT_TRIPLET] = {"at-triplet", L_TRIPLET, STR, false, ELEMS(at_triplet),
		MBUS_LINK, HP_DT_BARE, 0, 0x20, "KFM", 2, HP_MBUS_DATA_MAX},
	[HP_PROFILE_SAGEMCOM_AT] = {"sagemcom-at", L_TRIPLET, STR, false, ELEMS(sagemcom_at),
		MBUS_LINK, HP_DT_BARE, 0, 0x20, "SAG", 0, 252},
	[HP_PROFILE_KAIFA_MA309_VKW] = {"kaifa-ma309-vkw", L_MIXED, STR, false,
		ELEMS(kaifa_ma309_vkw), MBUS_LINK, HP_DT_OCTET, 0x40000000, 0x21, "KFM", 2,
		HP_MBUS_DATA_MAX},
	[HP_PROFILE_ISKRA_12] = {"iskra-12", L_POSITIONAL, STR, false, ELEMS(iskra_12),
		HDLC_LINK(0xCF, 0, 1, 0x02, 0x23, 2, 0x13), HP_DT_OCTET, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_LANDIS_GYR] = {"landis-gyr", L_DESCRIPTORS, STR, false, ELEMS(landis_gyr),
		HDLC_LINK(0xCE, 0xFF, 2, 0x03, 0, 1, 0x13), HP_DT_ABSENT, 0x40000000, 0, "", 0, 0},
	[HP_PROFILE_NETZ_BURGENLAND] = {"netz-burgenland", L_POSITIONAL, STR, false,
		ELEMS(netz_burgenland), HDLC_LINK(0x41, 0, 1, 0x03, 0, 1, 0x13), HP_DT_BARE, 0,
		0x30, "LGZ", 0, 0},
};
/* clang-format on */

#define DLMS_PROFILE_COUNT (sizeof(dlms_profiles) / sizeof(dlms_profiles[0]))

static const struct dlms_profile *dlms_profile(enum hp_enc_profile p)
{
	if ((size_t)p >= DLMS_PROFILE_COUNT || dlms_profiles[p].elems == NULL)
		return NULL;
	return &dlms_profiles[p];
}

/* ---- quantities ---- */

#define VOFF(field) offsetof(struct hp_enc_values, field)

/* Byte offsets of the double quantities in struct hp_enc_values. */
static const size_t double_offsets[HP_Q_COUNT] = {
    [HP_Q_P_IMP] = VOFF(power_import_w),
    [HP_Q_P_EXP] = VOFF(power_export_w),
    [HP_Q_Q_IMP] = VOFF(reactive_import_var),
    [HP_Q_Q_EXP] = VOFF(reactive_export_var),
    [HP_Q_P_IMP_L1] = VOFF(phase_power_import_w[0]),
    [HP_Q_P_IMP_L2] = VOFF(phase_power_import_w[1]),
    [HP_Q_P_IMP_L3] = VOFF(phase_power_import_w[2]),
    [HP_Q_P_EXP_L1] = VOFF(phase_power_export_w[0]),
    [HP_Q_P_EXP_L2] = VOFF(phase_power_export_w[1]),
    [HP_Q_P_EXP_L3] = VOFF(phase_power_export_w[2]),
    [HP_Q_Q_IMP_L1] = VOFF(phase_reactive_import_var[0]),
    [HP_Q_Q_IMP_L2] = VOFF(phase_reactive_import_var[1]),
    [HP_Q_Q_IMP_L3] = VOFF(phase_reactive_import_var[2]),
    [HP_Q_Q_EXP_L1] = VOFF(phase_reactive_export_var[0]),
    [HP_Q_Q_EXP_L2] = VOFF(phase_reactive_export_var[1]),
    [HP_Q_Q_EXP_L3] = VOFF(phase_reactive_export_var[2]),
    [HP_Q_I1] = VOFF(current_a[0]),
    [HP_Q_I2] = VOFF(current_a[1]),
    [HP_Q_I3] = VOFF(current_a[2]),
    [HP_Q_U1] = VOFF(voltage_v[0]),
    [HP_Q_U2] = VOFF(voltage_v[1]),
    [HP_Q_U3] = VOFF(voltage_v[2]),
    [HP_Q_PF] = VOFF(power_factor),
    [HP_Q_PF1] = VOFF(phase_power_factor[0]),
    [HP_Q_PF2] = VOFF(phase_power_factor[1]),
    [HP_Q_PF3] = VOFF(phase_power_factor[2]),
    [HP_Q_FREQ] = VOFF(frequency_hz),
    [HP_Q_E_IMP] = VOFF(energy_import_kwh),
    [HP_Q_E_EXP] = VOFF(energy_export_kwh),
    [HP_Q_R_IMP] = VOFF(reactive_energy_import_kvarh),
    [HP_Q_R_EXP] = VOFF(reactive_energy_export_kvarh),
    [HP_Q_E_IMP_T1] = VOFF(energy_import_tariff_kwh[0]),
    [HP_Q_E_IMP_T2] = VOFF(energy_import_tariff_kwh[1]),
    [HP_Q_E_IMP_T3] = VOFF(energy_import_tariff_kwh[2]),
    [HP_Q_E_IMP_T4] = VOFF(energy_import_tariff_kwh[3]),
    [HP_Q_E_EXP_T1] = VOFF(energy_export_tariff_kwh[0]),
    [HP_Q_E_EXP_T2] = VOFF(energy_export_tariff_kwh[1]),
    [HP_Q_E_EXP_T3] = VOFF(energy_export_tariff_kwh[2]),
    [HP_Q_E_EXP_T4] = VOFF(energy_export_tariff_kwh[3]),
    [HP_Q_DEMAND_AVG] = VOFF(demand_avg_w),
    [HP_Q_DEMAND_MAX] = VOFF(demand_month_max_w),
};

static const size_t counter_offsets[HP_Q_COUNT] = {
    [HP_Q_POWER_FAILURES] = VOFF(power_failures),
    [HP_Q_LONG_POWER_FAILURES] = VOFF(long_power_failures),
    [HP_Q_SAGS1] = VOFF(voltage_sags[0]),
    [HP_Q_SAGS2] = VOFF(voltage_sags[1]),
    [HP_Q_SAGS3] = VOFF(voltage_sags[2]),
    [HP_Q_SWELLS1] = VOFF(voltage_swells[0]),
    [HP_Q_SWELLS2] = VOFF(voltage_swells[1]),
    [HP_Q_SWELLS3] = VOFF(voltage_swells[2]),
};

double hp_enc_qty_value(const struct hp_enc_values *v, enum hp_enc_qty q)
{
	const unsigned char *base = (const unsigned char *)v;
	if (q >= HP_Q_COUNT)
		return 0;
	if (q >= HP_Q_P_IMP && q <= HP_Q_DEMAND_MAX) {
		double d;
		memcpy(&d, base + double_offsets[q], sizeof(d));
		return d;
	}
	if (q >= HP_Q_POWER_FAILURES) {
		uint32_t u;
		memcpy(&u, base + counter_offsets[q], sizeof(u));
		return u;
	}
	return q == HP_Q_METER_NUMBER ? v->meter_number : 0;
}

const char *hp_enc_qty_text(const struct hp_enc_values *v, enum hp_enc_qty q)
{
	switch (q) {
	case HP_Q_METER_ID:
		return v->meter_id;
	case HP_Q_MODEL:
		return v->meter_model;
	case HP_Q_LOGICAL_NAME:
		return v->logical_name;
	default:
		return "";
	}
}

/* ---- scalers ---- */

/* The scaler group of each quantity, plus one (0: a quantity whose scaler is fixed). */
#define SG(g) (HP_ENC_SCALER_##g + 1)
static const uint8_t scaler_groups[HP_Q_COUNT] = {
    [HP_Q_P_IMP] = SG(P),      [HP_Q_P_EXP] = SG(P),    [HP_Q_P_IMP_L1] = SG(P),
    [HP_Q_P_IMP_L2] = SG(P),   [HP_Q_P_IMP_L3] = SG(P), [HP_Q_P_EXP_L1] = SG(P),
    [HP_Q_P_EXP_L2] = SG(P),   [HP_Q_P_EXP_L3] = SG(P), [HP_Q_DEMAND_AVG] = SG(P),
    [HP_Q_DEMAND_MAX] = SG(P), [HP_Q_Q_IMP] = SG(Q),    [HP_Q_Q_EXP] = SG(Q),
    [HP_Q_Q_IMP_L1] = SG(Q),   [HP_Q_Q_IMP_L2] = SG(Q), [HP_Q_Q_IMP_L3] = SG(Q),
    [HP_Q_Q_EXP_L1] = SG(Q),   [HP_Q_Q_EXP_L2] = SG(Q), [HP_Q_Q_EXP_L3] = SG(Q),
    [HP_Q_I1] = SG(I),         [HP_Q_I2] = SG(I),       [HP_Q_I3] = SG(I),
    [HP_Q_U1] = SG(U),         [HP_Q_U2] = SG(U),       [HP_Q_U3] = SG(U),
    [HP_Q_PF] = SG(PF),        [HP_Q_PF1] = SG(PF),     [HP_Q_PF2] = SG(PF),
    [HP_Q_PF3] = SG(PF),       [HP_Q_FREQ] = SG(F),     [HP_Q_E_IMP] = SG(E),
    [HP_Q_E_EXP] = SG(E),      [HP_Q_E_IMP_T1] = SG(E), [HP_Q_E_IMP_T2] = SG(E),
    [HP_Q_E_IMP_T3] = SG(E),   [HP_Q_E_IMP_T4] = SG(E), [HP_Q_E_EXP_T1] = SG(E),
    [HP_Q_E_EXP_T2] = SG(E),   [HP_Q_E_EXP_T3] = SG(E), [HP_Q_E_EXP_T4] = SG(E),
    [HP_Q_R_IMP] = SG(R),      [HP_Q_R_EXP] = SG(R),
};
#undef SG

/* ---- list bodies ---- */

static bool is_numeric(const struct elem *e)
{
	return e->qty >= HP_Q_METER_NUMBER && e->qty != HP_Q_CLOCK && e->qty != HP_Q_MODEL &&
	       e->qty != HP_Q_LOGICAL_NAME;
}

static bool is_energy_unit(uint8_t unit)
{
	return unit == HP_UNIT_WH || unit == HP_UNIT_VARH || unit == HP_UNIT_VAH;
}

/* Whether the element is sent with a scaler-unit structure. */
static bool sends_scaler_unit(const struct dlms_profile *pr, const struct elem *e)
{
	if (!is_numeric(e) || e->qty == HP_Q_METER_NUMBER)
		return false;
	switch (pr->layout) {
	case L_AIDON:
		return true;
	case L_MIXED:
		return (e->flags & E_PAIR) == 0;
	case L_TRIPLET:
		return (e->flags & E_BARE) == 0;
	default:
		return false;
	}
}

/* The element's scaler: the profile's, or the link's override where the list sends it. */
static int8_t elem_scaler(const struct dlms_profile *pr, const struct elem *e,
			  const struct hp_enc_link *link)
{
	uint8_t g = e->qty < HP_Q_COUNT ? scaler_groups[e->qty] : 0;
	if (link == NULL || !link->scalers_set || g == 0 || !sends_scaler_unit(pr, e))
		return e->scaler;
	return link->scalers[g - 1];
}

/* The raw wire integer: value in the wire unit (Wh for kWh), divided by 10^scaler. */
static int64_t raw_value(const struct elem *e, int8_t scaler, const struct hp_enc_values *v)
{
	double x = hp_enc_qty_value(v, (enum hp_enc_qty)e->qty);
	if (is_energy_unit(e->unit))
		x *= 1000.0;
	x *= pow(10.0, -scaler);
	if (x >= 9.2e18)
		return INT64_MAX;
	if (x <= -9.2e18)
		return INT64_MIN;
	if (x != x) /* NaN */
		return 0;
	return llround(x);
}

static void write_string(struct hp_buf *b, uint8_t type, const char *s)
{
	if (type == HP_AXDR_VISIBLE_STRING)
		hp_enc_visible(b, s);
	else
		hp_enc_octet_text(b, s);
}

static void write_value(struct hp_buf *b, const struct elem *e, int8_t scaler,
			const struct hp_enc_values *v)
{
	switch (e->qty) {
	case HP_Q_CONST:
		write_string(b, e->type, e->text);
		return;
	case HP_Q_METER_ID:
	case HP_Q_MODEL:
	case HP_Q_LOGICAL_NAME:
		write_string(b, e->type, hp_enc_qty_text(v, (enum hp_enc_qty)e->qty));
		return;
	case HP_Q_CLOCK:
		hp_enc_datetime_octets(b, &v->clock);
		return;
	default:
		hp_enc_integer(b, e->type, raw_value(e, scaler, v));
		return;
	}
}

static bool skipped(const struct elem *e, const struct hp_enc_values *v)
{
	return (e->flags & E_L23) != 0 && v->phases < 3;
}

/* Top-level elements one table entry contributes. */
static size_t elem_count(const struct dlms_profile *pr, const struct elem *e,
			 const struct hp_enc_values *v)
{
	if (skipped(e, v))
		return pr->pad_1p ? 2 : 0;
	switch (pr->layout) {
	case L_FLAT:
		return (e->flags & E_BARE) != 0 ? 1 : 2;
	case L_TRIPLET:
		if ((e->flags & E_BARE) != 0)
			return 1;
		return is_numeric(e) ? 3 : 2;
	case L_MIXED:
		return (e->flags & E_PAIR) != 0 ? 2 : 1;
	default:
		return 1;
	}
}

/* {OBIS, value[, {scaler, unit}]} as one structure (Aidon, Kaifa MA309). */
static void write_obis_struct(struct hp_buf *b, const struct elem *e, int8_t scaler,
			      const struct hp_enc_values *v)
{
	bool su = is_numeric(e) && e->qty != HP_Q_METER_NUMBER;
	hp_enc_structure(b, su ? 3 : 2);
	hp_enc_obis(b, e->obis);
	write_value(b, e, scaler, v);
	if (su)
		hp_enc_scaler_unit(b, scaler, e->unit);
}

static void write_elem(struct hp_buf *b, const struct dlms_profile *pr, const struct elem *e,
		       const struct hp_enc_values *v, const struct hp_enc_link *link)
{
	int8_t scaler = elem_scaler(pr, e, link);
	if (skipped(e, v)) {
		if (pr->pad_1p) {
			hp_enc_null(b);
			hp_enc_null(b);
		}
		return;
	}
	bool bare = (e->flags & E_BARE) != 0;
	switch (pr->layout) {
	case L_FLAT:
		if (!bare)
			hp_enc_obis(b, e->obis);
		write_value(b, e, scaler, v);
		return;
	case L_TRIPLET:
		if (!bare)
			hp_enc_obis(b, e->obis);
		write_value(b, e, scaler, v);
		if (!bare && is_numeric(e))
			hp_enc_scaler_unit(b, scaler, e->unit);
		return;
	case L_AIDON:
		write_obis_struct(b, e, scaler, v);
		return;
	case L_MIXED:
		if ((e->flags & E_PAIR) != 0) {
			hp_enc_obis(b, e->obis);
			write_value(b, e, scaler, v);
		} else {
			write_obis_struct(b, e, scaler, v);
		}
		return;
	case L_POSITIONAL:
	case L_DESCRIPTORS:
		write_value(b, e, scaler, v);
		return;
	}
}

/* COSEM interface classes of the descriptors: data, register, clock, push setup. */
#define CLASS_DATA       1
#define CLASS_REGISTER   3
#define CLASS_CLOCK      8
#define CLASS_PUSH_SETUP 40
#define ATTR_VALUE       2

static void write_descriptor(struct hp_buf *b, uint16_t class_id, const uint8_t obis[6])
{
	hp_enc_structure(b, 4);
	hp_enc_u16(b, class_id);
	hp_enc_obis(b, obis);
	hp_enc_i8(b, ATTR_VALUE);
	hp_enc_u16(b, 0);
}

/* Element 1 of a Landis+Gyr push: the push object list itself, then one descriptor
 * per value. */
static void write_descriptors(struct hp_buf *b, const struct dlms_profile *pr,
			      const struct hp_enc_values *v, size_t values)
{
	static const uint8_t push_list[6] = {0, 0, 25, 9, 0, 255};
	hp_enc_array(b, values + 1);
	write_descriptor(b, CLASS_PUSH_SETUP, push_list);
	for (size_t i = 0; i < pr->n; i++) {
		const struct elem *e = &pr->elems[i];
		if (skipped(e, v))
			continue;
		uint16_t cls = e->qty == HP_Q_CLOCK ? CLASS_CLOCK
			       : is_numeric(e)      ? CLASS_REGISTER
						    : CLASS_DATA;
		write_descriptor(b, cls, e->obis);
	}
}

static int dlms_body(struct hp_buf *b, const struct dlms_profile *pr, const struct hp_enc_values *v,
		     const struct hp_enc_link *link)
{
	size_t count = 0;
	for (size_t i = 0; i < pr->n; i++)
		count += elem_count(pr, &pr->elems[i], v);
	if (pr->layout == L_DESCRIPTORS) {
		hp_enc_structure(b, count + 1);
		write_descriptors(b, pr, v, count);
	} else if (pr->container == HP_AXDR_ARRAY) {
		hp_enc_array(b, count);
	} else {
		hp_enc_structure(b, count);
	}
	for (size_t i = 0; i < pr->n; i++)
		write_elem(b, pr, &pr->elems[i], v, link);
	return hp_buf_ok(b) ? 0 : -1;
}

/* ---- profiles and links ---- */

const char *hp_enc_profile_name(enum hp_enc_profile p)
{
	static const char *const dsmr_names[] = {
	    [HP_PROFILE_DSMR22_NL - HP_PROFILE_DSMR22_NL] = "dsmr22-nl",
	    [HP_PROFILE_DSMR42_NL - HP_PROFILE_DSMR22_NL] = "dsmr42-nl",
	    [HP_PROFILE_DSMR50_NL - HP_PROFILE_DSMR22_NL] = "dsmr50-nl",
	    [HP_PROFILE_DSMR_BE - HP_PROFILE_DSMR22_NL] = "dsmr-be",
	    [HP_PROFILE_DSMR_LU - HP_PROFILE_DSMR22_NL] = "dsmr-lu",
	    [HP_PROFILE_DSMR_SE_H1 - HP_PROFILE_DSMR22_NL] = "dsmr-se-h1",
	    [HP_PROFILE_DSMR_AT_WH - HP_PROFILE_DSMR22_NL] = "dsmr-at-wh",
	    [HP_PROFILE_DSMR_HU - HP_PROFILE_DSMR22_NL] = "dsmr-hu",
	};
	const struct dlms_profile *pr = dlms_profile(p);
	if (pr != NULL)
		return pr->name;
	if (hp_enc_profile_is_dsmr(p))
		return dsmr_names[p - HP_PROFILE_DSMR22_NL];
	return "?";
}

int hp_enc_profile_by_name(const char *name)
{
	for (int i = 0; i < HP_PROFILE_COUNT; i++)
		if (strcmp(hp_enc_profile_name((enum hp_enc_profile)i), name) == 0)
			return i;
	return -1;
}

bool hp_enc_profile_is_dsmr(enum hp_enc_profile p)
{
	return p >= HP_PROFILE_DSMR22_NL && p < HP_PROFILE_COUNT;
}

/* The protocols.md (d) test keys: a default, callers set their own. */
static const uint8_t default_ek[HP_ENC_KEY_LEN] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
						   0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t default_ak[HP_ENC_KEY_LEN] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
						   0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
/* The binary part of a default system title. */
static const uint8_t default_serial[5] = {0x10, 0x20, 0x00, 0x00, 0x01};

void hp_enc_default_ggc(struct hp_enc_ggc *g, const char *letters, uint8_t sc)
{
	memset(g, 0, sizeof(*g));
	memcpy(g->title, letters, 3);
	memcpy(g->title + 3, default_serial, sizeof(default_serial));
	g->title_len = HP_ENC_TITLE_LEN;
	g->sc = sc;
	g->ic = 1;
	memcpy(g->ek, default_ek, HP_ENC_KEY_LEN);
	memcpy(g->ak, default_ak, HP_ENC_KEY_LEN);
}

static const struct hp_enc_mbus dlms_mbus = {0x53, 0xFF, 0x01, 0x67};

void hp_enc_meter_default_link(enum hp_enc_profile p, struct hp_enc_link *link)
{
	memset(link, 0, sizeof(*link));
	link->crc = HP_DSMR_CRC_PADDED;
	if (hp_enc_profile_is_dsmr(p)) {
		hp_enc_dsmr_default_link(p, link);
		return;
	}
	const struct dlms_profile *pr = dlms_profile(p);
	if (pr == NULL)
		return;
	link->framing = pr->framing;
	link->llc = pr->framing == HP_ENC_FRAMING_HDLC;
	memcpy(link->hdlc.dst, pr->dst, sizeof(pr->dst));
	memcpy(link->hdlc.src, pr->src, sizeof(pr->src));
	link->hdlc.dst_len = pr->dst_len;
	link->hdlc.src_len = pr->src_len;
	link->hdlc.control = pr->control;
	link->mbus = dlms_mbus;
	link->mbus_segments = pr->segments;
	link->mbus_seg_max = pr->seg_max != 0 ? pr->seg_max : HP_MBUS_DATA_MAX;
	link->dt_form = pr->dt_form;
	link->invoke_id = pr->invoke_id;
	link->cipher = pr->sc != 0;
	if (link->cipher)
		hp_enc_default_ggc(&link->ggc, pr->title, pr->sc);
}

int hp_enc_meter_body(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
		      const struct hp_enc_link *link)
{
	if (hp_enc_profile_is_dsmr(p))
		return hp_enc_dsmr_telegram(b, p, v, link);
	const struct dlms_profile *pr = dlms_profile(p);
	if (pr == NULL) {
		hp_buf_fail(b);
		return -1;
	}
	return dlms_body(b, pr, v, link);
}

int hp_enc_meter_apdu(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
		      const struct hp_enc_link *link)
{
	if (!hp_enc_profile_is_dsmr(p))
		hp_enc_dn_header(b, link->invoke_id, link->dt_form, &v->clock);
	return hp_enc_meter_body(b, p, v, link);
}

/* One APDU (or one GBT block) on the link. `first` says whether it opens the message
 * (the LLC header goes there). */
static int put_on_link(struct hp_buf *b, const struct hp_enc_link *link, const uint8_t *apdu,
		       size_t n, bool first)
{
	bool llc = link->llc && (first || link->gbt_llc_each);
	switch (link->framing) {
	case HP_ENC_FRAMING_HDLC:
		return hp_enc_hdlc_wrap(b, &link->hdlc, llc, apdu, n,
					link->gbt_block != 0 ? 1 : link->hdlc_segments);
	case HP_ENC_FRAMING_MBUS:
		return hp_enc_mbus_wrap(b, &link->mbus, apdu, n,
					link->gbt_block != 0 ? 1 : link->mbus_segments,
					link->mbus_seg_max);
	case HP_ENC_FRAMING_RAW:
		if (llc)
			hp_enc_llc(b);
		/* fall through */
	case HP_ENC_FRAMING_P1:
		hp_buf_put(b, apdu, n);
		return hp_buf_ok(b) ? 0 : -1;
	}
	return -1;
}

/* Room for the largest APDU the decoder accepts plus the ciphering overhead
 * (DB, title, 5-byte LEN, SC, IC, tag). */
#define APDU_ROOM HP_APDU_MAX
#define GGC_ROOM  (HP_APDU_MAX + 32)
/* One GBT block: its header (E0, control, BN, BNA, up to 5 length bytes) and data. */
#define GBT_HEADER_ROOM 16

static int put_blocks(struct hp_buf *b, const struct hp_enc_link *link, const uint8_t *apdu,
		      size_t n)
{
	uint8_t block[APDU_ROOM + GBT_HEADER_ROOM];
	size_t count = hp_enc_gbt_count(n, link->gbt_block);
	if (link->gbt_block > APDU_ROOM || count > UINT16_MAX) {
		hp_buf_fail(b);
		return -1;
	}
	for (size_t bn = 1; bn <= count; bn++) {
		struct hp_buf blk;
		hp_buf_init(&blk, block, sizeof(block));
		if (hp_enc_gbt_nth(&blk, apdu, n, link->gbt_block, (uint16_t)bn) != 0 ||
		    put_on_link(b, link, blk.p, blk.len, bn == 1) != 0) {
			hp_buf_fail(b);
			return -1;
		}
	}
	return 0;
}

int hp_enc_meter_frames(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
			const struct hp_enc_link *link)
{
	uint8_t apdu_mem[APDU_ROOM];
	uint8_t ggc_mem[GGC_ROOM];
	struct hp_buf apdu, ggc;
	hp_buf_init(&apdu, apdu_mem, sizeof(apdu_mem));
	if (hp_enc_meter_apdu(&apdu, p, v, link) != 0) {
		hp_buf_fail(b);
		return -1;
	}
	const struct hp_buf *payload = &apdu;
	if (link->cipher) {
		hp_buf_init(&ggc, ggc_mem, sizeof(ggc_mem));
		if (hp_enc_ggc(&ggc, &link->ggc, apdu.p, apdu.len) != 0) {
			hp_buf_fail(b);
			return -1;
		}
		payload = &ggc;
	}
	if (link->gbt_block != 0)
		return put_blocks(b, link, payload->p, payload->len);
	return put_on_link(b, link, payload->p, payload->len, true);
}

/* ---- example values ---- */

static void set_text(char *dst, const char *s)
{
	size_t n = strlen(s);
	if (n >= HP_ENC_TEXT_MAX)
		n = HP_ENC_TEXT_MAX - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void hp_enc_values_example(struct hp_enc_values *v, uint8_t phases)
{
	static const struct hp_enc_datetime clock = {2025, 1, 15, 0, 12, 0, 0, 0, -60, 0x00};
	memset(v, 0, sizeof(*v));
	v->phases = phases == 1 ? 1 : 3;
	v->clock = clock;
	set_text(v->meter_id, "7359990000123458");
	v->meter_number = 55001234;
	set_text(v->meter_model, "6841138BN245101091");
	set_text(v->logical_name, "KFM1200200001234");
	v->power_import_w = 3127;
	v->power_export_w = 0;
	v->reactive_import_var = 184;
	v->reactive_export_var = 298;
	for (int i = 0; i < 3; i++) {
		bool on = i < v->phases;
		v->phase_power_import_w[i] = on ? 954 + 10 * i : 0;
		v->phase_reactive_import_var[i] = on ? 54 + i : 0;
		v->current_a[i] = on ? 4.21 + i : 0;
		v->voltage_v[i] = on ? 229.7 + i : 0;
		v->phase_power_factor[i] = on ? 0.95 - 0.01 * i : 0;
	}
	v->power_factor = 0.94;
	v->frequency_hz = 50.01;
	v->energy_import_kwh = 42871.24;
	v->energy_export_kwh = 9312.88;
	v->reactive_energy_import_kvarh = 7733.41;
	v->reactive_energy_export_kvarh = 6120.06;
	v->energy_import_tariff_kwh[0] = 27871.24;
	v->energy_import_tariff_kwh[1] = 15000;
	v->energy_export_tariff_kwh[0] = 5312.88;
	v->energy_export_tariff_kwh[1] = 4000;
	v->tariff = 2;
}
