#!/usr/bin/env bash
# Memory benchmark: the peak resident memory (VmHWM) of each MSight process on the work the
# issues name, beside Python MSight's figures on the same work (measured on the same kind of
# machine; Python MSight cannot run here), with the launch scripts' JVM defaults and, for
# comparison, with the JVM's own defaults (BASELINE=1 adds those rows):
#   uploader    http-uploader fed 300 frames/s of 110 KB JPEGs from Redis, uploading each (gap 0)
#   receiver    rtsp-receiver on a 1080p30 RTSP camera (pre-encoded H.264), gap 0, to Redis
#   quickstart  configs/quickstart.conf (a 720p30 lavfi camera, image-dumper at gap 9)
#   bench/memory/run.sh [seconds per run, default 40]     SKIP_BUILD=1 uses target/msight as is
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-40}"
python=/usr/bin/python3
work="$(mktemp -d)"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
require_tools redis-server ffmpeg curl bc java "$python"

build_dist
dist="$root/target/msight"
media="$root/bench/target"
mkdir -p "$media"
camera="$(camera_1080p "$media")"
if [ ! -s "$media/frame-110k.jpg" ]; then  # a 1280x720 camera-like JPEG of about 110 KB
  for q in 2 3 4 5 6; do
    ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720,noise=alls=6:allf=t" -frames:v 1 -q:v "$q" "$work/q$q.jpg"
  done
  best="$(for f in "$work"/q*.jpg; do s=$(stat -c %s "$f"); echo "$(( s > 112640 ? s - 112640 : 112640 - s )) $f"; done | sort -n | head -1 | cut -d' ' -f2)"
  cp "$best" "$media/frame-110k.jpg"
fi

start_servers
start_listening rtsp-server "$python" "$here/../lib/rtsp_file_server.py" '{port}' "$camera" 1
rtsp_port=$port

bus="bus = redis, redis { host = 127.0.0.1, port = $redis_port }"
cat >"$work/uploader.conf" <<CONF
msight { device-name = bench, $bus }
nodes.uploader { type = http-uploader, subscribe-topic = frames, gap = 0, url = "http://127.0.0.1:$upload_port/" }
CONF
cat >"$work/receiver.conf" <<CONF
msight { device-name = bench, $bus }
nodes.camera { type = rtsp-receiver, url = "rtsp://127.0.0.1:$rtsp_port/cam0", sensor-name = cam0, publish-topic = camera }
CONF
cp "$root/configs/quickstart.conf" "$work/quickstart.conf"

msight_run() {  # msight_run NAME JVM CONF: the launcher (JVM = msight) or plain java (JVM = java)
  if [ "$2" = msight ]; then
    start "$1" "$dist/bin/msight-run" "$3"
  else
    start "$1" env MALLOC_ARENA_MAX= java -Dmsight.home="$dist" -cp "$dist/lib/*" org.msight.runtime.cli.MsightRun "$3"
  fi
}

measure() {  # measure NAME JVM MSIGHT_MB TARGET_MB: runs $work/NAME.conf for $seconds, prints a row
  local name=$1 jvm=$2 pid ticks0 t0 ticks1 t1 hwm rss feeder=""
  msight_run "$name-$jvm" "$jvm" "$work/$name.conf"
  pid=$last
  # Start-up may take long on a loaded machine: the run starts when the node works.
  case $name in
    uploader) await_log "$name-$jvm" "started 1 node" "$pid" ;;
    receiver) await_log "$name-$jvm" "camera - INFO :: Reading" "$pid" ;;
    quickstart) await_log "$name-$jvm" "camera - INFO :: Reading" "$pid" ;;
  esac
  if [ "$name" = uploader ]; then
    start publisher java -cp "$dist/lib/*" "$here/Publisher.java" 127.0.0.1 "$redis_port" frames \
      "$media/frame-110k.jpg" 300 "$seconds"
    feeder=$last
  fi
  ticks0=$(cpu_ticks "$pid"); t0=$(now)
  curl -s "http://127.0.0.1:$upload_port/mark" >/dev/null
  sleep "$seconds"
  kill -0 "$pid" 2>/dev/null || { echo "$name exited early:" >&2; tail -20 "$work/$name-$jvm.log" >&2; exit 1; }
  ticks1=$(cpu_ticks "$pid"); t1=$(now)
  hwm=$(status_mb "$pid" VmHWM); rss=$(status_mb "$pid" VmRSS)
  local work_done
  if [ "$name" = uploader ]; then
    work_done="uploads/s: $(curl -s "http://127.0.0.1:$upload_port/stats" | awk '{ printf "%.0f", $1 / $2 }')"
  else
    work_done="frames/s: $(grep -a "camera - INFO :: throughput" "$work/$name-$jvm.log" | tail -1 | sed 's/.*out //; s/\/s.*//')"
  fi
  stop_pid "$pid"
  [ -z "$feeder" ] || wait "$feeder" 2>/dev/null || true
  printf '%-11s %-14s %8s %7s %6.2f %12s %6s %8s  %s\n' "$name" "$jvm" "$hwm" "$rss" \
    "$(echo "($ticks1 - $ticks0) / $(getconf CLK_TCK) / ($t1 - $t0)" | bc -l)" "$3" \
    "$( [ "$3" = - ] && echo - || printf '%.2f' "$(echo "$hwm / $3" | bc -l)")" "<= $4" \
    "$work_done"
}

cd "$work"  # the quickstart writes its images under its working directory
# The launcher's class data archive, as on a box where a pipeline has run: this quickstart run
# records the classes it loads, and the first measured start builds the archive.
export MSIGHT_CDS_DIR="$work/cds"
msight_run cds-record msight "$work/quickstart.conf"
await_log cds-record "camera - INFO :: Reading" "$last"
stop_pid "$last"
echo "load before: $(uptime)"
printf '%-11s %-14s %8s %7s %6s %12s %6s %8s\n' process jvm "peak MB" "RSS MB" cores "MSight MB" ratio target
jvms=(msight)
[ "${BASELINE:-0}" != 1 ] || jvms+=(java)
for jvm in "${jvms[@]}"; do
  measure uploader "$jvm" 175 180
  measure receiver "$jvm" 223 220
  measure quickstart "$jvm" - 150
done
archive="$(ls "$MSIGHT_CDS_DIR"/*.jsa 2>/dev/null || true)"
[ -n "$archive" ] || { echo "the launcher built no class data archive:" >&2; head -5 "$work/uploader-msight.log" >&2; exit 1; }
echo "load after:  $(uptime)"
echo "class data archive of the msight rows: $(du -m "$archive" | cut -f1) MB"
echo "jvm msight: bin/msight-run (libexec/msight-java's defaults); java: the JVM's own defaults."
