/* Delimits a DSMR / P1 telegram (protocols-dsmr-serial.md (h)):
 *
 *   "/" 3 letters, 1 char, identification text, line end
 *   lines of printable ASCII, each ending in CR LF or LF
 *   "!" 0..4 hex digits of CRC-16/ARC over "/".."!", line end
 *
 * The body test is strict on purpose: a '/' in binary garbage must not hold the
 * stream for a whole telegram length, so any byte in the body other than printable
 * ASCII (0x20..0x7E), CR and LF says "not a telegram here" at once. (A CR that is not
 * part of a line end passes; the decoder then skips that one line.)
 *
 * Each call scans what it is given once: the text check and the CRC run fused, eight
 * bytes per step (dsmr_crc.c), and memchr finds the '!' and any line starting with '/'. */
#include <string.h>

#include "dsmr.h"
#include "hanp1d/hex.h"
#include "dsmr_crc.h"
#include "sizes.h"

/* Longest identification line, '/' through the line end. Real ones stay under 40
 * bytes ("/XMX5LGBBFFB231314239", "/ESY5Q3DB1024 V3.04"); 96 leaves room without
 * letting a stray '/' wait long for a line end. */
#define HEADER_MAX 96
/* "/XXXn": '/', three manufacturer letters, the baud character. */
#define HEADER_PREFIX 5
/* CRC-16 in hex. */
#define CRC_DIGITS_MAX 4
/* A ciphered body holds at least its security control and invocation counter. */
#define CIPHERED_MIN 5

static void result(struct hp_probe_result *res, enum hp_probe_status status, size_t len)
{
	res->status = status;
	res->len = len;
}

static bool is_letter(uint8_t c)
{
	return (uint8_t)((c | 0x20) - 'a') < 26;
}

/* The first c in buf[from..to) at the start of a line, or 0 (from > 0 always: the
 * identification line comes first). */
static size_t find_line_start(const uint8_t *buf, size_t from, size_t to, uint8_t c)
{
	while (from < to) {
		const uint8_t *q = memchr(buf + from, c, to - from);
		if (!q)
			return 0;
		size_t at = (size_t)(q - buf);
		if (buf[at - 1] == '\n')
			return at;
		from = at + 1;
	}
	return 0;
}

/* Not complete yet: wait, unless the telegram would outgrow the limit. */
static void incomplete(struct hp_probe_result *res, size_t avail)
{
	result(res, avail >= HP_TELEGRAM_MAX ? HP_PROBE_NO : HP_PROBE_MORE, 0);
}

/* The identification line. Returns the offset just after its LF, or 0 with res set. */
static size_t probe_header(const uint8_t *buf, size_t avail, struct hp_probe_result *res)
{
	for (size_t i = 1; i < HEADER_PREFIX - 1; i++) {
		if (i >= avail) {
			result(res, HP_PROBE_MORE, 0);
			return 0;
		}
		if (!is_letter(buf[i])) {
			result(res, HP_PROBE_NO, 0);
			return 0;
		}
	}
	if (avail < HEADER_PREFIX) {
		result(res, HP_PROBE_MORE, 0);
		return 0;
	}
	if (buf[4] == '\r' || buf[4] == '\n') {
		result(res, HP_PROBE_NO, 0);
		return 0;
	}
	size_t scan = avail < HEADER_MAX ? avail : HEADER_MAX;
	const uint8_t *lf = memchr(buf + HEADER_PREFIX, '\n', scan - HEADER_PREFIX);
	/* Control bytes are allowed in the identification ("/ISk5\x02MT382"); another
	 * '/' is not: it means this '/' was a stray one and a header starts there. */
	size_t text_end = lf ? (size_t)(lf - buf) : scan;
	if (memchr(buf + 1, '/', text_end - 1)) {
		result(res, HP_PROBE_NO, 0);
		return 0;
	}
	if (!lf) {
		result(res, avail >= HEADER_MAX ? HP_PROBE_NO : HP_PROBE_MORE, 0);
		return 0;
	}
	return text_end + 1;
}

/* Body lines up to the '!' at the start of a line: printable ASCII with CR LF or LF
 * line ends. Returns the offset of the '!' with the CRC over buf[0..'!'], or 0 with
 * res set. */
static size_t probe_body(const uint8_t *buf, size_t body, size_t avail, uint16_t *crc,
			 struct hp_probe_result *res)
{
	size_t limit = avail < HP_TELEGRAM_MAX ? avail : HP_TELEGRAM_MAX;
	size_t bang = find_line_start(buf, body, limit, '!');
	size_t text_end = bang ? bang : limit;
	/* A line starting with '/' is a new telegram: this one was cut off. Any byte
	 * that is not text says this '/' did not start a telegram at all. */
	if (find_line_start(buf, body, text_end, '/') ||
	    !hp_dsmr_crc_text(buf + body, text_end - body, crc)) {
		result(res, HP_PROBE_NO, 0);
		return 0;
	}
	if (!bang) {
		incomplete(res, avail);
		return 0;
	}
	*crc = hp_dsmr_crc(*crc, buf + bang, 1);
	return bang;
}

