package dev.llmops.upstream;

import io.vertx.core.json.JsonObject;

/**
 * Runs the local upstream. Flags (or environment variables): --port (LLMOPS_UPSTREAM_PORT, default 8099),
 * --answer, --latency-ms, --chunk-delay-ms, --prompt-tokens, --completion-tokens, --error-rate, --error-status,
 * --retry-after-seconds, --model, --cut-after-chunks, --tool-calls, --tool-arguments, --cache-read-tokens,
 * --cache-write-tokens, --require-api-key (each also as LLMOPS_UPSTREAM_ANSWER etc.).
 */
public final class LocalUpstreamMain {
    private LocalUpstreamMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        JsonObject settings = new JsonObject();
        String[] keys = {"answer", "latency_ms", "chunk_delay_ms", "prompt_tokens", "completion_tokens", "error_rate",
                         "error_status", "retry_after_seconds", "model", "port", "cut_after_chunks", "tool_calls",
                         "tool_arguments", "cache_read_tokens", "cache_write_tokens", "require_api_key"};
        for (String key : keys) {
            String env = System.getenv("LLMOPS_UPSTREAM_" + key.toUpperCase(java.util.Locale.ROOT));
            if (env != null) {
                settings.put(key, env);
            }
        }
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                usage("unexpected argument " + args[i]);
            }
            settings.put(args[i].substring(2).replace('-', '_'), args[i + 1]);
        }
        if (args.length % 2 != 0) {
            usage("flag " + args[args.length - 1] + " needs a value");
        }
        JsonObject typed = new JsonObject();
        try {
            for (String key : settings.fieldNames()) {
                String v = settings.getString(key);
                switch (key) {
                    case "answer", "model", "tool_arguments", "require_api_key" -> typed.put(key, v);
                    case "tool_calls" -> typed.put(key, Boolean.parseBoolean(v));
                    case "error_rate" -> typed.put(key, Double.parseDouble(v));
                    case "latency_ms", "chunk_delay_ms" -> typed.put(key, Long.parseLong(v));
                    case "prompt_tokens", "completion_tokens", "error_status", "retry_after_seconds", "port", "cut_after_chunks",
                         "cache_read_tokens", "cache_write_tokens" ->
                            typed.put(key, Integer.parseInt(v));
                    default -> usage("unknown flag --" + key.replace('_', '-'));
                }
            }
        } catch (NumberFormatException e) {
            usage("not a number: " + e.getMessage());
        }
        int port = typed.getInteger("port", 8099);
        typed.remove("port");
        LocalUpstream upstream = LocalUpstream.start(port, UpstreamBehaviour.defaults().with(typed));
        System.out.println("local upstream listening: OpenAI and Anthropic at " + upstream.baseUrl()
                + ", Gemini at " + upstream.geminiBaseUrl()
                + " with " + upstream.behaviour().toJson().encode());
        Runtime.getRuntime().addShutdownHook(new Thread(upstream::close));
        Thread.currentThread().join();
    }

    private static void usage(String problem) {
        System.err.println(problem + "\nusage: local-upstream [--port 8099] [--answer TEXT] [--latency-ms N] "
                + "[--chunk-delay-ms N] [--prompt-tokens N] [--completion-tokens N] [--error-rate 0..1] "
                + "[--error-status 500] [--retry-after-seconds N] [--model NAME] [--cut-after-chunks N] "
                + "[--tool-calls true] [--tool-arguments JSON] [--cache-read-tokens N] [--cache-write-tokens N] "
                + "[--require-api-key KEY]");
        System.exit(2);
    }
}
