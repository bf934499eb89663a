#!/usr/bin/env bash
# End-to-end latency benchmark: from frame arrival (the message's capture_timestamp, set when the
# rtsp-receiver has a frame) to the HTTP server having the whole upload, p50/p99, with CPU and
# resident memory, for the memory bus (one msight-run holding receivers and uploaders) and the
# Redis bus (receivers and uploaders in two msight-run processes sharing a redis-server of its
# own), at 1 and 4 cameras (GStreamer RTSP servers, 1280x720 H.264 30 fps), uploaders at gap 0.
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
#   bench/e2e/run.sh [seconds per measurement, default 25]
#   Environment: WARMUP (seconds, default 8), CAMERAS (default "1 4"), SKIP_BUILD=1 (use target/msight as is)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
measure="${1:-25}"
warmup="${WARMUP:-8}"
camera_counts="${CAMERAS:-1 4}"
dist="$root/target/msight"
python=/usr/bin/python3   # Debian's, with the GStreamer bindings; not a pyenv python3 on PATH
rtsp_script="$root/msight-testkit/src/main/resources/org/msight/testkit/rtsp_test_server.py"
hz="$(getconf CLK_TCK)"

for tool in redis-server curl java "$python"; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
done
"$python" -c "import gi; gi.require_version('GstRtspServer', '1.0')" 2>/dev/null ||
  { echo "GStreamer's RTSP server is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building the distribution (mvn package in the reactor)..." >&2
  (cd "$root" && mvn -q -B package -DskipTests)
fi

work="$(mktemp -d)"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# The HTTP server: records arrival-to-receipt latency of each upload (bench/e2e/UploadReceiver.java).
start receiver java -XX:+UseSerialGC -Xmx256m "$here/UploadReceiver.java"
receiver_pid=$last
for _ in $(seq 300); do [ -s "$work/receiver.log" ] && break; sleep 0.1; done
http_port="$(head -1 "$work/receiver.log")"
await_port "$http_port" "$receiver_pid" receiver
receiver() { curl -sf "http://127.0.0.1:$http_port/$1"; }

# One GStreamer RTSP server per camera, each on its own port (its encoder runs only while a client reads).
max_cameras=0
for n in $camera_counts; do [ "$n" -gt "$max_cameras" ] && max_cameras=$n; done
camera_urls=()
camera_pids=()
for ((c = 0; c < max_cameras; c++)); do
  start_listening "camera$c" "$python" "$rtsp_script" '{port}'
  camera_urls+=("rtsp://127.0.0.1:$port/live.stream")
  camera_pids+=("$last")
done

start_listening redis-server redis-server --bind 127.0.0.1 --port '{port}' --save "" --appendonly no --daemonize no
redis_port=$port
redis_pid=$last

pipeline() {  # pipeline FILE BUS CAMERAS NODES(receivers|uploaders|both)
  {
    echo "msight { device-name = bench, bus = $2, redis { host = 127.0.0.1, port = $redis_port } }"
    echo "nodes {"
    for ((c = 0; c < $3; c++)); do
      [ "$4" != uploaders ] && echo "  camera$c { type = rtsp-receiver, url = \"${camera_urls[c]}\"," \
        "sensor-name = camera$c, publish-topic = images$c, gap = 0 }"
      [ "$4" != receivers ] && echo "  upload$c { type = http-uploader, subscribe-topic = images$c," \
        "url = \"http://127.0.0.1:$http_port/\", gap = 0, log-uploads-at = debug }"
    done
    echo "}"
  } >"$1"
}

# run BUS CAMERAS: starts the MSight process(es), warms up, measures, stops them; prints table rows.
run() {
  local bus=$1 cameras=$2 names=() pids=() c i
  if [ "$bus" = memory ]; then
    pipeline "$work/memory.conf" memory "$cameras" both
    start "memory-$cameras" "$dist/bin/msight-run" "$work/memory.conf"
    names=(msight-run); pids=("$last")
  else
    pipeline "$work/uploaders.conf" redis "$cameras" uploaders
    pipeline "$work/receivers.conf" redis "$cameras" receivers
    start "uploaders-$cameras" "$dist/bin/msight-run" "$work/uploaders.conf"
    names=(uploaders); pids=("$last")
    start "receivers-$cameras" "$dist/bin/msight-run" "$work/receivers.conf"
    names+=(receivers redis-server); pids+=("$last" "$redis_pid")
  fi
  # Wait for one second's worth of uploads from every camera, then warm up.
  receiver mark >/dev/null
  for i in $(seq 600); do
    [ "$(receiver stats | cut -d' ' -f1)" -ge $((cameras * 30)) ] && break
    for c in "${pids[@]}"; do kill -0 "$c" 2>/dev/null || { tail -30 "$work"/*-"$cameras".log >&2; exit 1; }; done
    [ "$i" = 600 ] && { echo "no uploads within 60 s" >&2; tail -30 "$work"/*-"$cameras".log >&2; exit 1; }
    sleep 0.1
  done
  sleep "$warmup"

  # Measure: latencies from the HTTP server; CPU ticks of every process and of the whole machine.
  local watched=("${pids[@]}" "$receiver_pid" "${camera_pids[@]:0:$cameras}") before=() after=() cores=()
  local t0 t1 busy0 busy1 uploads seconds p50 p99 max malformed body_kb
  receiver mark >/dev/null
  t0="$(now)"; busy0="$(busy_ticks)"
  for c in "${watched[@]}"; do before+=("$(cpu_ticks "$c")"); done
  sleep "$measure"
  read -r uploads seconds p50 p99 max malformed body_kb <<<"$(receiver stats)"
  t1="$(now)"; busy1="$(busy_ticks)"
  for c in "${watched[@]}"; do after+=("$(cpu_ticks "$c")"); done
  for i in "${!watched[@]}"; do
    cores+=("$(awk -v a="${before[i]}" -v b="${after[i]}" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
      'BEGIN { printf "%.2f", (b - a) / hz / (t1 - t0) }')")
  done
  # ours: the MSight processes (and redis-server); helpers: the HTTP server and the cameras; others: the rest.
  local ours helpers others rate total_rss=0 rss
  ours="$(printf '%s\n' "${cores[@]:0:${#pids[@]}}" | awk '{ s += $1 } END { printf "%.2f", s }')"
  helpers="$(printf '%s\n' "${cores[@]:${#pids[@]}}" | awk '{ s += $1 } END { printf "%.2f", s }')"
  others="$(awk -v a="$busy0" -v b="$busy1" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v o="$ours" -v h="$helpers" \
    'BEGIN { x = (b - a) / hz / (t1 - t0) - o - h; printf "%.2f", x < 0 ? 0 : x }')"
  rate="$(awk -v n="$uploads" -v s="$seconds" 'BEGIN { printf "%.1f", n / s }')"
  for i in "${!pids[@]}"; do
    rss="$(status_mb "${pids[i]}" VmRSS)"
    total_rss=$((total_rss + rss))
    if [ "$i" = 0 ]; then
      row "$bus" "$cameras" "$rate" "$body_kb" "$p50" "$p99" "$max" "${names[i]}" "${cores[i]}" "$rss" \
        "$(status_mb "${pids[i]}" VmHWM)" "$helpers" "$others"
    else
      row "" "" "" "" "" "" "" "${names[i]}" "${cores[i]}" "$rss" "$(status_mb "${pids[i]}" VmHWM)" "" ""
    fi
  done
  [ "${#pids[@]}" -gt 1 ] && row "" "" "" "" "" "" "" total "$ours" "$total_rss" "" "" ""
  [ "$malformed" != 0 ] && echo "  ($malformed uploads without a readable capture_timestamp)"
  summary["$bus,$cameras"]="$p50 $p99 $ours $total_rss $others"

  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do [ "${pids[i]}" != "$redis_pid" ] && stop_pid "${pids[i]}"; done
  return 0
}

declare -A summary
row() { printf '%-6s %7s %9s %7s %7s %7s %7s  %-12s %9s %6s %7s %12s %10s\n' "$@" | sed 's/ *$//'; }
echo
echo "End to end: frame arrival (capture_timestamp) -> HTTP server has the whole upload; 1280x720 30 fps"
echo "RTSP cameras, one uploader per camera at gap 0; ${measure} s measured after ${warmup} s of warm-up."
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo "CPU in cores (CPU seconds per second); 'cameras+http' is the GStreamer servers and the HTTP server of this"
echo "benchmark, 'others' the rest of the machine (other work on it) during the same window."
row bus cameras uploads/s "body KB" "p50 ms" "p99 ms" "max ms" process "CPU cores" "RSS MB" "peak MB" cameras+http others
for cameras in $camera_counts; do
  for bus in memory redis; do run "$bus" "$cameras"; done
done

echo
echo "Side by side: memory bus / Redis bus / ratio Redis:memory (CPU and RSS: sums over the MSight processes,"
echo "and redis-server); 'others' is the CPU other work on the machine took during each run (memory / Redis)."
printf '%7s  %-24s %-24s %-20s %-20s %s\n' cameras "p50 ms" "p99 ms" "CPU cores" "RSS MB" others
for cameras in $camera_counts; do
  read -r mp50 mp99 mcpu mrss mothers <<<"${summary[memory,$cameras]}"
  read -r rp50 rp99 rcpu rrss rothers <<<"${summary[redis,$cameras]}"
  awk -v c="$cameras" -v a="$mp50" -v b="$rp50" -v d="$mp99" -v e="$rp99" -v f="$mcpu" -v g="$rcpu" \
    -v h="$mrss" -v k="$rrss" -v x="$mothers / $rothers" '
    function side(m, r) { return m " / " r " / " (m > 0 ? sprintf("%.2f", r / m) : "-") }
    BEGIN { printf "%7s  %-24s %-24s %-20s %-20s %s\n", c, side(a, b), side(d, e), side(f, g), side(h, k), x }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
