#!/usr/bin/env bash
# What each pipeline step costs: one router per step (llmops.router.steps=<step>) plus one with none (the baseline)
# and one with all of them, in front of the real guardrail, cache and cost services and a local upstream that answers
# at once. Each router gets 16 requests in flight (distinct prompts: no cache hits; see PROMPTS) after a JIT warm-up; the table
# shows throughput, p50/p99 and the CPU every process spent per request (from /proc, so it counts JIT, GC and
# syscalls too), i.e. where a step's cost lands. Everything listens on 127.0.0.1; all processes stop at the end.
#   DURATION (10s)  JIT_WARMUP (100s per router)  BENCH_JAVA (java)  STEPS (the list below)
#   SERVICE_OPTS (extra JVM/config options for the guardrail, cache and cost services)
#   ROUTER_OPTS (extra JVM/config options for every router, e.g. -Dquarkus.grpc.clients.cache.use-quarkus-grpc-client=true)
#   RATE (unset: 16 in flight, i.e. saturation; N: open loop at N req/s, so CPU per request compares at equal load)
#   PROMPTS (unique: every request a new prompt, all cache misses; same: one prompt, so all but the first are hits)
# A STEPS entry may carry options for its router only after ';' (e.g. "input-guard;-Dfoo=1;-Dbar=2"): variants of one
# step measured in one run, against the same warm services.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(pwd)/.llmops/bench-steps"
mkdir -p "$OUT"
JAVA=${BENCH_JAVA:-java}
DURATION=${DURATION:-10s}
JIT_WARMUP=${JIT_WARMUP:-100s}
STEPS=${STEPS:-"none usage-event input-guard cache budget output-guard usage-event,input-guard,cache,budget,output-guard"}
RUN=llmops_bench_steps
KEY=sk-bench-$RANDOM$RANDOM
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
PIDS=()
declare -A PID_OF

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U llmops -d postgres -c "drop database if exists $RUN with (force)" >/dev/null 2>&1 || true
  rabbitmqctl -q delete_vhost "$RUN" >/dev/null 2>&1 || true
  forget_redis_keys
}
# the run's Redis keys (cache entries, budgets, reservations): none left from an earlier run, none left behind
forget_redis_keys() { redis-cli -h 127.0.0.1 --scan --pattern "$RUN:*" | xargs -r -n 500 redis-cli -h 127.0.0.1 del >/dev/null 2>&1 || true; }
trap cleanup EXIT

