#!/usr/bin/env python3
"""The soak test's end state, read after the daemon stopped (soak.sh).

usage: check.py OUT_DIR DB METER START_MS DAYS RAW_DAYS STORE_INTERVAL_S SPEED

Reads the history database (the daemon has let go of it), OUT_DIR/samples.csv,
first_raw.json, api_days.json, driver.json and mqtt.json, prints one line per
check ("ok: ..." or "FAIL: ..."), the summary table (also in OUT_DIR/summary.txt),
and writes "PASSED FAILED" to OUT_DIR/check.counts.

RSS_MARGIN_KB (environment, default 2048) is how far the last third's highest
RSS may lie above the first third's.
"""
import csv
import json
import os
import sqlite3
import sys
from datetime import datetime, timezone

DAY_MS = 86400 * 1000
HOUR_MS = 3600 * 1000
QUARTER_MS = 15 * 60 * 1000
# enum hp_resolution (src/daemon/store.h)
RES = {"15m": 1, "hour": 2, "day": 3, "month": 4}
# Registers count whole Wh; bucket sums are sums of differences of them.
ENERGY_TOL_KWH = 1e-4
# The share of the simulated telegrams that must become readings.
KEPT_UP = 0.9
# The share of the raw rows an 11-second rhythm would give that must be there.
RAW_ROWS_LEAST = 0.75
# Slack for the commit and prune rhythm, in simulated ms.
RAW_SLACK_MS = 60 * 1000


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, cond, text):
        if cond:
            self.passed += 1
            print("ok: " + text)
        else:
            self.failed += 1
            print("FAIL: " + text)


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def num(row, key):
    v = row.get(key, "")
    return float(v) if v not in ("", None) else None


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def thirds(samples, days, key):
    """The values of key in the first and the last third of the simulated days."""
    first = [num(s, key) for s in samples if num(s, "sim_days") < days / 3]
    last = [num(s, key) for s in samples if num(s, "sim_days") >= 2 * days / 3]
    return [v for v in first if v], [v for v in last if v]


