/* Configuration values with a shape of their own: sources, addresses, keys, paths. */
#include "config_values.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config_keys.h"
#include "hanp1d/hex.h"
#include "mep.h"
#include "meters.h"
#include "sim_model.h"
#include "tz.h"
#include "passwd.h"

/* Replay and simulator speed: 1 is real time; a million times faster replays a
 * year of one-second telegrams in about half a minute, beyond any use. 0 is not
 * paced at all: as fast as the decoder empties the meter's ring, nothing dropped
 * (benchmarks). */
#define SPEED_MAX 1e6
/* Where the IANA zone files are when TZDIR (which the C library also honours) is
 * not set. */
#define ZONEINFO_DIR "/usr/share/zoneinfo"
/* A quoted value in a message. */
#define QUOTE_MAX 64

static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static int copy_text(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static bool has_space_or_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return true;
	return false;
}

/* ---- sources ---- */

static int parse_port(const char *s, uint16_t *port)
{
	if (*s < '0' || *s > '9' || strlen(s) > 5)
		return -1;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > UINT16_MAX)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static bool host_chars_ok(const char *s, size_t len, bool ipv6)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = ipv6 ? isxdigit(c) || c == ':' || c == '.'
			       : isalnum(c) || c == '.' || c == '-' || c == '_';
		if (!ok)
			return false;
	}
	return len > 0;
}

/* HOST:PORT or [IPV6]:PORT; the host is stored without brackets. */
static int parse_host_port(const char *v, char *host, size_t host_size, uint16_t *port)
{
	const char *h = v, *colon;
	size_t len;
	bool ipv6 = v[0] == '[';
	if (ipv6) {
		const char *close = strchr(v, ']');
		if (close == NULL || close[1] != ':')
			return -1;
		h = v + 1;
		len = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			return -1;
		len = (size_t)(colon - v);
	}
	if (!host_chars_ok(h, len, ipv6) || copy_text(host, host_size, h, len) != 0)
		return -1;
	return parse_port(colon + 1, port);
}

/* "?speed=N" after a replay file or simulator profile; "" leaves real time, 0 means
 * unpaced. */
static int parse_speed(const char *query, double *speed)
{
	*speed = 1;
	if (*query == '\0')
		return 0;
	const char *num = after_prefix(query, "?speed=");
	if (num == NULL || *num == '\0')
		return -1;
	char *end;
	errno = 0;
	double v = strtod(num, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) || v < 0 || v > SPEED_MAX)
		return -1;
	*speed = v == 0 ? 0 : v; /* "-0" is 0 too, not a negative zero */
	return 0;
}

static bool sim_profile_known(const char *name, size_t len)
{
	for (int p = 0; p < HP_PROFILE_COUNT; p++) {
		const char *known = hp_enc_profile_name((enum hp_enc_profile)p);
		if (strlen(known) == len && strncmp(known, name, len) == 0)
			return true;
	}
	for (size_t i = 0; i < sim_family_count(); i++) {
		const char *known = sim_family_get(i)->name;
		if (strlen(known) == len && strncmp(known, name, len) == 0)
			return true;
	}
	return false;
}

static int source_device(struct hp_meter_config *m, enum hp_source_kind kind, const char *dev,
			 const char *v, char *why, size_t why_size)
{
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	if (dev[0] != '/' || has_space_or_control(dev) ||
	    copy_text(m->path, sizeof(m->path), dev, strlen(dev)) != 0) {
		snprintf(why, why_size,
			 "%s: the device must be an absolute path such as /dev/ttyUSB0", q);
		return -1;
	}
	m->kind = kind;
	return 0;
}

static int source_tcp(struct hp_meter_config *m, const char *addr, const char *v, char *why,
		      size_t why_size)
{
	char q[QUOTE_MAX];
	if (parse_host_port(addr, m->host, sizeof(m->host), &m->port) != 0) {
		hp_cfg_quote(v, q, sizeof(q));
		snprintf(why, why_size,
			 "%s is not tcp://HOST:PORT (a name or address, port 1 to 65535; "
			 "an IPv6 address in brackets: tcp://[::1]:2001)",
			 q);
		return -1;
	}
	m->kind = HP_SOURCE_TCP;
	return 0;
}

