/* Parsers of the configuration values that are more than a number, a boolean or a
 * word from a list (config_keys.c's CUSTOM rows). Each follows hp_cfg_parse_fn. */
#ifndef HP_DAEMON_CONFIG_VALUES_H
#define HP_DAEMON_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>

/* [meter NAME] */
int hp_cfg_parse_source(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_baud(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_key(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_auth_key(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_system_title(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mbk(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_voltage(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_phases(void *meter, const char *value, char *why, size_t why_size);
int hp_cfg_parse_meter_timezone(void *meter, const char *value, char *why, size_t why_size);

/* [http] */
int hp_cfg_parse_listen(void *http, const char *value, char *why, size_t why_size);
int hp_cfg_parse_prefix(void *http, const char *value, char *why, size_t why_size);
int hp_cfg_parse_user(void *http, const char *value, char *why, size_t why_size);
int hp_cfg_parse_password_hash(void *http, const char *value, char *why, size_t why_size);

/* [daemon] */
int hp_cfg_parse_timezone(void *cfg, const char *value, char *why, size_t why_size);

/* [mqtt] */
int hp_cfg_parse_mqtt_enabled(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_host(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_port(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_client_id(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_ca_file(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_cert_file(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_key_file(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_base_topic(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_publish(void *mqtt, const char *value, char *why, size_t why_size);
int hp_cfg_parse_mqtt_discovery_prefix(void *mqtt, const char *value, char *why, size_t why_size);

/* Prices and capacity tariffs (config_tariff.c). An empty value leaves the price,
 * currency or date range unset, so the shipped file can show every key. */
/* [meter NAME] capacity_thresholds: ascending kW bounds "2, 5, 10" */
int hp_cfg_parse_capacity_thresholds(void *meter, const char *value, char *why, size_t why_size);
/* [prices] */
int hp_cfg_parse_currency(void *prices, const char *value, char *why, size_t why_size);
int hp_cfg_parse_fixed_import(void *prices, const char *value, char *why, size_t why_size);
int hp_cfg_parse_fixed_export(void *prices, const char *value, char *why, size_t why_size);
/* [price NAME] (days, hours and the [modifier NAME] keys use prices.h's parsers) */
int hp_cfg_parse_rule_dates(void *rule, const char *value, char *why, size_t why_size);
int hp_cfg_parse_rule_import(void *rule, const char *value, char *why, size_t why_size);
int hp_cfg_parse_rule_export(void *rule, const char *value, char *why, size_t why_size);

/* A meter name: 1 to HP_NAME_MAX - 1 of [A-Za-z0-9_-]. */
bool hp_cfg_valid_name(const char *name);

#endif
