/* The HTTP server for real: libmicrohttpd on a loopback port the kernel picks,
 * spoken to over plain sockets by the small client below (raw request lines, so
 * nothing normalizes a "../" before the server sees it). Status codes, headers,
 * bodies, the path prefix, Basic auth in its three modes, path traversal, a huge
 * header, 500 connections at once (the figure, below the server's limit of
 * 512; client and server share one process: 1000 descriptors and more, so the soft
 * limit is raised to the hard one first) with the process's RSS bounded, and the
 * /metrics format.
 *
 * Run: test_http (no arguments; makes and removes its own temporary directory). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "api.h"
#include "check.h"
#include "http_client.h"
#include "http.h"
#include "passwd.h"
#include "reading_json.h"
#include "store.h"

#define SECRET_HEX "00112233445566778899AABBCCDDEEFF"
/* Connections held open at once in the concurrency test. */
#define CONCURRENT 500
/* Descriptors that needs: both ends of every connection, and some to spare. */
#define CONCURRENT_FDS (2 * CONCURRENT + 64)
/* The process's RSS while they are open stays below this; after they close it is
 * back within RSS_AFTER_FACTOR times what it was before them. */
#define RSS_PEAK_MAX_KB  (64 * 1024)
#define RSS_AFTER_FACTOR 2
/* Under AddressSanitizer the RSS says little (shadow memory, freed blocks held in
 * quarantine): the figures are printed, not checked. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_CHECKED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_CHECKED 0
#endif
#endif
#ifndef RSS_CHECKED
#define RSS_CHECKED 1
#endif

static char tmpdir[] = "/tmp/hp-test-http-XXXXXX";
static struct hp_config cfg;
static struct hp_state state;
static struct hp_http *server;
static uint16_t port;
static const char *host = "127.0.0.1";

static void exchange(const char *raw, struct http_response *r)
{
	http_exchange(host, port, raw, strlen(raw), r);
	CHECK(r->status != -1);
}

/* One request with Connection: close; extra is more header lines (each ending
 * "\r\n") or "". */
static void request(const char *method, const char *target, const char *extra,
		    struct http_response *r)
{
	char raw[4096];
	snprintf(raw, sizeof(raw),
		 "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n", method, target,
		 extra);
	exchange(raw, r);
}

/* The value of a response header (case-insensitive name), or "" */
static const char *header(const struct http_response *r, const char *name, char *out, size_t size)
{
	out[0] = '\0';
	size_t n = strlen(name);
	for (const char *p = strstr(r->head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			size_t len = strcspn(v, "\r\n");
			snprintf(out, size, "%.*s", (int)len, v);
			break;
		}
	}
	return out;
}

static json_t *body_json(const struct http_response *r)
{
	json_error_t e;
	json_t *o = json_loadb(r->body, r->body_len, 0, &e);
	CHECK_MSG(o != NULL, "not JSON: %.200s", r->body);
	return o;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "(none)";
}

static bool body_has(const struct http_response *r, const char *text)
{
	size_t n = strlen(text);
	for (size_t i = 0; i + n <= r->body_len; i++)
		if (memcmp(r->body + i, text, n) == 0)
			return true;
	return false;
}

/* Status and, for an error, a JSON body with "error". */
static void expect(const char *method, const char *target, const char *extra, int status)
{
	struct http_response *r = malloc(sizeof(*r));
	request(method, target, extra, r);
	CHECK_MSG(r->status == status, "%s %s: %d, want %d", method, target, r->status, status);
	char type[128];
	if (status >= 400 && r->status == status) {
		CHECK_STREQ(header(r, "Content-Type", type, sizeof(type)),
			    "application/json; charset=utf-8");
		json_t *o = body_json(r);
		CHECK(json_is_string(json_object_get(o, "error")));
		json_decref(o);
	}
	free(r);
}

/* ---- the server ---- */

