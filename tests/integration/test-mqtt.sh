#!/usr/bin/env bash
# hanp1d against a real broker: Debian's mosquitto on loopback ports (plain,
# password, TLS with a CA made here), the daemon on the built-in simulator and on a
# pty, subscribers with mosquitto_sub. Asserted on what a subscriber receives:
# discovery payloads (every field against home-assistant.md's rules), state
# payloads equal to /api/v1/meters/NAME/now, the running figures every 10 s from
# a meter whose frames mostly lack registers, availability and the last wills of
# the daemon and of each meter (SIGKILL), reconnection after the broker was away
# 10 s (plain and TLS: a refused TLS connection shows at once), Home Assistant's
# birth message, the command topic, password and TLS logins (and their failures in
# /api/v1/status), discovery removal (discovery off, a meter removed, another
# discovery_prefix and base_topic), `offline` while a meter is stale, prices
# published to hanp1d/prices, and the latency from a frame's last byte on the pty
# to the subscriber. About 40 s.
set -u
hanp1d=${1:?usage: test-mqtt.sh HANP1D}
[ -x /usr/sbin/mosquitto ] || { echo "mqtt: skipped, no /usr/sbin/mosquitto"; exit 77; }
for tool in mosquitto_sub mosquitto_pub mosquitto_passwd openssl curl python3; do
	command -v "$tool" >/dev/null || { echo "mqtt: skipped, no $tool"; exit 77; }
done
. "$(dirname "$0")/../lib.sh"

# ---- certificates, passwords, the broker ----

(
	cd "$tmp" || exit 1
	ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj /CN=hanp1d-test-ca
	openssl req $ec -keyout server.key -out server.csr -subj /CN=127.0.0.1
	printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-out server.crt -days 2 -extfile san.ext
	openssl req -x509 $ec -keyout other.key -out other-ca.crt -days 2 -subj /CN=another-ca
	mosquitto_passwd -c -b passwd meter s3cret-pw
) >"$tmp/setup.log" 2>&1
check '[ -s "$tmp/server.crt" ] && [ -s "$tmp/other-ca.crt" ] && [ -s "$tmp/passwd" ]' \
	"openssl made a CA, a server certificate and another CA; mosquitto_passwd a password file"

port=$(free_port)
port_auth=$(free_port)
port_tls=$(free_port)
cat >"$tmp/broker.conf" <<CONF
per_listener_settings true
persistence false
# Nagle's algorithm on the broker's sockets would hold a message back for the
# subscriber's delayed ACK (tens of ms), hiding the daemon's own latency.
set_tcp_nodelay true
log_dest file $tmp/broker.log
user root
listener $port 127.0.0.1
allow_anonymous true
listener $port_auth 127.0.0.1
allow_anonymous false
password_file $tmp/passwd
listener $port_tls 127.0.0.1
allow_anonymous true
cafile $tmp/ca.crt
certfile $tmp/server.crt
keyfile $tmp/server.key
CONF
start_broker() {
	/usr/sbin/mosquitto -c "$tmp/broker.conf" >>"$tmp/broker.out" 2>&1 &
	broker=$!
	pids+=("$broker")
	until_ok 5 "mosquitto_pub -p $port -t probe -n 2>/dev/null"
}
start_broker
check 'kill -0 "$broker"' "mosquitto runs on loopback ports $port (plain), $port_auth (password), $port_tls (TLS)"

# sub NAME ARGS...: every message as "epoch.ns retain topic payload" in $tmp/NAME.log.
sub() {
	local name=$1
	shift
	mosquitto_sub -p "$port" -F '%U %r %t %p' "$@" >"$tmp/$name.log" 2>&1 &
	pids+=("$!")
}
# Messages on a topic in a log, and the latest payload.
count_on() { grep -c "^[0-9.]* [01] $2 " "$tmp/$1.log"; }
last_on() { grep "^[0-9.]* [01] $2 " "$tmp/$1.log" | tail -1 | cut -d' ' -f4-; }
has() { [ "$(count_on "$1" "$2")" -gt "${3:-0}" ]; }
# retained TOPIC [PORT]: the retained payload of a topic now ("" when none).
retained() {
	mosquitto_sub -p "${2:-$port}" -t "$1" --retained-only -C 1 -W 1 2>/dev/null
}
# none_retained TOPIC...: no retained message on any of them (one wait of 1 s).
none_retained() {
	local t args=()
	for t in "$@"; do args+=(-t "$t"); done
	[ -z "$(mosquitto_sub -p "$port" "${args[@]}" --retained-only -W 1 -F %t 2>/dev/null)" ]
}

# The discovery and state checks: home-assistant.md's rules, restated.
cat >"$tmp/ha.py" <<'PY'
import json, sys

