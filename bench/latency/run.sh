#!/usr/bin/env bash
# Upload tail latency: a publisher puts a 110 KB ImageData on a Redis channel RATE times a second
# (its capture time set just before PUBLISH); one msight-run with an http-uploader on the Redis bus
# (gap 0, log-uploads-at = debug) POSTs it to a JDK HTTP server (bench/e2e/UploadReceiver.java),
# which records publish -> whole body received. Prints p50/p99/max and CPU per upload per rate, and
# the same for a Python uploader doing MSight's HttpSinkNode's work with MSight's libraries
# (python_uploader.py: redis-py, msgpack and requests, Debian's packages; MSight itself is not
# packaged), measured in the same run; then the uploader's CPU per upload in the first
# 10 s at 30/s (warm-up) with and without the launcher's class data archive, and with C1 only.
#   bench/latency/run.sh [seconds per rate, default 30] [rates, default "100 300"]
#   Environment: SKIP_BUILD=1 uses target/msight as it is; DIST=folder uses that distribution instead;
#   WARMUP=seconds at 100/s before the measured rates (default 180: the JIT compiler is still busy
#   for minutes at these rates, and on 2 cores it takes the CPU the uploads wait for: p99 was 15-17
#   ms after 30 s, 8 ms after 150 s; the warm-up table below measures the first seconds on their
#   own); JVM_OPTIONS="opts|opts..." measures the rates and the warm-up once per set of uploader JVM
#   options, each added to the launcher's defaults (default: the defaults alone; "|--add-modules
#   jdk.incubator.vector" adds the vector Base64's rows beside them).
# Both tables end with the ratios of each row's figures to the Python uploader's (at the same rate).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
measure="${1:-30}"
rates="${2:-100 300}"
dist="${DIST:-$root/target/msight}"
python=/usr/bin/python3
work="$(mktemp -d)"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
require_tools redis-server curl java "$python"
"$python" -c "import redis, msgpack, requests" 2>/dev/null \
  || { echo "python3-redis, python3-msgpack or python3-requests is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the distribution (reactor package, nothing installed)..." >&2
  (cd "$root" && mvn -q -B -pl msight-dist -am package -DskipTests)
fi
hz="$(getconf CLK_TCK)"

start receiver java -XX:+UseSerialGC -Xmx256m "$root/bench/e2e/UploadReceiver.java"
for _ in $(seq 300); do [ -s "$work/receiver.log" ] && break; sleep 0.1; done
http_port="$(head -1 "$work/receiver.log")"
await_port "$http_port" "$last" receiver
start_listening redis-server redis-server --bind 127.0.0.1 --port '{port}' --save "" --appendonly no --daemonize no
redis_port=$port
cat >"$work/uploader.conf" <<CONF
msight { device-name = bench, bus = redis, redis { host = 127.0.0.1, port = $redis_port }, registry.enabled = false }
nodes.upload { type = http-uploader, subscribe-topic = images, url = "http://127.0.0.1:$http_port/", gap = 0, log-uploads-at = debug }
CONF
publish() { java -cp "$dist/lib/*" "$here/Publisher.java" "$redis_port" images "$1" "$2"; }
stats() { curl -sf "http://127.0.0.1:$http_port/$1"; }

# await_started output: waits (60 s at most) for the uploader just started to say "started"
await_started() {
  for _ in $(seq 600); do grep -q "started" "$1" && break; sleep 0.1; done
  grep -q "started" "$1" || { echo "the uploader did not start:" >&2; cat "$1" >&2; exit 1; }
  sleep 1
}

# The launcher's class data archive, made in the bench's own folder: the uploaders measured at
# rates record the classes they load, and the first start after them builds it.
export MSIGHT_CDS_DIR="$work/cds"

# start_uploader [JVM options] [MSIGHT_CDS]: the uploader, ready once it has subscribed
start_uploader() {
  start uploader env MSIGHT_JAVA_OPTS="${1:-}" MSIGHT_CDS="${2:-}" "$dist/bin/msight-run" "$work/uploader.conf"
  uploader=$last
  await_started "$work/uploader.log"
}

# start_python: the Python uploader, ready once it has subscribed
start_python() {
  start python-uploader "$python" "$here/python_uploader.py" "$redis_port" images "http://127.0.0.1:$http_port/" \
    "$work/python.log"
  uploader=$last
  await_started "$work/python-uploader.log"
}

# Rows are printed once the Python uploader, measured last, gives the figures they are compared with.
python_label="Python (redis-py, msgpack, requests)"
rate_rows=()        # label|rate|uploads|p50|p99|max|CPU us|collections
warm_up_rows=()     # label|CPU ms|p99
# ratio OURS REFERENCE: OURS / REFERENCE to 2 places, or - where there is none
ratio() { awk -v a="$1" -v b="${2:-}" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else printf "-" }'; }

# warm_up_row label: the first 10 s at 30/s of the uploader started after the last mark, then stops it
warm_up_row() {
  publish 30 10
  sleep 1
  read -r uploads _ _ p99 _ _ <<<"$(stats stats)"
  cpu=$(cpu_ticks "$uploader")
  stop_pid "$uploader"
  warm_up_rows+=("$(sed "s#$work/##g" <<<"$1")|$(awk -v t="$cpu" -v n="$uploads" -v hz="$hz" 'BEGIN { printf "%.1f", t / hz * 1e3 / n }')|$p99")
  echo "measured warm-up: ${warm_up_rows[-1]}" >&2
}

# measure_rates label [gc log]: one row per rate for the uploader running now
measure_rates() {
  for rate in $rates; do
    stats mark >/dev/null
    before=$(cpu_ticks "$uploader")
    collections_before=$( [ -n "${2:-}" ] && grep -c "Pause Young" "$2" || true)
    publish "$rate" "$measure"
    sleep 1
    read -r uploads _ p50 p99 max _ <<<"$(stats stats)"
    cpu=$(( $(cpu_ticks "$uploader") - before ))
    collections="-"
    [ -n "${2:-}" ] && collections=$(awk -v c="$(( $(grep -c "Pause Young" "$2" || true) - collections_before ))" \
      -v s="$measure" 'BEGIN { printf "%.1f", c / s }')
    rate_rows+=("$1|$rate|$uploads|$p50|$p99|$max|$(awk -v t="$cpu" -v n="$uploads" -v hz="$hz" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')|$collections")
    echo "measured: ${rate_rows[-1]}" >&2
  done
}

# The rate table, each row with its p50, p99 and CPU per upload over the Python uploader's at its rate.
print_rates() {
  local row label rate uploads p50 p99 max cpu collections reference py_p50 py_p99 py_cpu
  echo "| uploader | rate /s | uploads | p50 ms | p99 ms | max ms | uploader CPU us/upload | young collections /s | to Python: p50 / p99 / CPU |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for row in "${rate_rows[@]}"; do
    IFS='|' read -r label rate uploads p50 p99 max cpu collections <<<"$row"
    reference="(the reference)"
    if [ "$label" != "$python_label" ]; then
      IFS='|' read -r _ _ _ py_p50 py_p99 _ py_cpu _ <<<"$(printf '%s\n' "${rate_rows[@]}" | grep -F "$python_label|$rate|" || true)"
      reference="$(ratio "$p50" "$py_p50") / $(ratio "$p99" "$py_p99") / $(ratio "$cpu" "$py_cpu")"
    fi
    echo "| $label | $rate | $uploads | $p50 | $p99 | $max | $cpu | $collections | $reference |"
  done
}

# The warm-up table, each row with its CPU per upload and p99 over the Python uploader's.
print_warm_up() {
  local row label cpu p99 py_cpu py_p99 reference
  IFS='|' read -r _ py_cpu py_p99 <<<"$(printf '%s\n' "${warm_up_rows[@]}" | grep -F "$python_label|" || true)"
  echo "| uploader | CPU ms/upload | p99 ms | to Python: CPU / p99 |"
  echo "|---|---|---|---|"
  for row in "${warm_up_rows[@]}"; do
    IFS='|' read -r label cpu p99 <<<"$row"
    reference="(the reference)"
    [ "$label" = "$python_label" ] || reference="$(ratio "$cpu" "$py_cpu") / $(ratio "$p99" "$py_p99")"
    echo "| $label | $cpu | $p99 | $reference |"
  done
}

echo "load before: $(uptime)"
IFS="|" read -r -a option_sets <<<"${JVM_OPTIONS:-}"
[ "${#option_sets[@]}" -gt 0 ] || option_sets=("")
for opts in "${option_sets[@]}"; do
  start_uploader "$opts -Xlog:gc:file=$work/gc.log"
  publish 100 "${WARMUP:-180}" >/dev/null   # warm-up
  measure_rates "msight-run ${opts:-(defaults)}" "$work/gc.log"
  stop_pid "$uploader"
done
# The Python uploader, on the same Redis, server and publisher; it has no compiler to warm up.
start_python
publish 100 10 >/dev/null
measure_rates "$python_label"
stop_pid "$uploader"

# This start builds the archive (once; its build is not in the rows).
start_uploader
stop_pid "$uploader"
[ -s "$(ls "$MSIGHT_CDS_DIR"/*.jsa 2>/dev/null | head -1)" ] || { echo "the launcher built no class data archive:" >&2; cat "$work/uploader.log" >&2; exit 1; }
stats mark >/dev/null
start_uploader "" off
warm_up_row "msight-run, MSIGHT_CDS=off (the JDK archive only)"
for opts in "${option_sets[@]}" "-XX:TieredStopAtLevel=1"; do
  stats mark >/dev/null
  start_uploader "$opts"
  warm_up_row "msight-run ${opts:-(defaults, with the class data archive)}"
done
stats mark >/dev/null
start_python
warm_up_row "$python_label"

echo
print_rates
echo
echo "Warm-up: CPU of the uploader process per upload over its first 10 s at 30/s (start-up included)"
print_warm_up
echo
echo "load after: $(uptime)"
