#!/usr/bin/env bash
# Fault: abusive HTTP clients on the daemon's loopback port (b_http_abuse.py does
# the talking). What must hold:
# 1. 10,000 malformed or wrong requests, each on its own connection: bad request
#    lines, huge headers and URLs, unknown and invalid methods, bad percent-encoding,
#    absurd query parameters on every /api/v1 and AMS-reader route, truncated
#    requests, binary junk, invalid Content-Length, bodies that are not a price list
#    to POST /api/v1/prices, path traversal (../, %2e%2e, //, backslashes,
#    overlong UTF-8). The daemon keeps running; every well-formed but wrong request
#    gets a 4xx with a JSON error body; no request gets a 5xx (except the 505
#    libmicrohttpd gives a request line with an HTTP version other than 1.0 and
#    1.1); nothing outside www is served (a secret file beside it, /etc/passwd, a
#    hidden file in it); afterwards the API answers as before and the open fds
#    are back at their baseline.
# 2. 50 clients fetch a history answer of several MB (larger than the kernel's
#    socket buffers) and read it a byte a second, while 100 slowloris clients send
#    their headers a byte a second, for 12 s: meanwhile a normal client's
#    /api/v1/meters/home/now is answered (200 within 10 s) every second; after they
#    leave, the daemon's open fds are back at their baseline within 30 s; its RSS
#    (reported) grows by no more than the answers the slow readers hold.
# Loopback only; about 50 s.
set -u
hanp1d=${1:?usage: http-abuse.sh HANP1D}
. "$(dirname "$0")/../lib.sh"
need curl python3
here=$(cd "$(dirname "$0")" && pwd)
abuse() { python3 "$here/b_http_abuse.py" "$@"; }

port=$(free_port)
api="http://127.0.0.1:$port/api/v1"
log=$tmp/daemon.log
# What must never be served: a file beside www and a hidden file in it.
token="SECRET-$RANDOM$RANDOM-$(date +%s%N)"
mkdir -p "$tmp/www/sub" "$tmp/vendor"
echo "<!doctype html><title>ok</title>" >"$tmp/www/index.html"
echo "sub" >"$tmp/www/sub/a.txt"
echo "$token" >"$tmp/www/.hidden"
echo "$token" >"$tmp/secret.txt"
echo "/* vendor */" >"$tmp/vendor/v.js"
cat >"$tmp/hanp1d.conf" <<CONF
[meter home]
source = sim:dsmr50-nl?speed=5

[http]
listen = 127.0.0.1:$port
www_dir = $tmp/www
vendor_dir = $tmp/vendor

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 1

