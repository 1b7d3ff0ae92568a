/* The DSMR OBIS table: code -> what the line means (reading-model.md). Private to the
 * DSMR decoder. */
#ifndef HP_CORE_DSMR_OBIS_H
#define HP_CORE_DSMR_OBIS_H

#include <stddef.h>
#include <stdint.h>

#include "dsmr_lex.h"

/* B of an M-Bus channel code (0-n:24.x, 0-n:96.1.x) in the table: the lookup folds
 * the channel number 1..HP_MBUS_MAX into it. */
#define HP_DSMR_CHANNEL 0xFF

enum hp_dsmr_kind {
	HP_DSMR_NUM,         /* one value -> num field, checked against qty */
	HP_DSMR_VERSION,     /* 1-3:0.2.8, 0-0:96.1.4: text as sent */
	HP_DSMR_CLOCK,       /* 0-0:1.0.0 */
	HP_DSMR_ID,          /* meter ids; aux = hp_id_rank */
	HP_DSMR_MESSAGE,     /* 0-0:96.13.0 */
	HP_DSMR_DEMAND_MAX,  /* BE 1-0:1.6.0(TST)(value) */
	HP_DSMR_PEAKS,       /* BE 0-0:98.1.0 month peak history */
	HP_DSMR_FAILURES,    /* 1-0:99.97.0 power-failure log */
	HP_DSMR_MBUS_TYPE,   /* 0-n:24.1.0 */
	HP_DSMR_MBUS_ID,     /* 0-n:96.1.0 / 96.1.1; aux = rank (lower wins) */
	HP_DSMR_MBUS_VALUE,  /* 0-n:24.2.1, BE 0-n:24.2.3: (TST)(value*unit) */
	HP_DSMR_MBUS_LEGACY, /* DSMR 2.2/3 0-n:24.3.0: (TST)...(unit) + (value) */
};

struct hp_dsmr_obis {
	uint64_t key;
	uint8_t kind;  /* enum hp_dsmr_kind */
	uint8_t field; /* enum hp_num for HP_DSMR_NUM / DEMAND_MAX */
	uint8_t qty;   /* enum hp_dsmr_qty the value must have (NUM) */
	uint8_t aux;   /* id rank */
};

/* Finds the row of a code; *channel gets the M-Bus channel (0 for meter codes).
 * NULL when the code is not one the reading model maps. */
const struct hp_dsmr_obis *hp_dsmr_obis_find(uint64_t key, unsigned *channel);

/* The same from a line's text at p, for codes written the usual way ("1-0:1.8.1(",
 * no leading zeros, no *F): the row, the channel and the end of the code. NULL when
 * the text is not the usual form of a row's code (then parse the code and use
 * hp_dsmr_obis_find: the line may still be a mapped code written otherwise). */
const struct hp_dsmr_obis *hp_dsmr_obis_find_text(const char *p, const char *end, unsigned *channel,
						  const char **code_end);

/* The i-th row, NULL past the end: lets the tests walk the whole table. */
const struct hp_dsmr_obis *hp_dsmr_obis_row(size_t i);

#endif
