package dev.llmops.router.harness;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmops.router.compaction.PromptCompactor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;

/**
 * Token savings of prompt compaction on the conversations in {@code compaction/samples.txt} (provenance in its
 * header), counted with OpenAI's o200k_base tokenizer (gpt-4o family; jtokkit), plus the time compaction takes.
 *
 * <p>Run: {@code ./mvnw -B -q -pl router-service -am package -DskipTests -Pharness -Dharness=CompactionHarness}
 */
public final class CompactionHarness {
    record Sample(String name, List<ChatMessage> messages) {
    }

    public static void main(String[] args) throws Exception {
        Encoding tokens = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        List<Sample> samples = load();
        System.out.println("| sample | messages | tokens before | tokens after | saved | compaction time (µs, median of 2000) |");
        System.out.println("|---|---|---|---|---|---|");
        long before = 0;
        long after = 0;
        for (Sample s : samples) {
            List<ChatMessage> compacted = PromptCompactor.compact(s.messages());
            long b = count(tokens, s.messages());
            long a = count(tokens, compacted);
            before += b;
            after += a;
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.1f%% | %.1f |%n", s.name(), s.messages().size(), b, a,
                    100.0 * (b - a) / b, medianMicros(s.messages()));
        }
        System.out.printf(Locale.ROOT, "| **all** | | %d | %d | %.1f%% | |%n", before, after, 100.0 * (before - after) / before);
    }

    /** Content tokens plus OpenAI's per-message overhead (about 4), the same before and after. */
    static long count(Encoding enc, List<ChatMessage> messages) {
        long n = 0;
        for (ChatMessage m : messages) {
            n += enc.countTokens(m.getContent()) + 4;
        }
        return n;
    }

    static double medianMicros(List<ChatMessage> messages) {
        for (int i = 0; i < 2000; i++) {
            PromptCompactor.compact(messages); // warm-up
        }
        long[] t = new long[2000];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            PromptCompactor.compact(messages);
            t[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(t);
        return t[t.length / 2] / 1000.0;
    }

    static List<Sample> load() throws IOException {
        List<Sample> out = new ArrayList<>();
        try (InputStream in = CompactionHarness.class.getResourceAsStream("/compaction/samples.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String name = null;
            List<ChatMessage> messages = null;
            Role role = null;
            StringBuilder content = null;
            for (String line : text.split("\n", -1)) {
                if (line.startsWith("#") && name == null) {
                    continue;
                }
                boolean sample = line.startsWith("=== ");
                boolean message = line.startsWith("--- ");
                if ((sample || message) && content != null) {
                    String c = content.toString();
                    messages.add(ChatMessage.newBuilder().setRole(role)
                            .setContent(c.endsWith("\n") ? c.substring(0, c.length() - 1) : c).build());
                    content = null;
                }
                if (sample) {
                    if (name != null) {
                        out.add(new Sample(name, messages));
                    }
                    name = line.substring(4).strip();
                    messages = new ArrayList<>();
                } else if (message) {
                    role = Role.valueOf("ROLE_" + line.substring(4).strip().toUpperCase(Locale.ROOT));
                    content = new StringBuilder();
                } else if (content != null) {
                    content.append(line).append('\n');
                }
            }
            if (content != null) {
                String c = content.toString();
                messages.add(ChatMessage.newBuilder().setRole(role).setContent(c.strip().isEmpty() ? c : c.substring(0, c.length() - 1)).build());
            }
            out.add(new Sample(name, messages));
        }
        return out;
    }
}
