/* The reading model's setters and the rules every protocol shares. */
#include <stddef.h>
#include <string.h>

#include "hanp1d/hex.h"
#include "hanp1d/reading.h"

#define KEY_STRING(name, key) key,
static const char *const num_keys[HP_NUM_COUNT] = {HP_NUM_FIELDS(KEY_STRING)};
static const char *const text_keys[HP_TEXT_COUNT] = {HP_TEXT_FIELDS(KEY_STRING)};
#undef KEY_STRING

/* Runs once per frame, so it clears only what presence depends on (the header,
 * the first byte of each text, the M-Bus slots the DSMR decoder fills in place)
 * instead of the whole struct: values are read only when their presence bit is
 * set, and list entries only below their count. */
void hp_reading_init(struct hp_reading *r, enum hp_protocol protocol, enum hp_framing framing)
{
	memset(r, 0, offsetof(struct hp_reading, num));
	for (int t = 0; t < HP_TEXT_COUNT; t++)
		r->text[t][0] = '\0';
	r->message[0] = '\0';
	r->mbus_count = 0;
	memset(r->mbus, 0, sizeof(r->mbus));
	r->protocol = protocol;
	r->framing = framing;
	r->authenticated = true;
	r->meter_time_dst = -1;
	r->meter_id_rank = HP_ID_NONE;
	r->failure_count = -1;
	r->peak_count = -1;
}

static void copy_bounded(char *dst, size_t dst_size, const char *s, size_t len)
{
	if (len > dst_size - 1)
		len = dst_size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

void hp_reading_set_text(struct hp_reading *r, enum hp_text field, const char *s, size_t len)
{
	if (len == 0)
		return;
	copy_bounded(r->text[field], sizeof(r->text[field]), s, len);
}

bool hp_reading_has_text(const struct hp_reading *r, enum hp_text field)
{
	return r->text[field][0] != '\0';
}

void hp_reading_offer_id(struct hp_reading *r, enum hp_id_rank rank, const char *s, size_t len)
{
	if (len == 0 || rank >= r->meter_id_rank)
		return;
	copy_bounded(r->text[HP_TEXT_METER_ID], sizeof(r->text[HP_TEXT_METER_ID]), s, len);
	r->meter_id_rank = rank;
}

/* Total = sum of the tariff registers present, when the meter sent no total. */
static void derive_total(struct hp_reading *r, enum hp_num total, enum hp_num first_tariff)
{
	if (hp_reading_has(r, total))
		return;
	double sum = 0;
	bool any = false;
	for (int t = 0; t < 4; t++) {
		enum hp_num f = (enum hp_num)(first_tariff + t);
		if (hp_reading_has(r, f)) {
			sum += r->num[f];
			any = true;
		}
	}
	if (any)
		hp_reading_set(r, total, sum);
}

static void drop_out_of_range_power_factor(struct hp_reading *r, enum hp_num f)
{
	if (hp_reading_has(r, f) && (r->num[f] < -1.0 || r->num[f] > 1.0))
		hp_reading_clear(r, f);
}

void hp_reading_finish(struct hp_reading *r)
{
	derive_total(r, HP_NUM_ENERGY_IMPORT_KWH, HP_NUM_ENERGY_IMPORT_T1_KWH);
	derive_total(r, HP_NUM_ENERGY_EXPORT_KWH, HP_NUM_ENERGY_EXPORT_T1_KWH);
	drop_out_of_range_power_factor(r, HP_NUM_POWER_FACTOR);
	drop_out_of_range_power_factor(r, HP_NUM_L1_POWER_FACTOR);
	drop_out_of_range_power_factor(r, HP_NUM_L2_POWER_FACTOR);
	drop_out_of_range_power_factor(r, HP_NUM_L3_POWER_FACTOR);
}

const char *hp_num_key(enum hp_num field)
{
	return num_keys[field];
}

const char *hp_text_key(enum hp_text field)
{
	return text_keys[field];
}

const char *hp_protocol_name(enum hp_protocol p)
{
	static const char *const names[] = {"dlms", "dsmr", "mep"};
	return names[p];
}

const char *hp_framing_name(enum hp_framing f)
{
	static const char *const names[] = {"hdlc", "mbus", "raw", "p1", "mep"};
	return names[f];
}

const char *hp_mbus_kind(int device_type)
{
	switch (device_type) {
	case 3:
		return "gas";
	case 4:
	case 12:
		return "heat";
	case 6:
	case 7:
	case 21:
	case 22:
		return "water";
	default:
		return "other";
	}
}

/* Decodes s as hex text into out; false (out undefined) when s is not an
 * even-length hex string of printable ASCII. One pass: ids and messages arrive
 * with every telegram, so this runs often. */
static bool unhex_printable(const char *s, size_t len, char *out, size_t out_size, size_t *n)
{
	if (len == 0 || len % 2 != 0 || len / 2 > out_size - 1)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hp_hex_digit(s[i]), lo = hp_hex_digit(s[i + 1]);
		if ((hi | lo) < 0)
			return false;
		int c = hi << 4 | lo;
		if (c < 0x20 || c > 0x7E)
			return false;
		out[i / 2] = (char)c;
	}
	*n = len / 2;
	return true;
}

size_t hp_text_unhex(const char *s, size_t len, char *out, size_t out_size)
{
	size_t n;
	if (out_size == 0)
		return 0;
	if (!unhex_printable(s, len, out, out_size, &n)) {
		n = len < out_size - 1 ? len : out_size - 1;
		memcpy(out, s, n);
	}
	out[n] = '\0';
	return n;
}
