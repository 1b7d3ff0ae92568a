/* DSMR lines -> reading fields (reading-model.md, protocols-dsmr-serial.md (h)).
 * The OBIS table (dsmr_obis.c) says what a code is; one small function per kind of
 * line turns its value groups into fields. */
#include <string.h>

#include "dsmr_apply.h"
#include "dsmr_lex.h"
#include "dsmr_obis.h"

/* Raw value text shown in a trace line; longer values are cut. */
#define TRACE_VALUE_MAX 64

/* Trace lines cost one branch when tracing is off (no argument set-up, no call). */
#define TRACE(s, ...)                                                                              \
	do {                                                                                       \
		if ((s)->trace != NULL)                                                            \
			hp_tracef((s)->trace, 2, __VA_ARGS__);                                     \
	} while (0)
#define TRACE_CODE(ln) (int)(ln)->obis_len, (ln)->obis
#define TRACE_SPAN(s)  (int)((s).n < TRACE_VALUE_MAX ? (s).n : TRACE_VALUE_MAX), (s).p

void hp_dsmr_sink_init(struct hp_dsmr_sink *s, struct hp_reading *r, const struct hp_trace *trace)
{
	s->r = r;
	s->trace = trace;
	/* r comes from hp_reading_init: the channel slots are zeroed already. */
	r->mbus_count = 0;
	for (int i = 0; i < HP_MBUS_MAX; i++) {
		r->mbus[i].channel = (uint8_t)(i + 1);
		r->mbus[i].device_type = -1;
		s->mbus[i].time_bad = false;
		s->mbus[i].id_rank = HP_ID_NONE;
	}
}

static const struct hp_dsmr_span *last_group(const struct hp_dsmr_line *ln)
{
	return &ln->g[ln->ngroups - 1];
}

/* A non-negative integer value without a unit (counts, device types). */
static bool parse_count(const struct hp_dsmr_span *g, int64_t *out)
{
	struct hp_dsmr_decimal d;
	if (!hp_dsmr_parse_decimal(g->p, g->n, &d) || d.exp10 != 0 || d.mant < 0)
		return false;
	*out = d.mant;
	return true;
}

/* A value whose unit must measure qty (or be absent). False only when the number
 * does not parse; *ok says whether the value is usable. */
static bool parse_value(const struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln,
			const struct hp_dsmr_span *g, enum hp_dsmr_qty qty,
			struct hp_dsmr_quantity *q, bool *ok)
{
	*ok = false;
	if (!hp_dsmr_parse_quantity(g->p, g->n, q))
		return false;
	if (q->unit.qty != HP_DSMR_QTY_NONE && q->unit.qty != qty) {
		TRACE(s, "%.*s (%.*s): unit '%.*s' does not fit, value dropped", TRACE_CODE(ln),
		      TRACE_SPAN(*g), (int)q->unit_len, q->unit_text);
		return true;
	}
	*ok = true;
	return true;
}

static bool apply_num(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln,
		      const struct hp_dsmr_obis *row)
{
	const struct hp_dsmr_span *g = last_group(ln);
	if (g->n == 0) {
		TRACE(s, "%.*s (): empty, %s absent", TRACE_CODE(ln), hp_num_key(row->field));
		return true;
	}
	struct hp_dsmr_quantity q;
	bool ok;
	if (!parse_value(s, ln, g, row->qty, &q, &ok))
		return false;
	if (!ok)
		return true;
	hp_reading_set(s->r, row->field, q.value);
	TRACE(s, "%.*s (%.*s) unit '%.*s' -> %s = %.10g", TRACE_CODE(ln), TRACE_SPAN(*g),
	      (int)q.unit_len, q.unit_text, hp_num_key(row->field), q.value);
	return true;
}

static bool apply_version(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln)
{
	const struct hp_dsmr_span *g = &ln->g[0];
	hp_reading_set_text(s->r, HP_TEXT_DSMR_VERSION, g->p, g->n);
	TRACE(s, "%.*s (%.*s) -> dsmr_version", TRACE_CODE(ln), TRACE_SPAN(*g));
	return true;
}

static const char *const time_status_name[] = {
    [HP_DSMR_TIME_OK] = "ok",
    [HP_DSMR_TIME_PLACEHOLDER] = "placeholder",
    [HP_DSMR_TIME_INVALID] = "invalid",
};

