/* `hanp1d sim`: a simulated meter. One profile at a fixed interval, or a meter
 * family at its real cadence (list 1 every few seconds, the hourly list with the
 * registers), with values that evolve as a household's do (sim_model.h).
 *
 * Frames go to standard output (raw bytes, or hex text that `hanp1d decode` reads
 * back), to a pseudo-terminal the daemon opens as its serial device, to a TCP
 * listener (ser2net style) or to the TCP clients that connect to the simulator. A
 * live output is written as a meter writes its line: in (meter) real time, never
 * waiting for the reader; a frame nobody takes is lost. */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hanp1d/hex.h"
#include "sim_mep.h"
#include "sim_model.h"
#include "sim_out.h"

/* Room for the largest frame sequence a profile sends (segments included). */
#define SIM_FRAME_MAX 16384
/* The clock an unpaced stream starts at unless --start says otherwise:
 * 2025-01-15 00:00:00, a fixed day so runs are reproducible. */
#define SIM_DEFAULT_START 1736899200
#define MS_PER_S          1000
/* --interval: up to a day, which keeps a step within sim_model_advance_ms's range. */
#define SIM_INTERVAL_MAX 86400
/* --speed: a million times real time plays a year in half a minute; more would
 * only lose frames. */
#define SIM_SPEED_MAX 1e6
/* Security control bits of general-glo-ciphering: authenticated, encrypted. */
#define SIM_SC_AUTH    0x10
#define SIM_SC_ENCRYPT 0x20
/* "YYYY-MM-DDTHH:MM:SS" and a terminator. */
#define SIM_TIME_TEXT_MAX 24

/* --help and --list print and end the command. */
#define SIM_DONE 1

struct sim_options {
	const struct sim_family *family; /* NULL: one profile at --interval */
	enum hp_enc_profile profile;
	unsigned count; /* 0 = forever */
	bool count_set;
	unsigned interval; /* seconds of meter time between frames of one profile */
	bool interval_set;
	double speed; /* meter seconds per real second; 0 = as fast as possible */
	bool speed_set;
	bool realtime;
	time_t start; /* the meter's local clock as seconds since the epoch */
	bool start_set;
	bool hex;
	bool plain;  /* no ciphering even where the meter family encrypts */
	int framing; /* -1: the family's own; else an hp_enc_framing */
	uint8_t phases;
	uint64_t seed;
	bool export; /* solar panels: export around noon */
	bool has_key, has_auth_key;
	uint8_t key[HP_ENC_KEY_LEN], auth_key[HP_ENC_KEY_LEN];
	const char *pty_path, *tcp_addr, *listen_addr;
};

/* The links of a family's lists (they differ in the profile only). */
struct sim_links {
	unsigned n;
	enum hp_enc_profile profile[SIM_FAMILY_LISTS_MAX];
	struct hp_enc_link link[SIM_FAMILY_LISTS_MAX];
};

/* ---- options ---- */

static int framing_by_name(const char *name, int *framing)
{
	static const struct {
		const char *name;
		enum hp_enc_framing framing;
	} names[] = {{"hdlc", HP_ENC_FRAMING_HDLC},
		     {"mbus", HP_ENC_FRAMING_MBUS},
		     {"raw", HP_ENC_FRAMING_RAW}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i].name, name) == 0) {
			*framing = (int)names[i].framing;
			return 0;
		}
	}
	return -1;
}

