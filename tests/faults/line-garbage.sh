#!/usr/bin/env bash
# Fault: what comes down the meter line is not what it should be. Serial meters are
# pseudo-terminals that b_line_garbage.py writes (`source = serial:PATH`, the
# daemon's own serial code), plus one `replay:` source. What must hold:
# (a) 5 MB of random bytes with 200 simulated Aidon frames between them: the
#     daemon runs on; every frame is decoded (readings = frames sent), unless the
#     ring's overflow counter shows bytes were dropped (a loss is never silent);
#     without drops the daemon's decoder counted exactly what `hanp1d decode` counts
#     on the bytes written (the serial line passed every byte, 0xFF and XON/XOFF
#     included); the error counters and garbage_bytes grow, and the status's
#     last_error names an error with its probable cause. The random bytes come from
#     a seed (HANP1D_FAULT_SEED, default 3; "random" draws one), so a run repeats.
# (b) Frames at 100 times the meter's pace: the real-world captures of the shared
#     vectors (HDLC and DSMR, when ../shared/vectors/real is beside the project;
#     read there, never copied), 300 simulated Aidon frames on a pty, and a
#     simulated Kaifa capture on `replay:FILE?speed=100` (in a loop): every frame
#     decoded, no error; on the pty lines readings = frames sent, unless the ring's
#     overflow counter explains the difference; on the looped capture the readings
#     match the bytes read (never more; behind by at most the bytes in flight).
# (c) Encrypted frames (the simulator's sagemcom-at list and dsmr-lu telegrams) to
#     meters configured with another key: no reading is served or stored, every
#     frame counts as an auth error, the status names the wrong key (last_error
#     auth with its probable cause, /now 503 saying why); the same frames to a
#     meter with the right key give every reading, and so does the wrong meter once
#     the daemon is restarted with the right key.
# SIGTERM: exit 0 and an intact database. Loopback only; about 40 s.
set -u
hanp1d=${1:?usage: line-garbage.sh HANP1D}
. "$(dirname "$0")/../lib.sh"
need curl sqlite3 python3
here=$(cd "$(dirname "$0")" && pwd)
real=$here/../../../shared/vectors/real
line() { python3 "$here/b_line_garbage.py" "$@"; }
seed=${HANP1D_FAULT_SEED:-3}
[ "$seed" = random ] && seed=$((RANDOM * 32768 + RANDOM))

K1=00112233445566778899AABBCCDDEEFF # the meters' key
K2=0F0E0D0C0B0A09080706050403020100 # another one
AK=D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF # the simulator's authentication key
LU_AK=00112233445566778899AABBCCDDEEFF

# ---- the frames ----
# NAME=FRAMES-SOURCE SPEED GARBAGE: one pty line each.
lines=(
	"garbage=sim:aidon:200 1 5000000"
	"simaidon=sim:aidon:300 100 0"
	"wrongkey=sim:sagemcom-at:40:--key:$K1:--auth-key:$AK 100 0"
	"rightkey=sim:sagemcom-at:40:--key:$K1:--auth-key:$AK 100 0"
	"wronglu=sim:dsmr-lu:30:--key:$K1 100 0"
)
if [ -d "$real" ]; then
	lines+=("realhdlc=real:hdlc:5:$real 100 0" "realdsmr=real:dsmr:5:$real 100 0")
else
	echo "# line garbage: no shared vectors beside the project; real captures skipped"
