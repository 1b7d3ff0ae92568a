/* `hanp1d decode` for MEP captures. A response does not say which table it carries,
 * so the request (or just the table) is given on the command line; each response
 * frame of the input then becomes a reading (BT01, BT23, BT28, BT52, ET03) or, when
 * it cannot be mapped, an object with its envelope, code and data in hex. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decode_mep.h"
#include "hanp1d/hex.h"
#include "hex_text.h"
#include "mep.h"
#include "reading_json.h"

#define MEP_CAPTURE_MAX (1024 * 1024)

struct mep_decode {
	uint16_t table;
	bool table_set;
	uint32_t offset; /* of a partial read: only offset 0 is laid out as the table */
	struct hp_mep_regs regs;
	size_t readings;
};

bool hp_decode_is_mep(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--mep-", 6) == 0)
			return true;
	return false;
}

/* "23" or "BT23" = standard table 23; "ET03" = manufacturer table 3; "0x0817" as is. */
static int parse_table(const char *s, uint16_t *table)
{
	unsigned base = 0;
	if ((s[0] == 'B' || s[0] == 'b') && (s[1] == 'T' || s[1] == 't'))
		s += 2;
	else if ((s[0] == 'E' || s[0] == 'e' || s[0] == 'M' || s[0] == 'm') &&
		 (s[1] == 'T' || s[1] == 't')) {
		s += 2;
		base = 0x0800;
	}
	char *end;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long v = strtoul(s, &end, hex ? 16 : 10);
	if (end == s || *end != '\0' || v + base > 0xFFFF)
		return -1;
	*table = (uint16_t)(v + base);
	return 0;
}

/* Hex digits, with spaces or colons between bytes allowed; the byte count or -1. */
static long parse_hex(const char *text, uint8_t *out, size_t cap)
{
	char digits[2 * 64 + 1];
	size_t k = 0;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == ' ' || *p == ':' || *p == '\t')
			continue;
		if (k + 1 >= sizeof(digits))
			return -1;
		digits[k++] = *p;
	}
	digits[k] = '\0';
	if (k % 2 != 0 || k / 2 > cap || hp_hex_parse(digits, out, k / 2) != 0)
		return -1;
	return (long)(k / 2);
}

/* A request frame (LEN APDU SEQ digest) or a bare APDU: its table and offset. */
static int parse_request(const char *text, struct mep_decode *d)
{
	uint8_t b[HP_MEP_REQUEST_MAX + 4];
	long got = parse_hex(text, b, sizeof(b));
	if (got < 0)
		return -1;
	size_t n = (size_t)got;
	const uint8_t *a = b;
	if (n >= 2 && ((size_t)b[0] << 8 | b[1]) + 2 == n) {
		a += 2; /* a whole frame: skip LEN */
		n -= 2;
	}
	if (n >= 5 && (a[0] == HP_MEP_OP_FULL_READ || a[0] == HP_MEP_OP_PARTIAL_READ)) {
		d->table = (uint16_t)(a[1] << 8 | a[2]);
		d->offset = a[0] == HP_MEP_OP_PARTIAL_READ && n >= 8
				? (uint32_t)a[3] << 16 | (uint32_t)a[4] << 8 | a[5]
				: 0;
		d->table_set = true;
		return 0;
	}
	d->table_set = false; /* a write or procedure: no table data to map */
	return n >= 1 ? 0 : -1;
}

static void usage(void)
{
	fputs("usage: hanp1d decode --mep-table T [--mep-bt21 HEX] [FILE|-]\n"
	      "       hanp1d decode --mep-request HEX [--mep-bt21 HEX] [FILE|-]\n"
	      "FILE (default: standard input) holds MEP response frames (hex text or raw\n"
	      "bytes). T is 23, BT28, ET03, 0x0817, ...; HEX a request frame or its APDU.\n"
	      "--mep-bt21 gives the meter's BT21 (ACT_REGS, 10 bytes); default\n"
	      "44 00 00 02 01 00 00 00 01 37.\n",
	      stderr);
}

static void print(json_t *o)
{
	char *s = json_dumps(o, HP_JSON_FLAGS);
	if (s != NULL) {
		puts(s);
		free(s);
	}
	json_decref(o);
}

static void print_error(const struct hp_error *e)
{
	print(hp_error_to_json(e));
}

