/* The 10-second net power plot of the last hour (realtime_ring.h). */
#include "realtime_ring.h"

#include <math.h>
#include <string.h>

/* 10^7 x 99 W is far beyond any meter; larger values saturate there. */
#define EXPONENT_MAX 7

void hp_realtime_init(struct hp_realtime_ring *r)
{
	memset(r, 0, sizeof(*r));
}

void hp_realtime_encode(double w, int8_t *mantissa, uint8_t *exponent)
{
	*mantissa = 0;
	*exponent = 0;
	if (!isfinite(w))
		return;
	double scale = 1;
	for (uint8_t e = 0; e <= EXPONENT_MAX; e++, scale *= 10) {
		double m = round(w / scale);
		if (fabs(m) <= 99 || e == EXPONENT_MAX) {
			*mantissa = (int8_t)fmax(-99, fmin(99, m));
			*exponent = e;
			return;
		}
	}
}

static double decode(int8_t mantissa, uint8_t exponent)
{
	return mantissa * pow(10, exponent);
}

static int64_t slot_of(int64_t t_ms)
{
	return t_ms >= 0 ? t_ms / HP_REALTIME_SLOT_MS : -1;
}

static unsigned index_of(int64_t slot)
{
	return (unsigned)(slot % HP_REALTIME_SLOTS);
}

void hp_realtime_add(struct hp_realtime_ring *r, int64_t t_ms, double net_w)
{
	int64_t slot = slot_of(t_ms);
	if (slot <= 0 || !isfinite(net_w) || slot < r->last_slot)
		return;
	if (slot != r->last_slot) {
		/* Slots skipped since the newest one had no reading: cleared, at most
		 * the whole ring. */
		int64_t from = r->last_slot == 0 || slot - r->last_slot > HP_REALTIME_SLOTS
				   ? slot - HP_REALTIME_SLOTS + 1
				   : r->last_slot + 1;
		for (int64_t s = from; s <= slot; s++) {
			r->mantissa[index_of(s)] = 0;
			r->exponent[index_of(s)] = 0;
		}
		r->last_slot = slot;
		r->sum_w = 0;
		r->count = 0;
	}
	r->sum_w += net_w;
	r->count++;
	hp_realtime_encode(r->sum_w / r->count, &r->mantissa[index_of(slot)],
			   &r->exponent[index_of(slot)]);
}

double hp_realtime_at(const struct hp_realtime_ring *r, int64_t now_ms, unsigned age)
{
	int64_t slot = slot_of(now_ms) - (int64_t)age;
	if (r->last_slot == 0 || age >= HP_REALTIME_SLOTS || slot > r->last_slot ||
	    slot <= r->last_slot - HP_REALTIME_SLOTS || slot <= 0)
		return 0;
	unsigned i = index_of(slot);
	return decode(r->mantissa[i], r->exponent[i]);
}
