#!/usr/bin/env bash
# Decode + JPEG encode benchmark: the rtsp-receiver's frame path next to the ffmpeg CLI doing the
# same work on the same H.264 inputs (1080p and 720p, made here), in one run, as ratios.
#   bench/decode/run.sh            (THREADS=1 for a one-thread decoder; SIZES=1920x1080 for one size)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
threads="${THREADS:-2}"
sizes="${SIZES:-1920x1080 1280x720}"
inputs="$here/target/inputs"
mkdir -p "$inputs"

command -v ffmpeg >/dev/null || { echo "ffmpeg is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
for size in $sizes; do
  if [ ! -s "$inputs/$size.mp4" ]; then
    echo "making $inputs/$size.mp4 (10 s of H.264, 30 fps, a moving test pattern with camera-like noise)" >&2
    ffmpeg -v error -y -f lavfi -i "testsrc2=size=$size:rate=30,noise=alls=6:allf=t" -t 10 \
      -c:v libx264 -preset veryfast -crf 23 -g 30 -pix_fmt yuv420p "$inputs/$size.mp4"
  fi
done

# Built in the reactor, never installed into ~/.m2 (shared): the receiver's and the test kit's
# classes and their dependencies' jars, then the benchmark's sources with javac.
mvn -q -f "$root/pom.xml" -pl plugins/rtsp-receiver,msight-testkit,msight-test-driver -am package -DskipTests \
  dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
classpath="$here/target/classes"
for module in msight-api msight-testkit msight-test-driver plugins/rtsp-receiver; do
  classpath="$classpath:$root/$module/target/classes:$(cat "$root/$module/target/classpath.txt")"
done
rm -rf "$here/target/classes" "$here/target/tmp" && mkdir -p "$here/target/classes" "$here/target/tmp"
javac -d "$here/target/classes" -cp "$classpath" $(find "$here/src/main/java" -name '*.java')
cp "$here/src/main/resources/logback.xml" "$here/target/classes/"
# Other work on the machine inflates CPU times: the load is printed before and after.
echo "load before: $(uptime)"
java -Djava.io.tmpdir="$here/target/tmp" -Dlogback.configurationFile="$here/target/classes/logback.xml" -cp "$classpath" org.msight.bench.decode.DecodeBench \
  "$threads" $(for size in $sizes; do echo "$inputs/$size.mp4"; done)
echo "load after:  $(uptime)"