static void start(const char *prefix, enum hp_auth_scope auth)
{
	snprintf(cfg.http.prefix, sizeof(cfg.http.prefix), "%s", prefix);
	cfg.http.auth = auth;
	char err[256] = "";
	server = hp_http_start(&cfg, &state, NULL, err, sizeof(err));
	CHECK_MSG(server != NULL, "start: %s", err);
	if (server == NULL)
		exit(check_report("http"));
	port = hp_http_port(server);
	CHECK(port != 0);
}

static void stop(void)
{
	hp_http_stop(server);
	server = NULL;
}

static void write_file(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	check_write_text(path, text);
}

static void make_tree(void)
{
	static const char *const dirs[] = {"www", "www/sub", "www/dir", "vendor"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", tmpdir, dirs[i]);
		CHECK(mkdir(path, 0755) == 0);
	}
	write_file("www/index.html", "<!doctype html><title>index page</title>\n");
	write_file("www/app.js", "console.log('app');\n");
	write_file("www/style.css", "body { color: black; }\n");
	write_file("www/logo.SVG", "<svg xmlns='http://www.w3.org/2000/svg'/>\n");
	write_file("www/data.bin", "\x01\x02");
	write_file("www/sub/index.html", "sub index\n");
	write_file("www/dir/file.txt", "in dir\n");
	write_file("www/.secret", "hidden file\n");
	write_file("vendor/chart.umd.min.js", "/* chart */\n");
	write_file("outside.txt", "OUTSIDE-THE-WEB-ROOT\n");
}

static void fill(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.meter_count = 2;
	snprintf(cfg.meters[0].name, HP_NAME_MAX, "home");
	snprintf(cfg.meters[1].name, HP_NAME_MAX, "garage");
	struct hp_keys *k = &cfg.meters[0].keys;
	k->has_ek = k->has_ak = true;
	for (int i = 0; i < HP_KEY_LEN; i++)
		k->ek[i] = k->ak[i] = (uint8_t)(i * 0x11);
	cfg.http.enabled = true;
	snprintf(cfg.http.host, sizeof(cfg.http.host), "%s", host);
	cfg.http.port = 0;
	snprintf(cfg.http.www_dir, HP_PATH_MAX, "%s/www", tmpdir);
	snprintf(cfg.http.vendor_dir, HP_PATH_MAX, "%s/vendor", tmpdir);
	snprintf(cfg.http.user, HP_NAME_MAX, "admin");
	CHECK(hp_passwd_hash("s3cret:pass", cfg.http.password_hash, HP_HASH_MAX) == 0);
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/history.db", tmpdir);
	cfg.store.store_interval_s = 10;
	cfg.store.raw_days = 90;
	cfg.store.commit_interval_s = 60;
	cfg.stale_after_s = 30;

	int64_t now = hp_now_ms();
	hp_state_init(&state, &cfg, now - 60000);
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1234);
	hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, 4321.125);
	hp_reading_set_text(&r, HP_TEXT_METER_ID, "E0012345678", 11);
	hp_state_set_reading(&state, 0, &r, now - 1000);
	struct hp_decoder_stats st = {.frames = 5, .readings = 4};
	st.errors[HP_ERR_CRC] = 1;
	struct hp_source_status src = {.state = HP_SOURCE_RUNNING, .baud = 115200, .bytes = 4000};
	hp_state_set_counters(&state, 0, &st, &src, 0);

	char err[256];
	struct hp_store *store = hp_store_open(&cfg.store, err, sizeof(err));
	CHECK_MSG(store != NULL, "store: %s", err);
	if (store != NULL) {
		CHECK(hp_store_add(store, "home", now - 120000, &r) == 0);
		CHECK(hp_store_commit(store, now) == 0);
		hp_store_close(store);
	}
}

/* ---- tests ---- */

