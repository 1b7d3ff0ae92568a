/* MQTT topic names (mqtt_topics.h). */
#include "mqtt_topics.h"

#include <stdio.h>
#include <string.h>

int hp_mqtt_base_topic(const char *tmpl, const char *meter, char *out, size_t size)
{
	const size_t ph_len = strlen(HP_MQTT_METER_PLACEHOLDER);
	size_t n = 0;
	for (const char *p = tmpl; *p != '\0';) {
		const char *piece = p;
		size_t len = 1;
		if (strncmp(p, HP_MQTT_METER_PLACEHOLDER, ph_len) == 0) {
			piece = meter;
			len = strlen(meter);
			p += ph_len;
		} else {
			p++;
		}
		if (n + len >= size)
			return -1;
		memcpy(out + n, piece, len);
		n += len;
	}
	if (n >= size)
		return -1;
	out[n] = '\0';
	return 0;
}

/* "<the template before <meter>>/<leaf>", or "hanp1d/<leaf>" when that is empty:
 * the daemon's own topics, one for all meters. */
static int root_topic(const char *tmpl, const char *leaf, char *out, size_t size)
{
	const char *ph = strstr(tmpl, HP_MQTT_METER_PLACEHOLDER);
	size_t len = ph != NULL ? (size_t)(ph - tmpl) : strlen(tmpl);
	while (len > 0 && tmpl[len - 1] == '/')
		len--;
	int n = len == 0 ? snprintf(out, size, "hanp1d/%s", leaf)
			 : snprintf(out, size, "%.*s/%s", (int)len, tmpl, leaf);
	return n >= 0 && (size_t)n < size ? 0 : -1;
}

int hp_mqtt_daemon_status_topic(const char *tmpl, char *out, size_t size)
{
	return root_topic(tmpl, "status", out, size);
}

int hp_mqtt_prices_topic(const char *tmpl, char *out, size_t size)
{
	return root_topic(tmpl, "prices", out, size);
}

bool hp_mqtt_discovery_meter(const char *prefix, const char *topic, char *out, size_t size)
{
	static const char head[] = "/device/hanp1d_", tail[] = "/config";
	size_t pl = strlen(prefix), hl = strlen(head), tl = strlen(tail), len = strlen(topic);
	if (len <= pl + hl + tl || strncmp(topic, prefix, pl) != 0 ||
	    strncmp(topic + pl, head, hl) != 0 || strcmp(topic + len - tl, tail) != 0)
		return false;
	size_t name_len = len - pl - hl - tl;
	const char *name = topic + pl + hl;
	if (name_len >= size || memchr(name, '/', name_len) != NULL)
		return false;
	memcpy(out, name, name_len);
	out[name_len] = '\0';
	return true;
}