/* Decimal digits only (no sign, no blanks), at most max. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (s[0] < '0' || s[0] > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	if (!parse_u64(s, max, &v) || v < min)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_speed(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0 || v > SIM_SPEED_MAX)
		return false;
	*out = v;
	return true;
}

/* Exactly 32 hex digits. */
static bool parse_key(const char *s, uint8_t *key)
{
	if (strlen(s) != 2 * HP_ENC_KEY_LEN)
		return false;
	for (int i = 0; i < HP_ENC_KEY_LEN; i++) {
		int hi = hp_hex_digit(s[2 * i]), lo = hp_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* "now" or the meter's local time YYYY-MM-DDTHH:MM[:SS]. */
static bool parse_start(const char *s, time_t *out)
{
	if (strcmp(s, "now") == 0) {
		*out = sim_local_now();
		return true;
	}
	struct tm tm = {0};
	int used = 0, more = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &used) != 5)
		return false;
	if (s[used] == ':' && sscanf(s + used, ":%2d%n", &tm.tm_sec, &more) == 1)
		used += more;
	/* From 1970 on: the schedule counts milliseconds since the epoch upwards. */
	if (s[used] != '\0' || tm.tm_year < 1970)
		return false;
	struct tm want = tm;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	/* timegm normalises: February 30th comes back as March 2nd. */
	if (t == (time_t)-1 || tm.tm_year + 1900 != want.tm_year || tm.tm_mon + 1 != want.tm_mon ||
	    tm.tm_mday != want.tm_mday || tm.tm_hour != want.tm_hour || tm.tm_min != want.tm_min ||
	    tm.tm_sec != want.tm_sec)
		return false;
	*out = t;
	return true;
}

static void sim_usage(FILE *out)
{
	fputs("usage: hanp1d sim [--meter NAME] [--count N] [--speed N] [--start TIME]\n"
	      "                  [--pty PATH] [--tcp HOST:PORT] [--listen HOST:PORT]\n"
	      "                  [--hex] [--export] [--key HEX [--auth-key HEX]] ...\n"
	      "A simulated meter: frames with evolving values (load shape by time of day,\n"
	      "appliances, optional solar export; registers grow by the energy that flowed).\n"
	      "  --meter NAME       a family at its real cadence (kamstrup, aidon, kaifa,\n"
	      "                     dsmr) or one profile at --interval (default\n"
	      "                     kamstrup-list2); --list shows them all\n"
	      "  --list             the families with their cadence, then the profiles\n"
	      "  --count N          frames to write (default: 1 on standard output, else\n"
	      "                     0 = until interrupted)\n"
	      "  --interval S       meter seconds between frames of one profile (default 10)\n"
	      "  --speed N          run the meter clock N times faster than real time and\n"
	      "                     pace the frames to it (default 1 on a pty or TCP; on\n"
	      "                     standard output frames come at once unless paced)\n"
	      "  --realtime         pace standard output in real time (--speed 1)\n"
	      "  --start TIME       the meter's local time to start at: now or\n"
	      "                     YYYY-MM-DDTHH:MM[:SS] (default: now when paced, else\n"
	      "                     2025-01-15T00:00:00)\n"
	      "  --pty PATH         create a pseudo-terminal and make PATH a symlink to it:\n"
	      "                     a serial device for `source = serial:PATH`\n"
	      "  --tcp HOST:PORT    connect to a TCP listener and write the frames to it\n"
	      "  --listen HOST:PORT serve the frames to TCP clients (`source = tcp://...`);\n"
	      "                     port 0 takes a free port; the address is printed\n"
	      "  --hex              hex text with a comment per frame (standard output)\n"
	      "  --export           solar panels: export around noon\n"
	      "  --key HEX          encrypt with this key (32 hex digits): replaces the test\n"
	      "                     key of families that encrypt, encrypts a DLMS list that\n"
	      "                     does not\n"
	      "  --auth-key HEX     authenticate with this key too (with --key)\n"
	      "  --plain            no encryption, even for families that encrypt\n"
	      "  --framing F        hdlc, mbus or raw (bare APDU) instead of the family's own\n"
	      "  --phases 1|3       a single-phase or three-phase meter (default 3)\n"
	      "  --seed N           another household (default 1)\n",
	      out);
}

