#!/usr/bin/env bash
# Lookup latency (embedding included), memory, recall and rebuild time of the index kinds; the rebuild from Redis
# runs against a private redis-server started here on a free loopback port (and stopped at the end).
# Usage: cache-service/bench/index-bench.sh [real=10000] [synthetic=100000] [queries=1000] [kinds=scan,scan-int8]
#   kinds: any of scan, scan-int8, hnsw (hnsw rebuilds 100k entries in minutes). NO_REDIS=1 skips the Redis rebuild.
set -euo pipefail
opts=${JAVA_OPTS:--Xmx2g -XX:+UseParallelGC}
if [ "${NO_REDIS:-0}" != 1 ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dir=$(mktemp -d)
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" >/dev/null
  trap 'kill "$(cat "$dir/redis.pid")" 2>/dev/null; rm -rf "$dir"' EXIT
  opts="$opts -Dbench.redis=redis://127.0.0.1:$port"
fi
JAVA_OPTS="$opts" "$(dirname "$0")/run-main.sh" dev.llmops.cache.bench.SemanticIndexBench "$@"
