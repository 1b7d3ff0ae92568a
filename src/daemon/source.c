/* The source thread (source.h): sessions of the meter's source kind, with a
 * backoff between them, and the status the API shows. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "source_internal.h"

/* Reopening: after 1 s first (a USB adapter re-enumerates in about a second),
 * doubling to the driver's maximum. */
#define BACKOFF_FIRST_MS 1000
/* One line per problem per minute keeps a journal readable through a long outage. */
#define LOG_INTERVAL_MS 60000

static const struct hp_source_driver *const drivers[] = {
    [HP_SOURCE_SERIAL] = &hp_source_serial_driver, [HP_SOURCE_TCP] = &hp_source_tcp_driver,
    [HP_SOURCE_REPLAY] = &hp_source_replay_driver, [HP_SOURCE_SIM] = &hp_source_sim_driver,
    [HP_SOURCE_MEP] = &hp_source_mep_driver,
};

static const char *const state_names[] = {
    [HP_SOURCE_STARTING] = "starting", [HP_SOURCE_DETECTING] = "detecting",
    [HP_SOURCE_RUNNING] = "running",   [HP_SOURCE_RETRYING] = "retrying",
    [HP_SOURCE_FINISHED] = "finished", [HP_SOURCE_STOPPED] = "stopped",
};

static const char *const parity_names[] = {
    [HP_PARITY_AUTO] = "auto",
    [HP_PARITY_8N1] = "8N1",
    [HP_PARITY_8E1] = "8E1",
    [HP_PARITY_7E1] = "7E1",
};

