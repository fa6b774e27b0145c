package dev.llmops.guardrail.output;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.UriSchemaLoader;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;

/**
 * Structured answers: {@code RESPONSE_FORMAT_TYPE_JSON_OBJECT} must parse as one JSON object
 * ({@code INVALID_JSON}); {@code RESPONSE_FORMAT_TYPE_JSON_SCHEMA} must also validate against the schema
 * ({@code SCHEMA_VIOLATION}, one finding per violation, at most 10, the JSON path and rule in {@code detail}). The
 * validator is networknt json-schema-validator (draft 2020-12 unless the schema's {@code $schema} says otherwise),
 * with remote {@code $ref}s disabled (no network fetches from a caller's schema), RE2/J for patterns, and nesting
 * depth capped so a deeply nested answer is an {@code INVALID_JSON} finding, not a stack overflow. One Markdown code
 * fence around the JSON (```json ... ```) is accepted, since models add it even when told not to. Compiled schemas
 * are kept in a small LRU keyed by the schema text.
 */
public final class JsonFormatCheck {
    public static final String NAME = "json-format";
    static final int MAX_DEPTH = 64;
    private static final int MAX_VIOLATIONS = 10;
    private static final int CACHE_SIZE = 256;

    private final ObjectMapper mapper = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.jsonMapper(mapper).schemaLoaders(l -> l.values(list -> list.removeIf(
                    loader -> loader instanceof UriSchemaLoader))));
    private final SchemaValidatorsConfig validatorConfig = SchemaValidatorsConfig.builder()
            .regularExpressionFactory(Re2RegularExpressionFactory.INSTANCE)
            .formatAssertionsEnabled(true)
            .pathType(com.networknt.schema.PathType.JSON_PATH)
            .build();
    private final Map<String, JsonSchema> schemas = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, JsonSchema> eldest) {
                    return size() > CACHE_SIZE;
                }
            });

    /** Thrown for a schema the caller must fix (becomes INVALID_ARGUMENT). */
    public static final class BadSchemaException extends RuntimeException {
        BadSchemaException(String message) {
            super(message);
        }
    }

    /** Compiles (or fetches from the cache) a schema; fails with {@link BadSchemaException} if it is unusable. */
    public JsonSchema schema(String schemaText) {
        JsonSchema cached = schemas.get(schemaText);
        if (cached != null) {
            return cached;
        }
        JsonSchema schema;
        try {
            JsonNode node = mapper.readTree(schemaText);
            if (node == null || !(node.isObject() || node.isBoolean())) {
                throw new BadSchemaException("response_format.json_schema must be a JSON object (a JSON Schema)");
            }
            schema = factory.getSchema(node, validatorConfig);
            schema.initializeValidators(); // resolve $refs now: a bad schema fails here, not per answer
        } catch (JsonProcessingException e) {
            throw new BadSchemaException("response_format.json_schema is not valid JSON: " + e.getOriginalMessage());
        } catch (BadSchemaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadSchemaException("response_format.json_schema cannot be used: " + e.getMessage()
                    + " (remote $ref is not allowed; patterns use RE2 syntax)");
        }
        schemas.put(schemaText, schema);
        return schema;
    }

    public List<Detection> check(String content, ResponseFormat format) {
        ResponseFormatType type = format.getType();
        if (type != ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_OBJECT
                && type != ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA) {
            return List.of();
        }
        JsonSchema schema = type == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA
                && !format.getJsonSchema().isBlank() ? schema(format.getJsonSchema()) : null;
        int[] span = unfenced(content);
        String json = content.substring(span[0], span[1]);
        JsonNode node;
        try (JsonParser parser = mapper.createParser(json)) {
            node = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                return List.of(whole(content, FindingTypes.INVALID_JSON, "trailing content after the JSON value"));
            }
        } catch (JsonProcessingException e) {
            return List.of(whole(content, FindingTypes.INVALID_JSON, describe(e)));
        } catch (java.io.IOException e) {
            return List.of(whole(content, FindingTypes.INVALID_JSON, "unreadable JSON"));
        }
        if (node == null || node.isMissingNode()) {
            return List.of(whole(content, FindingTypes.INVALID_JSON, "the answer is empty"));
        }
        if (schema == null) {
            return node.isObject() ? List.of()
                    : List.of(whole(content, FindingTypes.INVALID_JSON, "expected a JSON object, got " + kind(node)));
        }
        Set<ValidationMessage> violations = schema.validate(node);
        if (violations.isEmpty()) {
            return List.of();
        }
        List<Detection> out = new ArrayList<>();
        Iterator<ValidationMessage> it = violations.iterator();
        while (it.hasNext() && out.size() < MAX_VIOLATIONS) {
            ValidationMessage v = it.next();
            // The instance path and the keyword, not the message: messages can quote the offending value.
            out.add(whole(content, FindingTypes.SCHEMA_VIOLATION, v.getInstanceLocation() + ": " + v.getType()));
        }
        return out;
    }

    private static String describe(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m != null && m.contains("nesting depth")) {
            return "JSON nested deeper than " + MAX_DEPTH + " levels";
        }
        var loc = e.getLocation();
        return "not valid JSON" + (loc != null ? " at line " + loc.getLineNr() + ", column " + loc.getColumnNr() : "");
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static Detection whole(String content, String type, String detail) {
        return new Detection(type, 0, content.length(), NAME, 1.0, null, detail);
    }

    /** The span inside one surrounding Markdown code fence, or the whole (trimmed) text. */
    static int[] unfenced(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && Character.isWhitespace(s.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        if (s.startsWith("```", start) && end - start >= 6 && s.startsWith("```", end - 3)) {
            int nl = s.indexOf('\n', start);
            if (nl > 0 && nl < end - 3) {
                return new int[] {nl + 1, end - 3};
            }
        }
        return new int[] {start, end};
    }
}
