/* Host facts for MQTT payloads (mqtt_env.h). */
#include "mqtt_env.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SYS_NET      "/sys/class/net"
#define THERMAL_ZONE "/sys/class/thermal/thermal_zone0/temp"

static void host_name(char *out, size_t size)
{
	if (gethostname(out, size) != 0 || out[0] == '\0')
		snprintf(out, size, "localhost");
	out[size - 1] = '\0';
}

void hp_mqtt_default_client_id(char *out, size_t size)
{
	char host[64];
	host_name(host, sizeof(host));
	snprintf(out, size, "hanp1d-%s", host);
}

void hp_mqtt_dashboard_url(const struct hp_http_config *http, char *out, size_t size)
{
	out[0] = '\0';
	if (!http->enabled)
		return;
	char host[HP_HOST_MAX];
	if (strcmp(http->host, "0.0.0.0") == 0 || strcmp(http->host, "::") == 0 ||
	    http->host[0] == '\0')
		host_name(host, sizeof(host));
	else if (strchr(http->host, ':') != NULL) /* IPv6: brackets in a URL */
		snprintf(host, sizeof(host), "[%.*s]", (int)sizeof(host) - 3, http->host);
	else
		snprintf(host, sizeof(host), "%s", http->host);
	snprintf(out, size, "http://%s:%u%s/", host, http->port, http->prefix);
}

/* Reads the first line of a small sysfs file; false when there is none. */
static bool read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	bool ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok;
}

void hp_mqtt_mac_address(char *out, size_t size)
{
	out[0] = '\0';
	DIR *dir = opendir(SYS_NET);
	if (dir == NULL)
		return;
	char best[64] = "", best_name[256] = "";
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0)
			continue;
		char path[512], mac[64];
		snprintf(path, sizeof(path), "%s/%s/address", SYS_NET, e->d_name);
		if (!read_line(path, mac, sizeof(mac)) || strlen(mac) != 17 ||
		    strcmp(mac, "00:00:00:00:00:00") == 0)
			continue;
		/* The same interface every start: the first by name. */
		if (best[0] == '\0' || strcmp(e->d_name, best_name) < 0) {
			snprintf(best, sizeof(best), "%s", mac);
			snprintf(best_name, sizeof(best_name), "%s", e->d_name);
		}
	}
	closedir(dir);
	snprintf(out, size, "%s", best);
}

double hp_mqtt_cpu_temp_c(void)
{
	char line[32];
	long milli;
	if (!read_line(THERMAL_ZONE, line, sizeof(line)) || sscanf(line, "%ld", &milli) != 1)
		return 0;
	return (double)milli / 1000.0;
}
