#!/usr/bin/env bash
# `hanp1d sim` on standard output, read back by `hanp1d decode`: the options, each
# family's cadence (hourly lists at the hour), values that evolve as a meter's do
# (registers never go back and grow by the integral of power), load shape, export,
# encryption, pacing, and usage errors (exit 2).
set -u
hanp1d=${1:?usage: test-sim-cli.sh HANP1D}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

K=000102030405060708090A0B0C0D0E0F
A=D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF
START=2025-01-15T10:59:00

# expect_status WANT CMD...: output in $tmp/out and $tmp/err.
expect_status() {
	local want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok; else bad "$* exited $got, want $want"; fi
}

# frames NAME ARGS...: the hex capture in $tmp/NAME.hex, decoded in $tmp/NAME.json.
frames() {
	local name=$1
	shift
	"$hanp1d" sim "$@" --hex >"$tmp/$name.hex" 2>"$tmp/$name.err" ||
		bad "sim $* exited $?"
	"$hanp1d" decode "$tmp/$name.hex" >"$tmp/$name.json" 2>/dev/null
}

# verify NAME CHECK...: runs the checks of the Python below on a capture.
verify() {
	local name=$1
	shift
	if python3 "$tmp/verify.py" "$tmp/$name.hex" "$tmp/$name.json" "$@" >"$tmp/verify.out"; then
		ok
	else
		bad "$name: $(cat "$tmp/verify.out")"
	fi
}

cat >"$tmp/verify.py" <<'PY'
# verify.py HEX JSON CHECK...: frames from the hex comments, readings from decode.
import datetime, json, re, sys

hex_path, json_path, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
COMMENT = re.compile(r"# frame (\d+): (\S+), (\d+) bytes, meter time (\S+)")
frames = []
for line in open(hex_path):
    m = COMMENT.match(line)
    if m:
        whole, _, hundredths = m.group(4).partition(".")
        t = datetime.datetime.fromisoformat(whole)
        t += datetime.timedelta(milliseconds=10 * int(hundredths or 0))
        frames.append({"list": m.group(2), "t": t})
readings = [json.loads(l) for l in open(json_path) if l.strip()]

def fail(msg):
    print(msg)
    sys.exit(1)

if len(readings) != len(frames):
    fail("%d frames, %d decoded objects" % (len(frames), len(readings)))
for i, r in enumerate(readings):
    if "error" in r:
        fail("frame %d: %s %s" % (i + 1, r["error"], r.get("detail")))
    frames[i]["r"] = r

# The cadence of each family: (list, period s, offset s), longest period first,
# and the resolution of its energy registers (kWh).
FAMILIES = {
    "kamstrup": ([("kamstrup-list2", 3600, 5), ("kamstrup-list1", 10, 5)], 0.01),
    "aidon": ([("aidon-list3", 3600, 10), ("aidon-list2", 10, 0), ("aidon-list1", 2.5, 0)], 0.01),
    "kaifa": ([("kaifa-list3", 3600, 0), ("kaifa-list2", 10, 0), ("kaifa-list1", 2, 0)], 0.001),
    "dsmr": ([("dsmr50-nl", 1, 0)], 0.001),
}
REGISTERS = ["energy_import_kwh", "energy_export_kwh", "energy_import_t1_kwh",
             "energy_import_t2_kwh", "energy_export_t1_kwh", "energy_export_t2_kwh",
             "reactive_energy_import_kvarh", "reactive_energy_export_kvarh"]

def seconds(t):
    return (t - datetime.datetime(2025, 1, 1)).total_seconds()

def due(lists, t):
    s = round(seconds(t) * 100)
    for name, period, offset in lists:
        if (s - round(offset * 100)) % round(period * 100) == 0:
            return name
    return None

