package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Starts a step's {@code before} at an earlier place in the chain than its own, so that its call runs while the steps
 * in between run theirs (the budget's Reserve alongside the input check and the cache lookup), and waits for its
 * outcome at its own place: a failure or a short-circuit there is the step's as if it had started there, and an
 * earlier step's answer (a block, a cache hit) makes it irrelevant. Only for a step whose {@code before} does not
 * depend on what the steps in between do.
 *
 * <p>When the request ends before the step's own place, the step's {@code after} still runs once its {@code before}
 * succeeded (the budget then releases what it reserved), off the response's path: the caller does not wait for it,
 * and the exchange holds it as late work ({@link ChatExchange#lateWork()}), which the usage event waits for.
 */
public final class EarlyStart {
    private final ChatStep step;

    public EarlyStart(ChatStep step) {
        this.step = step;
    }

    /** What one request's early start left for the step's own place. */
    private static final class Started {
        final Uni<ChatResult> outcome;
        volatile boolean awaited;

        Started(Uni<ChatResult> outcome) {
            this.outcome = outcome;
        }
    }

    /** Goes at the earlier place: starts the step's {@code before} and goes on at once. */
    public ChatStep start() {
        return new ChatStep() {
            @Override
            public Uni<ChatResult> before(ChatExchange ex) {
                Uni<ChatResult> outcome = step.before(ex).memoize().indefinitely();
                // runs now; the outcome is read at the step's own place, or by after() when the request never got there
                outcome.subscribe().with(ignored -> { }, ignored -> { });
                ex.stepState(EarlyStart.this, new Started(outcome));
                return Uni.createFrom().nullItem();
            }

            @Override
            public Uni<Void> after(ChatExchange ex) {
                Started started = ex.stepState(EarlyStart.this);
                if (started.awaited) { // the step's own after ran at its place
                    return Uni.createFrom().voidItem();
                }
                Uni<Void> late = started.outcome.onItemOrFailure().transformToUni((answer, failure) -> failure != null
                                ? Uni.createFrom().voidItem() // the before failed: nothing to undo
                                : step.after(ex))
                        .onFailure().invoke(e -> Log.warnf("%s of request %s, which ended before it, failed after: %s",
                                step.getClass().getSimpleName(), ex.requestId(), e.toString()))
                        .onFailure().recoverWithNull().replaceWithVoid()
                        .memoize().indefinitely();
                late.subscribe().with(ignored -> { });
                ex.lateWork(late);
                return Uni.createFrom().voidItem();
            }
        };
    }

    /** Goes at the step's own place: waits for what {@link #start()} started, then the step's after as usual. */
    public ChatStep await() {
        return new ChatStep() {
            @Override
            public Uni<ChatResult> before(ChatExchange ex) {
                Started started = ex.stepState(EarlyStart.this);
                started.awaited = true;
                return started.outcome;
            }

            @Override
            public Uni<Void> after(ChatExchange ex) {
                return step.after(ex);
            }
        };
    }
}
