/* Un-marking the input of a serial port opened with INPCK | PARMRK (and IGNPAR,
 * ISTRIP, IGNBRK off), protocols-dsmr-serial.md "Auto-detection from buffered bytes"
 * step 1: the line discipline sends a real FF as FF FF, a byte x with a parity or
 * framing error as FF 00 x, and a break as FF 00 00. The marks say which settings
 * are wrong and count line errors; the bytes themselves go on to the ring. */
#ifndef HP_DAEMON_PARMRK_H
#define HP_DAEMON_PARMRK_H

#include <stddef.h>
#include <stdint.h>

/* The flag of each un-marked byte. */
enum hp_parmrk_flag {
	HP_PARMRK_OK = 0,
	HP_PARMRK_ERROR = 1, /* parity or framing error on this byte */
	HP_PARMRK_BREAK = 2, /* a break: the line held low for a character or longer (byte 00) */
};

/* A mark can be cut by the end of a read; the state carries it to the next one. */
struct hp_parmrk {
	uint8_t state;   /* 0 ground, 1 after FF, 2 after FF 00 */
	uint64_t errors; /* bytes with a parity or framing error */
	uint64_t breaks;
};

void hp_parmrk_init(struct hp_parmrk *p);

/* Un-marks n bytes of in into out (which may be in itself: the output never runs
 * ahead of the input). When flags is not NULL it gets one hp_parmrk_flag per output
 * byte. Returns the number of bytes written to out. */
size_t hp_parmrk_feed(struct hp_parmrk *p, const uint8_t *in, size_t n, uint8_t *out,
		      uint8_t *flags);

#endif
