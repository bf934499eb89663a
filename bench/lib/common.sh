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

is_child() {  # is_child PID: PID is a process this shell started and that has not ended (not a reused pid)
  local stat fields
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -r -a fields <<<"${stat##*) }"  # after the command in parentheses: state, parent pid, ...
  [ "${fields[0]}" != Z ] && [ "${fields[1]}" = "$$" ]
}
stop_pid() {  # SIGTERM, up to 15 s for a clean stop, then SIGKILL; only a child of this shell, forgotten after
  local pid=$1 i kept=()
  for i in "${started[@]}"; do [ "$i" = "$pid" ] || kept+=("$i"); done
  started=("${kept[@]}")
  is_child "$pid" || return 0  # ended already: its pid may be another process's by now
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 150); do is_child "$pid" || return 0; sleep 0.1; done
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
free_port() {  # a loopback port outside the kernel's ephemeral range, as msight-testkit's FreePorts picks
  # them (no outgoing connection takes it as its local port while a server is away), not reserved by a
  # test JVM (its lock file in /tmp/msight-test-ports/ held) and that nothing listens on now
  "$python" - <<'PY'
import fcntl, os, random, socket
low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
candidates = [p for p in range(10000, 65536) if p < low or p > high]
for _ in range(1000):
    port = random.choice(candidates)
    try:
        with open("/tmp/msight-test-ports/%d" % port, "r+") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when closed
    except FileNotFoundError:
        pass
    except OSError:
        continue  # a test JVM's, or another user's
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    raise SystemExit("no free loopback port outside the ephemeral range after 1000 tries")
PY
}
listens_on() {  # listens_on PORT PID: PID, or a child of it, holds the socket listening on PORT (not another process)
  local sockets pid
  sockets="$(awk -v port="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == port {
    print "socket:[" $10 "]" }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)"
  [ -n "$sockets" ] || return 1
  for pid in "$2" $(ps -o pid= --ppid "$2" 2>/dev/null); do
    # not "ls | grep -q": under pipefail, ls killed by SIGPIPE once grep found it would read as not found
    grep -qF "$sockets" < <(ls -l "/proc/$pid/fd" 2>/dev/null) && return 0
  done
  return 1
}
await_listening() {  # await_listening PORT PID: until PID listens on PORT itself (30 s at most); fails at once if it exits
  local i
  for i in $(seq 300); do
    listens_on "$1" "$2" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
await_port() {  # await_port PORT PID NAME: until PID listens on PORT; else exits with the end of NAME's log
  await_listening "$1" "$2" || not_listening "$@"
}
not_listening() {  # not_listening PORT PID NAME: exits, saying so, with the end of NAME's log
  echo "$3 did not listen on 127.0.0.1:$1 (pid $2 $(kill -0 "$2" 2>/dev/null && echo "runs" || echo "exited")):" >&2
  tail -20 "$work/$3.log" >&2; exit 1
}
start_listening() {  # start_listening NAME COMMAND...: COMMAND, '{port}' in its arguments a free port, started as
  # start does and ready once it listens there itself: $port, $last. A start that exits (another program took
  # the port after its pick) is tried again on another port, 3 times in all.
  local attempt arg args pattern='{port}'
  for attempt in 1 2 3; do
    port="$(free_port)"
    args=()
    for arg in "${@:2}"; do args+=("${arg//"$pattern"/$port}"); done
    start "$1" "${args[@]}"
    await_listening "$port" "$last" && return 0
    kill -0 "$last" 2>/dev/null && break  # runs without listening: no other port helps
  done
  not_listening "$port" "$last" "$1"
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
  start_listening redis-server redis-server --bind 127.0.0.1 --port '{port}' --save "" --appendonly no --daemonize no
  redis_port=$port
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
