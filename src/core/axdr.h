/* A-XDR values (protocols.md (e)): one walk over the bytes builds a tree of
 * values in a fixed node pool. Strings point into the caller's buffer, so the
 * tree lives only as long as that buffer. */
#ifndef HP_CORE_AXDR_H
#define HP_CORE_AXDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A-XDR type tags (the data-type table of protocols.md (e)). */
enum hp_axdr_tag {
	HP_AXDR_NULL = 0x00,
	HP_AXDR_ARRAY = 0x01,
	HP_AXDR_STRUCTURE = 0x02,
	HP_AXDR_BOOLEAN = 0x03,
	HP_AXDR_BIT_STRING = 0x04,
	HP_AXDR_DOUBLE_LONG = 0x05,
	HP_AXDR_DOUBLE_LONG_UNSIGNED = 0x06,
	HP_AXDR_OCTET_STRING = 0x09,
	HP_AXDR_VISIBLE_STRING = 0x0A,
	HP_AXDR_UTF8_STRING = 0x0C,
	HP_AXDR_BCD = 0x0D,
	HP_AXDR_INTEGER = 0x0F,
	HP_AXDR_LONG = 0x10,
	HP_AXDR_UNSIGNED = 0x11,
	HP_AXDR_LONG_UNSIGNED = 0x12,
	HP_AXDR_COMPACT_ARRAY = 0x13,
	HP_AXDR_LONG64 = 0x14,
	HP_AXDR_LONG64_UNSIGNED = 0x15,
	HP_AXDR_ENUM = 0x16,
	HP_AXDR_FLOAT32 = 0x17,
	HP_AXDR_FLOAT64 = 0x18,
	HP_AXDR_DATE_TIME = 0x19,
	HP_AXDR_DATE = 0x1A,
	HP_AXDR_TIME = 0x1B,
};

/* Values one push list can hold. The largest lists seen have under 200 values
 * (Aidon SE: 27 registers x 6 values; Kamstrup DK: 65; an L&G list with its
 * descriptors: about 5 per register); 512 leaves room for longer lists while the
 * pool (12 KiB) still fits on the decoder's stack. */
#define HP_AXDR_NODES_MAX 512

/* Nesting depth accepted. Push lists nest three deep (body, register
 * structure, scaler-unit; or body, descriptor array, descriptor); deeper
 * nesting is not a push list. */
#define HP_AXDR_DEPTH_MAX 8

/* How a value's number is held, so that reading it needs no second lookup. */
enum hp_axdr_class {
	HP_AXDR_CLASS_OTHER = 0, /* null, containers, strings, date/time */
	HP_AXDR_CLASS_UNSIGNED,  /* v.u */
	HP_AXDR_CLASS_SIGNED,    /* v.i */
	HP_AXDR_CLASS_FLOAT,     /* v.f */
};

/* One value. Containers are followed by their children in order (pre-order),
 * so the first child of node i is i + 1 and the next sibling of i is end. */
struct hp_axdr_node {
	uint8_t tag;     /* enum hp_axdr_tag */
	uint8_t cls;     /* enum hp_axdr_class */
	uint16_t end;    /* index just past this node's subtree */
	uint32_t offset; /* offset of the tag byte in the buffer */
	/* array/structure: children; strings and date/time: bytes; bit-string: bits */
	uint32_t count;
	union {
		int64_t i;        /* integer, long, double-long, long64 */
		uint64_t u;       /* boolean, bcd, unsigned, long-unsigned, double-long-unsigned,
				  * long64-unsigned, enum */
		double f;         /* float32, float64 */
		const uint8_t *p; /* strings, bit-string, date-time, date, time */
	} v;
};

struct hp_axdr_tree {
	uint16_t count; /* nodes used */
	struct hp_axdr_node node[HP_AXDR_NODES_MAX];
};

enum hp_axdr_status {
	HP_AXDR_OK = 0,
	HP_AXDR_SHORT,      /* the bytes end inside the value */
	HP_AXDR_OVERSIZED,  /* a count or length reaches past the cap */
	HP_AXDR_BAD_TAG,    /* an unknown type tag */
	HP_AXDR_BAD_LENGTH, /* a length byte 80 or 85..FF */
	HP_AXDR_COMPACT,    /* compact-array: not supported */
	HP_AXDR_TOO_DEEP,   /* nesting deeper than HP_AXDR_DEPTH_MAX */
	HP_AXDR_TOO_MANY,   /* more than HP_AXDR_NODES_MAX values */
};

/* Reads an A-XDR length (00..7F, 81 nn, 82 nn nn, 83 .., 84 ..) at p[0].
 * Returns HP_AXDR_OK with *value and *used (bytes of the length field),
 * HP_AXDR_SHORT when avail ends inside it, HP_AXDR_BAD_LENGTH otherwise. */
enum hp_axdr_status hp_axdr_length(const uint8_t *p, size_t avail, uint32_t *value, size_t *used);

/* Walks one value starting at buf[start] into tree (node 0 is the value).
 * avail bytes of buf are readable; a count or length that would reach past cap
 * (>= avail) is OVERSIZED, one that only reaches past avail is SHORT. *end is the
 * offset just past the value (on success) or the offset where the walk stopped. */
enum hp_axdr_status hp_axdr_parse(const uint8_t *buf, size_t start, size_t avail, size_t cap,
				  struct hp_axdr_tree *tree, size_t *end);

/* A short English phrase for a status, for error details. */
const char *hp_axdr_status_text(enum hp_axdr_status s);

/* The DLMS name of a tag ("double-long-unsigned"), "unknown" for others. */
const char *hp_axdr_tag_name(uint8_t tag);

/* True for the tags that carry a number; *out is the value as a double
 * (long64-unsigned above 2^53 is rounded). */
static inline bool hp_axdr_number(const struct hp_axdr_node *n, double *out)
{
	switch (n->cls) {
	case HP_AXDR_CLASS_UNSIGNED:
		*out = (double)n->v.u;
		return true;
	case HP_AXDR_CLASS_SIGNED:
		*out = (double)n->v.i;
		return true;
	case HP_AXDR_CLASS_FLOAT:
		*out = n->v.f;
		return true;
	default:
		return false;
	}
}

/* True for octet-, visible- and utf8-strings. */
static inline bool hp_axdr_is_string(const struct hp_axdr_node *n)
{
	return n->tag == HP_AXDR_OCTET_STRING || n->tag == HP_AXDR_VISIBLE_STRING ||
	       n->tag == HP_AXDR_UTF8_STRING;
}

/* True when n is an octet-string of 6 bytes: an OBIS code. */
static inline bool hp_axdr_is_obis(const struct hp_axdr_node *n)
{
	return n->tag == HP_AXDR_OCTET_STRING && n->count == 6;
}

static inline bool hp_axdr_is_container(const struct hp_axdr_node *n)
{
	return n->tag == HP_AXDR_ARRAY || n->tag == HP_AXDR_STRUCTURE;
}

#endif
