/* DLMS data-notification: header, clock and list layouts (protocols.md (e),
 * protocols-meters.md (f), (g), reading-model.md).
 *
 * The body is walked once into a tree of values (axdr.c); the layout is chosen by
 * looking at the first elements ("Choosing a decoder"), then each element is put
 * into the reading through the OBIS table or a positional profile. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "axdr.h"
#include "cosem.h"
#include "dlms.h"
#include "dlms_layouts.h"
#include "sizes.h"
#include "obis_map.h"
#include "wire.h"

#define APDU_DATA_NOTIFICATION 0x0F
/* Tag and long-invoke-id-and-priority come before the date-time. */
#define DATE_TIME_OFFSET 5
/* The date-time sent as an octet-string without its tag: length byte 0C. */
#define DATE_TIME_UNTAGGED HP_COSEM_DATETIME_LEN
/* The attribute of a capture object that holds its value. */
#define ATTRIBUTE_VALUE 2
/* Longest raw value shown in a trace line. */
#define TRACE_VALUE_MAX 48
/* Bytes of a binary string shown in a trace line. */
#define TRACE_HEX_MAX 16

enum header_status { HEADER_OK, HEADER_SHORT, HEADER_BAD };

struct header {
	size_t body;          /* offset of the notification-body */
	const uint8_t *clock; /* the 12 date-time bytes, or NULL when absent */
};

/* The date-time forms of protocols.md (e): 00, 0C + 12, 09 0C + 12, 19 + 12. */
static enum header_status parse_header(const uint8_t *p, size_t len, struct header *h)
{
	size_t at = DATE_TIME_OFFSET;
	h->clock = NULL;
	if (len <= at)
		return HEADER_SHORT;
	switch (p[at]) {
	case 0x00:
		h->body = at + 1;
		return HEADER_OK;
	case DATE_TIME_UNTAGGED:
	case HP_AXDR_DATE_TIME:
		h->clock = p + at + 1;
		h->body = at + 1 + HP_COSEM_DATETIME_LEN;
		break;
	case HP_AXDR_OCTET_STRING:
		if (len <= at + 1)
			return HEADER_SHORT;
		if (p[at + 1] == 0) { /* an empty octet-string: no date-time */
			h->body = at + 2;
			return HEADER_OK;
		}
		if (p[at + 1] != HP_COSEM_DATETIME_LEN)
			return HEADER_BAD;
		h->clock = p + at + 2;
		h->body = at + 2 + HP_COSEM_DATETIME_LEN;
		break;
	default:
		return HEADER_BAD;
	}
	return len < h->body ? HEADER_SHORT : HEADER_OK;
}

/* State of one notification's decoding. */
struct walk {
	const struct hp_axdr_tree *t;
	struct hp_reading *r;
	const struct hp_trace *trace;
	enum hp_vendor vendor;              /* default scalers for lists without scaler-unit */
	const struct hp_dlms_vendor *named; /* the maker the list's name named, if any */
	struct hp_cosem_clock clock;        /* the list's clock object */
};

/* One element being put into the reading. */
struct element {
	uint32_t index;      /* element number from 1, for traces */
	const uint8_t *obis; /* the OBIS code, NULL for positional and bare elements */
	uint32_t value;      /* node index of the value */
	bool has_su;         /* a scaler-unit came with the value */
	int8_t scaler;
	uint8_t unit;
};

static const struct hp_axdr_node *node_at(const struct walk *w, uint32_t i)
{
	return &w->t->node[i];
}

/* ---- trace (formatting happens only when a trace is attached) ---- */

#define BYTES_01 UINT64_C(0x0101010101010101)
#define BYTES_80 UINT64_C(0x8080808080808080)

/* Printable ASCII 0x20..0x7E, eight bytes per step: in (x - 0x20..) & ~x a byte's
 * top bit is set when it is below 0x20, in (x + 0x01..) | x when it is 0x7F or
 * above. Borrows and carries only spread from bytes that are already bad. */