static bool apply_clock(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln)
{
	const struct hp_dsmr_span *g = &ln->g[0];
	char time[HP_TIME_MAX];
	int8_t dst = -1;
	enum hp_dsmr_time_status st = hp_dsmr_parse_time(g->p, g->n, time, &dst);
	TRACE(s, "%.*s (%.*s) -> meter_time %s (%s)", TRACE_CODE(ln), TRACE_SPAN(*g), time,
	      time_status_name[st]);
	if (st != HP_DSMR_TIME_OK)
		return g->n == 0 || st == HP_DSMR_TIME_PLACEHOLDER;
	hp_reading_set_text(s->r, HP_TEXT_METER_TIME, time, strlen(time));
	s->r->meter_time_dst = dst;
	return true;
}

static bool apply_id(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln,
		     const struct hp_dsmr_obis *row)
{
	const struct hp_dsmr_span *g = &ln->g[0];
	if (row->aux >= s->r->meter_id_rank) {
		TRACE(s, "%.*s (%.*s): a meter_id of higher precedence is set", TRACE_CODE(ln),
		      TRACE_SPAN(*g));
		return true;
	}
	char id[HP_TEXT_MAX];
	size_t n = hp_text_unhex(g->p, g->n, id, sizeof(id));
	hp_reading_offer_id(s->r, (enum hp_id_rank)row->aux, id, n);
	TRACE(s, "%.*s (%.*s) -> meter_id candidate \"%s\" (rank %u)", TRACE_CODE(ln),
	      TRACE_SPAN(*g), id, row->aux);
	return true;
}

static bool apply_message(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln)
{
	const struct hp_dsmr_span *g = &ln->g[0];
	hp_text_unhex(g->p, g->n, s->r->message, sizeof(s->r->message));
	TRACE(s, "%.*s (%.*s) -> message \"%.*s\"", TRACE_CODE(ln), TRACE_SPAN(*g), TRACE_VALUE_MAX,
	      s->r->message);
	return true;
}

/* BE 1-0:1.6.0(TST)(value*kW): this month's peak and when it was registered. */
static bool apply_demand_max(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln,
			     const struct hp_dsmr_obis *row)
{
	if (!apply_num(s, ln, row))
		return false;
	if (ln->ngroups < 2 || !hp_reading_has(s->r, row->field))
		return true;
	char time[HP_TIME_MAX];
	int8_t dst;
	if (hp_dsmr_parse_time(ln->g[0].p, ln->g[0].n, time, &dst) == HP_DSMR_TIME_OK)
		hp_reading_set_text(s->r, HP_TEXT_DEMAND_MONTH_MAX_TIME, time, strlen(time));
	TRACE(s, "%.*s (%.*s) -> demand_month_max_time \"%s\"", TRACE_CODE(ln),
	      TRACE_SPAN(ln->g[0]), time);
	return true;
}

/* Groups before the first month of BE 0-0:98.1.0: (n)(1-0:1.6.0)(1-0:1.6.0). */
#define PEAKS_HEAD 3
/* Each month: (month start)(peak time)(value). */
#define PEAK_GROUPS 3

/* BE 0-0:98.1.0 month-peak history. The E.ON HU line under the same code is a
 * billing snapshot, (TST)(registers...): not a history, left alone. */
static bool apply_peaks(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln)
{
	int64_t n;
	if (!parse_count(&ln->g[0], &n)) {
		TRACE(s, "%.*s (%.*s)...: not a month-peak history, ignored", TRACE_CODE(ln),
		      TRACE_SPAN(ln->g[0]));
		return true;
	}
	struct hp_reading *r = s->r;
	int8_t count = 0;
	for (size_t i = PEAKS_HEAD;
	     i + PEAK_GROUPS <= ln->ngroups && count < n && count < HP_PEAK_HISTORY_MAX;
	     i += PEAK_GROUPS) {
		struct hp_month_peak *pk = &r->peaks[count];
		struct hp_dsmr_quantity q;
		bool ok;
		if (!parse_value(s, ln, &ln->g[i + 2], HP_DSMR_QTY_W, &q, &ok) || !ok)
			continue;
		int8_t dst;
		hp_dsmr_parse_time(ln->g[i].p, ln->g[i].n, pk->month, &dst);
		hp_dsmr_parse_time(ln->g[i + 1].p, ln->g[i + 1].n, pk->time, &dst);
		pk->value_w = q.value;
		TRACE(s, "%.*s peak %d: month \"%s\" time \"%s\" %.10g W", TRACE_CODE(ln), count,
		      pk->month, pk->time, pk->value_w);
		count++;
	}
	r->peak_count = count;
	return true;
}

