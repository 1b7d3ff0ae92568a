/* A-XDR decoder: one iterative walk, an explicit stack of open containers, no
 * recursion and no allocation (protocols.md (e)). */
#include <string.h>

#include "axdr.h"
#include "wire.h"

static const char *const tag_names[] = {
    [HP_AXDR_NULL] = "null-data",
    [HP_AXDR_ARRAY] = "array",
    [HP_AXDR_STRUCTURE] = "structure",
    [HP_AXDR_BOOLEAN] = "boolean",
    [HP_AXDR_BIT_STRING] = "bit-string",
    [HP_AXDR_DOUBLE_LONG] = "double-long",
    [HP_AXDR_DOUBLE_LONG_UNSIGNED] = "double-long-unsigned",
    [HP_AXDR_OCTET_STRING] = "octet-string",
    [HP_AXDR_VISIBLE_STRING] = "visible-string",
    [HP_AXDR_UTF8_STRING] = "utf8-string",
    [HP_AXDR_BCD] = "bcd",
    [HP_AXDR_INTEGER] = "integer",
    [HP_AXDR_LONG] = "long",
    [HP_AXDR_UNSIGNED] = "unsigned",
    [HP_AXDR_LONG_UNSIGNED] = "long-unsigned",
    [HP_AXDR_COMPACT_ARRAY] = "compact-array",
    [HP_AXDR_LONG64] = "long64",
    [HP_AXDR_LONG64_UNSIGNED] = "long64-unsigned",
    [HP_AXDR_ENUM] = "enum",
    [HP_AXDR_FLOAT32] = "float32",
    [HP_AXDR_FLOAT64] = "float64",
    [HP_AXDR_DATE_TIME] = "date-time",
    [HP_AXDR_DATE] = "date",
    [HP_AXDR_TIME] = "time",
};

#define TAG_NAMES_SIZE (sizeof(tag_names) / sizeof(tag_names[0]))

const char *hp_axdr_tag_name(uint8_t tag)
{
	if (tag >= TAG_NAMES_SIZE || tag_names[tag] == NULL)
		return "unknown";
	return tag_names[tag];
}

const char *hp_axdr_status_text(enum hp_axdr_status s)
{
	static const char *const text[] = {
	    [HP_AXDR_OK] = "ok",
	    [HP_AXDR_SHORT] = "value runs past the end",
	    [HP_AXDR_OVERSIZED] = "count or length runs past the end",
	    [HP_AXDR_BAD_TAG] = "unknown A-XDR type tag",
	    [HP_AXDR_BAD_LENGTH] = "bad A-XDR length",
	    [HP_AXDR_COMPACT] = "compact-array is not supported",
	    [HP_AXDR_TOO_DEEP] = "values nested too deep",
	    [HP_AXDR_TOO_MANY] = "too many values",
	};
	return text[s];
}

enum hp_axdr_status hp_axdr_length(const uint8_t *p, size_t avail, uint32_t *value, size_t *used)
{
	if (avail == 0)
		return HP_AXDR_SHORT;
	if (p[0] < 0x80) {
		*value = p[0];
		*used = 1;
		return HP_AXDR_OK;
	}
	size_t n = p[0] & 0x7Fu;
	if (n == 0 || n > 4)
		return HP_AXDR_BAD_LENGTH;
	if (avail < 1 + n)
		return HP_AXDR_SHORT;
	uint32_t v = 0;
	for (size_t i = 1; i <= n; i++)
		v = v << 8 | p[i];
	*value = v;
	*used = 1 + n;
	return HP_AXDR_OK;
}

/* Two's complement of a `bits`-wide field, done in unsigned arithmetic. */
static int64_t sign_extend(uint64_t u, unsigned bits)
{
	uint64_t sign = UINT64_C(1) << (bits - 1);
	return (int64_t)((u ^ sign) - sign);
}

/* The IEEE bytes are assembled big-endian, then reinterpreted (never a pointer cast). */
static double get_f32(const uint8_t *p)
{
	uint32_t bits = hp_be32(p);
	float f;
	memcpy(&f, &bits, sizeof(f));
	return f;
}

