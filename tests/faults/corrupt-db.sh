#!/usr/bin/env bash
# Fault: the history database damaged on disk before the daemon starts.
#
# A database is made by a short clean run (two simulated meters), then copied and
# damaged in several ways before a daemon starts on the copy:
#   header       the first 100 bytes (SQLite's header) overwritten with random bytes
#   truncated    cut to half its pages
#   stub         cut to 50 bytes, inside the header
#   middle       the middle half of its pages overwritten with random bytes
#   text         not SQLite at all: a text file
#   empty        a zero-length file
#   garbage-wal  a sound database beside a -wal file of random bytes
#   newer        a sound database of a newer schema (user_version 99)
#   unreadable   a file the daemon may not read (mode 000; root reads any file, so
#                as root the daemon runs as nobody for it, in a directory of its
#                own; skipped when that cannot be done)
#
# What must hold (store_schema.c: a corrupt file is moved aside, never
# overwritten), asserted:
#  - header, truncated, stub, middle, text (sqlite3's own quick_check calls each
#    damaged): the daemon starts and serves /api/v1/status; the damaged file is
#    kept, renamed to history.db.corrupt-<time>, byte for byte what was there; the
#    log names the file, why it is corrupt and the name it was moved to; a new
#    history works (after SIGTERM, exit 0: integrity ok, raw rows stored, the
#    current schema);
#  - empty (an empty SQLite database) and garbage-wal (SQLite ignores a WAL whose
#    header does not check out): the daemon starts on the same file, nothing is
#    moved aside, the log calls nothing corrupt, and the rows already there are
#    all kept beside the new ones;
#  - newer and unreadable are not corrupt: the daemon refuses to start (exit
#    non-zero) with a clear message in the log (the schema versions; "Permission
#    denied"), and the file is left exactly as it was, not moved aside.
# Under ASan, no sanitizer or leak report from any run. Loopback only; about 30 s.
set -u
hanp1d=${1:?usage: corrupt-db.sh HANP1D}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
need curl sqlite3 python3 cmp truncate

http=$(free_port)
api="http://127.0.0.1:$http/api/v1"

# conf DIR: a configuration in DIR/hanp1d.conf with the history in DIR/history.db.
conf() {
	cat >"$1/hanp1d.conf" <<CONF
[meter a]
source = sim:dsmr50-nl?speed=20

[meter b]
source = sim:aidon?speed=20

[http]
listen = 127.0.0.1:$http

[store]
path = $1/history.db
store_interval = 1
commit_interval = 1
CONF
}
# run DIR [PREFIX...]: the daemon on DIR's configuration, its log in DIR/daemon.log.
run() {
	local dir=$1
	shift
	"$@" "$hanp1d" -c "$dir/hanp1d.conf" 2>>"$dir/daemon.log" &
	daemon=$!
	pids+=("$daemon")
}
stored() { # the daemon reads both meters and has committed
	curl -sf -m 2 "$api/status" -o "$tmp/status.json" &&
		json "$tmp/status.json" 'all(m["readings"] > 0 for m in o["meters"]) and o["store"]["commits"] >= 1'
}
stop() { # SIGTERM; the exit status in $rc
	kill -TERM "$daemon"
	wait "$daemon"
	rc=$?
}
rows() { sqlite3 "$1" 'SELECT count(*) FROM raw' 2>/dev/null; }
aside_files() { find "$1" -maxdepth 1 -name 'history.db.corrupt-*' ! -name '*-wal' ! -name '*-shm' ! -name '*-journal'; }

# The database every case starts from: a short clean run.
mkdir "$tmp/golden"
conf "$tmp/golden"
run "$tmp/golden"
check 'until_ok 15 stored' "the first run reads both meters and commits"
sleep 1.5 # a few more rows and pages
stop
golden=$tmp/golden/history.db
golden_rows=$(rows "$golden")
golden_pages=$(sqlite3 "$golden" 'PRAGMA page_count')
check '[ "$rc" = 0 ] && [ "$(sqlite3 "$golden" "PRAGMA quick_check")" = ok ] && [ "${golden_rows:-0}" -gt 0 ] && [ "${golden_pages:-0}" -ge 8 ]' \
	"the database to damage: $golden_rows raw rows in $golden_pages pages, quick_check ok"
schema=$(sqlite3 "$golden" 'PRAGMA user_version')

# damage NAME: a copy of the database in $tmp/NAME/history.db, damaged as NAME says.
damage() {
	local dir=$tmp/$1 db=$tmp/$1/history.db
	mkdir "$dir"
	conf "$dir"
	cp "$golden" "$db"
	case $1 in
	header) python3 -c 'import os,sys; f=open(sys.argv[1],"r+b"); f.write(os.urandom(100))' "$db" ;;
	truncated) truncate -s $((golden_pages / 2 * 512)) "$db" ;;
	stub) truncate -s 50 "$db" ;;
	middle)
		python3 - "$db" <<'PY'
import os, sys
size = 512
n = os.path.getsize(sys.argv[1]) // size
with open(sys.argv[1], "r+b") as f:
    for page in range(n // 4, 3 * n // 4):
        f.seek(page * size)
        f.write(os.urandom(size))
PY
		;;
	text) for _ in $(seq 200); do echo "a text file where the history should be"; done >"$db" ;;
	empty) : >"$db" ;;
	garbage-wal) head -c 4096 /dev/urandom >"$db-wal" ;;
	newer) sqlite3 "$db" 'PRAGMA user_version = 99' ;;
	esac
	cp "$db" "$dir/damaged.copy"
	[ "$1" = unreadable ] && chmod 000 "$db"
	stat -c '%i %s %Y %a' "$db" >"$dir/damaged.stat"
}