M, T = "measurement", "total_increasing"
# key: (name, dev_cla, stat_cla, unit, precision, enabled, diagnostic, topic)
RULES = {
    "power_import_w": ("Power consumption", "power", M, "W", 0, True, False, "power"),
    "power_export_w": ("Power production", "power", M, "W", 0, True, False, "power"),
    "reactive_import_var": ("Reactive power consumption", "reactive_power", M, "var", None, False, False, "power"),
    "reactive_export_var": ("Reactive power production", "reactive_power", M, "var", None, False, False, "power"),
    "apparent_power_va": ("Apparent power", "apparent_power", M, "VA", None, False, False, "power"),
    "power_factor": ("Power factor", "power_factor", M, None, None, False, False, "power"),
    "frequency_hz": ("Frequency", "frequency", M, "Hz", None, False, False, "power"),
    "demand_avg_w": ("Current average demand", "power", M, "W", 0, True, False, "power"),
    "demand_month_max_w": ("Maximum demand current month", "power", M, "W", 0, True, False, "power"),
    "energy_import_kwh": ("Energy consumption (total)", "energy", T, "kWh", 3, True, False, "energy"),
    "energy_export_kwh": ("Energy production (total)", "energy", T, "kWh", 3, True, False, "energy"),
    "reactive_energy_import_kvarh": ("Reactive energy consumption", None, T, "kvarh", None, False, False, "energy"),
    "reactive_energy_export_kvarh": ("Reactive energy production", None, T, "kvarh", None, False, False, "energy"),
    "tariff": ("Active tariff", "enum", None, None, None, True, False, "energy"),
    "power_failures": ("Short power failure count", None, T, None, None, False, True, "energy"),
    "long_power_failures": ("Long power failure count", None, T, None, None, False, True, "energy"),
    "message": ("Text message", None, None, None, None, True, True, "energy"),
    "meter_time": ("Timestamp", "timestamp", None, None, None, True, True, "info"),
    "demand_month_max_time": ("Peak time", "timestamp", None, None, None, True, True, "power"),
}
for n in (1, 2, 3):
    L = "L%d" % n
    RULES["l%d_power_import_w" % n] = ("Power consumption phase " + L, "power", M, "W", 0, False, False, "power")
    RULES["l%d_power_export_w" % n] = ("Power production phase " + L, "power", M, "W", 0, False, False, "power")
    RULES["l%d_current_a" % n] = ("Current phase " + L, "current", M, "A", 2, False, False, "power")
    RULES["l%d_voltage_v" % n] = ("Voltage phase " + L, "voltage", M, "V", 1, False, False, "power")
    RULES["l%d_power_factor" % n] = ("Power factor phase " + L, "power_factor", M, None, None, False, False, "power")
    RULES["l%d_voltage_sags" % n] = ("Voltage sags phase " + L, None, T, None, None, False, True, "energy")
    RULES["l%d_voltage_swells" % n] = ("Voltage swells phase " + L, None, T, None, None, False, True, "energy")
for t in (1, 2, 3, 4):
    RULES["energy_import_t%d_kwh" % t] = ("Energy consumption (tarif %d)" % t, "energy", T, "kWh", 3, True, False, "energy")
    RULES["energy_export_t%d_kwh" % t] = ("Energy production (tarif %d)" % t, "energy", T, "kWh", 3, True, False, "energy")
MBUS = {"gas": ("Gas consumption", "gas", "m\u00b3"), "water": ("Water consumption", "water", "m\u00b3")}
ALLOWED = {"p", "name", "uniq_id", "stat_t", "val_tpl", "dev_cla", "stat_cla", "unit_of_meas",
           "sug_dsp_prc", "exp_aft", "ent_cat", "en", "options", "json_attr_t"}
IDENTITY = {"meter_id", "meter_model", "manufacturer", "list_id", "dsmr_version"}
ENVELOPE = {"protocol", "framing", "encrypted", "authenticated", "meter_time_dst", "mbus",
            "power_failure_log", "demand_month_max_history"}

problems = []


def want(cond, what):
    if not cond:
        problems.append(what)


