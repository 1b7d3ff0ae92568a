#!/usr/bin/env python3
"""Abusive HTTP clients for tests/faults/http-abuse.sh (standard library only).

  b_http_abuse.py seed DB ROWS
      Copies each meter's newest raw row ROWS times, 10 s apart, before its oldest
      one, into a database the daemon made and closed: history for large answers.
  b_http_abuse.py flood PORT COUNT SEED SECRET_FILE METER
      COUNT malformed or wrong requests, 48 at a time, each on its own connection.
      Prints a JSON summary: statuses by kind, and every violation of what must
      hold (at most 30 listed), so the shell script asserts on it.
  b_http_abuse.py slow PORT PID METER READERS LORIS SECONDS ROWS
      READERS clients fetch a history answer of ROWS raw rows (they must exist)
      and read it a byte a second, LORIS clients send their headers a byte a
      second, for SECONDS; meanwhile a normal client asks for
      /api/v1/meters/METER/now every second. Samples the daemon's open fds and RSS;
      after the abusers leave, waits (at most 30 s) for the fd count to be back at
      its baseline. Prints a JSON summary.

What each request kind must get (checked here, asserted by the caller):
  api_error  well-formed but wrong: 4xx with a JSON body that has "error"
  lenient    well-formed, maybe valid (junk query parameters may be ignored): below
             500; a 4xx under /api/v1 has a JSON error body
  traversal  a path that leaves www: 4xx, and never the secret file's content nor
             /etc/passwd
  malformed  not well-formed HTTP: no answer (closed) or 4xx; 505 only when the
             request line names an HTTP version other than 1.0 and 1.1
"""
import json
import os
import random
import socket
import sqlite3
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HOST = "127.0.0.1"
TIMEOUT_S = 10.0
# Clients at once: most wait on the server's answer, malformed ones up to 1 s.
WORKERS = 48
# Rows in the slow readers' history answer (the slow command's ROWS).
ROWS = 2000

# ---- seed ----


def seed(db_path, rows):
    db = sqlite3.connect(db_path)
    cols = [r[1] for r in db.execute("PRAGMA table_info(raw)")]
    data = [c for c in cols if c not in ("id", "meter", "t_ms")]
    meters = [r[0] for r in db.execute("SELECT DISTINCT meter FROM raw")]
    for m in meters:
        tpl = db.execute(
            "SELECT %s FROM raw WHERE meter = ? ORDER BY t_ms DESC LIMIT 1" % ", ".join(data), (m,)
        ).fetchone()
        values = tuple(tpl)
        t0 = db.execute("SELECT min(t_ms) FROM raw WHERE meter = ?", (m,)).fetchone()[0]
        # raw.id = t_ms * 1000 + meter (store_db.h, rule 2)
        db.executemany(
            "INSERT INTO raw (id, meter, t_ms, %s) VALUES (?, ?, ?, %s)" % (", ".join(data), ", ".join("?" * len(data))),
            [((t0 - i * 10000) * 1000 + m, m, t0 - i * 10000) + values for i in range(1, rows + 1)],
        )
    db.commit()
    print(json.dumps({"meters": len(meters), "rows_each": rows}))


# ---- one request on its own connection ----


def exchange(data, shut, wait_s=TIMEOUT_S):
    """Sends data (then shuts the sending side when shut); returns (status or None,
    headers text, body bytes, seconds). Malformed requests wait a short wait_s: a
    server that keeps a half-closed connection with half a request line until its
    idle timeout (libmicrohttpd does) has answered all it will by then."""
    t0 = time.monotonic()
    s = socket.create_connection((HOST, PORT), timeout=TIMEOUT_S)
    out = b""
    try:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close on a request it refuses mid-way
        s.settimeout(wait_s)
        want = None
        while True:
            try:
                d = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            except OSError:
                if not shut:
                    raise
                break
            if not d:
                break
            out += d
            if want is None and b"\r\n\r\n" in out:
                head = out.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
                for line in head.split("\r\n"):
                    if line.startswith("content-length:"):
                        want = len(out.split(b"\r\n\r\n", 1)[0]) + 4 + int(line.split(":", 1)[1])
            if want is not None and len(out) >= want:
                break
    finally:
        if shut:
            # Gone with a reset, as a client that crashed: the server frees the
            # connection at once instead of at its idle timeout.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    dt = time.monotonic() - t0
    if not out.startswith(b"HTTP/"):
        return None, "", out, dt
    head, _, body = out.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = -1
    return status, head.decode("latin-1"), body, dt


# ---- the requests ----

