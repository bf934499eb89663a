#!/usr/bin/env bash
# Soak: one msight-run with 2 cameras (FFmpeg test patterns, 1280x720 at 30 frames/s) feeding an
# http-uploader (gap 0, with a spool) and an image-dumper, for DURATION seconds, while the upload
# server goes away for DOWN seconds every PERIOD seconds. Every 10 s it samples the runtime's RSS,
# threads and open files and the nodes' counters (published, uploaded, spooled, lost), then
# prints a table (one row a minute) and the slopes of RSS, threads and FDs after the first two
# minutes (the heap grows to its size in the first few), and counts the frame ids at the server.
# Usage: bench/soak/run.sh [DURATION s, default 1800] [PERIOD s, default 240] [DOWN s, default 60]
# Environment: DIST=folder of a distribution (default target/msight, built when missing); copy it
# elsewhere first if you will rebuild while the soak runs. The upload server's output goes to
# server.log in the work folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration=${1:-1800}
period=${2:-240}
down=${3:-60}
dist=${DIST:-$root/target/msight}
if [ ! -x "$dist/bin/msight-run" ]; then
  echo "building the distribution (reactor package, nothing installed)..." >&2
  (cd "$root" && mvn -q -pl msight-dist -am package -DskipTests)
fi
work=$(mktemp -d /tmp/msight-soak.XXXXXX)
python=/usr/bin/python3
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"   # free_port, await_listening
server_pid=
# start_server: the upload server on $port, true once it listens there itself
start_server() {
  "$python" "$here/server.py" "$port" "$work/ids" >>"$work/server.log" 2>&1 & server_pid=$!
  await_listening "$port" "$server_pid"
}
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; server_pid=; }
# server_failed WHAT: the soak cannot go on without its server: says so and exits (the trap stops the rest)
server_failed() {
  echo "soak: the upload server $1; the end of its log ($work/server.log):" >&2
  tail -5 "$work/server.log" >&2
  exit 1
}
# The port is outside the ephemeral range, as the test kit's: no connection made while the server is
# away (the uploader's own, retrying) takes it as its local port, so the server gets it back each time.
for attempt in 1 2 3; do
  port=$(free_port)
  start_server && break
  stop_server   # exited: another program took the port after its pick
done
[ -n "$server_pid" ] || server_failed "did not listen on 127.0.0.1:$port (3 ports tried)"
cat > "$work/soak.conf" <<CONF
msight.stats-interval = 10s
nodes {
  cam_a { type = rtsp-receiver, format = lavfi, url = "testsrc2=size=1280x720:rate=30,realtime", publish-topic = frames }
  cam_b { type = rtsp-receiver, format = lavfi, url = "testsrc2=size=1280x720:rate=30,realtime", publish-topic = frames }
  uploader {
    type = http-uploader, subscribe-topic = frames, gap = 0, log-uploads-at = debug
    url = "http://127.0.0.1:$port/upload"
    queue-capacity = 64
    attempt-timeout = 5s
    spool { path = "$work/spool", max-size = 2GiB }
  }
  dumper { type = image-dumper, subscribe-topic = frames, folder = "$work/frames", max-files = 200 }
}
CONF
"$dist/bin/msight-run" "$work/soak.conf" > "$work/run.log" 2>&1 &
run_pid=$!
trap 'kill $run_pid 2>/dev/null || true; stop_server' EXIT
echo "soak: $duration s, server away $down s every $period s; work folder $work" >&2

# The last total of a node's counter in its throughput lines (they carry totals of own counters).
last() { grep -o " - $1 - INFO :: throughput: .*" "$work/run.log" | tail -1 | grep -o ", $2 [0-9]*" | grep -o '[0-9]*$' || echo 0; }
echo "t_s,rss_mb,threads,fds,published,uploaded,spooled,unspooled,lost,server" > "$work/samples.csv"
start=$(date +%s)
next_outage=$period
while :; do
  now=$(( $(date +%s) - start ))
  [ "$now" -ge "$duration" ] && break
  if [ "$now" -ge "$next_outage" ] && [ -n "$server_pid" ]; then stop_server; back_at=$((now + down)); fi
  if [ -z "$server_pid" ] && [ "$now" -ge "${back_at:-0}" ]; then
    start_server || server_failed "did not listen on 127.0.0.1:$port again: the outage would not end; soak stopped"
    next_outage=$((next_outage + period))
  fi
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$run_pid/status)
  threads=$(awk '/Threads/ {print $2}' /proc/$run_pid/status)
  fds=$(ls /proc/$run_pid/fd | wc -l)
  published=$(( $(last cam_a encoded) + $(last cam_b encoded) ))
  lost=$(( $(last cam_a lost) + $(last cam_b lost) + $(last uploader dropped) + $(last uploader failed) + $(last uploader spool-dropped) ))
  echo "$now,$rss,$threads,$fds,$published,$(last uploader uploads),$(last uploader spooled),$(last uploader unspooled),$lost,$(wc -l < "$work/ids")" >> "$work/samples.csv"
  sleep 10
done
if [ -z "$server_pid" ]; then
  start_server || server_failed "did not listen on 127.0.0.1:$port again: the spool could not empty; soak stopped"
fi
sleep 30 # the spool empties
kill -TERM $run_pid; wait $run_pid || true
stop_server
trap - EXIT

/usr/bin/python3 - "$work" <<'PY'
import csv, sys
work = sys.argv[1]
rows = list(csv.DictReader(open(work + "/samples.csv")))
print("| t (min) | RSS MB | threads | FDs | published | uploaded | spooled | unspooled | lost |")
print("|---|---|---|---|---|---|---|---|---|")
minute = -1
for row in rows:
    if int(row["t_s"]) // 60 > minute:
        minute = int(row["t_s"]) // 60
        print("| %.0f | %s | %s | %s | %s | %s | %s | %s | %s |" % (int(row["t_s"]) / 60, row["rss_mb"], row["threads"],
              row["fds"], row["published"], row["uploaded"], row["spooled"], row["unspooled"], row["lost"]))
steady = [r for r in rows if int(r["t_s"]) >= 300]
def slope(key):
    xs = [int(r["t_s"]) / 3600 for r in steady]; ys = [float(r[key]) for r in steady]
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
if len(steady) > 2:
    print("\nslopes after 5 min, per hour: RSS %+.1f MB, threads %+.1f, FDs %+.1f" % (slope("rss_mb"), slope("threads"), slope("fds")))
    print("RSS min/max after 5 min: %s / %s MB; threads %s-%s; FDs %s-%s" % (
        min(int(r["rss_mb"]) for r in steady), max(int(r["rss_mb"]) for r in steady),
        min(int(r["threads"]) for r in steady), max(int(r["threads"]) for r in steady),
        min(int(r["fds"]) for r in steady), max(int(r["fds"]) for r in steady)))
ids = [l.strip() for l in open(work + "/ids") if l.strip()]
print("server: %d uploads, %d distinct frames, %d doubled (at least once)" % (len(ids), len(set(ids)), len(ids) - len(set(ids))))
PY
grep " - uploader - INFO :: totals" "$work/run.log" || true
{ grep -c "ERROR" "$work/run.log" || true; } | sed 's/^/ERROR lines in the log: /'
