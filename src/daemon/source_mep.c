/* mep: sources (mep.md 5): an OSGP meter's MEP port, which speaks only when asked.
 * The source thread opens the port at 9600 8N1, drives the core's MEP client
 * (mep_client.h) with the bytes it reads and the clock, writes the requests the
 * client makes, works the ENABLE line, and posts the client's readings and errors
 * to the daemon as events: the answers are decoded here, so nothing goes through
 * the ring. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "mep_client.h"
#include "parmrk.h"
#include "source_internal.h"

/* The meter's default (ET13 can change it; no meter seen here does). */
#define MEP_BAUD 9600
/* The longest wait before the client's timers are looked at again. */
#define MEP_WAIT_MAX_MS 1000
/* A request is a few dozen bytes, gone in tens of milliseconds at 9600 baud; an
 * output that stays full this long is a stuck adapter. */
#define MEP_WRITE_TIMEOUT_MS 2000
/* A read takes what the driver buffered; PARMRK may double bytes. */
#define MEP_READ_MAX 1024

/* How a step of the session went. */
enum step {
	STEP_ON,
	STEP_RETRY, /* the port failed or the client asks for a reopen */
	STEP_STOP,
};

struct mep_link {
	struct hp_source *s;
	int fd;
	struct hp_parmrk pm;
	struct hp_mep_client client;
	enum hp_mep_diagnosis told; /* the diagnosis the status detail last said */
};

static int enable_bits(enum hp_request_lines line)
{
	switch (line) {
	case HP_LINES_DTR:
		return TIOCM_DTR;
	case HP_LINES_RTS:
		return TIOCM_RTS;
	case HP_LINES_BOTH:
		return TIOCM_DTR | TIOCM_RTS;
	default:
		return 0;
	}
}

/* ENABLE up or down. A pty or an adapter without modem lines refuses: that is
 * said once, and the meter is read without (its port may be enabled anyway). */
static void set_enable(struct mep_link *l, bool up)
{
	int bits = enable_bits(l->s->m.enable_line);
	if (bits == 0 || ioctl(l->fd, up ? TIOCMBIS : TIOCMBIC, &bits) == 0 || l->s->lines_warned)
		return;
	l->s->lines_warned = true;
	hp_log(LOG_NOTICE, "meter %s: %s: cannot work the ENABLE line (%s); reading without it",
	       l->s->m.name, l->s->m.path, strerror(errno));
}

/* Writes a request whole. */
static enum step send_all(struct mep_link *l, const uint8_t *p, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(l->fd, p + done, n - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			hp_source_fail(l->s, "%s: write: %s (device gone?)", l->s->m.path,
				       strerror(errno));
			return STEP_RETRY;
		}
		switch (hp_source_wait(l->s, l->fd, POLLOUT, MEP_WRITE_TIMEOUT_MS, NULL)) {
		case HP_WAIT_STOP:
			return STEP_STOP;
		case HP_WAIT_TIMEOUT:
			hp_source_fail(l->s, "%s: the adapter takes no bytes to send",
				       l->s->m.path);
			return STEP_RETRY;
		default:
			break;
		}
	}
	return STEP_ON;
}

static void post_output(struct mep_link *l, const struct hp_mep_output *out)
{
	struct hp_source_event ev;
	if (out->has_reading) {
		ev.is_reading = true;
		ev.reading = out->reading;
		hp_source_post_event(l->s, &ev);
	}
	if (out->has_error) {
		ev.is_reading = false;
		ev.error = out->error;
		hp_source_post_event(l->s, &ev);
	}
}

/* The client's counters and diagnosis into the status; a problem goes into the
 * detail (and the log, at a limited rate) once, and its end is said once. */
static void report(struct mep_link *l)
{
	const struct hp_mep_client *c = &l->client;
	hp_source_set_mep(l->s, c->diag, &c->stats);
	if (c->diag == l->told)
		return;
	l->told = c->diag;
	if (c->diag == HP_MEP_DIAG_OK)
		hp_source_cleared(l->s, "MEP: the meter answers");
	else if (c->diag != HP_MEP_DIAG_STARTING)
		hp_source_fail(l->s, "MEP %s: %s", hp_mep_diagnosis_name(c->diag),
			       hp_mep_diagnosis_cause(c->diag));
}

