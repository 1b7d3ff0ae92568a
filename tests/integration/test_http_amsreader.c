/* The AMS reader compatible endpoints through the real HTTP server (http.c and
 * api_amsreader.h): the firmware's auth rules (401 with its realm for /data.json
 * and /sysinfo.json under auth = all, /realtime.json open), OPTIONS, the no-cache
 * headers, the root and the prefix, precedence over a static file of the same
 * name, and `a` following the caller's rights.
 *
 * Run: test_http_amsreader (no arguments; makes and removes its own directory). */
#include <netdb.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"
#include "http_client.h"
#include "http.h"
#include "passwd.h"

/* "admin:s3cret:pass" in base64. */
#define GOOD_AUTH "Authorization: Basic YWRtaW46czNjcmV0OnBhc3M=\r\n"

static char tmpdir[] = "/tmp/hp-test-http-ams-XXXXXX";
static struct hp_config cfg;
static struct hp_state state;
static struct hp_http *server;
static uint16_t port;

static void request(const char *method, const char *target, const char *extra,
		    struct http_response *r)
{
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n", method,
			 target, extra);
	http_exchange("127.0.0.1", port, req, (size_t)n, r);
	CHECK(r->status != -1);
}

/* Whether the head has the header line exactly (case-insensitive name). */
static bool has_header(const struct http_response *r, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = strstr(r->raw, "\r\n"); p != NULL && p < r->body;
	     p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, line, n) == 0 && p[2 + n] == '\r')
			return true;
	return false;
}

static void start(const char *prefix, enum hp_auth_scope auth)
{
	snprintf(cfg.http.prefix, sizeof(cfg.http.prefix), "%s", prefix);
	cfg.http.auth = auth;
	char err[256] = "";
	server = hp_http_start(&cfg, &state, NULL, err, sizeof(err));
	CHECK_MSG(server != NULL, "start: %s", err);
	if (server == NULL)
		exit(check_report("http_amsreader"));
	port = hp_http_port(server);
}

static void stop(void)
{
	hp_http_stop(server);
	server = NULL;
}

static void fill(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.meter_count = 1;
	snprintf(cfg.meters[0].name, HP_NAME_MAX, "home");
	cfg.meters[0].voltage = 230;
	cfg.meters[0].phases = 3;
	cfg.http.enabled = true;
	snprintf(cfg.http.host, sizeof(cfg.http.host), "127.0.0.1");
	snprintf(cfg.http.www_dir, HP_PATH_MAX, "%s/www", tmpdir);
	snprintf(cfg.http.user, HP_NAME_MAX, "admin");
	CHECK(hp_passwd_hash("s3cret:pass", cfg.http.password_hash, HP_HASH_MAX) == 0);
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/history.db", tmpdir);
	cfg.stale_after_s = 30;
	hp_price_config_init(&cfg.prices);
	int64_t now = hp_now_ms();
	hp_state_init(&state, &cfg, now - 60000);
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1234);
	hp_reading_set(&r, HP_NUM_L1_VOLTAGE_V, 230.1);
	hp_state_set_reading(&state, 0, &r, now - 1000);
	/* A static file of the same name: the endpoint wins. */
	char path[512];
	snprintf(path, sizeof(path), "%s/www", tmpdir);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/www/data.json", tmpdir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs("{\"static\":true}\n", f);
		fclose(f);
	}
}

static void test_auth_all(struct http_response *r)
{
	start("", HP_AUTH_ALL);
	static const char *const closed[] = {"/data.json", "/sysinfo.json", "/dayplot.json"};
	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++) {
		request("GET", closed[i], "", r);
		CHECK_MSG(r->status == 401, "%s: %d", closed[i], r->status);
		CHECK(has_header(r, "WWW-Authenticate: Basic realm=\"Secure Area\""));
	}
	request("GET", "/realtime.json", "", r);
	CHECK_INT(r->status, 200);
	CHECK(strstr(r->body, "\"total\":360") != NULL);
	request("GET", "/is-alive", "", r);
	CHECK_INT(r->status, 200);
	CHECK_STREQ(r->body, "");
	request("OPTIONS", "/data.json", "", r);
	CHECK_INT(r->status, 200);
	CHECK(has_header(r, "Allow: GET"));
	request("GET", "/data.json", GOOD_AUTH, r);
	CHECK_INT(r->status, 200);
	CHECK(strstr(r->body, "\"i\":1234,") != NULL);
	CHECK(strstr(r->body, "\"l1\":{\"u\":230.10,") != NULL);
	CHECK(strstr(r->body, "\"a\":true}") != NULL);
	request("GET", "/data.json", "Authorization: Basic YWRtaW46d3Jvbmc=\r\n", r);
	CHECK_INT(r->status, 401);
	/* The rest of the server keeps its own realm. */
	request("GET", "/api/v1/meters", "", r);
	CHECK_INT(r->status, 401);
	CHECK(has_header(r, "WWW-Authenticate: Basic realm=\"hanp1d\""));
	stop();
}

static void test_open(struct http_response *r)
{
	start("/hanp1d", HP_AUTH_WRITE);
	request("GET", "/data.json", "", r);
	CHECK_INT(r->status, 200);
	CHECK(has_header(r, "Cache-Control: no-cache, no-store, must-revalidate"));
	CHECK(has_header(r, "Pragma: no-cache"));
	CHECK(has_header(r, "Expires: -1"));
	CHECK(strstr(r->body, "\"static\"") == NULL);
	CHECK(strstr(r->body, "\"a\":false}") != NULL); /* may not change the config */
	request("GET", "/data.json", GOOD_AUTH, r);
	CHECK(strstr(r->body, "\"a\":true}") != NULL);
	request("GET", "/hanp1d/dayplot.json", "", r);
	CHECK_INT(r->status, 200);
	CHECK(strstr(r->body, "{\"unit\":\"kwh\",\"i00\":") == r->body);
	request("GET", "/hanp1d/data.json?meter=nosuch", "", r);
	CHECK_INT(r->status, 404);
	request("POST", "/data.json", "Content-Length: 0\r\n", r);
	CHECK_INT(r->status, 405);
	/* Other names under the prefix are still static files. */
	request("GET", "/hanp1d/nosuch.json", "", r);
	CHECK_INT(r->status, 404);
	stop();
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	fill();
	struct http_response *r = malloc(sizeof(*r));
	if (r == NULL)
		return 1;
	test_auth_all(r);
	test_open(r);
	free(r);
	hp_state_destroy(&state);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return check_report("http_amsreader");
}