def disc(payload, meter, base, reading, daemon_status, url):
    """The device discovery payload against the rules and the meter's reading."""
    o = json.loads(payload)
    dev = o["dev"]
    want(dev["ids"][0] == "hanp1d_" + meter, "ids[0]")
    mid = reading.get("meter_id")
    if mid:
        safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in mid)
        want(dev["ids"][1:] == ["hanp1d_" + safe], "ids[1]")
        want(dev.get("sn") == mid, "sn")
    want(dev.get("mf") == reading.get("manufacturer"), "mf")
    want(dev.get("mdl") == reading.get("meter_model"), "mdl")
    want(dev.get("sw") == (reading.get("list_id") or reading.get("dsmr_version")), "sw")
    want(dev.get("cu") == url, "cu %s" % dev.get("cu"))
    want(dev.get("name") == "Electricity meter " + meter, "device name")
    want(o["o"]["name"] == "hanp1d" and o["o"]["sw"], "origin")
    want(o["avty"] == [{"t": daemon_status}, {"t": base + "/status"}], "avty %s" % o["avty"])
    want(o.get("avty_mode") == "all", "avty_mode")
    want(set(o) <= {"dev", "o", "avty", "avty_mode", "qos", "cmps"}, "top-level keys %s" % set(o))
    expected = {k for k in reading if k in RULES and k not in IDENTITY}
    for ch in reading.get("mbus", []):
        if ch.get("kind") in MBUS:
            expected.add("%s_%d" % (ch["kind"], ch["channel"]))
    want(set(o["cmps"]) == expected, "components %s" % (set(o["cmps"]) ^ expected))
    for cid, c in o["cmps"].items():
        want(set(c) <= ALLOWED, "%s: keys %s" % (cid, set(c) - ALLOWED))
        want(c["p"] == "sensor", cid + ": p")
        kind = cid.split("_")[0]
        if kind in MBUS and cid[len(kind) + 1:].isdigit():
            n = cid[len(kind) + 1:]
            name, dc, unit = MBUS[kind]
            rule = (name, dc, T, unit, 3, True, False, "mbus/" + n)
            uniq = "hanp1d_%s_mbus%s_%s" % (meter, n, kind)
            tpl = "{{ value_json.value | is_defined }}"
            want(c.get("json_attr_t") == base + "/mbus/" + n, cid + ": json_attr_t")
        else:
            rule = RULES[cid]
            uniq = "hanp1d_%s_%s" % (meter, cid)
            value = {"meter_time": "meter_time_iso",
                     "demand_month_max_time": "demand_month_max_time_iso"}.get(cid, cid)
            tpl = "{{ value_json.%s | is_defined }}" % value
            want("json_attr_t" not in c, cid + ": json_attr_t")
        name, dc, sc, unit, prc, enabled, diag, part = rule
        want(c["name"] == name, cid + ": name " + c["name"])
        want(c["uniq_id"] == uniq, cid + ": uniq_id " + c["uniq_id"])
        want(c["stat_t"] == base + "/" + part, cid + ": stat_t " + c["stat_t"])
        want(c.get("dev_cla") == dc, cid + ": dev_cla %s" % c.get("dev_cla"))
        want(c.get("stat_cla") == sc, cid + ": stat_cla")
        want(c.get("unit_of_meas") == unit, cid + ": unit")
        want(c.get("sug_dsp_prc") == prc, cid + ": sug_dsp_prc")
        want(c.get("en", True) == enabled, cid + ": en")
        want(c.get("ent_cat") == ("diagnostic" if diag else None), cid + ": ent_cat")
        if part == "info":
            want("exp_aft" not in c, cid + ": exp_aft")
        else:
            # Frames every second: 3 x 1 s and 2 x 1 s are below the 30 s floor.
            want(c.get("exp_aft") == 30, cid + ": exp_aft %s" % c.get("exp_aft"))
        if cid == "tariff":
            if reading.get("dsmr_version") in ("42", "50"):
                want(c["options"] == ["low", "normal"], "tariff options")
                want(c["val_tpl"] == "{{ {1: 'low', 2: 'normal'}[value_json.tariff | is_defined] }}", "tariff template")
            else:
                want(c["options"] == ["1", "2", "3", "4"], "tariff options")
                want(c["val_tpl"] == "{{ value_json.tariff | is_defined | string }}", "tariff template")
        elif cid == "message":
            want(c["val_tpl"] == "{{ (value_json.message | is_defined)[:255] }}", "message template")
        else:
            want(c["val_tpl"] == tpl, cid + ": val_tpl " + c["val_tpl"])


def state(payload, reading):
    """A state message: the reading's keys and values, plus the receive time."""
    o = json.loads(payload)
    times = {"time", "meter_time_iso", "demand_month_max_time_iso"}
    differ = [k for k in set(o) | set(reading) if k not in times and o.get(k) != reading.get(k)]
    want(not differ, "state and reading differ in %s" % differ)
    t = o.get("time", "")
    want(len(t) == 25 and t[19] in "+-" and t[22] == ":", "time with offset: " + t)
    if "meter_time" in reading:
        want(o["meter_time_iso"].startswith(reading["meter_time"]) and len(o["meter_time_iso"]) == 25,
             "meter_time_iso")


def main():
    cmd = sys.argv[1]
    if cmd == "disc":
        payload, meter, base, now, daemon_status, url = sys.argv[2:8]
        disc(open(payload).read(), meter, base, json.load(open(now))["reading"], daemon_status, url)
    elif cmd == "state":
        # state LOG TOPIC NOW: the logged state message with the same meter_time
        log, topic, now = sys.argv[2:5]
        reading = json.load(open(now))["reading"]
        found = None
        for line in open(log):
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) == 4 and parts[2] == topic:
                o = json.loads(parts[3])
                if o.get("meter_time") == reading["meter_time"]:
                    found = parts[3]
        want(found is not None, "no state message with meter_time " + reading["meter_time"])
        if found:
            state(found, reading)
    for p in problems:
        print("  " + p)
    sys.exit(1 if problems else 0)


main()
PY

# ---- the daemons ----

http=$(free_port)
api="http://127.0.0.1:$http/api/v1"
# conf NAME HTTP_PORT MQTT_LINES METERS: a daemon configuration in $tmp/NAME.conf.
conf() {
	cat >"$tmp/$1.conf" <<CONF
$4
[http]
listen = 127.0.0.1:$2

[store]
path = $tmp/$1.db

[mqtt]
$3
CONF
}
# start NAME: runs hanp1d on $tmp/NAME.conf; its pid in $daemon.
start() {
	"$hanp1d" -c "$tmp/$1.conf" >>"$tmp/$1.out" 2>&1 &
	daemon=$!
	pids+=("$daemon")
}
# mqtt_is API EXPR: EXPR on `q`, the "mqtt" object of API/status.
mqtt_is() {
	curl -sf "$1/status" -o "$tmp/status.json" && json "$tmp/status.json" "(lambda q: $2)(o['mqtt'])"
}
# mqtt_until SECONDS API EXPR: mqtt_is until it holds; on a timeout the last status
# goes to stderr.
mqtt_until() {
	local end=$(($(now_ns) + $1 * 1000000000))
	until mqtt_is "$2" "$3"; do
		if [ "$(now_ns)" -ge "$end" ]; then
			python3 -c 'import json,sys; print("  mqtt status:", json.load(open(sys.argv[1]))["mqtt"])' "$tmp/status.json" >&2
			return 1
		fi
		sleep 0.1
	done
}

