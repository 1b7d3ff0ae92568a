#!/usr/bin/env bash
# Fault: the state directory fills up. The history lives on a small tmpfs of its own
# (mounting it needs root: skipped with 77 otherwise); a filler file takes the last
# block while the daemon runs 8 simulated meters (a raw row a second each, a commit
# a second). What must hold:
# 1. Disk full while running: the daemon neither crashes nor exits; /api/v1/status
#    counts store failures and its store.last_error names the full disk, and so does
#    the log; live values (/api/v1/meters/NAME/now) keep coming and the history
#    stays readable; pushed prices are taken (the file that keeps them cannot be
#    written: a log line says so).
# 2. Space comes back: within 15 s the store commits again by itself, last_error is
#    null again and the log says writing works again; the raw rows queued during
#    the outage are written (no hole in the raw series).
# 3. A longer outage fills the store's queue (256 rows): readings refused beyond
#    it are logged (never a silent loss), once a minute per meter rather than
#    once a reading; the daemon runs on, and recovers when space returns (no
#    refusals after that).
# 4. Every raw row committed before the disk filled is still there after a clean
#    stop (SIGTERM: exit 0), and PRAGMA integrity_check says ok.
# 5. Full at start: with an existing database the daemon starts, serves live
#    values, shows the error in the status and recovers when space returns, without
#    mapping a -shm file; a new database on a full disk is refused (exit 1, the log
#    names the full disk), and the same path works once there is space.
# Loopback only; about 70 s.
set -u
hanp1d=${1:?usage: disk-full.sh HANP1D}
. "$(dirname "$0")/../lib.sh"
need curl sqlite3 python3 dd df mount umount
if [ "$(id -u)" != 0 ]; then
	echo "disk full: skipped, mounting a tmpfs needs root"
	exit 77
fi
mnt=$tmp/state
# The mount goes before $tmp is removed, and after the daemon is gone (busy else).
unmount_cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	cleanup
}
trap unmount_cleanup EXIT
mkdir "$mnt"
if ! mount -t tmpfs -o size=2m,mode=0700 hanp1d-disk-full "$mnt" 2>"$tmp/mount.err"; then
	echo "disk full: skipped, cannot mount a tmpfs: $(cat "$tmp/mount.err")"
	exit 77
fi

db=$mnt/history.db
log=$tmp/daemon.log
port=$(free_port)
api="http://127.0.0.1:$port/api/v1"
METERS="m1 m2 m3 m4 m5 m6 m7 m8"
# write_config FILE DB
write_config() {
	{
		for m in $METERS; do printf '[meter %s]\nsource = sim:dsmr50-nl?speed=5\n\n' "$m"; done
		printf '[http]\nlisten = 127.0.0.1:%s\n\n' "$port"
		printf '[store]\npath = %s\nstore_interval = 1\ncommit_interval = 1\n\n' "$2"
		printf '[daemon]\nlog_level = info\n'
	} >"$1"
}
write_config "$tmp/hanp1d.conf" "$db"
start_daemon() { # start_daemon CONFIG
	"$hanp1d" -c "$1" 2>>"$log" &
	daemon=$!
	pids+=("$daemon")
}
# stop_daemon: SIGTERM, at most 30 s; its exit status in $stopped.
stop_daemon() {
	kill -TERM "$daemon"
	until_ok 30 '! kill -0 "$daemon" 2>/dev/null'
	wait "$daemon"
	stopped=$?
}

now_ms() { echo $(($(now_ns) / 1000000)); }
status() { curl -sf -m 10 "$api/status" -o "$tmp/status.json"; }
# store_is EXPR: EXPR holds with `s` the store part of a fresh status.
store_is() {
	status && python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["store"]; sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/status.json" "$1" 2>/dev/null
}
# until_store SECONDS EXPR: store_is EXPR within SECONDS.
until_store() {
	want=$2
	until_ok "$1" 'store_is "$want"'
}
store_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["store"][sys.argv[2]])' "$tmp/status.json" "$1" 2>/dev/null
}
# fill / unfill: the filler takes every free block (dd stops at ENOSPC).
fill() {
	dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
	[ "$(df --output=avail "$mnt" | tail -1 | tr -d ' ')" = 0 ]
}
unfill() { rm -f "$mnt/filler"; }
# raw_times METER FILE: the meter's raw row times (t_ms) the API serves, one a line.
raw_times() {
	curl -sf -m 20 "$api/meters/$1/history?resolution=raw&from=2000-01-01T00:00:00Z&limit=10000" |
		python3 -c 'import json,sys; [print(r["t_ms"]) for r in json.load(sys.stdin)]' >"$2" 2>/dev/null
}
# reading_time METER: the time of the meter's live reading.
reading_time() {
	curl -sf -m 10 "$api/meters/$1/now" |
		python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["time"] if not o["stale"] else "stale")' 2>/dev/null
}
# live_now: m1 has a fresh live reading.
live_now() {
	local t
	t=$(reading_time m1) && [ -n "$t" ] && [ "$t" != stale ]
}
# live_goes_on: two live readings a second apart, the second newer.
live_goes_on() {
	local t1 t2
	t1=$(reading_time m1) || return 1
	sleep 1.2
	t2=$(reading_time m1) || return 1
	[ -n "$t1" ] && [ "$t1" != stale ] && [ "$t2" != stale ] && [[ "$t2" > "$t1" ]]
}
refused() { grep -c "readings not stored" "$log"; }

