package dev.llmops.loadgen;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Drives the router (or any OpenAI-compatible endpoint, or the upstream directly) at a fixed rate (open loop) or a
 * fixed concurrency (closed loop) and prints latency percentiles, throughput and errors. All I/O runs on one Vert.x
 * event loop so the driver itself stays light next to the server it measures on the same machine.
 */
public final class LoadGen {
    private static final long MAX_IN_FLIGHT = 20_000;

    private final LoadOptions options;
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    private final Context context = vertx.getOrCreateContext();
    private final HttpClient client;
    private final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final Map<String, Long> errors = new TreeMap<>();
    private final URI uri;
    private long sent;
    private long ok;
    private long inFlight;
    private long measureFromNanos;
    private long measureUntilNanos;
    private long counter;
    /**
     * Makes --unique prompts distinct across runs (a warm-up and the measurement must not share prompts). Base 36, like
     * the counter: a request tag such as "run k3j9x2 request 1a2" reads like an id in real text, where a long number
     * (the earlier "#123-1764921530123456789") sent every prompt through the guardrail's phone-number parser.
     */
    private final String runTag = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1, 36);

    LoadGen(LoadOptions options) {
        this.options = options;
        this.uri = URI.create(options.url() + options.path());
        HttpClientOptions http = new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setMaxPoolSize(options.connections()).setHttp2MaxPoolSize(options.connections())
                .setConnectTimeout(5_000);
        if (!options.protocol().equals("http")) { // h2 and grpc: HTTP/2 cleartext with prior knowledge
            http.setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false);
        }
        this.client = vertx.createHttpClient(http);
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Result result = new LoadGen(options).run();
        System.out.println(options.json() ? result.toJson().encode() : result.toText());
        System.exit(0);
    }

    Result run() throws InterruptedException {
        long warmup = options.warmup().toNanos();
        long duration = options.duration().toNanos();
        long t0 = System.nanoTime();
        measureFromNanos = t0 + warmup;
        measureUntilNanos = measureFromNanos + duration;
        if (options.rate() > 0) {
            openLoop(t0);
        } else {
            closedLoop();
        }
        awaitDrained(TimeUnit.SECONDS.toNanos(30));
        Result result = onContext(() -> new Result(options, histogram.copy(), ok, new TreeMap<>(errors),
                (double) duration / 1e9));
        vertx.close();
        return result;
    }

    /** Sends at fixed intervals; each latency runs from the request's intended start, not its actual one. */
    private void openLoop(long t0) {
        long interval = (long) (1e9 / options.rate());
        for (long i = 0; ; i++) {
            long intended = t0 + i * interval;
            if (intended >= measureUntilNanos) {
                break;
            }
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            context.runOnContext(v -> send(intended, null));
        }
    }

    /** Keeps {@code concurrency} requests in flight until the measurement window ends. */
    private void closedLoop() throws InterruptedException {
        context.runOnContext(v -> {
            for (int i = 0; i < options.concurrency(); i++) {
                send(System.nanoTime(), this::sendNextIfRunning);
            }
        });
        long remaining = measureUntilNanos - System.nanoTime();
        if (remaining > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(remaining));
        }
    }

    private void sendNextIfRunning() {
        if (System.nanoTime() < measureUntilNanos) {
            send(System.nanoTime(), this::sendNextIfRunning);
        }
    }

    private void send(long intendedNanos, Runnable then) {
        if (inFlight >= MAX_IN_FLIGHT) {
            record(intendedNanos, "driver: over " + MAX_IN_FLIGHT + " in flight (server saturated)");
            return;
        }
        inFlight++;
        sent++;
        String prompt = options.unique() ? options.prompt() + " (run " + runTag + " request " + Long.toString(counter++, 36) + ")"
                : options.prompt();
        boolean grpc = options.protocol().equals("grpc");
        Buffer body = grpc ? RequestBodies.grpcChatRequest(options.model(), prompt)
                : RequestBodies.openAiJson(options.model(), prompt);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost())
                .setPort(uri.getPort()).setURI(uri.getRawPath())
                .putHeader("content-type", grpc ? "application/grpc" : "application/json");
        if (grpc) {
            request.putHeader("te", "trailers");
        }
        for (String[] h : options.headers()) {
            request.putHeader(h[0], h[1]);
        }
        client.request(request).compose(r -> r.send(body)).compose(response -> response.body()
                        .map(b -> outcome(response, b)))
                .onComplete(ar -> {
                    inFlight--;
                    record(intendedNanos, ar.succeeded() ? ar.result() : "transport: " + ar.cause().getClass().getSimpleName());
                    if (then != null) {
                        then.run();
                    }
                });
    }

    /** null for success, else the error's name. */
    private String outcome(HttpClientResponse response, Buffer body) {
        if (response.statusCode() != 200) {
            return "http " + response.statusCode();
        }
        if (options.protocol().equals("grpc")) {
            String status = response.trailers().get("grpc-status");
            if (status == null) {
                status = response.headers().get("grpc-status");
            }
            return "0".equals(status) ? null : "grpc-status " + status;
        }
        return null;
    }

    private void record(long intendedNanos, String error) {
        long now = System.nanoTime();
        if (intendedNanos < measureFromNanos || intendedNanos >= measureUntilNanos) {
            return;
        }
        if (error == null) {
            ok++;
            histogram.recordValue(Math.min(now - intendedNanos, histogram.getHighestTrackableValue()));
        } else {
            errors.merge(error, 1L, Long::sum);
        }
    }

    private void awaitDrained(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() < deadline) {
            if (onContext(() -> inFlight) == 0) {
                return;
            }
            Thread.sleep(50);
        }
    }

    private <T> T onContext(java.util.function.Supplier<T> read) throws InterruptedException {
        Object[] box = new Object[1];
        CountDownLatch done = new CountDownLatch(1);
        context.runOnContext(v -> {
            box[0] = read.get();
            done.countDown();
        });
        done.await();
        @SuppressWarnings("unchecked")
        T value = (T) box[0];
        return value;
    }

    /** What one run measured. Latencies in milliseconds. */
    record Result(LoadOptions options, Histogram histogram, long ok, Map<String, Long> errors, double seconds) {
        double throughput() {
            return ok / seconds;
        }

        double percentileMs(double p) {
            return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(p) / 1e6;
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        JsonObject toJson() {
            return new JsonObject().put("label", options.label()).put("protocol", options.protocol())
                    .put("mode", options.rate() > 0 ? "rate" : "concurrency")
                    .put("target", options.rate() > 0 ? options.rate() : options.concurrency())
                    .put("throughput", round(throughput())).put("ok", ok).put("errors", errorCount())
                    .put("error_kinds", new JsonObject(new TreeMap<>(errors)))
                    .put("p50_ms", round(percentileMs(50))).put("p90_ms", round(percentileMs(90)))
                    .put("p99_ms", round(percentileMs(99))).put("p999_ms", round(percentileMs(99.9)))
                    .put("max_ms", round(histogram.getMaxValue() / 1e6));
        }

        String toText() {
            return String.format("%s (%s, %s %s): %.0f req/s ok, %d errors %s%n  p50 %.3f ms  p90 %.3f ms  "
                            + "p99 %.3f ms  p99.9 %.3f ms  max %.3f ms",
                    options.label(), options.protocol(), options.rate() > 0 ? "rate" : "concurrency",
                    options.rate() > 0 ? String.valueOf(options.rate()) : String.valueOf(options.concurrency()),
                    throughput(), errorCount(), errors.isEmpty() ? "" : errors, percentileMs(50), percentileMs(90),
                    percentileMs(99), percentileMs(99.9), histogram.getMaxValue() / 1e6);
        }

        private static double round(double v) {
            return Double.isNaN(v) ? -1 : Math.round(v * 1000) / 1000.0;
        }
    }
}
