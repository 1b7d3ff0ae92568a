/* `hanp1d sim --meter mep --pty PATH`: a simulated NES/Echelon meter on its MEP port
 * (mep.md section 8). Unlike the push meters of `hanp1d sim`, it answers requests:
 * the daemon's mep: source opens the pty, sends table reads, and gets replies from
 * the model in mep_meter.c, with the faults the options ask for. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mep_meter.h"
#include "sim_mep.h"
#include "sim_out.h"

/* A partial request is dropped after this much silence (mep.md 8). */
#define PARTIAL_DROP_MS 500
#define DRIBBLE_MS      20

struct mep_sim_options {
	struct mep_meter_config meter;
	const char *pty_path;
	unsigned reply_delay_ms;
	unsigned alert_every_s, jump_every_s, swallow_every, noise_every_s;
	bool dribble;
	uint64_t seed;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fputs("usage: hanp1d sim --meter mep --pty PATH [--mbk TEXT] [--first-seq N]\n"
	      "                  [--alert-every S] [--jump-every S] [--swallow-every N]\n"
	      "                  [--noise-every S] [--present-values N] [--no-trailer]\n"
	      "                  [--dribble] [--reply-delay MS] [--seed N]\n"
	      "A MEP meter on a pseudo-terminal: answers table reads (BT01, BT21, BT23, BT28,\n"
	      "BT52, ET03, ...), checks the digest (0B) and the sequence number (0C).\n"
	      "  --mbk TEXT          the meter's 20-character MBK (default ABCDEFGHIJKLMNOPQRST)\n"
	      "  --first-seq N       the first expected SEQ (default 0x1000)\n"
	      "  --alert-every S     send the 00 00 alert between requests every S seconds\n"
	      "  --jump-every S      jump the expected SEQ by 1..1000 every S seconds\n"
	      "  --swallow-every N   leave every Nth reply unanswered\n"
	      "  --noise-every S     write a few noise bytes while idle every S seconds\n"
	      "  --present-values N  BT21 PV (default 55; fewer makes BT28 unsupported)\n"
	      "  --no-trailer        no SEQ echo and digest after the data\n"
	      "  --dribble           write replies one byte per 20 ms\n"
	      "  --reply-delay MS    wait this long before each reply (default 50)\n"
	      "  --seed N            seed of the noise and the jumps (default 1)\n",
	      f);
}

static int parse_u(const char *text, unsigned long max, unsigned long *v)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(text, &end, 0);
	if (errno != 0 || end == text || *end != '\0' || x > max)
		return -1;
	*v = x;
	return 0;
}

static int parse_options(int argc, char **argv, struct mep_sim_options *o)
{
	static const struct option opts[] = {{"meter", required_argument, NULL, 'm'},
					     {"pty", required_argument, NULL, 'P'},
					     {"mbk", required_argument, NULL, 'k'},
					     {"first-seq", required_argument, NULL, 'q'},
					     {"alert-every", required_argument, NULL, 'a'},
					     {"jump-every", required_argument, NULL, 'j'},
					     {"swallow-every", required_argument, NULL, 's'},
					     {"noise-every", required_argument, NULL, 'n'},
					     {"present-values", required_argument, NULL, 'v'},
					     {"no-trailer", no_argument, NULL, 't'},
					     {"dribble", no_argument, NULL, 'd'},
					     {"reply-delay", required_argument, NULL, 'r'},
					     {"seed", required_argument, NULL, 'S'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof(*o));
	mep_meter_config_defaults(&o->meter);
	o->reply_delay_ms = 50;
	o->seed = 1;
	optind = 1;
	int c;
	unsigned long v = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'm':
			break; /* "mep": how we got here */
		case 'P':
			o->pty_path = optarg;
			break;
		case 'k':
			if (strlen(optarg) != HP_MEP_MBK_LEN) {
				sim_error("--mbk must be %d characters", HP_MEP_MBK_LEN);
				return -1;
			}
			memcpy(o->meter.mbk, optarg, HP_MEP_MBK_LEN + 1);
			break;
		case 'q':
			bad = parse_u(optarg, UINT32_MAX, &v);
			o->meter.first_seq = (uint32_t)v;
			break;
		case 'a':
			bad = parse_u(optarg, 86400, &v);
			o->alert_every_s = (unsigned)v;
			break;
		case 'j':
			bad = parse_u(optarg, 86400, &v);
			o->jump_every_s = (unsigned)v;
			break;
		case 's':
			bad = parse_u(optarg, 1000000, &v);
			o->swallow_every = (unsigned)v;
			break;
		case 'n':
			bad = parse_u(optarg, 86400, &v);
			o->noise_every_s = (unsigned)v;
			break;
		case 'v':
			bad = parse_u(optarg, 255, &v);
			o->meter.present_values = (uint8_t)v;
			break;
		case 't':
			o->meter.trailer = false;
			break;
		case 'd':
			o->dribble = true;
			break;
		case 'r':
			bad = parse_u(optarg, 60000, &v);
			o->reply_delay_ms = (unsigned)v;
			break;
		case 'S':
			bad = parse_u(optarg, ULONG_MAX, &v);
			o->seed = v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			sim_error("bad value '%s'", optarg);
			return -1;
		}
	}
	if (o->pty_path == NULL) {
		sim_error("the MEP meter answers requests: it needs --pty PATH");
		return -1;
	}
	return 0;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Replies on their way out: written after the reply delay, at once or dribbled. */
