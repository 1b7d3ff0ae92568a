#!/usr/bin/env python3
"""The soak test's HTTP client and sampler, in real time beside a daemon whose
clock runs faster (soak.sh).

usage: driver.py API PID DB OUT_DIR METER START_MS DAYS MQTT_STATE DEADLINE_S

Once a real second it polls API/meters/METER/now: the reading's time is the
daemon's simulated clock. Every SAMPLE_S it records one row of OUT_DIR/samples.csv:
the simulated day, the daemon's VmRSS, VmHWM, open fds, threads and CPU time
(/proc/PID), the size of DB and DB-wal, the counters of API/status, the state
messages the MQTT subscriber has counted (MQTT_STATE) and the HTTP calls so far.
Now and then it fetches a day of raw rows (in pages) and the daily buckets since
the start, as a dashboard would. Early on it keeps the first raw row (the
registers the buckets count from) in OUT_DIR/first_raw.json; at the end the daily
buckets as the API served them in OUT_DIR/api_days.json and its own counts in
OUT_DIR/driver.json.

Exits 0 once the simulated clock has passed DAYS days after START_MS, 2 when the
daemon is gone, 3 when DEADLINE_S real seconds pass first.
"""
import csv
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

SAMPLE_S = 5  # real seconds between two samples
POLL_S = 1  # real seconds between two /now polls
RAW_DAY_EVERY_S = 20  # a day of raw rows this often
DAYS_EVERY_S = 20  # the daily buckets this often (10 s after the raw day)
RAW_PAGE = 1000  # raw rows a call (about 0.7 MB)
PROGRESS_S = 60  # a progress line this often
HTTP_TIMEOUT_S = 10
DAY_MS = 86400 * 1000
ERRORS_KEPT = 20  # HTTP failures written out in full

COLUMNS = [
    "real_s", "sim_days", "sim_time", "rss_kb", "hwm_kb", "fds", "threads", "cpu_s",
    "db_bytes", "wal_bytes", "readings", "ring_dropped", "decode_errors", "store_rows",
    "store_commits", "store_failures", "mqtt_state", "mqtt_published", "mqtt_queued",
    "mqtt_dropped", "mqtt_connects", "mqtt_received", "http_ok", "http_fail",
]


class Http:
    """GETs JSON from the API, counting what worked and what did not."""

    def __init__(self, api):
        self.api = api
        self.ok = 0
        self.fail = 0
        self.errors = []
        self.bytes = 0

    def get(self, path):
        try:
            with urllib.request.urlopen(self.api + path, timeout=HTTP_TIMEOUT_S) as r:
                body = r.read()
            o = json.loads(body)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
            self.fail += 1
            if len(self.errors) < ERRORS_KEPT:
                self.errors.append("%s: %s" % (path, e))
            return None
        self.ok += 1
        self.bytes += len(body)
        return o


