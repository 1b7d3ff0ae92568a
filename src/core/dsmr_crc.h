/* CRC-16/ARC over DSMR telegram text, fused with the text check (the probe's one pass
 * over each telegram). Private to the DSMR probe. */
#ifndef HP_CORE_DSMR_CRC_H
#define HP_CORE_DSMR_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Runs the CRC over p[0..n) (crc.h's hp_crc16_arc_update, byte for byte). */
uint16_t hp_dsmr_crc(uint16_t crc, const uint8_t *p, size_t n);

/* The same, and checks that each byte is telegram text: printable ASCII 0x20..0x7E,
 * CR or LF. False (and *crc undefined) when another byte is found. */
bool hp_dsmr_crc_text(const uint8_t *p, size_t n, uint16_t *crc);

#endif
