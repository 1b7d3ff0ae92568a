/* The retained topics remembered in the state directory (mqtt_retained.h). */
#include "mqtt_retained.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mqtt_meter.h"

#define SUFFIX "-mqtt.json"
/* A configuration has at most a few dozen retained topics: a longer list is not
 * one this code wrote, and only its head is taken. */
#define STALE_MAX 1000

bool hp_mqtt_retained_path(const char *store_path, char *out, size_t size)
{
	size_t len = strlen(store_path);
	if (len > 3 && strcmp(store_path + len - 3, ".db") == 0)
		len -= 3;
	int n = snprintf(out, size, "%.*s%s", (int)len, store_path, SUFFIX);
	return len > 0 && n > 0 && (size_t)n < size;
}

void hp_mqtt_retained_init(struct hp_mqtt_retained *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path != NULL ? path : "");
	r->current = json_array();
	r->stale = json_array();
}

void hp_mqtt_retained_free(struct hp_mqtt_retained *r)
{
	json_decref(r->current);
	json_decref(r->stale);
	r->current = r->stale = NULL;
}

static bool listed(const json_t *a, const char *topic)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (strcmp(json_string_value(v), topic) == 0)
			return true;
	}
	return false;
}

void hp_mqtt_retained_add(struct hp_mqtt_retained *r, const char *topic)
{
	if (!listed(r->current, topic))
		json_array_append_new(r->current, json_string(topic));
}

/* Only a topic one could publish to: the file may have been edited. */
static bool usable(const char *t)
{
	size_t len = strlen(t);
	return len > 0 && len < HP_MQTT_TOPIC_MAX && t[0] != '$' && strpbrk(t, "+#") == NULL;
}

static void problem(struct hp_mqtt_retained *r, const char *what, const char *why)
{
	if (r->warned)
		return;
	r->warned = true;
	hp_log(LOG_WARNING,
	       "mqtt: %s %s: %s (retained topics of an earlier configuration are not cleared)",
	       what, r->path, why);
}

/* temp + fsync + rename: a crash leaves the old list or the new one. */
static void save(struct hp_mqtt_retained *r)
{
	json_t *all = json_copy(r->current);
	json_array_extend(all, r->stale);
	json_t *o = json_pack("{s:o}", "topics", all);
	char *text = json_dumps(o, JSON_INDENT(1));
	json_decref(o);
	char tmp[HP_PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->path);
	FILE *f = text != NULL ? fopen(tmp, "we") : NULL;
	if (f == NULL) {
		problem(r, "cannot write", text != NULL ? strerror(errno) : "out of memory");
		free(text);
		return;
	}
	bool ok =
	    fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fileno(f)) == 0;
	int e = errno;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, r->path) != 0) {
		problem(r, "cannot write", strerror(ok ? errno : e));
		unlink(tmp);
	}
	free(text);
}

unsigned hp_mqtt_retained_load(struct hp_mqtt_retained *r)
{
	if (r->path[0] == '\0')
		return 0;
	json_error_t e;
	json_t *o = json_load_file(r->path, 0, &e);
	if (o == NULL && access(r->path, F_OK) == 0)
		problem(r, "cannot read", e.text);
	size_t i, known = 0;
	json_t *v;
	json_array_foreach(json_object_get(o, "topics"), i, v)
	{
		const char *t = json_string_value(v);
		if (t == NULL || !usable(t) || listed(r->stale, t))
			continue;
		if (listed(r->current, t))
			known++;
		else if (json_array_size(r->stale) < STALE_MAX)
			json_array_append_new(r->stale, json_string(t));
	}
	json_decref(o);
	/* Written only when the list changes: most starts change nothing. */
	if (json_array_size(r->stale) > 0 || known != json_array_size(r->current))
		save(r);
	return (unsigned)json_array_size(r->stale);
}

unsigned hp_mqtt_retained_clear(struct hp_mqtt_retained *r, const struct hp_mqtt_sink *sink)
{
	size_t n = json_array_size(r->stale);
	if (n == 0)
		return 0;
	bool all = true;
	size_t i;
	json_t *v;
	json_array_foreach(r->stale, i, v)
	{
		const char *t = json_string_value(v);
		hp_log(LOG_DEBUG, "mqtt: clearing %s", t);
		all = sink->publish(sink->ctx, t, "", 0, true) && all;
	}
	if (!all)
		return 0; /* again on the next connect */
	hp_log(LOG_NOTICE,
	       "mqtt: cleared %zu retained topic(s) of an earlier configuration "
	       "(discovery_prefix, base_topic, format, discovery or meters changed)",
	       n);
	json_array_clear(r->stale);
	save(r);
	return (unsigned)n;
}
