#!/usr/bin/env bash
# `hanp1d sim` as the meters of a running daemon: an Aidon meter on a pty pair (the
# daemon's serial device, fixed 2400 8E1), a Kaifa meter on a second pty (baud and
# parity autodetected) and an Aidon meter served over TCP (the daemon's tcp://
# source). Asserted on /api/v1, /metrics, and the SQLite raw rows, register series
# and hourly buckets. The pty vanishes and comes back, the TCP meter goes and comes
# back: readings resume within 5 s without a restart. SIGTERM: exit 0, everything
# written, an intact database. Also `sim --tcp` into a ser2net-like listener.
# Loopback only; about 25 s.
set -u
hanp1d=${1:?usage: test-sim-pty.sh HANP1D}
for tool in curl sqlite3 python3; do
	command -v "$tool" >/dev/null || { echo "sim pty: skipped, no $tool"; exit 77; }
done
. "$(dirname "$0")/../lib.sh"
# sleep_until NS: sleeps until the clock (date +%s%N) reaches NS.
sleep_until() {
	local left=$((($1 - $(now_ns)) / 1000000))
	[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
	return 0
}
sql() {
	sqlite3 "$tmp/history.db" "$1" 2>/dev/null
}

http=$(free_port)
api="http://127.0.0.1:$http/api/v1"
tty="$tmp/ttyV0"
# The pty meter starts 100 s (meter time) before 11:00:10, its hourly list 3: at 30
# times real time that comes 3.3 s after the start. It comes back an hour later
# (meter time), with list 3 at 12:00:10 3.3 s after the restart.
PTY_START1=2025-01-15T10:58:30
PTY_START2=2025-01-15T11:58:30
# The TCP meter runs 720 times real time: an hour in 5 s, list 3 at 13:00:10,
# 14:00:10 and 15:00:10 0.2, 5.2 and 10.2 s after the start.
NET_START=2025-01-15T12:58:00
NET_HOURS_NS=11000000000

start_pty_sim() {
	"$hanp1d" sim --pty "$tty" --meter aidon --speed 30 --start "$1" >>"$tmp/sim-pty.out" 2>&1 &
	pty_sim=$!
	pty_t0=$(now_ns)
	pids+=("$pty_sim")
	until_ok 5 '[ -L "$tty" ] && [ -e "$tty" ]'
}
# start_net_sim PORT SPEED START
start_net_sim() {
	: >"$tmp/sim-net.out"
	"$hanp1d" sim --listen "127.0.0.1:$1" --meter aidon --speed "$2" --start "$3" \
		>"$tmp/sim-net.out" 2>&1 &
	net_sim=$!
	net_t0=$(now_ns)
	pids+=("$net_sim")
	until_ok 5 'grep -q "listening on 127.0.0.1:" "$tmp/sim-net.out"'
}
# The time list 3 has surely reached the daemon: 1.7 s after it was sent.
list3_done() { echo $(($1 + 5000000000)); }

start_net_sim 0 720 "$NET_START"
net_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/sim-net.out")
check '[ -n "$net_port" ] && [ "$net_port" -gt 0 ]' "sim --listen 127.0.0.1:0 prints the port it got"
start_pty_sim "$PTY_START1"
check '[ -c "$tty" ] && grep -q "pty $tty -> /dev/pts/" "$tmp/sim-pty.out"' \
	"sim --pty makes the path a symlink to a pty slave and says so"
# The Kaifa meter for autodetection (a pty takes any setting: the first one tried
# validates).
"$hanp1d" sim --pty "$tmp/ttyV1" --meter kaifa --speed 10 >"$tmp/sim-auto.out" 2>&1 &
auto_sim=$!
pids+=("$auto_sim")
until_ok 5 '[ -e "$tmp/ttyV1" ]'

cat >"$tmp/hanp1d.conf" <<CONF
[meter home]
source = serial:$tty
baud = 2400
parity = 8E1

[meter auto]
source = serial:$tmp/ttyV1
baud = auto
parity = auto

[meter net]
source = tcp://127.0.0.1:$net_port

[http]
listen = 127.0.0.1:$http

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 1
CONF
start_daemon() {
	"$hanp1d" -c "$tmp/hanp1d.conf" 2>>"$tmp/daemon.log" &
	daemon=$!
	pids+=("$daemon")
}
start_daemon

# Readings over the API, fresh.
now_ok() {
	curl -sf "$api/meters/$1/now" -o "$tmp/now-$1.json" &&
		json "$tmp/now-$1.json" 'o["reading"]["power_import_w"] >= 0 and o["stale"] is False and o["age_s"] < 5'
}
check 'until_ok 10 "now_ok home"' "the pty meter's reading arrives, not stale"
check 'until_ok 5 "now_ok net"' "the TCP meter's reading arrives, not stale"
check 'json "$tmp/now-home.json" "o[\"reading\"][\"protocol\"] == \"dlms\" and o[\"reading\"][\"framing\"] == \"hdlc\""' \
	"the pty meter sends HDLC frames"

status() {
	curl -sf "$api/status" -o "$tmp/status.json"
}
meter() { # meter NAME EXPR: EXPR on `m`, the meter's status
	json "$tmp/status.json" "[m for m in o['meters'] if m['name'] == '$1'] and all($2 for m in o['meters'] if m['name'] == '$1')"
}
readings() { # readings NAME: the meter's reading count in the last status
	python3 -c 'import json,sys; print([m for m in json.load(open(sys.argv[1]))["meters"] if m["name"] == sys.argv[2]][0]["readings"])' "$tmp/status.json" "$1"
}
# Counters reach the status once a second.
home_runs() {
	status && meter home "m['source']['state'] == 'running' and m['readings'] > 0 and m['source']['bytes'] > 0"
}
net_runs() { status && meter net "m['source']['state'] == 'running' and m['readings'] > 0"; }
auto_runs() {
	status && meter auto "m['source']['state'] == 'running' and m['source']['detected'] is True and m['source']['baud'] > 0 and m['readings'] > 0"
}
check 'until_ok 5 home_runs' "status: the serial source runs and readings count"
check 'meter home "m[\"source\"][\"baud\"] == 2400 and m[\"source\"][\"parity\"] == \"8E1\""' \
	"status: the configured line settings"
check 'until_ok 5 net_runs' "status: the tcp source runs and readings count"
check 'meter home "sum(m[\"errors\"].values()) == 0"' "no decode errors from the simulator"
check 'until_ok 10 auto_runs' "status: autodetection settles on the pty and readings count"
check 'now_ok auto' "the autodetected meter's reading is served, not stale"

curl -sf "http://127.0.0.1:$http/metrics" -o "$tmp/metrics"
check 'grep -q "^hanp1d_power_import_watts{.*meter=\"home\"" "$tmp/metrics" && grep -q "^hanp1d_power_import_watts{.*meter=\"net\"" "$tmp/metrics"' \
	"/metrics has the power of both meters"
raw_rows() {
	sql "SELECT count(*) FROM raw r JOIN meters m ON m.id = r.meter WHERE m.name = '$1'"
}
# While the daemon runs it holds the file exclusively (store_db.h): committed raw
# rows are read through the API.
has_raw() {
	curl -sf "http://127.0.0.1:$http/api/v1/meters/$1/history?resolution=raw&from=2000-01-01T00:00:00Z" \
		-o "$tmp/raw-$1.json" && json "$tmp/raw-$1.json" 'len(o) > 0'
}
check 'until_ok 3 "has_raw home"' "raw rows of the pty meter committed and served"

# The device vanishes after its list 3 (SIGKILL leaves the symlink dangling) and
# comes back on the same path: readings resume within 5 s, without restarting the
# daemon.
sleep_until "$(list3_done "$pty_t0")"
status
before=$(readings home)
{ kill -9 "$pty_sim" && wait "$pty_sim"; } 2>/dev/null
check '[ -L "$tty" ] && [ ! -e "$tty" ]' "the pty is gone with the simulator"
t0=$(now_ns)
start_pty_sim "$PTY_START2"
resumed() {
	status && meter home "m['source']['state'] == 'running' and m['source']['reconnects'] >= 1 and m['readings'] > $before and m['last_reading_age_s'] < 1"
}
check 'until_ok 5 resumed' "readings resume within 5 s after the pty comes back"
echo "# pty back: readings again after $((($(now_ns) - t0) / 1000000)) ms"
check 'kill -0 "$daemon" && grep -q "ttyV0: hang-up" "$tmp/daemon.log"' \
	"the daemon saw the device go and kept running"

# The TCP meter goes after three hourly lists and comes back on the same port
# (slower, far from its next list 3): readings resume within 5 s.
sleep_until $((net_t0 + NET_HOURS_NS))
kill -TERM "$net_sim"
wait "$net_sim"
check '[ $? = 0 ]' "sim --listen exits 0 on SIGTERM"
status
before=$(readings net)
start_net_sim "$net_port" 30 2025-01-15T13:05:00
net_resumed() {
	status && meter net "m['source']['state'] == 'running' and m['source']['reconnects'] >= 1 and m['readings'] > $before and m['last_reading_age_s'] < 1"
}
check 'until_ok 5 net_resumed' "the TCP meter's readings resume within 5 s"

# SIGTERM to a simulator removes its symlink. The daemon exits 0 on SIGTERM with
# everything written (the buckets and series too) and an intact database.
sleep_until "$(list3_done "$pty_t0")"
kill -TERM "$pty_sim" "$auto_sim"
wait "$pty_sim"
check '[ $? = 0 ] && [ ! -e "$tty" ] && [ ! -L "$tty" ]' "sim --pty removes its symlink on SIGTERM"
wait "$auto_sim"
kill -TERM "$daemon"
wait "$daemon"
check '[ $? = 0 ]' "the daemon exits 0 on SIGTERM"
check '[ "$(sql "PRAGMA integrity_check")" = ok ]' "PRAGMA integrity_check after SIGTERM"
for m in home auto net; do
	n=$(raw_rows "$m")
	check '[ "${n:-0}" -gt 2 ]' "raw rows of meter $m on disk ($n)"
done

# The pty meter's two hourly registers (11:00:10, then 12:00:10 after it came
# back; the simulated meter counted while away): the series goes on, and the
# hourly buckets hold the delta exactly.
register_of() { # the first list 3 import register of a fresh meter started at $1
	"$hanp1d" sim --meter aidon --start "$1" --count 60 | "$hanp1d" decode - |
		python3 -c 'import json,sys; print([o for o in map(json.loads, sys.stdin) if "energy_import_kwh" in o][0]["energy_import_kwh"])'
}
series() { # series METER COLUMN
	sql "SELECT s.$2 FROM series s JOIN meters m ON m.id = s.meter WHERE m.name = '$1'"
}
hour_sum() { # hour_sum METER: import energy in the meter's hourly buckets
	sql "SELECT coalesce(sum(b.import_kwh), 0) FROM all_buckets b JOIN meters m ON m.id = b.meter WHERE m.name = '$1' AND b.end_ms - b.start_ms = 3600000"
}
near() { python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) < 1e-6 else 1)' "$1" "$2"; }
delta=$(python3 -c "print($(register_of "$PTY_START2") - $(register_of "$PTY_START1"))")
check '[ "$(series home imp_meter_time)" = 2025-01-15T12:00:10 ]' \
	"the series holds the pty meter's last list 3 ($(series home imp_meter_time))"
