#!/usr/bin/env bash
# Capacity benchmark: how many 1080p30 RTSP cameras this box sustains, every camera having at
# least 95% of its frames published (rtsp-receiver at gap 0, JPEG defaults), each camera's frames
# uploaded at gap 9 by an http-uploader, in two layouts:
#   one    all receivers and uploaders in one msight-run (memory bus)
#   each   one msight-run per camera (its receiver) publishing to Redis, the uploaders in one more
# The cameras are served pre-encoded (bench/lib/rtsp_file_server.py: demux and packetize only),
# so the test servers leave the cores to MSight. Prints, per run, the share of frames published
# (worst camera and mean), CPU and resident memory of the MSight processes in all and per camera,
# and the CPU the rest of the machine took meanwhile ('others'; this box may be shared), with the
# ratios of cores and MB per camera, and of the cameras sustained, to Python MSight's on the same work
# (the issue's figures, measured elsewhere: Python MSight cannot run here).
#   bench/capacity/run.sh [seconds measured, default 40]
#   CAMERAS="5 6 7 8" LAYOUTS="one each" WARMUP=15 SKIP_BUILD=1 (use target/msight as is)
#   RECEIVER="threads = 1": HOCON settings added to every rtsp-receiver
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-40}"
warmup="${WARMUP:-15}"
python=/usr/bin/python3
# Python MSight on the same work, from the issue: 3 cameras, 0.59 cores and 222 MB each.
py_cameras=3 py_cores=0.59 py_mb=222
declare -A sustained   # per layout: the most cameras sustained
work="$(mktemp -d)"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
require_tools redis-server ffmpeg java bc "$python"

build_dist
dist="$root/target/msight"
mkdir -p "$root/bench/target"
camera="$(camera_1080p "$root/bench/target")"

start_servers

conf() {  # conf FILE BUS FIRST LAST KINDS: a pipeline of cameras FIRST..LAST, receivers and/or uploaders
  local k
  {
    echo "msight { device-name = capacity, stats-interval = 5s, bus = $2, redis { host = 127.0.0.1, port = $redis_port } }"
    for ((k = $3; k <= $4; k++)); do
      [[ $5 != *r* ]] || echo "nodes.cam$k { type = rtsp-receiver, url = \"rtsp://127.0.0.1:$rtsp_port/cam$k\", sensor-name = cam$k, publish-topic = cam$k${RECEIVER:+, $RECEIVER} }"
      [[ $5 != *u* ]] || echo "nodes.up$k { type = http-uploader, subscribe-topic = cam$k, gap = 9, url = \"http://127.0.0.1:$upload_port/\" }"
    done
  } >"$1"
}

published_share() {  # published_share N: per camera, mean published/s after the warm-up over 30
  local k
  for ((k = 0; k < $1; k++)); do
    cat "$work"/run-*.log | grep -a " - cam$k - INFO :: throughput:" | awk -v skip="$((warmup / 5))" \
      '{ n++; if (n > skip) { sub(/.*out /, ""); sub(/\/s.*/, ""); sum += $0; m++ } } END { printf "%.3f\n", m ? sum / m / 30 : 0 }'
  done
}

