#!/usr/bin/env bash
# Router benchmark: one run measures, against the same local upstream (fixed latency):
#   direct to the upstream (HTTP/1.1, and HTTP/2 as the baseline of the gRPC row) | our router, pass-through (key,
#   route, provider; HTTP/1.1, gRPC, and the OpenAI API over HTTP/2) | our router, full pipeline
#   (rule-based guardrails in and out, exact cache, budget reserve/settle, usage event) | our router with the issue's
#   "full pipeline" alone (rule-based guardrails in and out, exact cache: no budget, no usage event) | Portkey's open-source
#   gateway (@portkey-ai/gateway from npm, custom-host header)
# at fixed rates (open loop, latency from each request's intended start) and at saturation (16 in flight, against
# a second upstream with no latency).
# Every service JVM runs one Vert.x event loop and the serial GC, as the k8s manifests deploy them (1 CPU each).
# Prints a Markdown table. Everything listens on 127.0.0.1; all processes are stopped at the end.
#   UPSTREAM_LATENCY_MS (20)  DURATION (20s)  WARMUP (15s, per run: the load driver is a fresh JVM each run and compiles for ~10 s)  JIT_WARMUP (120s, per router, once)
#   BENCH_JAVA (java)  PORTKEY_VERSION (1.15.2)  JVM_OPTS (extra JVM options for the four services and both routers,
#   e.g. -XX:+UseCompactObjectHeaders on JDK 25)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/.llmops/bench"
mkdir -p "$OUT"
JAVA=${BENCH_JAVA:-java}
LAT=${UPSTREAM_LATENCY_MS:-20}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-15s}
JIT_WARMUP=${JIT_WARMUP:-120s}
PORTKEY_VERSION=${PORTKEY_VERSION:-1.15.2}
RUN=llmops_bench
KEY=sk-bench-$RANDOM$RANDOM
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U llmops -d postgres -c "drop database if exists $RUN with (force)" >/dev/null 2>&1 || true
  rabbitmqctl -q delete_vhost "$RUN" >/dev/null 2>&1 || true
}
trap cleanup EXIT

