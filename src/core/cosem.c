/* COSEM date-time, scaler-unit and unit codes (protocols.md (e)). */
#include "cosem.h"
#include "wire.h"

/* Date-time field offsets. */
enum {
	DT_YEAR = 0,
	DT_MONTH = 2,
	DT_DAY = 3,
	DT_WEEKDAY = 4,
	DT_HOUR = 5,
	DT_MINUTE = 6,
	DT_SECOND = 7,
	DT_HUNDREDTHS = 8,
	DT_STATUS = 11,
};

#define DT_NOT_SPECIFIED  0xFF
#define DT_STATUS_INVALID 0x01
#define DT_STATUS_DST     0x80
/* The clock rules drop years before 2000 (unset meter clocks count from 1970 or 0);
 * years past 9999 do not fit the four digits of meter_time (and FFFF is n/s). */
#define DT_YEAR_MIN 2000
#define DT_YEAR_MAX 9999

static bool is_leap(unsigned year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned days_in_month(unsigned year, unsigned month)
{
	static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month == 2 && is_leap(year) ? 29u : days[month - 1];
}

/* Fields are range-checked; FF ("not specified") and the DST markers FD/FE are
 * out of range too. */
static bool fields_valid(const uint8_t *p, unsigned year)
{
	if (year < DT_YEAR_MIN || year > DT_YEAR_MAX)
		return false;
	if (p[DT_MONTH] < 1 || p[DT_MONTH] > 12)
		return false;
	if (p[DT_DAY] < 1 || p[DT_DAY] > days_in_month(year, p[DT_MONTH]))
		return false;
	if (p[DT_HOUR] > 23 || p[DT_MINUTE] > 59 || p[DT_SECOND] > 59)
		return false;
	uint8_t status = p[DT_STATUS];
	return status == DT_NOT_SPECIFIED || (status & DT_STATUS_INVALID) == 0;
}

/* Two decimal digits of v (0..99) from a table: no division on the hot path. */
static char *put2(char *s, unsigned v)
{
	static const char digits[] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";
	s[0] = digits[2 * v];
	s[1] = digits[2 * v + 1];
	return s + 2;
}

void hp_cosem_datetime(const uint8_t *p, struct hp_cosem_clock *c)
{
	unsigned year = hp_be16(p + DT_YEAR);
	c->valid = fields_valid(p, year);
	c->dst = -1;
	c->text[0] = '\0';
	if (!c->valid)
		return;
	/* "YYYY-MM-DDTHH:MM:SS", written digit by digit (no printf on the hot path). */
	char *s = c->text;
	s = put2(s, year / 100);
	s = put2(s, year % 100);
	*s++ = '-';
	s = put2(s, p[DT_MONTH]);
	*s++ = '-';
	s = put2(s, p[DT_DAY]);
	*s++ = 'T';
	s = put2(s, p[DT_HOUR]);
	*s++ = ':';
	s = put2(s, p[DT_MINUTE]);
	*s++ = ':';
	s = put2(s, p[DT_SECOND]);
	*s = '\0';
	if (p[DT_STATUS] != DT_NOT_SPECIFIED)
		c->dst = (p[DT_STATUS] & DT_STATUS_DST) != 0;
}

/* Field in 0..max, or one of the special values from `special` up to FF. */
static bool in_range_or(uint8_t v, uint8_t min, uint8_t max, uint8_t special)
{
	return (v >= min && v <= max) || v >= special;
}

bool hp_cosem_datetime_plausible(const uint8_t *p)
{
	return in_range_or(p[DT_MONTH], 1, 12, 0xFD) && in_range_or(p[DT_DAY], 1, 31, 0xFD) &&
	       in_range_or(p[DT_WEEKDAY], 1, 7, 0xFF) && in_range_or(p[DT_HOUR], 0, 23, 0xFF) &&
	       in_range_or(p[DT_MINUTE], 0, 59, 0xFF) && in_range_or(p[DT_SECOND], 0, 59, 0xFF) &&
	       in_range_or(p[DT_HUNDREDTHS], 0, 99, 0xFF);
}

const char *hp_cosem_unit_name(uint8_t unit)
{
	switch (unit) {
	case HP_UNIT_SECOND:
		return "s";
	case HP_UNIT_DEGREE:
		return "deg";
	case HP_UNIT_CELSIUS:
		return "degC";
	case HP_UNIT_CUBIC_METRE:
		return "m3";
	case HP_UNIT_CUBIC_METRE_CORR:
		return "m3 corrected";
	case HP_UNIT_LITRE:
		return "l";
	case HP_UNIT_W:
		return "W";
	case HP_UNIT_VA:
		return "VA";
	case HP_UNIT_VAR:
		return "var";
	case HP_UNIT_WH:
		return "Wh";
	case HP_UNIT_VAH:
		return "VAh";
	case HP_UNIT_VARH:
		return "varh";
	case HP_UNIT_A:
		return "A";
	case HP_UNIT_V:
		return "V";
	case HP_UNIT_HZ:
		return "Hz";
	case HP_UNIT_PERCENT:
		return "%";
	case HP_UNIT_OTHER:
		return "other";
	case HP_UNIT_NONE:
		return "none";
	default:
		return "?";
	}
}

/* Powers of ten that doubles hold exactly. */
const double hp_cosem_pow10[HP_COSEM_EXP_MAX + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
