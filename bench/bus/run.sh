#!/usr/bin/env bash
# Bus benchmark: 110 KB MSight ImageData messages from a publisher process to a subscriber process
# (one process for the memory bus) at 30 messages/s and at saturation, on each bus with a server of
# its own on loopback: messages/s, publish-to-subscriber latency p50/p99, CPU per message on each
# side; beside the server's own load tool where there is one (redis-benchmark,
# kafka-producer-perf-test and kafka-consumer-perf-test from the broker's own Kafka jars).
# Usage: bench/bus/run.sh [seconds per phase, default 10] [buses, default memory,redis,nats,kafka; also jetstream]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
echo "building the runtime, the bus plugins and the test kit..." >&2
(cd "$root" && mvn -q -pl msight-runtime,msight-testkit,plugins/redis-bus,plugins/nats-bus,plugins/kafka-bus -am package -DskipTests \
  dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime)
cp="$root/msight-runtime/target/classes:$root/msight-testkit/target/classes"
cp="$cp:$(cat "$root/msight-runtime/target/bench-classpath.txt"):$(cat "$root/msight-testkit/target/bench-classpath.txt")"
for plugin in "$root"/plugins/*-bus/target/plugin/*; do cp="$cp:$plugin/*"; done
mkdir -p "$here/target/classes"
javac -d "$here/target/classes" -cp "$cp" "$here/BusBench.java" "$here/BusBenchRun.java"
echo "load before: $(uptime)" >&2
java -cp "$here/target/classes:$cp" BusBenchRun "${1:-10}" "${2:-memory,redis,nats,kafka}"
echo "load after: $(uptime)" >&2
