#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, when missing.
# Tests start real servers: GStreamer's RTSP server (through Debian's /usr/bin/python3),
# redis-server, nats-server, and use the ffmpeg CLI to make test inputs; benchmarks also use wrk.
# The dashboard runs in chromium, the arm64 distribution under qemu-user.
set -euo pipefail

packages=(
  redis-server
  ffmpeg
  wrk
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

# The build itself, where a fresh machine has none on PATH (a JDK from elsewhere is kept):
# Debian's default JDK is 17 or newer, which builds the Java 17 sources.
command -v javac >/dev/null || packages+=(default-jdk-headless)
command -v mvn >/dev/null || packages+=(maven)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages needed by the tests: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
