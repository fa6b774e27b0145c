package dev.llmops.cache.semantic;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import llmops.cache.v1.CacheQuery;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;

/**
 * What must be equal for a semantic hit, and the text that is compared by meaning.
 * <p>
 * The scope is a SHA-256 over: format, tenant, model class (or model), every system/developer message, the tools
 * hash, every earlier turn (user, assistant, tool; i.e. the conversation before the last user turn), the
 * temperature band, the top_p band, max_tokens, stop sequences and the response format (its strict flag and
 * description only when set). Only the last user turn
 * is embedded. The seed is left out: it only makes identical prompts reproducible.
 */
public record SemanticScope(String scope, String text) {

    public static final String FORMAT = "llmops.cache.semantic.v1";

    /** The scope of a query, or null when it cannot be served semantically (its last message is not a user turn). */
    public static SemanticScope of(CacheQuery q) {
        int n = q.getMessagesCount();
        if (n == 0 || q.getMessages(n - 1).getRole() != Role.ROLE_USER) {
            return null;
        }
        String text = q.getMessages(n - 1).getContent().strip();
        if (text.isEmpty()) {
            return null;
        }
        MessageDigest md = sha256();
        str(md, FORMAT);
        str(md, q.getCaller().getTenantId());
        str(md, q.getModelClass().isEmpty() ? "model:" + q.getModel() : "class:" + q.getModelClass());
        str(md, q.getToolsHash());
        for (int i = 0; i < n - 1; i++) {
            ChatMessage m = q.getMessages(i);
            boolean instructions = m.getRole() == Role.ROLE_SYSTEM || m.getRole() == Role.ROLE_DEVELOPER;
            str(md, (instructions ? "sys:" : "turn:") + m.getRoleValue());
            str(md, m.getName());
            str(md, m.getContent());
            str(md, m.getToolCallId());
            str(md, "calls:" + m.getToolCallsCount());
            for (llmops.common.v1.ToolCall c : m.getToolCallsList()) {
                str(md, c.getId());
                str(md, c.getName());
                str(md, c.getArguments());
            }
        }
        GenerationParameters p = q.getParameters();
        str(md, temperatureBand(p));
        str(md, p.hasTopP() && p.getTopP() < 0.9 ? "top_p:" + p.getTopP() : "top_p:full");
        str(md, p.hasMaxTokens() ? "max:" + p.getMaxTokens() : "max:-");
        str(md, "stops:" + p.getStopCount());
        for (String s : p.getStopList()) {
            str(md, s);
        }
        str(md, "rf:" + p.getResponseFormat().getTypeValue());
        str(md, p.getResponseFormat().getJsonSchema());
        str(md, p.getResponseFormat().getSchemaName());
        if (p.getResponseFormat().getStrict() || !p.getResponseFormat().getDescription().isEmpty()) {
            // only when set, so the scopes of entries stored before these fields existed stay the same
            str(md, "rf-strict:" + p.getResponseFormat().getStrict());
            str(md, p.getResponseFormat().getDescription());
        }
        return new SemanticScope(HexFormat.of().formatHex(md.digest()), text);
    }

    /**
     * Bands within which a cached answer is an acceptable answer: deterministic (≤ 0.3), balanced (≤ 1.0),
     * creative (> 1.0), and unset (the provider's default) on its own.
     */
    static String temperatureBand(GenerationParameters p) {
        if (!p.hasTemperature()) {
            return "t:unset";
        }
        double t = p.getTemperature();
        return t <= 0.3 ? "t:low" : t <= 1.0 ? "t:mid" : "t:high";
    }

    private static void str(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8),
                (byte) b.length});
        md.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
