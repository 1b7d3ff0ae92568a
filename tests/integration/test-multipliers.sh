#!/usr/bin/env bash
# Per-meter multipliers end to end. Two meters replay the same capture (six DSMR 5
# telegrams from `hanp1d sim`, evening load: import on every phase): "plain" with
# no multiplier, "scaled" with multiplier_power = 2, multiplier_voltage = 3,
# multiplier_current = 4, multiplier_energy = 0.5. `hanp1d decode` of the capture
# gives each telegram's reading; check_multipliers.py matches by meter_time. What
# must hold, for both meters (plain: factors 1): /api/v1/meters/NAME/now answers,
# /metrics (the whole set of one meter's series must be one telegram's, multiplied),
# the raw rows in SQLite and the raw history the API serves all show exactly the
# telegram's values times the meter's multipliers (powers, voltages, currents,
# energies; counters and the tariff as sent). MQTT is covered by test-mqtt.sh.
# Loopback only; about 10 s.
set -u
hanp1d=${1:?usage: test-multipliers.sh HANP1D}
. "$(dirname "$0")/../lib.sh"
need curl python3 sqlite3
here=$(cd "$(dirname "$0")" && pwd)

port=$(free_port)
api="http://127.0.0.1:$port/api/v1"
SCALED=2,3,4,0.5
PLAIN=1,1,1,1
fits() { python3 "$here/check_multipliers.py" "$tmp/decoded" "$@"; }

"$hanp1d" sim --meter dsmr --count 6 --start 2025-01-15T18:00:00 >"$tmp/capture.txt"
"$hanp1d" decode "$tmp/capture.txt" >"$tmp/decoded" 2>"$tmp/decode.err"
check '[ "$(grep -c "^{" "$tmp/decoded")" = 6 ]' "the capture decodes to six readings"
# The multiplied keys must be there and not 0, else a missing multiplier hides.
check 'python3 -c "
import json,sys
rs = [json.loads(l) for l in open(sys.argv[1])]
keys = [\"power_import_w\", \"l1_power_import_w\", \"l1_voltage_v\", \"l1_current_a\", \"energy_import_kwh\", \"energy_import_t1_kwh\"]
sys.exit(0 if all(r[k] > 0 for r in rs for k in keys) and len({r[\"meter_time\"] for r in rs}) == 6 else 1)" "$tmp/decoded"' \
	"every reading has power, voltage, current and energy above 0 and its own meter_time"

cat >"$tmp/hanp1d.conf" <<CONF
[meter plain]
source = replay:$tmp/capture.txt?speed=20

[meter scaled]
source = replay:$tmp/capture.txt?speed=20
multiplier_power = 2
multiplier_voltage = 3
multiplier_current = 4
multiplier_energy = 0.5

[http]
listen = 127.0.0.1:$port

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 1
CONF

"$hanp1d" -c "$tmp/hanp1d.conf" 2>"$tmp/daemon.log" &
pid=$!
pids+=("$pid")
has_reading() { curl -sf "$api/meters/$1/now" -o "$tmp/now-$1.json" && json "$tmp/now-$1.json" 'o["reading"]'; }
check 'until_ok 10 "has_reading plain && has_reading scaled"' "both meters have a reading"

# /now: eight answers per meter over 2 s, each its telegram times the factors.
for i in $(seq 8); do
	curl -sf "$api/meters/plain/now" -o "$tmp/plain-$i.json"
	curl -sf "$api/meters/scaled/now" -o "$tmp/scaled-$i.json"
	sleep 0.25
done
check 'fits "$PLAIN" now "$tmp"/plain-*.json >"$tmp/out" || { cat "$tmp/out"; false; }' \
	"plain: /now is the telegram as sent"
check 'fits "$SCALED" now "$tmp"/scaled-*.json >"$tmp/out" || { cat "$tmp/out"; false; }' \
	"scaled: /now is the telegram times the multipliers"
# Not both at once by accident: the scaled meter is not the plain one.
check '! fits "$PLAIN" now "$tmp"/scaled-*.json >/dev/null' "scaled: /now differs from the telegram as sent"

# /metrics: three scrapes.
for i in 1 2 3; do
	curl -sf "http://127.0.0.1:$port/metrics" -o "$tmp/metrics"
	check 'fits "$PLAIN" metrics "$tmp/metrics" plain >"$tmp/out" || { cat "$tmp/out"; false; }' \
		"plain: /metrics is one telegram as sent (scrape $i)"
	check 'fits "$SCALED" metrics "$tmp/metrics" scaled >"$tmp/out" || { cat "$tmp/out"; false; }' \
		"scaled: /metrics is one telegram times the multipliers (scrape $i)"
	sleep 0.3
done

# The raw history the API serves (a row a second per meter).
sleep 2
curl -sf "$api/meters/scaled/history?resolution=raw" -o "$tmp/history-scaled.json"
check 'fits "$SCALED" history "$tmp/history-scaled.json" 3 >"$tmp/out" || { cat "$tmp/out"; false; }' \
	"scaled: the raw history served is the telegrams times the multipliers"
curl -sf "$api/meters/plain/history?resolution=raw" -o "$tmp/history-plain.json"
check 'fits "$PLAIN" history "$tmp/history-plain.json" 3 >"$tmp/out" || { cat "$tmp/out"; false; }' \
	"plain: the raw history served is the telegrams as sent"

kill -TERM "$pid"
wait "$pid"
rc=$?
check '[ "$rc" = 0 ]' "SIGTERM exits 0 (got $rc)"
check 'fits "$PLAIN" db "$tmp/history.db" plain 3 >"$tmp/out" || { cat "$tmp/out"; false; }' \
	"plain: the SQLite raw rows are the telegrams as sent"
check 'fits "$SCALED" db "$tmp/history.db" scaled 3 >"$tmp/out" || { cat "$tmp/out"; false; }' \
	"scaled: the SQLite raw rows are the telegrams times the multipliers"

[ "$fail" != 0 ] && { echo "--- daemon log"; tail -n 20 "$tmp/daemon.log"; }
finish multipliers