const char *hp_source_state_name(enum hp_source_state st)
{
	if ((unsigned)st >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[st];
}

const char *hp_parity_name(enum hp_parity p)
{
	if ((unsigned)p >= sizeof(parity_names) / sizeof(parity_names[0]))
		return "unknown";
	return parity_names[p];
}

void hp_source_busy_for(struct hp_source *s, int64_t ms)
{
	atomic_store(&s->due_ms, ms == INT64_MAX ? INT64_MAX : hp_mono_ms() + ms);
}

bool hp_source_alive(struct hp_source *s, int64_t now_mono_ms, int64_t grace_ms)
{
	int64_t due = atomic_load(&s->due_ms);
	return due == INT64_MAX || now_mono_ms <= due + grace_ms;
}

enum hp_wait hp_source_wait(struct hp_source *s, int fd, short events, int timeout_ms,
			    short *revents)
{
	struct pollfd p[2] = {{.fd = s->stop_fd, .events = POLLIN}, {.fd = fd, .events = events}};
	if (atomic_load(&s->stopping))
		return HP_WAIT_STOP;
	hp_source_busy_for(s, timeout_ms < 0 ? INT64_MAX : timeout_ms);
	int n = poll(p, fd >= 0 ? 2 : 1, timeout_ms);
	hp_source_busy_for(s, 0);
	if (atomic_load(&s->stopping) || (n > 0 && p[0].revents != 0))
		return HP_WAIT_STOP;
	if (n <= 0) /* timeout, or EINTR: the caller loops and waits again */
		return HP_WAIT_TIMEOUT;
	if (revents != NULL)
		*revents = p[1].revents;
	return HP_WAIT_READY;
}

void hp_source_push(struct hp_source *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	hp_ring_write(s->ring, p, n);
	hp_source_heard(s, n);
	hp_source_busy_for(s, 0); /* a replay at full speed pushes without waiting */
}

size_t hp_source_ring_room(struct hp_source *s)
{
	size_t head = atomic_load_explicit(&s->ring->head, memory_order_acquire);
	size_t tail = atomic_load_explicit(&s->ring->tail, memory_order_relaxed);
	return s->ring->cap - (tail - head);
}

void hp_source_heard(struct hp_source *s, size_t n)
{
	int64_t now = hp_now_ms();
	s->had_bytes = true;
	pthread_mutex_lock(&s->lock);
	s->st.bytes += n;
	s->st.last_byte_ms = now;
	pthread_mutex_unlock(&s->lock);
}

void hp_source_line_errors(struct hp_source *s, uint64_t errors, uint64_t breaks)
{
	pthread_mutex_lock(&s->lock);
	s->st.line_errors += errors;
	s->st.breaks += breaks;
	pthread_mutex_unlock(&s->lock);
}

void hp_source_post_event(struct hp_source *s, const struct hp_source_event *ev)
{
	pthread_mutex_lock(&s->lock);
	if (s->events_count == HP_SOURCE_EVENTS_MAX) {
		s->events_first = (s->events_first + 1) % HP_SOURCE_EVENTS_MAX;
		s->events_count--;
	}
	s->events[(s->events_first + s->events_count) % HP_SOURCE_EVENTS_MAX] = *ev;
	s->events_count++;
	pthread_mutex_unlock(&s->lock);
	hp_ring_wake(s->ring);
}

bool hp_source_take_event(struct hp_source *s, struct hp_source_event *out)
{
	if (s == NULL)
		return false;
	pthread_mutex_lock(&s->lock);
	bool any = s->events_count > 0;
	if (any) {
		*out = s->events[s->events_first];
		s->events_first = (s->events_first + 1) % HP_SOURCE_EVENTS_MAX;
		s->events_count--;
	}
	pthread_mutex_unlock(&s->lock);
	return any;
}

void hp_source_set_mep(struct hp_source *s, enum hp_mep_diagnosis diagnosis,
		       const struct hp_mep_stats *stats)
{
	pthread_mutex_lock(&s->lock);
	s->st.mep.on = true;
	s->st.mep.diagnosis = diagnosis;
	s->st.mep.stats = *stats;
	pthread_mutex_unlock(&s->lock);
}

void hp_source_set_state(struct hp_source *s, enum hp_source_state st)
{
	pthread_mutex_lock(&s->lock);
	s->st.state = st;
	pthread_mutex_unlock(&s->lock);
}

void hp_source_set_line(struct hp_source *s, unsigned baud, enum hp_parity parity, bool detected)
{
	pthread_mutex_lock(&s->lock);
	s->st.baud = baud;
	s->st.parity = parity;
	s->st.detected = detected;
	pthread_mutex_unlock(&s->lock);
}

static void set_detail_v(struct hp_source *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void set_detail_v(struct hp_source *s, const char *fmt, va_list ap)
{
	char text[HP_SOURCE_DETAIL_MAX];
	vsnprintf(text, sizeof(text), fmt, ap);
	pthread_mutex_lock(&s->lock);
	memcpy(s->st.detail, text, sizeof(text));
	pthread_mutex_unlock(&s->lock);
}

void hp_source_set_detail(struct hp_source *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_detail_v(s, fmt, ap);
	va_end(ap);
}

void hp_source_fail(struct hp_source *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_detail_v(s, fmt, ap);
	va_end(ap);
	if (hp_log_limited(&s->limit, hp_mono_ms(), LOG_INTERVAL_MS)) {
		char text[HP_SOURCE_DETAIL_MAX];
		pthread_mutex_lock(&s->lock);
		memcpy(text, s->st.detail, sizeof(text));
		pthread_mutex_unlock(&s->lock);
		hp_log(LOG_WARNING, "meter %s: %s", s->m.name, text);
	}
}

void hp_source_cleared(struct hp_source *s, const char *fmt, ...)
{
	hp_source_set_detail(s, "%s", "");
	if (!hp_log_recovered(&s->limit))
		return;
	char text[HP_SOURCE_DETAIL_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	hp_log(LOG_NOTICE, "meter %s: %s", s->m.name, text);
}

void hp_source_opened(struct hp_source *s, const char *what)
{
	pthread_mutex_lock(&s->lock);
	if (s->opened_once)
		s->st.reconnects++;
	pthread_mutex_unlock(&s->lock);
	if (!s->opened_once)
		hp_log(LOG_INFO, "meter %s: reading %s", s->m.name, what);
	s->opened_once = true;
	hp_source_cleared(s, "%s: open again", what);
}

enum hp_read hp_source_read(struct hp_source *s, int fd, uint8_t *buf, size_t cap, int timeout_ms,
			    size_t *n, int *err)
{
	short rev = 0;
	*n = 0;
	*err = 0;
	switch (hp_source_wait(s, fd, POLLIN, timeout_ms, &rev)) {
	case HP_WAIT_STOP:
		return HP_READ_STOP;
	case HP_WAIT_TIMEOUT:
		return HP_READ_NONE;
	default:
		break;
	}
	ssize_t got = read(fd, buf, cap);
	if (got > 0) {
		*n = (size_t)got;
		return HP_READ_DATA;
	}
	if (got == 0)
		return rev & (POLLIN | POLLHUP) ? HP_READ_EOF : HP_READ_NONE;
	if (errno == EAGAIN || errno == EINTR)
		return HP_READ_NONE;
	*err = errno;
	return HP_READ_ERROR;
}

/* Sleeps the backoff; false when stopped meanwhile. */
static bool back_off(struct hp_source *s, int64_t ms)
{
	int64_t until = hp_mono_ms() + ms;
	for (;;) {
		int64_t left = until - hp_mono_ms();
		if (left <= 0)
			return true;
		if (hp_source_wait(s, -1, 0, (int)left, NULL) == HP_WAIT_STOP)
			return false;
	}
}

static void *source_main(void *arg)
{
	struct hp_source *s = arg;
	int64_t backoff = BACKOFF_FIRST_MS;
	for (;;) {
		s->had_bytes = false;
		enum hp_session_end end = s->driver->session(s);
		if (end == HP_SESSION_STOP)
			break;
		if (end == HP_SESSION_FINISHED) {
			hp_source_set_state(s, HP_SOURCE_FINISHED);
			while (hp_source_wait(s, -1, 0, -1, NULL) != HP_WAIT_STOP)
				;
			break;
		}
		/* A session that delivered bytes worked: the next failure is a new one. */
		if (s->had_bytes)
			backoff = BACKOFF_FIRST_MS;
		hp_source_set_state(s, HP_SOURCE_RETRYING);
		if (!back_off(s, backoff))
			break;
		int64_t max = s->driver->backoff_max_ms;
		backoff = backoff * 2 < max ? backoff * 2 : max;
	}
	hp_source_set_state(s, HP_SOURCE_STOPPED);
	return NULL;
}

struct hp_source *hp_source_start_opts(const struct hp_meter_config *m, struct hp_ring *ring,
				       const struct hp_source_opts *opts)
{
	if ((unsigned)m->kind >= sizeof(drivers) / sizeof(drivers[0])) {
		errno = EINVAL;
		return NULL;
	}
	struct hp_source *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->m = *m;
	s->ring = ring;
	s->driver = drivers[m->kind];
	if (opts != NULL) {
		s->window_ms = opts->detect_window_ms;
		s->remembered = opts->saved;
		if (opts->line_memo != NULL)
			snprintf(s->line_memo, sizeof(s->line_memo), "%s", opts->line_memo);
	}
	atomic_init(&s->stopping, false);
	atomic_init(&s->due_ms, hp_mono_ms());
	s->st.state = HP_SOURCE_STARTING;
	s->st.baud = m->baud;
	s->st.parity = m->parity;
	s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->stop_fd < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	int rc = pthread_create(&s->thread, NULL, source_main, s);
	if (rc != 0) {
		pthread_mutex_destroy(&s->lock);
		close(s->stop_fd);
		free(s);
		errno = rc;
		return NULL;
	}
	return s;
}

struct hp_source *hp_source_start(const struct hp_meter_config *m, struct hp_ring *ring,
				  const char *line_memo)
{
	const struct hp_source_opts opts = {.line_memo = line_memo};
	return hp_source_start_opts(m, ring, &opts);
}

void hp_source_halt(struct hp_source *s)
{
	if (s == NULL || atomic_exchange(&s->stopping, true))
		return;
	uint64_t one = 1;
	ssize_t w = write(s->stop_fd, &one, sizeof(one));
	(void)w; /* the flag alone stops the thread at its next wait */
	pthread_join(s->thread, NULL);
}

void hp_source_stop(struct hp_source *s)
{
	if (s == NULL)
		return;
	hp_source_halt(s);
	pthread_mutex_destroy(&s->lock);
	close(s->stop_fd);
	free(s);
}

void hp_source_get_status(struct hp_source *s, struct hp_source_status *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	pthread_mutex_unlock(&s->lock);
}
