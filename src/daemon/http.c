/* The HTTP server: libmicrohttpd with one internal polling thread (epoll where
 * there is epoll). Every request is answered from the first call of the access
 * handler: auth, then the path prefix, then the route (the API, /metrics, /vendor/
 * or a static file), except POST /api/v1/prices, whose body is read first (bounded
 * by HP_API_PRICES_BODY_MAX). The AMS reader compatible paths (api_amsreader.h),
 * at the root or below the prefix, go first with auth rules of their own. Request sizes, connection count and idle time are
 * bounded, so a flood of connections or a huge header costs a bounded amount of
 * memory. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "api_amsreader.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "passwd.h"
#include "reading_json.h"

/* Open connections at once: a dashboard uses a handful; beyond this MHD closes new
 * ones at once. With the per-connection memory below this bounds all of it to 8 MiB. */
#define CONNECTIONS_MAX 512
/* Memory per connection for the request line, headers and answer headers: a
 * browser's request is 1-2 KiB; a larger header gets 431 and the connection ends. */
#define CONNECTION_MEMORY 16384
/* Idle seconds before a connection is closed (slow or stuck clients). */
#define CONNECTION_TIMEOUT_S 15
#define REALM                "hanp1d"
#define API_ROOT             "/api/v1"
#define VENDOR_ROOT          "/vendor/"
#define INDEX_FILE           "index.html"
/* Room for a file path: a configured directory plus what the URL names. */
#define FILE_PATH_MAX (2 * HP_PATH_MAX)

struct hp_http {
	struct MHD_Daemon *mhd;
	const struct hp_config *cfg;
	struct hp_state *state;
	struct hp_api *api;
	struct hp_price_book *prices; /* NULL: POST /api/v1/prices answers 503 */
	char prefix[HP_PATH_MAX + 1]; /* "" or "/hanp1d": a leading, no trailing slash */
	size_t prefix_len;
	/* The last Authorization value that verified, as a SHA-256 digest: the
	 * password hash is slow on purpose (passwd.h), and a dashboard sends the same
	 * value with every request. */
	pthread_mutex_t auth_lock;
	bool auth_cached;
	unsigned char auth_digest[EVP_MAX_MD_SIZE];
};

/* ---- answers ---- */

static const char JSON_TYPE[] = "application/json; charset=utf-8";

static void add_common_headers(struct MHD_Response *r, const char *type, const char *cache)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	/* Browsers must not guess a type: an error echoing a path stays JSON. */
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

/* Queues text the response takes ownership of (malloc'd). */
static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned status, char *text, size_t len,
				  const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	add_common_headers(r, type, "no-store");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Response *json_response(json_t *body)
{
	char *text = json_dumps(body, HP_JSON_FLAGS);
	json_decref(body);
	if (text == NULL)
		return NULL;
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return NULL;
	}
	add_common_headers(r, JSON_TYPE, "no-store");
	return r;
}

static enum MHD_Result queue_json(struct MHD_Connection *c, unsigned status, json_t *body,
				  const char *allow)
{
	struct MHD_Response *r = json_response(body);
	if (r == NULL)
		return MHD_NO;
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void free_json_text(void *text)
{
	hp_json_text_free(text);
}

/* Queues an answer written as JSON text (history); the response frees it once sent,
 * and a large one was its own mapping, so its memory goes back to the system. */
/* A text answer (JSON unless type says otherwise; CSV downloads name a file in
 * disposition). */
static enum MHD_Result queue_json_text(struct MHD_Connection *c, unsigned status,
				       struct hp_json_text *text, const char *type,
				       const char *disposition)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
	    text->len, text->buf, free_json_text, text);
	if (r == NULL) {
		hp_json_text_free(text);
		return MHD_NO;
	}
	add_common_headers(r, type != NULL ? type : JSON_TYPE, "no-store");
	if (disposition != NULL && disposition[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result queue_error(struct MHD_Connection *c, unsigned status, const char *error)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(error));
	return queue_json(c, status, o, NULL);
}

static enum MHD_Result queue_not_found(struct MHD_Connection *c)
{
	return queue_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result queue_bad_method(struct MHD_Connection *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string("method not allowed"));
	return queue_json(c, MHD_HTTP_METHOD_NOT_ALLOWED, o, "GET, HEAD");
}