check '[ "$(series home new_series)" = 0 ]' "no new series: the registers never went back"
check 'near "$(hour_sum home)" "$delta"' \
	"the pty meter's hourly buckets hold the register delta ($(hour_sum home) kWh, want $delta)"

# The TCP meter: three simulated hours. Its hourly buckets hold what its list 3
# registers say between two of the hours it sent.
"$hanp1d" sim --meter aidon --start "$NET_START" --count 6000 | "$hanp1d" decode - |
	python3 -c 'import json,sys; print(" ".join(str(o["energy_import_kwh"]) for o in map(json.loads, sys.stdin) if "energy_import_kwh" in o))' >"$tmp/net-registers"
hourly_matches() {
	python3 - "$(hour_sum net)" "$tmp/net-registers" <<'PY'
import sys
got, regs = float(sys.argv[1]), [float(x) for x in open(sys.argv[2]).read().split()]
deltas = [regs[k] - regs[j] for j in range(len(regs)) for k in range(j + 1, len(regs))]
sys.exit(0 if got > 0 and any(abs(got - d) < 1e-6 for d in deltas) else 1)
PY
}
check 'hourly_matches' "the TCP meter's hourly buckets hold its register deltas ($(hour_sum net) kWh)"

# Started again, the daemon serves those hourly buckets from the file (read from
# the file before: the running daemon holds it exclusively).
net_hours=$(hour_sum net)
start_daemon
hours_served() {
	curl -sf "$api/meters/net/history?resolution=hour" -o "$tmp/hours.json" &&
		json "$tmp/hours.json" "len(o) > 0 and all(b['end_ms'] - b['start_ms'] == 3600000 for b in o) and abs(sum(b['import_kwh'] or 0 for b in o) - $net_hours) < 1e-6"
}
check 'until_ok 5 hours_served' "history?resolution=hour serves the hourly buckets after a restart"
kill -TERM "$daemon"
wait "$daemon"
check '[ $? = 0 ] && [ "$(sql "PRAGMA integrity_check")" = ok ]' "a second SIGTERM: exit 0, integrity ok"
kill -TERM "$net_sim"
wait "$net_sim"

