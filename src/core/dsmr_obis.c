/* The DSMR OBIS table (reading-model.md): one row per code the reading model maps.
 *
 * The rows are written once, in DSMR_OBIS_ROWS; the same list makes the const table
 * and two switches that find a row (a sparse switch compiles to a few compares, far
 * cheaper than a search, and needs no sorting): one on the parsed code, one on the
 * code's text as meters write it, which spares the parse on nearly every line.
 * Supporting a new code is a new row. */
#include <stddef.h>

#include "dsmr_obis.h"

#define CH HP_DSMR_CHANNEL

/* X(A, B, C, D, E, kind, field, qty, aux); B = CH for the M-Bus channel codes. */
#define DSMR_OBIS_ROWS(X)                                                                          \
	X(0, 0, 1, 0, 0, CLOCK, 0, NONE, 0)                                                        \
	X(0, 0, 42, 0, 0, ID, 0, NONE, HP_ID_LOGICAL_NAME)                                         \
	X(0, 0, 96, 1, 0, ID, 0, NONE, HP_ID_VENDOR)                                               \
	X(0, 0, 96, 1, 1, ID, 0, NONE, HP_ID_SERIAL)                                               \
	X(0, 0, 96, 1, 4, VERSION, 0, NONE, 0)                                                     \
	X(0, 0, 96, 7, 9, NUM, HP_NUM_LONG_POWER_FAILURES, NONE, 0)                                \
	X(0, 0, 96, 7, 21, NUM, HP_NUM_POWER_FAILURES, NONE, 0)                                    \
	X(0, 0, 96, 13, 0, MESSAGE, 0, NONE, 0)                                                    \
	X(0, 0, 96, 14, 0, NUM, HP_NUM_TARIFF, NONE, 0)                                            \
	X(0, 0, 98, 1, 0, PEAKS, 0, NONE, 0)                                                       \
	X(0, CH, 24, 1, 0, MBUS_TYPE, 0, NONE, 0)                                                  \
	X(0, CH, 24, 2, 1, MBUS_VALUE, 0, NONE, 0)                                                 \
	X(0, CH, 24, 2, 3, MBUS_VALUE, 0, NONE, 0)                                                 \
	X(0, CH, 24, 3, 0, MBUS_LEGACY, 0, NONE, 0)                                                \
	X(0, CH, 96, 1, 0, MBUS_ID, 0, NONE, HP_ID_VENDOR)                                         \
	X(0, CH, 96, 1, 1, MBUS_ID, 0, NONE, HP_ID_SERIAL)                                         \
	X(1, 0, 1, 4, 0, NUM, HP_NUM_DEMAND_AVG_W, W, 0)                                           \
	X(1, 0, 1, 6, 0, DEMAND_MAX, HP_NUM_DEMAND_MONTH_MAX_W, W, 0)                              \
	X(1, 0, 1, 7, 0, NUM, HP_NUM_POWER_IMPORT_W, W, 0)                                         \
	X(1, 0, 1, 8, 0, NUM, HP_NUM_ENERGY_IMPORT_KWH, KWH, 0)                                    \
	X(1, 0, 1, 8, 1, NUM, HP_NUM_ENERGY_IMPORT_T1_KWH, KWH, 0)                                 \
	X(1, 0, 1, 8, 2, NUM, HP_NUM_ENERGY_IMPORT_T2_KWH, KWH, 0)                                 \
	X(1, 0, 1, 8, 3, NUM, HP_NUM_ENERGY_IMPORT_T3_KWH, KWH, 0)                                 \
	X(1, 0, 1, 8, 4, NUM, HP_NUM_ENERGY_IMPORT_T4_KWH, KWH, 0)                                 \
	X(1, 0, 2, 7, 0, NUM, HP_NUM_POWER_EXPORT_W, W, 0)                                         \
	X(1, 0, 2, 8, 0, NUM, HP_NUM_ENERGY_EXPORT_KWH, KWH, 0)                                    \
	X(1, 0, 2, 8, 1, NUM, HP_NUM_ENERGY_EXPORT_T1_KWH, KWH, 0)                                 \
	X(1, 0, 2, 8, 2, NUM, HP_NUM_ENERGY_EXPORT_T2_KWH, KWH, 0)                                 \
	X(1, 0, 2, 8, 3, NUM, HP_NUM_ENERGY_EXPORT_T3_KWH, KWH, 0)                                 \
	X(1, 0, 2, 8, 4, NUM, HP_NUM_ENERGY_EXPORT_T4_KWH, KWH, 0)                                 \
	X(1, 0, 3, 7, 0, NUM, HP_NUM_REACTIVE_IMPORT_VAR, VAR, 0)                                  \
	X(1, 0, 3, 8, 0, NUM, HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH, KVARH, 0)                       \
	X(1, 0, 4, 7, 0, NUM, HP_NUM_REACTIVE_EXPORT_VAR, VAR, 0)                                  \
	X(1, 0, 4, 8, 0, NUM, HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH, KVARH, 0)                       \
	X(1, 0, 13, 7, 0, NUM, HP_NUM_POWER_FACTOR, NONE, 0)                                       \
	X(1, 0, 14, 7, 0, NUM, HP_NUM_FREQUENCY_HZ, HZ, 0)                                         \
	X(1, 0, 21, 7, 0, NUM, HP_NUM_L1_POWER_IMPORT_W, W, 0)                                     \
	X(1, 0, 22, 7, 0, NUM, HP_NUM_L1_POWER_EXPORT_W, W, 0)                                     \
	X(1, 0, 31, 7, 0, NUM, HP_NUM_L1_CURRENT_A, A, 0)                                          \
	X(1, 0, 32, 7, 0, NUM, HP_NUM_L1_VOLTAGE_V, V, 0)                                          \
	X(1, 0, 32, 32, 0, NUM, HP_NUM_L1_VOLTAGE_SAGS, NONE, 0)                                   \
	X(1, 0, 32, 36, 0, NUM, HP_NUM_L1_VOLTAGE_SWELLS, NONE, 0)                                 \
	X(1, 0, 33, 7, 0, NUM, HP_NUM_L1_POWER_FACTOR, NONE, 0)                                    \
	X(1, 0, 41, 7, 0, NUM, HP_NUM_L2_POWER_IMPORT_W, W, 0)                                     \
	X(1, 0, 42, 7, 0, NUM, HP_NUM_L2_POWER_EXPORT_W, W, 0)                                     \
	X(1, 0, 51, 7, 0, NUM, HP_NUM_L2_CURRENT_A, A, 0)                                          \
	X(1, 0, 52, 7, 0, NUM, HP_NUM_L2_VOLTAGE_V, V, 0)                                          \
	X(1, 0, 52, 32, 0, NUM, HP_NUM_L2_VOLTAGE_SAGS, NONE, 0)                                   \
	X(1, 0, 52, 36, 0, NUM, HP_NUM_L2_VOLTAGE_SWELLS, NONE, 0)                                 \
	X(1, 0, 53, 7, 0, NUM, HP_NUM_L2_POWER_FACTOR, NONE, 0)                                    \
	X(1, 0, 61, 7, 0, NUM, HP_NUM_L3_POWER_IMPORT_W, W, 0)                                     \
	X(1, 0, 62, 7, 0, NUM, HP_NUM_L3_POWER_EXPORT_W, W, 0)                                     \
	X(1, 0, 71, 7, 0, NUM, HP_NUM_L3_CURRENT_A, A, 0)                                          \
	X(1, 0, 72, 7, 0, NUM, HP_NUM_L3_VOLTAGE_V, V, 0)                                          \
	X(1, 0, 72, 32, 0, NUM, HP_NUM_L3_VOLTAGE_SAGS, NONE, 0)                                   \
	X(1, 0, 72, 36, 0, NUM, HP_NUM_L3_VOLTAGE_SWELLS, NONE, 0)                                 \
	X(1, 0, 73, 7, 0, NUM, HP_NUM_L3_POWER_FACTOR, NONE, 0)                                    \
	X(1, 0, 99, 97, 0, FAILURES, 0, NONE, 0)                                                   \
	X(1, 3, 0, 2, 8, VERSION, 0, NONE, 0)