scripts/ensure-servers.sh >/dev/null
built() { for s in guardrail cache cost router; do [ -f $s-service/target/quarkus-app/quarkus-run.jar ] || return 1; done
  ls tools/loadgen/target/*-runner.jar tools/local-upstream/target/*-runner.jar >/dev/null 2>&1; }
if ! built; then
  ./mvnw -B -q package -DskipTests -pl tools/local-upstream,tools/loadgen,guardrail-service,cache-service,cost-service,router-service -am
fi
psql -q -h 127.0.0.1 -U llmops -d postgres -c "drop database if exists $RUN with (force)" -c "create database $RUN" >/dev/null
rabbitmqctl -q delete_vhost "$RUN" >/dev/null 2>&1 || true
forget_redis_keys
rabbitmqctl -q add_vhost "$RUN" && rabbitmqctl -q set_permissions -p "$RUN" guest '.*' '.*' '.*'

start() { # name port jar args...
  local name=$1 port=$2 jar=$3; shift 3
  "$JAVA" -Xms512m -Xmx512m -XX:+UseSerialGC -Dquarkus.vertx.event-loops-pool-size=1 -Dquarkus.http.port="$port" -Dquarkus.http.host=127.0.0.1 \
    -Dllmops.redis.key-prefix="$RUN:$name:" -Drabbitmq-virtual-host="$RUN" -Dquarkus.log.level=WARN "$@" \
    -jar "$jar" >"$OUT/$name.log" 2>&1 &
  PIDS+=($!)
  PID_OF[$name]=$!
}
wait_ready() { # url
  for _ in $(seq 1 240); do curl -fsS -o /dev/null --max-time 2 "$1" && return 0; sleep 0.5; done
  echo "not ready: $1"; exit 1
}
upjar=$(ls tools/local-upstream/target/local-upstream-*-runner.jar | head -n 1)
loadjar=$(ls tools/loadgen/target/loadgen-*-runner.jar | head -n 1)
"$JAVA" -jar "$upjar" --port 18098 >"$OUT/upstream.log" 2>&1 & PIDS+=($!); PID_OF[upstream]=$!
start guardrail 18091 guardrail-service/target/quarkus-app/quarkus-run.jar ${SERVICE_OPTS:-}
start cache 18092 cache-service/target/quarkus-app/quarkus-run.jar ${SERVICE_OPTS:-}
start cost 18093 cost-service/target/quarkus-app/quarkus-run.jar ${SERVICE_OPTS:-} \
  -Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/$RUN \
  -Dquarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/$RUN -Dllmops.cost.budgets.default-key-limit-usd=unlimited
wait_ready http://127.0.0.1:18098/v1/models
for p in 18091 18092 18093; do wait_ready "http://127.0.0.1:$p/q/health/ready"; done

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# PostgreSQL runs one process per connection (the cost-service's pool keeps them): their sum
pg_ticks() { local t=0; for p in $(pgrep -x postgres); do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
# thread wake-ups (voluntary and involuntary context switches over all the process's threads)
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}'; }
# Redis commands so far, by command, as JSON ({"evalsha": 123, ...}); the whole server's, so the run has Redis alone
redis_calls() { redis-cli -h 127.0.0.1 info commandstats 2>/dev/null | tr -d '\r' \
  | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),.*/\1 \2/p' | jq -R -s -c 'split("\n") | map(select(length > 0) | split(" "))
    | map({(.[0]): (.[1] | tonumber)}) | add // {}'; }
# usage-event messages (batches) in the cost-service's queue, ready or unacked: does its consumer keep up?
queued() { rabbitmqctl -q list_queues -p "$RUN" name messages 2>/dev/null | awk '$1 == "llmops.cost.usage-events" {print $2}'; }
# waits (up to a minute) until the cost-service has consumed every queued usage event
drained() { for _ in $(seq 1 120); do [ "$(queued)" = 0 ] && break; sleep 0.5; done; }
ticks=$(getconf CLK_TCK)
port=18100
: >"$OUT/results.jsonl"
LOAD=(--concurrency 16)
PROMPT_OPTS=(--unique)
[ "${PROMPTS:-unique}" = same ] && PROMPT_OPTS=()
[ -n "${RATE:-}" ] && LOAD=(--rate "$RATE" --connections 64)
for entry in $STEPS; do
  port=$((port + 1))
  IFS=';' read -r -a parts <<<"$entry"
  steps=${parts[0]}
  start "router-$port" "$port" router-service/target/quarkus-app/quarkus-run.jar \
    -Dquarkus.grpc.clients.guardrail.port=18091 -Dquarkus.grpc.clients.cache.port=18092 \
    -Dquarkus.grpc.clients.cost.port=18093 -Dllmops.router.keys.bench.sha256="$KEY_SHA" \
    -Dllmops.router.keys.bench.tenant=bench -Dllmops.router.routes.local-echo.base-url=http://127.0.0.1:18098/v1 \
    -Dllmops.router.cache-key-prefix="$RUN:cache:" -Dllmops.guardrail.redis-key-prefix="$RUN:guardrail:" -Dllmops.router.steps="$steps" ${ROUTER_OPTS:-} "${parts[@]:1}"
  wait_ready "http://127.0.0.1:$port/q/health/ready"
  echo "warming up router with steps=$steps ($JIT_WARMUP) ..." >&2
  "$JAVA" -jar "$loadjar" --url "http://127.0.0.1:$port" --concurrency 16 --duration "$JIT_WARMUP" --warmup 0s "${PROMPT_OPTS[@]}" \
    --header "authorization: Bearer $KEY" >/dev/null
  # the warm-up's usage events consumed first: their settles and releases are not this measurement's work
  drained
  procs=("router-$port" guardrail cache cost upstream)
  # the driver is a fresh JVM: its first 10 s (its own JIT) are neither measured nor counted in the CPU
  "$JAVA" -jar "$loadjar" --label "$entry" --url "http://127.0.0.1:$port" "${LOAD[@]}" --duration "$DURATION" \
    --warmup 10s "${PROMPT_OPTS[@]}" --header "authorization: Bearer $KEY" --json >"$OUT/run.json" &
  driver=$!
  sleep 10
  backlog_before=$(queued)
  declare -A before=()
  declare -A sw_before=()
  for n in "${procs[@]}"; do before[$n]=$(cpu_ticks "${PID_OF[$n]}"); sw_before[$n]=$(switches "${PID_OF[$n]}"); done
  broker_before=$(cpu_ticks "$(pgrep -o beam.smp || echo 1)")
  redis_before=$(cpu_ticks "$(pgrep -o redis-server || echo 1)")
  pg_before=$(pg_ticks)
  redis_calls_before=$(redis_calls)
  wait "$driver"
  cpu="{}"
  sw="{}"
  for n in "${procs[@]}"; do
    cpu=$(jq -c --arg n "${n%%-*}" --argjson t $(( $(cpu_ticks "${PID_OF[$n]}") - ${before[$n]} )) '. + {($n): $t}' <<<"$cpu")
    sw=$(jq -c --arg n "${n%%-*}" --argjson t $(( $(switches "${PID_OF[$n]}") - ${sw_before[$n]} )) '. + {($n): $t}' <<<"$sw")
  done
  cpu=$(jq -c --argjson b $(( $(cpu_ticks "$(pgrep -o beam.smp || echo 1)") - broker_before )) \
    --argjson r $(( $(cpu_ticks "$(pgrep -o redis-server || echo 1)") - redis_before )) \
    --argjson pg $(( $(pg_ticks) - pg_before )) '. + {rabbitmq: $b, redis: $r, postgresql: $pg}' <<<"$cpu")
  redis_delta=$(jq -n -c --argjson a "$redis_calls_before" --argjson b "$(redis_calls)" \
    '$b | with_entries(.value -= ($a[.key] // 0)) | with_entries(select(.value > 0))')
  # after the CPU was read: how far the cost-service's consumer was behind when the load stopped, and how long it
  # then took to catch up (its settles and releases are part of each request's work)
  backlog=$(queued); drain_from=$(date +%s%N)
  drained
  drain_s=$(( ($(date +%s%N) - drain_from) / 1000000 ))
  # then every request's reservation must be gone (settled or released; none lapses this soon)
  held=$(redis-cli -h 127.0.0.1 hlen "$RUN:cost:res:{bench}")
  jq -c --argjson cpu "$cpu" --argjson sw "$sw" --argjson hz "$ticks" --argjson rc "$redis_delta" \
    --argjson backlog0 "${backlog_before:-0}" --argjson backlog "${backlog:-0}" --argjson drain "$drain_s" --argjson held "${held:-0}" \
    '((.ok + .errors) | if . > 0 then . else 1 end) as $n | . + {cpu_ms_per_req: ($cpu | map_values(. * 1000 / $hz / $n)),
      switches_per_req: ($sw | map_values(. / $n)), redis_commands_per_req: ($rc | map_values(. * 100 / $n | round / 100)),
      usage_event_backlog: {batches_at_start: $backlog0, batches_at_end: $backlog, drained_ms: $drain, reservations_held_after: $held}}' \
    "$OUT/run.json" \
    | tee -a "$OUT/results.jsonl" >&2
  kill "${PID_OF[router-$port]}" 2>/dev/null || true