static bool printable(const uint8_t *p, uint32_t len)
{
	uint64_t bad = 0, x;
	uint32_t i = 0;
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, p + i, sizeof(x));
		bad |= ((x - BYTES_01 * 0x20) & ~x) | (x + BYTES_01) | x;
	}
	for (; i < len; i++)
		bad |= (uint64_t)((uint8_t)(p[i] - 0x20u) > 0x5Eu) << 7;
	return (bad & BYTES_80) == 0;
}

static void hex_text(const uint8_t *p, uint32_t len, char *out, size_t size)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = 0;
	for (uint32_t i = 0; i < len && n + 2 < size; i++) {
		out[n++] = digits[p[i] >> 4];
		out[n++] = digits[p[i] & 15];
	}
	out[n] = '\0';
}

static void describe_raw(const struct hp_axdr_node *n, char *out, size_t size)
{
	double d;
	if (n->tag == HP_AXDR_LONG64_UNSIGNED)
		snprintf(out, size, "%llu", (unsigned long long)n->v.u);
	else if (n->tag == HP_AXDR_LONG64)
		snprintf(out, size, "%lld", (long long)n->v.i);
	else if (hp_axdr_number(n, &d))
		snprintf(out, size, "%.10g", d);
	else if (hp_axdr_is_container(n))
		snprintf(out, size, "of %u", (unsigned)n->count);
	else if (n->tag == HP_AXDR_BIT_STRING)
		snprintf(out, size, "of %u bits", (unsigned)n->count);
	else if (n->tag == HP_AXDR_NULL)
		out[0] = '\0';
	else if (hp_axdr_is_string(n) && printable(n->v.p, n->count))
		snprintf(out, size, "\"%.*s\"",
			 (int)(n->count < TRACE_VALUE_MAX ? n->count : TRACE_VALUE_MAX),
			 (const char *)n->v.p);
	else
		hex_text(n->v.p, n->count < TRACE_HEX_MAX ? n->count : TRACE_HEX_MAX, out, size);
}

/* "element 4 @27 1.0.1.7.0.255 double-long-unsigned 280 [scaler 0, W]" */
static void describe(const struct walk *w, const struct element *e, char *out, size_t size)
{
	const struct hp_axdr_node *n = node_at(w, e->value);
	char obis[32] = "-", raw[TRACE_VALUE_MAX + 8], su[40] = "";
	if (e->obis != NULL)
		snprintf(obis, sizeof(obis), "%u.%u.%u.%u.%u.%u", e->obis[0], e->obis[1],
			 e->obis[2], e->obis[3], e->obis[4], e->obis[5]);
	describe_raw(n, raw, sizeof(raw));
	if (e->has_su)
		snprintf(su, sizeof(su), " [scaler %d, %s]", e->scaler,
			 hp_cosem_unit_name(e->unit));
	snprintf(out, size, "element %u @%u %s %s %s%s", (unsigned)e->index, (unsigned)n->offset,
		 obis, hp_axdr_tag_name(n->tag), raw, su);
}

/* One trace line for an element: its description, then what became of it. A
 * variadic function is never inlined, so the hot path keeps only the check. */
