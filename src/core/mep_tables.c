/* C12.19 table data of MEP meters into readings (mep.md section 6). Register values
 * are little-endian int32; units are scaled to reading-model.md's keys. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mep.h"

#define BT21_FLAG_DEMAND_RESET   0x04 /* flags1 bit 2: BT23 starts with a 1-byte counter */
#define BT21_FLAG_TIME_REMAINING 0x40 /* flags1 bit 6: BT28 demands carry 3 bytes of time */
/* The firmware's BT28 map reaches index 54 (three-phase NES meters). */
#define BT28_VALUES_NEEDED 55

static int32_t le32s(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

int hp_mep_bt21_parse(const uint8_t *d, size_t n, struct hp_mep_regs *regs, struct hp_error *err)
{
	if (n < 10) {
		hp_error_set(err, HP_ERR_MALFORMED, "BT21 of %zu bytes, need 10", n);
		return -1;
	}
	regs->flags1 = d[0];
	regs->demands = d[8];
	regs->values = d[9];
	return 0;
}

int hp_mep_bt23_apply(const struct hp_mep_regs *regs, const uint8_t *d, size_t n,
		      struct hp_reading *r, struct hp_error *err)
{
	size_t a = (regs->flags1 & BT21_FLAG_DEMAND_RESET) ? 1 : 0;
	if (n < a + 8) {
		hp_error_set(err, HP_ERR_MALFORMED, "BT23 of %zu bytes, need %zu", n, a + 8);
		return -1;
	}
	hp_reading_set(r, HP_NUM_ENERGY_IMPORT_KWH, le32s(d + a) / 1000.0);
	hp_reading_set(r, HP_NUM_ENERGY_EXPORT_KWH, le32s(d + a + 4) / 1000.0);
	return 0;
}

struct bt28_field {
	uint8_t index;
	enum hp_num field;
	double scale; /* raw unit -> reading unit */
};

static const struct bt28_field bt28_map[] = {
    {0, HP_NUM_POWER_IMPORT_W, 1},      {1, HP_NUM_POWER_EXPORT_W, 1},
    {2, HP_NUM_REACTIVE_IMPORT_VAR, 1}, {3, HP_NUM_REACTIVE_EXPORT_VAR, 1},
    {4, HP_NUM_L1_CURRENT_A, 1e-3},     {5, HP_NUM_L2_CURRENT_A, 1e-3},
    {6, HP_NUM_L3_CURRENT_A, 1e-3},     {7, HP_NUM_L1_VOLTAGE_V, 1e-3},
    {8, HP_NUM_L2_VOLTAGE_V, 1e-3},     {9, HP_NUM_L3_VOLTAGE_V, 1e-3},
    {10, HP_NUM_L1_POWER_FACTOR, 1e-3}, {11, HP_NUM_FREQUENCY_HZ, 1e-3},
    {12, HP_NUM_APPARENT_POWER_VA, 1},  {13, HP_NUM_L2_POWER_FACTOR, 1e-3},
    {14, HP_NUM_L3_POWER_FACTOR, 1e-3}, {26, HP_NUM_L1_POWER_IMPORT_W, 1},
    {27, HP_NUM_L2_POWER_IMPORT_W, 1},  {28, HP_NUM_L3_POWER_IMPORT_W, 1},
    {29, HP_NUM_L1_POWER_EXPORT_W, 1},  {30, HP_NUM_L2_POWER_EXPORT_W, 1},
    {31, HP_NUM_L3_POWER_EXPORT_W, 1},
};

int hp_mep_bt28_apply(const struct hp_mep_regs *regs, const uint8_t *d, size_t n,
		      struct hp_reading *r, struct hp_error *err)
{
	if (regs->values < BT28_VALUES_NEEDED) {
		hp_error_set(err, HP_ERR_UNSUPPORTED,
			     "BT28 with %u present values; the three-phase map needs %u",
			     regs->values, BT28_VALUES_NEEDED);
		return -1;
	}
	size_t demand = 4 + ((regs->flags1 & BT21_FLAG_TIME_REMAINING) ? 3 : 0);
	size_t base = regs->demands * demand;
	if (n < base + 4 * BT28_VALUES_NEEDED) {
		hp_error_set(err, HP_ERR_UNSUPPORTED, "BT28 of %zu bytes ends before value %u", n,
			     BT28_VALUES_NEEDED - 1);
		return -1;
	}
	for (size_t i = 0; i < sizeof(bt28_map) / sizeof(bt28_map[0]); i++) {
		const struct bt28_field *m = &bt28_map[i];
		hp_reading_set(r, m->field, le32s(d + base + 4 * m->index) * m->scale);
	}
	return 0;
}

/* Copies a fixed-width text field without the padding (spaces, NULs) at either end. */
static void set_trimmed(struct hp_reading *r, enum hp_text field, const uint8_t *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\0'))
		n--;
	while (n > 0 && (p[0] == ' ' || p[0] == '\0')) {
		p++;
		n--;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7E)
			return; /* not text: leave the key out */
	hp_reading_set_text(r, field, (const char *)p, n);
}

int hp_mep_bt01_apply(const uint8_t *d, size_t n, struct hp_reading *r, struct hp_error *err)
{
	if (n < 12) {
		hp_error_set(err, HP_ERR_MALFORMED, "BT01 of %zu bytes, need 12", n);
		return -1;
	}
	set_trimmed(r, HP_TEXT_MANUFACTURER, d, 4);
	set_trimmed(r, HP_TEXT_METER_MODEL, d + 4, 8);
	return 0;
}

int hp_mep_et03_apply(const uint8_t *d, size_t n, struct hp_reading *r, struct hp_error *err)
{
	if (n < 30) {
		hp_error_set(err, HP_ERR_MALFORMED, "ET03 of %zu bytes, need 30", n);
		return -1;
	}
	size_t len = 30;
	while (len > 0 && (d[len - 1] == ' ' || d[len - 1] == '\0'))
		len--;
	size_t start = 0;
	while (start < len && d[start] == ' ')
		start++;
	for (size_t i = start; i < len; i++)
		if (d[i] < 0x20 || d[i] > 0x7E)
			return 0;
	hp_reading_offer_id(r, HP_ID_SERIAL, (const char *)d + start, len - start);
	return 0;
}

#define BT52_GMT 0x10
#define BT52_DST 0x08

int hp_mep_bt52_apply(const uint8_t *d, size_t n, struct hp_reading *r, struct hp_error *err)
{
	if (n < 7) {
		hp_error_set(err, HP_ERR_MALFORMED, "BT52 of %zu bytes, need 7", n);
		return -1;
	}
	struct tm tm = {.tm_year = 100 + d[0],
			.tm_mon = d[1] - 1,
			.tm_mday = d[2],
			.tm_hour = d[3],
			.tm_min = d[4],
			.tm_sec = d[5]};
	/* An invalid clock is absent, not an error (reading-model.md clocks). */
	if (d[0] > 99 || d[1] < 1 || d[1] > 12 || d[2] < 1 || d[2] > 31 || d[3] > 23 || d[4] > 59 ||
	    d[5] > 59)
		return 0;
	int dst = (d[6] & BT52_DST) ? 1 : 0;
	if (d[6] & BT52_GMT) {
		time_t t = timegm(&tm);
		struct tm local;
		if (t == (time_t)-1 || localtime_r(&t, &local) == NULL)
			return 0;
		tm = local;
		dst = tm.tm_isdst > 0 ? 1 : 0;
	}
	char text[32];
	int len = snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (len != HP_TIME_MAX - 1)
		return 0;
	hp_reading_set_text(r, HP_TEXT_METER_TIME, text, (size_t)len);
	r->meter_time_dst = (int8_t)dst;
	return 0;
}

int hp_mep_table_apply(uint16_t table, const struct hp_mep_regs *regs, const uint8_t *d, size_t n,
		       struct hp_reading *r, struct hp_error *err)
{
	switch (table) {
	case HP_MEP_BT01:
		return hp_mep_bt01_apply(d, n, r, err);
	case HP_MEP_ET03:
		return hp_mep_et03_apply(d, n, r, err);
	case HP_MEP_BT52:
		return hp_mep_bt52_apply(d, n, r, err);
	case HP_MEP_BT23:
	case HP_MEP_BT28:
		if (regs == NULL) {
			hp_error_set(err, HP_ERR_UNSUPPORTED,
				     "BT%u cannot be decoded before BT21 has been read",
				     table == HP_MEP_BT23 ? 23u : 28u);
			return -1;
		}
		return table == HP_MEP_BT23 ? hp_mep_bt23_apply(regs, d, n, r, err)
					    : hp_mep_bt28_apply(regs, d, n, r, err);
	default:
		return 0;
	}
}
