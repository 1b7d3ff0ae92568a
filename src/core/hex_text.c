/* Hex text detection and decoding for capture files. */
#include "hex_text.h"

#include "hanp1d/hex.h"

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool starts_comment(const uint8_t *p, size_t left)
{
	return p[0] == '#' || (left >= 2 && p[0] == '/' && p[1] == '/');
}

/* Walks the text; with `out` set, writes the decoded bytes. Returns false at the
 * first thing that is not whitespace, a comment line or a hex pair. */
static bool walk(const uint8_t *buf, size_t len, uint8_t *out, size_t *out_len)
{
	size_t n = 0, i = 0;
	bool line_start = true;
	bool any_digit = false;
	while (i < len) {
		uint8_t c = buf[i];
		if (c == '\n') {
			line_start = true;
			i++;
			continue;
		}
		if (is_space(c)) {
			i++;
			continue;
		}
		if (line_start && starts_comment(buf + i, len - i)) {
			while (i < len && buf[i] != '\n')
				i++;
			continue;
		}
		line_start = false;
		/* A token: hex digits until whitespace; it must hold whole pairs. */
		size_t start = i;
		while (i < len && !is_space(buf[i])) {
			if (hp_hex_digit(buf[i]) < 0)
				return false;
			i++;
		}
		if ((i - start) % 2 != 0)
			return false;
		for (size_t k = start; k < i; k += 2) {
			if (out != NULL)
				out[n] =
				    (uint8_t)(hp_hex_digit(buf[k]) << 4 | hp_hex_digit(buf[k + 1]));
			n++;
		}
		any_digit = true;
	}
	if (out_len != NULL)
		*out_len = n;
	return any_digit;
}

bool hp_is_hex_text(const uint8_t *buf, size_t len)
{
	return walk(buf, len, NULL, NULL);
}

size_t hp_hex_text_decode(uint8_t *buf, size_t len)
{
	size_t n = 0;
	/* Writing never overtakes reading: each output byte comes from two input digits
	 * at or after the write position. */
	walk(buf, len, buf, &n);
	return n;
}

int hp_hex_parse(const char *text, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = text[2 * i] ? hp_hex_digit((uint8_t)text[2 * i]) : -1;
		int lo = hi >= 0 && text[2 * i + 1] ? hp_hex_digit((uint8_t)text[2 * i + 1]) : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return text[2 * n] == '\0' ? 0 : -1;
}
