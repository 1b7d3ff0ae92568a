/* POST /api/v1/prices over a real socket: a good push (with and without
 * "Expect: 100-continue", in one piece and in many), a bad element named in the
 * 400, bodies too large (413, announced or chunked), the content type (415), the
 * methods (405), the count in /api/v1/status, the state file, and the password
 * when auth is write or all.
 *
 * Run: test_prices_http (no arguments; makes and removes its own directory). */
#include <netdb.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "api.h"
#include "check.h"
#include "http_client.h"
#include "http.h"
#include "passwd.h"

#define QUARTER_S 900
/* 2025-10-01T00:00:00+02:00 */
#define DAY0_S 1759269600LL

static char tmpdir[] = "/tmp/hp-test-prices-XXXXXX";
static char state_file[64];
static struct hp_config cfg;
static struct hp_state state;
static struct hp_price_book *book;
static struct hp_http *server;
static uint16_t port;
static char good_auth[256];

/* One request; headers: extra header lines, each ending "\r\n". The body goes in
 * pieces of `piece` bytes (0: at once), so the server sees many upload calls. */
static void post(const char *target, const char *headers, const char *body, size_t piece,
		 struct http_response *r)
{
	int fd = http_connect("127.0.0.1", port);
	CHECK(fd >= 0);
	if (fd < 0) {
		http_response_none(r, -1);
		return;
	}
	char head[1024];
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		 "Content-Length: %zu\r\n%s\r\n",
		 target, strlen(body), headers);
	http_send_all(fd, head, strlen(head));
	size_t len = strlen(body);
	size_t step = piece != 0 ? piece : len;
	for (size_t at = 0; at < len; at += step)
		http_send_all(fd, body + at, len - at < step ? len - at : step);
	http_read_response(fd, r);
	close(fd);
}

static void get(const char *target, const char *headers, struct http_response *r)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n",
			 target, headers);
	http_exchange("127.0.0.1", port, head, (size_t)n, r);
	CHECK(r->status != -1);
}

static json_t *body_json(const struct http_response *r)
{
	json_t *o = json_loads(r->body, 0, NULL);
	CHECK_MSG(o != NULL, "not JSON: %.200s", r->body);
	return o;
}

static long long int_of(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* n quarter prices from quarter k of 2025-10-01 (local), as JSON. */
static char *quarters(int k, int n)
{
	size_t size = (size_t)n * 100 + 4, len = 0;
	char *text = malloc(size);
	len += (size_t)snprintf(text, size, "[");
	for (int i = 0; i < n; i++) {
		time_t s = (time_t)(DAY0_S + (int64_t)(k + i) * QUARTER_S), e = s + QUARTER_S;
		struct tm a, b;
		gmtime_r(&s, &a);
		gmtime_r(&e, &b);
		char sa[32], sb[32];
		strftime(sa, sizeof(sa), "%Y-%m-%dT%H:%M:%SZ", &a);
		strftime(sb, sizeof(sb), "%Y-%m-%dT%H:%M:%SZ", &b);
		len += (size_t)snprintf(text + len, size - len,
					"%s{\"start\":\"%s\",\"end\":\"%s\",\"price\":%d.25}",
					i > 0 ? "," : "", sa, sb, (k + i) % 7);
	}
	snprintf(text + len, size - len, "]");
	return text;
}

static const char JSON_TYPE[] = "Content-Type: application/json\r\n";

/* ---- the server ---- */

static void start(enum hp_auth_scope auth, struct hp_price_book *prices)
{
	cfg.http.auth = auth;
	char err[256] = "";
	server = hp_http_start(&cfg, &state, prices, err, sizeof(err));
	CHECK_MSG(server != NULL, "start: %s", err);
	if (server == NULL)
		exit(check_report("prices_http"));
	port = hp_http_port(server);
}

static void stop(void)
{
	hp_http_stop(server);
	server = NULL;
}

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.meter_count = 1;
	snprintf(cfg.meters[0].name, HP_NAME_MAX, "home");
	cfg.http.enabled = true;
	snprintf(cfg.http.host, sizeof(cfg.http.host), "127.0.0.1");
	snprintf(cfg.http.www_dir, HP_PATH_MAX, "%s", tmpdir);
	snprintf(cfg.http.vendor_dir, HP_PATH_MAX, "%s", tmpdir);
	snprintf(cfg.http.user, HP_NAME_MAX, "admin");
	CHECK(hp_passwd_hash("s3cret", cfg.http.password_hash, HP_HASH_MAX) == 0);
	snprintf(cfg.store.path, HP_PATH_MAX, "%s/history.db", tmpdir);
	cfg.stale_after_s = 30;
	hp_price_config_init(&cfg.prices);
	hp_state_init(&state, &cfg, hp_now_ms());
	CHECK(hp_price_book_path(cfg.store.path, state_file, sizeof(state_file)));
	book = hp_price_book_new(&cfg.prices, state_file);
	CHECK(book != NULL);
	char plain[] = "admin:s3cret";
	unsigned char b64[64];
	EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)strlen(plain));
	snprintf(good_auth, sizeof(good_auth), "Authorization: Basic %s\r\n", (const char *)b64);
}

