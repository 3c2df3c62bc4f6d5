#!/usr/bin/env bash
# The soak run: a constant-rate server that requires ID tokens, random faults from a fault
# proxy, a slow listener and tokens that expire every few minutes; it reports events delivered,
# lost and duplicated, heap and thread high-water, connections per second and metadata-server
# calls per minute, and fails when an event was lost, duplicated or reordered.
# Usage:
#   benchmarks/soak.sh           full run (30 minutes): fills the soak block of benchmarks/RESULTS.md
#   benchmarks/soak.sh --quick   2 minutes: fills the soak-quick block
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B -q -pl benchmarks -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
results=benchmarks/target/results-soak
rm -rf "$results" && mkdir -p "$results"
# A fixed heap, so that its high-water means the same from run to run.
java -Xms512m -Xmx512m -Dbenchmarks.results-dir="$results" -cp "$cp" io.github.cloudrunmcp.benchmarks.SoakBenchmark "$@"
java -cp "$cp" io.github.cloudrunmcp.benchmarks.ResultsWriter benchmarks/RESULTS.md "$results" --partial
