package dev.llmops.cache.service;

import dev.llmops.cache.CacheKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import llmops.cache.v1.CacheQuery;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;

/**
 * Computes the canonical cache key: hex SHA-256 over a length-prefixed, big-endian encoding (format v1).
 * The same query gives the same key in every process and after every restart; the format is documented in the
 * README and recomputed independently by the tests. Changing it changes every key (old entries just miss):
 * bump {@link #FORMAT} when you do.
 *
 * <pre>
 * str(FORMAT) str(tenant_id) str(model)
 * u32(message count) then per message: u32(role number) str(name) str(content)
 * opt(temperature: f64) opt(top_p: f64) opt(max_tokens: i32)
 * u32(stop count) then str(stop) each, in order
 * u32(response_format.type number) str(response_format.json_schema) str(response_format.schema_name)
 * opt(seed: i64)
 * [tool trailer: only when some message has tool calls or a tool_call_id]
 * [u32(0) str(tools_hash): only when tools_hash is set]
 * [u32(0xFFFFFFFF) bool(response_format.strict) str(response_format.description): only when either is set]
 * </pre>
 * {@code str} is u32 byte length + UTF-8 bytes; {@code opt(x)} is byte 0 when unset, else byte 1 + x; {@code bool}
 * is one byte 0 or 1; numbers are big-endian, doubles as IEEE-754 bits with -0.0 folded into 0.0. Key id, user id
 * and tags are not part of it.
 */
@ApplicationScoped
public class CacheKeyFactory {

    public static final String FORMAT = "llmops.cache.exact.v1";

    private static final HexFormat HEX = HexFormat.of();

    public CacheKey keyOf(CacheQuery query) {
        String tenant = query.getCaller().getTenantId();
        return new CacheKey(tenant, HEX.formatHex(digest(query)));
    }

    static byte[] digest(CacheQuery query) {
        Encoder e = new Encoder();
        e.str(FORMAT);
        e.str(query.getCaller().getTenantId());
        e.str(query.getModel());
        e.u32(query.getMessagesCount());
        for (ChatMessage m : query.getMessagesList()) {
            e.u32(m.getRoleValue());
            e.str(m.getName());
            e.str(m.getContent());
        }
        GenerationParameters p = query.getParameters();
        if (p.hasTemperature()) {
            e.present().f64(p.getTemperature());
        } else {
            e.absent();
        }
        if (p.hasTopP()) {
            e.present().f64(p.getTopP());
        } else {
            e.absent();
        }
        if (p.hasMaxTokens()) {
            e.present().u32(p.getMaxTokens());
        } else {
            e.absent();
        }
        e.u32(p.getStopCount());
        for (String stop : p.getStopList()) {
            e.str(stop);
        }
        ResponseFormat rf = p.getResponseFormat();
        e.u32(rf.getTypeValue());
        e.str(rf.getJsonSchema());
        e.str(rf.getSchemaName());
        if (p.hasSeed()) {
            e.present().i64(p.getSeed());
        } else {
            e.absent();
        }
        toolTrailer(e, query);
        if (!query.getToolsHash().isEmpty()) {
            // after the tool trailer (if any): u32(0), which no tool trailer starts with, then the digest of the tool
            // definitions, so the same messages under different tool sets never share an entry
            e.u32(0);
            e.str(query.getToolsHash());
        }
        if (rf.getStrict() || !rf.getDescription().isEmpty()) {
            // last, and only when set (so earlier keys stay): u32(0xFFFFFFFF), which neither the tool trailer (a
            // message count) nor the tools-hash trailer (u32(0)) starts with
            e.u32(-1);
            e.bool(rf.getStrict());
            e.str(rf.getDescription());
        }
        return e.finish();
    }

    /**
     * Tool calls and tool_call_id (added to ChatMessage later) go in a trailer written only when some message has
     * them, so the keys of requests without tools stay those of format v1. Still unambiguous: a v1 encoding parses
     * to its end, so no encoding is another's prefix.
     */
    private static void toolTrailer(Encoder e, CacheQuery query) {
        int withTools = 0;
        for (ChatMessage m : query.getMessagesList()) {
            if (m.getToolCallsCount() > 0 || !m.getToolCallId().isEmpty()) {
                withTools++;
            }
        }
        if (withTools == 0) {
            return;
        }
        e.u32(withTools);
        for (int i = 0; i < query.getMessagesCount(); i++) {
            ChatMessage m = query.getMessages(i);
            if (m.getToolCallsCount() == 0 && m.getToolCallId().isEmpty()) {
                continue;
            }
            e.u32(i);
            e.str(m.getToolCallId());
            e.u32(m.getToolCallsCount());
            for (llmops.common.v1.ToolCall c : m.getToolCallsList()) {
                e.str(c.getId());
                e.str(c.getName());
                e.str(c.getArguments());
            }
        }
    }

    /** Streams the encoding straight into the digest: no copy of the (possibly long) prompt is built. */
    private static final class Encoder {
        private final MessageDigest md;
        private final byte[] buf = new byte[8];

        Encoder() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
            }
        }

        Encoder present() {
            md.update((byte) 1);
            return this;
        }

        void absent() {
            md.update((byte) 0);
        }

        void bool(boolean b) {
            md.update((byte) (b ? 1 : 0));
        }

        void u32(int v) {
            buf[0] = (byte) (v >>> 24);
            buf[1] = (byte) (v >>> 16);
            buf[2] = (byte) (v >>> 8);
            buf[3] = (byte) v;
            md.update(buf, 0, 4);
        }

        void i64(long v) {
            for (int i = 0; i < 8; i++) {
                buf[i] = (byte) (v >>> (56 - 8 * i));
            }
            md.update(buf, 0, 8);
        }

        void f64(double v) {
            // -0.0 == 0.0 for every provider; NaN and infinities are rejected by the validator before this.
            i64(Double.doubleToLongBits(v == 0.0 ? 0.0 : v));
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            md.update(b);
        }

        byte[] finish() {
            return md.digest();
        }
    }
}
