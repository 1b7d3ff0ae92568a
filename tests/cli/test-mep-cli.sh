#!/usr/bin/env bash
# MEP on the command line: `hanp1d decode --mep-table/--mep-request` on mep.md's
# synthetic replies, and `hanp1d sim --meter mep` on a pty answering mep.md's
# request frames (00 with table data, 0C with the expected SEQ, 0B on a bad digest).
set -u
bin=${1:?usage: test-mep-cli.sh HANP1D}
command -v python3 >/dev/null || exit 77
tmp=$(mktemp -d)
sim_pid=
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

bt23='00 10 00 00 0D 05 4E 61 BC 00 87 D6 12 00 00 00 00 00'
out=$(echo "$bt23" | "$bin" decode --mep-table 23 -)
check "BT23 by table: $out" '[ "$?" = 0 ] && [[ $out == *"\"energy_import_kwh\":12345.678"* ]] && [[ $out == *"\"energy_export_kwh\":1234.567"* ]] && [[ $out == *"\"protocol\":\"mep\""* ]]'
out=$(echo "$bt23" | "$bin" decode --mep-request "00 14 3f 00 17 00 00 00 00 0d 00 00 00 01 79 53 90 22 15 ca 07 42" -)
check "BT23 by request: $out" '[[ $out == *"12345.678"* ]]'
# Without flags1 bit 2 the registers start at 0: other values, same frame.
out=$(echo "$bt23" | "$bin" decode --mep-table BT23 --mep-bt21 "00 00 00 02 01 00 00 00 01 37" -)
check "BT23 without demand-reset counter: $out" '[[ $out != *"12345.678"* ]]'
out=$(echo "00050c00001000 0000 00010b" | "$bin" decode --mep-table 23 -)
status=$?
check "0C, alert, 0B: $out" '[ $status = 1 ] && [[ $out == *"\"expected_seq\":4096"* ]] && [[ $out == *"\"alert\""* ]] && [[ $out == *"\"error\":\"auth\""* ]]'
out=$(echo "00 10 00 00" | "$bin" decode --mep-table 23 -)
check "cut frame: $out" '[[ $out == *"\"error\":\"truncated\""* ]]'
"$bin" decode --mep-table nope - </dev/null >/dev/null 2>&1
check "bad table is a usage error" '[ $? = 2 ]'

# The simulator: the doc's frames with SEQ 0, 1, 2 against a meter expecting 0.
"$bin" sim --meter mep --pty "$tmp/pty" --first-seq 0 2>"$tmp/sim.log" &
sim_pid=$!
for _ in $(seq 50); do [ -e "$tmp/pty" ] && break; sleep 0.1; done
python3 - "$tmp/pty" "$tmp" <<'PY' >"$tmp/replies" 2>"$tmp/py.err"
import os, sys, time, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
def ask(hexframe):
    os.write(fd, bytes.fromhex(hexframe))
    buf = b""
    end = time.time() + 2
    while time.time() < end:
        time.sleep(0.05)
        os.set_blocking(fd, False)
        try:
            buf += os.read(fd, 4096)
        except BlockingIOError:
            pass
        if len(buf) >= 2 and len(buf) >= 2 + (buf[0] << 8 | buf[1]):
            break
    print(buf.hex())
ask("0011300034020000000000 71691ecd24e242b2")               # BT52, SEQ 0
ask("00143f0017000000000d00000001 7953902215ca0742")         # BT23 partial, SEQ 1
ask("001130001c020000000002 3ade65c16da4a1d4")               # BT28, SEQ 2
ask("001130001c020000000003 3ade65c16da4a1d4")               # digest of SEQ 2: 0B
ask("0011300034020000000000 71691ecd24e242b2")               # SEQ 0 again: 0C, want 3
PY
mapfile -t r <"$tmp/replies"
check "five replies: ${#r[@]}" '[ ${#r[@]} = 5 ]'
check "BT52 answered 00: ${r[0]:-}" '[[ ${r[0]:-} == 0*00* ]] && [ "${r[0]:4:2}" = 00 ]'
out=$(echo "${r[1]:-}" | "$bin" decode --mep-table 23 -)
check "sim BT23 decodes: $out" '[[ $out == *"energy_import_kwh"* ]]'
out=$(echo "${r[2]:-}" | "$bin" decode --mep-table 28 -)
check "sim BT28 decodes: $out" '[[ $out == *"\"l1_voltage_v\":2"* ]] && [[ $out == *"frequency_hz"* ]] && [[ $out == *"power_import_w"* ]]'
check "bad digest: 0B: ${r[3]:-}" '[ "${r[3]:-}" = 00010b ]'
check "old SEQ: 0C with the expected one: ${r[4]:-}" '[ "${r[4]:-}" = 00050c00000003 ]'

echo "test-mep-cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