# ---- 1. full while running ----
start_daemon "$tmp/hanp1d.conf"
check 'until_store 15 "s[\"commits\"] >= 2 and s[\"rows\"] >= 16"' \
	"the store commits rows before the disk fills"
for m in $METERS; do raw_times "$m" "$tmp/before-$m"; done
before=$(cat "$tmp"/before-m* | wc -l)
check '[ "$before" -ge 8 ]' "committed raw rows are served before the disk fills ($before)"
status
f0=$(store_field failures)
fill_ms=$(now_ms)
check 'fill' "the filler takes the last free block"
full_error='s["failures"] > '"$f0"' and "full" in (s["last_error"] or "")'
check 'until_store 15 "$full_error"' "status: store failures count and last_error names the full disk"
echo "# disk full: store.last_error: $(store_field last_error)"
check 'grep -q "store: commit to $db failed.*disk is full" "$log"' "the log names the full disk"
check 'kill -0 "$daemon"' "the daemon runs on with a full disk"
check 'live_goes_on' "live values keep coming while the disk is full"
check 'raw_times m1 "$tmp/during-m1" && [ "$(wc -l <"$tmp/during-m1")" -ge "$(wc -l <"$tmp/before-m1")" ]' \
	"the history stays readable while the disk is full"
curl -sf -m 10 "http://127.0.0.1:$port/metrics" -o "$tmp/metrics"
check 'grep -Eq "^hanp1d_store_failures_total [1-9]" "$tmp/metrics"' "/metrics counts the failed commits"
code=$(curl -s -m 10 -o "$tmp/prices.json" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '[{"start": "2025-10-01T00:00:00Z", "end": "2025-10-01T00:15:00Z", "price": 1.5}]' "$api/prices")
check '[ "$code" = 200 ] && until_ok 5 "grep -q \"prices: cannot save.*No space left on device\" \"\$log\""' \
	"pushed prices are taken with a full disk, and the log says they cannot be kept ($code)"
sleep 2

# ---- 2. space comes back ----
status
c0=$(store_field commits)
unfill_ms=$(now_ms)
unfill
t0=$(now_ns)
check 'until_store 15 "s[\"commits\"] > $c0 and s[\"last_error\"] is None"' \
	"the store commits again by itself and last_error clears"
echo "# disk full: the store recovered $(ms_since "$t0") ms after space came back"
check 'grep -q "store: writing $db works again" "$log"' "the log says writing works again"
# The rows of the outage were kept and written: no hole in the raw series (a row a
# second; a loaded machine may stall a reading or two).
raw_times m1 "$tmp/after-m1"
holes() {
	python3 - "$tmp/after-m1" "$fill_ms" "$unfill_ms" <<'PY'
import sys
t = [int(x) for x in open(sys.argv[1]).read().split()]
lo, hi = int(sys.argv[2]), int(sys.argv[3])
win = [x for x in t if lo - 3000 <= x <= hi + 3000]
gap = max((b - a for a, b in zip(win, win[1:])), default=10**9)
inside = len([x for x in win if lo <= x <= hi])
print(f"# disk full: {inside} raw rows of m1 from the {(hi - lo) / 1000:.1f} s outage, largest gap {gap} ms")
sys.exit(0 if gap <= 3000 and inside >= (hi - lo) / 2000 else 1)
PY
}
check 'holes' "the raw rows queued during the outage are written: no hole in the series"

