package dev.llmops.router.harness;

import dev.llmops.router.tiering.DifficultyClassifier;
import dev.llmops.router.tiering.LabelledPrompts;
import dev.llmops.router.tiering.Tier;
import dev.llmops.router.tiering.TierPolicy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Accuracy and cost of tiered routing on the shipped labelled prompts, leave-one-out (each prompt is scored by a
 * classifier built without it, so its own label never helps). For thresholds across the range it prints the share
 * of traffic per tier, agreement with the labels, premium prompts sent to the cheap tier, and cost against sending
 * everything to premium.
 *
 * <p>Cost model (stated, not measured): prompt tokens = characters / 4 + 4; completion tokens by the prompt's true
 * tier: cheap 60, mid 350, premium 900, the same whichever model answers. Prices: the cost-service's catalog.
 *
 * <p>Run: {@code ./mvnw -B -q -pl router-service -am package -DskipTests -Pharness -Dharness=TieringHarness}
 * (options via {@code -Dharness.args="--cheap gpt-4o-mini --mid gpt-4.1-mini --premium gpt-4o --k 5 --price m=in/out"}).
 */
public final class TieringHarness {
    static final Map<Tier, Integer> COMPLETION_TOKENS = Map.of(Tier.CHEAP, 60, Tier.MID, 350, Tier.PREMIUM, 900);