done

echo
load="16 requests in flight"
[ "${PROMPTS:-unique}" = same ] && load="$load, one prompt (cache hits)"
[ -n "${RATE:-}" ] && load="open loop at $RATE req/s (64 connections)"
echo "$(nproc) cores; $("$JAVA" -version 2>&1 | head -n 1); $load, upstream answers at once; measured $(date -u +%Y-%m-%d)."
echo
echo "| steps | req/s | p50 ms | p99 ms | CPU ms/request: router | guardrail | cache | cost | RabbitMQ | Redis | PostgreSQL | all but the driver | thread switches/request: router | guardrail | cache | cost | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
jq -r 'def r: . * 1000 | round / 1000; def s: . * 10 | round / 10;
  "| \(.label) | \(.throughput | floor) | \(.p50_ms) | \(.p99_ms) | \(.cpu_ms_per_req.router | r) | \(.cpu_ms_per_req.guardrail | r) | \(.cpu_ms_per_req.cache | r) | \(.cpu_ms_per_req.cost | r) | \(.cpu_ms_per_req.rabbitmq | r) | \(.cpu_ms_per_req.redis | r) | \(.cpu_ms_per_req.postgresql | r) | \(.cpu_ms_per_req | add | r) | \(.switches_per_req.router | s) | \(.switches_per_req.guardrail | s) | \(.switches_per_req.cache | s) | \(.switches_per_req.cost | s) | \(.errors) |"' "$OUT/results.jsonl"
echo
echo "Redis commands per request (the whole server's, by command):"
jq -r '"- \(.label): \(.redis_commands_per_req | to_entries | sort_by(-.value) | map("\(.key) \(.value)") | join(", "))"' "$OUT/results.jsonl"
echo
echo "Usage events queued for the cost-service (batches, ready or unacked) when the measurement started and when the load stopped (a growing backlog: the consumer did not keep up, so part of the requests' work is not in the CPU columns), the time it then took to consume them, and the reservations still held after that (0: every request settled or released):"
jq -r '"- \(.label): \(.usage_event_backlog.batches_at_start) then \(.usage_event_backlog.batches_at_end) batches, drained in \(.usage_event_backlog.drained_ms) ms, \(.usage_event_backlog.reservations_held_after) reservations held"' "$OUT/results.jsonl"