/* Does what one client step asks, in its order: flush, ENABLE, reopen, send,
 * deliver. */
static enum step act(struct mep_link *l, const struct hp_mep_output *out)
{
	enum step st = STEP_ON;
	if (out->flush_input) {
		tcflush(l->fd, TCIFLUSH);
		hp_parmrk_init(&l->pm);
	}
	if (out->enable >= 0)
		set_enable(l, out->enable == 1);
	post_output(l, out);
	if (out->reopen)
		st = STEP_RETRY;
	else if (out->tx_len > 0)
		st = send_all(l, out->tx, out->tx_len);
	report(l);
	return st;
}

static enum step feed(struct mep_link *l, const uint8_t *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		struct hp_mep_output out;
		off +=
		    hp_mep_client_input(&l->client, (uint64_t)hp_mono_ms(), p + off, n - off, &out);
		enum step st = act(l, &out);
		if (st != STEP_ON)
			return st;
	}
	return STEP_ON;
}

/* Waits for bytes until the client's next deadline, then runs its timers. */
static enum step step(struct mep_link *l)
{
	uint64_t now = (uint64_t)hp_mono_ms();
	uint64_t deadline = hp_mep_client_deadline(&l->client, now);
	if (deadline <= now) {
		struct hp_mep_output out;
		hp_mep_client_tick(&l->client, now, &out);
		return act(l, &out);
	}
	uint64_t wait = deadline - now < MEP_WAIT_MAX_MS ? deadline - now : MEP_WAIT_MAX_MS;
	uint8_t raw[MEP_READ_MAX];
	size_t n;
	int err;
	switch (hp_source_read(l->s, l->fd, raw, sizeof(raw), (int)wait, &n, &err)) {
	case HP_READ_STOP:
		return STEP_STOP;
	case HP_READ_EOF:
		hp_source_fail(l->s, "%s: hang-up (device gone?)", l->s->m.path);
		return STEP_RETRY;
	case HP_READ_ERROR:
		hp_source_fail(l->s, "%s: read: %s", l->s->m.path, strerror(err));
		return STEP_RETRY;
	case HP_READ_NONE:
		return STEP_ON;
	default:
		break;
	}
	uint64_t errors = l->pm.errors, breaks = l->pm.breaks;
	n = hp_parmrk_feed(&l->pm, raw, n, raw, NULL);
	if (l->pm.errors != errors || l->pm.breaks != breaks)
		hp_source_line_errors(l->s, l->pm.errors - errors, l->pm.breaks - breaks);
	hp_source_heard(l->s, n);
	return feed(l, raw, n);
}

static enum hp_session_end mep_session(struct hp_source *s)
{
	const struct hp_line_setting at = {.baud = MEP_BAUD, .parity = HP_PARITY_8N1};
	/* The client holds a reading or two: on the heap, not the thread's stack. */
	struct mep_link *l = calloc(1, sizeof(*l));
	if (l == NULL) {
		hp_source_fail(s, "%s: out of memory", s->m.path);
		return HP_SESSION_RETRY;
	}
	l->s = s;
	l->told = HP_MEP_DIAG_STARTING;
	l->fd = hp_serial_open(s, at);
	if (l->fd < 0) {
		free(l);
		return HP_SESSION_RETRY;
	}
	hp_source_opened(s, s->m.path);
	hp_source_set_line(s, at.baud, at.parity, false);
	hp_source_set_state(s, HP_SOURCE_RUNNING);
	hp_parmrk_init(&l->pm);
	struct hp_mep_client_config cfg;
	hp_mep_client_config_defaults(&cfg);
	cfg.poll_interval_ms = s->m.poll_interval_s * 1000;
	struct hp_mep_output out;
	hp_mep_client_init(&l->client, s->m.mep_key, &cfg, (uint64_t)hp_mono_ms(), &out);
	enum step st = act(l, &out);
	while (st == STEP_ON)
		st = step(l);
	hp_serial_close(l->fd);
	free(l);
	return st == STEP_STOP ? HP_SESSION_STOP : HP_SESSION_RETRY;
}

/* A replugged adapter is read again within seconds, as for serial sources. */
const struct hp_source_driver hp_source_mep_driver = {
    .name = "mep",
    .session = mep_session,
    .backoff_max_ms = 2000,
};
