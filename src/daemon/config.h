/* The daemon's configuration: /etc/hanp1d/hanp1d.conf, INI (libinih). Every key is
 * documented once, next to its default, in etc/hanp1d.conf and hanp1d.conf(5). */
#ifndef HP_DAEMON_CONFIG_H
#define HP_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "hanp1d/decode.h"
#include "prices.h"
#include "tariff_be.h"
#include "tariff_no.h"

/* A Pi reads one meter, sometimes a main meter and a sub-meter or a neighbour's;
 * eight is far beyond any installation seen. */
#define HP_METERS_MAX 8
/* Meter names appear in URLs and MQTT topics: short, [A-Za-z0-9_-]. */
#define HP_NAME_MAX 32
#define HP_PATH_MAX 256
#define HP_HOST_MAX 128
/* IANA zone names ("America/Argentina/ComodRivadavia" is the longest at 32). */
#define HP_TZ_MAX   64
#define HP_HASH_MAX 128

#define HP_EXIT_CONFIG 78 /* EX_CONFIG: what --check-config and a bad start return */

enum hp_source_kind {
	HP_SOURCE_SERIAL, /* serial:/dev/ttyUSB0 (or a bare device path) */
	HP_SOURCE_TCP,    /* tcp://host:port (ser2net, WiFi P1 dongles) */
	HP_SOURCE_REPLAY, /* replay:/path/to/capture[?speed=N] */
	HP_SOURCE_SIM,    /* sim:PROFILE[?speed=N] (the built-in simulator, for demos) */
	HP_SOURCE_MEP,    /* mep:/dev/ttyUSB0: an OSGP meter's MEP port, polled (mep.md) */
};

/* Which capacity tariff the meter's grid company bills (tariffs.md). */
enum hp_capacity_kind {
	HP_CAPACITY_NONE,
	HP_CAPACITY_NO, /* Norway: the month's N highest hours on N different days */
	HP_CAPACITY_BE, /* Belgium (Flanders): the month's highest quarter-hour */
};

enum hp_parity { HP_PARITY_AUTO, HP_PARITY_8N1, HP_PARITY_8E1, HP_PARITY_7E1 };

/* Modem lines raised while reading (P1 data request). */
enum hp_request_lines { HP_LINES_NONE, HP_LINES_DTR, HP_LINES_RTS, HP_LINES_BOTH };

struct hp_meter_config {
	char name[HP_NAME_MAX];
	int line; /* the [meter NAME] line, for messages */
	enum hp_source_kind kind;
	char path[HP_PATH_MAX]; /* serial device, replay capture, or sim profile name */
	char host[HP_HOST_MAX]; /* tcp */
	uint16_t port;          /* tcp */
	double speed;           /* replay and sim: 1 = real time, 10 = ten times faster */
	unsigned baud;          /* 0 = auto */
	enum hp_parity parity;
	enum hp_request_lines request_lines;
	struct hp_keys keys; /* key, auth_key, system_title */
	/* mep: the key made from the MBK's first 16 characters (secret), and the line
	 * wired to the port's ENABLE pin. */
	bool has_mep_key;
	uint8_t mep_key[16];
	enum hp_request_lines enable_line;
	unsigned poll_interval_s; /* mep: one reading per interval */
	double multiplier_power, multiplier_voltage, multiplier_current, multiplier_energy;
	double main_fuse_a;    /* 0 = not set */
	double voltage;        /* nominal: 230 or 400 */
	unsigned phases;       /* 1 or 3 */
	double production_kwp; /* 0 = no production */
	double max_power_w;    /* gauge maximum; 0 = from fuse x voltage x phases */
	bool derive_u2;        /* show a derived U2 on IT grids (display only) */
	/* The zone its buckets follow (tz.h); "" in the file: [daemon] timezone. */
	char timezone[HP_TZ_MAX];
	enum hp_capacity_kind capacity_tariff;
	struct hp_no_config capacity_no; /* Norwegian step: hours, distinct days, bounds */
	struct hp_be_config capacity_be; /* Belgian peak: floor, floor mode, fee per kW */
};

