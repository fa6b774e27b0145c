#!/usr/bin/env bash
# Lookup latency (embedding included), memory and rebuild time of the scan and HNSW indexes.
# Usage: cache-service/bench/index-bench.sh [real=10000] [synthetic=100000] [queries=1000]
JAVA_OPTS=${JAVA_OPTS:--Xmx2g -XX:+UseParallelGC} exec "$(dirname "$0")/run-main.sh" dev.llmops.cache.bench.SemanticIndexBench "$@"
