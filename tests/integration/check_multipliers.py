#!/usr/bin/env python3
"""Checks a meter's outputs against a capture's readings times its multipliers
(tests/integration/test-multipliers.sh).

    check_multipliers.py DECODED FACTORS MODE ARGS...

DECODED: `hanp1d decode` of the capture (one reading JSON a line); FACTORS:
"power,voltage,current,energy" (the meter's multiplier_* values). MODE:

    now FILE...          /api/v1/meters/NAME/now answers: each one's reading is
                         the capture's reading with its meter_time, multiplied
    metrics FILE NAME    /metrics: NAME's gauges and counters are one of the
                         capture's readings, multiplied (metrics carry no
                         meter_time: the whole set must fit one reading)
    db FILE NAME MIN     SQLite raw rows of meter NAME (at least MIN): each row's
                         columns are the reading with its meter_time, multiplied
    history FILE MIN     /api/v1/meters/NAME/history?resolution=raw: the same for
                         each row served (at least MIN)

Equality is exact up to the last bit or two of a double (1e-12 relative): the
daemon prints doubles with %.15g. Exits 0 when everything fits, else prints what
does not and exits 1.
"""
import json
import re
import sqlite3
import sys

REL = 1e-12


def quantity(key):
    """Which multiplier a reading key takes (multiply.c's table), by its unit."""
    if re.search(r"_(w|var|va)$", key):
        return "power"
    if key.endswith("_v"):
        return "voltage"
    if key.endswith("_a"):
        return "current"
    if re.search(r"_(kwh|kvarh)$", key):
        return "energy"
    return None


def expected(reading, factors):
    out = {}
    for k, v in reading.items():
        q = quantity(k)
        if q is not None and isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = v * factors[q]
        else:
            out[k] = v
    return out


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= REL * max(1.0, abs(a), abs(b))
    return a == b


def diff(got, want, keys):
    return ["%s: got %r, want %r" % (k, got.get(k), want.get(k))
            for k in keys if not same(got.get(k), want.get(k))]


# /metrics series -> reading key.
def metric_key(name, labels):
    phase = labels.get("phase")
    tariff = labels.get("tariff")
    simple = {
        "hanp1d_power_import_watts": "power_import_w",
        "hanp1d_power_export_watts": "power_export_w",
        "hanp1d_energy_import_kilowatt_hours_total": "energy_import_kwh",
        "hanp1d_energy_export_kilowatt_hours_total": "energy_export_kwh",
        "hanp1d_tariff": "tariff",
    }
    if name in simple:
        return simple[name]
    if phase is not None:
        m = {
            "hanp1d_phase_power_import_watts": "%s_power_import_w",
            "hanp1d_phase_power_export_watts": "%s_power_export_w",
            "hanp1d_current_amperes": "%s_current_a",
            "hanp1d_voltage_volts": "%s_voltage_v",
        }.get(name)
        return m % phase if m else None
    if tariff is not None:
        m = {
            "hanp1d_tariff_energy_import_kilowatt_hours_total": "energy_import_t%s_kwh",
            "hanp1d_tariff_energy_export_kilowatt_hours_total": "energy_export_t%s_kwh",
        }.get(name)
        return m % tariff if m else None
    return None


def main():
    decoded, factor_text, mode, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    f = [float(x) for x in factor_text.split(",")]
    factors = dict(zip(("power", "voltage", "current", "energy"), f))
    readings = [json.loads(l) for l in open(decoded) if l.startswith("{")]
    by_time = {r["meter_time"]: expected(r, factors) for r in readings}
    numeric = [k for k, v in readings[0].items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    problems = []

    if mode == "now":
        for path in args:
            o = json.load(open(path))
            r = o["reading"]
            want = by_time.get(r.get("meter_time"))
            if want is None:
                problems.append("%s: meter_time %r is not in the capture" % (path, r.get("meter_time")))
                continue
            keys = sorted(set(want) | set(r))
            problems += ["%s: %s" % (path, d) for d in diff(r, want, keys)]
        print("now: %d answers" % len(args))
    elif mode == "metrics":
        path, name = args
        got = {}
        pat = re.compile(r'^(hanp1d_\w+)\{([^}]*)\} (\S+)$')
        for line in open(path):
            m = pat.match(line.strip())
            if not m:
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            if labels.get("meter") != name:
                continue
            key = metric_key(m.group(1), labels)
            if key is not None:
                got[key] = float(m.group(3))
        keys = sorted(k for k in got if k in numeric)
        if len(keys) < 15:
            problems.append("only %d reading series for %s in /metrics: %s" % (len(keys), name, keys))
        fits = [t for t, want in by_time.items() if not diff(got, want, keys)]
        if not fits:
            closest = min(by_time.values(), key=lambda w: len(diff(got, w, keys)))
            problems.append("no reading of the capture, multiplied, fits %s's metrics: "
                            "closest (%s) differs in %s" % (name, closest["meter_time"],
                                                            diff(got, closest, keys)[:6]))
        print("metrics: %d series of %s fit %s" % (len(keys), name, fits))
    elif mode in ("db", "history"):
        if mode == "db":
            path, name, least = args
            db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
            db.row_factory = sqlite3.Row
            rows = [dict(r) for r in db.execute(
                "SELECT raw.* FROM raw JOIN meters ON meters.id = raw.meter "
                "WHERE meters.name = ? ORDER BY t_ms", (name,))]
        else:
            path, least = args
            rows = json.load(open(path))
        if len(rows) < int(least):
            problems.append("%d rows, want at least %s" % (len(rows), least))
        for row in rows:
            want = by_time.get(row.get("meter_time"))
            if want is None:
                problems.append("a row's meter_time %r is not in the capture" % row.get("meter_time"))
                continue
            # Every reading value the row has a column (or key) for.
            keys = [k for k in numeric if k in row]
            if len(keys) < 15:
                problems.append("a row has only %d of the reading's values: %s" % (len(keys), keys))
            problems += ["%s: %s" % (row["meter_time"], d) for d in diff(row, want, keys)]
        print("%s: %d rows" % (mode, len(rows)))
    else:
        sys.exit("unknown mode " + mode)
    for p in problems[:20]:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