/* Groups before the first event of 1-0:99.97.0: (n)(0-0:96.7.19). */
#define FAILURES_HEAD 2
/* Durations beyond this do not fit the int64 field (and are no real durations). */
#define DURATION_MAX 9.0e18

/* 1-0:99.97.0 power-failure log: (n)(0-0:96.7.19) then n x (end TST)(duration*s). */
static bool apply_failures(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln)
{
	struct hp_reading *r = s->r;
	int64_t n = 0;
	if (ln->g[0].n != 0 && !parse_count(&ln->g[0], &n))
		return false;
	int8_t count = 0;
	for (size_t i = FAILURES_HEAD;
	     i + 2 <= ln->ngroups && count < n && count < HP_FAILURE_LOG_MAX; i += 2) {
		struct hp_power_failure *pf = &r->failures[count];
		struct hp_dsmr_quantity q;
		bool ok;
		if (!parse_value(s, ln, &ln->g[i + 1], HP_DSMR_QTY_S, &q, &ok) || !ok ||
		    !(q.value > -DURATION_MAX && q.value < DURATION_MAX))
			continue;
		int8_t dst;
		hp_dsmr_parse_time(ln->g[i].p, ln->g[i].n, pf->end, &dst);
		pf->duration_s = (int64_t)q.value;
		TRACE(s, "%.*s failure %d: end \"%s\" %lld s", TRACE_CODE(ln), count, pf->end,
		      (long long)pf->duration_s);
		count++;
	}
	r->failure_count = count;
	return true;
}

static bool apply_mbus_type(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln, unsigned ch)
{
	int64_t type;
	if (ln->g[0].n == 0)
		return true;
	if (!parse_count(&ln->g[0], &type) || type > 255)
		return false;
	s->r->mbus[ch - 1].device_type = (int16_t)type;
	TRACE(s, "%.*s (%.*s) -> mbus[%u].device_type %d", TRACE_CODE(ln), TRACE_SPAN(ln->g[0]), ch,
	      (int)type);
	return true;
}

static bool apply_mbus_id(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln,
			  const struct hp_dsmr_obis *row, unsigned ch)
{
	struct hp_dsmr_mbus_state *st = &s->mbus[ch - 1];
	const struct hp_dsmr_span *g = &ln->g[0];
	if (g->n == 0 || row->aux >= st->id_rank)
		return true;
	struct hp_mbus_reading *m = &s->r->mbus[ch - 1];
	hp_text_unhex(g->p, g->n, m->id, sizeof(m->id));
	st->id_rank = row->aux;
	TRACE(s, "%.*s (%.*s) -> mbus[%u].id \"%s\"", TRACE_CODE(ln), TRACE_SPAN(*g), ch, m->id);
	return true;
}

/* Sets a channel's value from its timestamp and value groups; unit_g, when not NULL,
 * is a separate unit group (DSMR 2.2/3 24.3.0). */
static bool set_mbus_value(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln, unsigned ch,
			   const struct hp_dsmr_span *time_g, const struct hp_dsmr_span *value_g,
			   const struct hp_dsmr_span *unit_g)
{
	if (value_g->n == 0)
		return true;
	struct hp_dsmr_quantity q;
	if (!hp_dsmr_parse_quantity(value_g->p, value_g->n, &q))
		return false;
	if (q.unit.qty == HP_DSMR_QTY_NONE && unit_g != NULL) {
		struct hp_dsmr_decimal d;
		if (!hp_dsmr_parse_decimal(value_g->p, value_g->n, &d))
			return false;
		q.unit = hp_dsmr_unit(unit_g->p, unit_g->n);
		q.value = hp_dsmr_value(d.mant, d.exp10 + q.unit.exp10);
	}
	enum hp_dsmr_qty qty = q.unit.qty;
	if (qty != HP_DSMR_QTY_NONE && qty != HP_DSMR_QTY_M3 && qty != HP_DSMR_QTY_GJ &&
	    qty != HP_DSMR_QTY_KWH) {
		TRACE(s, "%.*s (%.*s): not a meter reading unit, dropped", TRACE_CODE(ln),
		      TRACE_SPAN(*value_g));
		return true;
	}
	struct hp_mbus_reading *m = &s->r->mbus[ch - 1];
	int8_t dst;
	enum hp_dsmr_time_status st = HP_DSMR_TIME_OK;
	m->time[0] = '\0';
	if (time_g != NULL)
		st = hp_dsmr_parse_time(time_g->p, time_g->n, m->time, &dst);
	s->mbus[ch - 1].time_bad = st != HP_DSMR_TIME_OK;
	m->value = q.value;
	m->has_value = true;
	size_t un = strlen(q.unit.name);
	memcpy(m->unit, q.unit.name, un + 1);
	TRACE(s, "%.*s (%.*s) -> mbus[%u] %.10g %s, time \"%s\" (%s)", TRACE_CODE(ln),
	      TRACE_SPAN(*value_g), ch, m->value, m->unit, m->time, time_status_name[st]);
	return true;
}

