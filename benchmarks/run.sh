#!/usr/bin/env bash
# Builds the benchmarks and runs the stream throughput harness.
#   benchmarks/run.sh            full run (2M events a round, 2 warm-up + 5 measured rounds; a few minutes)
#   benchmarks/run.sh --quick    smoke run (one small round; checks the harness works, not the numbers)
#   benchmarks/run.sh --write benchmarks/throughput.md   also write the table to a file
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl benchmarks -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
exec java -Xms1g -Xmx1g -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
	io.github.cloudrunmcp.benchmarks.ThroughputBenchmark "$@"
