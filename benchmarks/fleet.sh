#!/usr/bin/env bash
# The fleet figures ('delivery: once'), on the Google Cloud CLI's Pub/Sub and Firestore emulators
# (not the services): events/s through three instances on an ordered subscription while the
# stream's holder is ended five times (in turn killed with SIGKILL and stopped with SIGTERM),
# failover time p50/p99 for each kind, duplicates dropped, extra deliveries and events handled
# twice; beside one instance in 'once' and three in 'every-instance'. The harness is the fleet test
# of cloudrun-mcp-autoconfigure (FleetFailoverTests, 1,000 events in every build), whose instances
# are JVMs of their own, run larger; it fails when an event was lost or handled twice outside the
# documented exception, or handled out of order.
# Usage:
#   benchmarks/fleet.sh           10,000 events: fills the fleet block of benchmarks/RESULTS.md
#   benchmarks/fleet.sh --quick   1,000 events: fills the fleet-quick block
# Needs gcloud with its Pub/Sub and Firestore emulators; without it, it says so and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v gcloud >/dev/null; then
	echo "WARNING: gcloud not found: the fleet figures need the Pub/Sub and Firestore emulators; skipped" >&2
	exit 0
fi
events=10000
block=fleet
if [ "${1:-}" = "--quick" ]; then
	events=1000
	block=fleet-quick
fi
results=benchmarks/target/results-fleet
rows="$results/rows"
rm -rf "$results" && mkdir -p "$rows"
export NO_GCE_CHECK=true
# The test's own run already built the module; -am brings what it depends on.
./mvnw -B -q -pl cloudrun-mcp-autoconfigure -am test -Dtest='FleetFailoverTests' \
	-Dsurefire.failIfNoSpecifiedTests=false -Dspring-javaformat.skip=true \
	-Dfleet.events="$events" -Dfleet.kills=5 -Dfleet.baselines=true -Dfleet.results-dir="$PWD/$rows"
{
	echo "Fleet delivery on the Google Cloud CLI's Pub/Sub and Firestore emulators on loopback (not the"
	echo "services), $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
	echo "Each instance is a JVM of its own (\`FleetFailoverTests\`); lease 6 s, claim timeout 20 s,"
	echo "every 499th event failed once on purpose; failover is from the signal to the next holder's lease."
	echo
	echo "| run | events | events/s | failover graceful p50 / p99 (ms) | failover crash p50 / p99 (ms) | duplicates dropped | extra deliveries | handled twice |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	cat "$rows"/*.row
} >"$results/$block.md"
./mvnw -B -q -pl benchmarks -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
java -cp "$cp" io.github.cloudrunmcp.benchmarks.ResultsWriter benchmarks/RESULTS.md "$results" --partial
cat "$results/$block.md"