static double get_f64(const uint8_t *p)
{
	uint64_t bits = hp_be64(p);
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* The length of a container, string or bit-string at p, any form, checked against
 * the bytes: a string must fit in lim (else SHORT) and in cap_lim (else
 * OVERSIZED); a container's count too, as each of its values takes a byte. Sets
 * n->count, and n->v.p to the bytes after the length (a string's content, a
 * container's first value), so that the caller's position never leaves its
 * register. */
static enum hp_axdr_status sized_value(uint8_t tag, const uint8_t *p, const uint8_t *lim,
				       const uint8_t *cap_lim, struct hp_axdr_node *n)
{
	size_t used = 0;
	uint32_t len;
	enum hp_axdr_status st = hp_axdr_length(p, (size_t)(lim - p), &len, &used);
	if (st != HP_AXDR_OK)
		return st;
	p += used;
	n->count = len;
	n->v.p = p;
	if (tag == HP_AXDR_BIT_STRING)
		len = (len >> 3) + ((len & 7u) != 0);
	if (len > (size_t)(cap_lim - p))
		return HP_AXDR_OVERSIZED;
	if (tag != HP_AXDR_ARRAY && tag != HP_AXDR_STRUCTURE && len > (size_t)(lim - p))
		return HP_AXDR_SHORT;
	return HP_AXDR_OK;
}

/* Stores the structure n (node `index`) and its two values 0F s, 16 u at p. */
static void scaler_unit(struct hp_axdr_node *n, const uint8_t *p, const uint8_t *buf,
			uint32_t index)
{
	struct hp_axdr_node *s = n + 1, *u = n + 2;
	n->end = (uint16_t)(index + 3);
	s->tag = HP_AXDR_INTEGER;
	s->cls = HP_AXDR_CLASS_SIGNED;
	s->end = (uint16_t)(index + 2);
	s->offset = (uint32_t)(p - buf);
	s->count = 0;
	s->v.i = sign_extend(p[1], 8);
	u->tag = HP_AXDR_ENUM;
	u->cls = HP_AXDR_CLASS_UNSIGNED;
	u->end = (uint16_t)(index + 3);
	u->offset = (uint32_t)(p + 2 - buf);
	u->count = 0;
	u->v.u = p[3];
}

/* A container still open: its node and the values it still waits for. */
struct open_container {
	uint32_t node;
	uint32_t left;
};

/* No container is open: the walk is reading the one top-level value. */
#define TOP_LEVEL UINT32_MAX

/* Fixed-size content: `size` bytes must be there; `cls` says how the number is held. */
#define FIXED(size, cls_, store)                                                                   \
	do {                                                                                       \
		if ((size_t)(lim - cur) < (size))                                                  \
			goto short_value;                                                          \
		n->cls = (cls_);                                                                   \
		store;                                                                             \
		cur += (size);                                                                     \
	} while (0)

/* One switch on the tag byte per value: each case decodes its own width, so a
 * value costs one jump. The walk runs over every value of every frame, so it is
 * one function whose position, node count and innermost container stay in
 * registers (a frame budget of a few thousand instructions: ~35 per number). */
enum hp_axdr_status hp_axdr_parse(const uint8_t *buf, size_t start, size_t avail, size_t cap,
				  struct hp_axdr_tree *tree, size_t *end)
{
	struct open_container stack[HP_AXDR_DEPTH_MAX];
	struct hp_axdr_node *nodes = tree->node;
	enum hp_axdr_status st = HP_AXDR_OK;
	int depth = 0;
	uint32_t count = 0, len = 0;
	/* The innermost open container and the values it still waits for, kept out
	 * of the stack: every value touches them. */
	uint32_t open = TOP_LEVEL, left = 1;
	const uint8_t *cur = buf + start;
	const uint8_t *lim = buf + (avail < cap ? avail : cap);
	const uint8_t *cap_lim = buf + cap;

	for (;;) {
		if (cur >= lim)
			goto short_value;
		if (count == HP_AXDR_NODES_MAX) {
			st = HP_AXDR_TOO_MANY;
			goto stop;
		}
		struct hp_axdr_node *n = &nodes[count];
		uint8_t tag = *cur;
		n->tag = tag;
		n->offset = (uint32_t)(cur - buf);
		n->count = 0;
		cur++;
		switch (tag) {
		case HP_AXDR_NULL:
			n->cls = HP_AXDR_CLASS_OTHER;
			break;
		case HP_AXDR_BOOLEAN:
		case HP_AXDR_BCD:
		case HP_AXDR_UNSIGNED:
		case HP_AXDR_ENUM:
			FIXED(1, HP_AXDR_CLASS_UNSIGNED, n->v.u = cur[0]);
			break;
		case HP_AXDR_LONG_UNSIGNED:
			FIXED(2, HP_AXDR_CLASS_UNSIGNED, n->v.u = hp_be16(cur));
			break;
		case HP_AXDR_DOUBLE_LONG_UNSIGNED:
			FIXED(4, HP_AXDR_CLASS_UNSIGNED, n->v.u = hp_be32(cur));
			break;
		case HP_AXDR_LONG64_UNSIGNED:
			FIXED(8, HP_AXDR_CLASS_UNSIGNED, n->v.u = hp_be64(cur));
			break;
		case HP_AXDR_INTEGER:
			FIXED(1, HP_AXDR_CLASS_SIGNED, n->v.i = sign_extend(cur[0], 8));
			break;
		case HP_AXDR_LONG:
			FIXED(2, HP_AXDR_CLASS_SIGNED, n->v.i = sign_extend(hp_be16(cur), 16));
			break;
		case HP_AXDR_DOUBLE_LONG:
			FIXED(4, HP_AXDR_CLASS_SIGNED, n->v.i = sign_extend(hp_be32(cur), 32));
			break;
		case HP_AXDR_LONG64:
			FIXED(8, HP_AXDR_CLASS_SIGNED, n->v.i = sign_extend(hp_be64(cur), 64));
			break;
		case HP_AXDR_FLOAT32:
			FIXED(4, HP_AXDR_CLASS_FLOAT, n->v.f = get_f32(cur));
			break;
		case HP_AXDR_FLOAT64:
			FIXED(8, HP_AXDR_CLASS_FLOAT, n->v.f = get_f64(cur));
			break;
		case HP_AXDR_DATE_TIME:
		case HP_AXDR_DATE:
		case HP_AXDR_TIME:
			len = tag == HP_AXDR_DATE_TIME ? 12u : tag == HP_AXDR_DATE ? 5u : 4u;
			FIXED(len, HP_AXDR_CLASS_OTHER, (n->v.p = cur, n->count = len));
			break;
		case HP_AXDR_OCTET_STRING:
		case HP_AXDR_VISIBLE_STRING:
		case HP_AXDR_UTF8_STRING:
		case HP_AXDR_BIT_STRING:
			n->cls = HP_AXDR_CLASS_OTHER;
			/* Fast path: a one-byte length whose bytes are all there (every OBIS
			 * code); anything else is sorted out by sized_value. */
			if (tag != HP_AXDR_BIT_STRING && cur < lim && *cur < 0x80 &&
			    (size_t)(lim - cur) > *cur) {
				n->count = *cur;
				n->v.p = cur + 1;
				cur += 1 + *cur;
				break;
			}
			st = sized_value(tag, cur, lim, cap_lim, n);
			if (st != HP_AXDR_OK)
				goto stop;
			cur = n->v.p + (tag == HP_AXDR_BIT_STRING
					    ? (n->count >> 3) + ((n->count & 7u) != 0)
					    : n->count);
			break;
		case HP_AXDR_ARRAY:
		case HP_AXDR_STRUCTURE:
			n->cls = HP_AXDR_CLASS_OTHER;
			if (cur < lim && *cur < 0x80 && (size_t)(cap_lim - cur) > *cur) {
				n->count = *cur++;
			} else {
				st = sized_value(tag, cur, lim, cap_lim, n);
				if (st != HP_AXDR_OK)
					goto stop;
				cur = n->v.p;
			}
			if (n->count == 0)
				break;
			/* Fast path: a scaler-unit structure {integer, enum}, the third value
			 * of every register in scaler-unit lists, stored as the generic walk
			 * would store its three values. */
			if (n->count == 2 && (size_t)(lim - cur) >= 4 &&
			    cur[0] == HP_AXDR_INTEGER && cur[2] == HP_AXDR_ENUM &&
			    count + 3 <= HP_AXDR_NODES_MAX && depth < HP_AXDR_DEPTH_MAX) {
				scaler_unit(n, cur, buf, count);
				cur += 4;
				count += 2;
				break;
			}
			if (depth == HP_AXDR_DEPTH_MAX) {
				st = HP_AXDR_TOO_DEEP;
				goto stop;
			}
			stack[depth].node = open;
			stack[depth].left = left;
			depth++;
			open = count++;
			left = n->count;
			continue;
		case HP_AXDR_COMPACT_ARRAY:
			st = HP_AXDR_COMPACT;
			cur--; /* report the tag's offset */
			goto stop;
		default:
			st = HP_AXDR_BAD_TAG;
			cur--;
			goto stop;
		}
		n->end = (uint16_t)++count;
		/* A finished value may finish its container, and that one its own. */
		while (--left == 0) {
			if (open == TOP_LEVEL)
				goto stop;
			nodes[open].end = (uint16_t)count;
			depth--;
			open = stack[depth].node;
			left = stack[depth].left;
		}
	}
short_value:
	st = HP_AXDR_SHORT;
stop:
	tree->count = (uint16_t)count;
	*end = (size_t)(cur - buf);
	return st;
}
