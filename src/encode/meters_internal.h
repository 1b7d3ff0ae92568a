/* Shared between the DLMS (meters.c) and DSMR (meters_dsmr.c) profile builders. */
#ifndef HP_ENCODE_METERS_INTERNAL_H
#define HP_ENCODE_METERS_INTERNAL_H

#include "meters.h"

/* The quantities a profile element or telegram line carries. */
enum hp_enc_qty {
	HP_Q_NONE,
	HP_Q_CONST, /* a fixed text (list id) */
	HP_Q_METER_ID,
	HP_Q_METER_NUMBER, /* uint32 */
	HP_Q_MODEL,
	HP_Q_LOGICAL_NAME,
	HP_Q_CLOCK,
	HP_Q_UNKNOWN, /* a value of unknown meaning, sent as 0 */
	/* doubles of struct hp_enc_values, in reading-model units */
	HP_Q_P_IMP,
	HP_Q_P_EXP,
	HP_Q_Q_IMP,
	HP_Q_Q_EXP,
	HP_Q_P_IMP_L1,
	HP_Q_P_IMP_L2,
	HP_Q_P_IMP_L3,
	HP_Q_P_EXP_L1,
	HP_Q_P_EXP_L2,
	HP_Q_P_EXP_L3,
	HP_Q_Q_IMP_L1,
	HP_Q_Q_IMP_L2,
	HP_Q_Q_IMP_L3,
	HP_Q_Q_EXP_L1,
	HP_Q_Q_EXP_L2,
	HP_Q_Q_EXP_L3,
	HP_Q_I1,
	HP_Q_I2,
	HP_Q_I3,
	HP_Q_U1,
	HP_Q_U2,
	HP_Q_U3,
	HP_Q_PF,
	HP_Q_PF1,
	HP_Q_PF2,
	HP_Q_PF3,
	HP_Q_FREQ,
	HP_Q_E_IMP,
	HP_Q_E_EXP,
	HP_Q_R_IMP,
	HP_Q_R_EXP,
	HP_Q_E_IMP_T1,
	HP_Q_E_IMP_T2,
	HP_Q_E_IMP_T3,
	HP_Q_E_IMP_T4,
	HP_Q_E_EXP_T1,
	HP_Q_E_EXP_T2,
	HP_Q_E_EXP_T3,
	HP_Q_E_EXP_T4,
	HP_Q_DEMAND_AVG,
	HP_Q_DEMAND_MAX,
	/* uint32 counters */
	HP_Q_POWER_FAILURES,
	HP_Q_LONG_POWER_FAILURES,
	HP_Q_SAGS1,
	HP_Q_SAGS2,
	HP_Q_SAGS3,
	HP_Q_SWELLS1,
	HP_Q_SWELLS2,
	HP_Q_SWELLS3,
	HP_Q_COUNT
};

/* A numeric quantity as a double (counters converted); 0 for non-numeric ones. */
double hp_enc_qty_value(const struct hp_enc_values *v, enum hp_enc_qty q);
/* A text quantity (id, model, logical name); "" for others. */
const char *hp_enc_qty_text(const struct hp_enc_values *v, enum hp_enc_qty q);

/* A ciphering setup with the protocols.md (d) test keys, IC 1 and a system title made
 * of the 3 manufacturer letters and a fixed serial. */
void hp_enc_default_ggc(struct hp_enc_ggc *g, const char *letters, uint8_t sc);

/* The DSMR telegram of a DSMR profile (meters_dsmr.c). */
int hp_enc_dsmr_telegram(struct hp_buf *b, enum hp_enc_profile p, const struct hp_enc_values *v,
			 const struct hp_enc_link *link);
void hp_enc_dsmr_default_link(enum hp_enc_profile p, struct hp_enc_link *link);

#endif
