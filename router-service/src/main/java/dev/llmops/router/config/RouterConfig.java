package dev.llmops.router.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything the router is configured with, under {@code llmops.router}. */
@ConfigMapping(prefix = "llmops.router")
public interface RouterConfig {

    /** API keys by key id. Only the SHA-256 of each key is configured, never the key itself. */
    Map<String, ApiKey> keys();

    /** Routes by the model name clients ask for. */
    Map<String, Route> routes();

    Deadlines deadlines();

    /**
     * The pipeline steps to run, from usage-event, input-guard, cache, budget, output-guard (always run in that
     * order). {@code none} runs none: a pass-through router (key check, route, provider), as the benchmark uses.
     */
    @WithDefault("usage-event,input-guard,cache,budget,output-guard")
    Optional<List<String>> steps();

    Circuit circuit();

    Tiering tiering();

    /** max_tokens assumed for the budget reservation when a request sets none. */
    @WithDefault("1024")
    int defaultMaxTokens();

    /** How long a cached answer lives (0 = the cache-service's default). */
    @WithDefault("0")
    int cacheTtlSeconds();

    /**
     * How long a fresh answer waits for others to join it in one StoreBatch call to the cache-service (under load one
     * call carries many answers); 0 sends each answer at once, alone. Stores never hold up a response.
     */
    @WithDefault("10ms")
    Duration cacheStoreLinger();

    /**
     * The semantic cache tier: {@code off} (exact matches only), or the cache-service policy to use
     * ({@code default}: similarity 0.86 plus the near-duplicate check, {@code strict}, {@code lenient}).
     */
    @WithDefault("off")
    String cacheSemanticPolicy();

    /**
     * Exact-tier lookups read Redis directly (one GET through the cache-service's own key and entry classes) instead of
     * calling the cache-service's Lookup; a miss still asks the cache-service when the semantic tier is on. Needs the
     * Redis the cache-service uses ({@code quarkus.redis.hosts}) and its key prefix ({@link #cacheKeyPrefix()}).
     * {@code false}: every lookup is a Lookup call.
     */
    @WithDefault("true")
    boolean cacheExactReads();

    /**
     * The guardrail's checks run in the router's process (the guardrail-service's own code, its {@code checks} jar,
     * over the guardrail's Redis state and audit queue) instead of CheckInput, CheckOutput and RestorePlaceholders
     * calls. Output checks with context documents still call the guardrail-service when this process does not load
     * the embedding model ({@code llmops.guardrail.grounding.embeddings=false}, the router's default). Needs the
     * guardrail's configuration ({@code llmops.guardrail.*}) and key prefix ({@code llmops.guardrail.redis-key-prefix}).
     * {@code false}: every check is a call.
     */
    @WithDefault("true")
    boolean guardrailInProcess();

    /** The cache-service's Redis key prefix (its {@code llmops.redis.key-prefix}), for {@link #cacheExactReads()}. */
    @WithDefault("llmops:cache:")
    String cacheKeyPrefix();

    /**
     * Reversible redaction: the caller gets its own values back in the answer in place of the placeholders the input
     * guardrail wrote (CheckOutput's restore_placeholders; RestorePlaceholders for streams and cache hits).
     */
    @WithDefault("true")
    boolean restorePlaceholders();

    /**
     * The budget's Reserve starts with the input check and the cache lookup instead of after them: a miss waits for one
     * internal call less in turn; a blocked prompt or a cache hit then costs a Reserve and a Release (off the
     * response's path) that would otherwise not be made. A reservation refused for a request the cache answers does
     * not fail it. Unset (the default): early only when a step it would run alongside makes a call to another service
     * (the guardrail's input check over gRPC, {@code guardrail-in-process=false}, or the semantic tier's Lookup,
     * {@code cache-semantic-policy} other than off); with both in this process the overlap is the exact read alone
     * (~0.07 ms at 500 req/s), while every hit and block would pay a Reserve and a Release (router README, "Session 13").
     */
    Optional<Boolean> reserveEarly();

    /**
     * With the usage-event step on, an answer whose upstream reported its usage is not settled by a Settle call: the
     * router shows its cost priced at the version the Reserve answered (the cost-service's pricing code), and the
     * cost-service settles the budgets when it consumes the request's usage event ({@code settle_budget}); a request
     * that bought no answer (a cache hit, a block, a failure) is released from its event too ({@code release_budget}).
     * false = one Settle call per answer, awaited before the response, and one Release call per request without one.
     */
    @WithDefault("true")
    boolean settleWithUsageEvent();

    interface ApiKey {
        /** Lower-case hex SHA-256 of the key's UTF-8 bytes. */
        String sha256();

        String tenant();

        /** Carried to cost and guardrails as the tag {@code team}. */
        Optional<String> team();