# sim --tcp: the simulator connects to a ser2net-like listener and writes to it.
python3 - "$tmp/listener" >"$tmp/listener.port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(10)
c, _ = s.accept()
data, end = b"", time.time() + 1.5
c.settimeout(0.2)
while time.time() < end:
    try:
        data += c.recv(65536)
    except socket.timeout:
        pass
open(sys.argv[1], "wb").write(data)
PY
listener=$!
pids+=("$listener")
until_ok 5 '[ -s "$tmp/listener.port" ]'
"$hanp1d" sim --tcp "127.0.0.1:$(cat "$tmp/listener.port")" --meter dsmr --speed 10 >"$tmp/sim-tcp.out" 2>&1 &
client=$!
pids+=("$client")
wait "$listener"
kill -TERM "$client"
wait "$client"
check '[ $? = 0 ]' "sim --tcp exits 0 on SIGTERM"
"$hanp1d" decode "$tmp/listener" >"$tmp/listener.json" 2>/dev/null
n=$(grep -c '"protocol":"dsmr"' "$tmp/listener.json")
check '[ "$n" -ge 8 ] && ! grep -q "\"error\"" "$tmp/listener.json"' \
	"the listener got DSMR telegrams at 10 a second ($n in 1.5 s)"

finish "sim pty"
