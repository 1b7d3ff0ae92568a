#!/usr/bin/env python3
"""A stand-in for systemd's notify socket (tests/integration/test-notify.sh).

    notify_listener.py SOCKET LOG [--probe URL]

Binds a unix datagram socket at SOCKET (what NOTIFY_SOCKET names) and appends one
JSON object a line to LOG for every datagram, flushed at once:

    {"mono": 12.345678, "wall_ms": 1736942400123, "pid": 4242,
     "fields": {"READY": "1", "STATUS": "..."}, "raw": "READY=1\\nSTATUS=..."}

mono is time.monotonic() when the datagram was read (CLOCK_MONOTONIC, the clock
`python3 -c 'import time; print(time.monotonic())'` reads too), wall_ms the wall
clock, pid the sender's (SO_PASSCRED: the kernel's word, not the sender's).

With --probe, a datagram holding READY=1 is followed at once by GET URL (1 s
timeout); the outcome goes into that datagram's line as "probe": the HTTP status,
or the error text. That says whether the listener answered when READY=1 came.

Prints "listening" on stdout once the socket is bound; runs until SIGTERM/SIGKILL.
"""
import json
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request


def probe(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception as e:  # refused, timed out: the listener was not up
        return "error: %s" % e


def main():
    args = sys.argv[1:]
    url = None
    if "--probe" in args:
        i = args.index("--probe")
        url = args[i + 1]
        del args[i:i + 2]
    path, log_path = args
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    s.bind(path)
    log = open(log_path, "a")
    print("listening", flush=True)
    while True:
        data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(3 * 4) + 256)
        mono = time.monotonic()
        wall_ms = int(time.time() * 1000)
        pid = None
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = int.from_bytes(cdata[0:4], sys.byteorder, signed=True)
        text = data.decode("utf-8", "replace")
        fields = {}
        for line in text.split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        rec = {"mono": mono, "wall_ms": wall_ms, "pid": pid, "fields": fields, "raw": text}
        if url is not None and fields.get("READY") == "1":
            rec["probe"] = probe(url)
            rec["probe_mono"] = time.monotonic()
        log.write(json.dumps(rec) + "\n")
        log.flush()


if __name__ == "__main__":
    main()