METERS="[meter kaifa]
source = sim:kaifa-list3?speed=10

[meter dsmr]
source = sim:dsmr50-nl?speed=10
"
conf main "$http" "host = 127.0.0.1
port = $port
client_id = hanp1d-test" "$METERS"

# Logins on the other listeners, run alongside: each its own HTTP port and topics,
# no discovery.
http_auth=$(free_port)
http_badpw=$(free_port)
http_tls=$(free_port)
http_badca=$(free_port)
SIDE="[meter m]
source = sim:kaifa-list1?speed=10
"
# The Kaifa family at ten times its pace: list 1 every 0.2 s, list 2 every 1 s,
# the registers (list 3) every 6 minutes.
NORDIC="[meter m]
source = sim:kaifa?speed=10
"
conf auth "$http_auth" "host = 127.0.0.1
port = $port_auth
username = meter
password = s3cret-pw
base_topic = auth/<meter>
client_id = hanp1d-auth
discovery = no" "$NORDIC"
conf badpw "$http_badpw" "host = 127.0.0.1
port = $port_auth
username = meter
password = wrong-pw
base_topic = badpw/<meter>
client_id = hanp1d-badpw
discovery = no" "$SIDE"
conf tls "$http_tls" "host = 127.0.0.1
port = $port_tls
tls = yes
ca_file = $tmp/ca.crt
base_topic = tls/<meter>
client_id = hanp1d-tls
discovery = no" "$SIDE"
conf badca "$http_badca" "host = 127.0.0.1
port = $port_tls
tls = yes
ca_file = $tmp/other-ca.crt
base_topic = badca/<meter>
client_id = hanp1d-badca
discovery = no" "$SIDE"

"$hanp1d" --check-config -c "$tmp/main.conf" >"$tmp/check.out" 2>&1
check '[ $? = 0 ]' "--check-config accepts the [mqtt] section"
"$hanp1d" --check-config -c "$tmp/auth.conf" >"$tmp/check.out" 2>&1
check '[ $? = 0 ] && ! grep -q s3cret "$tmp/check.out"' "--check-config accepts a login, never shows the password"

sub all -t '#'
sleep 0.3
t_start=$(now_ns)
start main
main_pid=$daemon
for side in auth badpw tls badca; do
	start "$side"
	eval "pid_$side=$daemon"
done

# First discovery and state, and the time they took.
check 'until_ok 10 "has all homeassistant/device/hanp1d_dsmr/config && has all hanp1d/dsmr/state"' \
	"discovery and state arrive"
first_disc=$(grep -m1 ' homeassistant/device/hanp1d_dsmr/config ' "$tmp/all.log" | cut -d' ' -f1)
first_state=$(grep -m1 ' hanp1d/dsmr/state ' "$tmp/all.log" | cut -d' ' -f1)
echo "# daemon start -> first discovery $(python3 -c "print(round(($first_disc * 1e9 - $t_start) / 1e6))") ms, first state $(python3 -c "print(round(($first_state * 1e9 - $t_start) / 1e6))") ms"
check '[ "$(retained hanp1d/status)" = online ]' "the daemon's availability: online, retained"
check 'until_ok 3 "[ \"\$(retained hanp1d/dsmr/status)\" = online ] && [ \"\$(retained hanp1d/kaifa/status)\" = online ]"' \
	"each meter's availability: online, retained"
check 'grep -q "^[0-9.]* 1 hanp1d/status online" <(mosquitto_sub -p $port -t hanp1d/status -F "%U %r %t %p" -C 1 -W 2)' \
	"a new subscriber gets the availability with the retain flag"

# Discovery checked field by field, against the rules and the meter's reading.
sleep 2 # several frames: the cadences are seen
for m in dsmr kaifa; do
	curl -sf "$api/meters/$m/now" -o "$tmp/now-$m.json"
	retained "homeassistant/device/hanp1d_$m/config" >"$tmp/disc-$m.json"
	check 'python3 "$tmp/ha.py" disc "$tmp/disc-$m.json" $m hanp1d/$m "$tmp/now-$m.json" hanp1d/status "http://127.0.0.1:$http/"' \
		"discovery of $m: every field as home-assistant.md says"
done
check 'json "$tmp/disc-kaifa.json" "o[\"dev\"][\"mf\"] == \"Kaifa\" and o[\"dev\"][\"sw\"] == \"KFM_001\" and \"dev_cla\" not in o[\"cmps\"][\"reactive_energy_import_kvarh\"]"' \
	"Kaifa: maker and list id on the device, reactive registers without a device class"
check 'json "$tmp/disc-dsmr.json" "o[\"cmps\"][\"tariff\"][\"options\"] == [\"low\", \"normal\"] and o[\"cmps\"][\"energy_import_t1_kwh\"][\"stat_cla\"] == \"total_increasing\""' \
	"DSMR 5: tariff low/normal, tariff registers total_increasing"
