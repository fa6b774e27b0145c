package dev.llmops.router.routing;

/**
 * The same state machine as {@code lua/circuit.lua}, in this replica's memory: what decides while Redis is
 * unavailable. Its state is this replica's alone and is dropped when Redis is back.
 */
final class LocalBreaker {
    private final CircuitSettings s;
    private String state = "closed";
    private int fails;
    private long since;
    private long until;

    LocalBreaker(CircuitSettings settings) {
        this.s = settings;
    }

    synchronized CircuitState apply(String op, long nowMs) {
        switch (op) {
            case "peek" -> {
                return new CircuitState(state, !state.equals("open"), fails, 0);
            }
            case "allow" -> {
                if (state.equals("closed")) {
                    return new CircuitState(state, true, fails, 0);
                }
                if (nowMs < until) {
                    return new CircuitState(state, false, fails, until - nowMs);
                }
                state = "half_open";
                until = nowMs + s.probeTimeout().toMillis();
                return new CircuitState(state, true, fails, s.probeTimeout().toMillis());
            }
            case "success" -> {
                if (state.equals("half_open")) {
                    state = "closed";
                    fails = 0;
                    since = 0;
                    until = 0;
                }
                return new CircuitState(state, state.equals("closed"), fails, 0);
            }
            default -> {
                if (state.equals("half_open")) {
                    state = "open";
                    until = nowMs + s.coolDown().toMillis();
                    return new CircuitState(state, false, fails, s.coolDown().toMillis());
                }
                if (state.equals("open")) {
                    return new CircuitState(state, false, fails, Math.max(0, until - nowMs));
                }
                if (nowMs - since > s.window().toMillis()) {
                    fails = 0;
                    since = nowMs;
                }
                fails++;
                if (fails >= s.failureThreshold()) {
                    state = "open";
                    until = nowMs + s.coolDown().toMillis();
                    return new CircuitState(state, false, fails, s.coolDown().toMillis());
                }
                return new CircuitState(state, true, fails, 0);
            }
        }
    }
}
