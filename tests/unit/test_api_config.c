/* GET /api/v1/config: every section and key of a configuration that sets nearly
 * everything, the secrets masked, and the values written back as a file that loads
 * into the same configuration. */
#include <ctype.h>
#include <stdlib.h>
#include <unistd.h>

#include "api.h"
#include "check.h"
#include "config.h"
#include "config_keys.h"
#include "passwd.h"
#include "reading_json.h"

#define EK            "00112233445566778899AABBCCDDEEFF"
#define AK            "FFEEDDCCBBAA99887766554433221100"
#define TITLE         "4B464D1020304050"
#define MQTT_PASSWORD "correct-horse-battery"
#define MASK          "********"

static char tmpdir[] = "/tmp/hp-test-api-config-XXXXXX";
static char hash[HP_PASSWD_HASH_LEN];

static void print_error(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

static void write_config(const char *path)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "[meter home]\n"
		 "source = sim:aidon?speed=10\n"
		 "baud = 9600\n"
		 "parity = 8E1\n"
		 "key = " EK "\n"
		 "auth_key = " AK "\n"
		 "system_title = " TITLE "\n"
		 "multiplier_current = 0.5\n"
		 "main_fuse_a = 25\n"
		 "phases = 3\n"
		 "derive_u2 = yes\n"
		 "timezone = Europe/Oslo\n"
		 "capacity_tariff = no\n"
		 "capacity_thresholds = 5, 10, 15.5\n"
		 "[meter garage]\n"
		 "source = tcp://[::1]:2001\n"
		 "voltage = 400\n"
		 "capacity_tariff = be\n"
		 "capacity_floor_on = mean\n"
		 "[http]\n"
		 "listen = [::1]:8080\n"
		 "prefix = /hanp1d\n"
		 "auth = write\n"
		 "user = admin\n"
		 "password_hash = %s\n"
		 "[store]\n"
		 "path = %s/history.db\n"
		 "store_interval = 5\n"
		 "[daemon]\n"
		 "timezone = Europe/Brussels\n"
		 "log_level = debug\n"
		 "[mqtt]\n"
		 "host = broker.lan\n"
		 "port = 8883\n"
		 "tls = yes\n"
		 "username = meter\n"
		 "password = " MQTT_PASSWORD "\n"
		 "publish = 10\n"
		 "[prices]\n"
		 "currency = NOK\n"
		 "import = 1.25\n"
		 "[price winter-night]\n"
		 "days = mon-fri\n"
		 "hours = 22-6\n"
		 "dates = 11-01..03-31\n"
		 "import = 0.9\n"
		 "[modifier vat]\n"
		 "operation = percent\n"
		 "direction = both\n"
		 "value = 25\n",
		 hash, tmpdir);
	check_write_text(path, text);
}

static json_t *config_answer(const struct hp_config *cfg)
{
	json_t *body = NULL;
	CHECK_INT(hp_api_config(cfg, &body), 200);
	return body;
}

/* No secret in any case, anywhere in the text. */
static void check_masked(json_t *body)
{
	char *text = json_dumps(body, HP_JSON_FLAGS);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	for (char *p = text; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	CHECK_MSG(strstr(text, EK) == NULL, "the key in %s", text);
	CHECK_MSG(strstr(text, AK) == NULL, "the auth key in %s", text);
	CHECK_MSG(strstr(text, "PBKDF2") == NULL, "the password hash in %s", text);
	CHECK_MSG(strstr(text, "CORRECT-HORSE") == NULL, "the MQTT password in %s", text);
	free(text);
}

static json_t *find_section(json_t *body, const char *section, const char *name)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(body, "sections"), i, s)
	{
		const char *n = json_string_value(json_object_get(s, "name"));
		if (strcmp(json_string_value(json_object_get(s, "section")), section) == 0 &&
		    (name == NULL || (n != NULL && strcmp(n, name) == 0)))
			return json_object_get(s, "values");
	}
	return NULL;
}

static const char *value_of(json_t *body, const char *section, const char *name, const char *key)
{
	json_t *values = find_section(body, section, name);
	const char *v = json_string_value(json_object_get(values, key));
	return v != NULL ? v : "(missing)";
}

/* Every key of every section table appears, each as a string: a CUSTOM key
 * api_config.c cannot format would read null. */
static void check_every_key(json_t *body)
{
	for (int s = 0; s < HP_CFG_SECTION_COUNT; s++) {
		const struct hp_cfg_section_def *def = &hp_cfg_sections[s];
		json_t *values = find_section(body, def->name, NULL);
		CHECK_MSG(values != NULL, "no [%s] section", def->name);
		if (values == NULL)
			continue;
		CHECK_INT(json_object_size(values), def->count);
		for (size_t k = 0; k < def->count; k++)
			CHECK_MSG(json_is_string(json_object_get(values, def->keys[k].name)),
				  "[%s] %s is not a string", def->name, def->keys[k].name);
	}
}