#define ROW_ID(a, b, c, d, e)                          DSMR_ROW_##a##_##b##_##c##_##d##_##e
#define ROW_ENUM(a, b, c, d, e, kind, field, qty, aux) ROW_ID(a, b, c, d, e),
enum { DSMR_OBIS_ROWS(ROW_ENUM) DSMR_ROW_COUNT };

#define ROW_DATA(a, b, c, d, e, kind, field, qty, aux)                                             \
	[ROW_ID(a, b, c, d, e)] = {HP_DSMR_OBIS(a, b, c, d, e), HP_DSMR_##kind, field,             \
				   HP_DSMR_QTY_##qty, aux},
static const struct hp_dsmr_obis obis_table[DSMR_ROW_COUNT] = {DSMR_OBIS_ROWS(ROW_DATA)};

#define ROW_CASE(a, b, c, d, e, kind, field, qty, aux)                                             \
	case HP_DSMR_OBIS(a, b, c, d, e):                                                          \
		return &obis_table[ROW_ID(a, b, c, d, e)];

const struct hp_dsmr_obis *hp_dsmr_obis_find(uint64_t key, unsigned *channel)
{
	unsigned a = (unsigned)(key >> 32), b = (unsigned)(key >> 24) & 0xFF;
	*channel = 0;
	/* 0-n: with n = 1..4 is an M-Bus channel; its rows carry the channel wildcard. */
	if (a == 0 && b >= 1 && b <= HP_MBUS_MAX) {
		*channel = b;
		key |= HP_DSMR_OBIS(0, CH, 0, 0, 0);
	}
	switch (key) {
		DSMR_OBIS_ROWS(ROW_CASE)
	default:
		*channel = 0;
		return NULL;
	}
}

/* The text lookup. Meters write C.D.E without leading zeros, so the text of a row is
 * known at compile time: TEXT_CDE packs it little-endian, one byte per character, as
 * it sits in the line; the top byte holds A-B: as AB_CODE. Row texts must fit in 7
 * bytes (checked below), and the lookup reads at most 7 before the '('. */
#define TEXT_LEN(v) ((v) < 10 ? 1 : (v) < 100 ? 2 : 3)
#define TEXT_DIGITS(v)                                                                             \
	((v) < 10    ? (uint64_t)('0' + (v))                                                       \
	 : (v) < 100 ? ((uint64_t)('0' + (v) / 10) | (uint64_t)('0' + (v) % 10) << 8)              \
		     : ((uint64_t)('0' + (v) / 100) | (uint64_t)('0' + (v) / 10 % 10) << 8 |       \
			(uint64_t)('0' + (v) % 10) << 16))
#define TEXT_CDE(c, d, e)                                                                          \
	(TEXT_DIGITS(c) | (uint64_t)'.' << (8 * TEXT_LEN(c)) |                                     \
	 TEXT_DIGITS(d) << (8 * (TEXT_LEN(c) + 1)) |                                               \
	 (uint64_t)'.' << (8 * (TEXT_LEN(c) + 1 + TEXT_LEN(d))) |                                  \
	 TEXT_DIGITS(e) << (8 * (TEXT_LEN(c) + TEXT_LEN(d) + 2)))
/* The A-B: prefixes of the table; 0 for any other. */
#define AB_NONE 0
#define AB_00   1
#define AB_0CH  2
#define AB_10   3
#define AB_13   4
#define AB_CODE(a, b)                                                                              \
	((a) == 0 && (b) == 0    ? AB_00                                                           \
	 : (a) == 0 && (b) == CH ? AB_0CH                                                          \
	 : (a) == 1 && (b) == 0  ? AB_10                                                           \
	 : (a) == 1 && (b) == 3  ? AB_13                                                           \
				 : AB_NONE)
#define TEXT_KEY(ab, cde) ((uint64_t)(ab) << 56 | (cde))

#define ROW_TEXT_FITS(a, b, c, d, e, kind, field, qty, aux)                                        \
	_Static_assert(TEXT_LEN(c) + TEXT_LEN(d) + TEXT_LEN(e) + 2 <= 7,                           \
		       "the text of a DSMR code row must fit in 7 bytes");
DSMR_OBIS_ROWS(ROW_TEXT_FITS)

/* The text keys find their row through a 256-slot hash (one multiply, one load, one
 * compare). The slots are designated initializers, so two rows in one slot make the
 * compiler warn (gcc -Woverride-init, clang -Winitializer-overrides, both in -Wextra;
 * an error in CI, which builds with -Werror). Pick another odd TEXT_HASH_MUL then:
 * with ~60 rows, about one random odd 64-bit multiplier in 150 spreads them all. (A
 * row left out of the slots would still be found, by the parsed-code switch.) */
#define TEXT_HASH_MUL  UINT64_C(0x9FB7B0F1BDFD3BA1)
#define TEXT_HASH_BITS 8
#define TEXT_HASH(key) ((size_t)(((key)*TEXT_HASH_MUL) >> (64 - TEXT_HASH_BITS)))

#define ROW_TEXT(a, b, c, d, e, kind, field, qty, aux)                                             \
	[ROW_ID(a, b, c, d, e)] = TEXT_KEY(AB_CODE(a, b), TEXT_CDE(c, d, e)),
static const uint64_t text_keys[DSMR_ROW_COUNT] = {DSMR_OBIS_ROWS(ROW_TEXT)};

/* Slot -> row index + 1 (0 = empty). */
#define ROW_SLOT(a, b, c, d, e, kind, field, qty, aux)                                             \
	[TEXT_HASH(TEXT_KEY(AB_CODE(a, b), TEXT_CDE(c, d, e)))] = ROW_ID(a, b, c, d, e) + 1,
static const uint8_t text_slots[1 << TEXT_HASH_BITS] = {DSMR_OBIS_ROWS(ROW_SLOT)};

_Static_assert(DSMR_ROW_COUNT < 255, "text_slots holds row indexes in a byte");

/* "A-B:" as the 32-bit little-endian word it is in the line. */
#define PREFIX(a, b)                                                                               \
	((uint32_t)(a) | (uint32_t)'-' << 8 | (uint32_t)(b) << 16 | (uint32_t)':' << 24)

/* Bytes the text lookup reads: "A-B:" and 8 bytes of "C.D.E(". */
#define TEXT_READ 12

const struct hp_dsmr_obis *hp_dsmr_obis_find_text(const char *p, const char *end, unsigned *channel,
						  const char **code_end)
{
	const uint64_t ones = 0x0101010101010101u;
	if (end - p < TEXT_READ)
		return NULL;
	uint64_t w = hp_dsmr_le64(p);
	uint32_t prefix = (uint32_t)w;
	unsigned ab, ch = 0;
	switch (prefix) {
	case PREFIX('0', '0'):
		ab = AB_00;
		break;
	case PREFIX('1', '0'):
		ab = AB_10;
		break;
	case PREFIX('1', '3'):
		ab = AB_13;
		break;
	default:
		ch = hp_dsmr_digit(p[2]);
		if ((prefix & ~(UINT32_C(0xFF) << 16)) != PREFIX('0', 0) || ch - 1 >= HP_MBUS_MAX)
			return NULL;
		ab = AB_0CH;
		break;
	}
	w = hp_dsmr_le64(p + 4);
	uint64_t open = hp_dsmr_zero_bytes(w ^ '(' * ones);
	if (open == 0)
		return NULL;
	unsigned n = (unsigned)__builtin_ctzll(open) >> 3; /* 0..7 */
	uint64_t key = TEXT_KEY(ab, w & ((UINT64_C(1) << (8 * n)) - 1));
	unsigned i = text_slots[TEXT_HASH(key)];
	if (i == 0 || text_keys[i - 1] != key)
		return NULL;
	*channel = ch;
	*code_end = p + 4 + n;
	return &obis_table[i - 1];
}

const struct hp_dsmr_obis *hp_dsmr_obis_row(size_t i)
{
	return i < DSMR_ROW_COUNT ? &obis_table[i] : NULL;
}
