#!/usr/bin/env bash
# Frozen-camera benchmark: how long after a camera stops sending (its RTSP server SIGSTOPped, the
# connection left open) the rtsp-receiver declares the outage, against its read-timeout, beside
# the ffmpeg CLI reading the same stream with the same timeout (-timeout), over tcp and udp.
#   bench/outage/run.sh [trials per row, default 5]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
trials="${1:-5}"

command -v ffmpeg >/dev/null || { echo "ffmpeg is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
# Built in the reactor, never installed into ~/.m2 (shared), as bench/decode does.
mvn -q -f "$root/pom.xml" -pl plugins/rtsp-receiver,msight-testkit -am package -DskipTests \
  dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
classpath="$here/target/classes"
for module in msight-api msight-testkit plugins/rtsp-receiver; do
  classpath="$classpath:$root/$module/target/classes:$(cat "$root/$module/target/classpath.txt")"
done
rm -rf "$here/target/classes" && mkdir -p "$here/target/classes"
javac -d "$here/target/classes" -cp "$classpath" $(find "$here/src/main/java" -name '*.java')
cp "$here/src/main/resources/logback.xml" "$here/target/classes/"
echo "load before: $(uptime)"
java -Dlogback.configurationFile="$here/target/classes/logback.xml" -cp "$classpath" \
  org.msight.bench.outage.FrozenCameraBench "$trials"
echo "load after:  $(uptime)"
