#!/usr/bin/env bash
# Pass-through tail A/B: several pass-through routers (llmops.router.steps=none), each with its own JVM/config
# options, side by side in front of one local upstream (fixed latency), measured in turn at a fixed rate over HTTP,
# round after round, with "direct to the upstream" measured at the start of every round. On 2 shared cores one 20 s
# p99 moves by several ms from run to run, so a difference between variants only counts when it holds across rounds.
# Each router logs its GC pauses and safepoints (.llmops/bench-ab/gc-<label>.log). Everything listens on 127.0.0.1.
#   VARIANTS ("serial=-XX:+UseSerialGC"): space-separated label=options, options joined by ',' (no spaces), e.g.
#     VARIANTS="serial=-XX:+UseSerialGC young-half=-XX:+UseSerialGC,-XX:NewRatio=1"
#   RATE (1000)  ROUNDS (3)  UPSTREAM_LATENCY_MS (20)  DURATION (20s)  WARMUP (15s)  JIT_WARMUP (60s per router)
#   BENCH_JAVA (java)  PROTOCOL (http: the OpenAI API over HTTP/1.1, against direct HTTP/1.1; grpc: the router's gRPC
#   API, against direct HTTP/2, the same transport)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(pwd)/.llmops/bench-ab"
mkdir -p "$OUT"
JAVA=${BENCH_JAVA:-java}
VARIANTS=${VARIANTS:-"serial=-XX:+UseSerialGC"}
RATE=${RATE:-1000}
ROUNDS=${ROUNDS:-3}
LAT=${UPSTREAM_LATENCY_MS:-20}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-15s}
JIT_WARMUP=${JIT_WARMUP:-60s}
PROTOCOL=${PROTOCOL:-http}
case "$PROTOCOL" in
  http) DIRECT=(--protocol http); VIA=(--protocol http) ;;
  grpc) DIRECT=(--protocol h2); VIA=(--protocol grpc) ;;
  *) echo "PROTOCOL is http or grpc, got $PROTOCOL"; exit 2 ;;
esac
RUN=llmops_bench_ab
KEY=sk-bench-$RANDOM$RANDOM
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

scripts/ensure-servers.sh >/dev/null
if [ ! -f router-service/target/quarkus-app/quarkus-run.jar ] || ! ls tools/loadgen/target/*-runner.jar tools/local-upstream/target/*-runner.jar >/dev/null 2>&1; then
  ./mvnw -B -q package -DskipTests -pl tools/local-upstream,tools/loadgen,router-service -am
fi
upjar=$(ls tools/local-upstream/target/local-upstream-*-runner.jar | head -n 1)
loadjar=$(ls tools/loadgen/target/loadgen-*-runner.jar | head -n 1)
"$JAVA" -jar "$upjar" --port 18099 --latency-ms "$LAT" >"$OUT/upstream.log" 2>&1 & PIDS+=($!)
"$JAVA" -jar "$upjar" --port 18098 >"$OUT/upstream-fast.log" 2>&1 & PIDS+=($!)

declare -A PORT_OF
LABELS=()
STARTED=$(date +%s)
port=18180
for v in $VARIANTS; do
  label=${v%%=*}; opts=${v#*=}; port=$((port + 1))
  LABELS+=("$label"); PORT_OF[$label]=$port
  # shellcheck disable=SC2046
  "$JAVA" -Xms512m -Xmx512m -Dquarkus.vertx.event-loops-pool-size=1 $(tr ',' ' ' <<<"$opts") \
    -Xlog:gc,safepoint:file="$OUT/gc-$label.log":uptime -Dquarkus.http.port=$port -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.log.level=WARN -Dllmops.redis.key-prefix=$RUN:router: -Dllmops.guardrail.redis-key-prefix=$RUN:guardrail: \
    -Dllmops.router.steps=none -Dllmops.router.keys.bench.sha256="$KEY_SHA" -Dllmops.router.keys.bench.tenant=bench \
    -Dllmops.router.routes.local-echo.base-url=http://127.0.0.1:18099/v1 \
    -Dllmops.router.routes.local-echo-fast.base-url=http://127.0.0.1:18098/v1 \
    -Dllmops.router.routes.local-echo-fast.upstream-model=local-echo \
    -jar router-service/target/quarkus-app/quarkus-run.jar >"$OUT/router-$label.log" 2>&1 &
  PIDS+=($!)
done
wait_ready() { for _ in $(seq 1 240); do curl -fsS -o /dev/null --max-time 2 "$1" && return 0; sleep 0.5; done; echo "not ready: $1"; exit 1; }
wait_ready http://127.0.0.1:18099/v1/models
for label in "${LABELS[@]}"; do wait_ready "http://127.0.0.1:${PORT_OF[$label]}/q/health/ready"; done

AUTH="authorization: Bearer $KEY"
echo "warming up the JITs ($JIT_WARMUP per router) ..." >&2
for label in "${LABELS[@]}"; do
  "$JAVA" -jar "$loadjar" --url "http://127.0.0.1:${PORT_OF[$label]}" --concurrency 16 --duration "$JIT_WARMUP" --warmup 0s \
    --unique --model local-echo-fast --header "$AUTH" "${VIA[@]}" >/dev/null
done
: >"$OUT/results.jsonl"
MEASURED_FROM=$(( $(date +%s) - STARTED )) # JVM uptime (s) when the rounds start, give or take the routers' start
load() { # round label url extra-args...
  local round=$1 label=$2 url=$3; shift 3
  "$JAVA" -jar "$loadjar" --label "$label" --url "$url" --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" \
    --connections 64 --unique --json "$@" | jq -c --argjson round "$round" '. + {round: $round}' | tee -a "$OUT/results.jsonl"
}
for round in $(seq 1 "$ROUNDS"); do
  load "$round" direct http://127.0.0.1:18099 "${DIRECT[@]}"
  for label in "${LABELS[@]}"; do load "$round" "$label" "http://127.0.0.1:${PORT_OF[$label]}" --header "$AUTH" "${VIA[@]}"; done
done

echo
echo "Pass-through over $PROTOCOL at $RATE req/s, upstream latency $LAT ms; $(nproc) cores; $("$JAVA" -version 2>&1 | head -n 1); measured $(date -u +%Y-%m-%d)."
echo
echo "| round | run | p50 ms | p99 ms | p99.9 ms | p99 overhead ms | errors |"
echo "|---|---|---|---|---|---|---|"
jq -rs 'group_by(.round)[] | (map(select(.label == "direct"))[0].p99_ms) as $d | .[] |
  "| \(.round) | \(.label) | \(.p50_ms) | \(.p99_ms) | \(.p999_ms) | \(if .label == "direct" then "" else ((.p99_ms - $d) * 1000 | round / 1000) end) | \(.errors) |"' \
  "$OUT/results.jsonl"
echo
for label in "${LABELS[@]}"; do
  # the router's stops while the rounds ran (uptime past the warm-up): GC pauses and every other safepoint
  awk -v label="$label" -v from="$MEASURED_FROM" '/Safepoint/ { split($1, u, /[][s]/); if (u[2] + 0 < from) next
      for (i = 1; i <= NF; i++) if ($i == "Total:") { n++; t = $(i + 1) / 1e6; s += t; if (t > m) m = t; if (t >= 1) big++ } }
    END { printf "- %s: %d safepoints while measured, %d of them 1 ms or longer, %.1f ms in all, longest %.2f ms\n", label, n, big, s, m }' \
    "$OUT/gc-$label.log"
done
