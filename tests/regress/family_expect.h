/* What a reading decoded from an encoder-built frame must hold, shared by the regression
 * tests that build frames with the project's own encoder (test_families.c: fixed values per
 * meter family; test_roundtrip.c: seeded random values and links).
 *
 * A struct family_case says which reading fields a frame carries and at which wire
 * resolution; check_reading() compares a decoded reading field by field with the values
 * that went into the encoder (struct outcome). Functions are static inline so that a test
 * that does not use one of them still compiles warning-free. */
#ifndef HP_TEST_FAMILY_EXPECT_H
#define HP_TEST_FAMILY_EXPECT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hanp1d/decode.h"
#include "meters.h"

/* ---- expectations ---- */

#define B(f)   (UINT64_C(1) << HP_NUM_##f)
#define M_P2   (B(POWER_IMPORT_W) | B(POWER_EXPORT_W))
#define M_PQ   (M_P2 | B(REACTIVE_IMPORT_VAR) | B(REACTIVE_EXPORT_VAR))
#define M_I1   B(L1_CURRENT_A)
#define M_I3   (M_I1 | B(L2_CURRENT_A) | B(L3_CURRENT_A))
#define M_U1   B(L1_VOLTAGE_V)
#define M_U3   (M_U1 | B(L2_VOLTAGE_V) | B(L3_VOLTAGE_V))
#define M_E2   (B(ENERGY_IMPORT_KWH) | B(ENERGY_EXPORT_KWH))
#define M_E4   (M_E2 | B(REACTIVE_ENERGY_IMPORT_KVARH) | B(REACTIVE_ENERGY_EXPORT_KVARH))
#define M_PPH1 (B(L1_POWER_IMPORT_W) | B(L1_POWER_EXPORT_W))
#define M_PPH3                                                                                     \
	(M_PPH1 | B(L2_POWER_IMPORT_W) | B(L3_POWER_IMPORT_W) | B(L2_POWER_EXPORT_W) |             \
	 B(L3_POWER_EXPORT_W))
#define M_PF1 (B(POWER_FACTOR) | B(L1_POWER_FACTOR))
#define M_PF4 (M_PF1 | B(L2_POWER_FACTOR) | B(L3_POWER_FACTOR))
#define M_T2                                                                                       \
	(B(ENERGY_IMPORT_T1_KWH) | B(ENERGY_IMPORT_T2_KWH) | B(ENERGY_EXPORT_T1_KWH) |             \
	 B(ENERGY_EXPORT_T2_KWH))
#define M_T4                                                                                       \
	(M_T2 | B(ENERGY_IMPORT_T3_KWH) | B(ENERGY_IMPORT_T4_KWH) | B(ENERGY_EXPORT_T3_KWH) |      \
	 B(ENERGY_EXPORT_T4_KWH))
#define M_QUALITY1 (B(L1_VOLTAGE_SAGS) | B(L1_VOLTAGE_SWELLS))
#define M_QUALITY3                                                                                 \
	(M_QUALITY1 | B(L2_VOLTAGE_SAGS) | B(L3_VOLTAGE_SAGS) | B(L2_VOLTAGE_SWELLS) |             \
	 B(L3_VOLTAGE_SWELLS))
#define M_FAILS (B(POWER_FAILURES) | B(LONG_POWER_FAILURES))

/* Resolution groups: the wire resolution of a family, in reading-model units. */
enum grp { G_EXACT, G_P, G_Q, G_I, G_U, G_E, G_R, G_PF, G_F, G_COUNT };

struct res {
	double r[G_COUNT];
};

/* Where meter_id comes from; ID_ANY: not checked. */
enum id_src { ID_NONE, ID_METER_ID, ID_NUMBER, ID_LOGICAL, ID_TITLE, ID_ANY };
enum extra { X_ABSENT, X_EXACT, X_ANY };

/* A text expectation that is not checked (the list names no manufacturer, so the
 * reading model leaves it open). */
static const char any_text[] = "<any>";
#define ANY any_text

enum keyset { K_RIGHT, K_NONE, K_WRONG_EK, K_WRONG_AK, K_EK_ONLY, K_WRONG_EK_ONLY };