/* replay:FILE[?speed=N] and sim:PROFILE[?speed=N] */
static int source_play(struct hp_meter_config *m, enum hp_source_kind kind, const char *rest,
		       const char *v, char *why, size_t why_size)
{
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	size_t len = strcspn(rest, "?");
	if (parse_speed(rest + len, &m->speed) != 0) {
		snprintf(why, why_size,
			 "%s: the only option is ?speed=N, N from 0 (unpaced: as fast as "
			 "the decoder takes it) to 1000000",
			 q);
		return -1;
	}
	if (kind == HP_SOURCE_SIM && !sim_profile_known(rest, len)) {
		snprintf(why, why_size,
			 "%s: unknown simulator profile (`hanp1d sim --list` prints "
			 "them)",
			 q);
		return -1;
	}
	if (len == 0 || copy_text(m->path, sizeof(m->path), rest, len) != 0) {
		snprintf(why, why_size, "%s: the file name is empty or longer than %d characters",
			 q, HP_PATH_MAX - 1);
		return -1;
	}
	m->kind = kind;
	return 0;
}

int hp_cfg_parse_source(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	const char *rest;
	m->path[0] = '\0';
	m->host[0] = '\0';
	m->port = 0;
	m->speed = 1;
	if ((rest = after_prefix(v, "serial:")) != NULL)
		return source_device(m, HP_SOURCE_SERIAL, rest, v, why, why_size);
	if (v[0] == '/')
		return source_device(m, HP_SOURCE_SERIAL, v, v, why, why_size);
	if ((rest = after_prefix(v, "mep:")) != NULL)
		return source_device(m, HP_SOURCE_MEP, rest, v, why, why_size);
	if ((rest = after_prefix(v, "tcp://")) != NULL)
		return source_tcp(m, rest, v, why, why_size);
	if ((rest = after_prefix(v, "replay:")) != NULL)
		return source_play(m, HP_SOURCE_REPLAY, rest, v, why, why_size);
	if ((rest = after_prefix(v, "sim:")) != NULL)
		return source_play(m, HP_SOURCE_SIM, rest, v, why, why_size);
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	snprintf(why, why_size,
		 "%s is not serial:DEVICE, a device path, tcp://HOST:PORT, "
		 "replay:FILE[?speed=N], sim:PROFILE[?speed=N] or mep:DEVICE",
		 q);
	return -1;
}

/* ---- line settings and grid ---- */

/* The standard termios rates from 1200 up; meters use 2400 to 115200. */
static const unsigned baud_rates[] = {1200,  2400,   4800,   9600,   19200, 38400,
				      57600, 115200, 230400, 460800, 921600};

int hp_cfg_parse_baud(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	if (strcasecmp(v, "auto") == 0) {
		m->baud = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(baud_rates) / sizeof(baud_rates[0]); i++) {
		char text[16];
		snprintf(text, sizeof(text), "%u", baud_rates[i]);
		if (strcmp(v, text) == 0) {
			m->baud = baud_rates[i];
			return 0;
		}
	}
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	snprintf(why, why_size,
		 "%s is not auto or a standard rate (1200, 2400, 4800, 9600, 19200, 38400, "
		 "57600, 115200, 230400, 460800, 921600)",
		 q);
	return -1;
}

int hp_cfg_parse_voltage(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	if (strcmp(v, "230") == 0 || strcmp(v, "400") == 0) {
		m->voltage = strcmp(v, "230") == 0 ? 230 : 400;
		return 0;
	}
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	snprintf(why, why_size, "%s is not 230 or 400 (the nominal voltage in volts)", q);
	return -1;
}

int hp_cfg_parse_phases(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	if (strcmp(v, "1") == 0 || strcmp(v, "3") == 0) {
		m->phases = v[0] == '1' ? 1 : 3;
		return 0;
	}
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	snprintf(why, why_size, "%s is not 1 or 3", q);
	return -1;
}

/* ---- keys: secrets, never echoed ---- */

