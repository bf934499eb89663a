#!/usr/bin/env bash
# HTTP upload benchmark: ~110 KB JPEG frames POSTed as MSight's JSON to a local HTTP server at
# concurrency 1, 4 and 16, through the http-uploader node and through wrk, side by side, best of 3
# runs each (taking turns). About 2.5 minutes with the defaults.
# Usage: bench/upload/run.sh [seconds per run, default 5] [concurrencies, default 1,4,16]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-test-deps.sh (or apt-get install wrk)" >&2; exit 1; }
echo "building the http-uploader plugin and the benchmark..." >&2
(cd "$root" && mvn -q -pl plugins/http-uploader -am install -DskipTests)
(cd "$here" && mvn -q package dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib)
exec java -cp "$here/target/classes:$here/target/lib/*" org.msight.bench.upload.UploadBench "${1:-5}" "${2:-1,4,16}"
