/* The price book: pushes merged into the series, snapshots, the state file read
 * back by a new book (and readable as a push), damaged and missing files, and
 * pushes and snapshots from many threads at once. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "price_book.h"

#define QUARTER_MS (15LL * 60 * 1000)
#define HOUR_MS    (4 * QUARTER_MS)
/* 2025-10-01T00:00:00+02:00, the first day of 15-minute day-ahead prices. */
#define DAY0_MS (1759269600LL * 1000)

static char dir[256];
static char state[300];
static struct hp_price_config cfg;
static struct hp_price_series snap;

static void utc_text(int64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The price of the quarter starting at ms in these tests: exact in two decimals. */
static double price_of(int64_t ms)
{
	return (double)((ms / QUARTER_MS) % 1000) / 100.0;
}

/* A JSON array of n intervals of len_ms from start_ms, priced by price_of, with an
 * export price on every other one. The caller frees it. */
static char *price_list(int64_t start_ms, int n, int64_t len_ms)
{
	size_t size = (size_t)n * 160 + 4, used = 0;
	char *text = malloc(size);
	used += (size_t)snprintf(text + used, size - used, "[");
	for (int i = 0; i < n; i++) {
		int64_t s = start_ms + i * len_ms;
		char a[32], b[32];
		utc_text(s, a, sizeof(a));
		utc_text(s + len_ms, b, sizeof(b));
		used += (size_t)snprintf(text + used, size - used,
					 "%s{\"start\": \"%s\", \"end\": \"%s\", \"price\": %.2f",
					 i ? ", " : "", a, b, price_of(s));
		if (i % 2 == 1)
			used += (size_t)snprintf(text + used, size - used,
						 ", \"export_price\": %.2f", price_of(s) / 2);
		used += (size_t)snprintf(text + used, size - used, "}");
	}
	snprintf(text + used, size - used, "]");
	return text;
}

static int push(struct hp_price_book *b, const char *text, char *err, size_t err_size)
{
	return hp_price_book_push_json(b, text, strlen(text), err, err_size);
}

static int push_list(struct hp_price_book *b, int64_t start_ms, int n, int64_t len_ms)
{
	char *text = price_list(start_ms, n, len_ms);
	char err[256] = "";
	int rc = push(b, text, err, sizeof(err));
	CHECK_MSG(rc == n, "push of %d: %d (%s)", n, rc, err);
	free(text);
	return rc;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	static char buf[256 * 1024];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Equal to the bit, point by point. */
static bool same_series(const struct hp_price_series *a, const struct hp_price_series *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct hp_price_point *x = &a->p[i], *y = &b->p[i];
		if (x->start_ms != y->start_ms || x->end_ms != y->end_ms ||
		    x->import_price != y->import_price || x->has_export != y->has_export ||
		    (x->has_export && x->export_price != y->export_price))
			return false;
	}
	return true;
}

/* ---- tests ---- */

static void test_path(void)
{
	char out[64];
	CHECK(hp_price_book_path("/var/lib/hanp1d/history.db", out, sizeof(out)));
	CHECK_STREQ(out, "/var/lib/hanp1d/prices.json");
	CHECK(hp_price_book_path("history.db", out, sizeof(out)));
	CHECK_STREQ(out, "./prices.json");
	CHECK(hp_price_book_path("/history.db", out, sizeof(out)));
	CHECK_STREQ(out, "/prices.json");
	CHECK(!hp_price_book_path("/a/long/state/directory/history.db", out, 20));
}

static void test_push_and_snapshot(void)
{
	struct hp_price_book *b = hp_price_book_new(&cfg, NULL);
	CHECK(b != NULL);
	if (b == NULL)
		return;
	CHECK(hp_price_book_config(b) == &cfg);
	struct hp_price_book_status st;
	hp_price_book_status(b, &st);
	CHECK_INT(st.points, 0);
	CHECK_INT(st.last_end_ms, 0);

	/* The first hour in quarters, sent out of order. */
	char err[256];
	const char *text =
	    "[{\"start\": \"2025-10-01T00:15:00+02:00\", \"end\": \"2025-10-01T00:30:00+02:00\","
	    "  \"price\": 1.35},"
	    " {\"start\": \"2025-09-30T22:00Z\", \"end\": \"2025-09-30T22:15Z\", \"price\": 1.2,"
	    "  \"export_price\": 0.9},"
	    " {\"start\": \"2025-10-01T00:30:00+02:00\", \"end\": \"2025-10-01T00:45:00+02:00\","
	    "  \"price\": 2.1, \"export_price\": null},"
	    " {\"start\": \"2025-10-01T00:45:00+02:00\", \"end\": \"2025-10-01T01:00:00+02:00\","
	    "  \"price\": -0.05}]";
	CHECK_INT(push(b, text, err, sizeof(err)), 4);
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, 4);
	static const double want[4] = {1.2, 1.35, 2.1, -0.05};
	for (size_t i = 0; i < snap.count && i < 4; i++) {
		CHECK_INT(snap.p[i].start_ms, DAY0_MS + (int64_t)i * QUARTER_MS);
		CHECK_INT(snap.p[i].end_ms, DAY0_MS + (int64_t)(i + 1) * QUARTER_MS);
		CHECK_NEAR(snap.p[i].import_price, want[i]);
		CHECK(snap.p[i].has_export == (i == 0));
	}
	CHECK_NEAR(snap.p[0].export_price, 0.9);
	hp_price_book_status(b, &st);
	CHECK_INT(st.points, 4);
	CHECK_INT(st.first_start_ms, DAY0_MS);
	CHECK_INT(st.last_end_ms, DAY0_MS + HOUR_MS);

	/* An hourly price for the same hour supersedes the quarters; the next hour
	 * is added beside it. */
	push_list(b, DAY0_MS, 2, HOUR_MS);
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, 2);
	CHECK_INT(snap.p[0].end_ms - snap.p[0].start_ms, HOUR_MS);
	CHECK_NEAR(snap.p[1].import_price, price_of(DAY0_MS + HOUR_MS));

	/* A refused push names the element and field, and changes nothing. */
	const char *bad =
	    "[{\"start\": \"2025-10-02T00:00Z\", \"end\": \"2025-10-02T00:15Z\", \"price\": 1},"
	    " {\"start\": \"2025-10-02T00:15Z\", \"end\": \"2025-10-02T00:20Z\", \"price\": 1}]";
	err[0] = '\0';
	CHECK_INT(push(b, bad, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "prices[1]") != NULL, "%s", err);
	CHECK_INT(push(b, "{\"start\": 1}", err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "array") != NULL, "%s", err);
	CHECK_INT(push(b, "[1, 2", err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "not valid JSON") != NULL, "%s", err);
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, 2);
	/* An empty list is taken, and takes nothing. */
	CHECK_INT(push(b, "[]", err, sizeof(err)), 0);
	/* A week and a day of quarters: more than one push may hold. */
	char *huge = price_list(DAY0_MS, HP_PRICE_POINTS_MAX + 1, QUARTER_MS);
	CHECK_INT(push(b, huge, err, sizeof(err)), -1);
	CHECK_MSG(strstr(err, "at most 700") != NULL, "%s", err);
	free(huge);
	hp_price_book_free(b);
	hp_price_book_free(NULL);
}

