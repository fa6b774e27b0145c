package dev.llmops.router.tiering;

import dev.llmops.router.config.RouterConfig;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;

/**
 * Picks the route for a request that asked for the tiering model ({@code auto}): the tenant's policy (or the
 * {@code default} one) maps the predicted difficulty of the conversation to its cheap, mid or premium route.
 */
@ApplicationScoped
public class TieredRouting {
    /** The classifier reads at most this much of the latest user turn (the cost stays bounded). */
    private static final int MAX_CHARS = 8_000;
    private final String model;
    private final Map<String, TierPolicy> policies;
    private final DifficultyClassifier classifier;

    @Inject
    public TieredRouting(RouterConfig config) {
        this(config.tiering().model(), policies(config), config.tiering().policies().isEmpty() ? null
                : DifficultyClassifier.shipped(config.tiering().neighbours()));
    }

    public TieredRouting(String model, Map<String, TierPolicy> policies, DifficultyClassifier classifier) {
        this.model = model;
        this.policies = Map.copyOf(policies);
        this.classifier = classifier;
    }

    private static Map<String, TierPolicy> policies(RouterConfig config) {
        Map<String, TierPolicy> out = new HashMap<>();
        config.tiering().policies().forEach((tenant, p) -> out.put(tenant,
                new TierPolicy(p.cheap(), p.mid(), p.premium(), p.cheapBelow(), p.premiumFrom())));
        return out;
    }

    /** Whether this model name asks for tiered routing (and any policy exists). */
    public boolean handles(String requestedModel) {
        return !policies.isEmpty() && model.equals(requestedModel);
    }

    public String model() {
        return model;
    }

    /** Every route a policy names (checked against the route table at start). */
    public Set<String> routesNamed() {
        Set<String> out = new java.util.TreeSet<>();
        policies.values().forEach(p -> out.addAll(List.of(p.cheap(), p.mid(), p.premium())));
        return out;
    }

    /** The route for this tenant's request, or INVALID_ARGUMENT when the tenant has no policy. */
    public String route(String tenant, List<ChatMessage> messages) {
        return choose(tenant, messages).route();
    }

    /** The tier and its route for this tenant's request, or INVALID_ARGUMENT when the tenant has no policy. */
    public Choice choose(String tenant, List<ChatMessage> messages) {
        TierPolicy policy = policies.getOrDefault(tenant, policies.get("default"));
        if (policy == null) {
            throw Status.INVALID_ARGUMENT.withDescription("model '" + model + "' (tiered routing) is not set up for tenant '"
                    + tenant + "'; ask for a model by name").asRuntimeException();
        }
        Tier tier = policy.tier(classifier.score(text(messages)));
        return new Choice(tier, policy.route(tier));
    }

    /** A tiering decision: the tier and the route that serves it. */
    public record Choice(Tier tier, String route) {
    }

    /** The latest user turn, as the labelled examples are single user prompts (a system prompt would skew it). */
    static String text(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).getRole() == Role.ROLE_USER) {
                String c = messages.get(i).getContent();
                return c.length() > MAX_CHARS ? c.substring(0, MAX_CHARS) : c;
            }
        }
        return "";
    }
}
