/* CRC-16 check values of the meter framings (protocols.md (a), (h)). */
#ifndef HP_CORE_CRC_H
#define HP_CORE_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-16/X.25 (HDLC HCS and FCS): init FFFF, reflected, xorout FFFF; sent low byte first.
 * check("123456789") = 0x906E. */
uint16_t hp_crc16_x25(const uint8_t *p, size_t n);
/* Running form: start with 0xFFFF, finish by xor 0xFFFF. */
uint16_t hp_crc16_x25_update(uint16_t crc, const uint8_t *p, size_t n);

/* CRC-16/ARC (DSMR, over '/' .. '!'): init 0, reflected, no xorout.
 * check("123456789") = 0xBB3D. */
uint16_t hp_crc16_arc(const uint8_t *p, size_t n);
uint16_t hp_crc16_arc_update(uint16_t crc, const uint8_t *p, size_t n);

#endif