METER = "home"
SECRET = b""
API_ROUTES = ["/meters", "/status", "/openapi.json", "/config"]
METER_ROUTES = ["now", "history", "energy", "cost", "peaks", "prices", "history.csv"]
AMS = ["/data.json", "/dayplot.json", "/monthplot.json", "/tariff.json", "/realtime.json",
       "/energyprice.json", "/importprice.json", "/exportprice.json", "/sysinfo.json",
       "/temperature.json", "/is-alive"]
PARAMS = ["from", "to", "resolution", "limit", "period", "size", "offset", "meter", "x", "", "from[]", "%zz", "%00"]
ABSURD = ["", "%", "%z", "%zz", "%00", "%ff%fe", "%C3%A9", "%E2%80%AE", "-1", "0", "1e309", "NaN", "inf", "-inf",
          "99999999999999999999999999", "-99999999999999999999", "0x10", "1.5", "%201", "+1",
          "2025-13-45T99:99:99Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "1970-01-01T00:00:00+99:99",
          "-292277026596-12-04T15:30:07Z", "2025-02-30", "yesterday", "%27;DROP%20TABLE%20raw;--",
          "raw", "15m", "hour", "day", "month", "year", "RAW", "decade", "%22%3E%3Cscript%3E",
          "../../etc/passwd", "%2e%2e%2f%2e%2e", "a" * 3000, "9" * 1000, "%25" * 200]
BAD_METHODS = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "FOO", "get", "G-E-T", "PROPFIND"]


def req(method, target, headers=(), body=b"", version="HTTP/1.1"):
    lines = ["%s %s %s" % (method, target, version), "Host: 127.0.0.1"]
    lines += list(headers)
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: %d" % len(body))
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def api_paths():
    return ["/api/v1" + r for r in API_ROUTES] + ["/api/v1/meters/%s/%s" % (METER, r) for r in METER_ROUTES]


def k_unknown_path(r):
    p = r.choice(["/api/v1/", "/api/v1/nosuch", "/api/v1/meters/%s" % METER, "/api/v1/meters/%s/now/x" % METER,
                  "/api/v1/meters//now", "/api/v1/meters/%s/nosuch" % METER, "/api/v1/status/x",
                  "/api/v1/meters/%s/now" % ("n" * 100), "/api/v1/a/b/c/d/e", "/api/v1/%zz", "/api/v1/%ff",
                  "/nosuch.html", "/sub/nosuch", "/vendor/nosuch.js", "/api/v2/status", "/api", "/metricsx"])
    return "api_error", req("GET", p), False


def k_bad_method(r):
    p = r.choice(api_paths() + ["/", "/index.html", "/metrics", "/vendor/v.js", "/api/v1/prices"] + AMS[:3])
    m = r.choice(BAD_METHODS)
    if m == "OPTIONS" and p in AMS:
        return "lenient", req(m, p), False  # the firmware's CORS preflight: 200
    if m == "POST" and p == "/api/v1/prices":
        m = "PUT"
    if m == "CONNECT":
        return "malformed", req(m, p), True  # CONNECT wants host:port: anything goes
    return "api_error", req(m, p, body=b"x" * r.choice([0, 0, 5])), False


def k_bad_percent(r):
    junk = r.choice(["%", "%z", "%zz", "%0", "%g0", "%%", "%ff", "%c0%af", "%e2%82", "%u002e", "%00", "%0a", "%0d%0a",
                     "%2f", "%5c", "%7f"])
    base = r.choice(["/api/v1/meters/%s/now" % junk, "/api/v1/meters/%s%s/history" % (METER, junk),
                     "/api/v1/%s" % junk, "/%s" % junk, "/api/v1/status?%s=1" % junk, "/index.html%s" % junk,
                     "/api/v1/meters/%s/now?from=%s" % (METER, junk)])
    return "lenient", req("GET", base), False


def k_absurd_query(r):
    p = r.choice(api_paths() + ["/api/v1/meters/nosuch/history"] + AMS + ["/metrics"])
    q = "&".join("%s=%s" % (r.choice(PARAMS), r.choice(ABSURD)) for _ in range(r.randint(1, 6)))
    if r.random() < 0.1:
        q = r.choice(["&&&&", "=", "==", "from", "from&from&from", "a=1&" * 100, "?" * 50, "#frag", "from=1#x"])
    if r.random() < 0.02:
        # More arguments than the connection's memory holds (libmicrohttpd keeps
        # them as header records in its 16 KiB pool): 431, or closed unanswered.
        return "malformed", req("GET", p + "?" + "a=1&" * r.choice([400, 1000])), True
    return "lenient", req("GET", p + "?" + q), False


