package dev.llmops.router.pipeline;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Puts the caller's own values back into a streamed answer as it passes: pieces without a placeholder go straight
 * on; a piece holding one goes through the guardrail's RestorePlaceholders first; a piece ending inside something
 * that may still become a placeholder ({@code <EMA}) is held until its {@code >} (or until it cannot be one).
 * Pieces leave in the order they came, on the request's context.
 */
public final class StreamRestorer implements Consumer<String> {
    /** Longer than any placeholder the guardrail writes ({@code <TYPE_N>}): a longer run cannot be one. */
    static final int MAX_PLACEHOLDER = 48;
    private final Function<String, CompletionStage<String>> restore;
    private final Consumer<String> out;
    private final Context context = Vertx.currentContext();
    private final StringBuilder held = new StringBuilder();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /**
     * @param restore text with placeholders → the same text with the originals (on failure: the text unchanged)
     * @param out     where restored pieces go, in order
     */
    public StreamRestorer(Function<String, CompletionStage<String>> restore, Consumer<String> out) {
        this.restore = restore;
        this.out = out;
    }

    @Override
    public void accept(String piece) {
        held.append(piece);
        int cut = releasable(held);
        if (cut > 0) {
            String ready = held.substring(0, cut);
            held.delete(0, cut);
            send(ready);
        }
    }

    /** Sends what is still held; completes when every piece has gone out. */
    public Uni<Void> finish() {
        if (!held.isEmpty()) {
            String rest = held.toString();
            held.setLength(0);
            send(rest);
        }
        return tail.isDone() ? Uni.createFrom().voidItem() : Uni.createFrom().completionStage(tail);
    }

    private void send(String text) {
        boolean placeholder = text.indexOf('<') >= 0;
        if (!placeholder && tail.isDone()) {
            out.accept(text);
            return;
        }
        tail = tail.thenCompose(v -> placeholder ? restore.apply(text) : CompletableFuture.completedFuture(text))
                .thenCompose(this::emitOnContext);
    }

    private CompletionStage<Void> emitOnContext(String text) {
        if (context == null || Vertx.currentContext() == context) {
            out.accept(text);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                out.accept(text);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * How much of {@code text} can go now: all of it, unless it ends in a {@code <} followed only by characters a
     * placeholder is made of (upper-case letters, digits, underscores), short enough to still become one.
     */
    static int releasable(CharSequence text) {
        int open = -1;
        for (int i = text.length() - 1; i >= 0 && text.length() - i <= MAX_PLACEHOLDER; i--) {
            char c = text.charAt(i);
            if (c == '<') {
                open = i;
                break;
            }
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return text.length();
            }
        }
        return open < 0 ? text.length() : open;
    }
}
