#!/usr/bin/env bash
# Fault: the MQTT broker killed and restarted 20 times.
#
# Debian's mosquitto on a loopback port, without persistence (a restarted broker
# has forgotten every retained message); the daemon reads a simulated DSMR meter
# (sim:dsmr50-nl?speed=10, ten readings a second) and publishes to the broker. The
# broker is killed with SIGKILL and SIGTERM in turn and started again, 20 times:
# in odd cycles it stays away for two status periods, in even ones it is started
# again as soon as the daemon shows it gone, and once (cycle 10) it stays away
# 6 s, long enough for the daemon's reconnect backoff to grow.
#
# What must hold, asserted:
#  - while the broker is away, /api/v1/status answers within 3 s (every request
#    made then), with MQTT "disconnected" and the cause in last_error;
#  - readings and storing go on meanwhile: in the cycles where it stays away, the
#    reading count and the store's commit count grow between two statuses that
#    both show MQTT disconnected;
#  - after each restart, within 20 s: MQTT "connected" with last_error null and
#    the connect count one more than before; a subscriber that connects after the
#    restart gets state messages, the retained Home Assistant discovery and the
#    retained availability "online" (the broker forgot them all, so the daemon
#    sent them again);
#  - messages meant for the broker while it was away are counted as dropped;
#  - the daemon never exits, stops cleanly (exit 0) at the end (under ASan: no
#    sanitizer or leak report), and leaks no descriptor: after the 20 restarts it
#    has as many open as before them (+-2).
# Loopback only; about 80 s.
set -u
hanp1d=${1:?usage: broker-restart.sh HANP1D}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
[ -x /usr/sbin/mosquitto ] || { echo "broker restart: skipped, no /usr/sbin/mosquitto"; exit 77; }
need mosquitto_sub mosquitto_pub curl python3

port=$(free_port)
http=$(free_port)
api="http://127.0.0.1:$http/api/v1"
cat >"$tmp/broker.conf" <<CONF
persistence false
log_dest file $tmp/broker.log
user root
listener $port 127.0.0.1
allow_anonymous true
CONF
start_broker() {
	/usr/sbin/mosquitto -c "$tmp/broker.conf" >>"$tmp/broker.out" 2>&1 &
	broker=$!
	pids+=("$broker")
	until_ok 10 "mosquitto_pub -p $port -t probe -n 2>/dev/null"
}
check 'start_broker' "mosquitto runs on 127.0.0.1:$port"

cat >"$tmp/hanp1d.conf" <<CONF
[meter m]
source = sim:dsmr50-nl?speed=10

[http]
listen = 127.0.0.1:$http

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 1

[mqtt]
host = 127.0.0.1
port = $port
client_id = hanp1d-faults
CONF
"$hanp1d" -c "$tmp/hanp1d.conf" 2>"$tmp/daemon.log" &
daemon=$!
pids+=("$daemon")

# Every status request: at most 3 s; while the broker is away ($away = yes) the
# slow or failed ones are counted.
slow=0
away=no
status() {
	curl -sf -m 3 "$api/status" -o "$tmp/status.json" || {
		[ "$away" = yes ] && slow=$((slow + 1))
		return 1
	}
}
# is EXPR: EXPR holds on the last status, with `q` its "mqtt" part, `m` the meter
# and `st` the store.
is() {
	json "$tmp/status.json" "(lambda q, m, st: $1)(o['mqtt'], o['meters'][0], o['store'])"
}
val() { # val EXPR: prints EXPR on the last status (q, m, st as for `is`)
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); q, m, st = o["mqtt"], o["meters"][0], o["store"]; print(eval(sys.argv[2]))' \
		"$tmp/status.json" "$1"
}
# sub NAME: a subscriber to everything the daemon publishes, into $tmp/NAME.log
# ("retain topic payload" a line); its pid in $sub.
sub() {
	mosquitto_sub -p "$port" -t 'hanp1d/#' -t 'homeassistant/#' -F '%r %t %p' >"$tmp/$1.log" 2>&1 &
	sub=$!
	pids+=("$sub")
}
got() { grep -q "^[01] $2 $3" "$tmp/$1.log"; } # got LOG TOPIC PAYLOAD-START
# retained TOPIC: the payload the broker keeps for a topic ("" when none).
retained() { mosquitto_sub -p "$port" -t "$1" --retained-only -C 1 -W 2 2>/dev/null; }
# published LOG: the subscriber saw a state, the discovery and "online"; the broker
# keeps the discovery and "online" as retained messages.
published() {
	got "$1" hanp1d/m/state '{' && got "$1" homeassistant/device/hanp1d_m/config '{' &&
		got "$1" hanp1d/status online &&
		retained homeassistant/device/hanp1d_m/config | grep -q '"cmps"' &&
		[ "$(retained hanp1d/status)" = online ]
}