fi
declare -A sent_expected
for spec in "${lines[@]}"; do
	name=${spec%%=*}
	src=${spec#*=}
	src=${src%% *}
	sent_expected[$name]=$(line frames "$hanp1d" "$src" "$tmp/$name.frames")
done
line frames "$hanp1d" sim:kaifa:120 "$tmp/kaifa.frames" >/dev/null
line capture "$tmp/kaifa.frames" "$tmp/kaifa.bin"

# ---- the lines and the daemon ----
go=$tmp/go
for spec in "${lines[@]}"; do
	name=${spec%%=*}
	read -r _ speed garbage <<<"${spec#*=}"
	# python3 itself in the background (not a shell function), so $! is what to kill.
	python3 "$here/b_line_garbage.py" line "$tmp/tty-$name" "$tmp/$name.frames" "$speed" "$garbage" \
		"$seed" "$go" "$tmp/$name.done" &
	pids+=($!)
done
port=$(free_port)
api="http://127.0.0.1:$port/api/v1"
meter_conf() { # meter_conf NAME [KEY AUTH_KEY]
	printf '[meter %s]\nsource = serial:%s\nbaud = 2400\nparity = 8E1\n' "$1" "$tmp/tty-$1"
	[ $# -gt 1 ] && printf 'key = %s\nauth_key = %s\n' "$2" "$3"
	printf '\n'
}
{
	for spec in "${lines[@]}"; do
		name=${spec%%=*}
		case $name in
		wrongkey) meter_conf "$name" "$K2" "$AK" ;;
		rightkey) meter_conf "$name" "$K1" "$AK" ;;
		wronglu) meter_conf "$name" "$K2" "$LU_AK" ;;
		*) meter_conf "$name" ;;
		esac
	done
	printf '[meter replay]\nsource = replay:%s?speed=100\n\n' "$tmp/kaifa.bin"
	printf '[http]\nlisten = 127.0.0.1:%s\n\n' "$port"
	printf '[store]\npath = %s\nstore_interval = 1\ncommit_interval = 1\n' "$tmp/history.db"
} >"$tmp/hanp1d.conf"
all_links() {
	local spec
	for spec in "${lines[@]}"; do [ -e "$tmp/tty-${spec%%=*}" ] || return 1; done
}
check 'until_ok 10 all_links' "the pty lines are there"
log=$tmp/daemon.log
start_daemon() {
	"$hanp1d" -c "$1" 2>>"$log" &
	daemon=$!
	pids+=("$daemon")
}
start_daemon "$tmp/hanp1d.conf"

status() { curl -sf -m 10 "$api/status" -o "$tmp/status.json"; }
# meter NAME EXPR: EXPR holds on `m`, the meter's part of the last status.
meter() {
	python3 -c '
import json, sys
ms = [m for m in json.load(open(sys.argv[1]))["meters"] if m["name"] == sys.argv[2]]
sys.exit(0 if ms and eval(sys.argv[3], {"m": ms[0]}) else 1)' "$tmp/status.json" "$1" "$2" 2>/dev/null
}
value() { # value NAME EXPR: EXPR on the meter's status, printed
	python3 -c '
import json, sys
m = [m for m in json.load(open(sys.argv[1]))["meters"] if m["name"] == sys.argv[2]][0]
print(eval(sys.argv[3]))' "$tmp/status.json" "$1" "$2" 2>/dev/null
}
lines_open() {
	local spec
	status || return 1
	for spec in "${lines[@]}"; do
		meter "${spec%%=*}" 'm["source"]["state"] == "running"' || return 1
	done
}
check 'until_ok 15 lines_open' "the daemon has every line open"
touch "$go"
t0=$(now_ns)
all_done() {
	local spec
	for spec in "${lines[@]}"; do [ -s "$tmp/${spec%%=*}.done" ] || return 1; done
}
check 'until_ok 90 all_done' "every line was written"
echo "# line garbage: the lines were written in $(ms_since "$t0") ms"
sent() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/$1.done" "$2"; }
# settled: the readings of every decoding line reached what was sent (or stopped
# short with bytes dropped by the ring), and the wrong-key lines counted every frame.
settled() {
	local spec name
	status || return 1
	for spec in "${lines[@]}"; do
		name=${spec%%=*}
		case $name in
		wrong*) meter "$name" "m['errors']['auth'] >= $(sent "$name" frames)" || return 1 ;;
		*) meter "$name" "m['readings'] >= $(sent "$name" readings_expected) or m['ring_dropped'] > 0" || return 1 ;;
		esac
	done
}
until_ok 15 settled
sleep 1.5 # a second publish of the counters: nothing more comes
status
check 'kill -0 "$daemon"' "the daemon runs on"

# ---- (a) random bytes between frames ----
n=$(sent garbage readings_expected)
got=$(value garbage 'm["readings"]')
dropped=$(value garbage 'm["ring_dropped"]')
echo "# line garbage: (a) seed $seed: $(sent garbage garbage_bytes) random bytes and $n frames in $(sent garbage seconds) s: $got readings, errors $(value garbage 'm["errors"]'), garbage_bytes $(value garbage 'm["garbage_bytes"]'), frames $(value garbage 'm["frames"]'), ring_dropped $dropped"
check '[ "$got" = "$n" ] || { [ "$dropped" -gt 0 ] && [ "$got" -lt "$n" ]; }' \
	"(a) every frame between the random bytes is decoded, or the ring says what it dropped ($got of $n, $dropped bytes dropped)"