static void test_persistence(void)
{
	unlink(state);
	struct hp_price_book *b = hp_price_book_new(&cfg, state);
	CHECK(b != NULL);
	if (b == NULL)
		return;
	/* A missing file is an empty series, and nothing is written until a push. */
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, 0);
	CHECK(access(state, F_OK) != 0);
	push_list(b, DAY0_MS, 96, QUARTER_MS);
	push_list(b, DAY0_MS + 24 * HOUR_MS, 24, HOUR_MS);
	static struct hp_price_series before;
	hp_price_book_snapshot(b, &before);
	CHECK_INT(before.count, 120);
	hp_price_book_free(b);

	/* The file is what a push takes, readable, and nothing is left beside it. */
	char *text = read_file(state);
	CHECK(text != NULL);
	if (text != NULL) {
		char first[128];
		snprintf(
		    first, sizeof(first),
		    "[\n{\"start\": \"2025-09-30T22:00:00Z\", \"end\": \"2025-09-30T22:15:00Z\", "
		    "\"price\": %.15g},\n{",
		    price_of(DAY0_MS));
		CHECK_MSG(strncmp(text, first, strlen(first)) == 0, "%.100s", text);
		CHECK(text[strlen(text) - 2] == ']');
		static struct hp_price_point parsed[HP_PRICE_POINTS_MAX];
		size_t n = 0;
		char err[256] = "";
		CHECK_MSG(hp_prices_parse_json(text, strlen(text), parsed, HP_PRICE_POINTS_MAX, &n,
					       err, sizeof(err)) == 0,
			  "%s", err);
		CHECK_INT(n, 120);
	}
	char tmp[320];
	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	CHECK(access(tmp, F_OK) != 0);

	/* A new book (a restart) has the same series, to the bit. */
	b = hp_price_book_new(&cfg, state);
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, before.count);
	CHECK(same_series(&snap, &before));
	hp_price_book_free(b);
}