        /** Model names the key may ask for; absent means every model. */
        Optional<List<String>> models();

        /** Requests per minute, 0 = unlimited. */
        @WithDefault("0")
        long rpm();

        /** Tokens per minute, 0 = unlimited. */
        @WithDefault("0")
        long tpm();

        /** The key's own tags, carried to cost and guardrails. */
        Map<String, String> tags();
    }

    interface Route {
        /** Wire format of the upstream: {@code openai} (OpenAI-compatible: OpenAI, vLLM, Ollama, Azure...). */
        @WithDefault("openai")
        String provider();

        /**
         * Base URL up to and including the version, e.g. {@code https://api.openai.com/v1}: the shorthand for a route
         * of one target. A route sets this or {@link #targets()}.
         */
        Optional<String> baseUrl();

        /** The model name sent upstream and priced by the cost-service; defaults to the route name. */
        Optional<String> upstreamModel();

        /** The environment variable holding the upstream's API key, if it needs one. */
        Optional<String> apiKeyEnv();

        /** Deadline for the whole upstream call (each attempt), unless a target sets its own. */
        @WithDefault("60s")
        Duration timeout();

        /**
         * Bounds the whole chain (every attempt, backoff and fallback) of one request; the caller's own deadline, when
         * shorter, wins. Unset: only the caller's deadline (each attempt still has its {@code timeout}).
         */
        Optional<Duration> totalTimeout();

        /** The fallback chain: targets tried by ascending priority; equal priorities are load balanced. */
        Optional<List<Target>> targets();

        /** How deployments of equal priority share traffic: {@code weighted} or {@code latency} (EWMA, two choices). */
        @WithDefault("weighted")
        String balance();

        /** Error kinds after which the next target is tried: 429, 5xx, timeout, connect, bad-response, 4xx. */
        @WithDefault("429,5xx,timeout,connect")
        List<String> fallbackOn();

        Retry retry();

        /** The largest max_tokens sent upstream; a request asking more (or nothing) gets this. 0 = no cap. */
        @WithDefault("0")
        int maxTokensCap();

        /** Compact prompts (whitespace, repeated boilerplate) before they go upstream. */
        @WithDefault("false")
        boolean compaction();
    }

    interface Target {
        @WithDefault("openai")
        String provider();

        String baseUrl();

        /** The model name sent upstream and priced; defaults to the route name. */
        Optional<String> model();

        Optional<String> apiKeyEnv();

        /** Deadline of one call to this target; defaults to the route's. */
        Optional<Duration> timeout();

        /** Share of traffic among targets of equal priority. */
        @WithDefault("1")
        int weight();

        /** Position in the fallback chain: lower first. Defaults to the target's index (a plain chain). */
        Optional<Integer> priority();
    }

    interface Retry {
        /** Attempts per target, the first included (1 = no retry). */
        @WithDefault("2")
        int maxAttempts();

        @WithDefault("100ms")
        Duration initialBackoff();

        @WithDefault("2s")
        Duration maxBackoff();

        /** The longest Retry-After honoured; a longer one means: fall back now. */
        @WithDefault("5s")
        Duration retryAfterCap();

        /** Error kinds retried on the same target. */
        @WithDefault("429,5xx,connect")
        List<String> on();
    }

    /** Tiered routing: requests for {@link Tiering#model()} go to a cheap, mid or premium route by difficulty. */
    interface Tiering {
        /** The model name clients ask for to get tiered routing. */
        @WithDefault("auto")
        String model();

        /** Policies by tenant id; the policy named {@code default} serves tenants without their own. */
        Map<String, TierPolicy> policies();

        /** Nearest labelled examples consulted. */
        @WithDefault("5")
        int neighbours();
    }

    interface TierPolicy {
        /** Route (model name) for easy requests. */
        String cheap();

        String mid();

        String premium();

        /** Difficulty below this goes to {@code cheap}. */
        @WithDefault("0.30")
        double cheapBelow();

        /** Difficulty from this up goes to {@code premium}. */
        @WithDefault("0.50")
        double premiumFrom();
    }

    /** Per-upstream circuit breakers, shared through Redis. */
    interface Circuit {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("5")
        int failureThreshold();

        @WithDefault("10s")
        Duration window();

        @WithDefault("30s")
        Duration coolDown();

        @WithDefault("10s")
        Duration probeTimeout();

        @WithDefault("5xx,timeout,connect")
        List<String> countOn();

        @WithDefault("50ms")
        Duration redisTimeout();

        @WithDefault("1s")
        Duration redisRetry();

        @WithDefault("1s")
        Duration stateRefresh();
    }

    interface Deadlines {
        @WithDefault("2s")
        Duration guardrail();

        @WithDefault("500ms")
        Duration cache();

        @WithDefault("2s")
        Duration cost();
    }
}
