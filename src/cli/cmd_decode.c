/* `hanp1d decode`: one capture through the core library, JSON lines out
 * (the contract is in reading-model.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decode_mep.h"
#include "explain.h"
#include "hex_text.h"
#include "reading_json.h"

/* Captures are small (a day of 10 s frames is a few MiB); refuse what cannot be one. */
#define CAPTURE_MAX ((size_t)512 * 1024 * 1024)
#define READ_CHUNK  65536

struct decode_run {
	bool explain;
	size_t readings;
	size_t objects;
};

static void print_json(json_t *o)
{
	char *s = json_dumps(o, HP_JSON_FLAGS);
	if (s != NULL) {
		puts(s);
		free(s);
	}
	json_decref(o);
}

static void on_event(void *ctx, const struct hp_event *ev)
{
	struct decode_run *run = ctx;
	run->objects++;
	if (ev->reading != NULL) {
		run->readings++;
		print_json(hp_reading_to_json(ev->reading));
	} else {
		if (run->explain)
			hp_explain_error(ev->error);
		print_json(hp_error_to_json(ev->error));
	}
}

/* Reads a whole file (or stdin) into a growing buffer. */
static uint8_t *read_all(FILE *f, size_t *len)
{
	size_t cap = READ_CHUNK, n = 0;
	uint8_t *buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= CAPTURE_MAX) {
				errno = EFBIG;
				free(buf);
				return NULL;
			}
			uint8_t *grown = realloc(buf, cap * 2);
			if (grown == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void decode_usage(FILE *out)
{
	fputs("usage: hanp1d decode [--key HEX] [--auth-key HEX] [--system-title HEX] [--explain] "
	      "[FILE|-]\n"
	      "       hanp1d decode {--mep-table T | --mep-request HEX} [--mep-bt21 HEX] [FILE|-]\n"
	      "  --key HEX           encryption key (EK/GUEK), 32 hex digits\n"
	      "  --auth-key HEX      authentication key (AK/GAK), 32 hex digits\n"
	      "  --system-title HEX  system title for encrypted DSMR without one, 16 hex digits\n"
	      "  --explain           walk through each frame in words, with probable causes\n"
	      "  --mep-table T       MEP (OSGP) responses to a read of table T (23, BT28, ET03)\n"
	      "  --mep-request HEX   MEP responses to this request (a frame or its APDU)\n"
	      "  --mep-bt21 HEX      the MEP meter's BT21 (10 bytes) for BT23 and BT28\n",
	      out);
}

static int parse_options(int argc, char **argv, struct hp_keys *keys, bool *explain,
			 const char **path)
{
	static const struct option options[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"auth-key", required_argument, NULL, 'a'},
	    {"system-title", required_argument, NULL, 't'},
	    {"explain", no_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (hp_hex_parse(optarg, keys->ek, HP_KEY_LEN) != 0) {
				fprintf(stderr, "hanp1d decode: --key needs 32 hex digits\n");
				return -1;
			}
			keys->has_ek = true;
			break;
		case 'a':
			if (hp_hex_parse(optarg, keys->ak, HP_KEY_LEN) != 0) {
				fprintf(stderr, "hanp1d decode: --auth-key needs 32 hex digits\n");
				return -1;
			}
			keys->has_ak = true;
			break;
		case 't':
			if (hp_hex_parse(optarg, keys->system_title, HP_SYSTEM_TITLE_LEN) != 0) {
				fprintf(stderr,
					"hanp1d decode: --system-title needs 16 hex digits\n");
				return -1;
			}
			keys->has_system_title = true;
			break;
		case 'e':
			*explain = true;
			break;
		case 'h':
			return 1;
		default:
			return -1;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "hanp1d decode: one input file at most\n");
		return -1;
	}
	*path = optind < argc ? argv[optind] : "-";
	return 0;
}

static uint8_t *load_capture(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "hanp1d decode: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	uint8_t *buf = read_all(f, len);
	if (buf == NULL)
		fprintf(stderr, "hanp1d decode: %s: %s\n", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	return buf;
}

int hp_cmd_decode(int argc, char **argv)
{
	if (hp_decode_is_mep(argc, argv))
		return hp_decode_mep(argc, argv); /* responses need their request (decode_mep.c) */
	struct hp_keys keys = {0};
	const char *path = NULL;
	struct decode_run run = {0};
	int parsed = parse_options(argc, argv, &keys, &run.explain, &path);
	if (parsed != 0) {
		decode_usage(parsed > 0 ? stdout : stderr);
		return parsed > 0 ? 0 : HP_EXIT_USAGE;
	}
	size_t len = 0;
	uint8_t *buf = load_capture(path, &len);
	if (buf == NULL)
		return HP_EXIT_USAGE;
	bool hex = hp_is_hex_text(buf, len);
	if (hex)
		len = hp_hex_text_decode(buf, len);

	struct hp_trace trace = {.line = hp_explain_line};
	struct hp_decoder_config cfg = {
	    .keys = keys,
	    .on_event = on_event,
	    .ctx = &run,
	    .trace = run.explain ? &trace : NULL,
	};
	struct hp_decoder *dec = hp_decoder_new(&cfg);
	if (dec == NULL) {
		fprintf(stderr, "hanp1d decode: cannot set up the decoder (crypto library)\n");
		free(buf);
		return HP_EXIT_USAGE;
	}
	if (run.explain)
		hp_explain_input(path, hex, len);
	if (len == 0) {
		struct hp_error empty;
		hp_error_set(&empty, HP_ERR_NOISE, "the input is empty: no bytes at all");
		struct hp_event ev = {.error = &empty};
		on_event(&run, &ev);
	} else {
		hp_decoder_feed(dec, buf, len, 0);
		hp_decoder_finish(dec);
	}
	if (run.explain)
		hp_explain_summary(hp_decoder_stats(dec));
	hp_decoder_free(dec);
	free(buf);
	fflush(stdout);
	return run.readings > 0 ? HP_EXIT_READING : HP_EXIT_NO_READING;
}
