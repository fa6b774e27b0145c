#!/usr/bin/env bash
# Benchmarks of cost-service's hot paths (Reserve latency, ledger ingest rate) against the packaged jar.
# Usage (from the repo root): cost-service/bench/run.sh [reserve-calls=20000] [ingest-events=50000]
# Needs the machine's Redis, PostgreSQL and RabbitMQ (as the tests do); creates and drops its own database/vhost.
# A/B of a service setting in one run: COST_SERVICE_OPTS="-D..." (service A) and COST_SERVICE_OPTS_B="-D..." (a
# second service B); the Reserve loop then alternates between the two so both see the same load.
set -euo pipefail
cd "$(dirname "$0")/../.."
# One reactor run packages the modules and writes the classpath: the sibling modules (proto, test-support) resolve
# to their fresh jars, never to the shared local repository (nothing is installed).
./mvnw -B -q -pl cost-service -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.cp
cd cost-service
exec java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/bench.cp)" \
  dev.llmops.cost.bench.CostBench "${1:-20000}" "${2:-50000}"