# A corrupt file: moved aside, kept as it was, named in the log; a new history.
corrupt_case() {
	local name=$1 dir=$tmp/$1 db=$tmp/$1/history.db
	damage "$name"
	local verdict
	verdict=$(sqlite3 "$db" 'PRAGMA quick_check' 2>&1 | head -1)
	check '[ "$verdict" != ok ]' "$name: sqlite3 calls the damaged file corrupt ($verdict)"
	run "$dir"
	check 'until_ok 15 stored' "$name: the daemon starts and stores readings"
	stop
	check '[ "$rc" = 0 ]' "$name: SIGTERM, exit 0 ($rc)"
	local aside
	aside=$(aside_files "$dir")
	check '[ -n "$aside" ] && [ "$(echo "$aside" | wc -l)" = 1 ] && cmp -s "$aside" "$dir/damaged.copy"' \
		"$name: the damaged file is kept, byte for byte, as $(basename "${aside:-nothing}")"
	local line
	line=$(grep "is corrupt" "$dir/daemon.log")
	echo "# $name: $line"
	check '[ -n "$aside" ] && grep -qF "store: $db is corrupt (" "$dir/daemon.log" && grep -qF "moved it to $aside and started a new database" "$dir/daemon.log"' \
		"$name: the log names the file, why, and where it went"
	check '[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] && [ "$(rows "$db")" -gt 0 ] && [ "$(sqlite3 "$db" "PRAGMA user_version")" = "$schema" ]' \
		"$name: the new history: integrity ok, $(rows "$db") raw rows, schema $schema"
}

# Not corrupt: the same file, nothing moved aside, its rows kept.
sound_case() {
	local name=$1 dir=$tmp/$1 db=$tmp/$1/history.db
	damage "$name"
	local before inode
	before=$(rows "$tmp/$name/damaged.copy")
	inode=$(stat -c %i "$db")
	run "$dir"
	check 'until_ok 15 stored' "$name: the daemon starts and stores readings"
	stop
	check '[ "$rc" = 0 ]' "$name: SIGTERM, exit 0 ($rc)"
	check '[ -z "$(aside_files "$dir")" ] && [ "$(stat -c %i "$db")" = "$inode" ] && ! grep -q "store: .* is corrupt" "$dir/daemon.log"' \
		"$name: the same file, nothing moved aside, nothing called corrupt"
	local after missing=0
	after=$(rows "$db")
	[ "${before:-0}" -gt 0 ] && missing=$(sqlite3 "$db" "ATTACH 'file:$dir/damaged.copy?mode=ro' AS old;
		SELECT count(*) FROM old.raw WHERE id NOT IN (SELECT id FROM main.raw)")
	check '[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] && [ "${after:-0}" -gt "${before:-0}" ] && [ "$missing" = 0 ]' \
		"$name: integrity ok, the ${before:-0} rows there before all kept ($missing missing), $after now"
}

# Not corrupt, not usable: a refusal with a clear message, the file untouched.
refused_case() {
	local name=$1 message=$2 dir=$tmp/$1 db=$tmp/$1/history.db
	shift 2
	run "$dir" "$@"
	check 'until_ok 15 "! kill -0 $daemon 2>/dev/null"' "$name: the daemon stops by itself"
	wait "$daemon"
	rc=$?
	echo "# $name: exit $rc: $(grep -v '^<[56]>' "$dir/daemon.log" | head -2 | tr '\n' ' ')"
	check '[ "$rc" != 0 ] && grep -qF "$message" "$dir/daemon.log"' "$name: it refuses (exit $rc) and says why: '$message'"
	check '[ -z "$(aside_files "$dir")" ] && [ "$(stat -c "%i %s %Y %a" "$db")" = "$(cat "$dir/damaged.stat")" ] && { [ ! -r "$db" ] || cmp -s "$db" "$dir/damaged.copy"; } && [ ! -e "$db-wal" ]' \
		"$name: the file is left as it was, not moved aside"
}

for name in header truncated stub middle text; do corrupt_case "$name"; done
sound_case empty
sound_case garbage-wal

damage newer
refused_case newer "schema version 99 is newer than this hanp1d knows ($schema); not touching it"

# Unreadable: meaningless for root, who reads any file; as root the daemon runs as
# nobody, in a directory of its own.
damage unreadable
as=()
if [ "$(id -u)" = 0 ]; then
	as=(skip)
	if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
		chmod 755 "$tmp"
		chown nobody "$tmp/unreadable"
		chmod 644 "$tmp/unreadable/hanp1d.conf"
		as=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
		# The binary may sit where nobody cannot reach it (a home directory).
		"${as[@]}" "$hanp1d" --version >/dev/null 2>&1 || as=(skip)
	fi
	[ "${as[0]}" = skip ] && echo "# unreadable: skipped, root cannot run hanp1d as nobody here"
fi
if [ "${as[0]:-}" != skip ]; then
	refused_case unreadable "Permission denied" "${as[@]}"
	check '[ "$(stat -c %a "$tmp/unreadable/history.db")" = 0 ]' "unreadable: its mode is still 000"
fi

check '! cat "$tmp"/*/daemon.log | grep -q -E "AddressSanitizer|LeakSanitizer|runtime error"' \
	"no sanitizer report in any daemon's log"
finish "corrupt db"