/* ---- tests ---- */

static void test_push(void)
{
	static struct http_response r;
	/* A day of quarters, sent in 1 KiB pieces. */
	char *day = quarters(0, 96);
	post("/api/v1/prices", JSON_TYPE, day, 1024, &r);
	CHECK_INT(r.status, 200);
	json_t *o = body_json(&r);
	CHECK_INT(int_of(o, "accepted"), 96);
	CHECK_INT(int_of(o, "points"), 96);
	json_decref(o);
	free(day);
	/* The next morning, with Expect: 100-continue as curl sends for large bodies,
	 * and a charset parameter: 8 more points. */
	char *morning = quarters(96, 8);
	char headers[256];
	snprintf(headers, sizeof(headers),
		 "Content-Type: application/json; charset=utf-8\r\nExpect: 100-continue\r\n");
	post("/api/v1/prices/", headers, morning, 0, &r);
	CHECK_INT(r.status, 200);
	o = body_json(&r);
	CHECK_INT(int_of(o, "accepted"), 8);
	CHECK_INT(int_of(o, "points"), 104);
	json_decref(o);
	free(morning);
	/* A whole week at once: 700 points, about 60 KiB in 4 KiB pieces. */
	char *week = quarters(0, HP_PRICE_POINTS_MAX);
	CHECK(strlen(week) > 32 * 1024);
	post("/api/v1/prices", JSON_TYPE, week, 4096, &r);
	CHECK_INT(r.status, 200);
	o = body_json(&r);
	CHECK_INT(int_of(o, "accepted"), HP_PRICE_POINTS_MAX);
	CHECK_INT(int_of(o, "points"), HP_PRICE_POINTS_MAX);
	json_decref(o);
	free(week);
	static struct hp_price_series s;
	hp_price_book_snapshot(book, &s);
	CHECK_INT(s.count, HP_PRICE_POINTS_MAX);
	CHECK_INT(s.p[0].start_ms, DAY0_S * 1000);
	CHECK_NEAR(s.p[5].import_price, 5.25);

	/* /api/v1/status counts them. */
	get("/api/v1/status", "", &r);
	CHECK_INT(r.status, 200);
	o = body_json(&r);
	json_t *p = json_object_get(o, "prices");
	CHECK_INT(int_of(p, "points"), HP_PRICE_POINTS_MAX);
	CHECK_STREQ(json_string_value(json_object_get(p, "from")), "2025-09-30T22:00:00.000Z");
	CHECK_STREQ(json_string_value(json_object_get(p, "until")), "2025-10-08T05:00:00.000Z");
	json_decref(o);

	/* Kept in the state file: a new book (a restart) has them. */
	struct hp_price_book *again = hp_price_book_new(&cfg.prices, state_file);
	struct hp_price_book_status st;
	hp_price_book_status(again, &st);
	CHECK_INT(st.points, HP_PRICE_POINTS_MAX);
	hp_price_book_free(again);
}

static void test_refused(void)
{
	static struct http_response r;
	/* The second element is 7 minutes long: 400 naming it, nothing stored. */
	post("/api/v1/prices", JSON_TYPE,
	     "[{\"start\": \"2025-10-08T00:00:00Z\", \"end\": \"2025-10-08T00:15:00Z\", "
	     "\"price\": 1},"
	     " {\"start\": \"2025-10-08T00:15:00Z\", \"end\": \"2025-10-08T00:22:00Z\", "
	     "\"price\": 1}]",
	     0, &r);
	CHECK_INT(r.status, 400);
	json_t *o = body_json(&r);
	const char *error = json_string_value(json_object_get(o, "error"));
	CHECK_MSG(error != NULL && strncmp(error, "prices[1].end: ", 15) == 0, "%s",
		  error != NULL ? error : "(none)");
	json_decref(o);
	post("/api/v1/prices", JSON_TYPE,
	     "[{\"start\": \"2025-10-08T00:00:00Z\", \"end\": \"2025-10-08T00:15:00Z\", "
	     "\"prise\": 1}]",
	     0, &r);
	CHECK_INT(r.status, 400);
	CHECK_MSG(strstr(r.body, "prices[0]") != NULL, "%s", r.body);
	post("/api/v1/prices", JSON_TYPE, "", 0, &r);
	CHECK_INT(r.status, 400);
	CHECK_MSG(strstr(r.body, "not valid JSON") != NULL, "%s", r.body);
	post("/api/v1/prices", JSON_TYPE, "{\"prices\": []}", 0, &r);
	CHECK_INT(r.status, 400);
	struct hp_price_book_status st;
	hp_price_book_status(book, &st);
	CHECK_INT(st.points, HP_PRICE_POINTS_MAX);

	/* Only JSON: a form or text (what another site's page could send through a
	 * browser) is refused before the body is read. */
	post("/api/v1/prices", "Content-Type: text/plain\r\n", "[]", 0, &r);
	CHECK_INT(r.status, 415);
	post("/api/v1/prices", "Content-Type: application/x-www-form-urlencoded\r\n", "[]", 0, &r);
	CHECK_INT(r.status, 415);
	post("/api/v1/prices", "Content-Type: application/jsonx\r\n", "[]", 0, &r);
	CHECK_INT(r.status, 415);
	post("/api/v1/prices", "", "[]", 0, &r);
	CHECK_INT(r.status, 415);

	/* Other methods: 405 with the one allowed. */
	get("/api/v1/prices", "", &r);
	CHECK_INT(r.status, 405);
	CHECK(strstr(r.raw, "Allow: POST\r\n") != NULL);
	post("/api/v1/prices/x", JSON_TYPE, "[]", 0, &r);
	CHECK_INT(r.status, 404);
}

