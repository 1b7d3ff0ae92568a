#!/usr/bin/env python3
"""Gives the browser test a year of history: a live daemon has only minutes of it.

Writes into a database the daemon made and closed (so its schema and meter rows
exist): energy buckets of every resolution (15 minutes, hour, day, month; each the
sum of its quarters, in the meter's zone, DST-correct) for every quarter from the
first day of the month 11 months ago up to `until` (the daemon's first start,
floored to a quarter; a bucket the daemon already started is added to), and raw
readings once a minute on the day of the month's highest hour.

A household profile plus known peaks, so the capacity tariffs have something to
find: the Norwegian meter's three highest hours on three days of this month (9.2,
8.9 and 7.8 kWh at 17:00), the Belgian meter's peak quarter (1.55 kWh = 6.2 kW at
18:15, two days ago). Prints what it seeded as JSON for the test.

usage: seed-history.py DB UNTIL_MS NAME:ZONE:KIND ...   (KIND no or be)
"""
import json
import math
import sqlite3
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

QUARTER_MS = 15 * 60 * 1000
HOUR_MS = 4 * QUARTER_MS
RES_15M, RES_HOUR, RES_DAY, RES_MONTH = 1, 2, 3, 4
# Stored samples per quarter at a 10 s store interval.
SAMPLES = 90


def local(ms, zone):
    return datetime.fromtimestamp(ms / 1000, zone)


def ms_of(dt):
    return int(dt.timestamp() * 1000)


def month_start(dt, zone, add=0):
    y, m = dt.year, dt.month - 1 + add
    y += m // 12
    return datetime(y, m % 12 + 1, 1, tzinfo=zone)


def day_start(dt, zone, add=0):
    d = dt.date() + timedelta(days=add)
    return datetime(d.year, d.month, d.day, tzinfo=zone)


def base_quarter_kwh(dt, kind):
    """A household: low at night, a morning and a larger evening bump; winter higher."""
    h = dt.hour + dt.minute / 60
    season = 1.0 + 0.4 * math.cos((dt.timetuple().tm_yday - 15) / 365 * 2 * math.pi)
    load_kw = 0.35 + 0.9 * math.exp(-((h - 7.5) ** 2) / 2) + 1.4 * math.exp(-((h - 18.5) ** 2) / 3)
    load_kw *= season * (1.0 + 0.15 * math.sin(dt.day * 1.7 + dt.hour))
    if kind == "be":
        load_kw *= 0.8
    return round(load_kw / 4, 6)


def export_quarter_kwh(dt, kind):
    """Solar on the Belgian house: a midday bell, more in summer."""
    if kind != "be":
        return 0.0
    h = dt.hour + dt.minute / 60
    summer = 0.6 + 0.5 * math.cos((dt.timetuple().tm_yday - 172) / 365 * 2 * math.pi)
    kw = max(0.0, 3.0 * summer * math.exp(-((h - 13) ** 2) / 6))
    return round(kw / 4, 6)


def peaks_of(kind, now_local, zone):
    """{quarter start ms: kWh} of the planted peaks that lie before now."""
    out = {}
    if kind == "no":
        # (days ago, hour kWh) at 17:00-18:00: four even quarters each.
        for days_ago, kwh in ((3, 9.2), (5, 8.9), (1, 7.8), (8, 6.4)):
            day = day_start(now_local, zone, -days_ago)
            if day.month != now_local.month:
                continue
            start = ms_of(day.replace(hour=17))
            for q in range(4):
                out[start + q * QUARTER_MS] = round(kwh / 4, 6)
    else:
        day = day_start(now_local, zone, -2)
        if day.month == now_local.month:
            out[ms_of(day.replace(hour=18, minute=15))] = 1.55
    return out


class Bucket:
    __slots__ = ("start", "end", "label", "imp", "exp", "n", "sum_w", "max_w", "exp_sum_w", "exp_max_w")

    def __init__(self, start, end, label):
        self.start, self.end, self.label = start, end, label
        self.imp = self.exp = self.sum_w = self.exp_sum_w = 0.0
        self.max_w = self.exp_max_w = 0.0
        self.n = 0

    def add(self, imp, exp):
        self.imp += imp
        self.exp += exp
        self.n += SAMPLES
        self.sum_w += imp * 4000 * SAMPLES
        self.exp_sum_w += exp * 4000 * SAMPLES
        self.max_w = max(self.max_w, imp * 4000 * 1.3)
        self.exp_max_w = max(self.exp_max_w, exp * 4000 * 1.3)