# The same bytes through `hanp1d decode`: "# summary: N bytes, G outside frames, F
# frames, R readings".
summary=$("$hanp1d" decode --explain "$tmp/garbage.done.bytes" | grep -a '^# summary:')
echo "# line garbage: (a) hanp1d decode of the bytes written: ${summary#\# summary: }"
read -r _ _ _ _ off_garbage _ _ off_frames _ off_readings _ <<<"${summary//,/}"
if [ "$dropped" = 0 ]; then
	check '[ "$(value garbage "m[\"garbage_bytes\"]")" = "$off_garbage" ] && [ "$(value garbage "m[\"frames\"]")" = "$off_frames" ] && [ "$got" = "$off_readings" ]' \
		"(a) the daemon's decoder counted what hanp1d decode counts on the bytes written"
fi
if [ "$got" != "$n" ]; then
	cp "$tmp/garbage.done.bytes" "${TMPDIR:-/tmp}/line-garbage-$$.bin"
	echo "# line garbage: (a) the bytes written are kept in ${TMPDIR:-/tmp}/line-garbage-$$.bin"
fi
check 'meter garbage "sum(m[\"errors\"].values()) > 0 and m[\"garbage_bytes\"] > $(sent garbage garbage_bytes) / 2"' \
	"(a) the error counters and garbage_bytes grow"
check 'meter garbage "m[\"last_error\"] and m[\"last_error\"][\"error\"] in (\"crc\", \"truncated\", \"malformed\", \"unsupported\", \"noise\") and len(m[\"last_error\"][\"probable_cause\"]) > 20"' \
	"(a) the status names the last error and its probable cause ($(value garbage 'm["last_error"]["error"]'): $(value garbage 'm["last_error"]["detail"]'))"

# ---- (b) 100 times the meter's pace ----
for spec in "${lines[@]}"; do
	name=${spec%%=*}
	case $name in garbage | wrong* | rightkey) continue ;; esac
	n=$(sent "$name" readings_expected)
	got=$(value "$name" 'm["readings"]')
	dropped=$(value "$name" 'm["ring_dropped"]')
	echo "# line garbage: (b) $name: $(sent "$name" frames) pieces, $n frames in $(sent "$name" seconds) s: $got readings, ring_dropped $dropped"
	check '[ "$got" = "$n" ] || { [ "$dropped" -gt 0 ] && [ "$got" -lt "$n" ]; }' \
		"(b) $name at 100x: every frame decoded, or the ring says what it dropped ($got of $n)"
	# The captures keep the line ends some telegrams came with: garbage there.
	garbage=0
	[ "${name#real}" = "$name" ] || garbage=$(value "$name" 'm["garbage_bytes"]')
	check 'meter "$name" "sum(m[\"errors\"].values()) == 0 and m[\"garbage_bytes\"] == $garbage"' \
		"(b) $name: no errors, no garbage outside the captures ($(value "$name" 'm["errors"]'))"
done
# The looped capture: every byte the parser took was part of a frame that decoded
# (no error, no garbage, a reading for every frame, nothing dropped by the ring),
# and the readings keep up with the bytes read, give or take what is in flight: a
# push of the source (a 50 ms tick, 1200 bytes at this speed; it counts its bytes
# just after handing them on) -- over several samples, as a loaded machine may
# stall the parser for a moment.
replay_matches() {
	status || return 1
	local bytes got high low
	bytes=$(value replay 'm["source"]["bytes"]')
	got=$(value replay 'm["readings"]')
	high=$(line expect "$tmp/kaifa.frames" $((bytes + 2400)))
	low=$(line expect "$tmp/kaifa.frames" $((bytes > 2400 ? bytes - 2400 : 0)))
	echo "# line garbage: (b) replay: $bytes bytes read, $got readings (the bytes hold $(line expect "$tmp/kaifa.frames" "$bytes") frames)" >"$tmp/replay.txt"
	[ "$got" -le "$high" ] || echo "more readings than frames read" >>"$tmp/replay.bad"
	[ "$got" -ge "$low" ]
}
check 'until_ok 10 replay_matches && [ ! -e "$tmp/replay.bad" ]' \
	"(b) replay:FILE?speed=100 in a loop: the readings keep up with the bytes read"