check '[ "$(count_on all homeassistant/device/hanp1d_dsmr/config)" -le 3 ]' \
	"discovery is not repeated with every frame ($(count_on all homeassistant/device/hanp1d_dsmr/config) announcements)"

# State payloads equal the reading the API serves.
for m in dsmr kaifa; do
	curl -sf "$api/meters/$m/now" -o "$tmp/now-$m.json"
	check 'until_ok 3 "python3 \"$tmp/ha.py\" state \"$tmp/all.log\" hanp1d/$m/state \"$tmp/now-$m.json\" >/dev/null" || python3 "$tmp/ha.py" state "$tmp/all.log" hanp1d/$m/state "$tmp/now-$m.json"' \
		"$m: the state message of the API's reading has the same values, plus time"
done
check 'json <(last_on all hanp1d/dsmr/power) "\"power_import_w\" in o and \"energy_import_kwh\" not in o and \"time\" in o"' \
	"power: the instantaneous keys and time"
check 'json <(last_on all hanp1d/kaifa/energy) "\"energy_import_kwh\" in o and \"power_import_w\" not in o"' \
	"energy: the registers"
check 'json <(retained hanp1d/kaifa/info) "o[\"manufacturer\"] == \"Kaifa\" and o[\"meter_time_iso\"][19] in \"+-\""' \
	"info: identity and clock with offset, retained"

# Dynamic prices published to hanp1d/prices (beside hanp1d/status) reach the
# price book: garbage is refused and logged, a price list shows in /api/v1/status
# and is kept in prices.json beside the history database.
prices_is() {
	curl -sf "$api/status" -o "$tmp/status.json" &&
		json "$tmp/status.json" "o['prices']['points'] == $1 and o['prices']['until'] == '$2'"
}
mosquitto_pub -p "$port" -t hanp1d/prices -m 'not a price list'
mosquitto_pub -p "$port" -t hanp1d/prices -m '[{"start": "2025-10-01T00:00:00+02:00",
 "end": "2025-10-01T00:15:00+02:00", "price": 1.2}, {"start": "2025-10-01T00:15:00+02:00",
 "end": "2025-10-01T00:30:00+02:00", "price": 1.35, "export_price": 0.9}]'
check 'until_ok 5 "prices_is 2 2025-09-30T22:30:00.000Z"' \
	"a price list published to hanp1d/prices is in the price book (/api/v1/status)"
check 'grep -q "prices on hanp1d/prices refused: not valid JSON" "$tmp/main.out" && kill -0 $main_pid' \
	"a garbage price payload is refused with the parser's error, and the daemon goes on"
check 'json "$tmp/prices.json" "len(o) == 2 and o[1][\"export_price\"] == 0.9"' \
	"the prices are kept in prices.json beside the history database"

# Commands.
sub detail -t hanp1d/dsmr/status/detail
sleep 0.2
mosquitto_pub -p "$port" -t hanp1d/dsmr/command -m '{"command": "status"}'
check 'until_ok 3 "has detail hanp1d/dsmr/status/detail"' "the status command answers on <base>/status/detail"
check 'json <(last_on detail hanp1d/dsmr/status/detail) "o[\"meter\"] == \"dsmr\" and o[\"online\"] is True and o[\"mqtt\"][\"state\"] == \"connected\" and o[\"mqtt\"][\"published\"] > 0"' \
	"the status answer: meter online, MQTT connected, counters"
check 'json <(last_on detail hanp1d/dsmr/status/detail) "o[\"mqtt\"][\"will_connections\"] == 2 and o[\"mqtt\"][\"will_connections_up\"] == 2"' \
	"... and both meters' will connections up"
check 'grep -q " as hanp1d-test-dsmr " "$tmp/broker.log" && grep -q " as hanp1d-test-kaifa " "$tmp/broker.log"' \
	"each meter's will connection: client id <client_id>-<meter>"
n=$(count_on all homeassistant/device/hanp1d_dsmr/config)
mosquitto_pub -p "$port" -t hanp1d/dsmr/command -m '{"command": "republish-discovery"}'
check 'until_ok 3 "has all homeassistant/device/hanp1d_dsmr/config $n"' \
	"republish-discovery sends the device again"
mosquitto_pub -p "$port" -t hanp1d/dsmr/command -m '{"command": "reboot"}'
check 'until_ok 3 "grep -q \"unknown command\" \"$tmp/main.out\""' "an unknown command is logged"

# Home Assistant's birth: discovery again after 1 to 5 s.
nd=$(count_on all homeassistant/device/hanp1d_dsmr/config)
nk=$(count_on all homeassistant/device/hanp1d_kaifa/config)
t0=$(now_ns)
mosquitto_pub -p "$port" -t homeassistant/status -m online
check 'until_ok 7 "has all homeassistant/device/hanp1d_dsmr/config $nd && has all homeassistant/device/hanp1d_kaifa/config $nk"' \
	"homeassistant/status online: both devices are announced again"
