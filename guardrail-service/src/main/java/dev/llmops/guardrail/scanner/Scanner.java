package dev.llmops.guardrail.scanner;

import dev.llmops.guardrail.Detection;
import java.util.List;

/**
 * One detector. Implementations are stateless and thread-safe, run on the event loop for small texts, and
 * return {@link List#of()} when they find nothing so the common case allocates nothing.
 * New scanners are added in {@link ScannerRegistry} and nowhere else.
 */
public interface Scanner {

    /** Short stable name, reported in {@code Finding.scanner} and used in {@code llmops.guardrail.disabled-scanners}. */
    String name();

    /**
     * True for scanners that only look at untrusted input (user, assistant history, tool messages): not at the
     * app's system/developer prompts, nor at answers.
     */
    default boolean untrustedOnly() {
        return false;
    }

    /** Detections in {@code text}, spans in UTF-16 indices, in any order, overlaps allowed. */
    List<Detection> scan(String text);
}
