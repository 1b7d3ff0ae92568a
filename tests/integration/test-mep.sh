#!/usr/bin/env bash
# The daemon's mep: source against `hanp1d sim --meter mep` on pseudo-terminals,
# three meters in one daemon:
# - good: the right MBK; the simulated meter jumps its sequence number and sends
#   alerts. Readings arrive in /api/v1 with protocol and framing "mep" and the
#   units of reading-model.md, the jumps are resynchronised, the alerts answered
#   with the handshake, and the rows are in SQLite after a clean stop.
# - wrongkey: a wrong MBK. The status names `auth` with the probable cause, no
#   reading is made up, and the client does not ask faster than its backoff
#   (30 s): at most two requests in the test's time.
# - silent: a pty nobody answers. The status names `no_answer` after ENABLE was
#   cycled.
# The MBKs appear nowhere: not in the log, /api/v1/status or /api/v1/config.
# Loopback only; about 45 s.
set -u
hanp1d=${1:?usage: test-mep.sh HANP1D}
. "$(dirname "$0")/../lib.sh"
need curl sqlite3 python3

good_mbk=ABCDEFGHIJKLMNOPQRST
wrong_mbk=WRONGWRONGWRONGWRONG
http=$(free_port)
api="http://127.0.0.1:$http/api/v1"

# The two simulated meters expect the default MBK.
"$hanp1d" sim --meter mep --pty "$tmp/good" --alert-every 5 --jump-every 7 \
	2>"$tmp/sim-good.log" &
pids+=("$!")
"$hanp1d" sim --meter mep --pty "$tmp/wrongkey" 2>"$tmp/sim-wrong.log" &
pids+=("$!")
# A port that swallows every request (a meter whose MEP port is switched off).
python3 - "$tmp/silent" <<'PY' &
import os, sys, time
master, slave = os.openpty()
os.symlink(os.ttyname(slave), sys.argv[1])
while True:
    try:
        os.read(master, 4096)
    except OSError:
        time.sleep(0.1)
PY
pids+=("$!")
check 'until_ok 5 "[ -e $tmp/good ] && [ -e $tmp/wrongkey ] && [ -e $tmp/silent ]"' \
	"the simulated meters' ptys exist"

cat >"$tmp/hanp1d.conf" <<EOF
[meter good]
source = mep:$tmp/good
mbk = $good_mbk
poll_interval = 2

[meter wrongkey]
source = mep:$tmp/wrongkey
mbk = $wrong_mbk

[meter silent]
source = mep:$tmp/silent
mbk = $good_mbk
enable_line = both

[http]
listen = 127.0.0.1:$http

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 2
EOF
"$hanp1d" --check-config -c "$tmp/hanp1d.conf" >"$tmp/check.out" 2>&1
check '[ $? = 0 ]' "the config checks: $(cat "$tmp/check.out")"
started=$(now_ns)
"$hanp1d" run -c "$tmp/hanp1d.conf" >"$tmp/daemon.log" 2>&1 &
daemon=$!
pids+=("$daemon")

status() { curl -sf -m 5 "$api/status" >"$tmp/status.json"; }
# meter NAME EXPR: EXPR true with `m` the meter's status.
meter() {
	status && python3 -c '
import json, sys
m = [m for m in json.load(open(sys.argv[1]))["meters"] if m["name"] == sys.argv[2]][0]
sys.exit(0 if eval(sys.argv[3]) else 1)' "$tmp/status.json" "$1" "$2" 2>/dev/null
}

# ---- the good meter ----
check 'until_ok 30 "meter good \"m[\\\"readings\\\"] >= 5\""' "good: five readings"
curl -sf "$api/meters/good/now" >"$tmp/now.json"
check 'json "$tmp/now.json" "o[\"reading\"][\"protocol\"] == \"mep\" and o[\"reading\"][\"framing\"] == \"mep\""' \
	"good: protocol and framing mep"
check 'json "$tmp/now.json" "len(o[\"reading\"][\"meter_id\"]) > 0 and o[\"reading\"][\"manufacturer\"] == \"ELON\""' \
	"good: the identity read once (BT01) is in every reading"
# Units of reading-model.md: volts, amperes, watts, hertz, kWh.
check 'json "$tmp/now.json" "all(200 < o[\"reading\"][\"l%d_voltage_v\" % i] < 260 for i in (1, 2, 3))"' \
	"good: voltages in V"
check 'json "$tmp/now.json" "all(0 <= o[\"reading\"][\"l%d_current_a\" % i] < 100 for i in (1, 2, 3))"' \
	"good: currents in A"
check 'json "$tmp/now.json" "49 < o[\"reading\"][\"frequency_hz\"] < 51"' "good: frequency in Hz"
check 'json "$tmp/now.json" "0 <= o[\"reading\"][\"power_import_w\"] < 50000 and 0 <= o[\"reading\"][\"power_export_w\"] < 50000"' \
	"good: power in W"
check 'json "$tmp/now.json" "1000 < o[\"reading\"][\"energy_import_kwh\"] < 1e6 and o[\"reading\"][\"energy_export_kwh\"] > 0"' \
	"good: registers in kWh (BT23)"
