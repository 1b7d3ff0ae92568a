/* `hanp1d [run] [-c FILE] [--check-config] [--demo [DIR]]`: the daemon. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"

#define DEFAULT_CONFIG "/etc/hanp1d/hanp1d.conf"
#define DEMO_DIR       "hanp1d-demo"
/* Where the dashboard is when running from the build tree (set by CMake), else
 * where the package installs it. */
#ifndef HP_WWW_DIR
#define HP_WWW_DIR "/usr/share/hanp1d/www"
#endif

struct run_options {
	const char *config;
	bool check_only;
	bool demo;
	const char *demo_dir;
};

static void print_config_error(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

static void run_usage(FILE *out)
{
	fputs("usage: hanp1d [run] [-c FILE] [--check-config]\n"
	      "       hanp1d --demo [DIR]\n"
	      "  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
	      "  --check-config     check the configuration, print file:line: message for\n"
	      "                     every problem, exit 0 or 78\n"
	      "  --demo [DIR]       run on a simulated DSMR 5 meter, history in DIR (default\n"
	      "                     ./" DEMO_DIR "), dashboard on http://127.0.0.1:8080/\n",
	      out);
}

static int parse_run_options(int argc, char **argv, struct run_options *o)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'k'},
	    {"demo", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'k':
			o->check_only = true;
			break;
		case 'd':
			o->demo = true;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (o->demo && optind < argc)
		o->demo_dir = argv[optind++];
	return optind == argc ? 0 : -1;
}

/* The embedded default: one simulated meter, history in a local directory. */
static int demo_config(struct hp_config *cfg, const char *dir)
{
	hp_config_defaults(cfg);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "hanp1d: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	struct hp_meter_config *m = &cfg->meters[0];
	cfg->meter_count = 1;
	snprintf(m->name, sizeof(m->name), "demo");
	m->kind = HP_SOURCE_SIM;
	snprintf(m->path, sizeof(m->path), "dsmr50-nl");
	m->speed = 1;
	snprintf(cfg->store.path, sizeof(cfg->store.path), "%s/history.db", dir);
	snprintf(cfg->http.www_dir, sizeof(cfg->http.www_dir), "%s", HP_WWW_DIR);
	snprintf(cfg->file, sizeof(cfg->file), "(built-in demo)");
	return 0;
}

int hp_cmd_run(int argc, char **argv)
{
	struct run_options o = {.config = DEFAULT_CONFIG, .demo_dir = DEMO_DIR};
	int rc = parse_run_options(argc, argv, &o);
	if (rc != 0) {
		if (rc < 0)
			run_usage(stderr);
		return rc < 0 ? HP_EXIT_USAGE : 0;
	}
	static struct hp_config cfg; /* large: every meter's settings */
	if (o.demo) {
		if (demo_config(&cfg, o.demo_dir) != 0)
			return 1;
		printf("hanp1d demo: a simulated DSMR 5 meter; history in %s, dashboard and API "
		       "on http://127.0.0.1:%u/ (Ctrl-C stops)\n",
		       cfg.store.path, cfg.http.port);
		fflush(stdout);
		return hp_daemon_run(&cfg);
	}
	int problems = hp_config_load(o.config, &cfg, print_config_error, NULL);
	if (problems > 0) {
		fprintf(stderr, "hanp1d: %d problem%s in %s\n", problems, problems > 1 ? "s" : "",
			o.config);
		return HP_EXIT_CONFIG;
	}
	if (o.check_only) {
		printf("%s: ok (%u meter%s)\n", o.config, cfg.meter_count,
		       cfg.meter_count == 1 ? "" : "s");
		return 0;
	}
	return hp_daemon_run(&cfg);
}