static bool is_read(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	       strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* ---- auth ---- */

static bool auth_needed(const struct hp_http *h, const char *method)
{
	switch (h->cfg->http.auth) {
	case HP_AUTH_ALL:
		return true;
	case HP_AUTH_WRITE:
		return !is_read(method);
	case HP_AUTH_NONE:
		break;
	}
	return false;
}

static void digest(const char *user, const char *pass, unsigned char out[EVP_MAX_MD_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	memset(out, 0, EVP_MAX_MD_SIZE);
	if (ctx == NULL)
		return;
	/* The NUL keeps "ab"+"c" apart from "a"+"bc". */
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, user, strlen(user) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, pass, strlen(pass)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1)
		memset(out, 0, EVP_MAX_MD_SIZE);
	EVP_MD_CTX_free(ctx);
}

/* The configured user must match unless none is configured; the password always
 * goes through the hash (or the cache of the last one that did). */
static bool credentials_ok(struct hp_http *h, const char *user, const char *pass)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	digest(user, pass, d);
	pthread_mutex_lock(&h->auth_lock);
	bool ok = h->auth_cached && CRYPTO_memcmp(d, h->auth_digest, sizeof(d)) == 0;
	pthread_mutex_unlock(&h->auth_lock);
	if (ok)
		return true;
	const char *want = h->cfg->http.user;
	bool user_ok = want[0] == '\0' || strcmp(user, want) == 0;
	ok = hp_passwd_verify(pass, h->cfg->http.password_hash) && user_ok;
	if (ok) {
		pthread_mutex_lock(&h->auth_lock);
		memcpy(h->auth_digest, d, sizeof(d));
		h->auth_cached = true;
		pthread_mutex_unlock(&h->auth_lock);
	}
	return ok;
}

static bool authorized(struct hp_http *h, struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	bool ok = user != NULL && pass != NULL && credentials_ok(h, user, pass);
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user != NULL)
		MHD_free(user);
	return ok;
}

static enum MHD_Result queue_unauthorized(struct MHD_Connection *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string("authentication required"));
	struct MHD_Response *r = json_response(o);
	if (r == NULL)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_basic_auth_fail_response(c, REALM, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- static files ---- */

struct mime {
	const char *ext, *type;
};

static const struct mime MIME_TYPES[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
};

static const char *mime_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash != NULL ? slash : path, '.');
	if (dot != NULL)
		for (size_t i = 0; i < sizeof(MIME_TYPES) / sizeof(MIME_TYPES[0]); i++)
			if (strcasecmp(dot + 1, MIME_TYPES[i].ext) == 0)
				return MIME_TYPES[i].type;
	return "application/octet-stream";
}

/* A path below a served directory: segments that are not empty and do not start
 * with '.', so "..", "." and hidden files (.git, .htpasswd) are never reached. */
static bool safe_relative_path(const char *rel)
{
	const char *p = rel;
	for (;;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || p[0] == '.')
			return false;
		p += len;
		if (*p == '\0')
			return true;
		p++;
	}
}

/* Opens a regular file (a FIFO would block the server, so O_NONBLOCK; a directory
 * is never listed). Returns the fd or -1. */
static int open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