static void check_no_secret(const struct http_response *r)
{
	char *upper = strndup(r->body, r->body_len);
	for (char *p = upper; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	CHECK_MSG(strstr(upper, SECRET_HEX) == NULL, "a key in an answer");
	CHECK(strstr(upper, "$PBKDF2") == NULL);
	CHECK(strstr(upper, "S3CRET") == NULL);
	free(upper);
}

static void test_api(void)
{
	struct http_response *r = malloc(sizeof(*r));
	char v[256];
	request("GET", "/api/v1/meters", "", r);
	CHECK_INT(r->status, 200);
	CHECK_STREQ(header(r, "Content-Type", v, sizeof(v)), "application/json; charset=utf-8");
	CHECK_STREQ(header(r, "Cache-Control", v, sizeof(v)), "no-store");
	CHECK_STREQ(header(r, "X-Content-Type-Options", v, sizeof(v)), "nosniff");
	json_t *o = body_json(r);
	CHECK_INT(json_array_size(o), 2);
	CHECK_STREQ(str(json_array_get(o, 0), "meter_id"), "E0012345678");
	json_decref(o);

	request("GET", "/api/v1/meters/home/now", "", r);
	CHECK_INT(r->status, 200);
	o = body_json(r);
	json_t *reading = json_object_get(o, "reading");
	CHECK_INT(json_integer_value(json_object_get(reading, "power_import_w")), 1234);
	CHECK_NEAR(json_number_value(json_object_get(reading, "energy_import_kwh")), 4321.125);
	CHECK(json_is_false(json_object_get(o, "stale")));
	json_decref(o);
	check_no_secret(r);

	request("GET", "/api/v1/status", "", r);
	CHECK_INT(r->status, 200);
	o = body_json(r);
	json_t *m = json_array_get(json_object_get(o, "meters"), 0);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "errors"), "crc")), 1);
	CHECK_STREQ(str(json_object_get(m, "source"), "state"), "running");
	json_decref(o);
	check_no_secret(r);

	request("GET", "/api/v1/meters/home/history?resolution=raw", "", r);
	CHECK_INT(r->status, 200);
	o = body_json(r);
	CHECK_INT(json_array_size(o), 1);
	json_decref(o);
	/* Query parameters arrive decoded: %3A is ':', %2B is '+'. */
	request("GET",
		"/api/v1/meters/home/history?resolution=raw&from=2020-01-01T00%3A00%3A00%2B01%3A00",
		"", r);
	CHECK_INT(r->status, 200);
	request("GET", "/api/v1/meters/home/history?from=yesterday-ish", "", r);
	CHECK_INT(r->status, 400);
	o = body_json(r);
	CHECK_STREQ(str(o, "parameter"), "from");
	json_decref(o);

	request("GET", "/api/v1/openapi.json", "", r);
	CHECK_INT(r->status, 200);
	o = body_json(r);
	CHECK_STREQ(str(o, "openapi"), "3.0.3");
	json_decref(o);

	/* HEAD: the headers of GET, no body. */
	request("HEAD", "/api/v1/meters", "", r);
	CHECK_INT(r->status, 200);
	CHECK_INT(r->body_len, 0);

	expect("GET", "/api/v1/meters/garage/now", "", 503);
	expect("GET", "/api/v1/meters/nosuch/now", "", 404);
	expect("GET", "/api/v1/meters/nosuch/history", "", 404);
	expect("GET", "/api/v1/nope", "", 404);
	expect("GET", "/api/v1", "", 404);
	expect("GET", "/nope", "", 404);
	expect("GET", "/api/v1/meters/home/history?limit=0", "", 400);
	expect("POST", "/api/v1/meters", "Content-Length: 0\r\n", 405);
	expect("DELETE", "/api/v1/meters/home/now", "", 405);
	expect("POST", "/metrics", "Content-Length: 0\r\n", 405);
	expect("PUT", "/index.html", "Content-Length: 5\r\n", 405);
	request("POST", "/api/v1/meters", "Content-Length: 0\r\n", r);
	CHECK_STREQ(header(r, "Allow", v, sizeof(v)), "GET, HEAD");
	free(r);
}

static bool metric_name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' ||
	       (!first && isdigit((unsigned char)c));
}

