/* Sources with real parts: pty pairs stand in for the serial port (a device that
 * vanishes and comes back), a loopback TCP listener for a ser2net or WiFi dongle
 * (killed and restarted), temp capture files for replay, and the simulator. Each
 * check reads what arrives in the ring and the status the API would show. */
#define _GNU_SOURCE /* posix_openpt, ptsname_r, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "hanp1d/decode.h"
#include "line_memo.h"
#include "log.h"
#include "meters.h"
#include "ring.h"
#include "source.h"
#include "source_internal.h"
#include "state.h"

#define RING_CAP (1u << 16)
/* The device comes back and the source must read again within this. */
#define REOPEN_MS 5000
#define WAIT_MS   3000

static char scratch[128];

static int64_t now_ms(void)
{
	return hp_mono_ms();
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

typedef bool (*status_test)(const struct hp_source_status *st, const void *arg);

/* Polls the status until test holds; false on timeout (st has the last status). */
static bool wait_status(struct hp_source *s, status_test test, const void *arg, int timeout_ms,
			struct hp_source_status *st)
{
	int64_t until = now_ms() + timeout_ms;
	do {
		hp_source_get_status(s, st);
		if (test(st, arg))
			return true;
		sleep_ms(20);
	} while (now_ms() < until);
	return false;
}

static bool in_state(const struct hp_source_status *st, const void *arg)
{
	return st->state == *(const enum hp_source_state *)arg;
}

static bool detail_has(const struct hp_source_status *st, const void *arg)
{
	return strstr(st->detail, arg) != NULL;
}

/* Retrying, and the detail says why (the detail is set just before the state). */
static bool retrying_for(const struct hp_source_status *st, const void *arg)
{
	return st->state == HP_SOURCE_RETRYING && detail_has(st, arg);
}

/* The status is updated right after the ring, so a reader can be ahead of it. */
static bool bytes_at_least(const struct hp_source_status *st, const void *arg)
{
	return st->bytes >= *(const uint64_t *)arg;
}

static bool running(struct hp_source *s, int timeout_ms, struct hp_source_status *st)
{
	const enum hp_source_state want = HP_SOURCE_RUNNING;
	return wait_status(s, in_state, &want, timeout_ms, st);
}

/* Reads exactly n bytes from the ring (waiting on its eventfd); false on timeout. */
static bool ring_take(struct hp_ring *r, uint8_t *out, size_t n, int timeout_ms)
{
	int64_t until = now_ms() + timeout_ms;
	size_t got = 0;
	while (got < n) {
		hp_ring_drain_wake(r);
		got += hp_ring_read(r, out + got, n - got);
		if (got == n)
			break;
		int left = (int)(until - now_ms());
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = r->wake_fd, .events = POLLIN};
		poll(&p, 1, left);
	}
	return true;
}

static void ring_discard(struct hp_ring *r)
{
	uint8_t junk[4096];
	while (hp_ring_read(r, junk, sizeof(junk)) > 0)
		;
}

static struct hp_meter_config meter(enum hp_source_kind kind, const char *path)
{
	struct hp_meter_config m = {.kind = kind, .speed = 1, .phases = 3};
	snprintf(m.name, sizeof(m.name), "test");
	snprintf(m.path, sizeof(m.path), "%s", path);
	return m;
}

/* ---- pty ---- */

struct pty {
	int master;
	char slave[64];
};

static bool pty_open(struct pty *p, const char *link)
{
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0 || grantpt(p->master) != 0 || unlockpt(p->master) != 0)
		return false;
	if (ptsname_r(p->master, p->slave, sizeof(p->slave)) != 0)
		return false;
	unlink(link);
	return symlink(p->slave, link) == 0;
}

static bool pty_write(struct pty *p, const uint8_t *data, size_t n)
{
	return write(p->master, data, n) == (ssize_t)n;
}

