/* The daemon's main loop.
 *
 * Sources push bytes into their rings from their own threads; this thread waits
 * on the rings' eventfds and a signalfd, feeds each meter's decoder, hands the
 * readings to the state and the store, commits the store on its interval, and
 * tells systemd how things are. Shutdown drains the rings into the decoders
 * and commits, so nothing decoded before the signal is lost. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "accounting.h"
#include "daemon.h"
#include "hanp1d/decode.h"
#include "http.h"
#include "line_memo.h"
#include "log.h"
#include "mqtt.h"
#include "multiply.h"
#include "plausible.h"
#include "price_book.h"
#include "ring.h"
#include "source.h"
#include "state.h"
#include "store.h"

/* Ring per meter: 64 KiB holds several seconds at 115200 baud, far more than the
 * parser ever lags. */
#define RING_BYTES (64 * 1024)
/* Bytes moved from a ring to the decoder per step. */
#define DRAIN_CHUNK 4096
/* A source thread away this much longer than it said it would be is stuck
 * (daemon's watchdog): at least this, or half the watchdog interval. */
#define SOURCE_GRACE_MS 5000
/* Counters reach the state (and STATUS=) once a second. */
#define STATUS_PERIOD_MS 1000
/* Link errors are logged at most this often per meter. */
#define ERROR_LOG_PERIOD_MS 60000

struct meter_run {
	const struct hp_meter_config *cfg;
	unsigned index;
	struct hp_ring ring;
	struct hp_source *source;
	struct hp_decoder *decoder;
	struct daemon *d;
	struct hp_log_limit error_log;
	struct hp_log_limit store_log; /* readings the store could not take */
	struct hp_log_limit plausible_log;
	/* The counts of the events the source made itself (a mep: meter's readings):
	 * the decoder's counters for such a meter. */
	struct hp_decoder_stats source_stats;
	bool stuck; /* its source thread stopped turning: said once */
};

struct daemon {
	const struct hp_config *cfg;
	struct hp_state state;
	struct hp_store *store;
	struct hp_http *http;
	struct hp_mqtt *mqtt;         /* NULL: MQTT is off */
	struct hp_price_book *prices; /* configured prices and the ones pushed in */
	struct hp_accounting *acct;   /* running hour/day/month figures and peaks */
	unsigned meter_count;
	struct meter_run meters[HP_METERS_MAX];
	int signal_fd;
	uint64_t watchdog_usec; /* 0 = systemd does not watch us */
	int64_t last_commit_ms, last_status_ms, last_watchdog_ms;
};

/* A reading outside the configured installation is counted, shown in the status
 * and logged (rate-limited), and kept: the config may be what is wrong. */
static void check_plausible(struct meter_run *m, const struct hp_reading *r, int64_t now)
{
	char why[HP_DETAIL_MAX];
	if (hp_plausible(m->cfg, r, why, sizeof(why)))
		return;
	hp_state_set_implausible(&m->d->state, m->index, why, now);
	if (hp_log_limited(&m->plausible_log, now, ERROR_LOG_PERIOD_MS))
		hp_log(LOG_WARNING, "meter %s: implausible reading: %s", m->cfg->name, why);
}

static void on_event(void *ctx, const struct hp_event *ev)
{
	struct meter_run *m = ctx;
	struct daemon *d = m->d;
	int64_t now = hp_now_ms();
	if (ev->reading != NULL) {
		struct hp_reading r = *ev->reading;
		hp_apply_multipliers(m->cfg, &r);
		hp_state_set_reading(&d->state, m->index, &r, now);
		check_plausible(m, &r, now);
		struct hp_acct_live live;
		hp_accounting_reading(d->acct, m->index, now, &r, &live);
		hp_state_set_live(&d->state, m->index, &live);
		if (d->mqtt != NULL) {
			hp_mqtt_set_accounting(d->mqtt, m->index,
					       hp_accounting_mqtt_json(d->acct, m->index, &r, now));
			hp_mqtt_reading(d->mqtt, m->index, &r, now, hp_mono_ms());
		}
		if (hp_log_recovered(&m->error_log))
			hp_log(LOG_NOTICE, "meter %s: readings again", m->cfg->name);
		if (d->store != NULL && hp_store_add(d->store, m->cfg->name, now, &r) != 0 &&
		    hp_log_limited(&m->store_log, now, ERROR_LOG_PERIOD_MS))
			hp_log(LOG_WARNING,
			       "meter %s: readings not stored (the store's queue is full)",
			       m->cfg->name);
		return;
	}
	hp_state_set_error(&d->state, m->index, ev->error, now);
	/* A mep: source logs its own diagnosis; the codes' hints speak of DLMS keys. */
	bool hint = m->cfg->kind != HP_SOURCE_MEP;
	if (hp_log_limited(&m->error_log, now, ERROR_LOG_PERIOD_MS))
		hp_log(LOG_WARNING, "meter %s: %s: %s%s%s%s", m->cfg->name,
		       hp_error_name(ev->error->code), ev->error->detail, hint ? " (" : "",
		       hint ? hp_error_hint(ev->error->code) : "", hint ? ")" : "");
}

