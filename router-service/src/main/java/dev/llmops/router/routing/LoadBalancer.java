package dev.llmops.router.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Orders the deployments of one priority for a request: the first is the balancer's pick, the rest are what the
 * chain tries next if it fails. Latency is tracked per replica (an EWMA of each deployment's call time); that is
 * deliberate: it is this replica's view of the network, and sharing it would cost a Redis call per request.
 */
public final class LoadBalancer {
    /** Weight of a new sample in the EWMA; 0.3 follows a shift within a handful of calls. */
    static final double ALPHA = 0.3;
    private final ConcurrentHashMap<String, Ewma> latency = new ConcurrentHashMap<>();

    /** The order in which to try {@code group} (deployments of equal priority). */
    public List<Deployment> order(List<Deployment> group, Balance balance) {
        return order(group, balance, ThreadLocalRandom.current());
    }

    List<Deployment> order(List<Deployment> group, Balance balance, RandomGenerator random) {
        if (group.size() <= 1) {
            return group;
        }
        List<Deployment> left = new ArrayList<>(group);
        List<Deployment> out = new ArrayList<>(group.size());
        if (balance == Balance.LATENCY) {
            Deployment a = left.remove(pickWeighted(left, random));
            Deployment b = left.get(pickWeighted(left, random));
            Deployment first = score(a) <= score(b) ? a : b;
            out.add(first);
            List<Deployment> rest = new ArrayList<>(group);
            rest.remove(first);
            rest.sort(Comparator.comparingDouble(this::score));
            out.addAll(rest);
            return out;
        }
        while (!left.isEmpty()) {
            out.add(left.remove(pickWeighted(left, random))); // weighted sampling without replacement
        }
        return out;
    }

    /** Records one call: its duration, and whether it failed (a failure counts as a slow call). */
    public void observe(Deployment d, long nanos, boolean failed) {
        latency.computeIfAbsent(d.id(), k -> new Ewma()).add(failed ? Math.max(nanos, 2 * (long) score(d)) : nanos);
    }

    /** The EWMA latency in nanoseconds; 0 for a deployment never called, so new ones get tried. */
    public double score(Deployment d) {
        Ewma e = latency.get(d.id());
        return e == null ? 0 : e.value();
    }

    private static int pickWeighted(List<Deployment> options, RandomGenerator random) {
        long total = 0;
        for (Deployment d : options) {
            total += Math.max(0, d.weight());
        }
        if (total == 0) {
            return random.nextInt(options.size());
        }
        long r = random.nextLong(total);
        for (int i = 0; i < options.size(); i++) {
            r -= Math.max(0, options.get(i).weight());
            if (r < 0) {
                return i;
            }
        }
        return options.size() - 1;
    }

    /** Lock-free enough: a lost update under a race costs one sample, which the EWMA forgets anyway. */
    private static final class Ewma {
        private volatile double value = -1;

        void add(double sample) {
            double v = value;
            value = v < 0 ? sample : v + ALPHA * (sample - v);
        }

        double value() {
            return Math.max(0, value);
        }
    }
}