/* Every byte value, so that FF (doubled by PARMRK) and 00 pass through. */
static void all_bytes(uint8_t *b, uint8_t salt)
{
	for (int i = 0; i < 256; i++)
		b[i] = (uint8_t)(i ^ salt);
}

static void test_serial_reopen(void)
{
	char link[HP_PATH_MAX];
	snprintf(link, sizeof(link), "%s/ttyMETER", scratch);
	struct pty p;
	CHECK(pty_open(&p, link));
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_SERIAL, link);
	m.baud = 2400;
	m.parity = HP_PARITY_8N1;
	m.request_lines = HP_LINES_BOTH; /* a pty has no modem lines: tolerated */
	struct hp_source *s = hp_source_start(&m, &ring, NULL);
	struct hp_source_status st;
	CHECK_MSG(running(s, WAIT_MS, &st), "state %s: %s", hp_source_state_name(st.state),
		  st.detail);
	CHECK_INT(st.baud, 2400);
	CHECK_INT(st.parity, HP_PARITY_8N1);
	CHECK(!st.detected);

	uint8_t sent[256], got[256];
	all_bytes(sent, 0);
	CHECK(pty_write(&p, sent, sizeof(sent)));
	CHECK(ring_take(&ring, got, sizeof(got), WAIT_MS));
	CHECK(memcmp(sent, got, sizeof(got)) == 0);
	const uint64_t all = 256;
	CHECK(wait_status(s, bytes_at_least, &all, WAIT_MS, &st));
	CHECK_INT(st.bytes, 256);
	CHECK_INT(st.line_errors, 0);
	CHECK(st.last_byte_ms > 0);

	/* Unplugged: the device node goes away. */
	int64_t gone = now_ms();
	close(p.master);
	unlink(link);
	CHECK_MSG(wait_status(s, retrying_for, "(unplugged?)", WAIT_MS, &st), "detail \"%s\"",
		  st.detail);
	CHECK(strstr(st.detail, link) != NULL);
	CHECK(strstr(st.detail, "No such file or directory") != NULL);

	/* Plugged in again: reading resumes without a restart. */
	CHECK(pty_open(&p, link));
	int64_t back = now_ms();
	CHECK_MSG(running(s, REOPEN_MS, &st), "state %s: %s", hp_source_state_name(st.state),
		  st.detail);
	printf("serial: gone for %lld ms, reopened %lld ms after it came back\n",
	       (long long)(back - gone), (long long)(now_ms() - back));
	CHECK_STREQ(st.detail, "");
	CHECK_INT(st.reconnects, 1);
	all_bytes(sent, 0x5A);
	CHECK(pty_write(&p, sent, sizeof(sent)));
	CHECK(ring_take(&ring, got, sizeof(got), WAIT_MS));
	CHECK(memcmp(sent, got, sizeof(got)) == 0);
	CHECK_INT(atomic_load(&ring.dropped), 0);

	int64_t t0 = now_ms();
	hp_source_stop(s);
	CHECK(now_ms() - t0 < 500);
	close(p.master);
	unlink(link);
	hp_ring_free(&ring);
}

/* Frames of a meter, written one after another as it would push them. */
static size_t kamstrup_frame(uint8_t *out, size_t cap, unsigned index)
{
	struct hp_enc_values v;
	struct hp_enc_link link;
	hp_enc_values_example(&v, 3);
	v.energy_import_kwh += index;
	hp_enc_meter_default_link(HP_PROFILE_KAMSTRUP_LIST2, &link);
	struct hp_buf b;
	hp_buf_init(&b, out, cap);
	return hp_enc_meter_frames(&b, HP_PROFILE_KAMSTRUP_LIST2, &v, &link) == 0 ? b.len : 0;
}

static bool detected(const struct hp_source_status *st, const void *arg)
{
	(void)arg;
	return st->state == HP_SOURCE_RUNNING && st->detected;
}

