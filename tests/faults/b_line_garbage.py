#!/usr/bin/env python3
"""A meter line for tests/faults/line-garbage.sh (standard library only).

  b_line_garbage.py frames HANP1D SOURCE OUT
      Writes the frames of SOURCE, one hex line each, to OUT and prints their count:
        sim:PROFILE:COUNT[:ARG...]  `hanp1d sim --meter PROFILE --count COUNT --hex`
                                    plus ARGs (e.g. :--key:HEX), paced by meter time
        real:hdlc|dsmr:TIMES:DIR    the shared real-world vectors in DIR whose
                                    expectations are readings only (no keys, no
                                    mode file), read at test time, TIMES over, a
                                    frame every 2.5 meter seconds
  b_line_garbage.py line LINK FRAMES SPEED GARBAGE_BYTES SEED GO DONE
      Makes a pseudo-terminal and LINK a symlink to its slave (the daemon's
      `serial:` device), waits for the file GO, then writes FRAMES (a `frames`
      file) SPEED times faster than the meter would; with GARBAGE_BYTES > 0 random
      bytes (about that many in all, drawn from SEED) go between the frames, at
      about 1.5 MB/s, and everything written is kept in DONE.bytes. Writes a JSON summary to DONE, then
      keeps the pty open until SIGTERM.
  b_line_garbage.py capture FRAMES OUT
      The frames back to back, as raw bytes: a capture for `replay:`.
  b_line_garbage.py expect FRAMES SOURCE_BYTES
      For a capture played in a loop (replay:): how many whole frames SOURCE_BYTES
      bytes of it hold.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
import tty
from datetime import datetime

# ---- frame lists: one line per frame, "meter_seconds hex" ----


def sim_frames(hanp1d, spec):
    parts = spec.split(":")
    profile, count, extra = parts[1], parts[2], parts[3:]
    out = subprocess.run([hanp1d, "sim", "--meter", profile, "--count", count, "--hex"] + extra,
                         check=True, capture_output=True, text=True).stdout
    frames, cur, t = [], None, None
    for line in out.splitlines():
        if line.startswith("#"):
            if cur is not None:
                frames.append((t, bytes.fromhex(cur)))
            # "# frame 4: aidon-list3, 410 bytes, meter time 2025-01-15T00:00:10[.50]"
            stamp = line.rsplit("meter time ", 1)[1].strip()
            t = datetime.fromisoformat(stamp).timestamp()
            cur = ""
        else:
            cur += line
    if cur is not None:
        frames.append((t, bytes.fromhex(cur)))
    return frames


def hex_file(path):
    text = "".join(l.strip() for l in open(path) if not l.lstrip().startswith(("#", "//")))
    return bytes.fromhex(text)


def real_frames(spec):
    _, kind, times, directory = spec.split(":", 3)
    frames = []
    for f in sorted(os.listdir(directory)) * int(times):
        if not f.endswith(".expect.jsonl"):
            continue
        base = os.path.join(directory, f[: -len(".expect.jsonl")])
        if os.path.exists(base + ".args") or os.path.exists(base + ".mode"):
            continue
        expect = [json.loads(l) for l in open(base + ".expect.jsonl") if l.strip()]
        if not expect or any("error" in o for o in expect):
            continue
        if kind == "hdlc" and os.path.exists(base + ".hex"):
            data = hex_file(base + ".hex")
        elif kind == "dsmr" and os.path.exists(base + ".txt"):
            data = open(base + ".txt", "rb").read()
        else:
            continue
        # A file may hold several frames (one expected object each): sent as one
        # piece, counted as that many.
        frames.append((len(frames) * 2.5, data, len(expect)))
    return frames


def write_frames(hanp1d, spec, out):
    if spec.startswith("sim:"):
        frames = [(t, d, 1) for t, d in sim_frames(hanp1d, spec)]
    elif spec.startswith("real:"):
        frames = real_frames(spec)
    else:
        sys.exit("unknown frame source " + spec)
    with open(out, "w") as f:
        for t, d, n in frames:
            f.write("%.3f %d %s\n" % (t, n, d.hex()))
    print(sum(n for _, _, n in frames))


def read_frames(path):
    frames = []
    for line in open(path):
        t, n, h = line.split()
        frames.append((float(t), int(n), bytes.fromhex(h)))
    return frames


# ---- the line ----


def line(link, frames_path, speed, garbage, seed, go, done):
    frames = read_frames(frames_path)
    master, slave = os.openpty()
    tty.setraw(slave)  # nothing echoes back before the daemon sets the line up
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.ttyname(slave), link)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not os.path.exists(go) and not stop:
        time.sleep(0.05)
    rnd = random.Random(seed)
    # A line with garbage keeps what it wrote, to run it through `hanp1d decode`.
    record = open(done + ".bytes", "wb") if garbage > 0 else None
    per_gap = garbage // max(1, len(frames))
    sent = {"frames": 0, "readings_expected": 0, "frame_bytes": 0, "garbage_bytes": 0}
    t0_wall, t0_meter = time.monotonic(), frames[0][0] if frames else 0.0
    budget = 0.0  # seconds the garbage may take so far, at 1.5 MB/s
    for t, n, data in frames:
        if stop:
            break
        if garbage > 0:
            junk = rnd.randbytes(rnd.randint(0, 2 * per_gap))
            write_all(master, junk)
            record.write(junk)
            sent["garbage_bytes"] += len(junk)
            budget += len(junk) / 1.5e6
            lag = budget - (time.monotonic() - t0_wall)
            if lag > 0:
                time.sleep(lag)
        else:
            due = t0_wall + (t - t0_meter) / speed
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        write_all(master, data)
        if record:
            record.write(data)
        sent["frames"] += 1
        sent["readings_expected"] += n
        sent["frame_bytes"] += len(data)
    sent["seconds"] = round(time.monotonic() - t0_wall, 2)
    if record:
        record.close()
    with open(done + ".tmp", "w") as f:
        json.dump(sent, f)
    os.rename(done + ".tmp", done)
    while not stop:
        time.sleep(0.1)
    os.unlink(link)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view[:4096])
        view = view[n:]


# ---- a looped capture ----


def expect(frames_path, source_bytes):
    """Whole frames in the first source_bytes bytes of the capture played in a loop."""
    frames = read_frames(frames_path)
    sizes = [len(d) for _, _, d in frames]
    total = sum(sizes)
    loops, rest = divmod(source_bytes, total)
    n = loops * len(sizes)
    for s in sizes:
        if rest < s:
            break
        rest -= s
        n += 1
    print(n)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "frames":
        write_frames(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "line":
        line(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7],
             sys.argv[8])
    elif cmd == "capture":
        with open(sys.argv[3], "wb") as f:
            f.write(b"".join(d for _, _, d in read_frames(sys.argv[2])))
    elif cmd == "expect":
        expect(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown command " + cmd)
