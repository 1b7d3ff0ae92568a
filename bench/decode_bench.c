/* Decode benchmark: frames of each family, built by the project's encoder, decoded
 * by one long-lived decoder (the steady state of the daemon).
 *
 *   decode_bench --list            the families and their frame sizes
 *   decode_bench FAMILY N          decode N frames of FAMILY (for instruction counts:
 *                                  bench/run runs this under callgrind with two N)
 *   decode_bench --rate            frames per second of every family
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hanp1d/decode.h"
#include "meters.h"

/* Room for the largest family's frame sequence. */
#define FRAME_MAX 16384
/* How long --rate measures each family. */
#define RATE_SECONDS 0.5

struct family {
	const char *name;
	enum hp_enc_profile profile;
	bool cipher; /* wrap in general-glo-ciphering, SC 30 */
};

static const struct family families[] = {
    {"dsmr5-telegram", HP_PROFILE_DSMR50_NL, false},
    {"dsmr-be-telegram", HP_PROFILE_DSMR_BE, false},
    {"hdlc-kamstrup-list2", HP_PROFILE_KAMSTRUP_LIST2, false},
    {"hdlc-aidon-list3", HP_PROFILE_AIDON_LIST3, false},
    {"hdlc-aidon-list3-gcm", HP_PROFILE_AIDON_LIST3, true},
    {"hdlc-kaifa-list3", HP_PROFILE_KAIFA_LIST3, false},
    {"hdlc-kaifa-list3-gcm", HP_PROFILE_KAIFA_LIST3, true},
    {"hdlc-landis-gyr-gbt", HP_PROFILE_LANDIS_GYR, false},
    {"mbus-sagemcom-at-ctr", HP_PROFILE_SAGEMCOM_AT, false},
    {"p1-lux-gcm", HP_PROFILE_DSMR_LU, false},
};
#define FAMILY_COUNT (sizeof(families) / sizeof(families[0]))

struct frame {
	uint8_t bytes[FRAME_MAX];
	size_t len;
	struct hp_keys keys;
};

static size_t readings;

static void count_event(void *ctx, const struct hp_event *ev)
{
	(void)ctx;
	if (ev->reading != NULL)
		readings++;
}

static int build(const struct family *f, struct frame *out)
{
	struct hp_enc_values v;
	struct hp_enc_link link;
	hp_enc_values_example(&v, 3);
	hp_enc_meter_default_link(f->profile, &link);
	if (f->cipher) {
		static const uint8_t title[HP_ENC_TITLE_LEN] = {'K', 'F', 'M', 0x10, 0x20, 0, 0, 1};
		link.cipher = true;
		link.ggc.sc = 0x30;
		link.ggc.ic = 1;
		memcpy(link.ggc.title, title, sizeof(title));
		link.ggc.title_len = HP_ENC_TITLE_LEN;
		memset(link.ggc.ek, 0x5A, HP_ENC_KEY_LEN);
		memset(link.ggc.ak, 0xA5, HP_ENC_KEY_LEN);
	}
	struct hp_buf b;
	hp_buf_init(&b, out->bytes, sizeof(out->bytes));
	if (hp_enc_meter_frames(&b, f->profile, &v, &link) != 0)
		return -1;
	out->len = b.len;
	memset(&out->keys, 0, sizeof(out->keys));
	if (link.cipher) {
		out->keys.has_ek = out->keys.has_ak = true;
		memcpy(out->keys.ek, link.ggc.ek, HP_KEY_LEN);
		memcpy(out->keys.ak, link.ggc.ak, HP_KEY_LEN);
	}
	return 0;
}

static struct hp_decoder *decoder_for(const struct frame *fr)
{
	struct hp_decoder_config cfg = {.keys = fr->keys, .on_event = count_event};
	return hp_decoder_new(&cfg);
}

static const struct family *find(const char *name)
{
	for (size_t i = 0; i < FAMILY_COUNT; i++)
		if (strcmp(families[i].name, name) == 0)
			return &families[i];
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_count(const char *name, long n)
{
	const struct family *f = find(name);
	static struct frame fr;
	if (f == NULL || build(f, &fr) != 0) {
		fprintf(stderr, "decode_bench: unknown or unbuildable family %s\n", name);
		return 2;
	}
	struct hp_decoder *d = decoder_for(&fr);
	for (long i = 0; i < n; i++)
		hp_decoder_feed(d, fr.bytes, fr.len, 0);
	hp_decoder_finish(d);
	hp_decoder_free(d);
	if ((long)readings != n) {
		fprintf(stderr, "decode_bench: %s: %zu readings from %ld frames\n", name, readings,
			n);
		return 1;
	}
	return 0;
}

static int run_rate(void)
{
	static struct frame fr;
	printf("%-24s %8s %14s %12s\n", "family", "bytes", "frames/s", "MB/s");
	for (size_t i = 0; i < FAMILY_COUNT; i++) {
		if (build(&families[i], &fr) != 0)
			return 1;
		struct hp_decoder *d = decoder_for(&fr);
		long frames = 0;
		double start = now_s(), elapsed;
		do {
			for (int k = 0; k < 1000; k++)
				hp_decoder_feed(d, fr.bytes, fr.len, 0);
			frames += 1000;
			elapsed = now_s() - start;
		} while (elapsed < RATE_SECONDS);
		hp_decoder_free(d);
		printf("%-24s %8zu %14.0f %12.1f\n", families[i].name, fr.len,
		       (double)frames / elapsed, (double)frames * (double)fr.len / elapsed / 1e6);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		static struct frame fr;
		for (size_t i = 0; i < FAMILY_COUNT; i++)
			if (build(&families[i], &fr) == 0)
				printf("%s %zu\n", families[i].name, fr.len);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--rate") == 0)
		return run_rate();
	if (argc == 3)
		return run_count(argv[1], strtol(argv[2], NULL, 10));
	fprintf(stderr, "usage: decode_bench --list | --rate | FAMILY N\n");
	return 2;
}
