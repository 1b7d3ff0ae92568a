/* DSMR / P1 telegrams (protocols-dsmr-serial.md (h)). */
#ifndef HP_CORE_DSMR_H
#define HP_CORE_DSMR_H

#include "probe.h"

/* Delimits a telegram starting with '/': FRAME covers '/' through the CRC digits
 * and the line end after them (when present); BAD with a `crc` error when the CRC
 * does not match; NO when buf[0] does not start a plausible telegram. */
void hp_dsmr_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res);

/* A telegram whose body is binary general-glo-ciphering without the DB tag
 * (Elgama GAMA 350, Kaifa MA309 in Poland): `/ident CRLF CRLF TL title LEN SC IC
 * ciphertext tag !CRC`. Given a delimited telegram, returns the offset of the TL
 * byte and sets *bin_len to the ciphered body's length; 0 for a telegram in clear
 * text. */
size_t hp_dsmr_ciphered_body(const uint8_t *buf, size_t len, size_t *bin_len);

/* Decodes a telegram delimited by hp_dsmr_probe. The caller has initialised r
 * (protocol dsmr, framing, encrypted); returns 0, or -1 with err set. */
int hp_dsmr_decode(const uint8_t *telegram, size_t len, struct hp_reading *r, struct hp_error *err,
		   const struct hp_trace *trace);

#endif
