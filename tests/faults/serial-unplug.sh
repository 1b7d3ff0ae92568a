#!/usr/bin/env bash
# Fault: the serial meter's device removed and returned 50 times.
#
# The daemon reads a DSMR meter on a pty: a_pty_meter.py writes `hanp1d sim`
# telegrams, five a second, and removes the device (its path unlinked, the pty's
# master closed: the reader sees a hang-up and the path is gone, as when a USB
# adapter is pulled) and returns it 50 times, away for 20 ms to 2.3 s: some
# returns come before the daemon's first reopen attempt (1 s), some after its
# longest backoff (2 s). The daemon starts before the device exists.
#
# What must hold, asserted:
#  - the daemon finds the device that appears after it started;
#  - it never exits or crashes, and stops cleanly (exit 0) at the end (under ASan:
#    no sanitizer or leak report either);
#  - while the device is gone (each gap of 1.2 s and more, long enough for the
#    once-a-second status to show it), /api/v1/status shows the source not
#    running ("retrying") with the cause in plain words: "hang-up (device gone?)"
#    or "No such file or directory (unplugged?)"; the log names the hang-up;
#  - after each return, within 15 s: a telegram written after the return is the
#    reading /now serves (a reading decoded and counted); after every fifth
#    return and the last (the status's counters change once a second, waiting for
#    them every time would double the run), within 15 s: the status shows the
#    source running, the reading count grown since the last such check and the
#    reconnect count equal to the number of returns so far;
#  - no file-descriptor leak: the daemon's open descriptors after the 50 cycles
#    number the same as before them (+-2);
#  - memory: RSS before the cycles, after 10 and after 50 is reported; without
#    ASan (whose quarantine holds freed memory) it grows by less than 8 MiB from
#    cycle 10 to 50.
# Loopback only; about 90 s.
set -u
hanp1d=${1:?usage: serial-unplug.sh HANP1D}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
need curl python3

http=$(free_port)
api="http://127.0.0.1:$http/api/v1"
tty="$tmp/ttyUSB-meter"
asan=no
grep -aq __asan_init "$hanp1d" && asan=yes

cat >"$tmp/hanp1d.conf" <<CONF
[meter home]
source = serial:$tty
baud = 115200
parity = 8N1

[http]
listen = 127.0.0.1:$http

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 1
CONF
"$hanp1d" -c "$tmp/hanp1d.conf" 2>"$tmp/daemon.log" &
daemon=$!
pids+=("$daemon")
check 'until_ok 10 "curl -sf -m 2 $api/status -o $tmp/status.json"' "the daemon answers without its device"
missing_ok() {
	curl -sf -m 2 "$api/status" -o "$tmp/status.json" &&
		json "$tmp/status.json" "o['meters'][0]['source']['state'] == 'retrying' and o['meters'][0]['source']['detail'].endswith('ttyUSB-meter: No such file or directory (unplugged?)')"
}
check 'until_ok 5 missing_ok' "a device missing at the start: retrying, 'No such file or directory (unplugged?)'"

# The gaps, in ms: before the first reopen (1 s), and beyond it (that reopen
# fails; the next comes 2 s later); the same ten five times.
gaps=20,1300,100,600,50,2300,300,20,150,800
gaps="$gaps,$gaps,$gaps,$gaps,$gaps"
"$hanp1d" sim --meter dsmr50-nl --count 3000 >"$tmp/frames.txt"
python3 "$here/a_pty_meter.py" "$tmp/frames.txt" "$tty" "$api" "$daemon" "$gaps" >"$tmp/campaign.out" 2>&1
campaign=$?
grep -v '^{' "$tmp/campaign.out"
tail -n 1 "$tmp/campaign.out" >"$tmp/summary.json"
check '[ "$campaign" = 0 ]' "the campaign held in every cycle (a_pty_meter.py exit $campaign)"
s() { json "$tmp/summary.json" "$1"; }
v() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/summary.json" "$1" 2>/dev/null; }
check 's "o[\"cycles\"] == 50"' "50 removals and returns, readings resumed after each ($(v 'o["cycles"]'))"
check 's "o[\"long_gaps\"] >= 10 and not [f for f in o[\"failures\"] if \"never showed\" in f]"' \
	"the status showed the device gone, with the cause, in each of the $(v 'o["long_gaps"]') long gaps ($(v 'o["gone_seen"]') cycles seen in all)"
check 'grep -q "meter home: .*ttyUSB-meter: hang-up (device gone?)" "$tmp/daemon.log"' \
	"the log says the device hung up"
check 'kill -0 "$daemon"' "the daemon runs after the 50 removals"

read -r fd0 fd1 <<<"$(v '" ".join(map(str, o["fds"]))')"
read -r rss0 rss10 rss1 <<<"$(v '" ".join(map(str, o["rss_kb"]))')"
echo "# 50 cycles in $(v 'o["elapsed_ms"]') ms; descriptors $fd0 before, $fd1 after; RSS $rss0 kB before, $rss10 kB after 10 cycles, $rss1 kB after 50 (ASan: $asan)"
check '[ "${fd1:--1}" -ge $((${fd0:-0} - 2)) ] && [ "$fd1" -le $((fd0 + 2)) ]' \
	"no descriptor leak: ${fd0:-?} open before the cycles, ${fd1:-?} after"
if [ "$asan" = no ]; then
	check '[ "${rss10:-None}" != None ] && [ "${rss1:--1}" -gt 0 ] && [ $((rss1 - rss10)) -lt 8192 ]' \
		"RSS grew less than 8 MiB from cycle 10 to 50 (${rss10:-?} -> ${rss1:-?} kB)"
fi

kill -TERM "$daemon"
wait "$daemon"
rc=$?
# Waited for: the cleanup must not signal its number, which the system may give to
# another process now.
pids=()
check '[ "$rc" = 0 ]' "SIGTERM after the campaign: exit 0 ($rc)"
check '! grep -q -E "AddressSanitizer|LeakSanitizer|runtime error" "$tmp/daemon.log"' \
	"no sanitizer report in the daemon's log"
[ "$fail" = 0 ] || {
	echo "# the daemon's log, less the hang-ups and returns:"
	grep -v -e 'hang-up (device gone?)' -e ': open again' "$tmp/daemon.log" | tail -n 60
}
finish "serial unplug"