/* Autodetection on a pty: the bytes are exact at any setting, so the first
 * candidate (2400 8N1) validates; then frames flow into the ring. */
static void test_serial_autodetect(void)
{
	char link[HP_PATH_MAX];
	snprintf(link, sizeof(link), "%s/ttyAUTO", scratch);
	struct pty p;
	CHECK(pty_open(&p, link));
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_SERIAL, link);
	char memo[HP_PATH_MAX];
	snprintf(memo, sizeof(memo), "%s/line-auto.txt", scratch);
	const struct hp_source_opts opts = {.detect_window_ms = 500, .line_memo = memo};
	struct hp_source *s = hp_source_start_opts(&m, &ring, &opts);
	const enum hp_source_state want = HP_SOURCE_DETECTING;
	struct hp_source_status st;
	CHECK(wait_status(s, in_state, &want, WAIT_MS, &st));
	uint8_t frame[2048];
	bool ok = false;
	int64_t until = now_ms() + WAIT_MS;
	for (unsigned i = 0; !ok && now_ms() < until; i++) {
		size_t n = kamstrup_frame(frame, sizeof(frame), i);
		CHECK(n > 0 && pty_write(&p, frame, n));
		sleep_ms(100);
		hp_source_get_status(s, &st);
		ok = detected(&st, NULL);
	}
	CHECK_MSG(ok, "state %s: %s", hp_source_state_name(st.state), st.detail);
	CHECK_INT(st.baud, 2400);
	CHECK_INT(st.parity, HP_PARITY_8N1);
	/* Running: the next frame arrives whole. */
	ring_discard(&ring);
	size_t n = kamstrup_frame(frame, sizeof(frame), 99);
	CHECK(pty_write(&p, frame, n));
	uint8_t got[2048];
	CHECK(ring_take(&ring, got, n, WAIT_MS));
	CHECK(memcmp(frame, got, n) == 0);
	/* Confirmed by the next frames: the setting is kept for the next start. */
	struct hp_line_setting kept = {0};
	until = now_ms() + WAIT_MS;
	for (unsigned i = 100; !hp_line_memo_load(memo, link, &kept) && now_ms() < until; i++) {
		n = kamstrup_frame(frame, sizeof(frame), i);
		CHECK(pty_write(&p, frame, n));
		sleep_ms(100);
	}
	CHECK_INT(kept.baud, 2400);
	CHECK_INT(kept.parity, HP_PARITY_8N1);
	hp_source_stop(s);
	close(p.master);
	unlink(link);
	unlink(memo);
	hp_ring_free(&ring);
}

/* A restart with a kept setting reads at it at once, without listening; a setting
 * kept for another device, or one the config rules out, is ignored. */
static void test_serial_line_memo(void)
{
	char link[HP_PATH_MAX], memo[HP_PATH_MAX];
	snprintf(link, sizeof(link), "%s/ttyMEMO", scratch);
	snprintf(memo, sizeof(memo), "%s/line-memo.txt", scratch);
	struct pty p;
	CHECK(pty_open(&p, link));
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_SERIAL, link);
	const struct hp_source_opts opts = {.detect_window_ms = 60000, .line_memo = memo};
	const struct {
		const char *device;
		enum hp_parity configured;
		enum hp_source_state want;
	} cases[] = {
	    {link, HP_PARITY_AUTO, HP_SOURCE_RUNNING},
	    {"/dev/ttyOTHER", HP_PARITY_AUTO, HP_SOURCE_DETECTING},
	    {link, HP_PARITY_8N1, HP_SOURCE_DETECTING},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hp_line_setting at = {.baud = 9600, .parity = HP_PARITY_8E1};
		CHECK(hp_line_memo_save(memo, cases[i].device, at) == 0);
		m.parity = cases[i].configured;
		struct hp_source *s = hp_source_start_opts(&m, &ring, &opts);
		struct hp_source_status st;
		CHECK_MSG(wait_status(s, in_state, &cases[i].want, WAIT_MS, &st), "case %zu: %s %s",
			  i, hp_source_state_name(st.state), st.detail);
		if (cases[i].want == HP_SOURCE_RUNNING) {
			CHECK_INT(st.baud, 9600);
			CHECK_INT(st.parity, HP_PARITY_8E1);
		}
		hp_source_stop(s);
	}
	close(p.master);
	unlink(link);
	unlink(memo);
	hp_ring_free(&ring);
}