up() { status && is "q['state'] == 'connected' and q['last_error'] is None and q['connects'] == $1 and m['readings'] > 0"; }
check 'until_ok 15 "up 1"' "the daemon is connected to the broker"
sub first
check 'until_ok 10 "published first"' "a subscriber gets state, retained discovery and online"
kill "$sub"
wait "$sub" 2>/dev/null
fd0=$(ls "/proc/$daemon/fd" | wc -l)
dropped0=$(val 'q["dropped"]')

cycles=${FA_CYCLES:-20}
reconnected=0
grew=0
grew_checked=0
sub_ok=0
causes=""
t_all=$(now_ns)
for k in $(seq "$cycles"); do
	sig=KILL
	[ $((k % 2)) = 0 ] && sig=TERM
	kill -s "$sig" "$broker"
	wait "$broker" 2>/dev/null
	t_down=$(now_ns)
	away=yes
	down() { status && is "q['state'] == 'disconnected' and bool(q['last_error'])"; }
	if ! until_ok 10 down; then
		bad "cycle $k (SIG$sig): the status does not show MQTT disconnected with a cause: $(val q)"
	else
		cause=$(val 'q["last_error"]')
		case "$causes" in *"[$cause]"*) ;; *) causes="$causes[$cause]" ;; esac
		if [ $((k % 2)) = 1 ] || [ "$k" = 10 ]; then
			grew_checked=$((grew_checked + 1))
			r0=$(val 'm["readings"]')
			c0=$(val 'st["commits"]')
			# Both counts grow in the next status that still shows the broker away.
			more() { status && is "m['readings'] > $r0 and st['commits'] > $c0 and q['state'] == 'disconnected'"; }
			if until_ok 10 more; then
				grew=$((grew + 1))
			else
				bad "cycle $k: readings and commits did not grow while the broker was away ($r0, $c0 -> $(val '(m["readings"], st["commits"])'))"
			fi
		fi
		if [ "$k" = 10 ]; then
			while [ "$(ms_since "$t_down")" -lt 6000 ]; do
				status || true
				sleep 0.5
			done
		fi
	fi
	if ! kill -0 "$daemon" 2>/dev/null; then
		wait "$daemon"
		bad "cycle $k: the daemon exited (status $?): $(tail -n 3 "$tmp/daemon.log")"
		break
	fi
	down_ms=$(ms_since "$t_down")
	away=no
	start_broker || { bad "cycle $k: mosquitto did not start again"; break; }
	t_up=$(now_ns)
	sub "sub-$k"
	if until_ok 20 "up $((k + 1))"; then
		reconnected=$((reconnected + 1))
	else
		bad "cycle $k: not connected again within 20 s of the restart: $(val q)"
	fi
	if until_ok 10 "published sub-$k"; then
		sub_ok=$((sub_ok + 1))
	else
		bad "cycle $k: the subscriber did not get state, retained discovery and online: $(cut -d" " -f1,2 "$tmp/sub-$k.log" | sort | uniq -c | tr "\n" ";")"
	fi
	kill "$sub"
	wait "$sub" 2>/dev/null
	echo "# cycle $k: SIG$sig, away $down_ms ms, connected and published again $(ms_since "$t_up") ms after the restart"
done
echo "# $cycles restarts in $(ms_since "$t_all") ms; causes shown: $causes"
check '[ "$reconnected" = "$cycles" ]' "connected again after each of the $cycles restarts ($reconnected)"
check '[ "$sub_ok" = "$cycles" ]' \
	"after each restart a subscriber got state messages and the retained discovery and online again ($sub_ok)"
check '[ "$grew_checked" -ge 10 ] && [ "$grew" = "$grew_checked" ]' \
	"readings and commits went on while the broker was away ($grew of $grew_checked cycles checked)"
check '[ "$slow" = 0 ]' "/api/v1/status answered every request within 3 s ($slow did not)"
status
dropped1=$(val 'q["dropped"]')
check '[ "$dropped1" -gt "$dropped0" ]' "messages while the broker was away are counted as dropped ($dropped0 -> $dropped1)"
check 'kill -0 "$daemon"' "the daemon runs after $cycles broker restarts"
sleep 1 # a status request's connection may still be closing
fd1=$(ls "/proc/$daemon/fd" | wc -l)
check '[ "$fd1" -ge $((fd0 - 2)) ] && [ "$fd1" -le $((fd0 + 2)) ]' \
	"no descriptor leak: $fd0 open before the restarts, $fd1 after"
kill -TERM "$daemon"
wait "$daemon"
rc=$?
check '[ "$rc" = 0 ]' "SIGTERM: exit 0 ($rc)"
check '! grep -q -E "AddressSanitizer|LeakSanitizer|runtime error" "$tmp/daemon.log"' \
	"no sanitizer report in the daemon's log"
[ "$fail" = 0 ] || { echo "# the daemon's log:"; tail -n 40 "$tmp/daemon.log"; }
finish "broker restart"
