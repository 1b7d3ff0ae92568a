/* Reading /etc/hanp1d/hanp1d.conf (config.h).
 *
 * libinih splits each line into key and value (comments, whitespace, "=" or ":").
 * Debian's libinih passes no line number to the handler and does not announce an
 * empty section, so the line reader given to ini_parse_stream does the rest: it
 * counts lines, opens sections (which is how an empty [meter NAME] is still seen)
 * and reports lines that are neither a key, a section, a comment nor blank. A line
 * it has handled reaches libinih as a blank line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <ini.h>

#include "config_keys.h"
#include "config_values.h"

#define DEFAULT_HOST       "127.0.0.1"
#define DEFAULT_PORT       8080
#define DEFAULT_WWW_DIR    "/usr/share/hanp1d/www"
#define DEFAULT_VENDOR_DIR "/usr/share/javascript"
#define DEFAULT_STORE      "/var/lib/hanp1d/history.db"
/* One raw row per 10 s: 8640 rows a day per meter, fine detail for a day chart. */
#define DEFAULT_STORE_INTERVAL 10
/* Three months of raw rows; the buckets keep the rest forever. */
#define DEFAULT_RAW_DAYS 90
/* One SQLite transaction a minute spares an SD card; at most a minute is lost. */
#define DEFAULT_COMMIT_INTERVAL 60
/* Meters push every 1 to 10 s; 30 s without a reading is a fault worth showing. */
#define DEFAULT_STALE_AFTER 30
#define DEFAULT_VOLTAGE     230
#define DEFAULT_PHASES      3

/* MQTT: the keepalive most clients use; HA's default discovery prefix. */
#define DEFAULT_MQTT_KEEPALIVE  60
#define DEFAULT_MQTT_BASE_TOPIC "hanp1d/<meter>"
#define DEFAULT_MQTT_PREFIX     "homeassistant"

/* One message; a quoted value in it is cut at 64 characters. */
#define MSG_MAX 512
/* Names in messages are cut here: a pasted line can be long. */
#define NAME_SHOWN 64
/* A section header as written, for messages. */
#define LABEL_MAX (HP_NAME_MAX + 16)

struct loader {
	struct hp_config *cfg;
	hp_config_error_fn fn;
	void *ctx;
	const char *file;
	FILE *in;
	char *buf; /* getline's */
	size_t buf_size;
	int lineno;
	int problems;
	bool read_failed;

	/* The section being read. def NULL: keys are outside any section, or (ignore)
	 * in one whose header was reported as wrong. */
	const struct hp_cfg_section_def *def;
	bool ignore;
	void *obj; /* the struct its keys go into */
	int *seen; /* per key: the line that set it, 0 = not set, negative = set wrong */
	int start; /* its header's line */
	char label[LABEL_MAX];

	int seen_meter[HP_METERS_MAX][HP_CFG_KEYS_MAX];
	int seen_rule[HP_PRICE_TOU_MAX][HP_CFG_KEYS_MAX];
	int seen_modifier[HP_PRICE_MODIFIERS_MAX][HP_CFG_KEYS_MAX];
	int seen_single[HP_CFG_SECTION_COUNT][HP_CFG_KEYS_MAX];
	/* Time-of-use rules and modifiers keep no name: theirs are here, for messages. */
	char rule_name[HP_PRICE_TOU_MAX][HP_NAME_MAX];
	int rule_line[HP_PRICE_TOU_MAX];
	char modifier_name[HP_PRICE_MODIFIERS_MAX][HP_NAME_MAX];
	int modifier_line[HP_PRICE_MODIFIERS_MAX];
	/* A named section whose header was wrong still has its keys checked, into one
	 * of these. */
	bool in_scratch;
	struct hp_meter_config scratch;
	struct hp_tou_rule scratch_rule;
	struct hp_price_modifier scratch_modifier;
	int seen_scratch[HP_CFG_KEYS_MAX];
};

__attribute__((format(printf, 3, 4))) static void report(struct loader *ld, int line,
							 const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ld->problems++;
	if (ld->fn != NULL)
		ld->fn(ld->ctx, ld->file, line, msg);
}

