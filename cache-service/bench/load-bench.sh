#!/usr/bin/env bash
# The router's exact-tier load on the packaged cache-service: IN_FLIGHT (16) requests in flight, each one Lookup
# (a miss) + one Store, WARMUP (60) then DURATION (30) seconds; prints pairs/s, failures, latency and the
# server's CPU per pair. The server runs as the container would (-Xmx256m -XX:+UseSerialGC), on a free loopback
# port, with its own Redis key prefix (deleted at the end). PROFILE=1 writes async-profiler collapsed stacks of
# the measured part to target/load-profile.collapsed.
# Usage: cache-service/bench/load-bench.sh   (from the repo root; SKIP_BUILD=1 reuses the last build)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -pl cache-service -am package dependency:build-classpath -DskipTests \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt >/dev/null
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prefix="bench-load-$$-$(date +%s):"
QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 LLMOPS_REDIS_KEY_PREFIX=$prefix \
  java ${SERVER_OPTS:--Xmx256m -XX:+UseSerialGC} -jar cache-service/target/quarkus-app/quarkus-run.jar \
  >cache-service/target/load-bench-server.log 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  redis-cli --scan --pattern "${prefix}*" | xargs -r -n 500 redis-cli del >/dev/null
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null && break
  sleep 0.5
done
cp="cache-service/target/test-classes:cache-service/target/classes:$(cat cache-service/target/test-classpath.txt)"
run() { java -Xmx256m -cp "$cp" dev.llmops.cache.bench.LookupStoreLoad "127.0.0.1:$port" "${IN_FLIGHT:-16}" "$@"; }
if [ "${PROFILE:-0}" = 1 ]; then
  lib=$(mktemp -d)
  unzip -q -j ~/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar \
    'linux-x64/libasyncProfiler.so' -d "$lib"
  run "${WARMUP:-60}" 0
  out=$PWD/cache-service/target/load-profile.collapsed
  jcmd "$server" JVMTI.agent_load "$lib/libasyncProfiler.so" "\"start,event=itimer,interval=1ms,file=$out,collapsed\"" >/dev/null
  run 0 "${DURATION:-30}" "$server"
  jcmd "$server" JVMTI.agent_load "$lib/libasyncProfiler.so" "\"stop,file=$out,collapsed\"" >/dev/null
  echo "profile: $out"
else
  run "${WARMUP:-60}" "${DURATION:-30}" "$server"
fi
