#!/usr/bin/env python3
"""A serial meter on a pty, unplugged and plugged back while a daemon reads it.

usage: a_pty_meter.py FRAMES LINK API PID GAPS_MS

FRAMES is a file of DSMR telegrams (`hanp1d sim --meter dsmr50-nl --count N`),
written to the pty's master one every 0.2 s. LINK is made a symlink to the pty's
slave, as `hanp1d sim --pty` does. API is the daemon's /api/v1 URL, PID its
process. GAPS_MS lists, comma-separated, how long the device stays away in each
cycle.

Unplugging removes LINK, then closes the master: the reader sees a hang-up and the
path is gone, as when a USB adapter is pulled. The daemon runs before the device
is plugged in the first time: it must find it within 15 s. Then a cycle per gap:
  1. the meter time of the reading /now serves;
  2. unplug; for the gap, the status is polled: it must show the source not
     running with the cause in plain words when the gap is long enough for the
     once-a-second status to show it (>= 1.2 s: the reopen at 1 s fails, the next
     comes 2 s later);
  3. plug back; within 15 s a telegram written after the return is the reading
     /now serves (a reading was decoded and counted);
  4. every fifth cycle and the last, within 15 s: the status shows the source
     running, the reading count grown since the last such check and the
     reconnect count equal to the number of returns.
Prints a line per cycle and, last, a JSON summary (cycles that held, the daemon's
open descriptors before and after them, its RSS before, after 10 and after all,
the failures); exits 0 when every cycle held.
"""
import json
import os
import sys
import termios
import threading
import time
import tty
import urllib.request

PERIOD_S = 0.2
RESUME_S = 15.0
GONE_CHECK_MS = 1200
# The status's counters change once a second: waiting for them after every return
# would double the campaign; every fifth return, and the last, they are checked.
COUNTERS_EVERY = 5
CAUSES = ("hang-up (device gone?)", "No such file or directory (unplugged?)")


def telegrams(path):
    data = open(path, "rb").read()
    out, start = [], 0
    while True:
        bang = data.find(b"!", start)
        end = data.find(b"\n", bang) if bang >= 0 else -1
        if end < 0:
            break
        out.append(data[start:end + 1])
        start = end + 1
    if not out:
        sys.exit("a_pty_meter: no telegrams in " + path)
    return out


class Meter:
    """Writes the telegrams in a thread while plugged; telegrams' meter times grow."""

    def __init__(self, frames, link):
        self.frames = frames
        self.link = link
        self.master = -1
        self.lock = threading.Lock()
        self.sent = 0

    def plug(self):
        master, slave = os.openpty()
        # Raw before the first byte, as a serial port is: no echo back into the
        # master (which nobody reads), no CR/LF translation.
        tty.setraw(slave, termios.TCSANOW)
        name = os.ttyname(slave)
        os.close(slave)
        os.set_blocking(master, False)
        tmp = "%s.%d.tmp" % (self.link, os.getpid())
        os.symlink(name, tmp)
        os.rename(tmp, self.link)
        with self.lock:
            self.master = master

    def unplug(self):
        with self.lock:
            try:
                os.unlink(self.link)
            except FileNotFoundError:
                pass
            if self.master >= 0:
                os.close(self.master)
            self.master = -1

    def run(self):
        due = time.monotonic()
        while True:
            with self.lock:
                if self.master >= 0:
                    try:
                        os.write(self.master, self.frames[self.sent % len(self.frames)])
                    except OSError:
                        pass  # nobody reads and the buffer is full: lost, as on a line
                self.sent += 1
            due += PERIOD_S
            time.sleep(max(0.0, due - time.monotonic()))


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)
    except (OSError, ValueError):
        return None


def now_ms():
    return time.monotonic() * 1000


class Campaign:
    def __init__(self, api, pid):
        self.api = api
        self.pid = pid
        self.failures = []

    def source(self):
        o = get(self.api + "/status")
        return o["meters"][0] if o else None

    def meter_time(self):
        o = get(self.api + "/meters/home/now")
        return ((o or {}).get("reading") or {}).get("meter_time") or ""

    def alive(self):
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def fail(self, what):
        self.failures.append(what)
        print("FAIL: " + what, flush=True)


