package dev.llmops.router.routing;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.router.limits.RetryInfos;
import dev.llmops.router.provider.ProviderCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;

/**
 * Calls a route's fallback chain (TensorZero-style: the chain is data, every target's failure is kept and reported
 * together). Per target: ask its circuit breaker, call, retry with backoff (honouring Retry-After) on retryable
 * errors, then fall back to the next target on the errors the route names. Deployments of equal priority are
 * ordered by the load balancer. A stream that has sent its first token is never retried or moved: its failure is
 * the caller's (who turns it into an explicit error event).
 */
public final class RouteExecutor {
    /** One call to an upstream through its adapter; {@code deltas} is null for a non-streaming call. */
    @FunctionalInterface
    public interface Upstream {
        Uni<ChatResult> call(ProviderCall call, Consumer<String> deltas);
    }

    /** What goes upstream, whichever target serves it (tools as in {@link ProviderCall}). */
    public record ChatCall(List<ChatMessage> messages, GenerationParameters parameters, String user,
                           List<llmops.router.v1.Tool> tools, llmops.router.v1.ToolChoice toolChoice,
                           Boolean parallelToolCalls) {

        public ChatCall(List<ChatMessage> messages, GenerationParameters parameters, String user) {
            this(messages, parameters, user, List.of(), null, null);
        }
    }

    private static final int MAX_DETAIL = 300;
    private final Vertx vertx;
    private final Upstream upstream;
    private final CircuitBreakers breakers;
    private final LoadBalancer balancer;
    private final RoutingEvents events;

    public RouteExecutor(Vertx vertx, Upstream upstream, CircuitBreakers breakers, LoadBalancer balancer) {
        this(vertx, upstream, breakers, balancer, RoutingEvents.NONE);
    }

    public RouteExecutor(Vertx vertx, Upstream upstream, CircuitBreakers breakers, LoadBalancer balancer,
                         RoutingEvents events) {
        this.vertx = vertx;
        this.upstream = upstream;
        this.breakers = breakers;
        this.balancer = balancer;
        this.events = events;
    }

    public LoadBalancer balancer() {
        return balancer;
    }

    public CircuitBreakers breakers() {
        return breakers;
    }

    /**
     * The answer of the first target that gives one.
     *
     * @param deltas   where a stream's content goes as it arrives; null for a non-streaming call
     * @param onServed told which deployment answered, before the answer is emitted
     */
    public Uni<ChatResult> execute(RoutePlan plan, ChatCall call, Consumer<String> deltas, Consumer<Deployment> onServed) {
        return execute(plan, call, deltas, onServed, Long.MAX_VALUE, ChatExchange.TargetGate.NONE);
    }