def k_long_url(r):
    n = r.choice([2000, 8000, 15000, 17000, 40000, 200000])
    p = r.choice(["/api/v1/meters/%s/history?from=" % METER, "/", "/api/v1/status?x=", "/vendor/"])
    return "malformed", req("GET", p + "a" * n), True


def k_huge_headers(r):
    kind = r.randrange(7)
    if kind == 0:
        h = ["X-Big: " + "a" * r.choice([8000, 17000, 100000])]
    elif kind == 1:
        h = ["X-H%d: %s" % (i, "b" * 100) for i in range(r.choice([50, 200, 1000]))]
    elif kind == 2:
        h = ["NoColonHere"]
    elif kind == 3:
        h = ["X-Fold: a", " continued", "\tagain"]
    elif kind == 4:
        h = ["Host: other", "Host: third"]
    elif kind == 5:
        h = [": empty-name", "X-\x01: ctl"]
    else:
        h = ["Authorization: Basic " + "A" * 5000, "Cookie: " + "c=1; " * 1000]
    return "malformed", req("GET", r.choice(["/api/v1/status", "/", "/data.json"]), h), True


BAD_LINES = [b"GET\r\n\r\n", b"GET /\r\n\r\n", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n",
             b" GET / HTTP/1.1\r\n\r\n", b"GET  /  HTTP/1.1\r\n\r\n", b"\r\n\r\n", b"G\x00T / HTTP/1.1\r\n\r\n",
             b"GET / http/1.1\r\n\r\n", b"GET / FTP/1.0\r\n\r\n", b"GET\t/\tHTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\n\n",
             b"GET / HTTP/1.1\rHost: x\r\r", b"GET / HTTP/2.0\r\n\r\n", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
             b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02", b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n", b"GET ../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
             b"GET /api/v1/status HTTP/01.1\r\nHost: x\r\n\r\n", b"GET /api/v1/status HTTP/1.1.1\r\nHost: x\r\n\r\n"]


def k_bad_line(r):
    if r.random() < 0.3:
        return "malformed", (r.choice(["GET", "POST", "X" * 20000, "GE T"]) + " " + "/" * r.randint(0, 3)
                             + "\r\n\r\n").encode(), True
    return "malformed", r.choice(BAD_LINES), True


def k_truncated(r):
    full = req("POST", "/api/v1/prices", ["Content-Type: application/json"],
               b'[{"start": "2025-10-01T00:00:00Z", "end": "2025-10-01T00:15:00Z", "price": 1}]')
    full = r.choice([full, req("GET", "/api/v1/meters/%s/history?resolution=raw" % METER)])
    return "malformed", full[: r.randrange(1, len(full))], True


def k_binary(r):
    n = r.choice([1, 3, 16, 200, 1500, 4096, 20000])
    data = bytes(r.getrandbits(8) for _ in range(n))
    if r.random() < 0.3:
        data = b"GET / HTTP/1.1\r\n" + data  # junk where the headers go
    return "malformed", data, True


def k_content_length(r):
    cl = r.choice(["-1", "abc", "99999999999999999999999", "1, 2", "0x10", " 5", "5 5", "1e3", "", "+5"])
    body = b"hello"
    p = r.choice(["/api/v1/status", "/api/v1/prices", "/"])
    m = "POST" if p == "/api/v1/prices" else r.choice(["GET", "POST"])
    h = ["Content-Type: application/json", "Content-Length: " + cl]
    if r.random() < 0.3:
        h = ["Content-Type: application/json", "Content-Length: 5", "Content-Length: 7"]
    if r.random() < 0.2:
        h = ["Content-Type: application/json", "Content-Length: 5", "Transfer-Encoding: chunked"]
    head = ["%s %s HTTP/1.1" % (m, p), "Host: x"] + h + ["Connection: close"]
    return "malformed", ("\r\n".join(head) + "\r\n\r\n").encode() + body, True


PRICE_BODIES = [b"", b"not json", b"{", b"[", b"]", b"[1,2,3]", b'{"start": 1}', b"null", b"true", b'"x"',
                b'[{"start": "x", "end": "y", "price": "z"}]', b'[{"start": "2025-10-01T00:00:00Z"}]',
                b'[{"start": "2025-10-01T00:00:00Z", "end": "2025-10-01T00:07:00Z", "price": 1}]',
                b'[{"start": "2025-10-01T00:00:00Z", "end": "2025-10-01T00:15:00Z", "price": 1e999}]',
                b'[{"start": "2025-10-01T00:00:00Z", "end": "2025-10-01T00:15:00Z", "price": NaN}]',
                b'[{"start": "2025-10-01T00:00:00", "end": "2025-10-01T00:15:00", "price": 1}]',
                b'[{"start": "2025-10-01T00:00:00Z", "end": "2025-10-01T00:15:00Z", "price": 1, "start": 2}]',
                b"\xff\xfe\x00[", b"[\x00]", b"[" * 100000 + b"]" * 100000, b" " * 60000, b"[" + b"1," * 200000 + b"1]"]


