package dev.llmops.cost.messaging;

import dev.llmops.cost.Money;
import dev.llmops.cost.config.CostConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import llmops.events.v1.BudgetAlert;

/**
 * Optional copy of each budget alert to an HTTP endpoint ({@code llmops.cost.alerts.webhook-url}): a JSON POST,
 * retried with exponential backoff on connection errors, timeouts, 408, 429 and 5xx. Fully asynchronous on the
 * Vert.x HTTP client: the Settle that crossed the threshold never waits for it. Deliveries in flight are bounded
 * ({@code webhook-max-pending}); past that an alert is dropped from the webhook (it is still on RabbitMQ).
 * Each POST carries {@code X-Llmops-Alert-Id} (budget, period, threshold): a retry after a lost answer can
 * deliver twice, so receivers dedupe on it.
 */
@ApplicationScoped
public class BudgetAlertWebhook {
    public static final String ALERT_ID_HEADER = "X-Llmops-Alert-Id";
    public static final String ATTEMPT_HEADER = "X-Llmops-Attempt";

    private final Vertx vertx;
    private final URI target;
    private final int attempts;
    private final long backoffMs;
    private final long timeoutMs;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter delivered;
    private final Counter failed;
    private final Counter dropped;
    private volatile HttpClient client;

    public BudgetAlertWebhook(Vertx vertx, CostConfig config, MeterRegistry registry) {
        this.vertx = vertx;
        CostConfig.Alerts a = config.alerts();
        this.target = a.webhookUrl().filter(u -> !u.isBlank()).map(BudgetAlertWebhook::parse).orElse(null);
        this.attempts = Math.max(1, a.webhookAttempts());
        this.backoffMs = Math.max(1, a.webhookBackoff().toMillis());
        this.timeoutMs = Math.max(1, a.webhookTimeout().toMillis());
        this.maxPending = Math.max(1, a.webhookMaxPending());
        this.delivered = registry.counter("llmops.cost.alert.webhook", "result", "delivered");
        this.failed = registry.counter("llmops.cost.alert.webhook", "result", "failed");
        this.dropped = registry.counter("llmops.cost.alert.webhook", "result", "dropped");
    }

    private static URI parse(String url) {
        URI u = URI.create(url.trim());
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalStateException("llmops.cost.alerts.webhook-url must be an http(s) URL; got " + url);
        }
        return u;
    }

    public boolean enabled() {
        return target != null;
    }

    /** Starts the delivery and returns at once. */
    public void send(BudgetAlert alert) {
        if (target == null) {
            return;
        }
        String id = alert.getTenantId() + ":" + alert.getBudgetId() + ":" + alert.getPeriod() + ":"
                + alert.getThresholdPercent();
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            dropped.increment();
            Log.warnf("budget alert %s not sent to the webhook: %d deliveries already pending", id, maxPending);
            return;
        }
        attempt(Buffer.buffer(json(alert).encode()), id, 1);
    }

    static JsonObject json(BudgetAlert a) {
        return new JsonObject().put("type", BudgetAlertPublisher.ROUTING_KEY).put("tenant_id", a.getTenantId())
                .put("scope", a.getScope()).put("budget_id", a.getBudgetId()).put("period", a.getPeriod())
                .put("threshold_percent", a.getThresholdPercent()).put("hard", a.getHard())
                .put("limit_nanos_usd", a.getLimitNanosUsd()).put("spent_nanos_usd", a.getSpentNanosUsd())
                .put("limit_usd", Money.usd(a.getLimitNanosUsd())).put("spent_usd", Money.usd(a.getSpentNanosUsd()))
                .put("request_id", a.getRequestId()).put("occurred_unix_ms", a.getOccurredUnixMs());
    }

    private void attempt(Buffer body, String id, int n) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target.toString())
                .setTimeout(timeoutMs).putHeader("content-type", "application/json")
                .putHeader(ALERT_ID_HEADER, id).putHeader(ATTEMPT_HEADER, Integer.toString(n));
        client().request(options)
                .compose(req -> req.send(body))
                .compose(resp -> resp.body().map(ignored -> resp.statusCode()))
                .onComplete(ar -> {
                    int status = ar.succeeded() ? ar.result() : -1;
                    if (status >= 200 && status < 300) {
                        pending.decrementAndGet();
                        delivered.increment();
                        return;
                    }
                    String why = ar.succeeded() ? "HTTP " + status : ar.cause().toString();
                    boolean retriable = status < 0 || status == 408 || status == 429 || status >= 500;
                    if (retriable && n < attempts) {
                        long pause = backoffMs << Math.min(n - 1, 16);
                        Log.debugf("budget alert %s: webhook attempt %d failed (%s); retry in %d ms", id, n, why,
                                pause);
                        vertx.setTimer(pause, t -> attempt(body, id, n + 1));
                        return;
                    }
                    pending.decrementAndGet();
                    failed.increment();
                    Log.warnf("budget alert %s not delivered to the webhook %s after %d attempt(s): %s", id, target,
                            n, why);
                });
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs)
                            .setSsl("https".equals(target.getScheme())).setTrustAll(false)
                            .setVerifyHost(true));
                }
                c = client;
            }
        }
        return c;
    }

    @PreDestroy
    void close() {
        HttpClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