    /**
     * The same, bounded overall: no attempt, backoff or fallback starts after {@code deadlineNanos} (a
     * {@link System#nanoTime()} value; {@link Long#MAX_VALUE} = none), each attempt's timeout is cut to what is left,
     * and the plan's {@code totalTimeout} (if any) bounds it too. {@code gate} runs before the first attempt on each
     * target; its failure ends the chain.
     */
    public Uni<ChatResult> execute(RoutePlan plan, ChatCall call, Consumer<String> deltas, Consumer<Deployment> onServed,
                                   long deadlineNanos, ChatExchange.TargetGate gate) {
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            long deadline = deadlineNanos;
            if (plan.totalTimeout() != null && start + plan.totalTimeout().toNanos() < deadline) {
                deadline = start + plan.totalTimeout().toNanos();
            }
            return new Run(plan, call, deltas, onServed, order(plan), start, deadline, gate).next(0);
        });
    }

    /** Every deployment in the order this request tries them: priorities ascending, each group as balanced. */
    List<Deployment> order(RoutePlan plan) {
        List<Deployment> all = plan.deployments();
        if (all.size() == 1) {
            return all;
        }
        List<Deployment> out = new ArrayList<>(all.size());
        int i = 0;
        while (i < all.size()) {
            int j = i;
            while (j < all.size() && all.get(j).priority() == all.get(i).priority()) {
                j++;
            }
            out.addAll(balancer.order(all.subList(i, j), plan.balance()));
            i = j;
        }
        return out;
    }

    /** One request's way down the chain. */
    private final class Run {
        private final RoutePlan plan;
        private final ChatCall call;
        private final Consumer<String> deltas;
        private final Consumer<Deployment> onServed;
        private final List<Deployment> order;
        private final Context context = Vertx.currentContext();
        private final List<String> failures = new ArrayList<>();
        private final List<Status.Code> codes = new ArrayList<>();
        private final long startNanos;
        private final long deadlineNanos;
        private final ChatExchange.TargetGate gate;
        private Duration shortestRetryAfter;
        private boolean streamed;
        private int attempts;

        Run(RoutePlan plan, ChatCall call, Consumer<String> deltas, Consumer<Deployment> onServed, List<Deployment> order,
            long startNanos, long deadlineNanos, ChatExchange.TargetGate gate) {
            this.plan = plan;
            this.call = call;
            this.deltas = deltas;
            this.onServed = onServed;
            this.order = order;
            this.startNanos = startNanos;
            this.deadlineNanos = deadlineNanos;
            this.gate = gate;
        }

        Uni<ChatResult> next(int index) {
            if (index == order.size()) {
                return Uni.createFrom().failure(allFailed(null));
            }
            if (expired()) {
                return Uni.createFrom().failure(deadlineExceeded());
            }
            Deployment d = order.get(index);
            return allowed(d).chain(ok -> {
                if (!ok) {
                    events.circuitSkipped(plan, d);
                    note(index, d, "circuit open, skipped", Status.Code.UNAVAILABLE);
                    return next(index + 1);
                }
                return gate.before(d.route())
                        .onFailure().transform(this::gateFailed)
                        .chain(() -> attempt(index, d, 1));
            });
        }

        /** Less than a millisecond left: nothing useful can start any more. */
        private boolean expired() {
            return deadlineNanos != Long.MAX_VALUE && deadlineNanos - System.nanoTime() < 1_000_000;
        }

        private Uni<ChatResult> attempt(int index, Deployment d, int attempt) {
            if (expired()) {
                return Uni.createFrom().failure(deadlineExceeded());
            }
            long start = System.nanoTime();
            attempts++;
            Route target = deadlineNanos == Long.MAX_VALUE ? d.route()
                    : d.route().withTimeout(Duration.ofNanos(deadlineNanos - start));
            Uni<ChatResult> answer;
            try {
                answer = upstream.call(new ProviderCall(target, call.messages(), call.parameters(), call.user(),
                                call.tools(), call.toolChoice(), call.parallelToolCalls()),
                        deltas == null ? null : piece -> {
                            streamed = true;
                            deltas.accept(piece);
                        });
            } catch (RuntimeException e) {
                answer = Uni.createFrom().failure(e);
            }
            return answer.onItemOrFailure().transformToUni((result, error) -> {
                long took = System.nanoTime() - start;
                if (error == null) {
                    events.attempt(plan, d, null, took);
                    balancer.observe(d, took, false);
                    breakers.record(d, true);
                    onServed.accept(d);
                    return Uni.createFrom().item(result);
                }
                ErrorKind kind = UpstreamErrors.classify(error);
                events.attempt(plan, d, kind, took);
                if (kind != ErrorKind.REJECTED && kind != ErrorKind.OTHER) {
                    balancer.observe(d, took, true);
                }
                if (breakers.counts(kind)) {
                    breakers.record(d, false);
                }
                if (streamed) {
                    return Uni.createFrom().failure(error); // after the first token: no retry, no fallback
                }
                if (expired()) {
                    note(index, d, detail(error) + (attempt > 1 ? " (" + attempt + " attempts)" : ""),
                            Status.fromThrowable(error).getCode());
                    return Uni.createFrom().failure(deadlineExceeded());
                }
                Optional<Duration> retryAfter = UpstreamErrors.retryAfter(error);
                Optional<Duration> wait = plan.retry().delayAfter(attempt, kind, retryAfter, ThreadLocalRandom.current());
                if (wait.isPresent() && deadlineNanos != Long.MAX_VALUE
                        && System.nanoTime() + wait.get().toNanos() >= deadlineNanos) {
                    wait = Optional.empty(); // no time left to wait and retry: fall back now (or end at the deadline)
                }
                if (wait.isPresent()) {
                    return sleep(wait.get()).chain(() -> allowed(d)).chain(ok -> {
                        if (ok) {
                            return attempt(index, d, attempt + 1);
                        }
                        note(index, d, detail(error) + " (" + attempt + " attempt" + (attempt > 1 ? "s" : "")
                                + "; then its circuit opened)", Status.fromThrowable(error).getCode());
                        events.fellBack(plan, d);
                        return next(index + 1);
                    });
                }
                retryAfter.ifPresent(ra -> shortestRetryAfter = shortestRetryAfter == null
                        || ra.compareTo(shortestRetryAfter) < 0 ? ra : shortestRetryAfter);
                note(index, d, detail(error) + (attempt > 1 ? " (" + attempt + " attempts)" : ""),
                        Status.fromThrowable(error).getCode());
                if (!plan.fallbackOn().contains(kind)) {
                    return Uni.createFrom().failure(failures.size() == 1 ? error : allFailed(Status.fromThrowable(error).getCode()));
                }
                events.fellBack(plan, d);
                return next(index + 1);
            });
        }

        /** The overall deadline passed: every attempt made so far, in one DEADLINE_EXCEEDED. */
        private StatusRuntimeException deadlineExceeded() {
            long tookMs = (System.nanoTime() - startNanos) / 1_000_000;
            String what = failures.isEmpty() ? "no target answered in time" : String.join("; ", failures);
            return Status.DEADLINE_EXCEEDED.withDescription("route '" + plan.name() + "': the request's deadline passed "
                    + tookMs + " ms into the chain, after " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ": "
                    + what).asRuntimeException();
        }

        /** A gate (the budget) refused a target: its status, naming the failures that led to this target. */
        private Throwable gateFailed(Throwable e) {
            if (failures.isEmpty()) {
                return e;
            }
            Status s = Status.fromThrowable(e);
            return s.withDescription(s.getDescription() + " (while falling back on route '" + plan.name() + "' after: "
                    + String.join("; ", failures) + ")").asRuntimeException();
        }

        private Uni<Boolean> allowed(Deployment d) {
            var decision = breakers.allow(d);
            if (decision.isComplete()) {
                return Uni.createFrom().item(decision.result());
            }
            return Uni.createFrom().completionStage(decision.toCompletionStage());
        }

        private Uni<Void> sleep(Duration wait) {
            if (wait.isZero()) {
                return Uni.createFrom().voidItem();
            }
            return Uni.createFrom().emitter(em -> vertx.setTimer(Math.max(1, wait.toMillis()), t -> {
                if (context != null) {
                    context.runOnContext(v -> em.complete(null));
                } else {
                    em.complete(null);
                }
            }));
        }

        private void note(int index, Deployment d, String what, Status.Code code) {
            failures.add("[" + (index + 1) + "] " + d.label() + ": " + what);
            codes.add(code);
        }

        /** Every target's failure in one status; the code is theirs when they agree, else UNAVAILABLE. */
        private StatusRuntimeException allFailed(Status.Code forced) {
            Status.Code code = forced;
            if (code == null) {
                code = codes.stream().distinct().count() == 1 ? codes.get(0) : Status.Code.UNAVAILABLE;
            }
            String head = forced != null
                    ? "route '" + plan.name() + "': a target rejected the request (not a fallback error for this route): "
                    : "route '" + plan.name() + "': all " + order.size() + " target" + (order.size() > 1 ? "s" : "")
                    + " failed: ";
            String message = head + String.join("; ", failures);
            if (shortestRetryAfter == null) {
                return Status.fromCode(code).withDescription(message).asRuntimeException();
            }
            // the shortest wait any target asked for, as gRPC's RetryInfo (HTTP: retry-after) and our own trailer
            long ms = shortestRetryAfter.toMillis();
            Metadata trailers = new Metadata();
            trailers.put(UpstreamErrors.RETRY_AFTER_MS, String.valueOf(ms));
            return RetryInfos.withRetryInfo(code, message + " (retry after " + Math.max(1, (ms + 999) / 1000) + " s)",
                    ms, trailers);
        }
    }

    private static String detail(Throwable error) {
        String d = UpstreamErrors.describe(error);
        return d.length() > MAX_DETAIL ? d.substring(0, MAX_DETAIL) + "..." : d;
    }
}
