package dev.llmops.router.tiering;

/**
 * One tenant's tiering: which route serves each tier, and the difficulty thresholds between them.
 *
 * @param cheap       route for difficulty below {@code cheapBelow}
 * @param mid         route between the thresholds
 * @param premium     route from {@code premiumFrom} up
 * @param cheapBelow  upper bound (exclusive) of the cheap tier
 * @param premiumFrom lower bound (inclusive) of the premium tier
 */
public record TierPolicy(String cheap, String mid, String premium, double cheapBelow, double premiumFrom) {

    public TierPolicy {
        if (!(cheapBelow >= 0 && cheapBelow <= premiumFrom && premiumFrom <= 1.0000001)) {
            throw new IllegalArgumentException("tiering thresholds must satisfy 0 <= cheap-below <= premium-from <= 1, got "
                    + cheapBelow + " and " + premiumFrom);
        }
    }

    public Tier tier(double difficulty) {
        return difficulty < cheapBelow ? Tier.CHEAP : difficulty < premiumFrom ? Tier.MID : Tier.PREMIUM;
    }

    public String route(Tier tier) {
        return switch (tier) {
            case CHEAP -> cheap;
            case MID -> mid;
            case PREMIUM -> premium;
        };
    }
}
