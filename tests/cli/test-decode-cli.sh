#!/usr/bin/env bash
# The `hanp1d decode` contract (reading-model.md): input detection by content,
# options, one JSON object per frame, exit statuses 0 / 1 / 2.
set -u
dec=${1:?usage: test-decode-cli.sh HANP1D}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_status WANT CMD...: runs CMD, output in $tmp/out.
expect_status() {
	local want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok; else bad "$* exited $got, want $want"; fi
}

# expect_json PYTHON-EXPR: evaluated with `o` = list of JSON objects in $tmp/out
# (lines starting with '#' are explain text and skipped).
expect_json() {
	if python3 - "$tmp/out" "$1" <<'PY'; then ok; else bad "output check: $1"; cat "$tmp/out"; fi
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
o = [json.loads(l) for l in lines]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# The worked HDLC example of protocols.md (a): power_import_w 1234.
cat >"$tmp/frame.hex" <<'HEX'
# protocols.md (a) worked example
// a second comment style
7E A0 27 01 02 01 10 5A 87 E6 E7 00 0F 40 00 00 00 09 0C 07 E9 01 0F 03 0C 00 00 FF 80 00 00
02 01 06 00 00 04 d2 6e 28 7e
HEX
expect_status 0 "$dec" decode "$tmp/frame.hex"
expect_json 'len(o) == 1 and o[0]["power_import_w"] == 1234 and o[0]["framing"] == "hdlc" and o[0]["encrypted"] is False and o[0]["meter_time"] == "2025-01-15T12:00:00"'

# The same bytes as raw binary, and through standard input.
grep -v '^[#/]' "$tmp/frame.hex" | xxd -r -p >"$tmp/frame.bin"
expect_status 0 "$dec" decode "$tmp/frame.bin"
expect_json 'len(o) == 1 and o[0]["power_import_w"] == 1234'
expect_status 0 "$dec" decode - <"$tmp/frame.bin"
expect_json 'len(o) == 1 and o[0]["power_import_w"] == 1234'

# Contiguous hex pairs are hex text too.
grep -v '^[#/]' "$tmp/frame.hex" | tr -d ' \n' >"$tmp/dense.hex"
expect_status 0 "$dec" decode "$tmp/dense.hex"
expect_json 'len(o) == 1'

# The DSMR example of protocols-dsmr-serial.md (h), CRC 58E8.
printf '/XYZ5TESTMETER\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(250115120000W)\r\n1-0:1.8.1(000123.456*kWh)\r\n1-0:1.7.0(01.234*kW)\r\n!58E8\r\n' >"$tmp/t.txt"
expect_status 0 "$dec" decode "$tmp/t.txt"
expect_json 'len(o) == 1 and o[0]["protocol"] == "dsmr" and o[0]["power_import_w"] == 1234 and abs(o[0]["energy_import_t1_kwh"] - 123.456) < 1e-9 and o[0]["meter_model"] == "TESTMETER" and o[0]["meter_time_dst"] is False'

# A frame cut off at the end of the input: truncated, exit 1.
head -c 30 "$tmp/frame.bin" >"$tmp/cut.bin"
expect_status 1 "$dec" decode "$tmp/cut.bin"
expect_json 'len(o) == 1 and o[0]["error"] == "truncated"'

# Line noise: exactly one noise object, exit 1. An empty input is noise too.
head -c 300 /dev/zero | tr '\0' '\377' >"$tmp/noise.bin"
expect_status 1 "$dec" decode "$tmp/noise.bin"
expect_json 'len(o) == 1 and o[0]["error"] == "noise" and o[0]["detail"]'
: >"$tmp/empty.bin"
expect_status 1 "$dec" decode "$tmp/empty.bin"
expect_json 'len(o) == 1 and o[0]["error"] == "noise"'

# An encrypted frame without a key: no_key. (protocols.md (d), SC 30.)
echo 'DB 08 4B 46 4D 10 20 00 00 01 2B 30 00 00 00 01 99 A0 86 BC 87 8B 08 9D 7D C3 50 4C A5 43
14 28 4D 06 D8 64 9C 36 3C 97 B3 55 3B 0D CD 1C F7 5C 9C 02 1C 6D 47 CD' >"$tmp/gcm.hex"
expect_status 1 "$dec" decode "$tmp/gcm.hex"
expect_json 'len(o) == 1 and o[0]["error"] == "no_key"'
expect_status 0 "$dec" decode --key 000102030405060708090a0b0c0d0e0f \
	--auth-key D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF "$tmp/gcm.hex"
expect_json 'len(o) == 1 and o[0]["power_import_w"] == 1234 and o[0]["encrypted"] is True and o[0]["framing"] == "raw"'
# Keys swapped: auth, and --explain names the swap.
expect_status 1 "$dec" decode --explain --key D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF \
	--auth-key 000102030405060708090A0B0C0D0E0F "$tmp/gcm.hex"
expect_json 'len(o) == 1 and o[0]["error"] == "auth" and "swapped" in o[0]["detail"]'
if grep -q '^# probable cause' "$tmp/out"; then ok; else bad "--explain gave no probable cause"; fi

# --explain walks the layers and keeps the JSON line.
expect_status 0 "$dec" decode --explain "$tmp/frame.hex"
expect_json 'len(o) == 1'
if [ "$(grep -c '^#' "$tmp/out")" -ge 4 ]; then ok; else bad "--explain printed too little"; fi

# Usage errors: exit 2.
expect_status 2 "$dec" decode --bogus "$tmp/frame.hex"
expect_status 2 "$dec" decode --key 0011 "$tmp/frame.hex"
expect_status 2 "$dec" decode --key 000102030405060708090A0B0C0D0E0G "$tmp/frame.hex"
expect_status 2 "$dec" decode "$tmp/does-not-exist"
expect_status 2 "$dec" decode "$tmp/frame.hex" "$tmp/frame.bin"
expect_status 2 "$dec" frobnicate

echo "decode cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