enum hp_auth_scope { HP_AUTH_NONE, HP_AUTH_WRITE, HP_AUTH_ALL };

struct hp_http_config {
	bool enabled;
	char host[HP_HOST_MAX]; /* listen address */
	uint16_t port;
	char prefix[HP_PATH_MAX]; /* path prefix behind a reverse proxy, "" or "/hanp1d" */
	char www_dir[HP_PATH_MAX];
	char vendor_dir[HP_PATH_MAX]; /* Chart.js and friends, served under /vendor/ */
	enum hp_auth_scope auth;
	char user[HP_NAME_MAX];
	char password_hash[HP_HASH_MAX]; /* from `hanp1d passwd` */
};

struct hp_store_config {
	char path[HP_PATH_MAX];
	unsigned store_interval_s;  /* one raw row per meter per interval */
	unsigned raw_days;          /* raw rows kept this long; buckets forever */
	unsigned commit_interval_s; /* one transaction per interval */
	bool shared;                /* let other processes read the file while running */
};

/* [mqtt]: MQTT publishing and Home Assistant discovery. */
#define HP_TOPIC_MAX     128 /* base_topic, discovery_prefix */
#define HP_MQTT_TEXT_MAX 128 /* client_id, username, password */

/* auto: on when [mqtt] sets a host. */
enum hp_mqtt_enabled { HP_MQTT_AUTO, HP_MQTT_YES, HP_MQTT_NO };
enum hp_mqtt_format { HP_MQTT_FORMAT_HANP1D, HP_MQTT_FORMAT_AMSREADER };

struct hp_mqtt_config {
	enum hp_mqtt_enabled enabled;
	char host[HP_HOST_MAX];           /* "" = not set: 127.0.0.1 with enabled = yes */
	uint16_t port;                    /* 0 = 1883, or 8883 with tls */
	char client_id[HP_MQTT_TEXT_MAX]; /* "" = hanp1d-<hostname> */
	char username[HP_MQTT_TEXT_MAX];
	char password[HP_MQTT_TEXT_MAX]; /* secret: never logged or served */
	bool tls;
	char ca_file[HP_PATH_MAX];                          /* "" = the system's CA certificates */
	char cert_file[HP_PATH_MAX], key_file[HP_PATH_MAX]; /* client certificate */
	bool tls_insecure; /* no check of the broker's name in its certificate */
	unsigned keepalive_s;
	unsigned qos;                  /* 0 or 1 */
	char base_topic[HP_TOPIC_MAX]; /* "<meter>" is replaced by the meter's name */
	unsigned publish_interval_s;   /* 0 = realtime: every reading */
	bool discovery;
	char discovery_prefix[HP_TOPIC_MAX];
	enum hp_mqtt_format format;
	bool per_value_topics;
	bool ha_reactive_energy_class;
};

struct hp_config {
	char file[HP_PATH_MAX]; /* where it was read from */
	unsigned meter_count;
	struct hp_meter_config meters[HP_METERS_MAX];
	struct hp_http_config http;
	struct hp_store_config store;
	struct hp_mqtt_config mqtt;
	struct hp_price_config prices; /* [prices], [price NAME] rules, [modifier NAME] */
	char timezone[HP_TZ_MAX];      /* "" = the system's; meters without their own follow it */
	unsigned stale_after_s;        /* a reading older than this is stale */
	int log_level;                 /* syslog priority: 3 err .. 7 debug */
};

/* Called once per problem found, with the line it is on (0 = the file as a whole). */
typedef void (*hp_config_error_fn)(void *ctx, const char *file, int line, const char *msg);

/* The built-in defaults (no meter). */
void hp_config_defaults(struct hp_config *cfg);

/* Reads and checks a file over the defaults. Every problem is reported through fn,
 * and reading goes on so that all of them are found at once. Returns the number
 * of problems (0 = good); a missing or unreadable file is one problem on line 0. */
int hp_config_load(const char *path, struct hp_config *cfg, hp_config_error_fn fn, void *ctx);

/* Finds a meter by name; NULL when there is none. */
const struct hp_meter_config *hp_config_meter(const struct hp_config *cfg, const char *name);

#endif
