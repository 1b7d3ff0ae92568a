/* Capture files as `hanp1d decode` reads them: hex text or raw bytes. */
#ifndef HP_CORE_HEX_TEXT_H
#define HP_CORE_HEX_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when buf is hex text: only whitespace-separated hex digit pairs (either
 * case), plus comment lines starting with '#' or "//". Decided by content, never by
 * file name. */
bool hp_is_hex_text(const uint8_t *buf, size_t len);

/* Decodes hex text in place (the bytes are never longer than the text); returns
 * the number of bytes. Only call it on input hp_is_hex_text accepted. */
size_t hp_hex_text_decode(uint8_t *buf, size_t len);

/* Parses exactly 2*n hex digits (a key, a system title) into out; -1 otherwise. */
int hp_hex_parse(const char *text, uint8_t *out, size_t n);

#endif
