#!/usr/bin/env bash
# The dashboard in a real browser: the daemon on two simulated meters (a Norwegian
# Aidon with the capacity step, a Belgian e-MUCS DSMR with the quarter-hour peak)
# behind a path prefix, with a year of seeded history; then dashboard.test.mjs
# drives Debian's chromium through playwright-core and checks the pages against
# the API. Screenshots go to $HP_ARTIFACTS, else ARTIFACTS_DIR.
#
# Needs chromium, node 18+, python3, tzdata, libjs-chart.js and
# tests/web/node_modules (npm ci --prefix tests/web); exits 77 (skipped) without.
set -u
hanp1d=${1:?usage: test-dashboard.sh HANP1D [ARTIFACTS_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
artifacts=${HP_ARTIFACTS:-${2:-$PWD/web-artifacts}}
chromium=${HP_CHROMIUM:-/usr/bin/chromium}
vendor=/usr/share/javascript

skip() {
	echo "SKIP: $*"
	exit 77
}
[ -x "$chromium" ] || skip "no browser at $chromium (apt-get install chromium)"
command -v node >/dev/null || skip "no node (apt-get install nodejs)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
	skip "node $(node --version) is older than 18"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
	skip "playwright-core is not installed (npm ci --prefix tests/web)"
command -v python3 >/dev/null || skip "no python3"
[ -f /usr/share/zoneinfo/Europe/Oslo ] || skip "no tzdata"
[ -d "$vendor/chart.js" ] || skip "no Chart.js in $vendor (apt-get install libjs-chart.js)"

tmp=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# Free loopback ports: bind port 0 and read what the kernel gave. Nothing listens
# on the MQTT one, so the status bar has a broker error to explain.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
mqtt_port=$(free_port)
base="http://127.0.0.1:$port/hanp1d/"

# Secrets the pages must never show.
key=8E1F2A3B4C5D6E7F8091A2B3C4D5E6F7
mqtt_password=mqtt-Secret-4711
hash=$(printf 'dashboard secret\n' | "$hanp1d" passwd) || {
	echo "FAIL: hanp1d passwd"
	exit 1
}

# A third meter replays a capture whose second frame is damaged: its status has
# CRC errors to count and explain, it has no capacity tariff, and a configured
# maximum power instead of a main fuse scales its import gauge.
"$hanp1d" sim --meter kamstrup-list2 --count 2 --hex >"$tmp/frames.hex" || {
	echo "FAIL: hanp1d sim"
	exit 1
}
python3 - "$tmp/frames.hex" <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
second = next(i for i, l in enumerate(lines) if l.startswith("# frame 2"))
# A byte in the middle of the second frame: its checksum no longer matches.
data = lines[second + 5].split()
data[3] = "%02X" % (int(data[3], 16) ^ 0x5A)
lines[second + 5] = " ".join(data)
open(path, "w").write("\n".join(lines))
PY

cat >"$tmp/hanp1d.conf" <<CONF
[meter home]
source = sim:aidon
main_fuse_a = 25
voltage = 230
phases = 3
capacity_tariff = no
timezone = Europe/Oslo

[meter hus]
source = sim:dsmr-be
key = $key
main_fuse_a = 40
voltage = 400
phases = 3
production_kwp = 6
capacity_tariff = be
capacity_price_kw_year = 40.4
timezone = Europe/Brussels

[meter garage]
source = replay:$tmp/frames.hex
max_power_w = 11000
timezone = Europe/Oslo

[http]
listen = 127.0.0.1:$port
prefix = /hanp1d
www_dir = $src/www
vendor_dir = $vendor
auth = write
user = admin
password_hash = $hash

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 1

[daemon]
timezone = Europe/Oslo
log_level = warning

[mqtt]
host = 127.0.0.1
port = $mqtt_port
username = meter
password = $mqtt_password

[prices]
currency = NOK
import = 1.45
export = 0.55

[price night]
days = mon-sun
hours = 22-6
import = 0.95

[modifier grid]
operation = add
direction = import
value = 0.25
CONF

start() {
	"$hanp1d" -c "$tmp/hanp1d.conf" >>"$tmp/daemon.log" 2>&1 &
	pid=$!
}
stop() {
	kill -TERM "$pid"
	wait "$pid"
	pid=""
}
# Both meters have a reading (at most 15 s: the first frames, list 1 included).
wait_readings() {
	for _ in $(seq 150); do
		if curl -sf "${base}api/v1/meters/home/now" >/dev/null 2>&1 &&
			curl -sf "${base}api/v1/meters/hus/now" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL: no readings from the daemon"
	cat "$tmp/daemon.log"
	return 1
}

# A first run makes the database and its meters; the seeder then adds a year of
# buckets up to that run and a day of raw readings; the second run serves them.
started_ms=$(date +%s%3N)
start
wait_readings || exit 1
stop
python3 "$here/seed-history.py" "$tmp/history.db" "$started_ms" \
	home:Europe/Oslo:no hus:Europe/Brussels:be >"$tmp/seeded.json" || {
	echo "FAIL: seeding the history"
	exit 1
}
start
wait_readings || exit 1

mkdir -p "$artifacts"
cd "$here" || exit 1
node dashboard.test.mjs --base "$base" --chromium "$chromium" --artifacts "$artifacts" \
	--seeded "$tmp/seeded.json" --secret "$key" --secret "$mqtt_password" --secret "$hash"
rc=$?
if [ "$rc" != 0 ]; then
	echo "--- daemon log"
	tail -n 40 "$tmp/daemon.log"
fi
exit "$rc"