/* A comment, or `name{label="value",...} value`. */
static bool metric_line_ok(const char *line)
{
	if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0)
		return true;
	const char *p = line;
	if (!metric_name_char(*p, true))
		return false;
	while (metric_name_char(*p, false))
		p++;
	if (*p == '{') {
		for (p++; *p != '}'; p++) {
			if (*p == '\0')
				return false;
			if (*p == '\\')
				p++;
		}
		p++;
	}
	if (*p++ != ' ')
		return false;
	if (strcmp(p, "NaN") == 0 || strcmp(p, "+Inf") == 0 || strcmp(p, "-Inf") == 0)
		return true;
	char *end;
	strtod(p, &end);
	return end != p && *end == '\0';
}

static void test_metrics(void)
{
	struct http_response *r = malloc(sizeof(*r));
	char v[256];
	request("GET", "/metrics", "", r);
	CHECK_INT(r->status, 200);
	CHECK_STREQ(header(r, "Content-Type", v, sizeof(v)),
		    "text/plain; version=0.0.4; charset=utf-8");
	CHECK(body_has(r, "hanp1d_power_import_watts{meter=\"home\"} 1234\n"));
	CHECK(body_has(r, "# TYPE hanp1d_frame_errors_total counter\n"));
	CHECK(body_has(r, "hanp1d_frame_errors_total{meter=\"home\",error=\"crc\"} 1\n"));
	CHECK(body_has(r, "hanp1d_uptime_seconds "));
	CHECK(r->body_len > 0 && r->body[r->body_len - 1] == '\n');
	check_no_secret(r);
	int lines = 0;
	for (char *line = strtok(r->body, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		CHECK_MSG(metric_line_ok(line), "bad line: %s", line);
		lines++;
	}
	CHECK(lines > 20);
	free(r);
}

static void expect_file(const char *target, const char *type, const char *content)
{
	struct http_response *r = malloc(sizeof(*r));
	char v[256];
	request("GET", target, "", r);
	CHECK_MSG(r->status == 200, "%s: %d", target, r->status);
	CHECK_MSG(strcmp(header(r, "Content-Type", v, sizeof(v)), type) == 0, "%s: type %s", target,
		  v);
	CHECK_MSG(r->body_len == strlen(content) && memcmp(r->body, content, r->body_len) == 0,
		  "%s: body %.80s", target, r->body);
	free(r);
}

static void test_static(void)
{
	expect_file("/", "text/html; charset=utf-8", "<!doctype html><title>index page</title>\n");
	expect_file("/index.html", "text/html; charset=utf-8",
		    "<!doctype html><title>index page</title>\n");
	expect_file("/app.js", "text/javascript; charset=utf-8", "console.log('app');\n");
	expect_file("/style.css", "text/css; charset=utf-8", "body { color: black; }\n");
	expect_file("/logo.SVG", "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'/>\n");
	expect_file("/data.bin", "application/octet-stream", "\x01\x02");
	expect_file("/sub/", "text/html; charset=utf-8", "sub index\n");
	expect_file("/dir/file.txt", "text/plain; charset=utf-8", "in dir\n");
	expect_file("/vendor/chart.umd.min.js", "text/javascript; charset=utf-8", "/* chart */\n");
	/* No listing of a directory, with or without its slash. */
	expect("GET", "/dir/", "", 404);
	expect("GET", "/dir", "", 404);
	expect("GET", "/missing.html", "", 404);
	expect("GET", "/vendor/", "", 404);
	expect("GET", "/vendor/missing.js", "", 404);
}

static void test_traversal(void)
{
	static const char *const attempts[] = {
	    "/../outside.txt",
	    "/%2e%2e/outside.txt",
	    "/%2E%2E/outside.txt",
	    "/sub/../../outside.txt",
	    "/sub/%2e%2e/%2e%2e/outside.txt",
	    "/vendor/../outside.txt",
	    "/vendor/../../outside.txt",
	    "/vendor/..%2f..%2foutside.txt",
	    "/..%2foutside.txt",
	    "/./index.html",
	    "//etc/passwd",
	    "/.secret",
	    "/sub/./../.secret",
	    "/%2esecret",
	    "/vendor/%2e%2e/%2e%2e/outside.txt",
	    "/..",
	};
	struct http_response *r = malloc(sizeof(*r));
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		request("GET", attempts[i], "", r);
		CHECK_MSG(r->status == 404 || r->status == 400, "%s: %d", attempts[i], r->status);
		CHECK_MSG(!body_has(r, "OUTSIDE-THE-WEB-ROOT") && !body_has(r, "hidden file") &&
			      !body_has(r, "root:"),
			  "%s: leaked", attempts[i]);
	}
	free(r);
}

