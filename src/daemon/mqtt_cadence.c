/* Observed intervals -> expire_after (mqtt_cadence.h). */
#include "mqtt_cadence.h"

#include <string.h>

void hp_cadence_init(struct hp_cadence *c, unsigned factor, unsigned guess_s)
{
	memset(c, 0, sizeof(*c));
	c->factor = factor;
	c->expire_s = guess_s < HP_EXPIRE_MIN_S ? HP_EXPIRE_MIN_S : guess_s;
}

/* The announced value moves only beyond a quarter's difference. */
static bool differs(unsigned announced, unsigned candidate)
{
	return (uint64_t)candidate * 4 > (uint64_t)announced * 5 ||
	       (uint64_t)candidate * 5 < (uint64_t)announced * 4;
}

bool hp_cadence_seen(struct hp_cadence *c, int64_t mono_ms, unsigned publish_s)
{
	int64_t last = c->last_ms;
	c->last_ms = mono_ms;
	if (last == 0 || mono_ms <= last)
		return false;
	memmove(&c->intervals_ms[1], &c->intervals_ms[0],
		(HP_CADENCE_KEEP - 1) * sizeof(c->intervals_ms[0]));
	c->intervals_ms[0] = mono_ms - last;
	if (c->count < HP_CADENCE_KEEP)
		c->count++;
	int64_t shortest = c->intervals_ms[0];
	for (unsigned i = 1; i < c->count; i++)
		if (c->intervals_ms[i] < shortest)
			shortest = c->intervals_ms[i];
	if (shortest < (int64_t)publish_s * 1000)
		shortest = (int64_t)publish_s * 1000;
	/* Whole seconds, rounded up. */
	int64_t candidate = (shortest * c->factor + 999) / 1000;
	if (candidate < HP_EXPIRE_MIN_S)
		candidate = HP_EXPIRE_MIN_S;
	if (candidate > UINT32_MAX)
		candidate = UINT32_MAX;
	if (!differs(c->expire_s, (unsigned)candidate))
		return false;
	c->expire_s = (unsigned)candidate;
	return true;
}