def k_prices(r):
    body = r.choice(PRICE_BODIES)
    ct = r.choice(["application/json", "application/json; charset=utf-8", "text/plain", "application/jsonx",
                   "application/x-www-form-urlencoded", None])
    h = ["Content-Type: " + ct] if ct else []
    if r.random() < 0.1:
        h.append("Content-Type: application/json")  # twice
    return "api_error", req("POST", r.choice(["/api/v1/prices", "/api/v1/prices/"]), h, body), False


def k_traversal(r):
    sec = SECRET_PATH.lstrip("/")
    up = "../" * 12
    p = r.choice(["/../secret.txt", "/../../etc/passwd", "/%2e%2e/secret.txt", "/%2e%2e/%2e%2e/etc/passwd",
                  "/..%2fsecret.txt", "/..%2f..%2fetc%2fpasswd", "/%2e%2e%2fsecret.txt", "/.%2e/secret.txt",
                  "/vendor/../secret.txt", "/vendor/../../etc/passwd", "/vendor/%2e%2e/%2e%2e/etc/passwd",
                  "/sub/../../secret.txt", "/..\\secret.txt", "/..%5csecret.txt", "/%c0%ae%c0%ae/secret.txt",
                  "//" + sec, "/vendor//" + sec, "/" + up + sec, "/%2f" + sec, "/vendor/" + up + sec,
                  "/.hidden", "/sub/../.hidden", "/../www/.hidden", "/./index.html/../../secret.txt",
                  "/api/v1/../../secret.txt", "/api/v1/meters/..%2f..%2f..%2fsecret.txt/now",
                  "/../secret.txt%00.html", "/.%00./secret.txt", "/vendor/..", "/vendor/../", "/..", "/../"])
    return "traversal", req("GET", p), False


def k_pipelined(r):
    first = req("GET", "/api/v1/status").replace(b"Connection: close\r\n", b"")
    return "malformed", first + r.choice([b"\x00\x01junk\r\n\r\n", b"GET\r\n\r\n", BAD_LINES[2]]), True


KINDS = [(k_unknown_path, 10), (k_bad_method, 12), (k_bad_percent, 8), (k_absurd_query, 20), (k_long_url, 4),
         (k_huge_headers, 6), (k_bad_line, 8), (k_truncated, 8), (k_binary, 8), (k_content_length, 6),
         (k_prices, 10), (k_traversal, 8), (k_pipelined, 2)]


def first_line_version_ok(data):
    line = data.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    return line.endswith(b" HTTP/1.1") or line.endswith(b" HTTP/1.0")


def judge(kind, data, status, head, body):
    """None when what must hold holds, else why not."""
    leak = SECRET in body or b"root:x:0:0" in body
    if leak:
        return "the secret file or /etc/passwd was served"
    is_api = data.split(b" ", 2)[1:2] and data.split(b" ", 2)[1].startswith(b"/api/v1")
    if kind == "malformed":
        if status is None or 400 <= status < 500:
            return None
        if status == 505 and not first_line_version_ok(data):
            return None
        if status < 400 and status > 0:
            return None if status < 500 else "a 5xx"
        return "status %s" % status
    if status is None:
        return "no answer"
    if status >= 500:
        return "status %d" % status
    if kind == "traversal":
        return None if 400 <= status < 500 else "status %d for a path outside www" % status
    json_error = False
    try:
        json_error = "error" in json.loads(body)
    except ValueError:
        pass
    if kind == "api_error":
        if not 400 <= status < 500:
            return "status %d, want 4xx" % status
        return None if json_error else "a 4xx without a JSON error body"
    if kind == "lenient" and 400 <= status < 500 and is_api and not json_error:
        return "a 4xx under /api/v1 without a JSON error body"
    return None


