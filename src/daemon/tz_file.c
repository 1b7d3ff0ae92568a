/* TZif files (RFC 8536, versions 1 to 4): a header, a data block with 32-bit
 * times, and from version 2 on a second header and block with 64-bit times and a
 * footer holding the POSIX rule for the times after the last transition. Version
 * 2+ files are read from their 64-bit block, as glibc does with a 64-bit time_t.
 * Every count and index is checked against the file's length before use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_internal.h"

#define HEADER_SIZE 44
/* RFC 8536: offsets are within (-25 h, 26 h). */
#define OFF_MIN (-89999)
#define OFF_MAX 93599
/* No real zone comes near these; they bound what a broken file can allocate. */
#define TRANS_MAX 100000
#define CHARS_MAX 4096

enum { CNT_ISUT, CNT_ISSTD, CNT_LEAP, CNT_TIME, CNT_TYPE, CNT_CHAR, CNT_COUNT };

struct header {
	char version; /* 0, '2', '3', '4' */
	uint32_t cnt[CNT_COUNT];
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int fail(char *why, size_t why_size, const char *what)
{
	snprintf(why, why_size, "%s", what);
	return -1;
}

static int read_header(const unsigned char *buf, size_t len, size_t at, struct header *h, char *why,
		       size_t why_size)
{
	if (memcmp(buf + at, "TZif", len - at < 4 ? len - at : 4) != 0)
		return fail(why, why_size, "not a TZif file (no 'TZif' magic)");
	if (len - at < HEADER_SIZE)
		return fail(why, why_size, "truncated (no complete header)");
	h->version = (char)buf[at + 4];
	if (h->version != 0 && (h->version < '2' || h->version > '4'))
		return fail(why, why_size, "unknown TZif version");
	for (int i = 0; i < CNT_COUNT; i++)
		h->cnt[i] = be32(buf + at + 20 + 4 * i);
	if (h->cnt[CNT_LEAP] != 0)
		return fail(why, why_size,
			    "has leap seconds (a right/ zone), which are not supported");
	if (h->cnt[CNT_TYPE] == 0 || h->cnt[CNT_TYPE] > 256 || h->cnt[CNT_CHAR] == 0 ||
	    h->cnt[CNT_CHAR] > CHARS_MAX || h->cnt[CNT_TIME] > TRANS_MAX ||
	    (h->cnt[CNT_ISUT] != 0 && h->cnt[CNT_ISUT] != h->cnt[CNT_TYPE]) ||
	    (h->cnt[CNT_ISSTD] != 0 && h->cnt[CNT_ISSTD] != h->cnt[CNT_TYPE]))
		return fail(why, why_size, "bad counts in the header");
	return 0;
}

/* The size of a data block whose times take time_size bytes. */
static size_t block_size(const struct header *h, size_t time_size)
{
	return h->cnt[CNT_TIME] * (time_size + 1) + h->cnt[CNT_TYPE] * 6 + h->cnt[CNT_CHAR] +
	       h->cnt[CNT_LEAP] * (time_size + 4) + h->cnt[CNT_ISSTD] + h->cnt[CNT_ISUT];
}

static int alloc_arrays(struct hp_tz *z, const struct header *h)
{
	z->trans_count = h->cnt[CNT_TIME];
	z->type_count = h->cnt[CNT_TYPE];
	z->trans = malloc(sizeof(*z->trans) * (z->trans_count + 1));
	z->trans_type = malloc(z->trans_count + 1);
	z->types = malloc(sizeof(*z->types) * z->type_count);
	z->chars = malloc(h->cnt[CNT_CHAR]);
	return z->trans != NULL && z->trans_type != NULL && z->types != NULL && z->chars != NULL
		   ? 0
		   : -1;
}

/* The block at p, whose times take time_size bytes (4 or 8). */
static int read_block(const unsigned char *p, const struct header *h, size_t time_size,
		      struct hp_tz *z, char *why, size_t why_size)
{
	if (alloc_arrays(z, h) != 0)
		return fail(why, why_size, "out of memory");
	for (uint32_t i = 0; i < z->trans_count; i++, p += time_size) {
		z->trans[i] = time_size == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			return fail(why, why_size, "transition times out of order");
	}
	for (uint32_t i = 0; i < z->trans_count; i++, p++) {
		z->trans_type[i] = *p;
		if (*p >= z->type_count)
			return fail(why, why_size, "a transition to a type that does not exist");
	}
	for (uint32_t i = 0; i < z->type_count; i++, p += 6) {
		int32_t off = (int32_t)be32(p);
		if (off < OFF_MIN || off > OFF_MAX || p[4] > 1 || p[5] >= h->cnt[CNT_CHAR])
			return fail(why, why_size, "a bad local time type");
		z->types[i] = (struct hp_tz_type){off, p[4] == 1, p[5]};
	}
	memcpy(z->chars, p, h->cnt[CNT_CHAR]);
	if (z->chars[h->cnt[CNT_CHAR] - 1] != '\0')
		return fail(why, why_size, "abbreviations not NUL-terminated");
	/* Leap seconds were refused; the standard/wall and UT/local indicators only
	 * matter for POSIX TZ strings without rules, which these files never use. */
	return 0;
}

/* Before the first transition glibc takes the first standard-time type (or type
 * 0 when all are DST); RFC 8536 says type 0. Following glibc keeps the results
 * alike for the (pre-1900) instants concerned. */
static uint8_t first_type(const struct hp_tz *z)
{
	for (uint32_t i = 0; i < z->type_count; i++)
		if (!z->types[i].isdst)
			return (uint8_t)i;
	return 0;
}

/* The footer: "\n" rule "\n"; an empty rule means none. */
static int read_footer(const unsigned char *p, size_t left, struct hp_tz *z, char *why,
		       size_t why_size)
{
	if (left < 2 || p[0] != '\n')
		return fail(why, why_size, "truncated (no footer)");
	const unsigned char *end = memchr(p + 1, '\n', left - 1);
	if (end == NULL || (size_t)(end - p - 1) >= HP_TZ_NAME_MAX)
		return fail(why, why_size, "a bad footer");
	char rule[HP_TZ_NAME_MAX];
	memcpy(rule, p + 1, (size_t)(end - p - 1));
	rule[end - p - 1] = '\0';
	if (rule[0] == '\0')
		return 0;
	if (memchr(rule, '\0', (size_t)(end - p - 1)) != NULL ||
	    hp_tz_rule_parse(rule, &z->rule) != 0) {
		snprintf(why, why_size, "a bad TZ rule in the footer: '%.64s'", rule);
		return -1;
	}
	z->has_rule = true;
	return 0;
}

static int parse(const unsigned char *buf, size_t len, struct hp_tz *z, char *why, size_t why_size)
{
	struct header h;
	if (read_header(buf, len, 0, &h, why, why_size) != 0)
		return -1;
	size_t v1 = block_size(&h, 4);
	if (len - HEADER_SIZE < v1)
		return fail(why, why_size, "truncated (data block)");
	if (h.version == 0)
		return read_block(buf + HEADER_SIZE, &h, 4, z, why, why_size);
	size_t at = HEADER_SIZE + v1;
	if (read_header(buf, len, at, &h, why, why_size) != 0)
		return -1;
	at += HEADER_SIZE;
	size_t v2 = block_size(&h, 8);
	if (len - at < v2)
		return fail(why, why_size, "truncated (64-bit data block)");
	if (read_block(buf + at, &h, 8, z, why, why_size) != 0)
		return -1;
	at += v2;
	return read_footer(buf + at, len - at, z, why, why_size);
}

void hp_tz_file_free(struct hp_tz *z)
{
	free(z->trans);
	free(z->trans_type);
	free(z->types);
	free(z->chars);
	z->trans = NULL;
	z->trans_type = NULL;
	z->types = NULL;
	z->chars = NULL;
}

int hp_tz_file_parse(const unsigned char *buf, size_t len, struct hp_tz *z, char *why,
		     size_t why_size)
{
	if (parse(buf, len, z, why, why_size) != 0) {
		hp_tz_file_free(z);
		return -1;
	}
	z->first_type = first_type(z);
	return 0;
}