static int parse_hex(const char *v, uint8_t *out, size_t n, char *why, size_t why_size)
{
	size_t len = strlen(v);
	if (len != 2 * n) {
		snprintf(why, why_size, "expected %zu hex digits, the value has %zu characters",
			 2 * n, len);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = hp_hex_digit(v[2 * i]), lo = hp_hex_digit(v[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(why, why_size,
				 "expected %zu hex digits, the value has a character other than "
				 "0-9, a-f and A-F",
				 2 * n);
			return -1;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* "" = the meter does not use it. */
static int parse_optional_hex(const char *v, uint8_t *out, size_t n, bool *has, char *why,
			      size_t why_size)
{
	*has = false;
	memset(out, 0, n);
	if (*v == '\0')
		return 0;
	if (parse_hex(v, out, n, why, why_size) != 0) {
		memset(out, 0, n);
		return -1;
	}
	*has = true;
	return 0;
}

int hp_cfg_parse_key(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	return parse_optional_hex(v, m->keys.ek, HP_KEY_LEN, &m->keys.has_ek, why, why_size);
}

int hp_cfg_parse_auth_key(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	return parse_optional_hex(v, m->keys.ak, HP_KEY_LEN, &m->keys.has_ak, why, why_size);
}

int hp_cfg_parse_system_title(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	return parse_optional_hex(v, m->keys.system_title, HP_SYSTEM_TITLE_LEN,
				  &m->keys.has_system_title, why, why_size);
}

/* The MBK is 20 characters of text from the grid company, not hex (mep.md 7). */
int hp_cfg_parse_mbk(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	if (v[0] == '\0') {
		m->has_mep_key = false;
		return 0;
	}
	if (hp_mep_key_from_mbk(v, m->mep_key) != 0) {
		snprintf(why, why_size,
			 "expected the %d characters of the meter's MBK from the grid company "
			 "(printable, no spaces); got %zu characters",
			 HP_MEP_MBK_LEN, strlen(v));
		return -1;
	}
	m->has_mep_key = true;
	return 0;
}

/* ---- [http] ---- */

int hp_cfg_parse_listen(void *http, const char *v, char *why, size_t why_size)
{
	struct hp_http_config *h = http;
	if (parse_host_port(v, h->host, sizeof(h->host), &h->port) == 0)
		return 0;
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	snprintf(why, why_size,
		 "%s is not HOST:PORT (127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080; port 1 to "
		 "65535)",
		 q);
	return -1;
}

static bool prefix_ok(const char *v)
{
	if (*v == '\0')
		return true;
	size_t len = strlen(v);
	if (v[0] != '/' || v[len - 1] == '/' || strstr(v, "//") != NULL ||
	    strstr(v, "/./") != NULL || strstr(v, "/../") != NULL)
		return false;
	if ((len >= 2 && strcmp(v + len - 2, "/.") == 0) ||
	    (len >= 3 && strcmp(v + len - 3, "/..") == 0))
		return false;
	for (const char *p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/-._~", *p) == NULL)
			return false;
	return true;
}

int hp_cfg_parse_prefix(void *http, const char *v, char *why, size_t why_size)
{
	struct hp_http_config *h = http;
	if (prefix_ok(v) && copy_text(h->prefix, sizeof(h->prefix), v, strlen(v)) == 0)
		return 0;
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	snprintf(why, why_size,
		 "%s is not empty or a path such as /hanp1d (starts with /, does not end with /; "
		 "letters, digits and - . _ ~)",
		 q);
	return -1;
}

int hp_cfg_parse_user(void *http, const char *v, char *why, size_t why_size)
{
	struct hp_http_config *h = http;
	bool ok = strchr(v, ':') == NULL; /* Basic auth splits user:password at the first ':' */
	for (const char *p = v; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			ok = false;
	if (ok && copy_text(h->user, sizeof(h->user), v, strlen(v)) == 0)
		return 0;
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	snprintf(why, why_size, "%s: a user name has at most %d characters and no ':'", q,
		 HP_NAME_MAX - 1);
	return -1;
}

int hp_cfg_parse_password_hash(void *http, const char *v, char *why, size_t why_size)
{
	struct hp_http_config *h = http;
	if (*v == '\0' || hp_passwd_valid(v)) {
		if (copy_text(h->password_hash, sizeof(h->password_hash), v, strlen(v)) == 0)
			return 0;
	}
	h->password_hash[0] = '\0';
	snprintf(why, why_size,
		 "not a hash from `hanp1d passwd` ($pbkdf2-sha256$ROUNDS$SALT$CHECKSUM)");
	return -1;
}

/* ---- time zones: [meter NAME] and [daemon] ---- */

/* An IANA name: no path, no "..", no POSIX rule. */
static bool zone_name_ok(const char *v)
{
	if (v[0] == '/' || strstr(v, "..") != NULL || strlen(v) >= HP_TZ_MAX)
		return false;
	for (const char *p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return false;
	return true;
}

/* The zone is loaded (tz.h) so that a name that is no zone, or a broken zone file,
 * is a problem of the line that names it, not of the start; the loaded zone stays
 * cached for the buckets. `empty` says what "" means. */
static int check_zone(const char *v, char *out, size_t out_size, const char *empty, char *why,
		      size_t why_size)
{
	char err[HP_TZ_NAME_MAX + 128] = "";
	bool name_ok = *v != '\0' && zone_name_ok(v);
	if (*v == '\0' || (name_ok && hp_tz_get(v, err, sizeof(err)) != NULL)) {
		snprintf(out, out_size, "%s", v);
		return 0;
	}
	if (name_ok && strncmp(err, "unknown", 7) != 0) { /* a file, but a broken one */
		snprintf(why, why_size, "%s", err);
		return -1;
	}
	char q[QUOTE_MAX];
	hp_cfg_quote(v, q, sizeof(q));
	const char *dir = getenv("TZDIR");
	snprintf(why, why_size,
		 "unknown time zone %s in %s (an IANA name such as Europe/Oslo or UTC; empty "
		 "for %s)",
		 q, dir != NULL && *dir != '\0' ? "$TZDIR" : ZONEINFO_DIR, empty);
	return -1;
}

int hp_cfg_parse_meter_timezone(void *meter, const char *v, char *why, size_t why_size)
{
	struct hp_meter_config *m = meter;
	return check_zone(v, m->timezone, sizeof(m->timezone), "the [daemon] timezone", why,
			  why_size);
}

int hp_cfg_parse_timezone(void *config, const char *v, char *why, size_t why_size)
{
	struct hp_config *cfg = config;
	return check_zone(v, cfg->timezone, sizeof(cfg->timezone), "the system's", why, why_size);
}

bool hp_cfg_valid_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= HP_NAME_MAX)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* ---- [mqtt] ---- */

/* Brokers take longer publish intervals, but an hour is already more than any
 * dashboard shows as live. */
#define PUBLISH_INTERVAL_MAX 3600

int hp_cfg_parse_mqtt_enabled(void *mqtt, const char *v, char *why, size_t why_size)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	struct hp_mqtt_config *q = mqtt;
	if (strcasecmp(v, "auto") == 0) {
		q->enabled = HP_MQTT_AUTO;
		return 0;
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			q->enabled = strcasecmp(v, yes[i]) == 0 ? HP_MQTT_YES : HP_MQTT_NO;
			return 0;
		}
	}
	char q_[QUOTE_MAX];
	hp_cfg_quote(v, q_, sizeof(q_));
	snprintf(why, why_size,
		 "%s is not auto (on when host is set) or yes/no, true/false, on/off, 1/0", q_);
	return -1;
}

int hp_cfg_parse_mqtt_host(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	size_t len = strlen(v);
	const char *h = v;
	bool ipv6 = strchr(v, ':') != NULL;
	if (len >= 2 && v[0] == '[' && v[len - 1] == ']') { /* [::1] as in URLs */
		h = v + 1;
		len -= 2;
		ipv6 = true;
	}
	if (len == 0 || (host_chars_ok(h, len, ipv6) && len < sizeof(q->host))) {
		copy_text(q->host, sizeof(q->host), h, len);
		return 0;
	}
	char quoted[QUOTE_MAX];
	hp_cfg_quote(v, quoted, sizeof(quoted));
	snprintf(why, why_size,
		 "%s is not a host name or address (letters, digits, '.', '-', '_'; an IPv6 "
		 "address such as ::1)",
		 quoted);
	return -1;
}

int hp_cfg_parse_mqtt_port(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	if (*v == '\0') {
		q->port = 0;
		return 0;
	}
	if (parse_port(v, &q->port) == 0)
		return 0;
	char quoted[QUOTE_MAX];
	hp_cfg_quote(v, quoted, sizeof(quoted));
	snprintf(why, why_size, "%s is not a port from 1 to 65535 (empty: 1883, or 8883 with tls)",
		 quoted);
	return -1;
}

int hp_cfg_parse_mqtt_client_id(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	bool ok = strlen(v) < sizeof(q->client_id);
	for (const char *p = v; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			ok = false;
	if (ok) {
		copy_text(q->client_id, sizeof(q->client_id), v, strlen(v));
		return 0;
	}
	char quoted[QUOTE_MAX];
	hp_cfg_quote(v, quoted, sizeof(quoted));
	snprintf(why, why_size,
		 "%s is not empty or at most %zu printable characters without spaces", quoted,
		 sizeof(q->client_id) - 1);
	return -1;
}

/* "" or an absolute path to a file that exists. */
static int tls_file(char *field, size_t size, const char *v, char *why, size_t why_size)
{
	struct stat st;
	if (*v == '\0' || (v[0] == '/' && stat(v, &st) == 0 && S_ISREG(st.st_mode))) {
		if (copy_text(field, size, v, strlen(v)) == 0)
			return 0;
	}
	char quoted[QUOTE_MAX];
	hp_cfg_quote(v, quoted, sizeof(quoted));
	snprintf(why, why_size, "%s is not empty or the absolute path of an existing file", quoted);
	return -1;
}

int hp_cfg_parse_mqtt_ca_file(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	return tls_file(q->ca_file, sizeof(q->ca_file), v, why, why_size);
}

int hp_cfg_parse_mqtt_cert_file(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	return tls_file(q->cert_file, sizeof(q->cert_file), v, why, why_size);
}

int hp_cfg_parse_mqtt_key_file(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	return tls_file(q->key_file, sizeof(q->key_file), v, why, why_size);
}

/* A topic to publish under: levels separated by '/', none empty, no wildcards, no
 * '$' topic, no spaces; in a base topic '<' and '>' only in "<meter>". */
static bool topic_ok(const char *v, bool placeholder)
{
	static const char meter[] = "<meter>";
	size_t len = strlen(v);
	if (len == 0 || v[0] == '/' || v[0] == '$' || v[len - 1] == '/' || strstr(v, "//") != NULL)
		return false;
	for (const char *p = v; *p != '\0'; p++) {
		if (placeholder && strncmp(p, meter, sizeof(meter) - 1) == 0) {
			p += sizeof(meter) - 2;
			continue;
		}
		if (*p <= ' ' || *p > '~' || strchr("+#<>", *p) != NULL)
			return false;
	}
	return true;
}

int hp_cfg_parse_mqtt_base_topic(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	if (topic_ok(v, true) && copy_text(q->base_topic, sizeof(q->base_topic), v, strlen(v)) == 0)
		return 0;
	char quoted[QUOTE_MAX];
	hp_cfg_quote(v, quoted, sizeof(quoted));
	snprintf(why, why_size,
		 "%s is not a topic such as hanp1d/<meter> (at most %zu characters, levels "
		 "separated by '/', none empty; no spaces, '+', '#' or leading '$'; <meter> "
		 "stands for the meter's name)",
		 quoted, sizeof(q->base_topic) - 1);
	return -1;
}

int hp_cfg_parse_mqtt_publish(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	if (strcasecmp(v, "realtime") == 0) {
		q->publish_interval_s = 0;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long s = *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
	if (s >= 1 && s <= PUBLISH_INTERVAL_MAX && *end == '\0' && errno == 0) {
		q->publish_interval_s = (unsigned)s;
		return 0;
	}
	char quoted[QUOTE_MAX];
	hp_cfg_quote(v, quoted, sizeof(quoted));
	snprintf(why, why_size,
		 "%s is not realtime (every reading) or seconds from 1 to %d (the latest values, "
		 "once per interval)",
		 quoted, PUBLISH_INTERVAL_MAX);
	return -1;
}

int hp_cfg_parse_mqtt_discovery_prefix(void *mqtt, const char *v, char *why, size_t why_size)
{
	struct hp_mqtt_config *q = mqtt;
	if (topic_ok(v, false) &&
	    copy_text(q->discovery_prefix, sizeof(q->discovery_prefix), v, strlen(v)) == 0)
		return 0;
	char quoted[QUOTE_MAX];
	hp_cfg_quote(v, quoted, sizeof(quoted));
	snprintf(why, why_size,
		 "%s is not a topic prefix such as homeassistant (not empty, at most %zu "
		 "characters, no spaces, '+', '#', '<', '>', leading '$' or empty levels)",
		 quoted, sizeof(q->discovery_prefix) - 1);
	return -1;
}
