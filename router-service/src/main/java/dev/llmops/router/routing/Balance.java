package dev.llmops.router.routing;

/** How a route spreads traffic over deployments of equal priority. */
public enum Balance {
    /** Random in proportion to the weights. */
    WEIGHTED,
    /** Power of two choices (drawn by weight) on the EWMA of latency: the faster of two random deployments. */
    LATENCY;

    public static Balance parse(String name, String where) {
        return switch (name.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "weighted" -> WEIGHTED;
            case "latency" -> LATENCY;
            default -> throw new IllegalArgumentException(where + ": balance must be 'weighted' or 'latency', not '" + name + "'");
        };
    }
}
