package dev.llmops.router.routing;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What went wrong with one upstream call, in the words used by route config ({@code fallback-on}, {@code retry.on}). */
public enum ErrorKind {
    /** HTTP 429: the upstream's rate limit. */
    RATE_LIMITED("429"),
    /** HTTP 5xx, a refused credential, or a stream that ended before the answer did. */
    SERVER_ERROR("5xx"),
    /** No complete answer within the target's deadline (or HTTP 408/504). */
    TIMEOUT("timeout"),
    /** The connection was refused or could not be made. */
    CONNECT("connect"),
    /** The upstream answered with something unreadable. */
    BAD_RESPONSE("bad-response"),
    /** The upstream rejected the request itself (HTTP 400/404/413/422): another target would most likely too. */
    REJECTED("4xx"),
    /** Anything else (a bug, a missing adapter): never retried, never a fallback. */
    OTHER("other");

    private final String configName;

    ErrorKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** Parses config names ({@code 429, 5xx, timeout, connect, bad-response, 4xx}); unknown names fail start-up. */
    public static Set<ErrorKind> parse(List<String> names, String where) {
        Set<ErrorKind> kinds = EnumSet.noneOf(ErrorKind.class);
        for (String raw : names) {
            String name = raw.strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.equals("none")) {
                continue;
            }
            ErrorKind found = null;
            for (ErrorKind k : values()) {
                if (k.configName.equals(name)) {
                    found = k;
                }
            }
            if (found == null || found == OTHER) {
                throw new IllegalArgumentException(where + ": unknown error kind '" + raw
                        + "'; use any of 429, 5xx, timeout, connect, bad-response, 4xx (or none)");
            }
            kinds.add(found);
        }
        return kinds;
    }
}
