#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, when missing.
# Tests start real servers: GStreamer's RTSP server (through Debian's /usr/bin/python3),
# redis-server, nats-server, and use the ffmpeg CLI to make test inputs; benchmarks also use wrk,
# bc and curl. The dashboard runs in chromium, the arm64 distribution under qemu-user.
set -euo pipefail

packages=(
  redis-server
  ffmpeg
  wrk
  bc curl  # the benchmark scripts' arithmetic and HTTP requests (bench/*/run.sh)
  python3-gi
  python3-redis python3-msgpack python3-requests  # bench/latency's Python uploader
  gir1.2-gst-rtsp-server-1.0
  gstreamer1.0-rtsp
  gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly
  procps   # kill: the RTSP test server is frozen with SIGSTOP to simulate a stalled stream
  util-linux  # setsid: each test server runs in a session of its own, out of reach of job control
  openssl  # the Redis TLS test makes a throwaway CA and certificates
  libturbojpeg0  # the rtsp-receiver's JPEG encoder (TurboJPEG); FFmpeg's is the fallback
  nats-server  # the nats bus tests start their own NATS servers (JetStream included)
  chromium          # the dashboard is tested in a headless browser
  qemu-user-static  # the linux-arm64 distribution runs under emulation (scripts/arm64-root)
  debootstrap       # fetches the Debian arm64 packages of that emulated root
  systemd           # systemd-analyze verify checks the msight@.service unit
)

# The build itself, where a fresh machine has none on PATH: Maven, and a JDK unless javac on PATH
# is 17 or newer (one from elsewhere is kept), as the sources are Java 17 (release 17).
command -v mvn >/dev/null || packages+=(maven)
javac_major=$({ javac -version 2>&1 || true; } | sed -n 's/^javac \([0-9]*\).*/\1/p')
jdk_needed=true
[ "${javac_major:-0}" -lt 17 ] || jdk_needed=false

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && ! $jdk_needed && exit 0

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
if $jdk_needed; then
  # Debian's default JDK where it is 17 or newer (Debian 12: 17; Debian 13, which has no 17: 21),
  # else the 17 (the default of Debian 11 and Ubuntu 22.04 is 11): known once the lists are updated.
  default_jdk=$(apt-cache show --no-all-versions default-jdk-headless 2>/dev/null \
    | sed -n 's/^Version: [0-9]*:1\.\([0-9]*\).*/\1/p' || true)
  if [ "${default_jdk:-0}" -ge 17 ]; then missing+=(default-jdk-headless); else missing+=(openjdk-17-jdk-headless); fi
fi
echo "Installing Debian packages needed by the tests: ${missing[*]}"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