[daemon]
log_level = notice
CONF
start_daemon() {
	"$hanp1d" -c "$tmp/hanp1d.conf" 2>>"$log" &
	daemon=$!
	pids+=("$daemon")
}
now_ok() {
	curl -sf -m 10 "$api/meters/home/now" -o "$tmp/now.json" &&
		json "$tmp/now.json" 'o["reading"]["power_import_w"] >= 0 and o["stale"] is False'
}
fds() { ls "/proc/$daemon/fd" | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$daemon/status"; }
# field FILE KEY: a top-level value of a JSON summary.
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# History for large answers: the daemon makes the file, then raw rows are added
# (10 s apart, going back) while it is stopped.
SEED_ROWS=6000
start_daemon
check 'until_ok 15 now_ok' "the daemon serves readings"
rows_committed() { curl -sf -m 10 "$api/status" -o "$tmp/status.json" && json "$tmp/status.json" 'o["store"]["rows"] > 0'; }
check 'until_ok 10 rows_committed' "the first raw rows are committed"
kill -TERM "$daemon"
wait "$daemon"
check 'abuse seed "$tmp/history.db" "$SEED_ROWS" >/dev/null' "$SEED_ROWS raw rows added to the history"
start_daemon
check 'until_ok 15 now_ok' "the daemon serves readings again"

# Every route once, so what the daemon opens on first use is open for the baseline.
for path in meters status openapi.json config meters/home/now meters/home/history \
	meters/home/energy meters/home/cost meters/home/peaks meters/home/prices meters/home/history.csv; do
	curl -s -m 10 -o /dev/null "$api/$path"
done
curl -s -m 10 -o /dev/null "http://127.0.0.1:$port/data.json"
curl -s -m 10 -o /dev/null "http://127.0.0.1:$port/"
fd0=$(fds)
rss0=$(rss_kb)

# ---- 1. the flood ----
# The requests come from a seed (HANP1D_FAULT_SEED, default 1; "random" draws one).
seed=${HANP1D_FAULT_SEED:-1}
[ "$seed" = random ] && seed=$((RANDOM * 32768 + RANDOM))
echo "# http abuse: flood seed $seed (HANP1D_FAULT_SEED=$seed repeats it)"
t0=$(now_ns)
abuse flood "$port" 10000 "$seed" "$tmp/secret.txt" home >"$tmp/flood.json"
check '[ "$(field "$tmp/flood.json" requests)" = 10000 ]' "10,000 abusive requests made"
echo "# http abuse: 10,000 requests in $(ms_since "$t0") ms, slowest $(field "$tmp/flood.json" max_s) s"
echo "# http abuse: statuses $(field "$tmp/flood.json" statuses) (None: closed without an answer)"
echo "# http abuse: kinds $(field "$tmp/flood.json" by_kind)"
violations=$(field "$tmp/flood.json" violations)
check '[ "$violations" = 0 ]' "every answer is what must hold ($violations violations)"
if [ "$violations" != 0 ]; then
	python3 -c 'import json,sys; [print("#   ", e) for e in json.load(open(sys.argv[1]))["examples"]]' "$tmp/flood.json"
fi
check 'kill -0 "$daemon"' "the daemon survives the flood"
check 'now_ok' "a normal request is answered after the flood"
code=$(curl -s -m 10 -o "$tmp/404.json" -w '%{http_code}' "$api/nosuch")
check '[ "$code" = 404 ] && json "$tmp/404.json" "o[\"error\"]"' "an unknown endpoint is still a JSON 404"
# Connections the flood left half-closed end at the server's idle timeout (15 s).
check 'until_ok 30 "[ \$(fds) -le $fd0 ]"' "open fds back at the baseline after the flood ($(fds), baseline $fd0)"
echo "# http abuse: RSS $rss0 kB before the flood, $(rss_kb) kB after"

# ---- 2. slow readers and slowloris ----
abuse slow "$port" "$daemon" home 50 100 12 "$SEED_ROWS" >"$tmp/slow.json"
s() { field "$tmp/slow.json" "$1"; }
echo "# http abuse: slow clients: $(cat "$tmp/slow.json")"
answer=$(s answer_bytes)
check '[ "$(s answer_status)" = 200 ] && [ "$answer" -gt 4194304 ]' \
	"the slow readers' answer is larger than a socket buffer ($answer bytes)"
# The slowloris connections are held for sure; a slow reader's too unless the
# kernel took its whole answer.
check '[ "$(s fd_during)" -ge $((fd0 + 90)) ] && [ "$(s loris_connected_at_end)" -ge 90 ]' \
	"the daemon held the slow connections to the end ($(s fd_during) fds, baseline $fd0)"
check '[ "$(s probes)" -ge 8 ] && [ "$(s probes_ok)" = "$(s probes)" ]' \
	"a normal client's /now is answered every second while they are connected ($(s probes_ok) of $(s probes), slowest $(s probe_ms_max) ms)"
check '[ "$(s fd_after)" -le "$(s fd_baseline)" ]' \
	"open fds back at the baseline after the slow clients left ($(s fd_after), baseline $(s fd_baseline), after $(s fd_back_s) s)"
# RSS: what the slow readers' answers hold (a history answer is kept whole until it
# is sent), and no more.
bound_kb=$((50 * answer * 2 / 1024 + 131072))
grown_kb=$(($(s rss_kb_peak) - $(s rss_kb_baseline)))
check '[ "$grown_kb" -le "$bound_kb" ]' \
	"RSS grew by $grown_kb kB with 50 slow readers of $((answer / 1024)) kB answers (bound $bound_kb kB)"
echo "# http abuse: RSS $(s rss_kb_baseline) kB before the slow clients, peak $(s rss_kb_peak) kB, $(s rss_kb_after) kB after"
check 'kill -0 "$daemon" && now_ok' "the daemon runs on and answers"

kill -TERM "$daemon"
wait "$daemon"
check '[ $? = 0 ]' "SIGTERM: exit 0"
[ "$fail" = 0 ] || { echo "# daemon log:"; tail -30 "$log"; }
finish "http abuse"