# ---- 3. a long outage: the store's queue fills ----
status
f0=$(store_field failures)
fill
t0=$(now_ns)
check 'until_ok 90 "[ \"\$(refused)\" -gt 0 ]"' "readings beyond the full queue are refused with a log line"
echo "# disk full: the queue was full $(ms_since "$t0") ms after the disk (8 rows a second, 256 rows)"
n1=$(refused)
sleep 2
n2=$(refused)
echo "# disk full: $((n2 - n1)) 'readings not stored' log lines in 2 s while the queue is full"
sleep 2
n3=$(refused)
check '[ "$n2" -le 8 ] && [ "$n3" = "$n2" ]' \
	"the refusals are logged once a minute per meter, not once a reading ($n1, $n2, $n3)"
check 'kill -0 "$daemon"' "the daemon runs on with its queue full"
check 'live_goes_on' "live values keep coming with the queue full"
check 'store_is "$full_error"' "status still names the full disk"
status
c0=$(store_field commits)
unfill
check 'until_store 15 "s[\"commits\"] > $c0 and s[\"last_error\"] is None"' \
	"the store recovers after the long outage too"
n1=$(refused)
sleep 2
check '[ "$(refused)" = "$n1" ]' "no reading is refused once space is back"
back_ms=$(now_ms)
check 'until_ok 10 "raw_times m1 \"$tmp/late-m1\" && [ \"\$(sort -n \"$tmp/late-m1\" | tail -1)\" -gt $back_ms ]"' \
	"new raw rows are written after the long outage"

# ---- 4. a clean stop: everything committed before is there ----
stop_daemon
check '[ "$stopped" = 0 ]' "SIGTERM: exit 0 ($stopped)"
check '[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ]' "PRAGMA integrity_check after the outages"
# all_kept: every raw row committed before the disk filled is still in the file.
all_kept() {
	local m missing=0
	for m in $METERS; do
		sqlite3 "$db" "SELECT r.t_ms FROM raw r JOIN meters m ON m.id = r.meter WHERE m.name = '$m'" |
			sort >"$tmp/db-$m"
		missing=$((missing + $(sort "$tmp/before-$m" | comm -23 - "$tmp/db-$m" | wc -l)))
	done
	[ "$missing" = 0 ]
}
check 'all_kept' "every raw row committed before the disk filled is still there ($before rows)"
rows_end=$(sqlite3 "$db" "SELECT count(*) FROM raw")

# ---- 5. full at start ----
check 'fill' "the disk is full again before a start"
start_daemon "$tmp/hanp1d.conf"
check 'until_ok 15 live_now' \
	"a start on a full disk with an existing database: live values are served"
check 'until_store 15 "s[\"failures\"] > 0 and \"full\" in (s[\"last_error\"] or \"\")"' \
	"... and the status names the full disk"
check '[ ! -e "$db-shm" ]' "... and no -shm file is mapped (the WAL index stays in memory)"
unfill
check 'until_store 15 "s[\"commits\"] > 0 and s[\"last_error\"] is None"' \
	"... and the store recovers when space returns"
stop_daemon
check '[ "$stopped" = 0 ] && [ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ]' \
	"SIGTERM after a start on a full disk: exit 0, integrity ok"
check 'all_kept && [ "$(sqlite3 "$db" "SELECT count(*) FROM raw")" -gt "$rows_end" ]' \
	"the rows from before are there, and new ones"
check '! ls "$mnt" | grep -q corrupt' "no database was moved aside as corrupt"

# A new database on a full disk cannot even be made: refused with a clear message.
write_config "$tmp/fresh.conf" "$mnt/fresh.db"
fill
: >"$log"
start_daemon "$tmp/fresh.conf"
check 'until_ok 20 "! kill -0 \"\$daemon\" 2>/dev/null"' "a new database on a full disk: the daemon stops"
wait "$daemon"
rc=$?
check '[ "$rc" = 1 ] && grep -q "history $mnt/fresh.db: .*full" "$log"' \
	"... with exit 1 and the full disk named ($rc: $(grep "fresh.db" "$log" | head -1))"
unfill
start_daemon "$tmp/fresh.conf"
check 'until_store 15 "s[\"commits\"] > 0"' "the same path works once there is space"
stop_daemon
check '[ "$stopped" = 0 ] && [ "$(sqlite3 "$mnt/fresh.db" "PRAGMA integrity_check")" = ok ]' \
	"... exit 0 and integrity ok"

# A failure shows what the daemon said (sanitizer reports included).
[ "$fail" = 0 ] || { echo "# daemon log, without the refusals:"; grep -v "readings not stored" "$log" | tail -30; }
finish "disk full"