static enum MHD_Result serve_file(struct MHD_Connection *c, const char *dir, const char *rel,
				  const char *cache)
{
	char path[FILE_PATH_MAX];
	size_t rel_len = strlen(rel);
	bool index = rel_len == 0 || rel[rel_len - 1] == '/';
	int n = snprintf(path, sizeof(path), "%s/%s%s", dir, rel, index ? INDEX_FILE : "");
	if (dir[0] == '\0' || n < 0 || (size_t)n >= sizeof(path) ||
	    !safe_relative_path(path + strlen(dir) + 1))
		return queue_not_found(c);
	struct stat st;
	int fd = open_regular(path, &st);
	if (fd < 0)
		return queue_not_found(c);
	struct MHD_Response *r = MHD_create_response_from_fd((size_t)st.st_size, fd);
	if (r == NULL) {
		close(fd);
		return MHD_NO;
	}
	add_common_headers(r, mime_type(path), cache);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- POST /api/v1/prices: the one request with a body ---- */

#define PRICES_PATH "/prices"
/* A body this far over the limit is not read to its end: the connection closes
 * without the 413 (a sender of a length it announced got the 413 at once). */
#define UPLOAD_DISCARD_MAX (16 * HP_API_PRICES_BODY_MAX)

/* A body being read, kept with the connection between calls of the handler. */
struct upload {
	char *buf;
	size_t len, size;
	size_t discarded; /* bytes past the limit: the answer is 413 */
};

/* path is below the API root. */
static bool is_prices_path(const char *path)
{
	return strcmp(path, PRICES_PATH) == 0 || strcmp(path, PRICES_PATH "/") == 0;
}

/* Only JSON is taken. This also keeps web pages of other sites from pushing prices
 * through a visitor's browser: a cross-site form can send text/plain or a form
 * encoding without asking, but not application/json. */
static bool json_content_type(struct MHD_Connection *c)
{
	static const char json[] = "application/json";
	const size_t n = sizeof(json) - 1;
	const char *t =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	return t != NULL && strncasecmp(t, json, n) == 0 &&
	       (t[n] == '\0' || t[n] == ';' || t[n] == ' ');
}

static enum MHD_Result queue_too_large(struct MHD_Connection *c)
{
	char msg[64];
	snprintf(msg, sizeof(msg), "the body is larger than %d KiB", HP_API_PRICES_BODY_MAX / 1024);
	return queue_error(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
}

static enum MHD_Result queue_prices_answer(struct hp_http *h, struct MHD_Connection *c,
					   const char *body, size_t len)
{
	json_t *o = NULL;
	unsigned status = hp_api_prices_post(h->prices, body, len, &o);
	return queue_json(c, status, o, NULL);
}

/* The first call: refused at once when the body is not JSON or announced too
 * large, else reading starts. */
static enum MHD_Result start_upload(struct hp_http *h, struct MHD_Connection *c, void **con_cls)
{
	if (h->prices == NULL)
		return queue_prices_answer(h, c, "", 0);
	if (!json_content_type(c))
		return queue_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				   "the body must be a JSON array of prices (Content-Type: "
				   "application/json)");
	const char *length =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (length != NULL && strtoull(length, NULL, 10) > HP_API_PRICES_BODY_MAX)
		return queue_too_large(c);
	struct upload *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return MHD_NO;
	*con_cls = u;
	return MHD_YES;
}

static int append(struct upload *u, const char *data, size_t n)
{
	if (u->len + n > u->size) {
		size_t size = u->size == 0 ? 4096 : u->size;
		while (size < u->len + n)
			size *= 2;
		if (size > HP_API_PRICES_BODY_MAX)
			size = HP_API_PRICES_BODY_MAX;
		char *grown = realloc(u->buf, size);
		if (grown == NULL)
			return -1;
		u->buf = grown;
		u->size = size;
	}
	memcpy(u->buf + u->len, data, n);
	u->len += n;
	return 0;
}

/* The following calls: a piece of the body, or (size 0) its end. */
static enum MHD_Result continue_upload(struct hp_http *h, struct MHD_Connection *c,
				       struct upload *u, const char *data, size_t *size)
{
	if (*size > 0) {
		size_t n = *size;
		*size = 0;
		if (u->discarded == 0 && u->len + n <= HP_API_PRICES_BODY_MAX)
			return append(u, data, n) == 0 ? MHD_YES : MHD_NO;
		/* Too large (sent without a length): the rest is read and dropped, so
		 * the client still gets its 413. */
		u->discarded += u->len + n;
		u->len = 0;
		free(u->buf);
		u->buf = NULL;
		u->size = 0;
		return u->discarded > UPLOAD_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (u->discarded > 0)
		return queue_too_large(c);
	return queue_prices_answer(h, c, u->buf != NULL ? u->buf : "", u->len);
}

/* The mark of a request without a body whose headers were seen: libmicrohttpd
 * closes the connection of a request answered in its first call, so such a
 * request is answered in the second, and the connection stays open for the
 * next one (keep-alive). */
static char headers_seen;

/* A request that announces a body (a length above 0, or chunks). */
static bool has_body(struct MHD_Connection *c)
{
	const char *length =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *coding =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return (length != NULL && strtoull(length, NULL, 10) > 0) || coding != NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)c;
	(void)why;
	struct upload *u = *con_cls;
	if (u != NULL && *con_cls != &headers_seen) {
		free(u->buf);
		free(u);
		*con_cls = NULL;
	}
}

/* ---- routes ---- */

static const char *query_arg(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result serve_api(struct hp_http *h, struct MHD_Connection *c, const char *path,
				 const char *method)
{
	struct hp_api_reply reply;
	hp_api_handle(h->api, method, path, query_arg, c, hp_now_ms(), &reply);
	if (reply.text != NULL)
		return queue_json_text(c, reply.status, reply.text, reply.content_type,
				       reply.disposition);
	return queue_json(c, reply.status, reply.body, reply.allow);
}

static enum MHD_Result serve_metrics(struct hp_http *h, struct MHD_Connection *c)
{
	size_t len = 0;
	char *text = hp_metrics_render(h->state, h->cfg, hp_now_ms(), &len);
	if (text == NULL)
		return queue_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return queue_text(c, MHD_HTTP_OK, text, len, HP_METRICS_CONTENT_TYPE);
}

/* "/hanp1d" -> the same with a slash: relative links in the page then resolve
 * below the prefix. */
static enum MHD_Result redirect_to_slash(struct hp_http *h, struct MHD_Connection *c)
{
	char location[HP_PATH_MAX + 2];
	snprintf(location, sizeof(location), "%s/", h->prefix);
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_PERMANENT_REDIRECT, r);
	MHD_destroy_response(r);
	return ret;
}

static bool starts_with_segment(const char *path, const char *root)
{
	size_t n = strlen(root);
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* ---- the AMS reader compatible endpoints (api_amsreader.h) ---- */

#define AMS_REALM "Secure Area" /* the firmware's, which its clients expect */

/* The endpoint a URL names, at the root or below the prefix; HP_AMS_NONE else. */
static enum hp_ams_endpoint amsreader_endpoint(const struct hp_http *h, const char *url)
{
	enum hp_ams_endpoint e = hp_ams_endpoint_of(url);
	if (e == HP_AMS_NONE && h->prefix_len > 0 && strncmp(url, h->prefix, h->prefix_len) == 0)
		e = hp_ams_endpoint_of(url + h->prefix_len);
	return e;
}

/* The firmware's headers: never cached, by any client or proxy. */
static enum MHD_Result queue_amsreader(struct MHD_Connection *c, unsigned status,
				       struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache, no-store, must-revalidate");
	MHD_add_response_header(r, MHD_HTTP_HEADER_PRAGMA, "no-cache");
	MHD_add_response_header(r, MHD_HTTP_HEADER_EXPIRES, "-1");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Answered before the general auth: /realtime.json stays open under auth = all,
 * the rest asks with the firmware's realm; `a` of /data.json says whether the
 * caller could change the configuration. */
static enum MHD_Result serve_amsreader(struct hp_http *h, struct MHD_Connection *c,
				       enum hp_ams_endpoint e, const char *method)
{
	struct MHD_Response *r;
	if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET");
		return queue_amsreader(c, MHD_HTTP_OK, r, "text/plain");
	}
	if (!is_read(method))
		return queue_bad_method(c);
	bool authorised = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_AUTHORIZATION) != NULL &&
			  authorized(h, c);
	if (h->cfg->http.auth == HP_AUTH_ALL && !hp_ams_endpoint_open(e) && !authorised) {
		json_t *o = json_pack("{ss}", "error", "authentication required");
		r = json_response(o);
		if (r == NULL)
			return MHD_NO;
		enum MHD_Result ret = MHD_queue_basic_auth_fail_response(c, AMS_REALM, r);
		MHD_destroy_response(r);
		return ret;
	}
	struct hp_api_env env;
	hp_api_env_of(h->api, &env);
	struct hp_api_reply reply;
	hp_api_amsreader(&env, e, query_arg, c, hp_now_ms(),
			 h->cfg->http.auth == HP_AUTH_NONE || authorised, &reply);
	if (reply.text == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer_with_free_callback_cls(reply.text->len, reply.text->buf,
								   free_json_text, reply.text);
	if (r == NULL) {
		hp_json_text_free(reply.text);
		return MHD_NO;
	}
	return queue_amsreader(c, reply.status, r,
			       reply.content_type != NULL ? reply.content_type : JSON_TYPE);
}

/* path is what follows the prefix and starts with '/'. */
static enum MHD_Result route(struct hp_http *h, struct MHD_Connection *c, const char *path,
			     const char *method)
{
	if (starts_with_segment(path, API_ROOT) && is_prices_path(path + strlen(API_ROOT)))
		return queue_json(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  json_pack("{ss}", "error", "method not allowed"), "POST");
	if (starts_with_segment(path, API_ROOT))
		return serve_api(h, c, path + strlen(API_ROOT), method);
	if (!is_read(method))
		return queue_bad_method(c);
	if (strcmp(path, "/metrics") == 0)
		return serve_metrics(h, c);
	if (strncmp(path, VENDOR_ROOT, strlen(VENDOR_ROOT)) == 0)
		return serve_file(c, h->cfg->http.vendor_dir, path + strlen(VENDOR_ROOT),
				  "public, max-age=86400");
	return serve_file(c, h->cfg->http.www_dir, path + 1, "no-cache");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct hp_http *h = cls;
	(void)version;
	if (*con_cls == NULL && !has_body(c)) {
		*con_cls = &headers_seen;
		return MHD_YES;
	}
	if (*con_cls != NULL && *con_cls != &headers_seen)
		return continue_upload(h, c, *con_cls, upload_data, upload_data_size);
	*con_cls = NULL;
	/* Answered before any body is read: only POST /api/v1/prices takes a body,
	 * and a request refused early costs no upload (its connection closes). */
	hp_log(LOG_DEBUG, "http: %s %s", method, url);
	enum hp_ams_endpoint ams = amsreader_endpoint(h, url);
	if (ams != HP_AMS_NONE)
		return serve_amsreader(h, c, ams, method);
	if (auth_needed(h, method) && !authorized(h, c))
		return queue_unauthorized(c);
	if (strncmp(url, h->prefix, h->prefix_len) != 0)
		return queue_not_found(c);
	const char *rest = url + h->prefix_len;
	if (rest[0] == '\0')
		return redirect_to_slash(h, c);
	if (rest[0] != '/')
		return queue_not_found(c);
	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 && starts_with_segment(rest, API_ROOT) &&
	    is_prices_path(rest + strlen(API_ROOT)))
		return start_upload(h, c, con_cls);
	return route(h, c, rest, method);
}

/* ---- start and stop ---- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[256];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* Connection-level chatter (limits reached, clients gone): debug only. */
	hp_log(LOG_DEBUG, "http: %s", line);
}

