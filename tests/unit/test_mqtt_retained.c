/* The retained topics remembered beside the history database (mqtt_retained.h):
 * a run lists its topics; the next one, with another discovery_prefix or
 * base_topic, clears what it no longer uses on connect and forgets it only once
 * the clearing was handed over; a damaged or edited file does no harm. */
#include <stdlib.h>
#include <unistd.h>

#include "mqtt_retained.h"
#include "test_mqtt_fixture.h"

static struct recorder rec;
static const struct hp_mqtt_sink sink = {record, &rec};
static char dir[64];

/* The topics the file lists, as one sorted line. */
static void listed(const char *path, char *out, size_t size)
{
	json_t *o = json_load_file(path, 0, NULL);
	json_t *topics = json_object_get(o, "topics");
	size_t n = json_array_size(topics);
	const char *names[64];
	for (size_t i = 0; i < n && i < 64; i++)
		names[i] = json_string_value(json_array_get(topics, i));
	for (size_t i = 1; i < n && i < 64; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 64; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i > 0 ? " " : "", names[i]);
	json_decref(o);
}

static void run_with(struct hp_mqtt_retained *r, const char *path, const char *const *topics)
{
	hp_mqtt_retained_init(r, path);
	for (; *topics != NULL; topics++)
		hp_mqtt_retained_add(r, *topics);
}

static void test_path(void)
{
	char out[HP_PATH_MAX];
	CHECK(hp_mqtt_retained_path("/var/lib/hanp1d/hanp1d.db", out, sizeof(out)));
	CHECK_STREQ(out, "/var/lib/hanp1d/hanp1d-mqtt.json");
	CHECK(hp_mqtt_retained_path("/tmp/x/history.sqlite", out, sizeof(out)));
	CHECK_STREQ(out, "/tmp/x/history.sqlite-mqtt.json");
	CHECK(!hp_mqtt_retained_path("/var/lib/hanp1d/hanp1d.db", out, 20));
}

static void test_runs(void)
{
	char path[128], text[1024];
	snprintf(path, sizeof(path), "%s/h-mqtt.json", dir);
	struct hp_mqtt_retained r;

	/* First run: nothing known before, nothing to clear; the list is kept. */
	static const char *const first[] = {"hanp1d/status", "homeassistant/device/hanp1d_a/config",
					    "hanp1d/a/status", "hanp1d/a/info", NULL};
	run_with(&r, path, first);
	CHECK_INT(hp_mqtt_retained_load(&r), 0);
	CHECK_INT(hp_mqtt_retained_clear(&r, &sink), 0);
	CHECK_INT(rec.count, 0);
	hp_mqtt_retained_free(&r);
	listed(path, text, sizeof(text));
	CHECK_STREQ(text, "hanp1d/a/info hanp1d/a/status hanp1d/status "
			  "homeassistant/device/hanp1d_a/config");

	/* Another prefix and base, meter a renamed b: the old topics are stale, and
	 * the file keeps them until they are cleared. */
	static const char *const second[] = {"home/status", "ha2/device/hanp1d_b/config",
					     "home/b/status", "home/b/info", NULL};
	run_with(&r, path, second);
	CHECK_INT(hp_mqtt_retained_load(&r), 4);
	listed(path, text, sizeof(text));
	CHECK_STREQ(text, "ha2/device/hanp1d_b/config hanp1d/a/info hanp1d/a/status hanp1d/status "
			  "home/b/info home/b/status home/status "
			  "homeassistant/device/hanp1d_a/config");
	/* Disconnected: nothing taken, nothing forgotten. */
	rec.refuse = true;
	CHECK_INT(hp_mqtt_retained_clear(&r, &sink), 0);
	rec.refuse = false;
	CHECK_INT(json_array_size(r.stale), 4);
	/* Connected: an empty retained payload on each, then the file lists this
	 * configuration only. */
	CHECK_INT(hp_mqtt_retained_clear(&r, &sink), 4);
	CHECK_INT(rec.count, 4);
	for (int i = 0; i < rec.count; i++) {
		CHECK_STREQ(rec.m[i].payload, "");
		CHECK(rec.m[i].retain);
	}
	CHECK(last_on(&rec, "homeassistant/device/hanp1d_a/config") != NULL);
	CHECK(last_on(&rec, "hanp1d/status") != NULL);
	CHECK(last_on(&rec, "home/status") == NULL);
	listed(path, text, sizeof(text));
	CHECK_STREQ(text, "ha2/device/hanp1d_b/config home/b/info home/b/status home/status");
	/* Once cleared, never again. */
	recorder_clear(&rec);
	CHECK_INT(hp_mqtt_retained_clear(&r, &sink), 0);
	hp_mqtt_retained_free(&r);
	run_with(&r, path, second);
	CHECK_INT(hp_mqtt_retained_load(&r), 0);
	hp_mqtt_retained_free(&r);

	/* An edited file: wildcards, $SYS and non-strings are not published to. */
	check_write_text(path, "{\"topics\": [\"a/+/b\", \"#\", \"$SYS/x\", 7, \"\", \"old/x\"]}");
	run_with(&r, path, second);
	CHECK_INT(hp_mqtt_retained_load(&r), 1);
	CHECK_INT(hp_mqtt_retained_clear(&r, &sink), 1);
	CHECK(last_on(&rec, "old/x") != NULL);
	CHECK_INT(rec.count, 1);
	hp_mqtt_retained_free(&r);
	recorder_clear(&rec);

	/* A damaged file: nothing stale, and the list is written anew. */
	check_write_text(path, "{\"topics\": [\"hanp1d/");
	run_with(&r, path, second);
	CHECK_INT(hp_mqtt_retained_load(&r), 0);
	hp_mqtt_retained_free(&r);
	listed(path, text, sizeof(text));
	CHECK_STREQ(text, "ha2/device/hanp1d_b/config home/b/info home/b/status home/status");
	unlink(path);
}

/* No state directory (path ""): nothing read, written or cleared. */
static void test_not_kept(void)
{
	struct hp_mqtt_retained r;
	static const char *const topics[] = {"hanp1d/status", NULL};
	run_with(&r, "", topics);
	CHECK_INT(hp_mqtt_retained_load(&r), 0);
	CHECK_INT(hp_mqtt_retained_clear(&r, &sink), 0);
	CHECK_INT(rec.count, 0);
	hp_mqtt_retained_free(&r);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_mqtt_retained.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_path();
	test_runs();
	test_not_kept();
	recorder_clear(&rec);
	rmdir(dir);
	return check_report("mqtt_retained");
}