def cadence(family, count, hourly):
    lists, _ = FAMILIES[family]
    if len(frames) != int(count):
        fail("%d frames, want %s" % (len(frames), count))
    step = lists[-1][1]
    for a, b in zip(frames, frames[1:]):
        if abs(seconds(b["t"]) - seconds(a["t"]) - step) > 1e-6:
            fail("%s then %s: not %s s apart" % (a["t"], b["t"], step))
    for f in frames:
        if due(lists, f["t"]) != f["list"]:
            fail("%s at %s, want %s" % (f["list"], f["t"], due(lists, f["t"])))
    top = [f for f in frames if f["list"] == lists[0][0]] if len(lists) > 1 else []
    if len(top) != int(hourly):
        fail("%d frames of %s, want %s" % (len(top), lists[0][0], hourly))
    for f in top:
        if "energy_import_kwh" not in f["r"]:
            fail("%s at %s has no registers" % (f["list"], f["t"]))
        if f["r"].get("meter_time") and f["r"]["meter_time"] != f["t"].isoformat():
            fail("meter_time %s, the frame says %s" % (f["r"]["meter_time"], f["t"]))

def monotonic():
    last = {}
    for f in frames:
        for k in REGISTERS:
            if k in f["r"]:
                if f["r"][k] < last.get(k, -1e18):
                    fail("%s went back at %s: %s < %s" % (k, f["t"], f["r"][k], last[k]))
                last[k] = f["r"][k]

# Between two frames with registers, a register grows by the power of each frame
# times the time since the frame before (the power held over it), to within the
# register's resolution.
def integral(family, direction="import"):
    res = FAMILIES[family][1] if family in FAMILIES else float(family)
    reg, power = "energy_%s_kwh" % direction, "power_%s_w" % direction
    prev, prev_t, acc, spans = None, None, 0.0, 0
    for f in frames:
        r = f["r"]
        if prev_t is not None:
            acc += r.get(power, 0) * (seconds(f["t"]) - prev_t) / 3.6e6
        prev_t = seconds(f["t"])
        if reg in r:
            if prev is not None:
                if abs((r[reg] - prev) - acc) > res + 1e-6:
                    fail("%s grew %.4f by %s, power gives %.4f" % (reg, r[reg] - prev, f["t"], acc))
                spans += 1
            prev, acc = r[reg], 0.0
    if spans == 0:
        fail("no two frames with %s" % reg)

def mean_power(hours):
    p = [f["r"]["power_import_w"] for f in frames if f["t"].hour in hours]
    return sum(p) / len(p)

def shape():
    night, evening = mean_power(range(1, 5)), mean_power(range(18, 21))
    if not evening > night + 1000:
        fail("evening %.0f W, night %.0f W: no daily shape" % (evening, night))

def no_export():
    for f in frames:
        if f["r"].get("power_export_w", 0) != 0 or f["r"].get("energy_export_kwh", 0) != 0:
            fail("export at %s without --export" % f["t"])

def export():
    if max(f["r"].get("power_export_w", 0) for f in frames) <= 0:
        fail("no export around noon with --export")
    integral("dsmr", "export")

def encrypted():
    if not all(f["r"].get("encrypted") is True for f in frames):
        fail("frames in clear")

for c in checks:
    name, *args = c.split(":")
    globals()[name](*args)
PY

# --help and --list.
expect_status 0 "$hanp1d" sim --help
for o in --meter --count --speed --start --pty --tcp --listen --hex --export --key --auth-key --list; do
	check 'grep -q -- "$o" "$tmp/out"' "--help names $o"
done
expect_status 0 "$hanp1d" sim --list
cp "$tmp/out" "$tmp/list"
for f in kamstrup aidon kaifa dsmr; do
	check 'grep -q "^$f  *family: " "$tmp/list"' "--list names the $f family and its cadence"