static int start_meter(struct daemon *d, unsigned i)
{
	struct meter_run *m = &d->meters[i];
	m->cfg = &d->cfg->meters[i];
	m->index = i;
	m->d = d;
	if (hp_ring_init(&m->ring, RING_BYTES) != 0) {
		hp_log(LOG_ERR, "meter %s: no memory for its ring", m->cfg->name);
		return -1;
	}
	struct hp_decoder_config dc = {.keys = m->cfg->keys, .on_event = on_event, .ctx = m};
	m->decoder = hp_decoder_new(&dc);
	if (m->decoder == NULL) {
		hp_log(LOG_ERR, "meter %s: cannot set up the decoder (crypto library)",
		       m->cfg->name);
		return -1;
	}
	/* The detected serial setting is kept beside the history (the state directory). */
	char memo[HP_PATH_MAX];
	bool has_memo = hp_line_memo_path(d->cfg->store.path, m->cfg->name, memo, sizeof(memo));
	m->source = hp_source_start(m->cfg, &m->ring, has_memo ? memo : NULL);
	if (m->source == NULL) {
		hp_log(LOG_ERR, "meter %s: cannot start its source: %s", m->cfg->name,
		       strerror(errno));
		return -1;
	}
	d->meter_count = i + 1;
	return 0;
}

/* A reading or an error the source made: counted, then handled as a decoder's. */
static void take_source_event(struct meter_run *m, const struct hp_source_event *se)
{
	struct hp_event ev = {0};
	if (se->is_reading) {
		m->source_stats.readings++;
		ev.reading = &se->reading;
	} else {
		m->source_stats.errors[se->error.code]++;
		ev.error = &se->error;
	}
	on_event(m, &ev);
}

static void drain_meter(struct meter_run *m)
{
	uint8_t buf[DRAIN_CHUNK];
	size_t n;
	hp_ring_drain_wake(&m->ring);
	while ((n = hp_ring_read(&m->ring, buf, sizeof(buf))) > 0)
		hp_decoder_feed(m->decoder, buf, n, (uint64_t)hp_mono_ms());
	struct hp_source_event se;
	while (hp_source_take_event(m->source, &se))
		take_source_event(m, &se);
}

/* The decoder's counters, or for a meter whose source decodes (mep:) its own. */
static const struct hp_decoder_stats *meter_stats(struct meter_run *m,
						  const struct hp_source_status *src)
{
	if (!src->mep.on)
		return hp_decoder_stats(m->decoder);
	m->source_stats.bytes = src->bytes;
	m->source_stats.frames = src->mep.stats.responses;
	return &m->source_stats;
}

static void publish_counters(struct daemon *d)
{
	for (unsigned i = 0; i < d->meter_count; i++) {
		struct meter_run *m = &d->meters[i];
		struct hp_source_status src;
		hp_source_get_status(m->source, &src);
		hp_state_set_counters(&d->state, i, meter_stats(m, &src), &src,
				      atomic_load(&m->ring.dropped));
	}
	if (d->store != NULL) {
		struct hp_store_status st;
		hp_store_get_status(d->store, &st);
		hp_state_set_store(&d->state, &st);
	}
	if (d->mqtt != NULL) {
		struct hp_mqtt_status ms;
		hp_mqtt_get_status(d->mqtt, &ms);
		hp_state_set_mqtt(&d->state, &ms);
	}
}