/* After the '!': the CRC digits and the line end. Sets res; checks the CRC. */
static void probe_trailer(const uint8_t *buf, size_t bang, size_t avail, bool at_eof,
			  const uint16_t *computed, struct hp_probe_result *res)
{
	size_t q = bang + 1;
	unsigned digits = 0, sent = 0;
	while (q < avail && digits < CRC_DIGITS_MAX) {
		int v = hp_hex_digit(buf[q]);
		if (v < 0)
			break;
		sent = sent << 4 | (unsigned)v;
		digits++;
		q++;
	}
	size_t len;
	if (q == avail) {
		if (!at_eof) {
			result(res, HP_PROBE_MORE, 0);
			return;
		}
		len = q;
	} else if (buf[q] == '\n') {
		len = q + 1;
	} else if (buf[q] == '\r') {
		if (q + 1 == avail && !at_eof) {
			result(res, HP_PROBE_MORE, 0);
			return;
		}
		len = q + 1 < avail && buf[q + 1] == '\n' ? q + 2 : q + 1;
	} else if (hp_hex_digit(buf[q]) >= 0) {
		/* A fifth hex digit: not a CRC line. */
		result(res, HP_PROBE_NO, 0);
		return;
	} else {
		/* No line end, but something else follows (the next '/', garbage). */
		len = q;
	}
	if (len > HP_TELEGRAM_MAX) {
		result(res, HP_PROBE_NO, 0);
		return;
	}
	result(res, HP_PROBE_FRAME, len);
	/* DSMR 2.2/3 and some 4.2 meters send no CRC; a ciphered body is checked by its
	 * tag instead (computed NULL). */
	if (digits == 0 || computed == NULL)
		return;
	if (*computed != sent) {
		res->status = HP_PROBE_BAD;
		hp_error_set(&res->error, HP_ERR_CRC, "DSMR CRC mismatch: sent %.*s, computed %04X",
			     (int)digits, (const char *)buf + bang + 1, *computed);
	}
}

/* Title length, A-XDR length and its bytes of a ciphered body: TL (0 or 8), title,
 * then 00..7F, 81 nn or 82 nn nn. Returns the body's length, 0 when bytes are
 * missing (*more set) or when these are no ciphered body. */
static size_t ciphered_body_len(const uint8_t *p, size_t avail, bool *more)
{
	*more = false;
	size_t at = 1 + (size_t)p[0];
	if (avail < at + 1) {
		*more = true;
		return 0;
	}
	size_t len = p[at], len_bytes = 1;
	if (len >= 0x80) {
		len_bytes = 1 + (len & 0x7F);
		if (len_bytes > 3)
			return 0;
		if (avail < at + len_bytes) {
			*more = true;
			return 0;
		}
		len = 0;
		for (size_t i = 1; i < len_bytes; i++)
			len = len << 8 | p[at + i];
	}
	/* SC and IC at least, and a plausible security control. */
	if (len < CIPHERED_MIN || (avail > at + len_bytes && (p[at + len_bytes] & 0x0F) > 1))
		return 0;
	return at + len_bytes + len;
}

size_t hp_dsmr_ciphered_body(const uint8_t *buf, size_t len, size_t *bin_len)
{
	const uint8_t *lf = len > 0 && buf[0] == '/' ? memchr(buf, '\n', len) : NULL;
	if (lf == NULL)
		return 0;
	size_t body = (size_t)(lf - buf) + 1;
	while (body < len && (buf[body] == '\r' || buf[body] == '\n'))
		body++;
	if (body >= len || (buf[body] != 0 && buf[body] != HP_SYSTEM_TITLE_LEN))
		return 0;
	bool more;
	size_t n = ciphered_body_len(buf + body, len - body, &more);
	if (n == 0 || body + n > len)
		return 0;
	*bin_len = n;
	return body;
}

/* A ciphered body (Elgama, Kaifa PL): binary between the identification and the
 * '!' line. The tag checks it; the CRC's coverage is not known, so it is not
 * checked. */
static void probe_ciphered(const uint8_t *buf, size_t body, size_t avail, bool at_eof,
			   struct hp_probe_result *res)
{
	while (body < avail && (buf[body] == '\r' || buf[body] == '\n'))
		body++;
	bool more;
	size_t n = ciphered_body_len(buf + body, avail - body, &more);
	if (n == 0 || body + n > HP_TELEGRAM_MAX) {
		result(res, more ? HP_PROBE_MORE : HP_PROBE_NO, 0);
		return;
	}
	size_t q = body + n;
	while (q < avail && (buf[q] == '\r' || buf[q] == '\n'))
		q++;
	if (q >= avail) {
		incomplete(res, avail);
		return;
	}
	if (buf[q] != '!') {
		result(res, HP_PROBE_NO, 0);
		return;
	}
	probe_trailer(buf, q, avail, at_eof, NULL, res);
}

/* The first body byte after the blank line says whether the body is ciphered:
 * text never starts with 00 or 08. */
static bool ciphered_start(const uint8_t *buf, size_t body, size_t avail)
{
	while (body < avail && (buf[body] == '\r' || buf[body] == '\n'))
		body++;
	return body < avail && (buf[body] == 0 || buf[body] == HP_SYSTEM_TITLE_LEN);
}

void hp_dsmr_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res)
{
	res->error.code = HP_ERR_NONE;
	res->error.detail[0] = '\0';
	if (avail == 0) {
		result(res, HP_PROBE_MORE, 0);
		return;
	}
	if (buf[0] != '/') {
		result(res, HP_PROBE_NO, 0);
		return;
	}
	size_t body = probe_header(buf, avail, res);
	if (body == 0)
		return;
	if (ciphered_start(buf, body, avail)) {
		probe_ciphered(buf, body, avail, at_eof, res);
		return;
	}
	/* The identification may hold control bytes: CRC it without the text check. */
	uint16_t crc = hp_dsmr_crc(0, buf, body);
	size_t bang = probe_body(buf, body, avail, &crc, res);
	if (bang == 0)
		return;
	probe_trailer(buf, bang, avail, at_eof, &crc, res);
}