done
# Every name --list prints is a meter whose frame decodes (an encrypted one with
# the test keys the simulator prints).
names=0
while read -r name _; do
	names=$((names + 1))
	"$hanp1d" sim --meter "$name" --count 1 >"$tmp/one.bin" 2>"$tmp/one.err"
	keys=()
	if grep -q -- "--key" "$tmp/one.err"; then
		keys=(--key "$(sed -n 's/.*--key \([0-9A-F]*\)$/\1/p' "$tmp/one.err")"
			--auth-key "$(sed -n 's/.*--auth-key \([0-9A-F]*\)$/\1/p' "$tmp/one.err")")
	fi
	"$hanp1d" decode "${keys[@]}" "$tmp/one.bin" >"$tmp/one.json" 2>/dev/null
	check 'grep -q power_import_w "$tmp/one.json"' "--meter $name gives a frame that decodes"
done <"$tmp/list"
check '[ "$names" -ge 29 ]' "--list names 4 families and 25 profiles ($names)"

# Each family at its cadence, paced at high speed, over more than an hour of meter
# time from 10:59: list 1 throughout, list 2 every 10 s, the hourly list at
# 11:00 and 12:00 exactly.
frames kamstrup --meter kamstrup --start "$START" --speed 20000 --count 450
verify kamstrup cadence:kamstrup:450:2 monotonic integral:kamstrup
frames aidon --meter aidon --start "$START" --speed 20000 --count 1500
verify aidon cadence:aidon:1500:2 monotonic integral:aidon
frames kaifa --meter kaifa --start "$START" --speed 20000 --count 1850
verify kaifa cadence:kaifa:1850:2 monotonic integral:kaifa
frames dsmr --meter dsmr --start "$START" --speed 20000 --count 600
verify dsmr cadence:dsmr:600:0 monotonic integral:dsmr no_export
check 'grep -q "^# frame 1: aidon-list1, 44 bytes, meter time 2025-01-15T10:59:02.50$" "$tmp/aidon.hex"' \
	"the hex comment gives the list and the meter time"

# A day every five minutes: low at night, high in the evening; export only with
# --export (around noon), and then the export register integrates export power.
frames day --meter dsmr50-nl --start 2025-06-01T00:00 --interval 300 --count 288
verify day shape no_export monotonic integral:dsmr
frames solar --meter dsmr50-nl --start 2025-06-01T09:00 --interval 60 --count 300 --export
verify solar export monotonic integral:dsmr

