/* History as CSV (RFC 4180: comma-separated, CRLF line ends, a header row), written
 * as text into a growable buffer (json_text.h's, which serves any text: large
 * answers live in a mapping of their own and go back to the system when sent).
 * No field needs quoting: times, numbers, true/false and reading-model keys. */
#ifndef HP_DAEMON_CSV_H
#define HP_DAEMON_CSV_H

#include <stdint.h>

#include "accounting.h"
#include "json_text.h"

#define HP_CSV_TYPE "text/csv; charset=utf-8"

/* v with at most `decimals` decimals, trailing zeros dropped ("0.95", "3", "-1.5");
 * nothing for NaN or infinities (an empty field). */
void hp_csv_fixed(struct hp_json_text *t, double v, int decimals);

/* Raw rows: "time" (ISO 8601 UTC) and then the reading-model numeric keys in
 * `columns` (bit n: enum hp_num n), in the model's order. */
void hp_csv_raw_header(struct hp_json_text *t, uint64_t columns);
/* A raw row: values as /now prints them, an empty field where the row has none. */
void hp_csv_raw_row(struct hp_json_text *t, uint64_t columns, int64_t t_ms, uint64_t present,
		    const double *num);

/* Buckets: start,end,import_kwh,export_kwh,max_power_w,mean_power_w,gap,estimated,
 * cost,income (times ISO 8601 with the zone's offset; unknown values empty; gap
 * also for a bucket the store has no row for). */
void hp_csv_bucket_header(struct hp_json_text *t);
void hp_csv_bucket_row(struct hp_json_text *t, const struct hp_tz *zone,
		       const struct hp_acct_bucket *b);

#endif
