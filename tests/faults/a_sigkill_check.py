#!/usr/bin/env python3
"""What a history database holds after a SIGKILL, against what it held before.

usage: a_sigkill_check.py DB STATE CONTINUOUS_METER [final]

DB is a copy of the database (with its -wal) taken while no daemon runs; STATE a
JSON file with the figures of the previous check (made when missing, rewritten
when this check holds). CONTINUOUS_METER names the meter whose registers never go
back (a simulator that runs on while the daemon is killed and started again).

Must hold (each failure is printed, exit 1):
  - committed data is never lost: per meter the raw row count, the newest raw
    time, the bucket count, the summed energy of the 15-minute buckets (import and
    export) and the series' booked time are at least what the previous check saw;
  - energy is never negative: no bucket and no raw row holds a negative register or
    energy;
  - the continuous meter's registers never go back: its raw import and export
    registers, in time order, never decrease, its series register is at least the
    previous one, and it never started a new series.
With "final" (after a clean stop, which writes every booking), also:
  - energy is conserved for the continuous meter: its 15-minute import buckets
    add up to its last booked import register less its first raw row's (what it
    counted from the first reading on, across every kill: raw rows committed
    before a kill are booked again at the next start, readings lost with a kill
    are covered by the next register).
Prints one line of figures.
"""
import json
import sqlite3
import sys

EPS = 1e-9


def figures(db):
    out = {}
    meters = dict(db.execute("SELECT id, name FROM meters"))
    for mid, name in meters.items():
        f = {}
        f["raw"], f["raw_max_ms"] = db.execute(
            "SELECT count(*), coalesce(max(t_ms), 0) FROM raw WHERE meter = ?", (mid,)).fetchone()
        f["buckets"], f["imp15"], f["exp15"] = db.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN res = 1 THEN import_kwh END), 0),"
            " coalesce(sum(CASE WHEN res = 1 THEN export_kwh END), 0) FROM buckets WHERE meter = ?",
            (mid,)).fetchone()
        f["neg_buckets"] = db.execute(
            "SELECT count(*) FROM buckets WHERE meter = ? AND (import_kwh < 0 OR export_kwh < 0)",
            (mid,)).fetchone()[0]
        f["neg_raw"] = db.execute(
            "SELECT count(*) FROM raw WHERE meter = ? AND (energy_import_kwh < 0 OR energy_export_kwh < 0)",
            (mid,)).fetchone()[0]
        # A register below the one of the row before it (LAG: SQLite 3.25 or later).
        f["back"] = db.execute(
            "SELECT count(*) FROM (SELECT energy_import_kwh AS i, energy_export_kwh AS e,"
            " lag(energy_import_kwh) OVER w AS pi, lag(energy_export_kwh) OVER w AS pe"
            " FROM raw WHERE meter = ? AND energy_import_kwh IS NOT NULL"
            " WINDOW w AS (ORDER BY t_ms)) WHERE i < pi OR e < pe", (mid,)).fetchone()[0]
        row = db.execute(
            "SELECT imp_kwh, exp_kwh, booked_ms, new_series FROM series WHERE meter = ?",
            (mid,)).fetchone()
        f["imp_kwh"], f["exp_kwh"], f["booked_ms"], f["new_series"] = row if row else (None,) * 4
        out[name] = f
    return out


def main():
    path, state_path, continuous = sys.argv[1:4]
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    now = figures(db)
    db.close()
    try:
        before = json.load(open(state_path))
    except FileNotFoundError:
        before = {}
    problems = []
    for name, f in now.items():
        if f["neg_buckets"] or f["neg_raw"]:
            problems.append("%s: %d buckets and %d raw rows with negative energy"
                            % (name, f["neg_buckets"], f["neg_raw"]))
        b = before.get(name)
        if b is None:
            continue
        for key in ("raw", "raw_max_ms", "buckets", "booked_ms"):
            if (b[key] or 0) > (f[key] or 0):
                problems.append("%s: %s went back from %s to %s" % (name, key, b[key], f[key]))
        for key in ("imp15", "exp15"):
            if b[key] > f[key] + EPS:
                problems.append("%s: 15-minute %s energy went back from %.6f to %.6f kWh"
                                % (name, key[:3], b[key], f[key]))
    for name in set(before) - set(now):
        problems.append("meter %s is gone from the database" % name)
    c = now.get(continuous)
    if c is not None:
        if c["back"]:
            problems.append("%s: %d raw rows with a register below the row before" % (continuous, c["back"]))
        if c["new_series"]:
            problems.append("%s: %d new series, its registers never went back" % (continuous, c["new_series"]))
        b = before.get(continuous)
        for key in ("imp_kwh", "exp_kwh"):
            if b and b[key] is not None and (c[key] is None or c[key] < b[key]):
                problems.append("%s: series %s went back from %s to %s" % (continuous, key, b[key], c[key]))
    if len(sys.argv) > 4 and sys.argv[4] == "final" and c is not None:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        first = db.execute(
            "SELECT r.energy_import_kwh FROM raw r JOIN meters m ON m.id = r.meter WHERE m.name = ?"
            " AND r.energy_import_kwh IS NOT NULL ORDER BY r.t_ms LIMIT 1", (continuous,)).fetchone()
        db.close()
        counted = c["imp_kwh"] - first[0] if first and c["imp_kwh"] is not None else None
        print("%s: first register %s kWh, last booked %s kWh: %s kWh counted, %.6f kWh in the"
              " 15-minute buckets" % (continuous, first and first[0], c["imp_kwh"], counted, c["imp15"]))
        if counted is None or abs(counted - c["imp15"]) > 1e-6:
            problems.append("%s: the buckets hold %.6f kWh, the registers say %s kWh"
                            % (continuous, c["imp15"], counted))
    print(" ".join("%s: %d raw, %d buckets, %.3f kWh in 15m;" % (n, f["raw"], f["buckets"], f["imp15"])
                   for n, f in sorted(now.items())))
    for p in problems:
        print("  " + p)
    if problems:
        return 1
    with open(state_path, "w") as out:
        json.dump(now, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