static void test_limits(void)
{
	/* A 64 KiB header: refused (431, 413, 400) or the connection closed; either way
	 * the server goes on answering. */
	size_t big = 64 * 1024;
	char *raw = malloc(big + 256);
	int n = snprintf(raw, 256, "GET /api/v1/meters HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(raw + n, 'a', big);
	snprintf(raw + n + big, 128, "\r\nConnection: close\r\n\r\n");
	struct http_response *r = malloc(sizeof(*r));
	exchange(raw, r);
	CHECK_MSG(r->status == 0 || r->status == 431 || r->status == 413 || r->status == 400,
		  "huge header: %d", r->status);
	/* A huge request line. */
	n = snprintf(raw, 256, "GET /");
	memset(raw + n, 'b', big);
	snprintf(raw + n + big, 128, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	exchange(raw, r);
	CHECK_MSG(r->status == 0 || r->status == 414 || r->status == 431 || r->status == 400,
		  "huge URL: %d", r->status);
	free(raw);
	/* Garbage instead of HTTP. */
	exchange("\x16\x03\x01\x02\x05 not http at all\r\n\r\n", r);
	CHECK_MSG(r->status == 0 || (r->status >= 400 && r->status < 500), "garbage: %d",
		  r->status);
	request("GET", "/api/v1/meters", "", r);
	CHECK_INT(r->status, 200);
	free(r);
}

/* VmRSS of this process (client and server) in kB, or -1. */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	char line[256];
	long kb = -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Room for CONCURRENT_FDS descriptors: the soft limit raised toward the hard one. */
static bool enough_fds(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return false;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < CONCURRENT_FDS) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > CONCURRENT_FDS
				  ? CONCURRENT_FDS
				  : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < CONCURRENT_FDS) {
		printf("http: only %llu descriptors allowed (hard limit), %d wanted: the %d "
		       "connections test is skipped\n",
		       (unsigned long long)rl.rlim_cur, CONCURRENT_FDS, CONCURRENT);
		return false;
	}
	return true;
}

/* CONCURRENT connections open at once, all asking before any answer is read: each
 * gets a whole HTTP answer, the server answers a plain request afterwards, and the
 * process's RSS stays bounded while they are open and comes back after. Twice, so
 * a leak per connection would show. */