cat "$tmp/replay.txt"
check 'meter replay "m[\"readings\"] > 120 and m[\"readings\"] == m[\"frames\"] and sum(m[\"errors\"].values()) == 0 and m[\"garbage_bytes\"] == 0 and m[\"ring_dropped\"] == 0"' \
	"(b) the capture looped, every frame a reading, no error, no garbage, nothing dropped ($(value replay 'm["readings"]') readings)"

# ---- (c) wrong keys ----
for name in wrongkey wronglu; do
	n=$(sent "$name" frames)
	check 'meter "$name" "m[\"readings\"] == 0 and m[\"errors\"][\"auth\"] == $n"' \
		"(c) $name: no reading, every frame an auth error ($(value "$name" 'm["errors"]["auth"]') of $n)"
	check 'meter "$name" "m[\"last_error\"][\"error\"] == \"auth\" and \"key\" in m[\"last_error\"][\"detail\"] and \"key\" in m[\"last_error\"][\"probable_cause\"]"' \
		"(c) $name: the status names the wrong key ($(value "$name" 'm["last_error"]["detail"]'))"
	code=$(curl -s -m 10 -o "$tmp/now-$name.json" -w '%{http_code}' "$api/meters/$name/now")
	check '[ "$code" = 503 ] && json "$tmp/now-$name.json" "\"key\" in o[\"probable_cause\"] and o[\"last_error\"][\"error\"] == \"auth\""' \
		"(c) $name: /now is 503 and says why ($code)"
done
n=$(sent rightkey readings_expected)
check 'meter rightkey "m[\"readings\"] == $n and sum(m[\"errors\"].values()) == 0"' \
	"(c) the same frames with the right key: every reading ($(value rightkey 'm["readings"]') of $n)"

kill -TERM "$daemon"
wait "$daemon"
check '[ $? = 0 ]' "SIGTERM: exit 0"
sql() { sqlite3 "$tmp/history.db" "$1" 2>/dev/null; }
raw_rows() { sql "SELECT count(*) FROM raw r JOIN meters m ON m.id = r.meter WHERE m.name = '$1'"; }
check '[ "$(sql "PRAGMA integrity_check")" = ok ]' "PRAGMA integrity_check"
check '[ "$(raw_rows wrongkey)" = 0 ] && [ "$(raw_rows wronglu)" = 0 ]' "(c) nothing stored for the wrong-key meters"
check '[ "$(raw_rows rightkey)" -gt 0 ] && [ "$(raw_rows simaidon)" -gt 0 ]' "readings of the other lines are stored"

# The wrong meter restarted with the right key: its readings arrive.
rm -f "$go"
python3 "$here/b_line_garbage.py" line "$tmp/tty-again" "$tmp/wrongkey.frames" 100 0 0 "$go" "$tmp/again.done" &
pids+=($!)
until_ok 10 '[ -e "$tmp/tty-again" ]'
{
	printf '[meter wrongkey]\nsource = serial:%s\nbaud = 2400\nparity = 8E1\nkey = %s\nauth_key = %s\n\n' \
		"$tmp/tty-again" "$K1" "$AK"
	printf '[http]\nlisten = 127.0.0.1:%s\n\n' "$port"
	printf '[store]\npath = %s\nstore_interval = 1\ncommit_interval = 1\n' "$tmp/history.db"
} >"$tmp/again.conf"
start_daemon "$tmp/again.conf"
check 'until_ok 15 "status && meter wrongkey \"m[\\\"source\\\"][\\\"state\\\"] == \\\"running\\\"\""' "the restarted daemon has the line open"
touch "$go"
n=$(sent wrongkey frames)
check 'until_ok 30 "status && meter wrongkey \"m[\\\"readings\\\"] == $n and m[\\\"errors\\\"][\\\"auth\\\"] == 0\""' \
	"(c) restarted with the right key: every reading arrives ($(value wrongkey 'm["readings"]') of $n)"
check 'curl -sf -m 10 "$api/meters/wrongkey/now" -o "$tmp/now.json" && json "$tmp/now.json" "o[\"reading\"][\"encrypted\"] is True"' \
	"(c) ... and /now serves the decrypted reading"
kill -TERM "$daemon"
wait "$daemon"
check '[ $? = 0 ] && [ "$(sql "PRAGMA integrity_check")" = ok ] && [ "$(raw_rows wrongkey)" -gt 0 ]' \
	"SIGTERM: exit 0, integrity ok, the readings stored"

[ "$fail" = 0 ] || { echo "# daemon log:"; tail -30 "$log"; }
finish "line garbage"
