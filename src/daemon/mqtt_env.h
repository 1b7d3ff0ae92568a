/* Facts about this computer that MQTT payloads name: the host name (the default
 * client id, the dashboard's address) and, for the AMS reader envelope, a MAC
 * address and the CPU temperature. */
#ifndef HP_DAEMON_MQTT_ENV_H
#define HP_DAEMON_MQTT_ENV_H

#include <stddef.h>

#include "config.h"

/* "hanp1d-<hostname>". */
void hp_mqtt_default_client_id(char *out, size_t size);

/* The dashboard's URL for Home Assistant's device page, from [http]; "" when HTTP
 * is off. A wildcard listen address becomes this computer's host name. */
void hp_mqtt_dashboard_url(const struct hp_http_config *http, char *out, size_t size);

/* The MAC address of the first network interface that has one, "aa:bb:..."; ""
 * when there is none. */
void hp_mqtt_mac_address(char *out, size_t size);

/* The CPU temperature in °C, 0 when the kernel does not report one. */
double hp_mqtt_cpu_temp_c(void);

#endif
