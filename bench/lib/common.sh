# Shared by the benchmark scripts (sourced): processes started in the background and stopped on
# exit, free loopback ports, /proc figures, and the pre-encoded 1080p30 camera stream.
# The sourcing script sets $root, $python and $work before calling these.

started=()   # every pid started here, stopped in reverse order on exit

require_tools() {  # require_tools TOOL...: exits naming the first one missing
  local tool
  for tool; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
  done
}
build_dist() {  # the distribution in $root/target/msight, built in the reactor (SKIP_BUILD=1: as it is)
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building the distribution (mvn package in the reactor)..." >&2
    (cd "$root" && mvn -q -B package -DskipTests -pl msight-dist -am)
  fi
}

stop_pid() {  # SIGTERM, up to 15 s for a clean stop, then SIGKILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_pid "${started[i]}"; done
  wait 2>/dev/null || true
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
start() {  # start NAME COMMAND...: runs it in the background, logging to $work/NAME.log; pid in $last
  "${@:2}" >"$work/$1.log" 2>&1 &
  last=$!
  started+=("$last")
}
free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
await_port() {  # await_port PORT PID NAME
  local i
  for i in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$3 did not listen on 127.0.0.1:$1:" >&2; tail -20 "$work/$3.log" >&2; exit 1
}
await_log() {  # await_log NAME PATTERN PID: until $work/NAME.log has a line matching PATTERN (3 minutes at most)
  local i
  for i in $(seq 1800); do
    grep -aq -- "$2" "$work/$1.log" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.1
  done
  echo "$1 did not log '$2':" >&2; tail -20 "$work/$1.log" >&2; exit 1
}
start_servers() {  # a redis-server and bench/e2e/UploadReceiver.java on free ports: $redis_port, $upload_port
  redis_port="$(free_port)"
  start redis-server redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize no
  await_port "$redis_port" "$last" redis-server
  start uploads java -XX:+UseSerialGC -Xmx128m "$root/bench/e2e/UploadReceiver.java"
  local i
  for i in $(seq 600); do [ -s "$work/uploads.log" ] && break; sleep 0.1; done
  upload_port="$(head -1 "$work/uploads.log")"
  await_port "$upload_port" "$last" uploads
}
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }  # utime + stime, all threads
status_mb() { awk -v key="$2:" '$1 == key { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }  # VmRSS / VmHWM
now() { date +%s.%N; }
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }  # whole machine, not idle/iowait

camera_1080p() {  # camera_1080p DIR: prints the path of 5 minutes of 1080p30 H.264 (made once, ~1 min)
  local file="$1/camera-1080p30.mp4"
  if [ ! -s "$file" ]; then
    echo "making $file (60 s of 1080p30 H.264, a moving pattern with camera-like noise, copied 5 times)" >&2
    ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30,noise=alls=6:allf=t" -t 60 \
      -c:v libx264 -preset veryfast -crf 23 -g 30 -pix_fmt yuv420p "$1/camera-60s.mp4"
    ffmpeg -v error -y -stream_loop 4 -i "$1/camera-60s.mp4" -c copy "$file"
    rm -f "$1/camera-60s.mp4"
  fi
  echo "$file"
}
