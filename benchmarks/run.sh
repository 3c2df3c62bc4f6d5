#!/usr/bin/env bash
# Builds the benchmarks and runs them:
#   1. stream throughput, side by side with the hand-written baseline and the raw ceiling, and
#      MCP notification throughput through the MCP Java SDK, side by side with the SDK's transports;
#      2026-07-28 tool calls per second and latency at 1, 16 and 64 callers, side by side with the
#      SDK's own HttpClientMcpTransport;
#   2. latency from server write to @McpListener at 1k, 10k and 100k events/s on one stream, and
#      with 1,000 streams at 100 events/s each (the server in a process of its own);
#   3. the token filter: JMH per-request cost with a cached token, and metadata-server calls
#      for 10,000 requests from 200 concurrent callers with a cold cache;
#   4. heap and threads with 1 to 10,000 idle streams (the server in a process of its own), and JMH
#      allocation per event;
#   5. reconnect time and loss over forced drops, and recovery from each fault of the fault proxy
#      per transport;
#   6. what the auto-configuration adds to a Spring context's start.
# The soak run is benchmarks/soak.sh.
# Usage:
#   benchmarks/run.sh            full run (about 10 minutes): prints every table and writes them,
#                                with the machine's cores, memory and JDK, into benchmarks/RESULTS.md
#   benchmarks/run.sh --quick    smoke run: every harness once, briefly (checks they work, not the
#                                numbers); RESULTS.md is left alone
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
[ "${1:-}" = "--quick" ] && quick=true

./mvnw -B -q -pl benchmarks -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

if $quick; then
	# The smoke run fills a copy of RESULTS.md, so that the writer is exercised too.
	results=benchmarks/target/results-quick
	target=benchmarks/target/RESULTS-quick.md
	cp benchmarks/RESULTS.md "$target"
	q=--quick
	token_jmh=(-wi 1 -w 200ms -i 1 -r 200ms)
	alloc_jmh=(-wi 1 -w 200ms -i 1 -r 200ms)
	shift
else
	# Every harness leaves its table here; ResultsWriter then fills RESULTS.md's generated blocks.
	results=benchmarks/target/results
	target=benchmarks/RESULTS.md
	q=
	token_jmh=(-wi 3 -w 2s -i 5 -r 2s)
	alloc_jmh=(-wi 3 -w 1s -i 5 -r 1s)
fi
rm -rf "$results" && mkdir -p "$results"
keep="-Dbenchmarks.results-dir=$results"
# A harness that hangs (a failure that leaves non-daemon threads behind) fails the run
# instead of holding it: each gets at most this long.
if $quick; then limit=600; else limit=3600; fi
javabin=$(type -P java)
java() { timeout --kill-after=10 "$limit" "$javabin" "$@"; }
java -Xms1g -Xmx1g "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.ThroughputBenchmark $q "$@"
java -Xms1g -Xmx1g "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.McpNotificationBenchmark $q
java -Xms1g -Xmx1g "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.ToolCallBenchmark $q
java "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.LatencyBenchmark $q
java "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.StreamsLatencyBenchmark $q
java "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.ReconnectBenchmark $q
java -Xms512m -Xmx512m "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.FaultRecoveryBenchmark $q
java "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.IdleStreamsBenchmark $q
java "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.StartupBenchmark $q
java "$keep" -cp "$cp" io.github.cloudrunmcp.benchmarks.ColdCacheCheck
java -cp "$cp" org.openjdk.jmh.Main TokenFilterBenchmark -f 1 "${token_jmh[@]}" \
	-rf json -rff "$results/jmh-token-filter.json"
java -cp "$cp" org.openjdk.jmh.Main ParserAllocationBenchmark -f 1 "${alloc_jmh[@]}" -prof gc \
	-rf json -rff "$results/jmh-allocation.json"
java -cp "$cp" io.github.cloudrunmcp.benchmarks.ResultsWriter "$target" "$results"