    record Scored(Tier label, double score, long promptTokens) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new java.util.HashMap<>(Map.of("--cheap", "gpt-4o-mini", "--mid", "gpt-4.1-mini",
                "--premium", "gpt-4o", "--k", "5"));
        PriceSheet prices = PriceSheet.load(PriceSheet.repoRoot());
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--price")) {
                prices.override(args[i + 1]);
            } else {
                opts.put(args[i], args[i + 1]);
            }
        }
        int k = Integer.parseInt(opts.get("--k"));
        List<LabelledPrompts.Example> all = LabelledPrompts.load();
        List<Scored> scored = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            List<LabelledPrompts.Example> others = new ArrayList<>(all);
            LabelledPrompts.Example held = others.remove(i);
            double s = new DifficultyClassifier(others, k).score(held.text());
            scored.add(new Scored(held.tier(), s, held.text().length() / 4 + 4));
        }
        Map<Tier, PriceSheet.Price> price = new EnumMap<>(Tier.class);
        price.put(Tier.CHEAP, prices.price(opts.get("--cheap")));
        price.put(Tier.MID, prices.price(opts.get("--mid")));
        price.put(Tier.PREMIUM, prices.price(opts.get("--premium")));

        System.out.printf(Locale.ROOT, "labelled prompts: %d (cheap %d, mid %d, premium %d), leave-one-out, k=%d%n",
                all.size(), count(all, Tier.CHEAP), count(all, Tier.MID), count(all, Tier.PREMIUM), k);
        System.out.printf(Locale.ROOT, "tiers: cheap=%s (%s/%s), mid=%s (%s/%s), premium=%s (%s/%s) USD per Mtok in/out; prices from %s%n",
                opts.get("--cheap"), price.get(Tier.CHEAP).inputPerMtok(), price.get(Tier.CHEAP).outputPerMtok(),
                opts.get("--mid"), price.get(Tier.MID).inputPerMtok(), price.get(Tier.MID).outputPerMtok(),
                opts.get("--premium"), price.get(Tier.PREMIUM).inputPerMtok(), price.get(Tier.PREMIUM).outputPerMtok(),
                price.get(Tier.PREMIUM).source());
        System.out.printf(Locale.ROOT, "mean score by label: cheap %.3f, mid %.3f, premium %.3f%n%n",
                mean(scored, Tier.CHEAP), mean(scored, Tier.MID), mean(scored, Tier.PREMIUM));

        System.out.println("| cheap-below | premium-from | cheap | mid | premium | agreement | premium sent cheap | cheap sent premium | cost vs all-premium |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        double allPremium = cost(scored, new TierPolicy("c", "m", "p", 0, 0), price);
        for (int t = 0; t <= 14; t++) {
            double low = t * 0.05;
            row(scored, new TierPolicy("c", "m", "p", low, Math.min(1.0, low + 0.15)), price, allPremium);
        }
        // the whole grid (step 0.025): the best agreement, and the cheapest policy within 3 points of it
        TierPolicy best = null;
        double bestAgreement = -1;
        List<TierPolicy> grid = new ArrayList<>();
        for (int i = 0; i <= 40; i++) {
            for (int j = i; j <= 40; j++) {
                TierPolicy p = new TierPolicy("c", "m", "p", i * 0.025, j * 0.025);
                grid.add(p);
                double agreement = agreement(scored, p);
                if (agreement > bestAgreement) {
                    bestAgreement = agreement;
                    best = p;
                }
            }
        }
        TierPolicy cheapest = best;
        for (TierPolicy p : grid) {
            if (agreement(scored, p) >= bestAgreement - 0.03 && cost(scored, p, price) < cost(scored, cheapest, price)) {
                cheapest = p;
            }
        }
        System.out.println();
        System.out.println("over the grid (step 0.025): best agreement, then the cheapest policy within 3 points of it");
        row(scored, best, price, allPremium);
        row(scored, cheapest, price, allPremium);
        System.out.println();
        System.out.println("reference rows: everything cheap, everything mid, everything premium");
        row(scored, new TierPolicy("c", "m", "p", 1.0000001, 1.0000001), price, allPremium);
        row(scored, new TierPolicy("c", "m", "p", 0, 1.0000001), price, allPremium);
        row(scored, new TierPolicy("c", "m", "p", 0, 0), price, allPremium);
    }

    static void row(List<Scored> scored, TierPolicy policy, Map<Tier, PriceSheet.Price> price, double allPremium) {
        Map<Tier, Integer> routed = new EnumMap<>(Tier.class);
        int agree = 0;
        int premiumCheap = 0;
        int cheapPremium = 0;
        for (Scored s : scored) {
            Tier t = policy.tier(s.score());
            routed.merge(t, 1, Integer::sum);
            agree += t == s.label() ? 1 : 0;
            premiumCheap += s.label() == Tier.PREMIUM && t == Tier.CHEAP ? 1 : 0;
            cheapPremium += s.label() == Tier.CHEAP && t == Tier.PREMIUM ? 1 : 0;
        }
        double n = scored.size();
        long premiums = scored.stream().filter(s -> s.label() == Tier.PREMIUM).count();
        long cheaps = scored.stream().filter(s -> s.label() == Tier.CHEAP).count();
        System.out.printf(Locale.ROOT, "| %.2f | %.2f | %.0f%% | %.0f%% | %.0f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |%n",
                Math.min(1, policy.cheapBelow()), Math.min(1, policy.premiumFrom()),
                100 * routed.getOrDefault(Tier.CHEAP, 0) / n, 100 * routed.getOrDefault(Tier.MID, 0) / n,
                100 * routed.getOrDefault(Tier.PREMIUM, 0) / n, 100 * agree / n, 100.0 * premiumCheap / premiums,
                100.0 * cheapPremium / cheaps, 100 * cost(scored, policy, price) / allPremium);
    }

    static double agreement(List<Scored> scored, TierPolicy policy) {
        return scored.stream().filter(s -> policy.tier(s.score()) == s.label()).count() / (double) scored.size();
    }

    static double cost(List<Scored> scored, TierPolicy policy, Map<Tier, PriceSheet.Price> price) {
        double usd = 0;
        for (Scored s : scored) {
            PriceSheet.Price p = price.get(policy.tier(s.score()));
            usd += s.promptTokens() * p.inputPerMtok() / 1e6 + COMPLETION_TOKENS.get(s.label()) * p.outputPerMtok() / 1e6;
        }
        return usd;
    }

    static long count(List<LabelledPrompts.Example> all, Tier t) {
        return all.stream().filter(e -> e.tier() == t).count();
    }

    static double mean(List<Scored> scored, Tier t) {
        return scored.stream().filter(s -> s.label() == t).mapToDouble(Scored::score).average().orElse(Double.NaN);
    }
}