static void test_damaged_files(void)
{
	static const char *const damaged[] = {
	    "",
	    "garbage",
	    "[{\"start\": \"2025-09-30T22:00:00Z\", \"end\": \"2025-09-30T22:15:00Z\"",
	    "[{\"start\": \"2025-09-30T22:00:00Z\", \"end\": \"2025-09-30T22:07:00Z\", "
	    "\"price\": 1}]",
	    "{\"prices\": []}",
	};
	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		check_write_text(state, damaged[i]);
		struct hp_price_book *b = hp_price_book_new(&cfg, state);
		CHECK(b != NULL);
		if (b == NULL)
			continue;
		hp_price_book_snapshot(b, &snap);
		CHECK_MSG(snap.count == 0, "damaged file %zu: %zu points", i, snap.count);
		/* The next push replaces the damaged file. */
		push_list(b, DAY0_MS, 4, QUARTER_MS);
		hp_price_book_free(b);
		b = hp_price_book_new(&cfg, state);
		hp_price_book_snapshot(b, &snap);
		CHECK_INT(snap.count, 4);
		hp_price_book_free(b);
	}
	/* A directory where the file should be: unreadable, ignored; pushes are still
	 * taken (they only do not survive a restart). */
	char sub[320];
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	CHECK(mkdir(sub, 0700) == 0);
	struct hp_price_book *b = hp_price_book_new(&cfg, sub);
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, 0);
	push_list(b, DAY0_MS, 4, QUARTER_MS);
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, 4);
	hp_price_book_free(b);
	rmdir(sub);
}

/* ---- threads ---- */

#define WRITERS      4
#define READERS      4
#define PUSHES       25
#define DAY_QUARTERS 96

struct worker {
	struct hp_price_book *b;
	int index;
	int bad; /* inconsistencies seen */
};

/* Writer i pushes day i again and again, alternating the whole day and half of it
 * (the same prices: price_of depends on the time only). */
static void *writer(void *arg)
{
	struct worker *w = arg;
	int64_t day = DAY0_MS + (int64_t)w->index * 24 * HOUR_MS;
	char *full = price_list(day, DAY_QUARTERS, QUARTER_MS);
	char *half = price_list(day + 12 * HOUR_MS, DAY_QUARTERS / 2, QUARTER_MS);
	for (int k = 0; k < PUSHES; k++) {
		char err[256];
		const char *text = k % 2 == 0 ? full : half;
		int want = k % 2 == 0 ? DAY_QUARTERS : DAY_QUARTERS / 2;
		if (hp_price_book_push_json(w->b, text, strlen(text), err, sizeof(err)) != want)
			w->bad++;
	}
	free(full);
	free(half);
	return NULL;
}

/* A snapshot is sorted, never overlapping, and every price is the one sent. */
static void *reader(void *arg)
{
	struct worker *w = arg;
	struct hp_price_series *s = malloc(sizeof(*s));
	for (int k = 0; k < PUSHES * 4; k++) {
		hp_price_book_snapshot(w->b, s);
		if (s->count > HP_PRICE_POINTS_MAX)
			w->bad++;
		for (size_t i = 0; i < s->count && i < HP_PRICE_POINTS_MAX; i++) {
			const struct hp_price_point *p = &s->p[i];
			if (p->end_ms - p->start_ms != QUARTER_MS ||
			    p->import_price != price_of(p->start_ms) ||
			    (i > 0 && p->start_ms < s->p[i - 1].end_ms))
				w->bad++;
		}
		struct hp_price_book_status st;
		hp_price_book_status(w->b, &st);
		if (st.points > HP_PRICE_POINTS_MAX || (st.points > 0 && st.last_end_ms <= 0))
			w->bad++;
	}
	free(s);
	return NULL;
}

static void test_threads(void)
{
	unlink(state);
	struct hp_price_book *b = hp_price_book_new(&cfg, state);
	CHECK(b != NULL);
	if (b == NULL)
		return;
	pthread_t t[WRITERS + READERS];
	struct worker w[WRITERS + READERS];
	for (int i = 0; i < WRITERS + READERS; i++) {
		w[i] = (struct worker){b, i, 0};
		CHECK(pthread_create(&t[i], NULL, i < WRITERS ? writer : reader, &w[i]) == 0);
	}
	for (int i = 0; i < WRITERS + READERS; i++) {
		pthread_join(t[i], NULL);
		CHECK_MSG(w[i].bad == 0, "%s %d: %d inconsistencies",
			  i < WRITERS ? "writer" : "reader", i, w[i].bad);
	}
	hp_price_book_snapshot(b, &snap);
	CHECK_INT(snap.count, WRITERS * DAY_QUARTERS);
	hp_price_book_free(b);
	/* The file holds the last merge: the whole series. */
	b = hp_price_book_new(&cfg, state);
	static struct hp_price_series again;
	hp_price_book_snapshot(b, &again);
	CHECK_INT(again.count, WRITERS * DAY_QUARTERS);
	CHECK(same_series(&again, &snap));
	hp_price_book_free(b);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/hp-prices-XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(state, sizeof(state), "%s/prices.json", dir);
	hp_price_config_init(&cfg);

	test_path();
	test_push_and_snapshot();
	test_persistence();
	test_damaged_files();
	test_threads();

	unlink(state);
	rmdir(dir);
	return check_report("price_book");
}