static void check_values(json_t *body)
{
	CHECK_STREQ(value_of(body, "meter", "home", "source"), "sim:aidon?speed=10");
	CHECK_STREQ(value_of(body, "meter", "home", "baud"), "9600");
	CHECK_STREQ(value_of(body, "meter", "home", "parity"), "8E1");
	CHECK_STREQ(value_of(body, "meter", "home", "key"), MASK);
	CHECK_STREQ(value_of(body, "meter", "home", "auth_key"), MASK);
	CHECK_STREQ(value_of(body, "meter", "home", "system_title"), TITLE);
	CHECK_STREQ(value_of(body, "meter", "home", "multiplier_current"), "0.5");
	CHECK_STREQ(value_of(body, "meter", "home", "derive_u2"), "yes");
	CHECK_STREQ(value_of(body, "meter", "home", "capacity_thresholds"), "5, 10, 15.5");
	CHECK_STREQ(value_of(body, "meter", "garage", "source"), "tcp://[::1]:2001");
	CHECK_STREQ(value_of(body, "meter", "garage", "key"), "");
	CHECK_STREQ(value_of(body, "meter", "garage", "baud"), "auto");
	CHECK_STREQ(value_of(body, "meter", "garage", "voltage"), "400");
	CHECK_STREQ(value_of(body, "meter", "garage", "capacity_floor_on"), "mean");
	CHECK_STREQ(value_of(body, "http", NULL, "listen"), "[::1]:8080");
	CHECK_STREQ(value_of(body, "http", NULL, "password_hash"), MASK);
	CHECK_STREQ(value_of(body, "http", NULL, "user"), "admin");
	CHECK_STREQ(value_of(body, "daemon", NULL, "log_level"), "debug");
	CHECK_STREQ(value_of(body, "mqtt", NULL, "password"), MASK);
	CHECK_STREQ(value_of(body, "mqtt", NULL, "username"), "meter");
	CHECK_STREQ(value_of(body, "mqtt", NULL, "enabled"), "auto");
	CHECK_STREQ(value_of(body, "mqtt", NULL, "publish"), "10");
	CHECK_STREQ(value_of(body, "prices", NULL, "import"), "1.25");
	CHECK_STREQ(value_of(body, "prices", NULL, "export"), "");
	CHECK_STREQ(value_of(body, "price", "1", "days"), "mon,tue,wed,thu,fri");
	CHECK_STREQ(value_of(body, "price", "1", "hours"), "22-6");
	CHECK_STREQ(value_of(body, "price", "1", "dates"), "11-01..03-31");
	CHECK_STREQ(value_of(body, "modifier", "1", "operation"), "percent");
	CHECK_STREQ(value_of(body, "modifier", "1", "direction"), "both");
	CHECK_STREQ(json_string_value(json_object_get(body, "masked")), MASK);
}

/* The secret a masked value stands for, to write the file back. */
static const char *unmask(const char *section, const char *key)
{
	if (strcmp(key, "key") == 0)
		return EK;
	if (strcmp(key, "auth_key") == 0)
		return AK;
	if (strcmp(key, "password_hash") == 0)
		return hash;
	if (strcmp(section, "mqtt") == 0 && strcmp(key, "password") == 0)
		return MQTT_PASSWORD;
	return "";
}

/* The answer as a file again: [section name] and key = value lines. */
static void write_back(json_t *body, const char *path)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(body, "sections"), i, s)
	{
		const char *section = json_string_value(json_object_get(s, "section"));
		const char *name = json_string_value(json_object_get(s, "name"));
		fprintf(f, "[%s%s%s]\n", section, name != NULL ? " " : "",
			name != NULL ? name : "");
		const char *key;
		json_t *v;
		json_object_foreach(json_object_get(s, "values"), key, v)
		{
			const char *text = json_string_value(v);
			if (strcmp(text, MASK) == 0)
				text = unmask(section, key);
			fprintf(f, "%s = %s\n", key, text);
		}
	}
	fclose(f);
}

int main(void)
{
	CHECK(mkdtemp(tmpdir) != NULL);
	CHECK(hp_passwd_hash("open sesame", hash, sizeof(hash)) == 0);
	char path[512], again_path[512];
	snprintf(path, sizeof(path), "%s/hanp1d.conf", tmpdir);
	snprintf(again_path, sizeof(again_path), "%s/again.conf", tmpdir);
	write_config(path);

	static struct hp_config cfg, again;
	CHECK_INT(hp_config_load(path, &cfg, print_error, NULL), 0);
	json_t *body = config_answer(&cfg);
	check_masked(body);
	check_every_key(body);
	check_values(body);
	CHECK_STREQ(json_string_value(json_object_get(body, "file")), path);

	/* Written back and loaded again, the same configuration. */
	write_back(body, again_path);
	CHECK_INT(hp_config_load(again_path, &again, print_error, NULL), 0);
	snprintf(again.file, sizeof(again.file), "%s", cfg.file);
	json_t *body_again = config_answer(&again);
	CHECK_MSG(json_equal(body, body_again), "the file written back differs");
	json_decref(body_again);

	/* Through the router: GET only. */
	static struct hp_state state;
	hp_state_init(&state, &cfg, 0);
	struct hp_api *api = hp_api_new(&cfg, &state);
	struct hp_api_reply reply;
	hp_api_handle(api, "GET", "/config", NULL, NULL, 0, &reply);
	CHECK_INT(reply.status, 200);
	CHECK(json_equal(reply.body, body));
	json_decref(reply.body);
	hp_api_handle(api, "POST", "/config", NULL, NULL, 0, &reply);
	CHECK_INT(reply.status, 405);
	json_decref(reply.body);
	hp_api_free(api);
	hp_state_destroy(&state);
	json_decref(body);

	unlink(path);
	unlink(again_path);
	rmdir(tmpdir);
	return check_report("test_api_config");
}