static void meter_defaults(struct hp_meter_config *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = HP_SOURCE_SERIAL;
	m->speed = 1;
	m->baud = 0;
	m->parity = HP_PARITY_AUTO;
	m->request_lines = HP_LINES_NONE;
	m->enable_line = HP_LINES_DTR;
	m->poll_interval_s = 10;
	m->multiplier_power = 1;
	m->multiplier_voltage = 1;
	m->multiplier_current = 1;
	m->multiplier_energy = 1;
	m->voltage = DEFAULT_VOLTAGE;
	m->phases = DEFAULT_PHASES;
	m->capacity_tariff = HP_CAPACITY_NONE;
	hp_no_config_defaults(&m->capacity_no);
	hp_be_config_defaults(&m->capacity_be);
}

void hp_config_defaults(struct hp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (unsigned i = 0; i < HP_METERS_MAX; i++)
		meter_defaults(&cfg->meters[i]);
	hp_price_config_init(&cfg->prices);
	struct hp_http_config *h = &cfg->http;
	h->enabled = true;
	snprintf(h->host, sizeof(h->host), "%s", DEFAULT_HOST);
	h->port = DEFAULT_PORT;
	snprintf(h->www_dir, sizeof(h->www_dir), "%s", DEFAULT_WWW_DIR);
	snprintf(h->vendor_dir, sizeof(h->vendor_dir), "%s", DEFAULT_VENDOR_DIR);
	h->auth = HP_AUTH_NONE;
	struct hp_store_config *s = &cfg->store;
	snprintf(s->path, sizeof(s->path), "%s", DEFAULT_STORE);
	s->store_interval_s = DEFAULT_STORE_INTERVAL;
	s->raw_days = DEFAULT_RAW_DAYS;
	s->commit_interval_s = DEFAULT_COMMIT_INTERVAL;
	cfg->stale_after_s = DEFAULT_STALE_AFTER;
	cfg->log_level = LOG_INFO;
	struct hp_mqtt_config *q = &cfg->mqtt;
	q->enabled = HP_MQTT_AUTO;
	q->keepalive_s = DEFAULT_MQTT_KEEPALIVE;
	snprintf(q->base_topic, sizeof(q->base_topic), "%s", DEFAULT_MQTT_BASE_TOPIC);
	q->discovery = true;
	snprintf(q->discovery_prefix, sizeof(q->discovery_prefix), "%s", DEFAULT_MQTT_PREFIX);
}

const struct hp_meter_config *hp_config_meter(const struct hp_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->meter_count; i++)
		if (strcmp(cfg->meters[i].name, name) == 0)
			return &cfg->meters[i];
	return NULL;
}

/* ---- sections ---- */

static int key_index(const struct hp_cfg_section_def *def, const char *name)
{
	const struct hp_cfg_key *k = hp_cfg_find_key(def, name);
	return k == NULL ? -1 : (int)(k - def->keys);
}

/* A key of the section was set to a value that was refused (and reported). */
static bool had_bad_value(const struct loader *ld)
{
	for (size_t k = 0; k < ld->def->count; k++)
		if (ld->seen[k] < 0)
			return true;
	return false;
}

/* A meter without a source; a capacity tariff the tariff code refuses. */
static void close_meter(struct loader *ld)
{
	const struct hp_cfg_section_def *meter = &hp_cfg_sections[HP_CFG_METER];
	const struct hp_meter_config *m = ld->obj;
	if (ld->seen[key_index(meter, "source")] == 0)
		report(ld, ld->start,
		       "%s has no source (serial:DEVICE, tcp://HOST:PORT, "
		       "replay:FILE, sim:PROFILE or mep:DEVICE)",
		       ld->label);
	else if (m->kind == HP_SOURCE_MEP && !m->has_mep_key &&
		 ld->seen[key_index(meter, "mbk")] == 0)
		report(ld, ld->start,
		       "%s: a mep: source needs mbk (the 20-character key from the grid "
		       "company)",
		       ld->label);
	char why[MSG_MAX];
	if (!had_bad_value(ld) && hp_no_config_check(&m->capacity_no, why, sizeof(why)) != 0)
		report(ld, ld->start, "%s: capacity_%s", ld->label, why);
}

/* Every key a modifier lacks: the check names the first, so each one found is
 * filled in a copy and the check asked again. */