static void note_element(const struct walk *w, const struct element *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note_element(const struct walk *w, const struct element *e, const char *fmt, ...)
{
	char d[160], what[96];
	va_list ap;
	describe(w, e, d, sizeof(d));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	hp_tracef(w->trace, 2, "%s%s", d, what);
}

/* Formats nothing unless a trace is attached. */
#define NOTE(w, e, ...)                                                                            \
	do {                                                                                       \
		if ((w)->trace != NULL)                                                            \
			note_element(w, e, __VA_ARGS__);                                           \
	} while (0)
#define NOTE_SKIP(w, e, why)       NOTE(w, e, ": skipped (%s)", why)
#define NOTE_TEXT(w, e, key, text) NOTE(w, e, " -> %s \"%s\"", key, text)

/* ---- values into the reading ---- */

static inline void put_number(struct walk *w, const struct element *e, enum hp_num field, int exp)
{
	double raw, v;
	if (!hp_axdr_number(node_at(w, e->value), &raw)) {
		NOTE_SKIP(w, e, "not a number");
		return;
	}
	if (!hp_cosem_scale(raw, exp, &v)) {
		NOTE_SKIP(w, e, "scaler out of range");
		return;
	}
	hp_reading_set(w->r, field, v);
	NOTE(w, e, " x 10^%d -> %s %.10g", exp, hp_num_key(field), v);
}

/* Decimal digits of v (Kamstrup DK meter number: uint32 written in decimal). */
static size_t decimal_text(uint64_t v, char *out)
{
	char rev[20]; /* 2^64 has 20 digits */
	size_t n = 0, len = 0;
	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		out[len++] = rev[--n];
	out[len] = '\0';
	return len;
}

static bool is_unsigned_integer(const struct hp_axdr_node *n)
{
	return n->tag == HP_AXDR_DOUBLE_LONG_UNSIGNED || n->tag == HP_AXDR_LONG_UNSIGNED ||
	       n->tag == HP_AXDR_UNSIGNED || n->tag == HP_AXDR_LONG64_UNSIGNED;
}

/* Text of an id or name: a string as sent when it is printable ASCII, else in
 * upper-case hex; an unsigned integer in decimal. Returns the length, 0 when the
 * value is neither (or empty). */
static size_t value_text(const struct hp_axdr_node *n, bool integers, char out[HP_TEXT_MAX])
{
	if (integers && is_unsigned_integer(n))
		return decimal_text(n->v.u, out);
	if (!hp_axdr_is_string(n))
		return 0;
	uint32_t len = n->count < HP_TEXT_MAX - 1 ? n->count : HP_TEXT_MAX - 1;
	if (printable(n->v.p, len)) {
		memcpy(out, n->v.p, len);
		out[len] = '\0';
		return len;
	}
	hex_text(n->v.p, len, out, HP_TEXT_MAX);
	return strlen(out);
}

/* A list id or logical device name that names the maker gives `manufacturer`. */
static void name_manufacturer(struct walk *w, const char *name, size_t len, bool logical)
{
	/* The list id is usually the name the layout choice already looked up. */
	const struct hp_dlms_vendor *v = w->named;
	if (logical || v == NULL ||
	    !hp_dlms_starts_with((const uint8_t *)name, len, v->prefix, v->prefix_len))
		v = hp_dlms_vendor_by_name((const uint8_t *)name, len, logical);
	if (v != NULL)
		hp_reading_set_text(w->r, HP_TEXT_MANUFACTURER, v->manufacturer,
				    v->manufacturer_len);
}

static void put_clock(struct walk *w, const struct element *e)
{
	const struct hp_axdr_node *n = node_at(w, e->value);
	bool date_time = n->tag == HP_AXDR_DATE_TIME ||
			 (n->tag == HP_AXDR_OCTET_STRING && n->count == HP_COSEM_DATETIME_LEN);
	if (!date_time) {
		NOTE_SKIP(w, e, "not a date-time");
		return;
	}
	struct hp_cosem_clock c;
	hp_cosem_datetime(n->v.p, &c);
	if (!c.valid) {
		NOTE_SKIP(w, e, "clock not valid");
		return;
	}
	w->clock = c;
	NOTE_TEXT(w, e, "meter_time", c.text);
}

static void put_text(struct walk *w, const struct element *e, enum hp_target_kind kind,
		     uint8_t field)
{
	/* The model and the list id are written straight into the reading; an id first
	 * competes with the others by rank. */
	char id[HP_TEXT_MAX];
	char *text = kind == HP_TARGET_MODEL     ? w->r->text[HP_TEXT_METER_MODEL]
		     : kind == HP_TARGET_LIST_ID ? w->r->text[HP_TEXT_LIST_ID]
						 : id;
	size_t len = value_text(node_at(w, e->value), kind == HP_TARGET_ID, text);
	if (len == 0) {
		NOTE_SKIP(w, e, "not a string");
		return;
	}
	switch (kind) {
	case HP_TARGET_MODEL:
		NOTE_TEXT(w, e, "meter_model", text);
		break;
	case HP_TARGET_LIST_ID:
		name_manufacturer(w, text, len, false);
		NOTE_TEXT(w, e, "list_id", text);
		break;
	default: /* HP_TARGET_ID */
		hp_reading_offer_id(w->r, (enum hp_id_rank)field, text, len);
		if (field == HP_ID_LOGICAL_NAME)
			name_manufacturer(w, text, len, true);
		NOTE_TEXT(w, e, "meter_id", text);
		break;
	}
}

/* Everything but numbers: ids, names, clocks, skipped elements. */
static void put_other(struct walk *w, const struct element *e, enum hp_target_kind kind,
		      uint8_t field)
{
	switch (kind) {
	case HP_TARGET_NONE:
		NOTE_SKIP(w, e, "not in the reading model");
		break;
	case HP_TARGET_CLOCK:
		put_clock(w, e);
		break;
	default:
		put_text(w, e, kind, field);
		break;
	}
}

/* The power of ten from the raw value to the key's unit: the sent scaler-unit, or
 * the maker's default scaler in the quantity's base unit. */
static bool obis_exponent(const struct walk *w, const struct element *e, enum hp_quantity q,
			  int *exp)
{
	int adjust;
	if (e->has_su) {
		if (!hp_quantity_unit(q, e->unit, &adjust))
			return false;
		*exp = e->scaler + adjust;
		return true;
	}
	*exp = hp_dlms_default_scaler(w->vendor, q) + hp_quantity_base_adjust(q);
	return true;
}

static inline void obis_element(struct walk *w, const struct element *e)
{
	const struct hp_obis_entry *o = hp_obis_lookup(e->obis);
	if (o == NULL || (o->vendor != HP_VENDOR_NONE && o->vendor != w->vendor)) {
		NOTE_SKIP(w, e, "OBIS code not mapped");
		return;
	}
	if (node_at(w, e->value)->tag == HP_AXDR_NULL) {
		NOTE_SKIP(w, e, "null-data");
		return;
	}
	if (o->kind != HP_TARGET_NUM) {
		put_other(w, e, o->kind, o->field);
		return;
	}
	int exp;
	if (!obis_exponent(w, e, o->quantity, &exp)) {
		NOTE_SKIP(w, e, "unit does not fit the key");
		return;
	}
	put_number(w, e, o->field, exp);
}

/* ---- layout: OBIS lists (layouts 1-3) ---- */

static bool is_obis_structure(const struct hp_axdr_node *n)
{
	return n->tag == HP_AXDR_STRUCTURE && n->count >= 2 && hp_axdr_is_obis(n + 1);
}

static bool is_list_id_obis(const struct hp_axdr_node *n)
{
	const struct hp_obis_entry *o = hp_obis_lookup(n->v.p);
	return o != NULL && o->kind == HP_TARGET_LIST_ID;
}

/* The list id string among the first elements (a first string, an OBIS/value pair
 * or a structure for 0.x.0.2.129), or NULL. */
static const struct hp_axdr_node *list_name(const struct hp_axdr_tree *t)
{
	if (t->node[0].count == 0)
		return NULL;
	const struct hp_axdr_node *first = &t->node[1], *name = NULL;
	if (hp_axdr_is_obis(first)) {
		if (t->node[0].count >= 2 && is_list_id_obis(first))
			name = &t->node[first->end];
	} else if (is_obis_structure(first)) {
		if (is_list_id_obis(first + 1))
			name = &t->node[first[1].end];
	} else {
		name = first;
	}
	return name != NULL && hp_axdr_is_string(name) ? name : NULL;
}

static const struct hp_dlms_vendor *list_vendor(const struct hp_axdr_tree *t)
{
	const struct hp_axdr_node *name = list_name(t);
	return name != NULL ? hp_dlms_vendor_by_name(name->v.p, name->count, false) : NULL;
}

/* Step 4 of "Choosing a decoder": a 6-byte octet-string followed by a value, as a
 * pair of elements or inside a structure. */
static bool has_obis_pairs(const struct hp_axdr_tree *t)
{
	uint32_t n = t->node[0].count, i = 1;
	for (uint32_t k = 0; k < n; k++) {
		const struct hp_axdr_node *e = &t->node[i];
		if ((hp_axdr_is_obis(e) && k + 1 < n) || is_obis_structure(e))
			return true;
		i = e->end;
	}
	return false;
}

/* An element without an OBIS code: the Kamstrup list id or the Sagemcom date-time
 * when first, the Sagemcom/Kaifa AT meter number when last. */
static void bare_element(struct walk *w, const struct element *e, bool first, bool last)
{
	const struct hp_axdr_node *n = node_at(w, e->value);
	if (n->tag == HP_AXDR_NULL) {
		/* a placeholder for an absent item (Kamstrup 1-phase) */
		NOTE_SKIP(w, e, "null-data placeholder");
		return;
	}
	if (first && n->tag == HP_AXDR_OCTET_STRING && n->count == HP_COSEM_DATETIME_LEN)
		put_clock(w, e);
	else if (first && hp_axdr_is_string(n))
		put_text(w, e, HP_TARGET_LIST_ID, 0);
	else if (last && hp_axdr_is_string(n))
		put_text(w, e, HP_TARGET_ID, HP_ID_PROFILE);
	else
		NOTE_SKIP(w, e, "no OBIS code");
}

/* Walks elements that are OBIS/value[/scaler-unit] runs or {OBIS, value[,
 * scaler-unit]} structures, in any mix. */
static void run_obis_list(struct walk *w)
{
	const struct hp_axdr_tree *t = w->t;
	uint32_t n = t->node[0].count, i = 1, k = 0;
	w->named = list_vendor(t);
	w->vendor = w->named != NULL ? w->named->vendor : HP_VENDOR_NONE;
	hp_tracef(w->trace, 1, "layout: OBIS list of %u elements%s", (unsigned)n,
		  w->vendor == HP_VENDOR_KAMSTRUP ? " (Kamstrup default scalers)"
		  : w->vendor == HP_VENDOR_KAIFA  ? " (Kaifa default scalers)"
						  : "");
	while (k < n) {
		const struct hp_axdr_node *node = &t->node[i];
		struct element e;
		uint32_t next = node->end;
		e.index = k + 1;
		e.value = i;
		e.obis = NULL;
		e.has_su = false;
		if (hp_axdr_is_obis(node) && k + 1 < n) {
			e.obis = node->v.p;
			e.value = next;
			next = t->node[next].end;
			k += 2;
			if (k < n && hp_cosem_scaler_unit(t, next, &e.scaler, &e.unit)) {
				e.has_su = true;
				next = t->node[next].end;
				k++;
			}
			obis_element(w, &e);
		} else if (is_obis_structure(node)) {
			e.obis = node[1].v.p;
			e.value = node[1].end;
			if (node->count >= 3)
				e.has_su = hp_cosem_scaler_unit(t, t->node[e.value].end, &e.scaler,
								&e.unit);
			obis_element(w, &e);
			k++;
		} else {
			bare_element(w, &e, k == 0, k + 1 == n);
			k++;
		}
		i = next;
	}
}

/* ---- layout: Landis+Gyr capture-object descriptors (layout 6) ---- */

/* Element 1 is an array of structures of 4 (class, OBIS, attribute, data index). */
static bool is_descriptor_list(const struct hp_axdr_tree *t)
{
	if (t->node[0].count == 0)
		return false;
	const struct hp_axdr_node *a = &t->node[1];
	return a->tag == HP_AXDR_ARRAY && a->count >= 1 && a[1].tag == HP_AXDR_STRUCTURE &&
	       a[1].count == 4;
}

/* The OBIS code of descriptor d when it has the expected shape and names the
 * value attribute; NULL otherwise. The children are leaves when their tags match,
 * so they sit at d + 1 .. d + 4. */
static const uint8_t *descriptor_obis(const struct hp_axdr_tree *t, uint32_t d)
{
	const struct hp_axdr_node *n = &t->node[d];
	if (n->tag != HP_AXDR_STRUCTURE || n->count != 4 || n[1].tag != HP_AXDR_LONG_UNSIGNED ||
	    !hp_axdr_is_obis(&n[2]) || n[3].tag != HP_AXDR_INTEGER || n[3].v.i != ATTRIBUTE_VALUE)
		return NULL;
	return n[2].v.p;
}

static void run_descriptors(struct walk *w)
{
	const struct hp_axdr_tree *t = w->t;
	uint32_t n = t->node[0].count, m = t->node[1].count;
	uint32_t d = t->node[2].end; /* descriptor 1 describes the push object list itself */
	uint32_t v = t->node[1].end; /* element 2: the value of descriptor 2 */
	w->vendor = HP_VENDOR_LANDIS_GYR;
	hp_tracef(w->trace, 1, "layout: Landis+Gyr capture-object descriptors (%u values)",
		  (unsigned)(n - 1));
	for (uint32_t k = 2; k <= n && k <= m; k++) {
		struct element e = {.index = k, .value = v, .obis = descriptor_obis(t, d)};
		if (e.obis != NULL)
			obis_element(w, &e);
		else
			NOTE_SKIP(w, &e, "descriptor is not class, OBIS, attribute 2, index");
		d = t->node[d].end;
		v = t->node[v].end;
	}
}

/* ---- layout: positional profiles (layouts 4, 5 and Netz Burgenland) ---- */

static bool is_date_time_value(const struct hp_axdr_node *n)
{
	return n->tag == HP_AXDR_DATE_TIME ||
	       (n->tag == HP_AXDR_OCTET_STRING && n->count == HP_COSEM_DATETIME_LEN);
}

/* Named profiles take any type of the same class (the Kaifa document types
 * currents as signed, the frames carry unsigned: trust the tag); unnamed ones,
 * which only count and types identify, need the exact type. */
static bool row_accepts(const struct hp_pos_row *row, const struct hp_axdr_node *n, bool exact)
{
	double d;
	if (row->tag == HP_POS_ANY_TAG)
		return true;
	if (exact)
		return n->tag == row->tag;
	if (n->tag == HP_AXDR_NULL)
		return true;
	switch (row->kind) {
	case HP_TARGET_NONE:
		return true;
	case HP_TARGET_NUM:
		return hp_axdr_number(n, &d);
	case HP_TARGET_CLOCK:
		return is_date_time_value(n);
	default:
		return hp_axdr_is_string(n);
	}
}

/* The type of element `index` (from 1). */
static uint8_t element_tag(const struct hp_axdr_tree *t, uint32_t index)
{
	uint32_t i = 1;
	for (uint32_t k = 1; k < index; k++)
		i = t->node[i].end;
	return t->node[i].tag;
}

/* Every element has the exact type of its row (unnamed profiles). */
static bool types_exact(const struct hp_axdr_tree *t, const struct hp_pos_profile *p)
{
	uint32_t i = 1;
	for (uint32_t k = 0; k < p->count; k++) {
		if (!row_accepts(&p->rows[k], &t->node[i], true))
			return false;
		i = t->node[i].end;
	}
	return true;
}

/* Count and key type; the other types are checked while the values are put
 * (named profiles) or here (unnamed ones, which only count and types identify). */
static bool profile_fits(const struct hp_axdr_tree *t, const struct hp_pos_profile *p)
{
	if (t->node[0].count != p->count || p->count > p->rows_len)
		return false;
	if (p->key_index != 0 && element_tag(t, p->key_index) != p->key_tag)
		return false;
	return p->prefix != NULL || types_exact(t, p);
}

static bool names_profile(const struct hp_axdr_node *first, const struct hp_pos_profile *p)
{
	return hp_dlms_starts_with(first->v.p, first->count, p->prefix, p->prefix_len);
}

/* Step 2: true when the first element is a string that names positional profiles;
 * *found is the one that fits (NULL: named, but no profile fits). Named profiles
 * are told apart by prefix, count and key type alone (the unit test checks it). */
static bool find_named_profile(const struct hp_axdr_tree *t, const struct hp_pos_profile **found)
{
	size_t count;
	const struct hp_pos_profile *p = hp_dlms_profiles(&count);
	bool named = false;
	*found = NULL;
	if (t->node[0].count == 0 || !hp_axdr_is_string(&t->node[1]))
		return false;
	for (size_t i = 0; i < count; i++) {
		if (p[i].prefix == NULL || !names_profile(&t->node[1], &p[i]))
			continue;
		named = true;
		if (profile_fits(t, &p[i])) {
			*found = &p[i];
			break;
		}
	}
	return named;
}

/* Step 5: an unnamed profile that the element count and every type fit. */
static const struct hp_pos_profile *find_unnamed_profile(const struct hp_axdr_tree *t)
{
	size_t count;
	const struct hp_pos_profile *p = hp_dlms_profiles(&count);
	for (size_t i = 0; i < count; i++)
		if (p[i].prefix == NULL && profile_fits(t, &p[i]))
			return &p[i];
	return NULL;
}

static int run_positional(struct walk *w, const struct hp_pos_profile *p, struct hp_error *err)
{
	uint32_t i = 1;
	hp_tracef(w->trace, 1, "layout: positional, %s (%u elements)", p->name, (unsigned)p->count);
	for (uint32_t k = 0; k < p->count; k++) {
		const struct hp_pos_row *row = &p->rows[k];
		const struct hp_axdr_node *n = node_at(w, i);
		struct element e = {.index = k + 1, .value = i};
		if (!row_accepts(row, n, false)) {
			hp_error_set(err, HP_ERR_UNSUPPORTED, "%s: element %u is a %s, not a %s",
				     p->name, (unsigned)(k + 1), hp_axdr_tag_name(n->tag),
				     hp_axdr_tag_name(row->tag));
			return -1;
		}
		if (n->tag == HP_AXDR_NULL)
			NOTE_SKIP(w, &e, "null-data");
		else if (row->kind == HP_TARGET_NUM)
			put_number(w, &e, (enum hp_num)row->field, row->exp);
		else
			put_other(w, &e, (enum hp_target_kind)row->kind, row->field);
		i = n->end;
	}
	return 0;
}

/* ---- the notification ---- */

/* "Choosing a decoder" of protocols-meters.md. */
static int decode_body(struct walk *w, struct hp_error *err)
{
	const struct hp_axdr_tree *t = w->t;
	const struct hp_pos_profile *p;
	if (!hp_axdr_is_container(&t->node[0])) {
		hp_error_set(err, HP_ERR_UNSUPPORTED, "notification body is a %s, not a list",
			     hp_axdr_tag_name(t->node[0].tag));
		return -1;
	}
	if (find_named_profile(t, &p)) {
		if (p == NULL) {
			/* The name starts with a profile prefix; the rest may be binary. */
			uint32_t name_len = t->node[1].count < 16 ? t->node[1].count : 16;
			bool shown = printable(t->node[1].v.p, name_len);
			hp_error_set(err, HP_ERR_UNSUPPORTED,
				     "positional list \"%.*s\" of %u elements: no profile fits",
				     shown ? (int)name_len : 0, (const char *)t->node[1].v.p,
				     (unsigned)t->node[0].count);
			return -1;
		}
		return run_positional(w, p, err);
	} else if (is_descriptor_list(t)) {
		run_descriptors(w);
	} else if (has_obis_pairs(t)) {
		run_obis_list(w);
	} else if ((p = find_unnamed_profile(t)) != NULL) {
		return run_positional(w, p, err);
	} else {
		hp_error_set(err, HP_ERR_UNSUPPORTED, "unknown list layout (%s of %u elements)",
			     hp_axdr_tag_name(t->node[0].tag), (unsigned)t->node[0].count);
		return -1;
	}
	return 0;
}

static void set_clock(struct hp_reading *r, const struct hp_cosem_clock *c)
{
	hp_reading_set_text(r, HP_TEXT_METER_TIME, c->text, strlen(c->text));
	r->meter_time_dst = c->dst;
}

static int body_error(enum hp_axdr_status st, size_t at, struct hp_error *err)
{
	enum hp_error_code code =
	    st == HP_AXDR_COMPACT || st == HP_AXDR_TOO_MANY ? HP_ERR_UNSUPPORTED : HP_ERR_MALFORMED;
	hp_error_set(err, code, "notification body: %s at offset %zu", hp_axdr_status_text(st), at);
	return -1;
}

static void trace_header(const struct hp_trace *trace, const uint8_t *apdu,
			 const struct hp_cosem_clock *c, bool has_clock)
{
	if (trace == NULL)
		return;
	hp_tracef(trace, 1, "data-notification: invoke-id %08X, date-time %s",
		  (unsigned)hp_be32(apdu + 1),
		  !has_clock ? "absent"
		  : c->valid ? c->text
			     : "not valid");
}

int hp_dlms_decode_notification(const uint8_t *apdu, size_t len, struct hp_reading *r,
				struct hp_error *err, const struct hp_trace *trace)
{
	struct header h;
	struct hp_axdr_tree tree; /* HP_AXDR_NODES_MAX values, on the stack */
	struct hp_cosem_clock header_clock = {.valid = false};
	size_t end;

	if (len == 0 || apdu[0] != APDU_DATA_NOTIFICATION) {
		hp_error_set(err, HP_ERR_MALFORMED, "not a data-notification");
		return -1;
	}
	switch (parse_header(apdu, len, &h)) {
	case HEADER_SHORT:
		hp_error_set(err, HP_ERR_MALFORMED, "data-notification header cut short");
		return -1;
	case HEADER_BAD:
		hp_error_set(err, HP_ERR_MALFORMED, "data-notification date-time form %02X",
			     apdu[DATE_TIME_OFFSET]);
		return -1;
	default:
		break;
	}
	if (h.clock != NULL)
		hp_cosem_datetime(h.clock, &header_clock);
	trace_header(trace, apdu, &header_clock, h.clock != NULL);

	enum hp_axdr_status st = hp_axdr_parse(apdu, h.body, len, len, &tree, &end);
	if (st != HP_AXDR_OK)
		return body_error(st, end, err);
	if (end < len)
		hp_tracef(trace, 1, "%zu bytes after the body ignored", len - end);

	struct walk w = {.t = &tree, .r = r, .trace = trace, .vendor = HP_VENDOR_NONE};
	w.clock.valid = false;
	if (decode_body(&w, err) != 0)
		return -1;
	/* A valid clock object in the list wins over the header date-time. */
	if (w.clock.valid)
		set_clock(r, &w.clock);
	else if (header_clock.valid)
		set_clock(r, &header_clock);
	return 0;
}

/* ---- probe: delimiting a bare data-notification ---- */

void hp_dlms_probe_notification(const uint8_t *buf, size_t avail, bool at_eof,
				struct hp_probe_result *res)
{
	struct header h;
	struct hp_axdr_tree tree; /* the probe builds the same tree as the decoder */
	size_t end;
	uint32_t count;
	size_t used;

	(void)at_eof; /* an incomplete notification stays MORE: the stream reports it */
	res->len = 0;
	res->status = HP_PROBE_NO;
	if (avail == 0) {
		res->status = HP_PROBE_MORE;
		return;
	}
	if (buf[0] != APDU_DATA_NOTIFICATION)
		return;
	enum header_status hs = parse_header(buf, avail, &h);
	if (hs == HEADER_BAD ||
	    (hs == HEADER_OK && h.clock != NULL && !hp_cosem_datetime_plausible(h.clock)))
		return;
	if (hs == HEADER_SHORT || h.body >= avail) {
		res->status = HP_PROBE_MORE;
		return;
	}
	/* The body is one list (array or structure) of at least one value. */
	if (buf[h.body] != HP_AXDR_ARRAY && buf[h.body] != HP_AXDR_STRUCTURE)
		return;
	enum hp_axdr_status st =
	    hp_axdr_length(buf + h.body + 1, avail - h.body - 1, &count, &used);
	if (st == HP_AXDR_OK && count == 0)
		return;
	if (st == HP_AXDR_OK)
		st = hp_axdr_parse(buf, h.body, avail, HP_APDU_MAX, &tree, &end);
	if (st == HP_AXDR_OK) {
		res->status = HP_PROBE_FRAME;
		res->len = end;
	} else if (st == HP_AXDR_SHORT && avail < HP_APDU_MAX) {
		res->status = HP_PROBE_MORE;
	}
}