/* What cannot be mapped: the envelope, code and data as they came. */
static void print_envelope(const uint8_t *f, size_t len, const struct hp_mep_response *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "protocol", json_string("mep"));
	json_object_set_new(o, "len", json_integer((json_int_t)(len - 2)));
	char code[3];
	snprintf(code, sizeof(code), "%02X", r->code);
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "meaning", json_string(hp_mep_code_name(r->code)));
	if (r->code == HP_MEP_ERR_SEQUENCE)
		json_object_set_new(o, "expected_seq", json_integer(r->expected_seq));
	const uint8_t *p = r->has_data ? r->data : f + 3;
	size_t n = r->has_data ? r->data_len : len - 3;
	char *hex = malloc(2 * n + 1);
	if (hex != NULL) {
		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", p[i]);
		hex[2 * n] = '\0';
		json_object_set_new(o, "data", json_string(hex));
		free(hex);
	}
	print(o);
}

static void one_frame(struct mep_decode *d, const uint8_t *f, size_t len)
{
	struct hp_mep_response r;
	struct hp_error err = {0};
	if (hp_mep_response_parse(f, len, &r, &err) < 0) {
		print_error(&err);
		return;
	}
	if (r.code == HP_MEP_ERR_AUTH) {
		hp_error_set(&err, HP_ERR_AUTH, "MEP response 0B: the meter rejected the digest");
		print_error(&err);
		return;
	}
	bool mapped =
	    r.code == HP_MEP_OK && r.has_data && d->table_set && d->offset == 0 &&
	    (d->table == HP_MEP_BT01 || d->table == HP_MEP_BT23 || d->table == HP_MEP_BT28 ||
	     d->table == HP_MEP_BT52 || d->table == HP_MEP_ET03);
	if (!mapped) {
		print_envelope(f, len, &r);
		return;
	}
	struct hp_reading rd;
	hp_reading_init(&rd, HP_PROTO_MEP, HP_FRAMING_MEP);
	if (hp_mep_table_apply(d->table, &d->regs, r.data, r.data_len, &rd, &err) < 0) {
		print_error(&err);
		return;
	}
	hp_reading_finish(&rd);
	print(hp_reading_to_json(&rd));
	d->readings++;
}

int hp_decode_mep(int argc, char **argv)
{
	static const struct option options[] = {{"mep-table", required_argument, NULL, 't'},
						{"mep-request", required_argument, NULL, 'r'},
						{"mep-bt21", required_argument, NULL, 'b'},
						{NULL, 0, NULL, 0}};
	struct mep_decode d = {.regs = {.flags1 = 0x44, .demands = 1, .values = 55}};
	bool given = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		uint8_t bt21[10];
		struct hp_error err;
		switch (c) {
		case 't':
			if (parse_table(optarg, &d.table) != 0)
				goto bad;
			d.table_set = given = true;
			d.offset = 0;
			break;
		case 'r':
			if (parse_request(optarg, &d) != 0)
				goto bad;
			given = true;
			break;
		case 'b':
			if (parse_hex(optarg, bt21, sizeof(bt21)) != 10 ||
			    hp_mep_bt21_parse(bt21, 10, &d.regs, &err) != 0)
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	if (!given || optind + 1 < argc)
		goto bad;
	const char *path = optind < argc ? argv[optind] : "-";
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return HP_EXIT_USAGE;
	}
	uint8_t *buf = malloc(MEP_CAPTURE_MAX + 1);
	size_t len = buf != NULL ? fread(buf, 1, MEP_CAPTURE_MAX + 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (buf == NULL)
		return HP_EXIT_USAGE;
	if (len > MEP_CAPTURE_MAX) {
		fprintf(stderr, "hanp1d decode: %s: larger than %u bytes; split the capture\n",
			path, (unsigned)MEP_CAPTURE_MAX);
		free(buf);
		return HP_EXIT_USAGE;
	}
	if (hp_is_hex_text(buf, len))
		len = hp_hex_text_decode(buf, len);
	struct hp_mep_framer fr;
	hp_mep_framer_init(&fr);
	size_t frames = 0;
	for (size_t i = 0; i < len; i++) {
		const uint8_t *frame;
		size_t flen;
		enum hp_mep_frame_kind k = hp_mep_framer_byte(&fr, buf[i], &frame, &flen);
		if (k == HP_MEP_FRAME_RESPONSE) {
			frames++;
			one_frame(&d, frame, flen);
		} else if (k == HP_MEP_FRAME_ALERT) {
			frames++;
			print(json_pack("{s:s,s:s}", "protocol", "mep", "alert", "00 00"));
		}
	}
	struct hp_error err;
	if (hp_mep_framer_partial(&fr)) {
		hp_error_set(&err, HP_ERR_TRUNCATED, "the input ends inside a MEP frame");
		print_error(&err);
	} else if (frames == 0) {
		hp_error_set(&err, HP_ERR_NOISE, "no MEP response frame in the input");
		print_error(&err);
	}
	free(buf);
	return d.readings > 0 ? HP_EXIT_READING : HP_EXIT_NO_READING;
bad:
	usage();
	return HP_EXIT_USAGE;
}
