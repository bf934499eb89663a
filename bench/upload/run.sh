#!/usr/bin/env bash
# HTTP upload benchmark: ~110 KB JPEG frames POSTed as MSight's JSON to a local HTTP server at
# concurrency 1, 4 and 16, through the http-uploader node and through wrk, side by side, best of 3
# runs each (taking turns). About 2.5 minutes with the defaults.
# Usage: bench/upload/run.sh [seconds per run, default 5] [concurrencies, default 1,4,16]
#   FLOOR=1 bench/upload/run.sh ...  also runs two bare Java NIO clients doing the uploader's work per
#   request (one thread; bodies made on a second thread) and prints where the uploader's cost goes.
#   MSIGHT_JAVA_OPTS adds options to the benchmark's JVM, as to the launchers' (e.g. --add-modules
#   jdk.incubator.vector: the Vector API's Base64 where the JDK's is no intrinsic).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-test-deps.sh (or apt-get install wrk)" >&2; exit 1; }
echo "building the http-uploader plugin (in the reactor, nothing installed) and the benchmark..." >&2
# The plugin's test class path holds the runtime (its AsyncDelivery), the test kit and the codec.
(cd "$root" && mvn -q -pl plugins/http-uploader -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt)
cp="$root/plugins/http-uploader/target/classes:$(cat "$root/plugins/http-uploader/target/bench-classpath.txt")"
rm -rf "$here/target/classes" && mkdir -p "$here/target/classes"
javac -d "$here/target/classes" -cp "$cp" $(find "$here/src/main/java" -name '*.java')
# shellcheck disable=SC2086
exec java ${MSIGHT_JAVA_OPTS:-} -Dlogback.configurationFile="$here/src/main/resources/logback.xml" -cp "$here/target/classes:$cp" org.msight.bench.upload.UploadBench "${1:-5}" "${2:-1,4,16}"
