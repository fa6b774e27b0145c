package dev.llmops.cache.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheServiceGrpc;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.StoreRequest;
import llmops.cache.v1.StoreResponse;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;

/**
 * The router's exact-tier load on a running cache-service: N requests in flight, each one Lookup (a miss: every
 * prompt is new) followed by one Store of its answer, as the router does for an uncached request. Prints the
 * pairs per second, every failure by status, the latency of a pair and, given the server's pid, the server's CPU
 * time per pair (from /proc). Usage: {@code LookupStoreLoad host:port inFlight warmupSeconds seconds [pid]}.
 */
public final class LookupStoreLoad {

    public static void main(String[] args) throws Exception {
        String[] hp = args[0].split(":");
        int inFlight = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        long pid = args.length > 4 ? Long.parseLong(args[4]) : -1;
        ManagedChannel channel = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext()
                .build();
        CacheServiceGrpc.CacheServiceStub stub = CacheServiceGrpc.newStub(channel);
        if (warmup > 0) {
            run(stub, inFlight, warmup, -1, "warm-up");
        }
        if (seconds > 0) {
            run(stub, inFlight, seconds, pid, "measured");
        }
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static void run(CacheServiceGrpc.CacheServiceStub stub, int inFlight, int seconds, long pid, String label)
            throws Exception {
        Load load = new Load(stub, System.nanoTime() + seconds * 1_000_000_000L);
        long cpu0 = cpuMillis(pid);
        long t0 = System.nanoTime();
        for (int i = 0; i < inFlight; i++) {
            load.next();
        }
        load.done.await(seconds + 60L, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - t0) / 1e9;
        long cpu = cpuMillis(pid) - cpu0;
        long pairs = load.completed.sum();
        long[] lat = load.latencies.snapshot();
        System.out.printf(Locale.ROOT, "%s: %d in flight, %.1f s: %,d Lookup+Store pairs (%.0f /s), failures %d, "
                + "pair latency p50 %.2f ms p99 %.2f ms p99.9 %.2f ms%s, load average %.1f%n", label, inFlight, secs,
                pairs, pairs / secs, load.failures.sum(), pct(lat, 50), pct(lat, 99), pct(lat, 99.9),
                pid > 0 ? String.format(Locale.ROOT, ", server CPU %.3f ms per pair", cpu / (double) pairs) : "",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        load.failuresByStatus.forEach((k, v) -> System.out.printf("  failure %s x%d%n", k, v.sum()));
    }

    /** utime + stime of the process, in ms (clock ticks of 10 ms). */
    private static long cpuMillis(long pid) throws Exception {
        if (pid <= 0) {
            return 0;
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    private static double pct(long[] ns, double p) {
        if (ns.length == 0) {
            return 0;
        }
        java.util.Arrays.sort(ns);
        return ns[Math.min(ns.length - 1, (int) Math.ceil(p / 100.0 * ns.length) - 1)] / 1e6;
    }

    private static final class Load {
        final CacheServiceGrpc.CacheServiceStub stub;
        final long deadline;
        final AtomicLong seq = new AtomicLong();
        final LongAdder completed = new LongAdder();
        final LongAdder failures = new LongAdder();
        final Map<String, LongAdder> failuresByStatus = new ConcurrentHashMap<>();
        final Latencies latencies = new Latencies();
        final AtomicLong running = new AtomicLong();
        final AtomicBoolean stopping = new AtomicBoolean();
        final CountDownLatch done = new CountDownLatch(1);
        final String run = Long.toHexString(System.nanoTime());

        Load(CacheServiceGrpc.CacheServiceStub stub, long deadline) {
            this.stub = stub;
            this.deadline = deadline;
        }

        void next() {
            if (System.nanoTime() >= deadline) {
                stopping.set(true);
                if (running.get() == 0) {
                    done.countDown();
                }
                return;
            }
            running.incrementAndGet();
            long n = seq.incrementAndGet();
            CacheQuery q = CacheQuery.newBuilder()
                    .setCaller(Caller.newBuilder().setTenantId("load-" + (n % 8)).setKeyId("key-1"))
                    .setModel("gpt-4o-mini")
                    .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM).setContent("Be brief."))
                    .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER)
                            .setContent("Question " + run + "-" + n + ": what is the capital of France?"))
                    .setParameters(GenerationParameters.newBuilder().setTemperature(0.2).setMaxTokens(100))
                    .build();
            long start = System.nanoTime();
            stub.lookup(LookupRequest.newBuilder().setQuery(q).build(), new Observer<>(false) {
                @Override
                public void onNext(LookupResponse r) {
                    CachedAnswer a = CachedAnswer.newBuilder().setContent("Paris, the capital of France.")
                            .setFinishReason("stop").setModel("gpt-4o-mini")
                            .setUsage(TokenUsage.newBuilder().setPromptTokens(20).setCompletionTokens(8))
                            .setCostNanosUsd(4_200).build();
                    stub.store(StoreRequest.newBuilder().setQuery(q).setAnswer(a).setTtlSeconds(120).build(),
                            new Observer<StoreResponse>(true) {
                                @Override
                                public void onNext(StoreResponse s) {
                                    latencies.add(System.nanoTime() - start);
                                    completed.increment();
                                }
                            });
                }
            });
        }

        private void finished() {
            running.decrementAndGet();
            next();
        }

        /** last: the Store, whose completion ends the pair (a Lookup that fails ends it too). */
        private abstract class Observer<T> implements StreamObserver<T> {
            private final boolean last;

            Observer(boolean last) {
                this.last = last;
            }

            @Override
            public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                String d = s.getDescription() == null ? "" : s.getDescription();
                failures.increment();
                failuresByStatus.computeIfAbsent(s.getCode() + ": " + d.substring(0, Math.min(120, d.length())),
                        k -> new LongAdder()).increment();
                finished();
            }

            @Override
            public void onCompleted() {
                if (last) {
                    finished();
                }
            }
        }
    }

    /** Pair latencies (ns), kept in a growable array. */
    private static final class Latencies {
        private long[] values = new long[1 << 16];
        private int size;

        synchronized void add(long ns) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = ns;
        }

        synchronized long[] snapshot() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