/* A silent line: after one pass over the candidates the status says so. */
static void test_serial_silent(void)
{
	char link[HP_PATH_MAX];
	snprintf(link, sizeof(link), "%s/ttySILENT", scratch);
	struct pty p;
	CHECK(pty_open(&p, link));
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_SERIAL, link);
	const struct hp_source_opts opts = {.detect_window_ms = 150};
	struct hp_source *s = hp_source_start_opts(&m, &ring, &opts);
	struct hp_source_status st;
	CHECK_MSG(wait_status(s, detail_has, "no bytes at all", WAIT_MS, &st), "detail \"%s\"",
		  st.detail);
	CHECK_INT(st.state, HP_SOURCE_DETECTING);
	CHECK(!st.detected);
	hp_source_stop(s);
	close(p.master);
	unlink(link);
	hp_ring_free(&ring);
}

/* ---- TCP ---- */

static int tcp_listen(uint16_t port, uint16_t *bound)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1) != 0) {
		close(fd);
		return -1;
	}
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*bound = ntohs(a.sin_port);
	return fd;
}

static int tcp_accept(int lfd, int timeout_ms)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static void test_tcp_reconnect(void)
{
	uint16_t port;
	int lfd = tcp_listen(0, &port);
	CHECK(lfd >= 0);
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_TCP, "");
	snprintf(m.host, sizeof(m.host), "127.0.0.1");
	m.port = port;
	struct hp_source *s = hp_source_start(&m, &ring, NULL);
	int cfd = tcp_accept(lfd, WAIT_MS);
	CHECK(cfd >= 0);
	struct hp_source_status st;
	CHECK(running(s, WAIT_MS, &st));
	uint8_t sent[256], got[256];
	all_bytes(sent, 0x33);
	CHECK(write(cfd, sent, sizeof(sent)) == (ssize_t)sizeof(sent));
	CHECK(ring_take(&ring, got, sizeof(got), WAIT_MS));
	CHECK(memcmp(sent, got, sizeof(got)) == 0);

	/* The dongle goes away: connection closed, then nothing listening. */
	close(cfd);
	close(lfd);
	CHECK_MSG(wait_status(s, detail_has, "connection closed by the peer", WAIT_MS, &st),
		  "detail \"%s\"", st.detail);
	CHECK_MSG(wait_status(s, detail_has, "connection refused", WAIT_MS, &st), "detail \"%s\"",
		  st.detail);
	char url[64];
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	CHECK(strstr(st.detail, url) == st.detail);

	/* Back: the source reconnects by itself. */
	uint16_t again;
	lfd = tcp_listen(port, &again);
	CHECK(lfd >= 0 && again == port);
	cfd = tcp_accept(lfd, REOPEN_MS);
	CHECK(cfd >= 0);
	CHECK(running(s, WAIT_MS, &st));
	CHECK_INT(st.reconnects, 1);
	CHECK_STREQ(st.detail, "");
	all_bytes(sent, 0xC3);
	CHECK(write(cfd, sent, sizeof(sent)) == (ssize_t)sizeof(sent));
	CHECK(ring_take(&ring, got, sizeof(got), WAIT_MS));
	CHECK(memcmp(sent, got, sizeof(got)) == 0);
	hp_source_stop(s);
	close(cfd);
	close(lfd);
	hp_ring_free(&ring);
}

/* ---- replay ---- */

