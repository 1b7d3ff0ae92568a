/* The configuration's sections and keys as tables: each key names its field, its
 * type and its accepted range, so checking a value is one generic function and a
 * new key is one row (config_keys.c). Private to config.c and its test. */
#ifndef HP_DAEMON_CONFIG_KEYS_H
#define HP_DAEMON_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

enum hp_cfg_section {
	HP_CFG_METER,    /* [meter NAME] -> struct hp_meter_config */
	HP_CFG_HTTP,     /* [http] -> struct hp_http_config */
	HP_CFG_STORE,    /* [store] -> struct hp_store_config */
	HP_CFG_DAEMON,   /* [daemon] -> struct hp_config */
	HP_CFG_MQTT,     /* [mqtt] -> struct hp_mqtt_config */
	HP_CFG_PRICES,   /* [prices] -> struct hp_price_config */
	HP_CFG_PRICE,    /* [price NAME] -> struct hp_tou_rule, one per section */
	HP_CFG_MODIFIER, /* [modifier NAME] -> struct hp_price_modifier, one per section */
	HP_CFG_SECTION_COUNT
};

enum hp_cfg_type {
	HP_CFG_BOOL,   /* bool */
	HP_CFG_UINT,   /* unsigned in [min, max] */
	HP_CFG_DOUBLE, /* double in [min, max], or (min, max] with min_exclusive */
	HP_CFG_CHOICE, /* one of choices[], stored as an int-sized enum */
	HP_CFG_TEXT,   /* a string of at most size - 1 characters */
	HP_CFG_CUSTOM, /* parse() */
};

struct hp_cfg_choice {
	const char *name;
	int value;
};

/* Parses value into the section's struct. 0, or -1 with `why` set to what follows
 * "KEY: " in the message; a parser of a secret never puts the value in it. */
typedef int (*hp_cfg_parse_fn)(void *obj, const char *value, char *why, size_t why_size);

struct hp_cfg_key {
	const char *name;
	enum hp_cfg_type type;
	size_t offset; /* of the field in the section's struct */
	size_t size;   /* TEXT: the field's size */
	double min, max;
	bool min_exclusive;
	bool empty_ok;                       /* TEXT: "" is a value */
	bool secret;                         /* the value never appears in a message */
	const struct hp_cfg_choice *choices; /* CHOICE: ends with a NULL name */
	hp_cfg_parse_fn parse;               /* CUSTOM */
};

struct hp_cfg_section_def {
	const char *name; /* "meter", "http", ... */
	bool named;       /* [meter NAME], [price NAME], [modifier NAME] */
	const struct hp_cfg_key *keys;
	size_t count;
};

/* Longest key table, for per-key bookkeeping arrays. */
#define HP_CFG_KEYS_MAX 32

extern const struct hp_cfg_section_def hp_cfg_sections[HP_CFG_SECTION_COUNT];

/* The key's row, or NULL. */
const struct hp_cfg_key *hp_cfg_find_key(const struct hp_cfg_section_def *s, const char *name);

/* The row closest to name within an edit distance of 2, or NULL. */
const struct hp_cfg_key *hp_cfg_near_key(const struct hp_cfg_section_def *s, const char *name);

/* Checks value and stores it in obj (the section's struct). 0, or -1 with why. */
int hp_cfg_set(const struct hp_cfg_key *k, void *obj, const char *value, char *why,
	       size_t why_size);

/* Optimal string alignment distance (a swap of two neighbours counts one), capped:
 * anything above cap is reported as cap + 1. */
unsigned hp_cfg_distance(const char *a, const char *b, unsigned cap);

/* A value as it may appear in a message: quoted, cut when long, control characters
 * replaced. */
void hp_cfg_quote(const char *value, char *out, size_t size);

#endif