static void list_meters(void)
{
	for (size_t i = 0; i < sim_family_count(); i++) {
		const struct sim_family *f = sim_family_get(i);
		printf("%-16s family: %s\n", f->name, f->cadence);
	}
	for (int i = 0; i < HP_PROFILE_COUNT; i++)
		puts(hp_enc_profile_name((enum hp_enc_profile)i));
}

static int set_meter(struct sim_options *o, const char *name)
{
	o->family = sim_family_find(name);
	if (o->family != NULL)
		return 0;
	int found = hp_enc_profile_by_name(name);
	if (found < 0) {
		sim_error("unknown meter '%s' (see --list)", name);
		return -1;
	}
	o->profile = (enum hp_enc_profile)found;
	return 0;
}

/* One option; SIM_DONE, 0 or -1 (the message said). */
static int take_option(struct sim_options *o, int c)
{
	uint64_t v;
	switch (c) {
	case 'm':
		return set_meter(o, optarg);
	case 'n':
		o->count_set = true;
		if (parse_unsigned(optarg, 0, UINT_MAX, &o->count))
			return 0;
		sim_error("--count: expected a number of frames, not '%s'", optarg);
		return -1;
	case 'i':
		o->interval_set = true;
		if (parse_unsigned(optarg, 1, SIM_INTERVAL_MAX, &o->interval))
			return 0;
		sim_error("--interval: expected 1 to %d seconds, not '%s'", SIM_INTERVAL_MAX,
			  optarg);
		return -1;
	case 'S':
		o->speed_set = true;
		if (parse_speed(optarg, &o->speed))
			return 0;
		sim_error("--speed: expected a number above 0 and at most %.0f, not '%s'",
			  SIM_SPEED_MAX, optarg);
		return -1;
	case 't':
		o->start_set = true;
		if (parse_start(optarg, &o->start))
			return 0;
		sim_error("--start: expected now or YYYY-MM-DDTHH:MM[:SS], not '%s'", optarg);
		return -1;
	case 'r':
		o->realtime = true;
		return 0;
	case 'x':
		o->hex = true;
		return 0;
	case 'p':
		if (strcmp(optarg, "1") == 0 || strcmp(optarg, "3") == 0) {
			o->phases = (uint8_t)(optarg[0] - '0');
			return 0;
		}
		sim_error("--phases: expected 1 or 3, not '%s'", optarg);
		return -1;
	case 's':
		if (parse_u64(optarg, UINT64_MAX, &v)) {
			o->seed = v;
			return 0;
		}
		sim_error("--seed: expected a number, not '%s'", optarg);
		return -1;
	case 'f':
		if (framing_by_name(optarg, &o->framing) == 0)
			return 0;
		sim_error("--framing: expected hdlc, mbus or raw, not '%s'", optarg);
		return -1;
	case 'c':
		o->plain = true;
		return 0;
	case 'e':
		o->export = true;
		return 0;
	case 'k':
		o->has_key = true;
		if (parse_key(optarg, o->key))
			return 0;
		sim_error("--key: expected 32 hex digits");
		return -1;
	case 'a':
		o->has_auth_key = true;
		if (parse_key(optarg, o->auth_key))
			return 0;
		sim_error("--auth-key: expected 32 hex digits");
		return -1;
	case 'P':
		o->pty_path = optarg;
		return 0;
	case 'T':
		o->tcp_addr = optarg;
		return 0;
	case 'L':
		o->listen_addr = optarg;
		return 0;
	case 'l':
		list_meters();
		return SIM_DONE;
	case 'h':
		sim_usage(stdout);
		return SIM_DONE;
	default:
		return -1; /* getopt said what */
	}
}