static bool apply_mbus_value(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln, unsigned ch)
{
	const struct hp_dsmr_span *time_g = ln->ngroups >= 2 ? &ln->g[0] : NULL;
	return set_mbus_value(s, ln, ch, time_g, last_group(ln), NULL);
}

/* DSMR 2.2/3: 0-n:24.3.0(TST)(00)(60)(1)(0-n:24.2.1)(m3) + next line (value). */
static bool apply_mbus_legacy(struct hp_dsmr_sink *s, const struct hp_dsmr_line *ln, unsigned ch)
{
	if (ln->ngroups < 3)
		return false;
	return set_mbus_value(s, ln, ch, &ln->g[0], last_group(ln), &ln->g[ln->ngroups - 2]);
}

bool hp_dsmr_apply(struct hp_dsmr_sink *s, const struct hp_dsmr_obis *row, unsigned ch,
		   const struct hp_dsmr_line *ln)
{
	if (row == NULL) {
		TRACE(s, "%.*s (%.*s): not mapped", TRACE_CODE(ln), TRACE_SPAN(ln->g[0]));
		return true;
	}
	switch ((enum hp_dsmr_kind)row->kind) {
	case HP_DSMR_NUM:
		return apply_num(s, ln, row);
	case HP_DSMR_VERSION:
		return apply_version(s, ln);
	case HP_DSMR_CLOCK:
		return apply_clock(s, ln);
	case HP_DSMR_ID:
		return apply_id(s, ln, row);
	case HP_DSMR_MESSAGE:
		return apply_message(s, ln);
	case HP_DSMR_DEMAND_MAX:
		return apply_demand_max(s, ln, row);
	case HP_DSMR_PEAKS:
		return apply_peaks(s, ln);
	case HP_DSMR_FAILURES:
		return apply_failures(s, ln);
	case HP_DSMR_MBUS_TYPE:
		return apply_mbus_type(s, ln, ch);
	case HP_DSMR_MBUS_ID:
		return apply_mbus_id(s, ln, row, ch);
	case HP_DSMR_MBUS_VALUE:
		return apply_mbus_value(s, ln, ch);
	case HP_DSMR_MBUS_LEGACY:
		return apply_mbus_legacy(s, ln, ch);
	}
	return true;
}

void hp_dsmr_sink_finish(struct hp_dsmr_sink *s)
{
	struct hp_reading *r = s->r;
	uint8_t n = 0;
	for (int i = 0; i < HP_MBUS_MAX; i++) {
		const struct hp_mbus_reading *m = &r->mbus[i];
		/* An empty slot sends value 0 with a placeholder time: no reading. */
		if (!m->has_value || (m->value == 0 && s->mbus[i].time_bad))
			continue;
		if (n != i)
			r->mbus[n] = *m;
		n++;
	}
	r->mbus_count = n;
}

/* IEC 62056-21 enhanced identification: '\' and one mode character. */
#define ENHANCED_ID_LEN 2
/* "XXXn": manufacturer letters and the baud character. */
#define IDENT_PREFIX 4

void hp_dsmr_set_model(struct hp_reading *r, const char *ident, size_t n)
{
	if (n <= IDENT_PREFIX)
		return;
	const char *p = ident + IDENT_PREFIX;
	n -= IDENT_PREFIX;
	if (p[0] == '\\') {
		size_t skip = n < ENHANCED_ID_LEN ? n : ENHANCED_ID_LEN;
		p += skip;
		n -= skip;
	}
	char model[HP_TEXT_MAX];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof(model) - 1; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c <= 0x7E && !(c == ' ' && k == 0))
			model[k++] = (char)c;
	}
	while (k > 0 && model[k - 1] == ' ')
		k--;
	hp_reading_set_text(r, HP_TEXT_METER_MODEL, model, k);
}
