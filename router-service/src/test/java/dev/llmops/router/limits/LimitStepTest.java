package dev.llmops.router.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.router.auth.AccessConfig.FailurePolicy;
import dev.llmops.router.auth.ApiKeys.Principal;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;
import llmops.router.v1.ChatRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pipeline step around the limiter, against the real Redis. */
class LimitStepTest {
    static TestRedis redis;
    static LimitStep step;

    @BeforeAll
    static void start() {
        redis = new TestRedis();
        step = new LimitStep(new RateLimiter(redis.client(), redis.prefix, Duration.ofSeconds(2), FailurePolicy.OPEN,
                Duration.ofMinutes(1)), 1024);
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    static ChatExchange exchange(Principal p, int maxTokens) {
        ChatRequest request = ChatRequest.newBuilder().setModel("m").addMessages(ChatMessage.newBuilder()
                .setRole(Role.ROLE_USER).setContent("x".repeat(300)))
                .setParameters(GenerationParameters.newBuilder().setMaxTokens(maxTokens)).build();
        ChatExchange ex = new ChatExchange("r", Caller.getDefaultInstance(), request,
                new Route("m", "openai", "http://x", "m", "", Duration.ofSeconds(1)), false);
        ex.principal(p);
        return ex;
    }

    static Principal key(String id, long rpm, long tpm) {
        return new Principal(id, "t", "", List.of(), rpm, tpm, Map.of(), 0);
    }

    @Test
    void theEstimateIsReservedAndReplacedByTheRealUsage() throws Exception {
        RateLimiterTest.awayFromBoundary(redis, 60_000, 5_000);
        Principal p = key("step-tpm", 0, 1000);
        ChatExchange first = exchange(p, 500); // about 104 prompt tokens + 500 = 604 reserved
        assertNull(step.before(first).await().atMost(Duration.ofSeconds(5)));
        assertNotNull(first.limitDecision());
        assertEquals(604, first.limitDecision().reservedTokens());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> step.before(exchange(p, 500)).await().atMost(Duration.ofSeconds(5)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("1000 tokens per minute"), e.getStatus().getDescription());
        assertTrue(RetryInfos.retryAfterSeconds(e).isPresent());

        first.providerResult(new ChatResult("ok", "stop", TokenUsage.newBuilder().setPromptTokens(60)
                .setCompletionTokens(40).build(), "m"));
        step.after(first).await().atMost(Duration.ofSeconds(5));
        assertTrue(passesSoon(exchange(p, 500)), "100 used + 604 fits once the correction landed");
    }

    @Test
    void aCacheHitOrFailureGivesItsTokensBack() throws Exception {
        RateLimiterTest.awayFromBoundary(redis, 60_000, 5_000);
        Principal p = key("step-refund", 0, 1000);
        ChatExchange first = exchange(p, 500);
        step.before(first).await().atMost(Duration.ofSeconds(5));
        step.after(first).await().atMost(Duration.ofSeconds(5)); // no provider result: nothing was used
        assertTrue(passesSoon(exchange(p, 700)), "604 given back, so 804 fits");
    }

    /** The correction is sent after the answer without waiting for it: poll until it has landed. */
    static boolean passesSoon(ChatExchange ex) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 2000;
        while (System.currentTimeMillis() < deadline) {
            try {
                step.before(ex).await().atMost(Duration.ofSeconds(5));
                return true;
            } catch (StatusRuntimeException notYet) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    @Test
    void keysWithoutLimitsPassWithoutACharge() {
        ChatExchange ex = exchange(key("free", 0, 0), 10);
        assertNull(step.before(ex).await().atMost(Duration.ofSeconds(1)));
        assertNull(ex.limitDecision());
    }
}