/* STATUS= for systemctl status: the first meter's last frame age and error count. */
static void notify_status(struct daemon *d)
{
	char status[256];
	size_t n = 0;
	for (unsigned i = 0; i < d->meter_count && n < sizeof(status); i++) {
		struct hp_meter_state ms;
		if (!hp_state_meter(&d->state, i, &ms))
			continue;
		uint64_t errors = 0;
		for (int c = HP_ERR_CRC; c <= HP_ERR_NOISE; c++)
			errors += ms.stats.errors[c];
		if (ms.has_reading)
			n += (size_t)snprintf(
			    status + n, sizeof(status) - n,
			    "%s%s: last frame %llds ago, %llu readings, %llu errors", i ? "; " : "",
			    ms.name, (long long)((hp_now_ms() - ms.reading_ms) / 1000),
			    (unsigned long long)ms.stats.readings, (unsigned long long)errors);
		else
			n += (size_t)snprintf(
			    status + n, sizeof(status) - n,
			    "%s%s: no reading yet (%s), %llu errors", i ? "; " : "", ms.name,
			    hp_source_state_name(ms.source.state), (unsigned long long)errors);
	}
	if (d->mqtt != NULL && n < sizeof(status)) {
		struct hp_mqtt_status mq;
		hp_state_mqtt(&d->state, &mq);
		snprintf(status + n, sizeof(status) - n, "; MQTT %s%s%s",
			 hp_mqtt_state_name(mq.state), mq.last_error[0] != '\0' ? ": " : "",
			 mq.last_error);
	}
	sd_notifyf(0, "STATUS=%s", status);
}

/* Whether every source thread is still turning (hp_source_alive), given half the
 * watchdog interval, and at least SOURCE_GRACE_MS, beyond its own deadline. */
static bool sources_alive(struct daemon *d, int64_t now)
{
	int64_t grace = (int64_t)(d->watchdog_usec / 2000);
	if (grace < SOURCE_GRACE_MS)
		grace = SOURCE_GRACE_MS;
	bool alive = true;
	for (unsigned i = 0; i < d->meter_count; i++) {
		struct meter_run *m = &d->meters[i];
		bool ok = m->source == NULL || hp_source_alive(m->source, now, grace);
		if (!ok && !m->stuck)
			hp_log(LOG_ERR,
			       "meter %s: the source thread has not come back for %lld s; the "
			       "watchdog will restart hanp1d",
			       m->cfg->name, (long long)(grace / 1000));
		else if (ok && m->stuck)
			hp_log(LOG_NOTICE, "meter %s: the source thread turns again", m->cfg->name);
		m->stuck = !ok;
		alive = alive && ok;
	}
	return alive;
}

static void periodic(struct daemon *d, int64_t now)
{
	if (now - d->last_status_ms >= STATUS_PERIOD_MS) {
		d->last_status_ms = now;
		publish_counters(d);
		notify_status(d);
	}
	if (d->store != NULL &&
	    now - d->last_commit_ms >= (int64_t)d->cfg->store.commit_interval_s * 1000) {
		d->last_commit_ms = now;
		hp_store_commit(d->store, hp_now_ms()); /* a failure is logged by the store */
	}
	if (d->mqtt != NULL)
		hp_mqtt_service(d->mqtt, now);
	/* Pinged from the loop itself, so a stuck parser stops the pings, and only
	 * while every source thread turns. */
	if (d->watchdog_usec > 0 &&
	    (now - d->last_watchdog_ms) * 2000 >= (int64_t)d->watchdog_usec &&
	    sources_alive(d, now)) {
		d->last_watchdog_ms = now;
		sd_notify(0, "WATCHDOG=1");
	}
}

static int open_signals(struct daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before any thread starts, so every thread inherits the mask and only
	 * the signalfd sees them. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return d->signal_fd >= 0 ? 0 : -1;
}

