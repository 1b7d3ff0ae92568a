#!/usr/bin/env bash
# The soak test: DAYS simulated days (default 30) through one daemon at high speed,
# with an MQTT subscriber and an HTTP client attached all along.
#
# The daemon stamps readings, fills buckets, commits and prunes by its wall clock,
# so the whole process runs on a faster clock: libfaketime (Debian's libfaketime)
# starts it at 2026-03-01 00:00 Europe/Oslo and runs its clocks SOAK_SPEED times
# real time (default 2000: 30 days in about 22 minutes). Its built-in simulated DSMR
# meter (sim:dsmr50-nl at speed 1) then sends one telegram a simulated second,
# thousands a real second. The 30 days cross the spring DST change (2026-03-29, a
# 23-hour day). poll_shim.c fixes libfaketime's poll() timeouts (see there).
#
# Beside it, on loopback: mosquitto with a subscriber counting state messages
# (subscriber.py); driver.py polling /now once a real second, fetching a day of raw
# rows and the daily buckets now and then, and sampling every 5 real seconds the
# daemon's RSS, peak RSS, fds, threads, CPU, the database's size and the status
# counters into OUT/samples.csv. Then SIGTERM (exit 0), an integrity check, and
# check.py on the file: the daily buckets hold the registers' growth, DAYS days
# (+1 partial), raw rows only for the last raw_days, RSS/fds/threads flat, state
# messages throughout. A summary table (OUT/summary.txt) and a plot (OUT/soak.png,
# with gnuplot) of the curves against simulated days.
#
# usage: soak.sh HANP1D [DAYS]
# OUT is $SOAK_OUT, else soak/ beside HANP1D (the build directory). SOAK_SPEED sets
# the speed, RSS_MARGIN_KB the allowed RSS growth (check.py). Exits 77 without
# libfaketime, mosquitto, a C compiler or the other tools. Labelled `soak`: not in
# the default test run (ctest -LE soak); see tests/soak/README.md.
set -u
hanp1d=${1:?usage: soak.sh HANP1D [DAYS]}
days=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
need curl sqlite3 python3 mosquitto_sub cc
[ -x /usr/sbin/mosquitto ] || { echo "skipped, no /usr/sbin/mosquitto"; exit 77; }
# The multi-threaded variant: the daemon has source, MQTT and HTTP threads.
libfaketime=""
for lib in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -e "$lib" ] && libfaketime=$lib && break
done
[ -n "$libfaketime" ] || { echo "skipped, no libfaketimeMT.so.1 (apt-get install faketime)"; exit 77; }
hanp1d=$(cd "$(dirname "$hanp1d")" && pwd)/$(basename "$hanp1d")
# ASan's runtime must come first among the libraries, before any preloaded one.
if ldd "$hanp1d" 2>/dev/null | grep -q libasan; then
	echo "skipped, a sanitizer build: libfaketime cannot be preloaded before ASan"
	exit 77
fi

speed=${SOAK_SPEED:-2000}
out=${SOAK_OUT:-$(dirname "$hanp1d")/soak}
mkdir -p "$out"
rm -f "$out"/{samples.csv,first_raw.json,api_days.json,driver.json,mqtt.json,summary.txt,check.counts,soak.png,daemon.log}
# raw_days below DAYS, so that pruning runs for the last part of the soak.
raw_days=7
[ "$days" -le "$raw_days" ] && raw_days=$((days > 1 ? days - 1 : 1))
store_interval=10
zone=Europe/Oslo
start_utc="2026-02-28 23:00:00" # 2026-03-01 00:00 in Oslo: day buckets start with it
start_ms=$(($(date -u -d "$start_utc" +%s) * 1000))
# Limits counted in simulated seconds would shrink to milliseconds of real time; a
# scheduler hiccup on a loaded machine would pass for a silent meter or a dead
# broker. These two are set to 2 real seconds (everything else keeps its default).
two_s=$((2 * ${speed%.*}))
keepalive=$((two_s > 65535 ? 65535 : two_s < 60 ? 60 : two_s))
stale_after=$((two_s > 86400 ? 86400 : two_s < 30 ? 30 : two_s))
nominal_s=$(python3 -c "print(round($days * 86400 / $speed))")
deadline_s=$((nominal_s * 3 + 300))
echo "soak: $days simulated days at x$speed (about $((nominal_s / 60)) real minutes), output in $out"

cc -O2 -shared -fPIC -o "$tmp/poll_shim.so" "$here/poll_shim.c" || {
	echo "soak: cannot build poll_shim.c"
	exit 1
}