static void concurrent_burst(long baseline_kb)
{
	static int fds[CONCURRENT];
	int opened = 0;
	const char *raw =
	    "GET /api/v1/meters/home/now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	for (int i = 0; i < CONCURRENT; i++) {
		fds[i] = http_connect(host, port);
		if (fds[i] >= 0)
			opened++;
	}
	CHECK_INT(opened, CONCURRENT);
	for (int i = 0; i < CONCURRENT; i++)
		if (fds[i] >= 0)
			http_send_all(fds[i], raw, strlen(raw));
	struct http_response *r = malloc(sizeof(*r));
	int answered = 0, http = 0, other = 0;
	long peak_kb = rss_kb();
	for (int i = 0; i < CONCURRENT; i++) {
		if (fds[i] < 0)
			continue;
		http_read_response(fds[i], r);
		if (r->status >= 100)
			http++; /* an HTTP answer of any kind */
		if (r->status == 200 && body_has(r, "\"power_import_w\":1234"))
			answered++;
		else if (other++ == 0)
			printf("http: connection %d: status %d: %.120s\n", i, r->status, r->raw);
		if (i == CONCURRENT / 2) {
			long kb = rss_kb();
			if (kb > peak_kb)
				peak_kb = kb;
		}
		close(fds[i]);
	}
	/* Below the server's connection limit: every one an HTTP answer, and a 200. */
	CHECK_INT(http, CONCURRENT);
	CHECK_INT(answered, CONCURRENT);
	/* The server goes on answering a plain request. */
	request("GET", "/api/v1/meters/home/now", "", r);
	CHECK_INT(r->status, 200);
	CHECK(body_has(r, "\"power_import_w\":1234"));
	free(r);
	/* The server has let every connection go (it closes after answering). */
	usleep(300 * 1000);
	long after_kb = rss_kb();
	printf("http: %d connections: RSS %ld kB before, %ld kB with them open, %ld kB after\n",
	       CONCURRENT, baseline_kb, peak_kb, after_kb);
	if (!RSS_CHECKED || baseline_kb < 0 || peak_kb < 0 || after_kb < 0)
		return; /* a sanitizer's RSS, or no /proc here */
	CHECK_MSG(peak_kb < RSS_PEAK_MAX_KB, "RSS %ld kB with %d connections open", peak_kb,
		  CONCURRENT);
	CHECK_MSG(after_kb <= RSS_AFTER_FACTOR * baseline_kb,
		  "RSS %ld kB after the connections closed, %ld kB before", after_kb, baseline_kb);
}

static void test_concurrent(void)
{
	if (!enough_fds())
		return;
	long baseline_kb = rss_kb();
	concurrent_burst(baseline_kb);
	concurrent_burst(baseline_kb);
}

