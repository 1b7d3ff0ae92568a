/* hp_reading_merge: one reading made of the latest value of every key. */
#include <string.h>

#include "hanp1d/reading.h"

static void merge_mbus(struct hp_reading *into, const struct hp_mbus_reading *m)
{
	unsigned i = 0;
	while (i < into->mbus_count && into->mbus[i].channel < m->channel)
		i++;
	if (i < into->mbus_count && into->mbus[i].channel == m->channel) {
		into->mbus[i] = *m;
		return;
	}
	if (into->mbus_count >= HP_MBUS_MAX)
		return;
	memmove(&into->mbus[i + 1], &into->mbus[i], (into->mbus_count - i) * sizeof(into->mbus[0]));
	into->mbus[i] = *m;
	into->mbus_count++;
}

void hp_reading_merge(struct hp_reading *into, const struct hp_reading *r)
{
	into->protocol = r->protocol;
	into->framing = r->framing;
	into->encrypted = r->encrypted;
	into->authenticated = r->authenticated;
	for (int k = 0; k < HP_NUM_COUNT; k++)
		if (hp_reading_has(r, (enum hp_num)k))
			hp_reading_set(into, (enum hp_num)k, r->num[k]);
	for (int t = 0; t < HP_TEXT_COUNT; t++)
		if (r->text[t][0] != '\0')
			memcpy(into->text[t], r->text[t], sizeof(into->text[t]));
	if (r->text[HP_TEXT_METER_TIME][0] != '\0')
		into->meter_time_dst = r->meter_time_dst;
	if (r->text[HP_TEXT_METER_ID][0] != '\0')
		into->meter_id_rank = r->meter_id_rank;
	if (r->message[0] != '\0')
		memcpy(into->message, r->message, sizeof(into->message));
	for (unsigned i = 0; i < r->mbus_count && i < HP_MBUS_MAX; i++)
		merge_mbus(into, &r->mbus[i]);
	if (r->failure_count >= 0) {
		into->failure_count = r->failure_count;
		memcpy(into->failures, r->failures, sizeof(into->failures));
	}
	if (r->peak_count >= 0) {
		into->peak_count = r->peak_count;
		memcpy(into->peaks, r->peaks, sizeof(into->peaks));
	}
}
