/* The DLMS list layouts as data (protocols-meters.md (f)): the makers a list
 * name points to, their default scalers, and the positional profiles. Private to
 * dlms.c and its tests. */
#ifndef HP_CORE_DLMS_LAYOUTS_H
#define HP_CORE_DLMS_LAYOUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obis_map.h"

struct hp_dlms_vendor {
	const char *prefix; /* the list name starts with it */
	uint8_t prefix_len;
	enum hp_vendor vendor;
	const char *manufacturer; /* reading-model `manufacturer` */
	uint8_t manufacturer_len;
	bool by_list_id;      /* a list id (0.2.129 or first string) with the prefix names it */
	bool by_logical_name; /* a logical device name (42.0.0) with the prefix names it */
};

/* True when s (len bytes) starts with the prefix; a byte loop, as prefixes are a
 * few letters long. */
static inline bool hp_dlms_starts_with(const uint8_t *s, size_t len, const char *prefix,
				       size_t prefix_len)
{
	if (len < prefix_len)
		return false;
	for (size_t i = 0; i < prefix_len; i++)
		if (s[i] != (uint8_t)prefix[i])
			return false;
	return true;
}

/* The maker a list id (logical_name false) or a logical device name (true) names,
 * or NULL. */
const struct hp_dlms_vendor *hp_dlms_vendor_by_name(const uint8_t *s, size_t len,
						    bool logical_name);

extern const int8_t hp_dlms_default_scalers[HP_VENDOR_COUNT][HP_Q_COUNT];

/* The scaler assumed for quantity q in a list of vendor v that sends no
 * scaler-unit (e.g. Kamstrup current: -2, i.e. 0.01 A). */
static inline int hp_dlms_default_scaler(enum hp_vendor v, enum hp_quantity q)
{
	return hp_dlms_default_scalers[v][q];
}

/* One element of a positional list. */
struct hp_pos_row {
	uint8_t tag;   /* expected A-XDR type */
	uint8_t kind;  /* enum hp_target_kind */
	uint8_t field; /* enum hp_num for numbers, enum hp_id_rank for ids */
	int8_t exp;    /* power of ten from the raw value to the key's unit */
};

/* A row tag that accepts a value of any type (elements whose type is not known). */
#define HP_POS_ANY_TAG 0xFF

struct hp_pos_profile {
	const char *name;   /* for traces */
	const char *prefix; /* the first element is a string starting with it; NULL: an
			     * unnamed profile, matched by count and exact types */
	uint8_t prefix_len;
	uint8_t count;     /* elements in the body */
	uint8_t key_index; /* element (from 1) whose type tells same-size profiles apart,
			     * 0: none */
	uint8_t key_tag;
	const struct hp_pos_row *rows; /* the first `count` rows describe the elements */
	uint8_t rows_len;              /* rows in the array (>= count) */
};

/* All positional profiles, named ones first. */
const struct hp_pos_profile *hp_dlms_profiles(size_t *count);

#endif
