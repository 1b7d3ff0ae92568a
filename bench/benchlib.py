"""Helpers bench/rest-bench and bench/mqtt-latency share: free loopback ports, a
daemon started on a throw-away configuration, /proc readings, percentiles and a
table printer. Standard library only; loopback only."""
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Longest wait for a daemon's first reading, and for its exit after SIGTERM.
FIRST_READING_S = 20
STOP_S = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def build(build_dir, targets):
    """Configures and builds the Release tree bench/run uses."""
    subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                    "-DBUILD_TESTING=OFF", "-DHP_BENCH=ON"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j", str(os.cpu_count() or 1),
                    "--target", *targets], check=True, stdout=subprocess.DEVNULL)


def which(name, *fallbacks):
    """A tool on PATH or at one of the fallback paths (mosquitto is in /usr/sbin,
    often not on a user's PATH), or None."""
    found = shutil.which(name)
    if found:
        return found
    for path in fallbacks:
        if os.access(path, os.X_OK):
            return path
    return None


def cpu_seconds(pid):
    """User + system time of every thread of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list: the smallest value with at
    least p per cent of the values at or below it."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def table(header, rows):
    """Prints rows of strings as columns: the first left-aligned, the rest right."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        print("  ".join(cells).rstrip())


class Daemon:
    """hanp1d on a configuration written here: [meter NAME] sections from
    `meters` (a list of (name, source, extra lines)), HTTP on a free loopback
    port, the store at `db`, and `extra` sections appended as they are."""

    def __init__(self, hanp1d, workdir, name, meters, db=None, extra=""):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.meters = [m for m, _, _ in meters]
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = self.base + "/api/v1"
        self.db = db or os.path.join(self.dir, "history.db")
        conf = os.path.join(self.dir, "hanp1d.conf")
        with open(conf, "w") as f:
            for meter, source, lines in meters:
                f.write(f"[meter {meter}]\nsource = {source}\n{lines}\n")
            f.write(f"[http]\nlisten = 127.0.0.1:{self.port}\n\n")
            f.write(f"[store]\npath = {self.db}\n\n")
            f.write(extra)
        self.log_path = os.path.join(self.dir, "log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([hanp1d, "-c", conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def status(self):
        return get_json(self.api + "/status")

    def wait_until(self, what, ok, seconds=FIRST_READING_S):
        """Polls /api/v1/status until ok(status) holds; exits with the log if the
        daemon stops or the time runs out."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                break
            try:
                if ok(self.status()):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.fail(what)

    def wait_first_reading(self):
        self.wait_until("no reading",
                        lambda s: all(m.get("readings", 0) > 0 for m in s["meters"]))

    def fail(self, what):
        with open(self.log_path) as f:
            log = f.read()[-2000:]
        raise SystemExit(f"{self.dir}: {what}; the daemon's log:\n{log}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