birth=$(grep ' homeassistant/device/hanp1d_kaifa/config ' "$tmp/all.log" | tail -1 | cut -d' ' -f1)
birth_ms=$(python3 -c "print(round(($birth * 1e9 - $t0) / 1e6))")
echo "# birth -> discovery again after $birth_ms ms"
check '[ "$birth_ms" -ge 900 ] && [ "$birth_ms" -le 5600 ]' "after a random 1 to 5 s ($birth_ms ms)"

# Status in the API.
check 'mqtt_is "$api" "q[\"state\"] == \"connected\" and q[\"broker\"] == \"127.0.0.1:$port\" and q[\"published\"] > 0 and q[\"dropped\"] == 0 and q[\"connects\"] == 1 and q[\"last_connect\"] and q[\"last_error\"] is None"' \
	"/api/v1/status: connected, published, nothing dropped"

# Logins, run alongside.
check 'mqtt_until 5 http://127.0.0.1:$http_auth/api/v1 "q[\"state\"] == \"connected\""' \
	"a username and password from a password_file: connected"
check 'has all auth/m/state' "... and publishing"
check 'mqtt_until 5 http://127.0.0.1:$http_badpw/api/v1 "q[\"state\"] != \"connected\" and \"not authori\" in (q[\"last_error\"] or \"\")"' \
	"a wrong password: not connected, the broker's refusal in last_error"
check '! grep -q wrong-pw "$tmp/badpw.out" "$tmp/status.json"' "the password is in no log and no status"
check 'mqtt_until 5 http://127.0.0.1:$http_tls/api/v1 "q[\"state\"] == \"connected\" and q[\"tls\"] is True"' \
	"TLS with the CA that signed the broker: connected"
check 'has all tls/m/state' "... and publishing"
check 'until_ok 3 "grep -q \" as hanp1d-tls-m \" \"$tmp/broker.log\""' "... and the meter's will connection over TLS too"
check 'mqtt_until 5 http://127.0.0.1:$http_badca/api/v1 "q[\"state\"] != \"connected\" and \"certificate verify failed\" in (q[\"last_error\"] or \"\")"' \
	"TLS with another CA: refused, 'certificate verify failed' in last_error"
curl -sf "http://127.0.0.1:$http_badca/api/v1/status" | python3 -c 'import json,sys; print("# wrong CA: " + json.load(sys.stdin)["mqtt"]["last_error"])'
check '! has all badca/m/state' "nothing published through an unverified broker"

# The running figures of a Norwegian meter (registers hourly, here every 6
# minutes): on <base>/accounting from the first frame, then every 10 s; never on
# `energy`, whose register sensors must not see payloads without registers.
cat >"$tmp/accounting.py" <<'PY'
import json, sys
times, problems = [], []
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 4:
        continue
    if parts[2] == "auth/m/accounting":
        o = json.loads(parts[3])
        times.append(float(parts[0]))
        if not {"hour", "day", "month", "peak", "time"} <= set(o) or "energy_import_kwh" in o:
            problems.append("keys %s" % sorted(o))
        if o["hour"].get("import_kwh") is None:
            problems.append("no running hour import: %s" % o["hour"])
    elif parts[2] == "auth/m/energy" and "energy_import_kwh" not in json.loads(parts[3]):
        problems.append("energy without registers")
gaps = [b - a for a, b in zip(times, times[1:])]
print("%d messages, gaps %s s" % (len(times), [round(g, 2) for g in gaps]))
if len(times) < 2 or not all(9.5 <= g <= 11 for g in gaps):
    problems.append("not every 10 s")
for p in problems[:3]:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
until_ok 15 "[ \$(count_on all auth/m/accounting) -ge 2 ]"
check 'python3 "$tmp/accounting.py" "$tmp/all.log" >"$tmp/accounting.out"' \
	"a meter without registers in most frames: running figures on <base>/accounting every 10 s, none on energy"
sed '1s/^/# running figures without registers: /' "$tmp/accounting.out"

# ---- the broker away for 10 s ----

# CPU seconds a process has used.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
tls_cpu0=$(cpu_s "$pid_tls")
kill -TERM "$broker"
wait "$broker" 2>/dev/null
t_down=$(now_ns)
# With TLS too a refused connection is reported at once (libmosquitto takes it for
# a handshake in progress), and the retries follow the same backoff.
check 'mqtt_until 5 http://127.0.0.1:$http_tls/api/v1 "q[\"state\"] == \"disconnected\" and \"refused\" in (q[\"last_error\"] or \"\")"' \
	"TLS, the broker gone: disconnected with the cause (Connection refused) within 5 s"
echo "# TLS broker down -> 'disconnected: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mqtt"]["last_error"])' "$tmp/status.json")' after $(ms_since "$t_down") ms"
check 'mqtt_until 3 "$api" "q[\"state\"] != \"connected\" and q[\"last_error\"]"' \
	"broker gone: the API shows MQTT not connected, with the reason"
curl -sf "$api/status" | python3 -c 'import json,sys; print("# broker down: " + json.load(sys.stdin)["mqtt"]["last_error"])'
r0=$(curl -sf "$api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meters"][1]["readings"])')
sleep_left=$((10000 - $(ms_since "$t_down")))
[ "$sleep_left" -gt 0 ] && sleep "$((sleep_left / 1000)).$(printf %03d $((sleep_left % 1000)))"
r1=$(curl -sf "$api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meters"][1]["readings"])')
check '[ "$r1" -gt "$r0" ]' "readings go on while the broker is away ($r0 -> $r1)"
tls_cpu=$(python3 -c "print(round($(cpu_s "$pid_tls") - $tls_cpu0, 2))")
check 'python3 -c "import sys; sys.exit(0 if $tls_cpu < 1.5 else 1)"' \
	"the TLS client does not spin while its broker is away ($tls_cpu CPU s in 10 s)"