struct outq {
	uint8_t buf[4 * MEP_METER_REPLY_MAX];
	size_t len;
	int64_t due_ms;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("hanp1d sim mep: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void flush_out(int fd, struct outq *q, int64_t now, bool dribble)
{
	if (q->len == 0 || now < q->due_ms)
		return;
	size_t n = dribble ? 1 : q->len;
	ssize_t w = write(fd, q->buf, n);
	if (w <= 0) {
		if (errno != EAGAIN)
			q->len = 0; /* nobody on the line: a meter's reply is lost */
		return;
	}
	memmove(q->buf, q->buf + w, q->len - (size_t)w);
	q->len -= (size_t)w;
	q->due_ms = now + (dribble ? DRIBBLE_MS : 0);
}

static void enqueue(struct outq *q, const uint8_t *p, size_t n, int64_t due)
{
	if (q->len + n > sizeof(q->buf))
		return;
	if (q->len == 0)
		q->due_ms = due;
	memcpy(q->buf + q->len, p, n);
	q->len += n;
}

static int serve(const struct mep_sim_options *o, struct mep_meter *m, int fd)
{
	struct outq q = {.len = 0};
	uint64_t rng = o->seed * 0x9E3779B97F4A7C15ull + 1;
	int64_t start = hp_mono_ms(), last_rx = start;
	int64_t next_alert = o->alert_every_s ? start + o->alert_every_s * 1000ll : INT64_MAX;
	int64_t next_jump = o->jump_every_s ? start + o->jump_every_s * 1000ll : INT64_MAX;
	int64_t next_noise = o->noise_every_s ? start + o->noise_every_s * 1000ll : INT64_MAX;
	uint64_t replies = 0;
	while (!stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 10);
		int64_t now = hp_mono_ms();
		if (r > 0 && (p.revents & POLLIN)) {
			uint8_t in[512];
			ssize_t n = read(fd, in, sizeof(in));
			if (n > 0) {
				last_rx = now;
				size_t off = 0;
				while (off < (size_t)n) {
					size_t used = 0;
					uint8_t reply[MEP_METER_REPLY_MAX];
					uint64_t auth = m->stats.auth_failures;
					uint64_t seqf = m->stats.seq_failures;
					size_t len = mep_meter_input(m, (uint64_t)(now - start),
								     in + off, (size_t)n - off,
								     &used, reply, sizeof(reply));
					off += used;
					if (len == 0)
						continue;
					if (m->stats.auth_failures > auth)
						say("bad digest: 0B");
					if (m->stats.seq_failures > seqf)
						say("wrong SEQ: 0C, expecting 0x%08X",
						    m->expected_seq);
					replies++;
					if (o->swallow_every && replies % o->swallow_every == 0) {
						say("swallowing a reply");
						continue;
					}
					enqueue(&q, reply, len, now + o->reply_delay_ms);
				}
			}
		} else if (r > 0) {
			/* No slave open (POLLHUP): wait for the daemon. */
			usleep(100000);
		}
		if (hp_mep_framer_partial(&m->framer) && now - last_rx >= PARTIAL_DROP_MS)
			mep_meter_silence(m);
		bool idle = q.len == 0 && !hp_mep_framer_partial(&m->framer);
		if (now >= next_alert && idle && now - last_rx >= 100) {
			uint8_t a[2];
			enqueue(&q, a, mep_meter_alert(m, a, sizeof(a)), now);
			say("alert sent (handshakes ok %llu, bad %llu)",
			    (unsigned long long)m->stats.handshake_ok,
			    (unsigned long long)m->stats.handshake_bad);
			next_alert = now + o->alert_every_s * 1000ll;
		}
		if (now >= next_jump) {
			uint32_t d = (uint32_t)(1 + next_rand(&rng) % 1000);
			mep_meter_jump_seq(m, d);
			say("uplink traffic: SEQ jumps by %u", d);
			next_jump = now + o->jump_every_s * 1000ll;
		}
		if (now >= next_noise && idle && now - last_rx >= 1000) {
			static const uint8_t noise[] = {0xFF, 0xF7, 0x55};
			enqueue(&q, noise, sizeof(noise), now);
			next_noise = now + o->noise_every_s * 1000ll;
		}
		flush_out(fd, &q, now, o->dribble);
	}
	say("requests %llu, answered %llu, 0B %llu, 0C %llu, alerts %llu, handshakes ok %llu",
	    (unsigned long long)m->stats.requests, (unsigned long long)m->stats.answered,
	    (unsigned long long)m->stats.auth_failures, (unsigned long long)m->stats.seq_failures,
	    (unsigned long long)m->stats.alerts, (unsigned long long)m->stats.handshake_ok);
	return 0;
}

bool hp_sim_is_mep(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--meter=mep") == 0)
			return true;
		if (strcmp(argv[i], "--meter") == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], "mep") == 0)
			return true;
	}
	return argc >= 2 && strcmp(argv[1], "mep") == 0;
}

int hp_sim_mep(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "mep") == 0) {
		argv++;
		argc--;
	}
	struct mep_sim_options o;
	int rc = parse_options(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : HP_EXIT_USAGE;
	struct mep_meter m;
	if (mep_meter_init(&m, &o.meter, o.seed, sim_local_now()) != 0) {
		sim_error("bad MBK");
		return HP_EXIT_USAGE;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct sim_out out;
	sim_out_init(&out, true, false);
	out.info = stderr;
	if (sim_out_open(&out, o.pty_path, NULL, NULL) != 0)
		return 1;
	rc = serve(&o, &m, out.pty_fd);
	sim_out_close(&out);
	return rc;
}
