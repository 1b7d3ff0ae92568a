#!/usr/bin/env bash
# The README's first command, `hanp1d --demo`: run in an empty directory, as the
# README says. What must hold: the message it prints names the dashboard's address
# (port 8080) and the history file; within 10 s /api/v1/meters/demo/now has a
# reading with power_import_w, / serves the dashboard's HTML (also by the
# README's http://localhost:8080), ./hanp1d-demo/history.db exists; SIGTERM exits
# 0, leaving raw rows and an intact database. Then `--demo DIR`: the history goes
# to DIR/history.db and nothing to ./hanp1d-demo.
# The demo's port is fixed (8080; no option or variable changes it): skipped (77)
# when something on this machine holds it. Loopback only; about 10 s.
set -u
hanp1d=${1:?usage: test-demo.sh HANP1D}
. "$(dirname "$0")/../lib.sh"
need curl python3 sqlite3
hanp1d=$(cd "$(dirname "$hanp1d")" && pwd)/$(basename "$hanp1d")
base="http://127.0.0.1:8080"

# Whether 8080 is free on loopback: nothing answers there and a listener (with
# SO_REUSEADDR, as libmicrohttpd's) could bind it.
port_free() {
	python3 - <<'PY'
import socket, sys
c = socket.socket()
c.settimeout(1)
try:
    c.connect(("127.0.0.1", 8080))
    sys.exit(1)
except OSError:
    pass
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", 8080))
except OSError:
    sys.exit(1)
PY
}
skip_busy() {
	echo "demo: skipped, port 8080 is in use on this machine ($1)"
	exit 77
}

# start_demo [DIR]: the demo in $tmp/run (its working directory), output in
# $tmp/demo.out; skips when 8080 is taken, by then or meanwhile.
start_demo() {
	port_free || skip_busy "before the start"
	(cd "$tmp/run" && exec "$hanp1d" --demo "$@") >"$tmp/demo.out" 2>&1 &
	pid=$!
	pids+=("$pid")
	if ! until_ok 10 "curl -sf -o /dev/null '$base/api/v1/status'" || ! kill -0 "$pid" 2>/dev/null; then
		grep -q "cannot listen" "$tmp/demo.out" && skip_busy "$(grep "cannot listen" "$tmp/demo.out")"
	fi
}
stop_demo() {
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=""
}
now_has_power() {
	curl -sf "$base/api/v1/meters/demo/now" -o "$tmp/now.json" &&
		json "$tmp/now.json" 'isinstance(o["reading"]["power_import_w"], (int, float)) and o["stale"] is False'
}

mkdir "$tmp/run"
start_demo
check 'kill -0 "$pid"' "the demo runs ($(tail -c 300 "$tmp/demo.out"))"
check 'until_ok 10 now_has_power' "/api/v1/meters/demo/now has power_import_w within 10 s"
check 'grep -Eq "https?://(localhost|127\.0\.0\.1):8080" "$tmp/demo.out"' \
	"the printed message names the dashboard at localhost/127.0.0.1:8080 ($(head -c 300 "$tmp/demo.out"))"
check 'grep -q "hanp1d-demo/history.db" "$tmp/demo.out"' "the printed message names the history file"
code=$(curl -s -D "$tmp/root.headers" -o "$tmp/root.html" -w '%{http_code}' "http://localhost:8080/")
check '[ "$code" = 200 ] && grep -qi "^Content-Type: text/html" "$tmp/root.headers" && grep -qi "<html" "$tmp/root.html"' \
	"/ serves the dashboard's HTML at http://localhost:8080/ (got $code)"
status_reading() {
	curl -sf "$base/api/v1/status" -o "$tmp/status.json" &&
		json "$tmp/status.json" 'o["meters"][0]["name"] == "demo" and o["meters"][0]["readings"] > 0'
}
check 'until_ok 3 status_reading' "/api/v1/status shows the demo meter and its readings (counted once a second)"
check '[ -f "$tmp/run/hanp1d-demo/history.db" ]' "./hanp1d-demo/history.db exists"
stop_demo
check '[ "$rc" = 0 ]' "SIGTERM exits 0 (got $rc)"
rows=$(sqlite3 "$tmp/run/hanp1d-demo/history.db" 'SELECT COUNT(*) FROM raw' 2>&1)
check '[ "$rows" -gt 0 ] 2>/dev/null' "raw rows are on disk after SIGTERM ($rows)"
check '[ "$(sqlite3 "$tmp/run/hanp1d-demo/history.db" "PRAGMA integrity_check" 2>&1)" = ok ]' \
	"integrity_check ok after SIGTERM"

# --demo DIR: the history where it is told.
rm -rf "$tmp/run/hanp1d-demo"
start_demo "$tmp/mine"
check 'until_ok 10 now_has_power' "--demo DIR: a reading within 10 s"
check '[ -f "$tmp/mine/history.db" ] && [ ! -e "$tmp/run/hanp1d-demo" ]' \
	"--demo DIR keeps the history in DIR/history.db, not ./hanp1d-demo"
check 'grep -q "$tmp/mine/history.db" "$tmp/demo.out"' "the printed message names DIR/history.db"
stop_demo
check '[ "$rc" = 0 ]' "--demo DIR: SIGTERM exits 0 (got $rc)"
check '[ "$(sqlite3 "$tmp/mine/history.db" "PRAGMA integrity_check" 2>&1)" = ok ]' \
	"--demo DIR: integrity_check ok after SIGTERM"

[ "$fail" != 0 ] && { echo "--- demo output"; tail -n 20 "$tmp/demo.out"; }
finish demo
