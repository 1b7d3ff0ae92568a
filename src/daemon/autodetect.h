/* Serial line autodetection (protocols-dsmr-serial.md "Auto-detection from buffered
 * bytes"): a state machine fed with the un-marked bytes, their PARMRK flags and the
 * time. It says which setting to listen at, when to move on to the next candidate,
 * and which exact setting a validated frame points to. It does no I/O, so it is
 * tested with encoder-made frames and no device.
 *
 * Listening: the candidates are the saved setting, then 2400, 115200, 9600 and
 * 38400 baud, all 8N1 when the parity is auto (8N1 hears 8E1 byte-exact with
 * framing-error flags, and 7E1 with the parity in bit 7), or at the configured
 * parity. The bytes go to a decoder as they are and, for 7E1 text, to a second one
 * with bit 7 masked. A reading, or an `auth`, `no_key` or `unsupported` error (a
 * well-framed frame), accepts the setting; the parity is then settled from the
 * evidence: framing errors on the bytes of even bit-weight = 8E1, text only valid
 * with bit 7 masked = 7E1, else 8N1. A candidate is left when its window ends, or
 * as soon as a whole push (silence before and after) went by in which nothing
 * passed a link check or even failed a CRC: so a meter pushing every second
 * settles in seconds, not in windows.
 *
 * Verifying: after reopening at the exact setting, two more frames must validate;
 * bytes that never make a frame send detection back to listening. */
#ifndef HP_DAEMON_AUTODETECT_H
#define HP_DAEMON_AUTODETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hanp1d/decode.h"

/* Per candidate: pushes come every 1-10 s, so 12 s hears at least one whole frame. */
#define HP_DETECT_WINDOW_MS 12000
/* Frames that must validate at the exact setting before it is trusted (the doc's
 * "require 2 further valid frames"). */
#define HP_DETECT_CONFIRM_FRAMES 2

struct hp_line_setting {
	unsigned baud; /* 0 = none */
	enum hp_parity parity;
};

struct hp_autodetect_config {
	unsigned baud;                /* 0 = auto */
	enum hp_parity parity;        /* HP_PARITY_AUTO = auto */
	struct hp_line_setting saved; /* listened to first; baud 0 = none */
	int64_t window_ms;            /* per candidate; 0 = HP_DETECT_WINDOW_MS */
	struct hp_keys keys;          /* so that encrypted frames validate as readings */
};

enum hp_detect_step {
	HP_DETECT_LISTEN,    /* keep feeding bytes at the current setting */
	HP_DETECT_NEXT,      /* the window passed: reopen at hp_autodetect_listen_setting() */
	HP_DETECT_FOUND,     /* a frame validated: reopen at hp_autodetect_found() and verify */
	HP_DETECT_CONFIRMED, /* verifying: enough frames at the exact setting */
	HP_DETECT_LOST,      /* verifying: bytes but no frame; reopen at the listen setting */
};

struct hp_autodetect;

/* NULL when out of memory or when the decoder cannot be made. */
struct hp_autodetect *hp_autodetect_new(const struct hp_autodetect_config *cfg);
void hp_autodetect_free(struct hp_autodetect *d);

/* Starts listening at the current candidate from now_ms (call it after opening the
 * port at hp_autodetect_listen_setting()). */
void hp_autodetect_listen(struct hp_autodetect *d, int64_t now_ms);
/* The setting to open for listening. */
struct hp_line_setting hp_autodetect_listen_setting(const struct hp_autodetect *d);

/* Starts verifying an exact setting (found, or remembered from an earlier run). */
void hp_autodetect_verify(struct hp_autodetect *d, struct hp_line_setting exact, int64_t now_ms);

/* Feeds un-marked bytes with their hp_parmrk_flag (flags may be NULL: no errors);
 * n = 0 only checks the time. */
enum hp_detect_step hp_autodetect_feed(struct hp_autodetect *d, const uint8_t *bytes,
				       const uint8_t *flags, size_t n, int64_t now_ms);

/* The exact setting the last validated frame pointed to. */
struct hp_line_setting hp_autodetect_found(const struct hp_autodetect *d);

/* After every candidate failed once: the probable cause in plain words (from
 * hp_noise_classify on what each candidate heard); "" before. */
const char *hp_autodetect_diagnosis(const struct hp_autodetect *d);
/* Complete passes over the candidates without a frame. */
unsigned hp_autodetect_cycles(const struct hp_autodetect *d);

#endif