def proc(pid, what):
    if what == "fds":
        return len(os.listdir("/proc/%d/fd" % pid))
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def cycle(c, meter, k, gap_ms):
    before = c.meter_time()
    meter.unplug()
    t_gone = now_ms()
    seen = None
    while now_ms() - t_gone < gap_ms:
        if seen is None:
            m = c.source()
            s = m["source"] if m else {}
            if s.get("state") == "retrying" and any(x in (s.get("detail") or "") for x in CAUSES):
                seen = s["detail"]
        time.sleep(min(0.05, max(0.0, (gap_ms - (now_ms() - t_gone)) / 1000)))
    if gap_ms >= GONE_CHECK_MS and seen is None:
        c.fail("cycle %d: the status never showed the device gone in %d ms" % (k, gap_ms))
    if not c.alive():
        c.fail("cycle %d: the daemon exited while the device was gone" % k)
        return None
    meter.plug()
    t_back = now_ms()
    while now_ms() - t_back < RESUME_S * 1000:
        if c.meter_time() > before:
            t_frame = now_ms() - t_back
            print("# cycle %d: gone %d ms%s; a new telegram read %d ms after the return"
                  % (k, gap_ms, " (status: %s)" % seen.split(": ", 1)[-1] if seen else "", t_frame),
                  flush=True)
            return {"gap": gap_ms, "seen": seen is not None, "frame_ms": t_frame}
        time.sleep(0.05)
    c.fail("cycle %d (gone %d ms): no new telegram read within %d s of the return (status %s)"
           % (k, gap_ms, RESUME_S, c.source()))
    return None


def counters(c, k, readings):
    """The status after return k: running, more readings, exactly k reconnects."""
    t0 = now_ms()
    while now_ms() - t0 < RESUME_S * 1000:
        m = c.source()
        s = m["source"] if m else {}
        if s.get("state") == "running" and m["readings"] > readings and s["reconnects"] >= k:
            if s["reconnects"] != k:
                c.fail("after return %d: %d reconnects" % (k, s["reconnects"]))
            print("# status after return %d: running, %d readings (%d before), %d reconnects"
                  % (k, m["readings"], readings, s["reconnects"]), flush=True)
            return m["readings"]
        time.sleep(0.05)
    c.fail("after return %d: the status does not show the source running with more readings"
           " than %d: %s" % (k, readings, c.source()))
    return None


def main():
    frames_path, link, api, pid, gaps = sys.argv[1:6]
    gaps = [int(g) for g in gaps.split(",")]
    c = Campaign(api, int(pid))
    meter = Meter(telegrams(frames_path), link)
    meter.plug()
    threading.Thread(target=meter.run, daemon=True).start()
    # The daemon started before the device existed: it must find it.
    t0 = now_ms()
    while now_ms() - t0 < RESUME_S * 1000:
        m = c.source()
        if m and m["source"]["state"] == "running" and m["readings"] > 0:
            break
        time.sleep(0.05)
    else:
        c.fail("the daemon did not find the device plugged in after it started: %s" % c.source())
        print(json.dumps({"cycles": 0, "failures": c.failures}))
        return 1
    print("# the device plugged in after the daemon started: read after %d ms" % (now_ms() - t0))
    fds0, rss0 = proc(c.pid, "fds"), proc(c.pid, "rss")
    done, seen, rss10 = 0, 0, None
    readings = (c.source() or {}).get("readings", 0)
    t_all = now_ms()
    for k, gap in enumerate(gaps, 1):
        r = cycle(c, meter, k, gap)
        if r is None:
            break
        seen += r["seen"]
        if k % COUNTERS_EVERY == 0 or k == len(gaps):
            readings = counters(c, k, readings)
            if readings is None:
                break
        done += 1
        if k == 10:
            rss10 = proc(c.pid, "rss")
    elapsed = now_ms() - t_all
    # A status poll's connection may still be closing.
    time.sleep(1.5)
    summary = {
        "cycles": done,
        "long_gaps": sum(1 for g in gaps if g >= GONE_CHECK_MS),
        "gone_seen": seen,
        "elapsed_ms": round(elapsed),
        "fds": [fds0, proc(c.pid, "fds") if c.alive() else -1],
        "rss_kb": [rss0, rss10, proc(c.pid, "rss") if c.alive() else -1],
        "failures": c.failures,
    }
    meter.unplug()
    print(json.dumps(summary), flush=True)
    return 0 if not c.failures and done == len(gaps) else 1


if __name__ == "__main__":
    sys.exit(main())
