/* Applying parsed DSMR lines to a reading (reading-model.md). Private to the DSMR
 * decoder: dsmr.c splits the telegram into lines and groups, dsmr_apply.c gives
 * them meaning. */
#ifndef HP_CORE_DSMR_APPLY_H
#define HP_CORE_DSMR_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/decode.h"
#include "hanp1d/reading.h"
#include "dsmr_lex.h"
#include "dsmr_obis.h"

/* Bytes of a value group, without the parentheses. */
struct hp_dsmr_span {
	const char *p;
	size_t n;
};

/* Value groups kept per line: the longest line is BE 0-0:98.1.0 with 13 months,
 * 3 + 13 x 3 = 42 groups. Further groups are ignored. */
#define HP_DSMR_GROUPS_MAX 48

struct hp_dsmr_line {
	const char *obis; /* the code as sent, for the trace */
	size_t obis_len;
	size_t ngroups;
	struct hp_dsmr_span g[HP_DSMR_GROUPS_MAX];
};

struct hp_dsmr_mbus_state {
	bool time_bad;   /* the value's timestamp was a placeholder or invalid */
	uint8_t id_rank; /* rank of the id kept: 96.1.1 before 96.1.0 */
};

/* Where the lines go: the reading plus what the M-Bus rules need at the end. */
struct hp_dsmr_sink {
	struct hp_reading *r;
	const struct hp_trace *trace;
	struct hp_dsmr_mbus_state mbus[HP_MBUS_MAX];
};

void hp_dsmr_sink_init(struct hp_dsmr_sink *s, struct hp_reading *r, const struct hp_trace *trace);

/* Applies one line; row is its table row (hp_dsmr_obis_find), NULL when the code is
 * not mapped, and ch its M-Bus channel. False when a mapped code's value cannot be
 * parsed (the caller counts the line as skipped). */
bool hp_dsmr_apply(struct hp_dsmr_sink *s, const struct hp_dsmr_obis *row, unsigned ch,
		   const struct hp_dsmr_line *ln);

/* Keeps the M-Bus channels that have a reading, in channel order. */
void hp_dsmr_sink_finish(struct hp_dsmr_sink *s);

/* meter_model from the identification line (without '/', without the line end). */
void hp_dsmr_set_model(struct hp_reading *r, const char *ident, size_t n);

#endif