scripts/ensure-servers.sh >/dev/null
command -v node >/dev/null || { echo "node is needed for Portkey's gateway (apt-get install nodejs npm)"; exit 1; }
if [ ! -f router-service/target/quarkus-app/quarkus-run.jar ] || ! ls tools/loadgen/target/*-runner.jar >/dev/null 2>&1; then
  ./mvnw -B -q package -DskipTests -pl tools/local-upstream,tools/loadgen,guardrail-service,cache-service,cost-service,router-service -am
fi
if [ ! -f "$OUT/portkey/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
  (mkdir -p "$OUT/portkey" && cd "$OUT/portkey" && npm install --silent --no-audit --no-fund "@portkey-ai/gateway@$PORTKEY_VERSION")
fi

psql -q -h 127.0.0.1 -U llmops -d postgres -c "drop database if exists $RUN with (force)" -c "create database $RUN" >/dev/null
rabbitmqctl -q delete_vhost "$RUN" >/dev/null 2>&1 || true
rabbitmqctl -q add_vhost "$RUN" && rabbitmqctl -q set_permissions -p "$RUN" guest '.*' '.*' '.*'

start() { # name port jar args...
  local name=$1 port=$2 jar=$3; shift 3
  # shellcheck disable=SC2086
  "$JAVA" -Xms512m -Xmx512m -XX:+UseSerialGC -Dquarkus.vertx.event-loops-pool-size=1 ${JVM_OPTS:-} "$@" -jar "$jar" >"$OUT/$name.log" 2>&1 &
  PIDS+=($!)
}
svc_args() { # name port
  echo "-Dquarkus.http.port=$2 -Dquarkus.http.host=127.0.0.1 -Dllmops.redis.key-prefix=$RUN:$1: -Drabbitmq-virtual-host=$RUN -Dquarkus.log.level=WARN"
}
router_args() { # port steps
  echo "$(svc_args router-$1 $1) -Dquarkus.grpc.clients.guardrail.port=18091 -Dquarkus.grpc.clients.cache.port=18092
    -Dquarkus.grpc.clients.cost.port=18093 -Dllmops.router.keys.bench.sha256=$KEY_SHA -Dllmops.router.keys.bench.tenant=bench
    -Dllmops.router.routes.local-echo.base-url=http://127.0.0.1:18099/v1 -Dllmops.router.steps=$2
    -Dllmops.router.cache-key-prefix=$RUN:cache: -Dllmops.guardrail.redis-key-prefix=$RUN:guardrail:
    -Dllmops.router.routes.local-echo-fast.base-url=http://127.0.0.1:18098/v1
    -Dllmops.router.routes.local-echo-fast.upstream-model=local-echo"
}
upjar=$(ls tools/local-upstream/target/local-upstream-*-runner.jar | head -n 1)
loadjar=$(ls tools/loadgen/target/loadgen-*-runner.jar | head -n 1)
"$JAVA" -jar "$upjar" --port 18099 --latency-ms "$LAT" >"$OUT/upstream.log" 2>&1 & PIDS+=($!)
# a second upstream that answers at once, for the saturation runs (otherwise its latency caps every target alike)
"$JAVA" -jar "$upjar" --port 18098 >"$OUT/upstream-fast.log" 2>&1 & PIDS+=($!)
# shellcheck disable=SC2046
start guardrail 18091 guardrail-service/target/quarkus-app/quarkus-run.jar $(svc_args guardrail 18091)
# shellcheck disable=SC2046
start cache 18092 cache-service/target/quarkus-app/quarkus-run.jar $(svc_args cache 18092)
# shellcheck disable=SC2046
start cost 18093 cost-service/target/quarkus-app/quarkus-run.jar $(svc_args cost 18093) \
  -Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/$RUN \
  -Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/$RUN -Dllmops.cost.budgets.default-key-limit-usd=unlimited
# shellcheck disable=SC2046
start router-pass 18081 router-service/target/quarkus-app/quarkus-run.jar $(router_args 18081 none)
# shellcheck disable=SC2046
start router-full 18080 router-service/target/quarkus-app/quarkus-run.jar $(router_args 18080 usage-event,input-guard,cache,budget,output-guard)
# shellcheck disable=SC2046
start router-scan 18082 router-service/target/quarkus-app/quarkus-run.jar $(router_args 18082 input-guard,cache,output-guard)
node "$OUT/portkey/node_modules/@portkey-ai/gateway/build/start-server.js" --port=18787 --headless >"$OUT/portkey.log" 2>&1 &
PIDS+=($!)

wait_ready() { # url
  for _ in $(seq 1 240); do curl -fsS -o /dev/null --max-time 2 "$1" && return 0; sleep 0.5; done
  echo "not ready: $1"; exit 1
}
wait_ready http://127.0.0.1:18099/v1/models
wait_ready http://127.0.0.1:18098/v1/models
for p in 18091 18092 18093 18081 18080 18082; do wait_ready "http://127.0.0.1:$p/q/health/ready"; done
wait_ready http://127.0.0.1:18787/

AUTH="authorization: Bearer $KEY"
PK=(--header "x-portkey-provider: openai" --header "x-portkey-custom-host: http://127.0.0.1:18099/v1"
    --header "authorization: Bearer sk-upstream")
PK_FAST=(--header "x-portkey-provider: openai" --header "x-portkey-custom-host: http://127.0.0.1:18098/v1"
    --header "authorization: Bearer sk-upstream")
load() { # label url extra-args...
  local label=$1 url=$2; shift 2
  # 64 connections: an open loop at 1,000 req/s against a 20 ms upstream needs about 20 requests in flight
  "$JAVA" -jar "$loadjar" --label "$label" --url "$url" --duration "$DURATION" --warmup "$WARMUP" --connections 64 --json "$@" \
    | tee -a "$OUT/results.jsonl"
}
: >"$OUT/results.jsonl"
# C2 keeps compiling for about a minute of load on 2 cores (seen in per-thread CPU: the compiler threads took most
# of a router's CPU during its first 30 s of load): measure warm JVMs, as they run in production
echo "warming up the JITs ($JIT_WARMUP per router, through every service) ..." >&2
for url in http://127.0.0.1:18081 http://127.0.0.1:18080 http://127.0.0.1:18082; do
  "$JAVA" -jar "$loadjar" --url "$url" --concurrency 16 --duration "$JIT_WARMUP" --warmup 0s --unique --model local-echo-fast \
    --header "$AUTH" >/dev/null
done
# the gRPC API is its own code path (server, marshalling): warm it too, or its row measures C2 at work
"$JAVA" -jar "$loadjar" --url http://127.0.0.1:18081 --protocol grpc --concurrency 16 --duration 30s --warmup 0s --unique \
  --model local-echo-fast --header "$AUTH" >/dev/null
"$JAVA" -jar "$loadjar" --url http://127.0.0.1:18787 --concurrency 16 --duration 20s --warmup 0s "${PK_FAST[@]}" >/dev/null

load "direct @1000/s" http://127.0.0.1:18099 --rate 1000 --unique
load "router pass-through @1000/s" http://127.0.0.1:18081 --rate 1000 --unique --header "$AUTH"
load "router pass-through gRPC @1000/s" http://127.0.0.1:18081 --protocol grpc --rate 1000 --unique --header "$AUTH"
# gRPC's transport without the router: the same driver and JSON over HTTP/2 (streams multiplexed as for its gRPC)
load "direct HTTP/2 @1000/s" http://127.0.0.1:18099 --protocol h2 --rate 1000 --unique
# the router's OpenAI API over that same transport: separates what HTTP/2 costs the router from what gRPC adds
load "router pass-through HTTP/2 @1000/s" http://127.0.0.1:18081 --protocol h2 --rate 1000 --unique --header "$AUTH"
load "direct @500/s" http://127.0.0.1:18099 --rate 500 --unique
load "router full pipeline @500/s" http://127.0.0.1:18080 --rate 500 --unique --header "$AUTH"
load "router scanners + exact cache @500/s" http://127.0.0.1:18082 --rate 500 --unique --header "$AUTH"
load "portkey @500/s" http://127.0.0.1:18787 --rate 500 --unique "${PK[@]}"
FAST=(--concurrency 16 --unique --model local-echo-fast)
load "direct, 16 in flight" http://127.0.0.1:18098 "${FAST[@]}"
load "router pass-through, 16 in flight" http://127.0.0.1:18081 "${FAST[@]}" --header "$AUTH"
load "router full pipeline, 16 in flight" http://127.0.0.1:18080 "${FAST[@]}" --header "$AUTH"
load "router scanners + exact cache, 16 in flight" http://127.0.0.1:18082 "${FAST[@]}" --header "$AUTH"
load "portkey, 16 in flight" http://127.0.0.1:18787 "${FAST[@]}" "${PK_FAST[@]}"

echo
echo "Upstream latency ${LAT} ms; $(nproc) cores; $("$JAVA" -version 2>&1 | head -n 1); extra JVM options: ${JVM_OPTS:-none}; measured $(date -u +%Y-%m-%d)."
echo
echo "| run | throughput (req/s) | p50 ms | p90 ms | p99 ms | p99.9 ms | errors |"
echo "|---|---|---|---|---|---|---|"
jq -r '"| \(.label) | \(.throughput | floor) | \(.p50_ms) | \(.p90_ms) | \(.p99_ms) | \(.p999_ms) | \(.errors) |"' "$OUT/results.jsonl"
echo
jq -rs '
  def by(l): map(select(.label == l))[0];
  (by("direct @1000/s")) as $d1 | (by("router pass-through @1000/s")) as $p1 |
  (by("router pass-through gRPC @1000/s")) as $g1 | (by("direct HTTP/2 @1000/s")) as $h1 |
  (by("router pass-through HTTP/2 @1000/s")) as $r1 |
  (by("direct @500/s")) as $d5 | (by("router full pipeline @500/s")) as $f5 | (by("portkey @500/s")) as $k5 |
  (by("portkey, 16 in flight")) as $ks | (by("router pass-through, 16 in flight")) as $ps |
  (by("router full pipeline, 16 in flight")) as $fs |
  (by("router scanners + exact cache @500/s")) as $s5 | (by("router scanners + exact cache, 16 in flight")) as $ss |
  "- pass-through p99 overhead at 1,000 req/s (HTTP): \(($p1.p99_ms - $d1.p99_ms) * 1000 | round / 1000) ms (target < 1 ms)",
  "- pass-through p99 overhead at 1,000 req/s (gRPC): \(($g1.p99_ms - $d1.p99_ms) * 1000 | round / 1000) ms against direct HTTP/1.1, \(($g1.p99_ms - $h1.p99_ms) * 1000 | round / 1000) ms against direct HTTP/2 (the same transport); the OpenAI API over HTTP/2: \(($r1.p99_ms - $h1.p99_ms) * 1000 | round / 1000) ms against direct HTTP/2",
  "- full pipeline p99 overhead at 500 req/s: \(($f5.p99_ms - $d5.p99_ms) * 1000 | round / 1000) ms (target < 3 ms); Portkey at 500 req/s: \(($k5.p99_ms - $d5.p99_ms) * 1000 | round / 1000) ms",
  "- saturation throughput vs Portkey (16 in flight): pass-through \(($ps.throughput / $ks.throughput) * 100 | round / 100)x, full pipeline \(($fs.throughput / $ks.throughput) * 100 | round / 100)x",
  "- the full pipeline as the issue defines it (rule-based scanners in and out, exact cache; no budget, no usage event): p99 overhead at 500 req/s \(($s5.p99_ms - $d5.p99_ms) * 1000 | round / 1000) ms (target < 3 ms), saturation \(($ss.throughput / $ks.throughput) * 100 | round / 100)x Portkey (target 2x)"
' "$OUT/results.jsonl"