static void run_loop(struct daemon *d)
{
	struct pollfd fds[HP_METERS_MAX + 2];
	for (;;) {
		fds[0] = (struct pollfd){.fd = d->signal_fd, .events = POLLIN};
		for (unsigned i = 0; i < d->meter_count; i++)
			fds[i + 1] =
			    (struct pollfd){.fd = d->meters[i].ring.wake_fd, .events = POLLIN};
		/* The MQTT client's news (a connect, a command): its fd is polled last, or
		 * not at all (-1 is skipped by poll). */
		fds[d->meter_count + 1] = (struct pollfd){
		    .fd = d->mqtt != NULL ? hp_mqtt_wake_fd(d->mqtt) : -1, .events = POLLIN};
		int rc = poll(fds, d->meter_count + 2, STATUS_PERIOD_MS / 2);
		if (rc < 0 && errno != EINTR) {
			hp_log(LOG_ERR, "poll: %s", strerror(errno));
			return;
		}
		if (rc > 0 && (fds[0].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
				hp_log(LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
				return;
			}
		}
		for (unsigned i = 0; i < d->meter_count; i++)
			if (rc > 0 && (fds[i + 1].revents & POLLIN))
				drain_meter(&d->meters[i]);
		periodic(d, hp_mono_ms());
	}
}

static void shut_down(struct daemon *d)
{
	sd_notify(0, "STOPPING=1");
	/* `offline` first: what is drained below is stored, not published. */
	hp_mqtt_stop(d->mqtt);
	d->mqtt = NULL;
	for (unsigned i = 0; i < d->meter_count; i++)
		hp_source_halt(d->meters[i].source);
	/* What the sources read before they stopped is still decoded and stored. */
	for (unsigned i = 0; i < d->meter_count; i++) {
		struct meter_run *m = &d->meters[i];
		if (m->decoder != NULL) {
			/* Not hp_decoder_finish: the line is interrupted, not at its end, so a
			 * frame the stop cut off (or a quiet line) is no error to report. */
			drain_meter(m);
			hp_decoder_free(m->decoder);
		}
		hp_source_stop(m->source);
		hp_ring_free(&m->ring);
	}
	if (d->http != NULL)
		hp_http_stop(d->http);
	hp_accounting_free(d->acct);   /* its reader borrows the store's connection */
	hp_price_book_free(d->prices); /* after HTTP and MQTT, which push into it */
	if (d->store != NULL)
		hp_store_close(d->store);
	hp_state_destroy(&d->state);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	hp_log(LOG_INFO, "stopped");
}

static int start(struct daemon *d)
{
	char err[256];
	/* Each meter's buckets follow its own zone; the TZ set above is not used. */
	d->store = hp_store_open_meters(&d->cfg->store, d->cfg->meters, d->cfg->meter_count, err,
					sizeof(err));
	if (d->store == NULL) {
		hp_log(LOG_ERR, "history %s: %s", d->cfg->store.path, err);
		return -1;
	}
	/* Pushed prices are kept beside the history (the state directory). */
	char prices_file[HP_PATH_MAX];
	bool keep_prices = hp_price_book_path(d->cfg->store.path, prices_file, sizeof(prices_file));
	d->prices = hp_price_book_new(&d->cfg->prices, keep_prices ? prices_file : NULL);
	if (d->prices == NULL) {
		hp_log(LOG_ERR, "prices: out of memory");
		return -1;
	}
	d->acct = hp_accounting_new(d->cfg, d->prices);
	if (d->acct == NULL) {
		hp_log(LOG_ERR, "accounting: out of memory");
		return -1;
	}
	if (d->cfg->http.enabled) {
		d->http = hp_http_start(d->cfg, &d->state, d->prices, err, sizeof(err));
		if (d->http == NULL) {
			hp_log(LOG_ERR, "http %s:%u: %s", d->cfg->http.host, d->cfg->http.port,
			       err);
			return -1;
		}
		hp_log(LOG_NOTICE, "dashboard and API on http://%s:%u%s/", d->cfg->http.host,
		       d->cfg->http.port, d->cfg->http.prefix);
	}
	if (hp_mqtt_wanted(&d->cfg->mqtt)) {
		d->mqtt = hp_mqtt_start(d->cfg, d->prices, err, sizeof(err));
		if (d->mqtt == NULL) {
			hp_log(LOG_ERR, "mqtt: %s", err);
			return -1;
		}
	}
	for (unsigned i = 0; i < d->cfg->meter_count; i++)
		if (start_meter(d, i) != 0)
			return -1;
	return 0;
}

int hp_daemon_run(const struct hp_config *cfg)
{
	static struct daemon d; /* large (the state holds every meter's reading) */
	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.signal_fd = -1;
	hp_log_level = cfg->log_level;
	if (cfg->timezone[0] != '\0')
		setenv("TZ", cfg->timezone, 1);
	tzset();
	if (open_signals(&d) != 0) {
		hp_log(LOG_ERR, "signals: %s", strerror(errno));
		return 1;
	}
	hp_state_init(&d.state, cfg, hp_now_ms());
	int status = 0;
	if (start(&d) == 0) {
		if (sd_watchdog_enabled(0, &d.watchdog_usec) <= 0)
			d.watchdog_usec = 0;
		d.last_commit_ms = d.last_status_ms = hp_mono_ms();
		sd_notify(0, "READY=1");
		hp_log(LOG_INFO, "running with %u meter(s), history in %s", d.meter_count,
		       cfg->store.path);
		run_loop(&d);
	} else {
		status = 1;
	}
	shut_down(&d);
	return status;
}