/* A body past the limit: 413 at once when its length is announced; read and
 * dropped, then 413, when it comes chunked. */
static void test_too_large(void)
{
	static struct http_response r;
	int fd = http_connect("127.0.0.1", port);
	char head[512];
	snprintf(head, sizeof(head),
		 "POST /api/v1/prices HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		 "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n[",
		 HP_API_PRICES_BODY_MAX + 1);
	http_send_all(fd, head, strlen(head));
	http_read_response(fd, &r);
	close(fd);
	CHECK_INT(r.status, 413);
	CHECK_MSG(strstr(r.body, "256 KiB") != NULL, "%s", r.body);

	/* Exactly at the limit is read whole: an empty array padded with spaces. */
	char *body = malloc(HP_API_PRICES_BODY_MAX + 2);
	memset(body, ' ', HP_API_PRICES_BODY_MAX + 1);
	body[HP_API_PRICES_BODY_MAX] = '\0';
	body[0] = '[';
	body[HP_API_PRICES_BODY_MAX - 1] = ']';
	post("/api/v1/prices", JSON_TYPE, body, 8192, &r);
	CHECK_INT(r.status, 200);
	CHECK_MSG(strstr(r.body, "\"accepted\": 0") != NULL || strstr(r.body, "\"accepted\":0"),
		  "%s", r.body);

	/* Chunked, 64 KiB chunks, 320 KiB in all. */
	fd = http_connect("127.0.0.1", port);
	snprintf(head, sizeof(head),
		 "POST /api/v1/prices HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
	http_send_all(fd, head, strlen(head));
	memset(body, ' ', 65536);
	body[0] = '[';
	for (int i = 0; i < 5; i++) {
		char size_line[16];
		snprintf(size_line, sizeof(size_line), "10000\r\n");
		http_send_all(fd, size_line, strlen(size_line));
		http_send_all(fd, body, 65536);
		http_send_all(fd, "\r\n", 2);
	}
	http_send_all(fd, "0\r\n\r\n", 5);
	http_read_response(fd, &r);
	close(fd);
	CHECK_INT(r.status, 413);
	free(body);
	struct hp_price_book_status st;
	hp_price_book_status(book, &st);
	CHECK_INT(st.points, HP_PRICE_POINTS_MAX);
}

static void test_auth(enum hp_auth_scope auth)
{
	start(auth, book);
	static struct http_response r;
	char *list = quarters(0, 4);
	post("/api/v1/prices", JSON_TYPE, list, 0, &r);
	CHECK_INT(r.status, 401);
	char wrong[128];
	snprintf(wrong, sizeof(wrong), "%sAuthorization: Basic YWRtaW46bm9wZQ==\r\n", JSON_TYPE);
	post("/api/v1/prices", wrong, list, 0, &r);
	CHECK_INT(r.status, 401);
	char headers[512];
	snprintf(headers, sizeof(headers), "%s%s", JSON_TYPE, good_auth);
	post("/api/v1/prices", headers, list, 0, &r);
	CHECK_INT(r.status, 200);
	/* Reading needs the password only with auth = all. */
	get("/api/v1/status", "", &r);
	CHECK_INT(r.status, auth == HP_AUTH_ALL ? 401 : 200);
	free(list);
	stop();
}

/* A server without a price book says so. */
static void test_no_book(void)
{
	start(HP_AUTH_NONE, NULL);
	static struct http_response r;
	post("/api/v1/prices", JSON_TYPE, "[]", 0, &r);
	CHECK_INT(r.status, 503);
	get("/api/v1/status", "", &r);
	json_t *o = body_json(&r);
	CHECK(json_is_null(json_object_get(o, "prices")));
	json_decref(o);
	stop();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setup();
	start(HP_AUTH_NONE, book);
	test_push();
	test_refused();
	test_too_large();
	stop();
	test_auth(HP_AUTH_WRITE);
	test_auth(HP_AUTH_ALL);
	test_no_book();

	hp_price_book_free(book);
	hp_state_destroy(&state);
	unlink(state_file);
	rmdir(tmpdir);
	return check_report("prices_http");
}
