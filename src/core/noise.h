/* What an input without frames says about the line (protocols-dsmr-serial.md
 * "Diagnostics: what the bytes say"). A pure function over a byte buffer, used by the
 * stream at the end of an input without frames and by the daemon on a live window. */
#ifndef HP_CORE_NOISE_H
#define HP_CORE_NOISE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes looked at: enough for two frames of any kind at any push interval, small
 * enough to keep on the stack twice (an inverted and a masked copy are probed). */
#define HP_NOISE_SAMPLE 4096

enum hp_noise_class {
	HP_NOISE_NONE,     /* no bytes */
	HP_NOISE_INVERTED, /* inverting every bit makes an HDLC, M-Bus or DSMR frame */
	HP_NOISE_7E1,      /* masking bit 7 makes DSMR text */
	HP_NOISE_SPIKES,   /* a few isolated FF/FE/F0 */
	HP_NOISE_SLOW4X,   /* only 00 80 78 F8 F0 */
	HP_NOISE_ZERO_FF,  /* mostly 00/FF */
	HP_NOISE_HIGH,     /* mostly bytes >= 0x80 without a frame */
	HP_NOISE_TEXT,     /* printable text without a complete telegram */
	HP_NOISE_RANDOM,   /* none of the above */
};

/* Classifies the first HP_NOISE_SAMPLE bytes of buf and writes the probable cause
 * with counts (bytes, share >= 0x80, share of 00/FF) to detail (NUL-terminated,
 * cut to size). */
enum hp_noise_class hp_noise_classify(const uint8_t *buf, size_t len, char *detail, size_t size);

#endif
