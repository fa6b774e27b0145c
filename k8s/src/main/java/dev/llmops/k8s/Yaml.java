package dev.llmops.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The strict YAML mapper shared by the loader and the validator. */
public final class Yaml {

    /**
     * fabric8's model classes collect unknown fields in an {@code additionalProperties} map through
     * {@code @JsonAnySetter}, so a misspelled field would be accepted silently. Switching any-setters off
     * makes every unknown field hit {@code FAIL_ON_UNKNOWN_PROPERTIES}.
     */
    private static final class NoAnySetter extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
        }
    }

    public static final ObjectMapper MAPPER = new ObjectMapper(
            YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .setAnnotationIntrospector(new NoAnySetter())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private Yaml() {
    }

    /**
     * Every non-empty document of a (possibly multi-document) YAML text. Read document by document from the
     * parser: a MappingIterator would unwrap a top-level sequence (a JSON 6902 patch) into its elements.
     */
    public static List<JsonNode> documents(String text) {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = MAPPER.getFactory().createParser(text)) {
            while (parser.nextToken() != null) {
                JsonNode doc = MAPPER.readTree(parser);
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** A short one-line message for a binding failure (Jackson's own ones carry a long source excerpt). */
    public static String shortMessage(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int cut = m.indexOf(" (class ");
        if (cut < 0) {
            cut = m.indexOf("\n");
        }
        return (cut > 0 ? m.substring(0, cut) : m).trim();
    }
}
