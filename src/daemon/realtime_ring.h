/* The AMS reader's /realtime.json plot (amsreader-compat.md, "Plots and tariff"):
 * net power (import - export, W) of the last hour in 360 slots of 10 s, each kept
 * as the firmware keeps it, an int8 mantissa and a power of ten (2 significant
 * digits). A slot holds the mean of the readings that fell in it; slots without a
 * reading read 0. A plain struct (720 bytes and a few more): part of the live
 * figures (accounting_live.h), copied whole into the state. */
#ifndef HP_DAEMON_REALTIME_RING_H
#define HP_DAEMON_REALTIME_RING_H

#include <stdbool.h>
#include <stdint.h>

#define HP_REALTIME_SLOTS   360
#define HP_REALTIME_SLOT_MS 10000

struct hp_realtime_ring {
	int64_t last_slot; /* epoch ms / HP_REALTIME_SLOT_MS of the newest slot; 0 = empty */
	double sum_w;      /* the newest slot's readings so far ... */
	unsigned count;    /* ... and how many */
	int8_t mantissa[HP_REALTIME_SLOTS];
	uint8_t exponent[HP_REALTIME_SLOTS];
};

void hp_realtime_init(struct hp_realtime_ring *r);

/* Books net power net_w at t_ms. A reading older than the newest slot is ignored
 * (after a clock stepped back, booking resumes once time passes the newest slot). */
void hp_realtime_add(struct hp_realtime_ring *r, int64_t t_ms, double net_w);

/* The slot `age` slots before the one holding now_ms (0 = the running one), W;
 * 0 when nothing was booked there or it is an hour old or more. */
double hp_realtime_at(const struct hp_realtime_ring *r, int64_t now_ms, unsigned age);

/* w with 2 significant digits as the firmware stores it: mantissa -99..99 and a
 * power of ten 0..7 (1234 -> 12 x 10^2, -56 -> -56 x 10^0). */
void hp_realtime_encode(double w, int8_t *mantissa, uint8_t *exponent);

#endif