def main():
    out, db, meter = sys.argv[1:4]
    start_ms, days, raw_days = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    store_interval_ms, speed = int(sys.argv[7]) * 1000, float(sys.argv[8])
    rss_margin_kb = int(os.environ.get("RSS_MARGIN_KB", "2048"))
    check = Checks()

    with open(os.path.join(out, "samples.csv")) as f:
        samples = list(csv.DictReader(f))
    first_raw = load_json(os.path.join(out, "first_raw.json"), {})
    api_days = load_json(os.path.join(out, "api_days.json"), {})
    driver = load_json(os.path.join(out, "driver.json"), {})
    sub = load_json(os.path.join(out, "mqtt.json"), {})
    last = samples[-1]

    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    q = lambda sql, *a: con.execute(sql, a).fetchall()
    mid = q("SELECT id FROM meters WHERE name = ?", meter)[0][0]
    imp_final, exp_final, last_ms, new_series = q(
        "SELECT imp_kwh, exp_kwh, imp_t_ms, new_series FROM series WHERE meter = ?", mid)[0]

    def buckets(res):
        return q("SELECT start_ms, end_ms, import_kwh, export_kwh FROM all_buckets"
                 " WHERE meter = ? AND res = ? ORDER BY start_ms", mid, RES[res])

    # ---- energy: the registers' growth is what the daily buckets hold ----
    imp_first = first_raw.get("energy_import_kwh")
    exp_first = first_raw.get("energy_export_kwh")
    check(imp_first is not None and exp_first is not None,
          "the first raw row (kept early through the API) has both registers")
    imp_first = imp_first or 0.0
    exp_first = exp_first or 0.0
    imp_want, exp_want = imp_final - imp_first, exp_final - exp_first
    days_rows = buckets("day")
    sums = {}
    for res in RES:
        rows = days_rows if res == "day" else buckets(res)
        sums[res] = (sum(r[2] or 0 for r in rows), sum(r[3] or 0 for r in rows))
    imp_day, exp_day = sums["day"]
    check(abs(imp_day - imp_want) <= ENERGY_TOL_KWH,
          "import: the daily buckets hold the register's growth (%.4f kWh stored, "
          "%.4f - %.4f = %.4f kWh expected)" % (imp_day, imp_final, imp_first, imp_want))
    check(abs(exp_day - exp_want) <= ENERGY_TOL_KWH,
          "export: the daily buckets hold the register's growth (%.4f kWh stored, "
          "%.4f - %.4f = %.4f kWh expected)" % (exp_day, exp_final, exp_first, exp_want))
    check(imp_want > 0 and exp_want > 0, "the simulated household imported and exported")
    for res in ("15m", "hour", "month"):
        check(abs(sums[res][0] - imp_day) <= ENERGY_TOL_KWH and
              abs(sums[res][1] - exp_day) <= ENERGY_TOL_KWH,
              "%s buckets add up to the daily ones (%.4f / %.4f kWh)"
              % (res, sums[res][0], sums[res][1]))
    check(new_series == 0, "one register series: the registers never went back")
    mqtt_imp = sub.get("last_import_kwh")
    check(mqtt_imp is not None and mqtt_imp <= imp_final + 1e-9,
          "the last state message's import register (%s) is at most the last one stored "
          "(%.3f)" % (mqtt_imp, imp_final))

    # ---- days ----
    complete = [r for r in days_rows if r[1] <= last_ms]
    short = sum(1 for r in days_rows if r[1] - r[0] == 23 * HOUR_MS)
    check(len(complete) == int(days) and len(days_rows) <= int(days) + 1,
          "day buckets: %d complete + %d partial for %g days (%d of 23 hours)"
          % (len(complete), len(days_rows) - len(complete), days, short))
    check(bool(days_rows) and days_rows[0][0] == start_ms,
          "the first day bucket starts at the start, local midnight (%s)"
          % (iso(days_rows[0][0]) if days_rows else "none"))
    gaps = [i for i in range(1, len(days_rows)) if days_rows[i][0] != days_rows[i - 1][1]]
    check(not gaps, "the day buckets follow one another without a hole")

    # ---- raw rows: only the last raw_days ----
    oldest, newest, raw_n = q("SELECT min(t_ms), max(t_ms), count(*) FROM raw WHERE meter = ?",
                              mid)[0]
    span_ms = last_ms - oldest
    if days > raw_days:
        lo, hi = raw_days * DAY_MS - RAW_SLACK_MS, raw_days * DAY_MS + HOUR_MS + RAW_SLACK_MS
        check(lo <= span_ms <= hi,
              "raw rows cover the last raw_days = %d: the oldest is %.3f days before the "
              "last reading (%s)" % (raw_days, span_ms / DAY_MS, iso(oldest)))
    # A raw row is written by the first reading store_interval or more after the
    # last row: with a reading a second, every 10 or 11 s. Fewer when the daemon
    # lags: telegrams that waited in the ring are stamped together when read.
    most = span_ms / store_interval_ms + 1
    least = span_ms / (store_interval_ms + 1000)
    check(RAW_ROWS_LEAST * least <= raw_n <= most,
          "%d raw rows over that span, one per %.1f s (store_interval %d s)"
          % (raw_n, span_ms / 1000 / max(raw_n, 1), store_interval_ms // 1000))

    # ---- the API served the same days as the file holds ----
    api_ms, api_rows = api_days.get("sim_ms"), api_days.get("days") or []
    final = {r[0]: r for r in days_rows}
    settled = [b for b in api_rows if api_ms and b["end_ms"] <= api_ms - QUARTER_MS]
    differ = [b["start"] for b in settled if b["start_ms"] not in final or
              abs((b["import_kwh"] or 0) - (final[b["start_ms"]][2] or 0)) > 1e-9 or
              abs((b["export_kwh"] or 0) - (final[b["start_ms"]][3] or 0)) > 1e-9]
    check(settled and not differ,
          "the API's daily buckets before the stop equal the file's (%d settled days)%s"
          % (len(settled), ": %s differ" % differ if differ else ""))

    # ---- the daemon kept up ----
    readings = int(last["readings"])
    at_ms = start_ms + float(last["sim_days"]) * DAY_MS
    want_readings = (at_ms - first_raw.get("t_ms", start_ms)) / 1000 + 1
    dropped, errors = int(last["ring_dropped"]), int(last["decode_errors"])
    # A daemon too slow for the pace would lose telegrams all along; one kept off
    # the CPU for 42 real ms (85 simulated seconds fill its 64 KiB ring) on a busy
    # machine loses some now and then (README.md, Limits of the acceleration).
    check(readings >= KEPT_UP * want_readings,
          "the daemon kept up: %d readings of about %.0f telegrams, %.2f%% (%d ring bytes "
          "dropped, %d decode errors)" % (readings, want_readings,
                                          100 * readings / want_readings, dropped, errors))
    check(int(last["store_failures"]) == 0, "no failed commit")

    # ---- memory, fds, threads: flat after warm-up ----
    rss_first, rss_last = thirds(samples, days, "rss_kb")
    check(rss_first and rss_last and max(rss_last) <= max(rss_first) + rss_margin_kb,
          "RSS flat: last third's max %d kB <= first third's max %d kB + %d kB"
          % (max(rss_last or [0]), max(rss_first or [0]), rss_margin_kb))
    fd_first, fd_last = thirds(samples, days, "fds")
    check(fd_first and fd_last and max(fd_last) <= max(fd_first),
          "fds flat: last third %d..%d, first third %d..%d"
          % (min(fd_last or [0]), max(fd_last or [0]), min(fd_first or [0]),
             max(fd_first or [0])))
    th_first, th_last = thirds(samples, days, "threads")
    check(th_first and th_last and set(th_last) == set(th_first) and len(set(th_last)) == 1,
          "threads constant (%s)" % sorted(set(th_first + th_last)))

    # ---- MQTT: state messages all along ----
    received = [int(s["mqtt_received"]) for s in samples]
    begun = next((i for i, n in enumerate(received) if n > 0), len(received))
    # The subscriber writes its count once a real second: the last sample, taken
    # right after the one before, is compared with the one before that.
    stalls, j = [], begun
    for i in range(begun + 1, len(received)):
        if float(samples[i]["real_s"]) - float(samples[j]["real_s"]) < 2.5:
            continue
        if received[i] <= received[j]:
            stalls.append(samples[i]["sim_days"])
        j = i
    check(begun < len(received) and not stalls,
          "the subscriber got state messages in every sample interval%s"
          % (" (none new at day %s)" % ", ".join(stalls[:5]) if stalls else ""))
    count = sub.get("count", 0)
    check(count >= 0.95 * readings,
          "the subscriber counted %d state messages for %d readings" % (count, readings))
    check(last["mqtt_connects"] == "1" and last.get("mqtt_state", "connected") == "connected",
          "one MQTT connection all along (%s connects, %s at the end)"
          % (last["mqtt_connects"], last.get("mqtt_state", "?")))

    # ---- HTTP ----
    ok, fail = driver.get("http_ok", 0), driver.get("http_fail", 0)
    check(ok > 0 and fail <= 0.01 * (ok + fail),
          "HTTP: %d calls answered, %d failed%s" % (ok, fail, ": %s" % driver.get(
              "http_errors", [])[:3] if fail else ""))
    day_rows = DAY_MS / (store_interval_ms + 1000)
    if days >= 2:
        check(driver.get("raw_day_rows_max", 0) >= 0.99 * day_rows,
              "a day of raw rows served (%d rows, in pages)"
              % driver.get("raw_day_rows_max", 0))

    # ---- the summary ----
    after_day1 = [s for s in samples if num(s, "sim_days") >= 1] or samples
    col = lambda key, rows=after_day1: [num(s, key) for s in rows if num(s, key) is not None]
    rss, fds = col("rss_kb"), col("fds")
    db_end = num(last, "db_bytes") + num(last, "wal_bytes")
    real_min = float(last["real_s"]) / 60
    lines = [
        ("days simulated", "%.2f (%s .. %s), x%g" % (float(last["sim_days"]), iso(start_ms),
                                                     iso(at_ms), speed)),
        ("real minutes", "%.1f" % real_min),
        ("readings", "%d of about %.0f telegrams, %.2f%% (%d ring bytes dropped, %d decode "
         "errors)" % (readings, want_readings, 100 * readings / want_readings, dropped,
                      errors)),
        ("daemon CPU", "%.0f s (%.0f%% of one core)" % (num(last, "cpu_s"),
                                                      100 * num(last, "cpu_s") /
                                                      float(last["real_s"]))),
        ("RSS after day 1", "min %d kB, max %d kB (first third max %d, last third max %d)"
         % (min(rss), max(rss), max(rss_first or [0]), max(rss_last or [0]))),
        ("VmHWM at end", "%d kB" % num(last, "hwm_kb")),
        ("fds after day 1", "min %d, max %d" % (min(fds), max(fds))),
        ("threads", "%s" % sorted(set(th_first + th_last))),
        ("DB at end", "%.1f MiB + %.1f MiB WAL before the stop; %.1f MiB after"
         % (num(last, "db_bytes") / 2**20, num(last, "wal_bytes") / 2**20,
            os.path.getsize(db) / 2**20)),
        ("DB max", "%.1f MiB (file + WAL)" % (max(col("db_bytes", samples)) / 2**20)),
        ("raw rows", "%d, %.3f days back (raw_days %d)" % (raw_n, span_ms / DAY_MS,
                                                          raw_days)),
        ("day buckets", "%d (%d complete)" % (len(days_rows), len(complete))),
        ("import kWh", "expected %.4f, stored %.4f (diff %.2g)" % (imp_want, imp_day,
                                                                  imp_day - imp_want)),
        ("export kWh", "expected %.4f, stored %.4f (diff %.2g)" % (exp_want, exp_day,
                                                                  exp_day - exp_want)),
        ("MQTT", "%d state messages received, %s published, %s dropped, %s connects"
         % (count, last["mqtt_published"], last["mqtt_dropped"], last["mqtt_connects"])),
        ("HTTP", "%d ok, %d failed, %.1f MiB read" % (ok, fail,
                                                      driver.get("http_bytes", 0) / 2**20)),
    ]
    width = max(len(k) for k, _ in lines)
    table = "\n".join("%-*s  %s" % (width, k, v) for k, v in lines)
    print("\n" + table)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(out, "check.counts"), "w") as f:
        f.write("%d %d\n" % (check.passed, check.failed))


if __name__ == "__main__":
    main()