def parse_ms(iso):
    """'2026-03-01T01:13:16.715Z' -> epoch ms."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def proc_status(pid):
    """VmRSS, VmHWM (kB) and Threads from /proc/PID/status."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat; fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Driver:
    def __init__(self, argv):
        (self.api, pid, self.db, self.out, self.meter, start_ms, days, self.mqtt_state,
         deadline_s) = argv
        self.pid = int(pid)
        self.start_ms = int(start_ms)
        self.end_ms = self.start_ms + int(float(days) * DAY_MS)
        self.deadline_s = float(deadline_s)
        self.http = Http(self.api)
        self.sim_ms = None  # the daemon's clock: the last reading's time
        self.t0 = time.monotonic()
        self.first_raw = None
        self.history_rows = {"raw_day": [], "days": []}
        self.last_row = None  # the sample before, for stacks_on_stall
        self.stall_seen = False

    def stacks_on_stall(self, row):
        """Once, when the daemon drops MQTT messages while it publishes none though
        connected (its queue stuck full), every thread's stack to
        OUT_DIR/mqtt-stall-stacks.txt with gdb, if there is one: what the MQTT
        thread waits on."""
        if self.stall_seen or self.last_row is None or not shutil.which("gdb"):
            return
        prev, self.last_row = self.last_row, row
        if not (row["mqtt_state"] == "connected" and
                row["mqtt_published"] == prev["mqtt_published"] and
                row["mqtt_dropped"] != prev["mqtt_dropped"]):
            return
        self.stall_seen = True
        path = os.path.join(self.out, "mqtt-stall-stacks.txt")
        with open(path, "w") as f:
            f.write("day %s: published %s, queued %s, dropped %s\n" % (
                row["sim_days"], row["mqtt_published"], row["mqtt_queued"],
                row["mqtt_dropped"]))
            f.flush()
            subprocess.run(["gdb", "-p", str(self.pid), "-batch", "-ex",
                            "thread apply all bt"], stdout=f, stderr=subprocess.STDOUT,
                           timeout=60, check=False)
        print("driver: MQTT publishing stalled at day %s; stacks in %s" % (row["sim_days"], path),
              flush=True)

    def alive(self):
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def real_s(self):
        return time.monotonic() - self.t0

    def poll_now(self):
        o = self.http.get("/meters/%s/now" % self.meter)
        if o and o.get("time"):
            self.sim_ms = parse_ms(o["time"])

    def sim_days(self):
        return (self.sim_ms - self.start_ms) / DAY_MS if self.sim_ms else 0.0

    def sample(self):
        # /proc first, while no connection of ours is open; then the simulated
        # time and the counters, one right after the other.
        st = proc_status(self.pid)
        fds = len(os.listdir("/proc/%d/fd" % self.pid))
        cpu = cpu_seconds(self.pid)
        self.poll_now()
        status = self.http.get("/status") or {}
        m = (status.get("meters") or [{}])[0]
        store = status.get("store") or {}
        mqtt = status.get("mqtt") or {}
        sub = read_json(self.mqtt_state) or {}
        return {
            "real_s": round(self.real_s(), 1),
            "sim_days": round(self.sim_days(), 4),
            "sim_time": datetime.fromtimestamp(self.sim_ms / 1000, timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ") if self.sim_ms else "",
            "rss_kb": st.get("VmRSS", 0),
            "hwm_kb": st.get("VmHWM", 0),
            "fds": fds,
            "threads": st.get("Threads", 0),
            "cpu_s": round(cpu, 2),
            "db_bytes": file_size(self.db),
            "wal_bytes": file_size(self.db + "-wal"),
            "readings": m.get("readings", ""),
            "ring_dropped": m.get("ring_dropped", ""),
            "decode_errors": sum((m.get("errors") or {}).values()) if m else "",
            "store_rows": store.get("rows", ""),
            "store_commits": store.get("commits", ""),
            "store_failures": store.get("failures", ""),
            "mqtt_published": mqtt.get("published", ""),
            "mqtt_state": mqtt.get("state", ""),
            "mqtt_queued": mqtt.get("queued", ""),
            "mqtt_dropped": mqtt.get("dropped", ""),
            "mqtt_connects": mqtt.get("connects", ""),
            "mqtt_received": sub.get("count", 0),
            "http_ok": self.http.ok,
            "http_fail": self.http.fail,
        }

    def raw_day(self):
        """The last simulated day of raw rows, RAW_PAGE rows a call, each next call
        from the last row's time on (the API's `limit`). A page fits the loopback
        socket buffers: the daemon's HTTP server drops a connection whose client
        has not read for 15 s (libmicrohttpd's connection timeout, 7.5 real ms at
        x2000), and a whole day, 6 MB, in one answer was cut short whenever this
        process was off the CPU that long. None when a call failed."""
        to_s = self.sim_ms / 1000
        from_s, rows = to_s - 86400, 0
        while True:
            page = self.http.get("/meters/%s/history?resolution=raw&from=%.3f&to=%.3f&limit=%d"
                                 % (self.meter, from_s, to_s, RAW_PAGE))
            if not isinstance(page, list):
                return None
            rows += len(page)
            if len(page) < RAW_PAGE:
                return rows
            from_s = (page[-1]["t_ms"] + 1) / 1000

    def fetch_history(self, kind):
        """A day of raw rows or the daily buckets since the start; the row count
        is kept."""
        if kind == "raw_day":
            rows = None
            n = self.raw_day() if self.sim_ms else None
        else:
            rows = self.http.get("/meters/%s/history?resolution=day&from=%d"
                                 % (self.meter, self.start_ms // 1000))
            n = len(rows) if isinstance(rows, list) else None
        if n is not None:
            self.history_rows[kind].append(n)
        return rows

    def keep_first_raw(self):
        rows = self.http.get("/meters/%s/history?resolution=raw&from=2000-01-01T00:00:00Z&limit=1"
                             % self.meter)
        if isinstance(rows, list) and rows:
            self.first_raw = rows[0]
            with open(os.path.join(self.out, "first_raw.json"), "w") as f:
                json.dump(self.first_raw, f)

    def finish(self, code, reason):
        days = self.fetch_history("days") if self.alive() else None
        with open(os.path.join(self.out, "api_days.json"), "w") as f:
            json.dump({"sim_ms": self.sim_ms, "days": days}, f)
        summary = {
            "reason": reason, "real_s": round(self.real_s(), 1), "sim_ms": self.sim_ms,
            "http_ok": self.http.ok, "http_fail": self.http.fail,
            "http_bytes": self.http.bytes, "http_errors": self.http.errors,
            "raw_day_fetches": len(self.history_rows["raw_day"]),
            "raw_day_rows_max": max(self.history_rows["raw_day"], default=0),
            "days_fetches": len(self.history_rows["days"]),
        }
        with open(os.path.join(self.out, "driver.json"), "w") as f:
            json.dump(summary, f, indent=1)
        print("driver: %s after %.1f real min" % (reason, self.real_s() / 60), flush=True)
        return code

    def run(self):
        out = open(os.path.join(self.out, "samples.csv"), "w", newline="")
        w = csv.DictWriter(out, fieldnames=COLUMNS)
        w.writeheader()
        next_poll = next_sample = 0.0
        next_raw, next_days, next_progress = RAW_DAY_EVERY_S, DAYS_EVERY_S / 2, PROGRESS_S
        while True:
            now = self.real_s()
            if not self.alive():
                return self.finish(2, "the daemon is gone")
            if now > self.deadline_s:
                return self.finish(3, "deadline: only %.2f of the days simulated"
                                   % self.sim_days())
            # Sampled first: the last connection of ours closed a while ago.
            if now >= next_sample:
                try:
                    row = self.sample()
                except OSError:  # /proc/PID went away meanwhile
                    return self.finish(2, "the daemon is gone")
                w.writerow(row)
                out.flush()
                if self.last_row is None:
                    self.last_row = row
                else:
                    self.stacks_on_stall(row)
                next_sample = now + SAMPLE_S
                next_poll = now + POLL_S  # the sample polled /now
            if now >= next_poll:
                self.poll_now()
                next_poll = now + POLL_S
            if self.first_raw is None and self.sim_ms:
                self.keep_first_raw()
            if now >= next_raw:
                self.fetch_history("raw_day")
                next_raw = now + RAW_DAY_EVERY_S
            if now >= next_days:
                self.fetch_history("days")
                next_days = now + DAYS_EVERY_S
            if now >= next_progress:
                print("soak: day %.2f, %.1f real min, RSS %d kB, %d fds, DB %.1f MiB, "
                      "%s readings" % (row["sim_days"], now / 60, row["rss_kb"], row["fds"],
                                       (row["db_bytes"] + row["wal_bytes"]) / 2**20,
                                       row["readings"]), flush=True)
                next_progress = now + PROGRESS_S
            if self.sim_ms and self.sim_ms >= self.end_ms and self.first_raw is not None:
                w.writerow(self.sample())
                out.close()
                return self.finish(0, "%.2f days simulated" % self.sim_days())
            time.sleep(max(0.05, min(next_poll, next_sample) - self.real_s()))


if __name__ == "__main__":
    sys.exit(Driver(sys.argv[1:]).run())
