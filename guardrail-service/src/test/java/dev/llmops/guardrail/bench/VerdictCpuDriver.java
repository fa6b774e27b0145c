package dev.llmops.guardrail.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.GuardrailServiceGrpc;
import llmops.guardrail.v1.GuardrailServiceGrpc.GuardrailServiceBlockingStub;

/**
 * CPU per verdict of a running guardrail-service: drives CheckInput over gRPC with the router benchmark's prompt
 * shape (a short question with a unique "#counter-nanos" suffix), from {@code threads} blocking clients, and reads
 * the server's CPU time (utime + stime of {@code /proc/<pid>/stat}) before and after the measured part. Every verdict
 * publishes an audit event, so this measures the whole CheckInput path, audit publishing included. Warm-up first
 * (C2 compiles for about a minute on 2 cores). Run:
 * {@code java -cp <classpath> dev.llmops.guardrail.bench.VerdictCpuDriver <port> <server-pid> [warmup-s] [measure-s] [threads]}.
 */
public final class VerdictCpuDriver {

    private VerdictCpuDriver() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long pid = Long.parseLong(args[1]);
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        int measure = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 8;
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        GuardrailServiceBlockingStub stub = GuardrailServiceGrpc.newBlockingStub(channel);
        run(stub, threads, warmup);
        long cpu0 = cpuTicks(pid);
        long t0 = System.nanoTime();
        long calls = run(stub, threads, measure);
        double wall = (System.nanoTime() - t0) / 1e9;
        long ticks = cpuTicks(pid) - cpu0;
        double cpuSeconds = ticks / 100.0; // USER_HZ
        System.out.printf(Locale.ROOT, "verdicts %d in %.1f s (%.0f/s), server CPU %.2f s = %.1f µs per verdict%n",
                calls, wall, calls / wall, cpuSeconds, cpuSeconds * 1e6 / calls);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Like tools/loadgen's --unique: one counter over all requests. */
    private static final AtomicLong COUNTER = new AtomicLong();

    private static long run(GuardrailServiceBlockingStub stub, int threads, int seconds) throws InterruptedException {
        AtomicLong calls = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = new Thread(() -> {
                Caller caller = Caller.newBuilder().setTenantId("bench-cpu").setKeyId("k-bench").build();
                for (long i = 0; System.nanoTime() < end; i++) {
                    String prompt = "What is the capital of France? #" + COUNTER.getAndIncrement() + "-"
                            + System.nanoTime();
                    stub.checkInput(CheckInputRequest.newBuilder().setRequestId("bench-" + id + "-" + i)
                            .setCaller(caller).addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER)
                                    .setContent(prompt)).build());
                    calls.incrementAndGet();
                }
            });
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        return calls.get();
    }

    private static long cpuTicks(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }
}