# Each phase's power is its voltage times its current times its power factor.
check 'json "$tmp/now.json" "all(abs(o[\"reading\"][\"l%d_voltage_v\" % i] * o[\"reading\"][\"l%d_current_a\" % i] * o[\"reading\"][\"l%d_power_factor\" % i] - o[\"reading\"][\"l%d_power_import_w\" % i] - o[\"reading\"][\"l%d_power_export_w\" % i]) < 5 + 0.02 * o[\"reading\"][\"l%d_voltage_v\" % i] * o[\"reading\"][\"l%d_current_a\" % i] for i in (1, 2, 3))"' \
	"good: P = U x I x PF per phase"
# Alerts every 5 s and sequence jumps every 7 s.
check 'until_ok 20 "meter good \"m[\\\"source\\\"][\\\"mep\\\"][\\\"handshakes\\\"] >= 1 and m[\\\"source\\\"][\\\"mep\\\"][\\\"resyncs\\\"] >= 2\""' \
	"good: an alert handshake and a resync after a sequence jump"
readings_before=$(python3 -c 'import json,sys; print([m for m in json.load(open(sys.argv[1]))["meters"] if m["name"]=="good"][0]["readings"])' "$tmp/status.json")
check 'until_ok 10 "meter good \"m[\\\"readings\\\"] > $readings_before\""' \
	"good: readings go on after the jumps and alerts"
check 'meter good "m[\"source\"][\"mep\"][\"diagnosis\"] == \"ok\" and m[\"errors\"][\"auth\"] == 0"' \
	"good: diagnosis ok, no auth error"

# ---- the wrong MBK and the silent port (their timers ran meanwhile) ----
check 'until_ok 30 "meter silent \"m[\\\"source\\\"][\\\"mep\\\"][\\\"diagnosis\\\"] == \\\"no_answer\\\"\""' \
	"silent: diagnosis no_answer"
check 'meter silent "m[\"source\"][\"mep\"][\"enable_toggles\"] >= 1 and m[\"readings\"] == 0 and \"ENABLE\" in m[\"source\"][\"detail\"]"' \
	"silent: ENABLE was cycled, no reading, the detail says why"
check 'meter wrongkey "m[\"source\"][\"mep\"][\"diagnosis\"] == \"auth\" and m[\"readings\"] == 0"' \
	"wrongkey: diagnosis auth, no reading"
check 'meter wrongkey "\"MBK\" in m[\"source\"][\"detail\"] and \"MBK\" in m[\"last_error\"][\"probable_cause\"]"' \
	"wrongkey: the detail and the probable cause name the MBK"
elapsed_s=$((($(now_ns) - started) / 1000000000))
# The first request draws 0B and a 30 s backoff: a request at most per 30 s,
# plus the first.
max_requests=$((elapsed_s / 30 + 1))
check 'meter wrongkey "1 <= m[\"source\"][\"mep\"][\"requests\"] <= $max_requests and m[\"source\"][\"mep\"][\"auth_failures\"] >= 1"' \
	"wrongkey: at most $max_requests requests in ${elapsed_s} s (backoff)"

# ---- secrets ----
curl -sf "$api/config" >"$tmp/config.json"
check 'json "$tmp/config.json" "\"$good_mbk\" not in json.dumps(o) and \"$wrong_mbk\" not in json.dumps(o) and \"********\" in json.dumps(o)"' \
	"/api/v1/config masks the MBKs"
check '! grep -q -e "$good_mbk" -e "$wrong_mbk" "$tmp/status.json" "$tmp/daemon.log"' \
	"no MBK in the status or the log"

# ---- the history ----
curl -sf "$api/meters/good/history?resolution=raw&from=$(date -u -d '-5 min' +%Y-%m-%dT%H:%M:%SZ)" \
	>"$tmp/history.json"
check 'json "$tmp/history.json" "len(o) >= 3 and all(200 < r[\"l1_voltage_v\"] < 260 for r in o)"' \
	"the raw history has the readings, in V"
curl -sf "$api/meters/good/now" >"$tmp/last.json"
kill -TERM "$daemon"
wait "$daemon"
check '[ $? = 0 ]' "SIGTERM: exit 0"
sql() { sqlite3 "$tmp/history.db" "$1"; }
check '[ "$(sql "select count(*) from raw r join meters m on m.id = r.meter where m.name = '\''good'\''")" -ge 3 ]' \
	"SQLite: raw rows of the good meter"
check '[ "$(sql "select count(*) from raw r join meters m on m.id = r.meter where m.name <> '\''good'\''")" = 0 ]' \
	"SQLite: no rows for the meters that never answered"
last_db=$(sql "select energy_import_kwh from raw r join meters m on m.id = r.meter where m.name = 'good' order by t_ms desc limit 1")
check 'json "$tmp/last.json" "abs(o[\"reading\"][\"energy_import_kwh\"] - $last_db) < 1"' \
	"SQLite: the last row's import register is the API's ($last_db kWh)"

finish mep
