package dev.llmops.loadgen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Command-line options of the load driver. */
record LoadOptions(String label, String protocol, String url, String path, double rate, int concurrency,
                   Duration duration, Duration warmup, int connections, List<String[]> headers, String model,
                   String prompt, boolean unique, boolean json) {

    static final String USAGE = """
            usage: loadgen --url http://127.0.0.1:8080 [--protocol http|h2|grpc] [--path P]
                           (--rate N | --concurrency N) [--duration 20s] [--warmup 5s] [--connections 16]
                           [--header 'name: value']... [--model local-echo] [--prompt TEXT] [--unique]
                           [--label NAME] [--json]
              --rate N         open loop: N requests/s at fixed intervals whatever the answers (latency is measured
                               from each request's intended start, so a stall counts against the server)
              --concurrency N  closed loop: N requests in flight, each sent when the previous answered (throughput)
              --protocol http  POST <path> (default /v1/chat/completions) with OpenAI chat JSON
              --protocol h2    the same over HTTP/2 cleartext (prior knowledge), gRPC's transport: the baseline
                               that tells a gateway's gRPC overhead from the client's own HTTP/2 cost
              --protocol grpc  llmops.router.v1.RouterService/Chat over h2c
              --unique         every request a distinct prompt (no cache hits)""";

    static LoadOptions parse(String[] args) {
        String label = "run";
        String protocol = "http";
        String url = null;
        String path = null;
        double rate = 0;
        int concurrency = 0;
        Duration duration = Duration.ofSeconds(20);
        Duration warmup = Duration.ofSeconds(5);
        int connections = 16;
        List<String[]> headers = new ArrayList<>();
        String model = "local-echo";
        String prompt = "What is the capital of France?";
        boolean unique = false;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--unique" -> unique = true;
                case "--json" -> json = true;
                case "--help", "-h" -> throw new IllegalArgumentException(USAGE);
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--label" -> label = v;
                        case "--protocol" -> protocol = v;
                        case "--url" -> url = v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
                        case "--path" -> path = v;
                        case "--rate" -> rate = Double.parseDouble(v);
                        case "--concurrency" -> concurrency = Integer.parseInt(v);
                        case "--duration" -> duration = duration(v);
                        case "--warmup" -> warmup = duration(v);
                        case "--connections" -> connections = Integer.parseInt(v);
                        case "--header" -> {
                            int colon = v.indexOf(':');
                            if (colon < 1) {
                                throw new IllegalArgumentException("--header takes 'name: value', got " + v);
                            }
                            headers.add(new String[] {v.substring(0, colon).trim(), v.substring(colon + 1).trim()});
                        }
                        case "--model" -> model = v;
                        case "--prompt" -> prompt = v;
                        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                    }
                }
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url is required\n" + USAGE);
        }
        if ((rate > 0) == (concurrency > 0)) {
            throw new IllegalArgumentException("give exactly one of --rate and --concurrency\n" + USAGE);
        }
        if (!protocol.equals("http") && !protocol.equals("h2") && !protocol.equals("grpc")) {
            throw new IllegalArgumentException("--protocol is http, h2 or grpc\n" + USAGE);
        }
        if (path == null) {
            path = protocol.equals("grpc") ? "/llmops.router.v1.RouterService/Chat" : "/v1/chat/completions";
        }
        return new LoadOptions(label, protocol, url, path, rate, concurrency, duration, warmup, connections,
                List.copyOf(headers), model, prompt, unique, json);
    }

    private static Duration duration(String v) {
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(v));
    }
}
