#!/usr/bin/env python3
"""The soak test's MQTT subscriber: counts the state messages of a topic.

usage: subscriber.py PORT TOPIC STATE_FILE

Runs mosquitto_sub on the loopback broker and reads one JSON payload a line. About
once a second (real time) it replaces STATE_FILE with what it has seen so far:
{"count", "bad", "first_time", "last_time", "last_import_kwh",
"last_export_kwh"}, times as the daemon wrote them (its simulated clock). Stops on
SIGTERM or when mosquitto_sub ends, writing the file a last time.
"""
import json
import os
import signal
import subprocess
import sys
import time


def write_state(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path)


def main():
    port, topic, path = sys.argv[1:4]
    sub = subprocess.Popen(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-i", "soak-subscriber", "-t", topic,
         "-F", "%p"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    # SIGTERM ends mosquitto_sub; the loop below then sees EOF and writes last.
    signal.signal(signal.SIGTERM, lambda *_: sub.terminate())
    state = {"count": 0, "bad": 0, "first_time": None, "last_time": None,
             "last_import_kwh": None, "last_export_kwh": None}
    write_state(path, state)
    written = time.monotonic()
    for line in sub.stdout:
        try:
            o = json.loads(line)
        except ValueError:
            state["bad"] += 1
            continue
        state["count"] += 1
        if state["first_time"] is None:
            state["first_time"] = o.get("time")
        state["last_time"] = o.get("time")
        state["last_import_kwh"] = o.get("energy_import_kwh")
        state["last_export_kwh"] = o.get("energy_export_kwh")
        if time.monotonic() - written >= 1:
            write_state(path, state)
            written = time.monotonic()
    sub.wait()
    write_state(path, state)


if __name__ == "__main__":
    main()