/* A capture of 200 bytes, as hex text with a comment or as raw bytes (which are
 * not hex text: they hold bytes >= 0x80). */
static void write_capture(const char *path, uint8_t *bytes, size_t n, bool hex)
{
	FILE *f = fopen(path, "w");
	if (hex)
		fprintf(f, "# a capture\n");
	for (size_t i = 0; i < n; i++) {
		bytes[i] = (uint8_t)(i * 7 + 3);
		if (hex)
			fprintf(f, "%02X%c", bytes[i], i % 16 == 15 ? '\n' : ' ');
	}
	if (hex)
		fprintf(f, "\n");
	else
		fwrite(bytes, 1, n, f);
	fclose(f);
}

/* The bytes must be the capture played over and over from its start. */
static bool looped(const uint8_t *got, size_t n, const uint8_t *cap, size_t cap_len)
{
	for (size_t i = 0; i < n; i++) {
		if (got[i] != cap[i % cap_len])
			return false;
	}
	return true;
}

static void test_replay(double speed, size_t want, bool hex)
{
	char path[HP_PATH_MAX];
	snprintf(path, sizeof(path), "%s/capture", scratch);
	uint8_t cap[200];
	write_capture(path, cap, sizeof(cap), hex);
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_REPLAY, path);
	m.speed = speed;
	int64_t t0 = now_ms();
	struct hp_source *s = hp_source_start(&m, &ring, NULL);
	uint8_t *got = malloc(want);
	CHECK(ring_take(&ring, got, want, WAIT_MS));
	int64_t took = now_ms() - t0;
	CHECK_MSG(looped(got, want, cap, sizeof(cap)), "speed %g: not the capture in a loop",
		  speed);
	struct hp_source_status st;
	const uint64_t all = want;
	CHECK(wait_status(s, bytes_at_least, &all, WAIT_MS, &st));
	CHECK_INT(st.state, HP_SOURCE_RUNNING);
	if (speed > 0) {
		/* 240 bytes/s times the speed: no faster than that. */
		double expect_ms = (double)want / (240.0 * speed) * 1000.0;
		CHECK_MSG((double)took >= expect_ms * 0.8, "%lld ms for %zu bytes at speed %g",
			  (long long)took, want, speed);
	} else {
		CHECK_INT(atomic_load(&ring.dropped), 0);
	}
	hp_source_stop(s);
	free(got);
	unlink(path);
	hp_ring_free(&ring);
}

static void test_replay_missing(void)
{
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	char path[HP_PATH_MAX];
	snprintf(path, sizeof(path), "%s/none.hex", scratch);
	struct hp_meter_config m = meter(HP_SOURCE_REPLAY, path);
	struct hp_source *s = hp_source_start(&m, &ring, NULL);
	struct hp_source_status st;
	CHECK(wait_status(s, retrying_for, "No such file or directory", WAIT_MS, &st));
	/* Stopping does not wait for the backoff to end. */
	int64_t t0 = now_ms();
	hp_source_stop(s);
	CHECK(now_ms() - t0 < 500);
	hp_ring_free(&ring);
}

/* A thread blocked in a call that does not return is not alive (the daemon then
 * stops pinging systemd's watchdog): a replay of a FIFO nobody writes to blocks in
 * open(). Once a writer comes, the thread turns again. */
static void test_stuck_thread(void)
{
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	char path[HP_PATH_MAX];
	snprintf(path, sizeof(path), "%s/fifo", scratch);
	CHECK(mkfifo(path, 0600) == 0);
	struct hp_meter_config m = meter(HP_SOURCE_REPLAY, path);
	struct hp_source *s = hp_source_start(&m, &ring, NULL);
	CHECK(hp_source_alive(s, hp_mono_ms(), 200)); /* just started */
	usleep(500 * 1000);
	CHECK(!hp_source_alive(s, hp_mono_ms(), 200));
	/* A writer: open() returns, the FIFO is refused (not a capture file) and the
	 * thread waits its backoff, turning. */
	int w = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(w >= 0);
	struct hp_source_status st;
	CHECK(wait_status(s, retrying_for, "", WAIT_MS, &st));
	CHECK(hp_source_alive(s, hp_mono_ms(), 200));
	hp_source_stop(s);
	close(w);
	unlink(path);
	hp_ring_free(&ring);
}