def seed_meter(db, meter_id, kind, zone, until_ms):
    now_local = local(until_ms, zone)
    first = month_start(now_local, zone, -11)
    peaks = peaks_of(kind, now_local, zone)
    buckets = {res: {} for res in (RES_15M, RES_HOUR, RES_DAY, RES_MONTH)}

    def bucket(res, start_dt, end_dt):
        key = ms_of(start_dt)
        b = buckets[res].get(key)
        if b is None:
            b = buckets[res][key] = Bucket(key, ms_of(end_dt), start_dt.isoformat())
        return b

    t = ms_of(first)
    while t < until_ms:
        dt = local(t, zone)
        imp = peaks.get(t, base_quarter_kwh(dt, kind))
        exp = export_quarter_kwh(dt, kind)
        # Buckets are keyed by their UTC start, so the repeated autumn hour is two
        # hours; the zones here are whole hours from UTC, so a local hour starts
        # on a UTC hour.
        hour_start = t - t % HOUR_MS
        bucket(RES_15M, dt, local(t + QUARTER_MS, zone)).add(imp, exp)
        bucket(RES_HOUR, local(hour_start, zone), local(hour_start + HOUR_MS, zone)).add(imp, exp)
        bucket(RES_DAY, day_start(dt, zone), day_start(dt, zone, 1)).add(imp, exp)
        bucket(RES_MONTH, month_start(dt, zone), month_start(dt, zone, 1)).add(imp, exp)
        t += QUARTER_MS

    rows = []
    for res, by_start in buckets.items():
        for b in by_start.values():
            rows.append((meter_id, res, b.start, b.end, b.label, round(b.imp, 6), round(b.exp, 6), b.n, b.n, b.sum_w, b.max_w, b.n, b.exp_sum_w, b.exp_max_w))
    # A bucket the daemon already began (the running hour, day and month) gets the
    # seeded energy added; the others are new.
    db.executemany(
        "INSERT INTO buckets (meter, res, start_ms, end_ms, label, import_kwh, export_kwh, samples, imp_n, imp_sum_w, imp_max_w, exp_n, exp_sum_w, exp_max_w, gap, estimated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)"
        " ON CONFLICT (meter, res, start_ms) DO UPDATE SET"
        " import_kwh = coalesce(import_kwh, 0) + excluded.import_kwh,"
        " export_kwh = coalesce(export_kwh, 0) + excluded.export_kwh,"
        " samples = samples + excluded.samples, imp_n = imp_n + excluded.imp_n,"
        " imp_sum_w = imp_sum_w + excluded.imp_sum_w, imp_max_w = max(coalesce(imp_max_w, 0), excluded.imp_max_w),"
        " exp_n = exp_n + excluded.exp_n, exp_sum_w = exp_sum_w + excluded.exp_sum_w,"
        " exp_max_w = max(coalesce(exp_max_w, 0), excluded.exp_max_w)",
        rows,
    )

    # Raw readings once a minute through the day of the highest planted quarter
    # (yesterday early in a month, before any peak could be planted).
    if peaks:
        top = max(peaks, key=lambda k: (peaks[k], -k))
        raw_day = day_start(local(top, zone), zone)
    else:
        raw_day = day_start(now_local, zone, -1)
    quarters = buckets[RES_15M]
    t = ms_of(raw_day)
    end = min(ms_of(day_start(raw_day, zone, 1)), until_ms)
    raw = []
    while t < end:
        q = quarters.get(t - t % QUARTER_MS)
        w_imp = round(q.imp * 4000) if q else 0
        w_exp = round(q.exp * 4000) if q else 0
        amps = round(w_imp / 3 / 230, 2)
        raw.append((t * 1000 + meter_id, meter_id, t, w_imp, w_exp,
                    231.2, 230.4, 232.0, amps, amps, amps))
        t += 60000
    db.executemany(
        "INSERT OR IGNORE INTO raw (id, meter, t_ms, power_import_w, power_export_w,"
        " l1_voltage_v, l2_voltage_v, l3_voltage_v, l1_current_a, l2_current_a, l3_current_a)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        raw,
    )
    return {
        "quarters": len(buckets[RES_15M]),
        "first": first.isoformat(),
        "raw_day": raw_day.date().isoformat(),
        "peaks": {local(k, zone).isoformat(): v for k, v in sorted(peaks.items())},
    }


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, until_ms = sys.argv[1], int(sys.argv[2])
    until_ms -= until_ms % QUARTER_MS
    db = sqlite3.connect(path)
    seeded = {}
    with db:
        for spec in sys.argv[3:]:
            name, zone, kind = spec.split(":")
            row = db.execute("SELECT id FROM meters WHERE name = ?", (name,)).fetchone()
            if row is None:
                sys.exit(f"seed-history: no meter {name} in {path}: start the daemon once first")
            seeded[name] = seed_meter(db, row[0], kind, ZoneInfo(zone), until_ms)
    db.close()
    print(json.dumps(seeded))


if __name__ == "__main__":
    main()