struct family_case {
	const char *legend;
	enum hp_enc_profile profile;
	uint8_t phases;
	void (*values_fn)(struct hp_enc_values *v); /* family-specific ids, models */
	void (*link_fn)(struct hp_enc_link *l);     /* a variant of the default link */
	enum keyset keys;
	enum hp_error_code error; /* HP_ERR_NONE: a reading */
	/* reading expectations */
	enum hp_framing framing;
	uint64_t fields;
	const struct res *res;
	bool derived_totals; /* energy totals are sums of the tariff registers */
	enum id_src id;
	const char *list_id;      /* NULL: absent */
	const char *manufacturer; /* NULL: absent */
	bool model;
	bool time;
	const char *dsmr_version;
	int auth; /* -1 unchecked, else the expected `authenticated` */
	enum extra mbus, failures, peaks;
	bool message;
};

struct outcome {
	enum hp_error_code error;
	const struct family_case *fc; /* for a reading */
	struct hp_enc_values v;
	struct hp_enc_link link;
};

/* Pseudo-random, deterministic (xorshift32). */
static inline uint32_t prng(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* ---- decoding ---- */

/* Events kept per run: more than any test's input holds frames. */
#define EVENTS_MAX 16

struct rec_event {
	bool is_reading;
	enum hp_error_code code;
	char detail[HP_DETAIL_MAX]; /* of an error, for failure messages */
	struct hp_reading r;
	size_t raw_len;
};

struct recorder {
	size_t n, dropped;
	struct rec_event ev[EVENTS_MAX];
};

static inline void on_event(void *ctx, const struct hp_event *ev)
{
	struct recorder *rec = ctx;
	if (rec->n >= EVENTS_MAX) {
		rec->dropped++;
		return;
	}
	struct rec_event *e = &rec->ev[rec->n++];
	memset(e, 0, sizeof(*e));
	e->is_reading = ev->reading != NULL;
	e->raw_len = ev->raw_len;
	if (ev->reading != NULL)
		e->r = *ev->reading;
	else if (ev->error != NULL) {
		e->code = ev->error->code;
		memcpy(e->detail, ev->error->detail, sizeof(e->detail));
		e->detail[sizeof(e->detail) - 1] = '\0';
	}
}

/* ---- checking ---- */

struct num_src {
	size_t off; /* offset of a double in struct hp_enc_values */
	uint8_t grp;
	uint8_t kind; /* K_DOUBLE, K_U32, K_TARIFF */
};

enum { N_DOUBLE, N_U32, N_TARIFF };

#define VOFF(f) offsetof(struct hp_enc_values, f)

static const struct num_src num_src[HP_NUM_COUNT] = {
    [HP_NUM_POWER_IMPORT_W] = {VOFF(power_import_w), G_P, N_DOUBLE},
    [HP_NUM_POWER_EXPORT_W] = {VOFF(power_export_w), G_P, N_DOUBLE},
    [HP_NUM_REACTIVE_IMPORT_VAR] = {VOFF(reactive_import_var), G_Q, N_DOUBLE},
    [HP_NUM_REACTIVE_EXPORT_VAR] = {VOFF(reactive_export_var), G_Q, N_DOUBLE},
    [HP_NUM_L1_POWER_IMPORT_W] = {VOFF(phase_power_import_w[0]), G_P, N_DOUBLE},
    [HP_NUM_L2_POWER_IMPORT_W] = {VOFF(phase_power_import_w[1]), G_P, N_DOUBLE},
    [HP_NUM_L3_POWER_IMPORT_W] = {VOFF(phase_power_import_w[2]), G_P, N_DOUBLE},
    [HP_NUM_L1_POWER_EXPORT_W] = {VOFF(phase_power_export_w[0]), G_P, N_DOUBLE},
    [HP_NUM_L2_POWER_EXPORT_W] = {VOFF(phase_power_export_w[1]), G_P, N_DOUBLE},
    [HP_NUM_L3_POWER_EXPORT_W] = {VOFF(phase_power_export_w[2]), G_P, N_DOUBLE},
    [HP_NUM_L1_CURRENT_A] = {VOFF(current_a[0]), G_I, N_DOUBLE},
    [HP_NUM_L2_CURRENT_A] = {VOFF(current_a[1]), G_I, N_DOUBLE},
    [HP_NUM_L3_CURRENT_A] = {VOFF(current_a[2]), G_I, N_DOUBLE},
    [HP_NUM_L1_VOLTAGE_V] = {VOFF(voltage_v[0]), G_U, N_DOUBLE},
    [HP_NUM_L2_VOLTAGE_V] = {VOFF(voltage_v[1]), G_U, N_DOUBLE},
    [HP_NUM_L3_VOLTAGE_V] = {VOFF(voltage_v[2]), G_U, N_DOUBLE},
    [HP_NUM_POWER_FACTOR] = {VOFF(power_factor), G_PF, N_DOUBLE},
    [HP_NUM_L1_POWER_FACTOR] = {VOFF(phase_power_factor[0]), G_PF, N_DOUBLE},
    [HP_NUM_L2_POWER_FACTOR] = {VOFF(phase_power_factor[1]), G_PF, N_DOUBLE},
    [HP_NUM_L3_POWER_FACTOR] = {VOFF(phase_power_factor[2]), G_PF, N_DOUBLE},
    [HP_NUM_FREQUENCY_HZ] = {VOFF(frequency_hz), G_F, N_DOUBLE},
    [HP_NUM_DEMAND_AVG_W] = {VOFF(demand_avg_w), G_P, N_DOUBLE},
    [HP_NUM_DEMAND_MONTH_MAX_W] = {VOFF(demand_month_max_w), G_P, N_DOUBLE},
    [HP_NUM_ENERGY_IMPORT_KWH] = {VOFF(energy_import_kwh), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_IMPORT_T1_KWH] = {VOFF(energy_import_tariff_kwh[0]), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_IMPORT_T2_KWH] = {VOFF(energy_import_tariff_kwh[1]), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_IMPORT_T3_KWH] = {VOFF(energy_import_tariff_kwh[2]), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_IMPORT_T4_KWH] = {VOFF(energy_import_tariff_kwh[3]), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_EXPORT_KWH] = {VOFF(energy_export_kwh), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_EXPORT_T1_KWH] = {VOFF(energy_export_tariff_kwh[0]), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_EXPORT_T2_KWH] = {VOFF(energy_export_tariff_kwh[1]), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_EXPORT_T3_KWH] = {VOFF(energy_export_tariff_kwh[2]), G_E, N_DOUBLE},
    [HP_NUM_ENERGY_EXPORT_T4_KWH] = {VOFF(energy_export_tariff_kwh[3]), G_E, N_DOUBLE},
    [HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH] = {VOFF(reactive_energy_import_kvarh), G_R, N_DOUBLE},
    [HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH] = {VOFF(reactive_energy_export_kvarh), G_R, N_DOUBLE},
    [HP_NUM_TARIFF] = {VOFF(tariff), G_EXACT, N_TARIFF},
    [HP_NUM_POWER_FAILURES] = {VOFF(power_failures), G_EXACT, N_U32},
    [HP_NUM_LONG_POWER_FAILURES] = {VOFF(long_power_failures), G_EXACT, N_U32},
    [HP_NUM_L1_VOLTAGE_SAGS] = {VOFF(voltage_sags[0]), G_EXACT, N_U32},
    [HP_NUM_L2_VOLTAGE_SAGS] = {VOFF(voltage_sags[1]), G_EXACT, N_U32},
    [HP_NUM_L3_VOLTAGE_SAGS] = {VOFF(voltage_sags[2]), G_EXACT, N_U32},
    [HP_NUM_L1_VOLTAGE_SWELLS] = {VOFF(voltage_swells[0]), G_EXACT, N_U32},
    [HP_NUM_L2_VOLTAGE_SWELLS] = {VOFF(voltage_swells[1]), G_EXACT, N_U32},
    [HP_NUM_L3_VOLTAGE_SWELLS] = {VOFF(voltage_swells[2]), G_EXACT, N_U32},
};

static inline double quantize(double x, double res)
{
	return res > 0 ? (double)llround(x / res) * res : x;
}

/* The value a field must have: the input at the family's wire resolution. */
static inline double expected_num(const struct family_case *c, const struct hp_enc_values *v,
				  enum hp_num f)
{
	const struct num_src *src = &num_src[f];
	const unsigned char *base = (const unsigned char *)v;
	if (c->derived_totals && (f == HP_NUM_ENERGY_IMPORT_KWH || f == HP_NUM_ENERGY_EXPORT_KWH)) {
		enum hp_num first = f == HP_NUM_ENERGY_IMPORT_KWH ? HP_NUM_ENERGY_IMPORT_T1_KWH
								  : HP_NUM_ENERGY_EXPORT_T1_KWH;
		double sum = 0;
		for (int t = 0; t < 4; t++)
			if (c->fields & (UINT64_C(1) << (first + t)))
				sum += expected_num(c, v, (enum hp_num)(first + t));
		return sum;
	}
	switch (src->kind) {
	case N_U32: {
		uint32_t u;
		memcpy(&u, base + src->off, sizeof(u));
		return u;
	}
	case N_TARIFF:
		return v->tariff;
	default: {
		double d;
		memcpy(&d, base + src->off, sizeof(d));
		return quantize(d, c->res->r[src->grp]);
	}
	}
}

/* "YYYY-MM-DDTHH:MM:SS" */
static inline void time_text(const struct hp_enc_datetime *dt, char out[HP_TIME_MAX])
{
	snprintf(out, HP_TIME_MAX, "%04u-%02u-%02uT%02u:%02u:%02u", dt->year % 10000u,
		 dt->month % 100u, dt->day % 100u, dt->hour % 100u, dt->minute % 100u,
		 dt->second % 100u);
}

/* The system title as text (reading-model.md): 3 letters, then 5 bytes in upper-case hex;
 * 16 hex digits when the first 3 bytes are not all letters A-Z. */
static inline void title_text(const uint8_t t[8], char out[HP_TEXT_MAX])
{
	bool letters = true;
	for (int i = 0; i < 3; i++)
		letters = letters && t[i] >= 'A' && t[i] <= 'Z';
	if (letters)
		snprintf(out, HP_TEXT_MAX, "%c%c%c%02X%02X%02X%02X%02X", t[0], t[1], t[2], t[3],
			 t[4], t[5], t[6], t[7]);
	else
		snprintf(out, HP_TEXT_MAX, "%02X%02X%02X%02X%02X%02X%02X%02X", t[0], t[1], t[2],
			 t[3], t[4], t[5], t[6], t[7]);
}

static inline void expect_text(const char *what, const char *ctx, const struct hp_reading *r,
			       enum hp_text f, const char *want)
{
	if (want == ANY)
		return;
	if (want == NULL) {
		CHECK_MSG(!hp_reading_has_text(r, f), "%s: %s should be absent, is \"%s\"", ctx,
			  what, r->text[f]);
		return;
	}
	CHECK_MSG(strcmp(r->text[f], want) == 0, "%s: %s \"%s\", want \"%s\"", ctx, what,
		  r->text[f], want);
}

static inline void check_numbers(const char *ctx, const struct family_case *c,
				 const struct hp_enc_values *v, const struct hp_reading *r)
{
	for (int f = 0; f < HP_NUM_COUNT; f++) {
		bool want = (c->fields >> f) & 1u;
		bool has = hp_reading_has(r, (enum hp_num)f);
		CHECK_MSG(has == want, "%s: %s %s", ctx, hp_num_key((enum hp_num)f),
			  want ? "missing" : "present but not sent");
		if (!want || !has)
			continue;
		double e = expected_num(c, v, (enum hp_num)f);
		double a = r->num[f];
		CHECK_MSG(fabs(a - e) <= 1e-9 * fmax(1.0, fabs(e)), "%s: %s = %.10g, want %.10g",
			  ctx, hp_num_key((enum hp_num)f), a, e);
	}
}

static inline const char *expected_id(const struct outcome *o, char *buf)
{
	switch (o->fc->id) {
	case ID_METER_ID:
		return o->v.meter_id;
	case ID_NUMBER:
		snprintf(buf, HP_TEXT_MAX, "%u", (unsigned)o->v.meter_number);
		return buf;
	case ID_LOGICAL:
		return o->v.logical_name;
	case ID_TITLE:
		title_text(o->link.ggc.title, buf);
		return buf;
	case ID_ANY:
		return ANY;
	default:
		return NULL;
	}
}

/* meter_time_dst for the clock: the status DST bit; a DLMS status FF (not specified)
 * gives none, and the DSMR encoder writes W for it. */
static inline int expected_dst(const struct outcome *o)
{
	uint8_t status = o->v.clock.status;
	if (status == 0xFF)
		return hp_enc_profile_is_dsmr(o->fc->profile) ? 0 : -1;
	return (status & 0x80) != 0;
}

static inline void check_texts(const char *ctx, const struct outcome *o, const struct hp_reading *r)
{
	const struct family_case *c = o->fc;
	char id[HP_TEXT_MAX], t[HP_TIME_MAX];
	expect_text("meter_id", ctx, r, HP_TEXT_METER_ID, expected_id(o, id));
	expect_text("list_id", ctx, r, HP_TEXT_LIST_ID, c->list_id);
	expect_text("manufacturer", ctx, r, HP_TEXT_MANUFACTURER, c->manufacturer);
	expect_text("meter_model", ctx, r, HP_TEXT_METER_MODEL, c->model ? o->v.meter_model : NULL);
	expect_text("dsmr_version", ctx, r, HP_TEXT_DSMR_VERSION, c->dsmr_version);
	time_text(&o->v.clock, t);
	expect_text("meter_time", ctx, r, HP_TEXT_METER_TIME, c->time ? t : NULL);
	if (c->time)
		CHECK_MSG(r->meter_time_dst == expected_dst(o), "%s: dst %d, want %d", ctx,
			  r->meter_time_dst, expected_dst(o));
	else
		CHECK_MSG(r->meter_time_dst == -1, "%s: dst %d without a time", ctx,
			  r->meter_time_dst);
	bool peak = (c->fields & B(DEMAND_MONTH_MAX_W)) != 0;
	time_text(&o->v.demand_month_max_time, t);
	expect_text("demand_month_max_time", ctx, r, HP_TEXT_DEMAND_MONTH_MAX_TIME,
		    peak ? t : NULL);
	if (c->message)
		CHECK_MSG(strcmp(r->message, o->v.message) == 0, "%s: message \"%s\"", ctx,
			  r->message);
	else
		CHECK_MSG(r->message[0] == '\0', "%s: message \"%s\" not sent", ctx, r->message);
}

static inline void check_mbus(const char *ctx, const struct outcome *o, const struct hp_reading *r)
{
	if (o->fc->mbus == X_ANY)
		return;
	size_t want = o->fc->mbus == X_EXACT ? o->v.mbus_count : 0;
	CHECK_MSG(r->mbus_count == want, "%s: %u M-Bus channels, want %zu", ctx, r->mbus_count,
		  want);
	for (size_t i = 0; i < want && i < r->mbus_count; i++) {
		const struct hp_enc_mbus_channel *m = &o->v.mbus[i];
		const struct hp_mbus_reading *g = &r->mbus[i];
		char t[HP_TIME_MAX];
		time_text(&m->time, t);
		CHECK_MSG(g->channel == m->channel, "%s: mbus[%zu].channel %u", ctx, i, g->channel);
		CHECK_MSG(g->device_type == m->device_type, "%s: mbus[%zu].device_type %d", ctx, i,
			  g->device_type);
		CHECK_MSG(strcmp(g->id, m->id) == 0, "%s: mbus[%zu].id \"%s\"", ctx, i, g->id);
		CHECK_MSG(g->has_value && fabs(g->value - quantize(m->value, 0.001)) < 1e-9,
			  "%s: mbus[%zu].value %.6f", ctx, i, g->value);
		CHECK_MSG(strcmp(g->unit, m->unit) == 0, "%s: mbus[%zu].unit \"%s\"", ctx, i,
			  g->unit);
		CHECK_MSG(strcmp(g->time, t) == 0, "%s: mbus[%zu].time \"%s\", want \"%s\"", ctx, i,
			  g->time, t);
	}
}

static inline void check_logs(const char *ctx, const struct outcome *o, const struct hp_reading *r)
{
	const struct family_case *c = o->fc;
	char t[HP_TIME_MAX], m[HP_TIME_MAX];
	if (c->failures != X_ANY) {
		int want = c->failures == X_EXACT ? o->v.failure_count : -1;
		CHECK_MSG(r->failure_count == want, "%s: failure_count %d, want %d", ctx,
			  r->failure_count, want);
		for (int i = 0; i < want && i < r->failure_count; i++) {
			time_text(&o->v.failures[i].end, t);
			CHECK_MSG(strcmp(r->failures[i].end, t) == 0, "%s: failure %d end \"%s\"",
				  ctx, i, r->failures[i].end);
			CHECK_MSG(r->failures[i].duration_s == o->v.failures[i].duration_s,
				  "%s: failure %d duration %lld", ctx, i,
				  (long long)r->failures[i].duration_s);
		}
	}
	if (c->peaks != X_ANY) {
		int want = c->peaks == X_EXACT ? o->v.peak_count : -1;
		CHECK_MSG(r->peak_count == want, "%s: peak_count %d, want %d", ctx, r->peak_count,
			  want);
		for (int i = 0; i < want && i < r->peak_count; i++) {
			time_text(&o->v.peaks[i].month, m);
			time_text(&o->v.peaks[i].time, t);
			CHECK_MSG(strcmp(r->peaks[i].month, m) == 0, "%s: peak %d month \"%s\"",
				  ctx, i, r->peaks[i].month);
			CHECK_MSG(strcmp(r->peaks[i].time, t) == 0, "%s: peak %d time \"%s\"", ctx,
				  i, r->peaks[i].time);
			CHECK_MSG(fabs(r->peaks[i].value_w - quantize(o->v.peaks[i].value_w, 1)) <
				      1e-6,
				  "%s: peak %d value %.3f", ctx, i, r->peaks[i].value_w);
		}
	}
}

static inline void check_reading(const char *ctx, const struct outcome *o,
				 const struct hp_reading *r)
{
	const struct family_case *c = o->fc;
	bool dsmr = hp_enc_profile_is_dsmr(c->profile);
	CHECK_MSG(r->protocol == (dsmr ? HP_PROTO_DSMR : HP_PROTO_DLMS), "%s: protocol %s", ctx,
		  hp_protocol_name(r->protocol));
	CHECK_MSG(r->framing == c->framing, "%s: framing %s, want %s", ctx,
		  hp_framing_name(r->framing), hp_framing_name(c->framing));
	CHECK_MSG(r->encrypted == o->link.cipher, "%s: encrypted %d", ctx, r->encrypted);
	if (c->auth >= 0)
		CHECK_MSG(r->authenticated == (c->auth == 1), "%s: authenticated %d", ctx,
			  r->authenticated);
	check_numbers(ctx, c, &o->v, r);
	check_texts(ctx, o, r);
	check_mbus(ctx, o, r);
	check_logs(ctx, o, r);
}

/* Two readings with the same content (field by field: padding is not compared). */
static inline bool same_reading(const struct hp_reading *a, const struct hp_reading *b)
{
	if (a->protocol != b->protocol || a->framing != b->framing ||
	    a->encrypted != b->encrypted || a->authenticated != b->authenticated ||
	    a->meter_time_dst != b->meter_time_dst || a->num_present != b->num_present ||
	    a->mbus_count != b->mbus_count || a->failure_count != b->failure_count ||
	    a->peak_count != b->peak_count || strcmp(a->message, b->message) != 0)
		return false;
	for (int f = 0; f < HP_NUM_COUNT; f++)
		if (hp_reading_has(a, (enum hp_num)f) && a->num[f] != b->num[f])
			return false;
	for (int t = 0; t < HP_TEXT_COUNT; t++)
		if (strcmp(a->text[t], b->text[t]) != 0)
			return false;
	for (int i = 0; i < a->mbus_count && i < HP_MBUS_MAX; i++)
		if (a->mbus[i].channel != b->mbus[i].channel ||
		    a->mbus[i].value != b->mbus[i].value ||
		    strcmp(a->mbus[i].id, b->mbus[i].id) != 0)
			return false;
	return true;
}

#endif