check 'mqtt_is "$api" "q[\"dropped\"] > 0 and q[\"queued\"] == 0"' "messages meanwhile are dropped and counted, nothing queued"
mv "$tmp/all.log" "$tmp/all-before.log"
start_broker
t_up=$(now_ns)
sub all -t '#'
check 'until_ok 20 "has all hanp1d/dsmr/state"' "state resumes after the broker is back"
reconnect_ms=$(ms_since "$t_up")
check 'has all homeassistant/device/hanp1d_dsmr/config && has all homeassistant/device/hanp1d_kaifa/config' \
	"discovery is sent again on reconnect"
check 'mqtt_until 2 "$api" "q[\"state\"] == \"connected\" and q[\"connects\"] == 2 and q[\"last_error\"] is None"' \
	"the API: connected again, two connects"
echo "# broker back -> state again after $reconnect_ms ms (down $(( (t_up - t_down) / 1000000 )) ms)"
check 'until_ok 20 "has all tls/m/state"' "TLS: state resumes after the broker is back"
tls_back=$(grep -m1 ' tls/m/state ' "$tmp/all.log" | cut -d' ' -f1)
echo "# broker back -> TLS state again after $(python3 -c "print(round(($tls_back * 1e9 - $t_up) / 1e6))") ms"

# ---- the last will ----

# The will connections come back with the main one (the broker is back: their
# backoff is cut short).
check 'until_ok 3 "[ \$(grep -c \" as hanp1d-test-dsmr \" \"$tmp/broker.log\") -ge 2 ] && [ \$(grep -c \" as hanp1d-test-kaifa \" \"$tmp/broker.log\") -ge 2 ]"' \
	"the meters' will connections are back too"

kill -9 "$main_pid"
wait "$main_pid" 2>/dev/null
t_kill=$(now_ns)
check 'until_ok 5 "[ \"\$(last_on all hanp1d/status)\" = offline ]"' "SIGKILL: the will, hanp1d/status offline, arrives"
echo "# SIGKILL -> offline after $(ms_since "$t_kill") ms"
check '[ "$(retained hanp1d/status)" = offline ]' "... retained"
check 'until_ok 5 "[ \"\$(last_on all hanp1d/dsmr/status)\" = offline ] && [ \"\$(last_on all hanp1d/kaifa/status)\" = offline ]"' \
	"SIGKILL: each meter's will, <base>/status offline, arrives"
check '[ "$(retained hanp1d/dsmr/status)" = offline ] && [ "$(retained hanp1d/kaifa/status)" = offline ]' "... retained"

# ---- another discovery_prefix and base_topic, a meter renamed ----

# What the previous run left retained (its list beside the database) and this one
# does not publish is cleared on connect: the old prefix's devices, the old base's
# info and status topics, the old daemon availability.
conf main "$http" "host = 127.0.0.1
port = $port
client_id = hanp1d-test
discovery_prefix = ha2
base_topic = home/<meter>" "[meter dsmr]
source = sim:dsmr50-nl?speed=10

[meter extra]
source = sim:kaifa-list3?speed=10
"
start main
main_pid=$daemon
check 'until_ok 5 "retained ha2/device/hanp1d_dsmr/config >\"$tmp/disc-ha2.json\"; [ -s \"$tmp/disc-ha2.json\" ]" && json "$tmp/disc-ha2.json" "o[\"avty\"] == [{\"t\": \"home/status\"}, {\"t\": \"home/dsmr/status\"}]"' \
	"discovery_prefix ha2, base_topic home/<meter>: the device under the new prefix"
check 'until_ok 3 "none_retained homeassistant/device/hanp1d_dsmr/config homeassistant/device/hanp1d_kaifa/config"' \
	"the devices announced under the old prefix are removed"
check 'none_retained hanp1d/dsmr/info hanp1d/dsmr/status hanp1d/kaifa/info hanp1d/kaifa/status hanp1d/status' \
	"... and the retained topics under the old base_topic"
check 'json "$tmp/main-mqtt.json" "set(o[\"topics\"]) == {\"home/status\"} | {t % m for m in (\"dsmr\", \"extra\") for t in (\"ha2/device/hanp1d_%s/config\", \"home/%s/status\", \"home/%s/info\", \"home/%s/mbus/1\", \"home/%s/mbus/2\", \"home/%s/mbus/3\", \"home/%s/mbus/4\")}"' \
	"the state directory lists the retained topics of this configuration only"
check 'until_ok 5 "[ -n \"\$(retained ha2/device/hanp1d_extra/config)\" ] && [ \"\$(retained home/dsmr/status)\" = online ]"' \
	"both meters announced and online"
n_clean=$(grep -c "Client hanp1d-test-dsmr disconnected" "$tmp/broker.log")
kill -TERM "$main_pid"
wait "$main_pid"
check '[ $? = 0 ] && [ "$(retained home/status)" = offline ] && [ "$(retained home/dsmr/status)" = offline ] && [ "$(retained home/extra/status)" = offline ]' \
	"SIGTERM: exit 0, offline published for the daemon and each meter"