static void close_modifier(struct loader *ld)
{
	struct hp_price_modifier m = *(const struct hp_price_modifier *)ld->obj;
	char why[MSG_MAX];
	while (hp_price_modifier_check(&m, why, sizeof(why)) != 0) {
		report(ld, ld->start, "%s: %s", ld->label, why);
		if (m.op == HP_PRICE_OP_NONE)
			m.op = HP_PRICE_OP_ADD;
		else if (m.applies == 0)
			m.applies = HP_PRICE_APPLIES_IMPORT;
		else if (!m.has_value)
			m.has_value = true;
		else
			break;
	}
}

/* Checks that need the whole section. A value refused already makes the section's
 * own check noise ("the rule sets no price" after a bad import), so it is skipped. */
static void close_section(struct loader *ld)
{
	char why[MSG_MAX];
	const struct hp_cfg_section_def *def = ld->def;
	/* A wrong header was reported already. */
	if (def != NULL && !ld->in_scratch) {
		if (def == &hp_cfg_sections[HP_CFG_METER])
			close_meter(ld);
		else if (def == &hp_cfg_sections[HP_CFG_PRICE] && !had_bad_value(ld) &&
			 hp_tou_rule_check(ld->obj, why, sizeof(why)) != 0)
			report(ld, ld->start, "%s: %s", ld->label, why);
		else if (def == &hp_cfg_sections[HP_CFG_MODIFIER] && !had_bad_value(ld))
			close_modifier(ld);
	}
	ld->def = NULL;
	ld->ignore = false;
	ld->in_scratch = false;
}

static void use_scratch(struct loader *ld, enum hp_cfg_section s)
{
	memset(ld->seen_scratch, 0, sizeof(ld->seen_scratch));
	ld->seen = ld->seen_scratch;
	ld->in_scratch = true;
	if (s == HP_CFG_METER) {
		meter_defaults(&ld->scratch);
		ld->obj = &ld->scratch;
	} else if (s == HP_CFG_PRICE) {
		hp_tou_rule_init(&ld->scratch_rule);
		ld->obj = &ld->scratch_rule;
	} else {
		hp_price_modifier_init(&ld->scratch_modifier);
		ld->obj = &ld->scratch_modifier;
	}
}

/* Takes the meter slot for name (checked already). */
static void take_meter(struct loader *ld, const char *name)
{
	struct hp_config *cfg = ld->cfg;
	const struct hp_meter_config *twin = hp_config_meter(cfg, name);
	if (twin != NULL) {
		report(ld, ld->lineno, "meter '%s' is defined twice (first on line %d)", name,
		       twin->line);
		return;
	}
	if (cfg->meter_count >= HP_METERS_MAX) {
		report(ld, ld->lineno, "more than %d meters", HP_METERS_MAX);
		return;
	}
	struct hp_meter_config *m = &cfg->meters[cfg->meter_count];
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->line = ld->lineno;
	ld->obj = m;
	ld->seen = ld->seen_meter[cfg->meter_count];
	ld->in_scratch = false;
	cfg->meter_count++;
}

/* A rule's or modifier's place among count taken (names and lines beside them), or
 * -1 after reporting a twin or one too many. */
static int take_slot(struct loader *ld, const char *kind, const char *name,
		     char names[][HP_NAME_MAX], int *lines, size_t count, size_t max)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], name) == 0) {
			report(ld, ld->lineno, "%s '%s' is defined twice (first on line %d)", kind,
			       name, lines[i]);
			return -1;
		}
	}
	if (count >= max) {
		report(ld, ld->lineno, "more than %zu [%s NAME] sections", max, kind);
		return -1;
	}
	snprintf(names[count], HP_NAME_MAX, "%s", name);
	lines[count] = ld->lineno;
	ld->in_scratch = false;
	return (int)count;
}

static void take_rule(struct loader *ld, const char *name)
{
	struct hp_price_config *p = &ld->cfg->prices;
	int i = take_slot(ld, "price", name, ld->rule_name, ld->rule_line, p->tou_count,
			  HP_PRICE_TOU_MAX);
	if (i < 0)
		return;
	hp_tou_rule_init(&p->tou[i]);
	ld->obj = &p->tou[i];
	ld->seen = ld->seen_rule[i];
	p->tou_count++;
}