run() {  # run LAYOUT N: prints one row
  local layout=$1 n=$2 pids=() k ticks0=0 ticks1=0 busy0 busy1 t0 t1 rss=0 hwm=0 shares
  rm -f "$work"/run-*.log
  start_listening rtsp-server "$python" "$here/../lib/rtsp_file_server.py" '{port}' "$camera" "$n"
  rtsp_port=$port
  local server=$last
  if [ "$layout" = one ]; then
    conf "$work/one.conf" memory 0 $((n - 1)) ru
    start run-one "$dist/bin/msight-run" "$work/one.conf"; pids+=("$last")
  else
    conf "$work/uploaders.conf" redis 0 $((n - 1)) u
    start run-uploaders "$dist/bin/msight-run" "$work/uploaders.conf"; pids+=("$last")
    for ((k = 0; k < n; k++)); do
      conf "$work/cam$k.conf" redis "$k" "$k" r
      start "run-cam$k" "$dist/bin/msight-run" "$work/cam$k.conf"; pids+=("$last")
    done
  fi
  # Start-up may take long on a loaded machine: the warm-up starts when the last node works.
  if [ "$layout" = one ]; then
    await_log run-one "cam$((n - 1)) - INFO :: Reading" "${pids[0]}"
  else
    await_log run-uploaders "started $n node" "${pids[0]}"
    for ((k = 0; k < n; k++)); do await_log "run-cam$k" "cam$k - INFO :: Reading" "${pids[k + 1]}"; done
  fi
  sleep "$warmup"
  t0=$(now); busy0=$(busy_ticks)
  for k in "${pids[@]}"; do ticks0=$((ticks0 + $(cpu_ticks "$k"))); done
  sleep "$seconds"
  for k in "${pids[@]}"; do
    kill -0 "$k" 2>/dev/null || { echo "an msight-run exited early:" >&2; tail -20 "$work"/run-*.log >&2; exit 1; }
    ticks1=$((ticks1 + $(cpu_ticks "$k"))); rss=$((rss + $(status_mb "$k" VmRSS))); hwm=$((hwm + $(status_mb "$k" VmHWM)))
  done
  t1=$(now); busy1=$(busy_ticks)
  local load; load="$(uptime | sed 's/.*average: //')"
  for k in "${pids[@]}"; do stop_pid "$k"; done
  stop_pid "$server"
  shares="$(published_share "$n")"
  local hz; hz=$(getconf CLK_TCK)
  local cores; cores=$(echo "($ticks1 - $ticks0) / $hz / ($t1 - $t0)" | bc -l)
  local others; others=$(echo "($busy1 - $busy0 - $ticks1 + $ticks0) / $hz / ($t1 - $t0)" | bc -l)
  local worst mean; worst=$(sort -n <<<"$shares" | head -1); mean=$(awk '{ s += $1 } END { printf "%.3f", s / NR }' <<<"$shares")
  local ok; ok=$(echo "$worst >= 0.95" | bc -l)
  [ "$ok" = 0 ] || [ "$n" -le "${sustained[$layout]:-0}" ] || sustained[$layout]=$n
  printf '%-6s %7d %7.1f%% %7.1f%% %-9s %6.2f %9.3f %9.2f %7d %9d %9.2f %8d %7.2f  %s\n' "$layout" "$n" \
    "$(echo "$worst * 100" | bc -l)" "$(echo "$mean * 100" | bc -l)" \
    "$(sed 's/1/yes/; s/0/no/' <<<"$ok")" "$cores" "$(echo "$cores / $n" | bc -l)" \
    "$(echo "$cores / $n / $py_cores" | bc -l)" "$rss" "$((rss / n))" "$(echo "$rss / $n / $py_mb" | bc -l)" \
    "$hwm" "$others" "$load"
}

echo "load before: $(uptime)"
printf '%-6s %7s %8s %8s %-9s %6s %9s %9s %7s %9s %9s %8s %7s  %s\n' layout cameras "worst" "mean" sustained cores \
  cores/cam "to Python" "RSS MB" "MB/cam" "to Python" "peak MB" others "load average at the end"
for layout in ${LAYOUTS:-one each}; do
  for n in ${CAMERAS:-5 6 7 8}; do run "$layout" "$n"; done
done
echo "load after:  $(uptime)"
echo "worst/mean: frames published over 30 per second and camera; sustained: every camera >= 95%."
echo "to Python: ours over Python MSight's on the same work (the issue's figures, not measured here: $py_cameras cameras,"
echo "$py_cores cores and $py_mb MB each); cameras sustained at most, and over Python's $py_cameras:"
for layout in ${LAYOUTS:-one each}; do
  n="${sustained[$layout]:-0}"
  printf '  %-6s %d cameras (of %s tried)  %.2f\n' "$layout" "$n" "${CAMERAS:-5 6 7 8}" "$(echo "$n / $py_cameras" | bc -l)"
done