static void test_keep_alive(void)
{
	/* Two requests on one connection, the second closing it. */
	struct http_response *r = malloc(sizeof(*r));
	exchange("GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
		 "GET /api/v1/meters HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 r);
	CHECK_INT(r->status, 200);
	CHECK(strstr(r->raw, "\"uptime_s\"") != NULL);
	CHECK(strstr(r->raw, "\"last_reading_age_s\"") != NULL);
	free(r);
}

static void test_prefix(void)
{
	start("/hanp1d/", HP_AUTH_NONE);
	struct http_response *r = malloc(sizeof(*r));
	char v[256];
	request("GET", "/hanp1d/api/v1/meters", "", r);
	CHECK_INT(r->status, 200);
	request("GET", "/hanp1d/metrics", "", r);
	CHECK_INT(r->status, 200);
	expect_file("/hanp1d/", "text/html; charset=utf-8",
		    "<!doctype html><title>index page</title>\n");
	expect_file("/hanp1d/vendor/chart.umd.min.js", "text/javascript; charset=utf-8",
		    "/* chart */\n");
	request("GET", "/hanp1d", "", r);
	CHECK_INT(r->status, 308);
	CHECK_STREQ(header(r, "Location", v, sizeof(v)), "/hanp1d/");
	expect("GET", "/api/v1/meters", "", 404);
	expect("GET", "/metrics", "", 404);
	expect("GET", "/", "", 404);
	expect("GET", "/hanp1dx/api/v1/meters", "", 404);
	expect("GET", "/hanp1d/../outside.txt", "", 404);
	free(r);
	stop();
}

static void basic(const char *user, const char *pass, char *out, size_t size)
{
	char plain[128];
	unsigned char b64[172]; /* base64 of 128 bytes, plus NUL */
	int n = snprintf(plain, sizeof(plain), "%s:%s", user, pass);
	EVP_EncodeBlock(b64, (const unsigned char *)plain, n);
	snprintf(out, size, "Authorization: Basic %s\r\n", (const char *)b64);
}

static void test_auth_all(void)
{
	start("", HP_AUTH_ALL);
	char good[256], wrong_pass[256], wrong_user[256], v[256];
	basic("admin", "s3cret:pass", good, sizeof(good));
	basic("admin", "s3cret:pasS", wrong_pass, sizeof(wrong_pass));
	basic("root", "s3cret:pass", wrong_user, sizeof(wrong_user));
	struct http_response *r = malloc(sizeof(*r));
	request("GET", "/api/v1/meters", "", r);
	CHECK_INT(r->status, 401);
	CHECK_STREQ(header(r, "WWW-Authenticate", v, sizeof(v)), "Basic realm=\"hanp1d\"");
	json_t *o = body_json(r);
	CHECK_STREQ(str(o, "error"), "authentication required");
	json_decref(o);
	/* The right one, twice (the second from the server's cache), then wrong ones:
	 * a cached success must not let a different password through. */
	expect("GET", "/api/v1/meters", good, 200);
	expect("GET", "/api/v1/meters", good, 200);
	expect("GET", "/api/v1/meters", wrong_pass, 401);
	expect("GET", "/api/v1/meters", wrong_user, 401);
	expect("GET", "/api/v1/meters", "Authorization: Basic !!!notbase64\r\n", 401);
	expect("GET", "/api/v1/meters", "Authorization: Bearer abc\r\n", 401);
	/* Everything is covered: static files, /metrics and unknown paths too. */
	expect("GET", "/", "", 401);
	expect("GET", "/metrics", "", 401);
	expect("GET", "/nope", "", 401);
	expect("GET", "/metrics", good, 200);
	expect("GET", "/nope", good, 404);
	free(r);
	stop();
}

static void test_auth_write(void)
{
	start("", HP_AUTH_WRITE);
	char good[256];
	basic("admin", "s3cret:pass", good, sizeof(good));
	expect("GET", "/api/v1/meters", "", 200);
	expect("HEAD", "/api/v1/meters", "", 200);
	expect("POST", "/api/v1/meters", "Content-Length: 0\r\n", 401);
	expect("DELETE", "/api/v1/meters/home/now", "", 401);
	char extra[300];
	snprintf(extra, sizeof(extra), "%sContent-Length: 0\r\n", good);
	expect("POST", "/api/v1/meters", extra, 405);
	stop();
	/* No auth: a write is simply not allowed. */
	start("", HP_AUTH_NONE);
	expect("POST", "/api/v1/meters", "Content-Length: 0\r\n", 405);
	stop();
}

static void test_listen(void)
{
	/* IPv6 loopback, when the machine has it. */
	snprintf(cfg.http.host, sizeof(cfg.http.host), "::1");
	char err[256] = "";
	struct hp_http *h6 = hp_http_start(&cfg, &state, NULL, err, sizeof(err));
	if (h6 != NULL) {
		const char *saved = host;
		uint16_t saved_port = port;
		host = "::1";
		port = hp_http_port(h6);
		expect("GET", "/api/v1/meters", "", 200);
		hp_http_stop(h6);
		host = saved;
		port = saved_port;
	} else {
		printf("http: no IPv6 loopback here (%s); skipped\n", err);
	}
	/* A port in use and an address that is not one: NULL with a message. */
	snprintf(cfg.http.host, sizeof(cfg.http.host), "127.0.0.1");
	start("", HP_AUTH_NONE);
	cfg.http.port = port;
	err[0] = '\0';
	CHECK(hp_http_start(&cfg, &state, NULL, err, sizeof(err)) == NULL);
	CHECK_MSG(strstr(err, "cannot listen") != NULL, "%s", err);
	stop();
	cfg.http.port = 0;
	snprintf(cfg.http.host, sizeof(cfg.http.host), "256.1.2.3");
	err[0] = '\0';
	CHECK(hp_http_start(&cfg, &state, NULL, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
	snprintf(cfg.http.host, sizeof(cfg.http.host), "127.0.0.1");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	make_tree();
	fill();

	start("", HP_AUTH_NONE);
	test_api();
	test_metrics();
	test_static();
	test_traversal();
	test_limits();
	test_concurrent();
	test_keep_alive();
	stop();

	test_prefix();
	test_auth_all();
	test_auth_write();
	test_listen();

	hp_state_destroy(&state);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_report("http");
}