# The same seed gives the same meter; another seed another household.
"$hanp1d" sim --meter aidon --count 50 --hex >"$tmp/a1" 2>/dev/null
"$hanp1d" sim --meter aidon --count 50 --hex >"$tmp/a2" 2>/dev/null
"$hanp1d" sim --meter aidon --count 50 --hex --seed 7 >"$tmp/a3" 2>/dev/null
check 'cmp -s "$tmp/a1" "$tmp/a2"' "the same seed gives the same frames"
check '! cmp -s "$tmp/a1" "$tmp/a3"' "another seed gives other values"
# A meter started a day later has registers a day further on.
frames later --meter kamstrup-list2 --start 2025-01-16T00:00 --count 1
frames early --meter kamstrup-list2 --start 2025-01-15T00:00 --count 1
check 'python3 -c "
import json,sys
a, b = (json.load(open(p))[\"energy_import_kwh\"] for p in sys.argv[1:])
sys.exit(0 if 24 < b - a < 100 else 1)" "$tmp/early.json" "$tmp/later.json"' "registers count on while the simulator is off"

# Single phase: L1 only.
frames one --meter kamstrup-list2 --phases 1 --count 1
check 'grep -q l1_voltage_v "$tmp/one.json" && ! grep -q l2_voltage_v "$tmp/one.json"' "--phases 1"

# Encryption: --key (and --auth-key) encrypt a family sent in clear; decode needs them.
frames enc --meter aidon --start 2025-01-15T10:30:00 --count 30 --key "$K" --auth-key "$A"
"$hanp1d" decode --key "$K" --auth-key "$A" "$tmp/enc.hex" >"$tmp/enc.json" 2>/dev/null
verify enc encrypted cadence:aidon:30:0
check '! grep -q "$K" "$tmp/enc.err"' "a key given is never printed"
"$hanp1d" decode "$tmp/enc.hex" >"$tmp/out" 2>/dev/null
check 'grep -q "\"no_key\"" "$tmp/out" && ! grep -q power_import_w "$tmp/out"' "without the key: no_key"
"$hanp1d" decode --key "$A" --auth-key "$A" "$tmp/enc.hex" >"$tmp/out" 2>/dev/null
check '! grep -q power_import_w "$tmp/out"' "a wrong key decodes nothing"
# A family that encrypts tells its test keys; with --key it uses the given ones.
"$hanp1d" sim --meter kamstrup-dk --count 1 >"$tmp/dk.bin" 2>"$tmp/dk.err"
tk=$(sed -n 's/.*--key \([0-9A-F]*\)$/\1/p' "$tmp/dk.err")
ta=$(sed -n 's/.*--auth-key \([0-9A-F]*\)$/\1/p' "$tmp/dk.err")
"$hanp1d" decode --key "$tk" --auth-key "$ta" "$tmp/dk.bin" >"$tmp/out" 2>/dev/null
check 'grep -q "\"encrypted\":true" "$tmp/out" && grep -q power_import_w "$tmp/out"' "the test keys printed decode kamstrup-dk"
"$hanp1d" sim --meter kamstrup-dk --count 1 --key "$A" --auth-key "$K" >"$tmp/dk2.bin" 2>"$tmp/dk2.err"
"$hanp1d" decode --key "$A" --auth-key "$K" "$tmp/dk2.bin" >"$tmp/out" 2>/dev/null
check 'grep -q power_import_w "$tmp/out" && [ ! -s "$tmp/dk2.err" ]' "kamstrup-dk with the given keys"
"$hanp1d" sim --meter kamstrup-dk --count 1 --plain >"$tmp/dk3.bin" 2>/dev/null
"$hanp1d" decode "$tmp/dk3.bin" >"$tmp/out" 2>/dev/null
check 'grep -q "\"encrypted\":false" "$tmp/out"' "--plain sends in clear"

# Pacing: --speed 10 gives 5 DSMR telegrams (1 s apart) in about half a second;
# paced output starts at the local time now.
t0=$(date +%s%N)
"$hanp1d" sim --meter dsmr --speed 10 --count 5 >"$tmp/paced.bin" 2>/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
check '[ "$ms" -ge 400 ] && [ "$ms" -lt 3000 ]' "--speed 10: 5 telegrams in ${ms} ms"
"$hanp1d" decode "$tmp/paced.bin" >"$tmp/paced.json" 2>/dev/null
check 'python3 -c "
import datetime, json, sys
t = datetime.datetime.fromisoformat(json.loads(open(sys.argv[1]).readline())[\"meter_time\"])
sys.exit(0 if abs((t - datetime.datetime.now()).total_seconds()) < 10 else 1)" "$tmp/paced.json"' \
	"a paced meter's clock starts now"

# Usage errors: exit 2 with a message.
usage_error() {
	expect_status 2 "$hanp1d" sim "$@"
	check '[ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]' "sim $*: a message, no frames"
}
usage_error --meter nosuch
usage_error --count -1
usage_error --count x
usage_error --interval 0
usage_error --meter aidon --interval 5
usage_error --speed 0
usage_error --speed -3
usage_error --speed fast
usage_error --phases 2
usage_error --start yesterday
usage_error --start 2025-02-30T00:00
usage_error --start 2025-01-15T10:59x
usage_error --key 0011
usage_error --auth-key "$A"
usage_error --key "$K" --plain
usage_error --meter dsmr --key "$K"
usage_error --hex --pty "$tmp/tty"
usage_error --tcp nocolon
usage_error --listen 127.0.0.1:
usage_error --framing morse
usage_error --bogus
usage_error extra
check '[ ! -e "$tmp/tty" ]' "a usage error creates no pty"
# Nobody listening: exit 1 with the reason.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_status 1 "$hanp1d" sim --tcp "127.0.0.1:$port" --count 1
check 'grep -q "127.0.0.1:$port" "$tmp/err"' "--tcp to a closed port says where"

echo "sim cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
