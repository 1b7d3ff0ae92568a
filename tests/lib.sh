# Shell helpers the test scripts share; source it after `set -u`:
#   . "$(dirname "$0")/../lib.sh"
# It makes $tmp (removed on exit), kills the PIDs in $pids that are still its
# background jobs on exit, and counts checks in $pass and $fail. `finish NAME`
# prints the count and sets the status.

tmp=$(mktemp -d)
pids=()
cleanup() {
	# Only this shell's own jobs: a PID waited for long ago may belong to
	# another process by now.
	local p jobs_now=" $(jobs -p | tr '\n' ' ') "
	for p in "${pids[@]}"; do
		[[ $jobs_now == *" $p "* ]] && kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# An interrupted run (ctest's timeout, ^C, a closed pipe) cleans up too.
trap 'exit 1' INT TERM HUP PIPE

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# check CMD LEGEND: one check, CMD evaluated.
check() { if eval "$1"; then ok; else bad "$2"; fi; }
# finish NAME: the summary line; the exit status is 0 only when nothing failed.
finish() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
# until_ok SECONDS CMD: runs CMD every 0.1 s until it succeeds; false on timeout.
until_ok() {
	local end=$(($(now_ns) + $1 * 1000000000))
	while [ "$(now_ns)" -lt "$end" ]; do
		eval "$2" && return 0
		sleep 0.1
	done
	return 1
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# json FILE EXPR: EXPR true with `o` the JSON document in FILE.
json() {
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
# need TOOL...: skips the test (exit 77) when a tool is missing.
need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "skipped, no $tool"; exit 77; }
	done
}