static int parse_sim_options(int argc, char **argv, struct sim_options *o)
{
	static const struct option options[] = {
	    {"meter", required_argument, NULL, 'm'},
	    {"count", required_argument, NULL, 'n'},
	    {"interval", required_argument, NULL, 'i'},
	    {"speed", required_argument, NULL, 'S'},
	    {"start", required_argument, NULL, 't'},
	    {"realtime", no_argument, NULL, 'r'},
	    {"hex", no_argument, NULL, 'x'},
	    {"phases", required_argument, NULL, 'p'},
	    {"seed", required_argument, NULL, 's'},
	    {"list", no_argument, NULL, 'l'},
	    {"framing", required_argument, NULL, 'f'},
	    {"plain", no_argument, NULL, 'c'},
	    {"export", no_argument, NULL, 'e'},
	    {"key", required_argument, NULL, 'k'},
	    {"auth-key", required_argument, NULL, 'a'},
	    {"pty", required_argument, NULL, 'P'},
	    {"tcp", required_argument, NULL, 'T'},
	    {"listen", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = take_option(o, c);
		if (rc != 0)
			return rc;
	}
	if (optind != argc) {
		sim_error("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

static bool is_live(const struct sim_options *o)
{
	return o->pty_path != NULL || o->tcp_addr != NULL || o->listen_addr != NULL;
}

static int check_addr(const char *option, const char *text)
{
	char host[SIM_HOST_MAX], port[SIM_PORT_MAX];
	if (text == NULL || sim_split_addr(text, host, port) == 0)
		return 0;
	sim_error("%s: expected HOST:PORT or [IPV6]:PORT, not '%s'", option, text);
	return -1;
}

/* Options that contradict each other; 0 or -1 (the message said). */
static int check_options(const struct sim_options *o)
{
	if (o->hex && is_live(o)) {
		sim_error("--hex writes to standard output, not to --pty, --tcp or --listen");
		return -1;
	}
	if (o->interval_set && o->family != NULL) {
		sim_error("--interval: the %s family sends at its own cadence", o->family->name);
		return -1;
	}
	if (o->has_auth_key && !o->has_key) {
		sim_error("--auth-key needs --key");
		return -1;
	}
	if (o->has_key && o->plain) {
		sim_error("--key and --plain contradict each other");
		return -1;
	}
	return check_addr("--tcp", o->tcp_addr) == 0 && check_addr("--listen", o->listen_addr) == 0
		   ? 0
		   : -1;
}

/* Defaults that depend on other options. */
static void finish_options(struct sim_options *o)
{
	bool live = is_live(o);
	if (!o->speed_set)
		o->speed = (o->realtime || live) ? 1 : 0;
	if (!o->count_set)
		o->count = live ? 0 : 1;
	if (!o->start_set)
		o->start = o->speed > 0 ? sim_local_now() : SIM_DEFAULT_START;
}

/* ---- the meter's links and keys ---- */

/* The manufacturer letters of a system title for a list that is encrypted only
 * because --key asks for it. */
static const char *title_letters(enum hp_enc_profile p)
{
	static const struct {
		const char *prefix, *letters;
	} makers[] = {{"kamstrup", "KAM"},
		      {"aidon", "AID"},
		      {"kaifa", "KFM"},
		      {"iskra", "ISK"},
		      {"landis", "LGZ"}};
	const char *name = hp_enc_profile_name(p);
	for (size_t i = 0; i < sizeof(makers) / sizeof(makers[0]); i++) {
		if (strncmp(name, makers[i].prefix, strlen(makers[i].prefix)) == 0)
			return makers[i].letters;
	}
	return "HPS";
}

/* A system title for a list the meter sends in clear: the maker's letters and a
 * made-up serial number. */
static void start_ciphering(struct hp_enc_link *link, enum hp_enc_profile p, bool auth)
{
	static const uint8_t serial[HP_ENC_TITLE_LEN - 3] = {0x00, 0x01, 0x23, 0x45, 0x67};
	struct hp_enc_ggc *g = &link->ggc;
	memset(g, 0, sizeof(*g));
	memcpy(g->title, title_letters(p), 3);
	memcpy(g->title + 3, serial, sizeof(serial));
	g->title_len = HP_ENC_TITLE_LEN;
	g->sc = (uint8_t)(SIM_SC_ENCRYPT | (auth ? SIM_SC_AUTH : 0));
	g->ic = 1;
	link->cipher = true;
}

static int make_link(const struct sim_options *o, enum hp_enc_profile p, struct hp_enc_link *link)
{
	bool dsmr = hp_enc_profile_is_dsmr(p);
	hp_enc_meter_default_link(p, link);
	if (o->plain)
		link->cipher = false;
	if (o->framing >= 0 && !dsmr)
		link->framing = (enum hp_enc_framing)o->framing;
	if (!o->has_key)
		return 0;
	if (!link->cipher && dsmr) {
		sim_error("--key: %s telegrams are sent in clear (dsmr-lu is encrypted)",
			  hp_enc_profile_name(p));
		return -1;
	}
	if (!link->cipher)
		start_ciphering(link, p, o->has_auth_key);
	memcpy(link->ggc.ek, o->key, HP_ENC_KEY_LEN);
	if (o->has_auth_key)
		memcpy(link->ggc.ak, o->auth_key, HP_ENC_KEY_LEN);
	return 0;
}

static int make_links(const struct sim_options *o, const struct sim_family *f, struct sim_links *l)
{
	memset(l, 0, sizeof(*l));
	for (unsigned i = 0; i < f->n && i < SIM_FAMILY_LISTS_MAX; i++) {
		l->profile[i] = f->lists[i].profile;
		if (make_link(o, l->profile[i], &l->link[i]) != 0)
			return -1;
		l->n = i + 1;
	}
	return 0;
}

static struct hp_enc_link *link_of(struct sim_links *l, enum hp_enc_profile p)
{
	for (unsigned i = 0; i < l->n; i++) {
		if (l->profile[i] == p)
			return &l->link[i];
	}
	return &l->link[0];
}

static void print_key(const char *label, const uint8_t *k)
{
	fprintf(stderr, "%s ", label);
	for (int i = 0; i < HP_ENC_KEY_LEN; i++)
		fprintf(stderr, "%02X", k[i]);
	fputc('\n', stderr);
}

/* The test keys of an encrypting family, so its frames can be decoded. Keys the
 * user gave are never printed. */
static void tell_test_keys(const struct sim_options *o, const struct sim_links *l)
{
	if (o->has_key || l->n == 0 || !l->link[0].cipher)
		return;
	print_key("hanp1d sim: frames are encrypted; decode with --key", l->link[0].ggc.ek);
	print_key("hanp1d sim: and --auth-key", l->link[0].ggc.ak);
}

/* ---- the meter ---- */

/* One profile as a family of one list, every period_ms from the start on. */
static void one_profile(struct sim_family *f, enum hp_enc_profile p, uint32_t period_ms,
			int64_t start_ms)
{
	memset(f, 0, sizeof(*f));
	f->name = hp_enc_profile_name(p);
	f->cadence = "";
	f->n = 1;
	f->lists[0] = (struct sim_list){p, period_ms, (uint32_t)(start_ms % period_ms)};
}

static bool family_has(const struct sim_family *f, enum hp_enc_profile p)
{
	for (unsigned i = 0; i < f->n; i++) {
		if (f->lists[i].profile == p)
			return true;
	}
	return false;
}

static void describe(struct sim_out *out, const struct sim_options *o, const struct sim_family *f,
		     const struct sim_model *m)
{
	struct tm tm;
	gmtime_r(&m->clock, &tm);
	char when[SIM_TIME_TEXT_MAX];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	sim_say(out, "%s meter%s%s%s, clock %s, speed %g", f->name, f->cadence[0] ? " (" : "",
		f->cadence, f->cadence[0] ? ")" : "", when, o->speed);
}

/* The meter: its values, its schedule and the links of its lists. */
struct sim_meter {
	struct sim_model model;
	struct sim_family one; /* the schedule of a single profile */
	const struct sim_family *family;
	struct sim_links links;
};

/* 0, or -1 when the options ask for what the meter cannot do (the message said). */
static int meter_init(struct sim_meter *m, const struct sim_options *o)
{
	sim_model_init(&m->model, o->phases, o->seed, o->start);
	sim_model_set_solar(&m->model, o->export ? SIM_SOLAR_PEAK_W : 0);
	m->family = o->family;
	if (m->family == NULL) {
		one_profile(&m->one, o->profile, o->interval * (uint32_t)MS_PER_S,
			    sim_model_time_ms(&m->model));
		m->family = &m->one;
	}
	if (make_links(o, m->family, &m->links) != 0)
		return -1;
	if (family_has(m->family, HP_PROFILE_ISKRA_12))
		sim_model_fit_profile(&m->model, HP_PROFILE_ISKRA_12);
	return 0;
}

static int play(const struct sim_options *o, struct sim_meter *m, struct sim_out *out)
{
	const struct sim_family *f = m->family;
	if (!out->to_stdout)
		describe(out, o, f, &m->model);
	static uint8_t mem[SIM_FRAME_MAX];
	uint32_t ic = m->links.link[0].cipher ? m->links.link[0].ggc.ic : 1;
	int64_t t0 = sim_model_time_ms(&m->model), t = t0;
	int64_t real0 = hp_mono_ms();
	for (unsigned i = 0; o->count == 0 || i < o->count; i++) {
		enum hp_enc_profile p = f->lists[0].profile;
		int64_t next = sim_family_next(f, t, &p);
		sim_model_advance_ms(&m->model, (uint32_t)(next - t));
		t = next;
		struct hp_enc_link *link = link_of(&m->links, p);
		link->ggc.ic = ic++;
		struct hp_buf b;
		hp_buf_init(&b, mem, sizeof(mem));
		if (hp_enc_meter_frames(&b, p, &m->model.values, link) != 0) {
			sim_error("cannot encode a %s frame", hp_enc_profile_name(p));
			return 1;
		}
		if (o->speed > 0 &&
		    !sim_wait_until(out, real0 + (int64_t)((double)(t - t0) / o->speed)))
			break;
		if (sim_out_frame(out, hp_enc_profile_name(p), &m->model.values.clock, b.p, b.len,
				  i + 1) != 0)
			return 1;
	}
	if (!out->to_stdout)
		sim_say(out, "stopped: %llu frames delivered, %llu lost (nobody reading)",
			(unsigned long long)out->delivered, (unsigned long long)out->dropped);
	return 0;
}

int hp_cmd_sim(int argc, char **argv)
{
	if (hp_sim_is_mep(argc, argv))
		return hp_sim_mep(argc, argv); /* request/response: its own loop (sim_mep.c) */
	struct sim_options o = {.profile = HP_PROFILE_KAMSTRUP_LIST2,
				.interval = 10,
				.phases = 3,
				.seed = 1,
				.framing = -1};
	int rc = parse_sim_options(argc, argv, &o);
	if (rc == SIM_DONE)
		return 0;
	if (rc != 0 || check_options(&o) != 0) {
		fputs("hanp1d sim --help lists the options\n", stderr);
		return HP_EXIT_USAGE;
	}
	finish_options(&o);
	struct sim_meter meter;
	if (meter_init(&meter, &o) != 0) {
		fputs("hanp1d sim --help lists the options\n", stderr);
		return HP_EXIT_USAGE;
	}
	tell_test_keys(&o, &meter.links);
	struct sim_out out;
	sim_out_init(&out, is_live(&o), o.hex);
	if (o.speed > 0 && sim_catch_signals() != 0) {
		sim_error("cannot catch signals: %s", strerror(errno));
		return 1;
	}
	rc = sim_out_open(&out, o.pty_path, o.tcp_addr, o.listen_addr) == 0 ? play(&o, &meter, &out)
									    : 1;
	sim_out_close(&out);
	sim_release_signals();
	return rc;
}
