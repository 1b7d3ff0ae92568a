/* Civil (proleptic Gregorian) dates and day counts since 1970-01-01, without the C
 * library's time zone or time_t: H. Hinnant's days_from_civil and civil_from_days.
 * One copy for the zone reader, the bucket labels, the API's and the price
 * list's ISO-8601 times. */
#ifndef HP_DAEMON_CIVIL_H
#define HP_DAEMON_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

static inline bool hp_leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1..12) of year y. */
static inline int hp_days_in_month(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && hp_leap_year(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d, m 1..12. */
static inline int64_t hp_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of a count of days since 1970-01-01. */
static inline void hp_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

#endif
