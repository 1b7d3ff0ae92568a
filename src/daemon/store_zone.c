/* Which time zone a meter's buckets follow. The writer uses the configured one
 * (hp_store_open_meters) and records its name in meters.timezone, so a reader,
 * which knows no configuration, formats a meter's bucket times in the zone the
 * buckets were made in; a meter without a configured zone keeps the one the file
 * recorded. */
#include <stdio.h>

#include "store_db.h"

const struct hp_tz *hp_store_zone_named(const char *name)
{
	const struct hp_tz *z = NULL;
	if (name != NULL && name[0] != '\0')
		z = hp_tz_get(name, NULL, 0);
	return z != NULL ? z : hp_tz_get("", NULL, 0);
}

const struct hp_tz *hp_store_meter_zone(sqlite3 *db, const char *meter)
{
	sqlite3_stmt *st = NULL;
	char name[HP_TZ_NAME_MAX] = "";
	/* Prepared per query: a history answer takes far longer than this. A file of
	 * schema 2 has no such column; then the system's zone, as before. */
	if (sqlite3_prepare_v2(db, "SELECT timezone FROM meters WHERE name = ?1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, meter, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
			snprintf(name, sizeof(name), "%s",
				 (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return hp_store_zone_named(name);
}