/* ---- simulator ---- */

struct tally {
	unsigned readings, errors;
};

static void count_event(void *ctx, const struct hp_event *ev)
{
	struct tally *t = ctx;
	if (ev->reading != NULL)
		t->readings++;
	else
		t->errors++;
}

/* The frames decode with the meter's own keys. */
static void test_sim(const char *profile, double speed, bool own_keys)
{
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_SIM, profile);
	m.speed = speed;
	if (own_keys) {
		m.keys.has_ek = m.keys.has_ak = true;
		for (int i = 0; i < HP_KEY_LEN; i++) {
			m.keys.ek[i] = (uint8_t)(0xA0 + i);
			m.keys.ak[i] = (uint8_t)(0x50 + i);
		}
	}
	struct tally t = {0};
	struct hp_decoder_config dc = {.keys = m.keys, .on_event = count_event, .ctx = &t};
	struct hp_decoder *d = hp_decoder_new(&dc);
	struct hp_source *s = hp_source_start(&m, &ring, NULL);
	int64_t until = now_ms() + WAIT_MS;
	while (t.readings < 3 && now_ms() < until) {
		uint8_t buf[4096];
		struct pollfd p = {.fd = ring.wake_fd, .events = POLLIN};
		poll(&p, 1, 100);
		hp_ring_drain_wake(&ring);
		size_t n;
		while ((n = hp_ring_read(&ring, buf, sizeof(buf))) > 0)
			hp_decoder_feed(d, buf, n, (uint64_t)now_ms());
	}
	CHECK_MSG(t.readings >= 3, "%s: %u readings, %u errors", profile, t.readings, t.errors);
	CHECK_INT(t.errors, 0);
	hp_source_stop(s);
	hp_decoder_free(d);
	hp_ring_free(&ring);
}

static void test_sim_unknown(void)
{
	struct hp_ring ring;
	hp_ring_init(&ring, RING_CAP);
	struct hp_meter_config m = meter(HP_SOURCE_SIM, "no-such-meter");
	struct hp_source *s = hp_source_start(&m, &ring, NULL);
	struct hp_source_status st;
	CHECK(wait_status(s, detail_has, "no such simulator family or profile", WAIT_MS, &st));
	hp_source_stop(s);
	hp_ring_free(&ring);
}

int main(void)
{
	hp_log_level = LOG_ERR; /* the warnings are what the statuses show */
	const char *tmp = getenv("TMPDIR");
	snprintf(scratch, sizeof(scratch), "%s/hp-sources-XXXXXX", tmp != NULL ? tmp : P_tmpdir);
	if (mkdtemp(scratch) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_serial_reopen();
	test_serial_autodetect();
	test_serial_line_memo();
	test_serial_silent();
	test_tcp_reconnect();
	test_replay(1000, 6000, true);  /* 240 kB/s: 30 loops of the capture in 25 ms */
	test_replay(20, 1000, true);    /* 4.8 kB/s: paced */
	test_replay(1000, 6000, false); /* a raw capture */
	test_replay(0, 200000, true);   /* as fast as the ring takes it, nothing dropped */
	test_replay_missing();
	test_stuck_thread();
	test_sim("kamstrup-list2", 100, false); /* a frame every 100 ms */
	test_sim("kamstrup-dk", 100, true);     /* encrypted with the meter's own keys */
	test_sim("dsmr50-nl", 10, false);       /* 1 s frames at 10x */
	test_sim_unknown();
	rmdir(scratch);
	return check_report("sources");
}