# ---- the broker and the subscriber ----
mport=$(free_port)
cat >"$tmp/broker.conf" <<CONF
persistence false
log_dest file $tmp/broker.log
user root
listener $mport 127.0.0.1
allow_anonymous true
CONF
/usr/sbin/mosquitto -c "$tmp/broker.conf" >"$tmp/broker.out" 2>&1 &
broker=$!
pids+=("$broker")
check 'until_ok 10 "mosquitto_pub -p $mport -t probe -n 2>/dev/null"' "mosquitto runs on 127.0.0.1:$mport"
python3 "$here/subscriber.py" "$mport" hanp1d/soak/state "$out/mqtt.json" &
subscriber=$!
pids+=("$subscriber")
until_ok 10 '[ -s "$out/mqtt.json" ] && grep -q "as soak-subscriber" "$tmp/broker.log"'

# ---- the daemon, on the fast clock ----
http=$(free_port)
api="http://127.0.0.1:$http/api/v1"
cat >"$tmp/hanp1d.conf" <<CONF
[meter soak]
source = sim:dsmr50-nl?speed=1

[http]
listen = 127.0.0.1:$http

[store]
path = $tmp/history.db
raw_days = $raw_days
store_interval = $store_interval

[mqtt]
host = 127.0.0.1
port = $mport
client_id = hanp1d-soak
keepalive = $keepalive

[daemon]
timezone = $zone
stale_after = $stale_after
CONF
cp "$tmp/hanp1d.conf" "$out/hanp1d.conf"
"$hanp1d" --check-config -c "$tmp/hanp1d.conf" >"$tmp/check-config.out" 2>&1
check '[ $? = 0 ]' "the soak configuration is valid ($(tail -c 300 "$tmp/check-config.out"))"
HP_SOAK_RATE=$speed LD_PRELOAD="$tmp/poll_shim.so $libfaketime" FAKETIME="@$start_utc x$speed" \
	TZ=UTC "$hanp1d" -c "$tmp/hanp1d.conf" 2>"$out/daemon.log" &
daemon=$!
pids+=("$daemon")
reading_served() {
	curl -sf "$api/meters/soak/now" -o "$tmp/now.json" && json "$tmp/now.json" 'o["reading"]'
}
check 'until_ok 20 reading_served' "the daemon answers with a reading on its fast clock"
check 'json "$tmp/now.json" "o[\"time\"].startswith(\"2026-0\")"' \
	"the reading is stamped with the simulated time ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("time"))' "$tmp/now.json" 2>/dev/null))"

# ---- DAYS days ----
t0=$(now_ns)
python3 "$here/driver.py" "$api" "$daemon" "$tmp/history.db" "$out" soak "$start_ms" "$days" \
	"$out/mqtt.json" "$deadline_s"
driver=$?
check '[ "$driver" = 0 ]' "all $days days simulated within $deadline_s real seconds, the daemon alive (driver: $driver)"
# Nothing here signals the daemon before the stop below: a stop logged already came
# from outside the test.
if grep -q "^<5>signal" "$out/daemon.log"; then
	bad "the daemon was stopped from outside the test: $(grep "^<5>signal" "$out/daemon.log")"
fi

check 'kill -0 "$broker" 2>/dev/null' "the broker ran to the end (nothing else stopped it)"

# ---- the stop ----
t_stop=$(now_ns)
kill -TERM "$daemon" 2>/dev/null
wait "$daemon"
rc=$?
check '[ "$rc" = 0 ]' "the daemon exits 0 on SIGTERM after $(ms_since "$t_stop") ms (status $rc)"
kill -TERM "$subscriber"
wait "$subscriber"
kill -TERM "$broker"
wait "$broker" 2>/dev/null
check '[ "$(sqlite3 "$tmp/history.db" "PRAGMA integrity_check" 2>&1)" = ok ]' "PRAGMA integrity_check: ok"
check '! grep -q "^<[0-3]>" "$out/daemon.log"' \
	"no error in the daemon's log ($(grep -m 3 "^<[0-3]>" "$out/daemon.log" | tr '\n' ' '))"
echo "soak: $(grep -c "" "$out/daemon.log") log lines; the last: $(tail -1 "$out/daemon.log")"

# ---- the end state ----
if [ -s "$out/samples.csv" ]; then
	python3 "$here/check.py" "$out" "$tmp/history.db" soak "$start_ms" "$days" "$raw_days" \
		"$store_interval" "$speed"
fi
if [ -s "$out/check.counts" ]; then
	read -r p f <"$out/check.counts"
	pass=$((pass + p))
	fail=$((fail + f))
else
	bad "check.py did not finish"
fi
if command -v gnuplot >/dev/null; then
	gnuplot -e "in='$out/samples.csv'; out='$out/soak.png'; days=$days; raw_days=$raw_days" \
		"$here/plot.gp"
	check '[ -s "$out/soak.png" ]' "the plot $out/soak.png"
else
	echo "soak: no gnuplot (apt-get install gnuplot-nox): no plot"
fi
echo "soak: $(($(ms_since "$t0") / 60000)) real minutes; samples in $out/samples.csv"
finish soak