static void take_modifier(struct loader *ld, const char *name)
{
	struct hp_price_config *p = &ld->cfg->prices;
	int i = take_slot(ld, "modifier", name, ld->modifier_name, ld->modifier_line,
			  p->modifier_count, HP_PRICE_MODIFIERS_MAX);
	if (i < 0)
		return;
	hp_price_modifier_init(&p->modifiers[i]);
	ld->obj = &p->modifiers[i];
	ld->seen = ld->seen_modifier[i];
	p->modifier_count++;
}

/* [meter NAME], [price NAME], [modifier NAME], in file order; a wrong header still
 * gets its keys checked (in scratch). */
static void open_named(struct loader *ld, enum hp_cfg_section s, const char *name)
{
	const char *kind = hp_cfg_sections[s].name;
	snprintf(ld->label, sizeof(ld->label), "[%s %.*s]", kind, HP_NAME_MAX, name);
	ld->def = &hp_cfg_sections[s];
	use_scratch(ld, s);
	if (*name == '\0')
		report(ld, ld->lineno, "a %s section needs a name: [%s NAME]", kind, kind);
	else if (!hp_cfg_valid_name(name))
		report(ld, ld->lineno, "%s name '%.*s' is not 1 to %d letters, digits, '_' or '-'",
		       kind, HP_NAME_MAX + 8, name, HP_NAME_MAX - 1);
	else if (s == HP_CFG_METER)
		take_meter(ld, name);
	else if (s == HP_CFG_PRICE)
		take_rule(ld, name);
	else
		take_modifier(ld, name);
}

static void *section_struct(struct hp_config *cfg, enum hp_cfg_section s)
{
	switch (s) {
	case HP_CFG_HTTP:
		return &cfg->http;
	case HP_CFG_STORE:
		return &cfg->store;
	case HP_CFG_MQTT:
		return &cfg->mqtt;
	case HP_CFG_PRICES:
		return &cfg->prices;
	default:
		return cfg;
	}
}

static void open_unknown(struct loader *ld, const char *word, const char *header)
{
	const struct hp_cfg_section_def *near = NULL;
	unsigned best = 3;
	for (int s = 0; s < HP_CFG_SECTION_COUNT; s++) {
		unsigned d = hp_cfg_distance(word, hp_cfg_sections[s].name, 2);
		if (d < best) {
			best = d;
			near = &hp_cfg_sections[s];
		}
	}
	if (near != NULL)
		report(ld, ld->lineno, "unknown section [%.*s]; did you mean [%s%s]?", NAME_SHOWN,
		       header, near->name, near->named ? " NAME" : "");
	else
		report(ld, ld->lineno,
		       "unknown section [%.*s] (sections: [meter NAME], [http], "
		       "[store], [daemon], [mqtt], [prices], [price NAME], [modifier NAME])",
		       NAME_SHOWN, header);
	ld->ignore = true;
}

/* header: what is between the brackets, trimmed. */
static void open_section(struct loader *ld, char *header)
{
	close_section(ld);
	ld->start = ld->lineno;
	size_t wlen = strcspn(header, " \t");
	char *rest = header + wlen;
	while (isspace((unsigned char)*rest))
		rest++;
	char word[LABEL_MAX];
	snprintf(word, sizeof(word), "%.*s", (int)wlen, header);
	for (int s = 0; s < HP_CFG_SECTION_COUNT; s++) {
		const struct hp_cfg_section_def *def = &hp_cfg_sections[s];
		if (strcmp(word, def->name) != 0)
			continue;
		if (def->named) {
			open_named(ld, (enum hp_cfg_section)s, rest);
			return;
		}
		if (*rest != '\0')
			report(ld, ld->lineno, "section [%s] takes no name", def->name);
		snprintf(ld->label, sizeof(ld->label), "[%s]", def->name);
		ld->def = def;
		ld->obj = section_struct(ld->cfg, (enum hp_cfg_section)s);
		ld->seen = ld->seen_single[s];
		return;
	}
	open_unknown(ld, word, header);
}

/* ---- keys ---- */

/* The section another key belongs in, when it is one. */
static const struct hp_cfg_section_def *home_of(const char *name)
{
	for (int s = 0; s < HP_CFG_SECTION_COUNT; s++)
		if (hp_cfg_find_key(&hp_cfg_sections[s], name) != NULL)
			return &hp_cfg_sections[s];
	return NULL;
}

