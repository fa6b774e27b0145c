package dev.llmops.router.tiering;

import java.util.Locale;

/** Model classes a tiering policy chooses between, cheapest first. */
public enum Tier {
    CHEAP(0.0), MID(0.5), PREMIUM(1.0);

    private final double difficulty;

    Tier(double difficulty) {
        this.difficulty = difficulty;
    }

    /** The difficulty a labelled example of this tier stands for, in [0, 1]. */
    public double difficulty() {
        return difficulty;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Tier parse(String label) {
        return valueOf(label.strip().toUpperCase(Locale.ROOT));
    }
}
