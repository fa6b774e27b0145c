package dev.llmops.router.provider;

import dev.llmops.router.ChatResult;

/**
 * Reads one provider's server-sent events into an answer. One instance per stream; called on one event loop.
 * Methods throw {@code StatusRuntimeException} when the upstream reported a failure or sent something unreadable.
 */
public interface StreamDecoder {

    /** One server-sent event: its {@code event:} name (empty if none) and its data. */
    void onEvent(String event, String data);

    /** True once the provider said the answer is complete: checked when the stream ends or the connection drops. */
    boolean complete();

    /** The whole answer with its usage, once {@link #complete()}. */
    ChatResult result();
}
