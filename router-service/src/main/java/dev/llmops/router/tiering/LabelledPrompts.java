package dev.llmops.router.tiering;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The labelled prompts shipped in {@code tiering/labelled-prompts.tsv} (provenance and licence in its header). */
public final class LabelledPrompts {
    public static final String RESOURCE = "/tiering/labelled-prompts.tsv";

    /** One labelled prompt. */
    public record Example(Tier tier, String text) {
    }

    private LabelledPrompts() {
    }

    public static List<Example> load() {
        try (InputStream in = LabelledPrompts.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Example> parse(InputStream in) throws IOException {
        List<Example> out = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int number = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab < 0) {
                throw new IllegalStateException(RESOURCE + " line " + number + ": expected <tier> TAB <prompt>");
            }
            out.add(new Example(Tier.parse(line.substring(0, tab)), line.substring(tab + 1).replace("\\n", "\n")));
        }
        return List.copyOf(out);
    }
}