static void unknown_key(struct loader *ld, const char *name)
{
	const struct hp_cfg_key *near = hp_cfg_near_key(ld->def, name);
	const struct hp_cfg_section_def *home = home_of(name);
	if (home != NULL)
		report(ld, ld->lineno, "'%s' belongs in [%s%s], not in %s", name, home->name,
		       home->named ? " NAME" : "", ld->label);
	else if (near != NULL)
		report(ld, ld->lineno, "unknown key '%.*s' in %s; did you mean '%s'?", NAME_SHOWN,
		       name, ld->label, near->name);
	else
		report(ld, ld->lineno, "unknown key '%.*s' in %s", NAME_SHOWN, name, ld->label);
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	(void)section; /* the line reader keeps track of sections */
	if (value == NULL)
		value = "";
	if (ld->ignore)
		return 1;
	if (ld->def == NULL) {
		report(ld, ld->lineno,
		       "'%.*s' is outside any section; put it under [meter NAME], "
		       "[http], [store], [daemon], [mqtt], [prices], [price NAME] or "
		       "[modifier NAME]",
		       NAME_SHOWN, name);
		return 1;
	}
	const struct hp_cfg_key *k = hp_cfg_find_key(ld->def, name);
	if (k == NULL) {
		unknown_key(ld, name);
		return 1;
	}
	int *seen = &ld->seen[k - ld->def->keys];
	if (*seen != 0) {
		report(ld, ld->lineno, "%s is set twice in %s (first on line %d)", name, ld->label,
		       abs(*seen));
		return 1;
	}
	*seen = ld->lineno;
	char why[MSG_MAX];
	if (hp_cfg_set(k, ld->obj, value, why, sizeof(why)) != 0) {
		report(ld, ld->lineno, "%s: %s", name, why);
		*seen = -ld->lineno;
	}
	return 1;
}

/* ---- lines ---- */

static void trim_right(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static char *skip_space(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* A section header; false when it has no closing bracket. */
static bool header_line(struct loader *ld, char *s)
{
	char *close = strchr(s, ']');
	if (close == NULL)
		return false;
	*close = '\0';
	char *header = skip_space(s + 1);
	trim_right(header);
	open_section(ld, header);
	return true;
}

/* A key line has a name and then "=" or ":", before any " ;" comment (where
 * libinih splits it). */
static bool key_line(const char *s)
{
	bool was_space = false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '=' || *p == ':')
			return p > s;
		if (*p == ';' && was_space)
			return false;
		was_space = isspace((unsigned char)*p);
	}
	return false;
}

/* What libinih gets for line s: s itself for a key, else a blank line. */
static void check_line(struct loader *ld, char *s, char *out, int out_size)
{
	static const char utf8_bom[] = "\xEF\xBB\xBF";
	out[0] = '\0';
	if (ld->lineno == 1 && strncmp(s, utf8_bom, 3) == 0)
		s += 3;
	s = skip_space(s);
	trim_right(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		if (header_line(ld, s))
			return;
		report(ld, ld->lineno, "a section header needs a closing ']'");
		/* Which section was meant is unknown: its keys would only add noise. */
		close_section(ld);
		ld->ignore = true;
		return;
	}
	/* The line is not echoed: it may hold a key. */
	if (!key_line(s))
		report(ld, ld->lineno, "expected KEY = VALUE, a [section], or a comment");
	else if (strlen(s) + 2 > (size_t)out_size)
		report(ld, ld->lineno, "the line is longer than %d characters", out_size - 2);
	else
		snprintf(out, (size_t)out_size, "%s\n", s);
}

/* libinih's reader: one whole line per call, however long, so lines stay counted. */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	ssize_t n = getline(&ld->buf, &ld->buf_size, ld->in);
	if (n < 0) {
		if (!feof(ld->in)) { /* a read error, or getline out of memory */
			report(ld, 0, "cannot read %s: %s", ld->file, strerror(errno));
			ld->read_failed = true;
		}
		return NULL;
	}
	ld->lineno++;
	if (memchr(ld->buf, '\0', (size_t)n) != NULL) {
		report(ld, ld->lineno, "the line holds a NUL byte (not a text file?)");
		str[0] = '\0';
		return str;
	}
	check_line(ld, ld->buf, str, num);
	return str;
}

/* ---- the file ---- */