/* Host and port to a socket address: an IPv4 or IPv6 literal (brackets allowed) or
 * a name from /etc/hosts. */
static int resolve(const char *host, uint16_t port, struct sockaddr_storage *addr, char *err,
		   size_t err_size)
{
	char name[HP_HOST_MAX];
	size_t len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		snprintf(name, sizeof(name), "%.*s", (int)(len - 2), host + 1);
	else
		snprintf(name, sizeof(name), "%s", host);
	char service[8];
	snprintf(service, sizeof(service), "%u", port);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(name[0] != '\0' ? name : NULL, service, &hints, &res);
	if (rc != 0) {
		snprintf(err, err_size, "cannot resolve listen address %s: %s", host,
			 gai_strerror(rc));
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static void normalize_prefix(struct hp_http *h, const char *prefix)
{
	snprintf(h->prefix, sizeof(h->prefix), "%s%s", prefix[0] != '/' && prefix[0] ? "/" : "",
		 prefix);
	size_t n = strlen(h->prefix);
	while (n > 0 && h->prefix[n - 1] == '/')
		h->prefix[--n] = '\0';
	h->prefix_len = n;
}

static struct MHD_Daemon *start_mhd(struct hp_http *h, const struct sockaddr_storage *addr)
{
	/* poll(), not epoll: with connections kept open, Debian 12's libmicrohttpd
	 * (0.9.75) in epoll mode stops serving them once clients go past the
	 * connection limit (a few hundred requests in seconds instead of thousands a
	 * second, measured with wrk); poll() over at most CONNECTIONS_MAX sockets
	 * holds up. */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_POLL;
	if (addr->ss_family == AF_INET6)
		flags |= MHD_USE_DUAL_STACK;
	/* MHD binds addr; the port argument only repeats it. The logger comes first:
	 * libmicrohttpd reports problems with the options after it through it. */
	return MHD_start_daemon(flags, h->cfg->http.port, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTIONS_MAX,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
}

struct hp_http *hp_http_start(const struct hp_config *cfg, struct hp_state *state,
			      struct hp_price_book *prices, char *err, size_t err_size)
{
	struct sockaddr_storage addr;
	if (resolve(cfg->http.host, cfg->http.port, &addr, err, err_size) != 0)
		return NULL;
	struct hp_http *h = calloc(1, sizeof(*h));
	if (h == NULL || (h->api = hp_api_new(cfg, state)) == NULL) {
		snprintf(err, err_size, "out of memory");
		free(h);
		return NULL;
	}
	h->cfg = cfg;
	h->state = state;
	h->prices = prices;
	hp_api_set_prices(h->api, prices);
	normalize_prefix(h, cfg->http.prefix);
	pthread_mutex_init(&h->auth_lock, NULL);
	errno = 0;
	h->mhd = start_mhd(h, &addr);
	if (h->mhd == NULL) {
		int e = errno;
		snprintf(err, err_size, "cannot listen on %s port %u: %s", cfg->http.host,
			 cfg->http.port, e != 0 ? strerror(e) : "libmicrohttpd failed");
		hp_http_stop(h);
		return NULL;
	}
	return h;
}

uint16_t hp_http_port(const struct hp_http *h)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	return info != NULL ? info->port : 0;
}

void hp_http_stop(struct hp_http *h)
{
	if (h == NULL)
		return;
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	hp_api_free(h->api);
	pthread_mutex_destroy(&h->auth_lock);
	explicit_bzero(h->auth_digest, sizeof(h->auth_digest));
	free(h);
}