def flood(count, seed_value):
    r = random.Random(seed_value)
    kinds, weights = zip(*KINDS)
    jobs = []
    for _ in range(count):
        gen = r.choices(kinds, weights)[0]
        kind, data, shut = gen(r)
        jobs.append((gen.__name__[2:], kind, data, shut))
    lock = threading.Lock()
    summary = {"requests": 0, "by_kind": {}, "statuses": {}, "violations": 0, "examples": [], "max_s": 0.0}

    def one(job):
        name, kind, data, shut = job
        try:
            status, head, body, dt = exchange(data, shut, 1.0 if kind == "malformed" else TIMEOUT_S)
            why = judge(kind, data, status, head, body)
        except OSError as e:
            status, dt, why = None, TIMEOUT_S, "client error: %s" % e
        with lock:
            summary["requests"] += 1
            summary["by_kind"][name] = summary["by_kind"].get(name, 0) + 1
            key = str(status)
            summary["statuses"][key] = summary["statuses"].get(key, 0) + 1
            summary["max_s"] = max(summary["max_s"], dt)
            if why is not None:
                summary["violations"] += 1
                if len(summary["examples"]) < 30:
                    summary["examples"].append({"kind": name, "why": why, "status": status,
                                                "request": data[:160].decode("latin-1")})

    t0 = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as ex:
        list(ex.map(one, jobs))
    summary["seconds"] = round(time.monotonic() - t0, 2)
    summary["max_s"] = round(summary["max_s"], 3)
    print(json.dumps(summary))


# ---- slow clients ----


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def slow(pid, meter, readers, loris, seconds):
    base_fd, base_rss = fds(pid), rss_kb(pid)
    big = "/api/v1/meters/%s/history?resolution=raw&from=2000-01-01T00:00:00Z&limit=%d" % (meter, ROWS)
    status, _, body, _ = exchange(req("GET", big), False)
    answer_bytes = len(body)
    slow_readers, lorises = [], []
    for _ in range(readers):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server waits
        s.connect((HOST, PORT))
        s.sendall(req("GET", big))
        s.setblocking(False)
        slow_readers.append(s)
    header = b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 4000
    for _ in range(loris):
        s = socket.create_connection((HOST, PORT))
        s.setblocking(False)
        lorises.append([s, 0])
    got = [0] * readers
    closed_r, closed_l = set(), set()
    probes, peak_fd, peak_rss = [], base_fd, base_rss
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        tick = time.monotonic()
        for i, s in enumerate(slow_readers):
            if i in closed_r:
                continue
            try:
                d = s.recv(1)
                if d:
                    got[i] += 1
                else:
                    closed_r.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed_r.add(i)
        for i, ls in enumerate(lorises):
            if i in closed_l:
                continue
            try:
                ls[0].send(header[ls[1]: ls[1] + 1])
                ls[1] += 1
                if ls[0].recv(1, socket.MSG_PEEK) == b"":
                    closed_l.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed_l.add(i)
        peak_fd, peak_rss = max(peak_fd, fds(pid)), max(peak_rss, rss_kb(pid))
        try:
            st, _, b, dt = exchange(req("GET", "/api/v1/meters/%s/now" % meter), False)
            ok = st == 200 and "reading" in json.loads(b)
        except (OSError, ValueError):
            st, dt, ok = None, TIMEOUT_S, False
        probes.append({"status": st, "ok": ok, "ms": round(dt * 1000, 1)})
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    during_fd = fds(pid)
    for s in slow_readers:
        s.close()
    for ls in lorises:
        ls[0].close()
    left = time.monotonic()
    while time.monotonic() - left < 30 and fds(pid) > base_fd:
        time.sleep(0.2)
    ms = sorted(p["ms"] for p in probes)
    print(json.dumps({
        "answer_bytes": answer_bytes, "answer_status": status,
        "readers": readers, "readers_connected_at_end": readers - len(closed_r), "reader_bytes": sum(got),
        "loris": loris, "loris_connected_at_end": loris - len(closed_l),
        "probes": len(probes), "probes_ok": sum(p["ok"] for p in probes),
        "probe_ms_median": ms[len(ms) // 2] if ms else None, "probe_ms_max": ms[-1] if ms else None,
        "fd_baseline": base_fd, "fd_during": during_fd, "fd_peak": peak_fd, "fd_after": fds(pid),
        "fd_back_s": round(time.monotonic() - left, 1),
        "rss_kb_baseline": base_rss, "rss_kb_peak": peak_rss, "rss_kb_after": rss_kb(pid)}))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "seed":
        seed(sys.argv[2], int(sys.argv[3]))
        sys.exit(0)
    PORT = int(sys.argv[2])
    if cmd == "flood":
        SECRET_PATH = sys.argv[5]
        SECRET = open(SECRET_PATH, "rb").read().strip()
        METER = sys.argv[6]
        flood(int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "slow":
        ROWS = int(sys.argv[8])
        slow(int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
    else:
        sys.exit("unknown command " + cmd)