static void check_auth(struct loader *ld)
{
	const struct hp_cfg_section_def *http = &hp_cfg_sections[HP_CFG_HTTP];
	const struct hp_http_config *h = &ld->cfg->http;
	if (h->auth == HP_AUTH_NONE)
		return;
	const int *seen = ld->seen_single[HP_CFG_HTTP];
	int line = seen[key_index(http, "auth")];
	const char *scope = h->auth == HP_AUTH_ALL ? "all" : "write";
	/* A value that was wrong has been reported already. */
	if (h->user[0] == '\0' && seen[key_index(http, "user")] >= 0)
		report(ld, line, "auth = %s needs a user in [http]", scope);
	if (h->password_hash[0] == '\0' && seen[key_index(http, "password_hash")] >= 0)
		report(ld, line,
		       "auth = %s needs a password_hash in [http] (`hanp1d passwd` makes one)",
		       scope);
}

/* [mqtt] keys that only make sense together; each problem on the line of the key
 * that needs the other. */
static void check_mqtt(struct loader *ld)
{
	const struct hp_cfg_section_def *def = &hp_cfg_sections[HP_CFG_MQTT];
	const struct hp_mqtt_config *q = &ld->cfg->mqtt;
	const int *seen = ld->seen_single[HP_CFG_MQTT];
#define LINE(key) seen[key_index(def, key)]
	if (q->cert_file[0] != '\0' && q->key_file[0] == '\0' && LINE("key_file") >= 0)
		report(ld, LINE("cert_file"), "cert_file needs a key_file in [mqtt]");
	if (q->key_file[0] != '\0' && q->cert_file[0] == '\0' && LINE("cert_file") >= 0)
		report(ld, LINE("key_file"), "key_file needs a cert_file in [mqtt]");
	const struct {
		const char *key;
		bool set;
	} tls_keys[] = {{"ca_file", q->ca_file[0] != '\0'},
			{"cert_file", q->cert_file[0] != '\0'},
			{"key_file", q->key_file[0] != '\0'},
			{"tls_insecure", q->tls_insecure}};
	for (size_t i = 0; i < sizeof(tls_keys) / sizeof(tls_keys[0]) && !q->tls; i++)
		if (tls_keys[i].set)
			report(ld, LINE(tls_keys[i].key), "%s is set but tls is off in [mqtt]",
			       tls_keys[i].key);
	if (q->password[0] != '\0' && q->username[0] == '\0' && LINE("username") >= 0)
		report(ld, LINE("password"), "password needs a username in [mqtt]");
	if (ld->cfg->meter_count > 1 && strstr(q->base_topic, "<meter>") == NULL &&
	    LINE("base_topic") > 0)
		report(ld, LINE("base_topic"),
		       "base_topic needs <meter> when there is more than one meter (their topics "
		       "would be the same)");
#undef LINE
}

/* A meter without a time zone of its own follows [daemon] timezone, wherever in
 * the file that stands. */
static void inherit_zones(struct hp_config *cfg)
{
	for (unsigned i = 0; i < cfg->meter_count; i++)
		if (cfg->meters[i].timezone[0] == '\0')
			memcpy(cfg->meters[i].timezone, cfg->timezone, sizeof(cfg->timezone));
}

static void parse_file(struct loader *ld)
{
	int rc = ini_parse_stream(read_line, ld, on_key, ld);
	if (rc == -2)
		report(ld, 0, "out of memory reading %s", ld->file);
	close_section(ld);
	inherit_zones(ld->cfg);
	if (ld->read_failed)
		return;
	if (ld->cfg->meter_count == 0)
		report(ld, 0, "no [meter NAME] section: the daemon needs at least one meter");
	check_auth(ld);
	check_mqtt(ld);
}

int hp_config_load(const char *path, struct hp_config *cfg, hp_config_error_fn fn, void *ctx)
{
	hp_config_defaults(cfg);
	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	struct loader loader;
	struct loader *ld = &loader;
	memset(ld, 0, sizeof(*ld));
	ld->cfg = cfg;
	ld->fn = fn;
	ld->ctx = ctx;
	ld->file = path;
	ld->in = fopen(path, "r");
	if (ld->in == NULL)
		report(ld, 0, "cannot read %s: %s", path, strerror(errno));
	else {
		parse_file(ld);
		fclose(ld->in);
	}
	free(ld->buf);
	return ld->problems;
}