check 'until_ok 2 "[ \$(grep -c \"Client hanp1d-test-dsmr disconnected\" \"$tmp/broker.log\") -gt $n_clean ]"' \
	"... and the will connections end with a DISCONNECT (their wills discarded)"

# ---- discovery off, a meter gone, without the list of the previous run ----

# An announcement under the current prefix that names our availability topic is
# ours even when the state directory does not list it (a new state directory, an
# upgrade): discovery off removes it, and so does removing the meter.
rm -f "$tmp/main-mqtt.json"
conf main "$http" "host = 127.0.0.1
port = $port
client_id = hanp1d-test
discovery_prefix = ha2
base_topic = home/<meter>
discovery = off" "[meter dsmr]
source = sim:dsmr50-nl?speed=10
"
start main
main_pid=$daemon
check 'until_ok 5 "none_retained ha2/device/hanp1d_dsmr/config"' \
	"discovery = off: the retained device is removed"
check 'until_ok 3 "none_retained ha2/device/hanp1d_extra/config home/extra/info home/extra/status"' \
	"a meter no longer configured: its device and retained topics are removed"
check 'grep -q "^[0-9.]* 0 ha2/device/hanp1d_dsmr/config $" "$tmp/all.log"' \
	"the removal is an empty payload"
check 'until_ok 3 "has all home/dsmr/state 0" && [ "$(retained home/status)" = online ]' \
	"states and availability go on without discovery"
kill -TERM "$main_pid"
wait "$main_pid"
check '[ $? = 0 ]' "SIGTERM: exit 0"
check '[ "$(retained home/status)" = offline ] && [ "$(retained home/dsmr/status)" = offline ]' \
	"a clean stop publishes offline for the daemon and the meter"

# ---- latency: the last byte of a frame on a pty -> the state at a subscriber ----

"$hanp1d" sim --meter dsmr50-nl --count 1000 >"$tmp/frames.txt"
cat >"$tmp/pty.py" <<'PY'
import os, sys, time, json
frames_path, link, go, out, gap_ms = sys.argv[1:6]
data = open(frames_path, "rb").read()
frames, start = [], 0
while True:
    end = data.find(b"!", start)
    if end < 0:
        break
    nl = data.find(b"\n", end)
    frames.append(data[start:nl + 1])
    start = nl + 1
master, slave = os.openpty()
os.symlink(os.ttyname(slave), link)
while not os.path.exists(go):
    time.sleep(0.02)
sent = {}
for f in frames:
    i = f.find(b"0-0:1.0.0(") + 10
    stamp = f[i:i + 12].decode()
    key = "20%s-%s-%sT%s:%s:%s" % (stamp[0:2], stamp[2:4], stamp[4:6], stamp[6:8], stamp[8:10], stamp[10:12])
    os.write(master, f)
    sent[key] = time.time_ns()
    time.sleep(float(gap_ms) / 1000)
json.dump(sent, open(out, "w"))
time.sleep(10)
PY
python3 "$tmp/pty.py" "$tmp/frames.txt" "$tmp/ttyLAT" "$tmp/go" "$tmp/sent.json" 5 &
pids+=("$!")
until_ok 5 '[ -e "$tmp/ttyLAT" ]'
conf lat "$http" "host = 127.0.0.1
port = $port
base_topic = lat/<meter>
client_id = hanp1d-lat
discovery = no" "[meter p1]
source = serial:$tmp/ttyLAT
baud = 115200
parity = 8N1

[daemon]
stale_after = 2
"
start lat
sub lat -t lat/p1/state -t lat/p1/status
check 'mqtt_until 5 "$api" "q[\"state\"] == \"connected\""' "the pty daemon is connected"
touch "$tmp/go"
check 'until_ok 15 "[ -s \"$tmp/sent.json\" ]"' "1000 frames written to the pty"
check 'until_ok 5 "[ \"\$(last_on lat lat/p1/status)\" = offline ]"' \
	"the meter falls silent: <base>/status offline after stale_after"
python3 - "$tmp/sent.json" "$tmp/lat.log" >"$tmp/latency.out" <<'PY'
import json, sys
sent = json.load(open(sys.argv[1]))
lat = []
for line in open(sys.argv[2]):
    t, r, topic, payload = line.rstrip("\n").split(" ", 3)
    if topic != "lat/p1/state":
        continue
    key = json.loads(payload).get("meter_time")
    if key in sent:
        lat.append(float(t) * 1e3 - sent[key] / 1e6)
lat.sort()
if not lat:
    print("0 0 0")
else:
    print(len(lat), round(lat[len(lat) // 2], 2), round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2))
PY
read -r lat_n lat_p50 lat_p99 <"$tmp/latency.out"
# The latency is a figure, not a verdict: on a loaded CI machine (the browser
# test runs beside this one) its tail says more about the scheduler than us.
echo "# latency pty -> subscriber over $lat_n frames: p50 $lat_p50 ms, p99 $lat_p99 ms"
check '[ "$lat_n" -ge 990 ]' "a state message for (nearly) every frame ($lat_n of 1000)"

finish "mqtt"
