package dev.llmops.cost.service;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counts tokens locally (jtokkit, OpenAI's BPE tables shipped in the jar) when an upstream reported no usage.
 * o200k_base for the GPT-4o / GPT-4.1 / o-series families, cl100k_base for everything else: Anthropic and Google
 * do not publish their tokenizers, so for them this is an estimate (and the row is marked estimated anyway).
 * Built at startup: loading the BPE tables takes seconds on a loaded machine, which on the first Reserve would run past
 * the router's deadline.
 */
@Startup
@ApplicationScoped
public class TokenCounter {
    private final Encoding o200k;
    private final Encoding cl100k;

    public TokenCounter() {
        EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
        o200k = registry.getEncoding(EncodingType.O200K_BASE);
        cl100k = registry.getEncoding(EncodingType.CL100K_BASE);
    }

    public long count(String model, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encodingFor(model).countTokensOrdinary(text);
    }

    Encoding encodingFor(String model) {
        String m = model == null ? "" : model;
        boolean o200 = m.startsWith("gpt-4o") || m.startsWith("gpt-4.1") || m.startsWith("gpt-5")
                || m.matches("o\\d.*") || m.startsWith("chatgpt-4o");
        return o200 ? o200k : cl100k;
    }
}
