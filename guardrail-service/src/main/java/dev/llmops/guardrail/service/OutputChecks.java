package dev.llmops.guardrail.service;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.output.GroundingScorer;
import dev.llmops.guardrail.output.JsonFormatCheck;
import dev.llmops.guardrail.output.RefusalDetector;
import java.util.ArrayList;
import java.util.List;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.ContextDocument;

/**
 * Checks only answers get: format (JSON / JSON Schema, the policy's pattern), length, refusal, grounding. Whole-text
 * findings except grounding, which reports each unsupported sentence. Stateless and thread-safe.
 */
public final class OutputChecks {
    public static final String GROUNDING = "grounding";
    static final String LENGTH = "output-length";
    static final String PATTERN = "output-pattern";

    private final JsonFormatCheck json = new JsonFormatCheck();
    private final RefusalDetector refusal = new RefusalDetector();
    private final GroundingScorer grounding;
    private final double defaultGroundingThreshold;

    /** Lexical grounding only. */
    public OutputChecks(double defaultGroundingThreshold) {
        this(defaultGroundingThreshold, new GroundingScorer());
    }

    public OutputChecks(double defaultGroundingThreshold, GroundingScorer grounding) {
        this.defaultGroundingThreshold = defaultGroundingThreshold;
        this.grounding = grounding;
    }

    public record Result(List<Detection> detections, List<GroundingScorer.Sentence> sentences, double threshold,
            List<String> documentIds) {
    }

    /** Fails with {@link JsonFormatCheck.BadSchemaException} when the request's schema is unusable. */
    public void validateSchema(CheckOutputRequest request) {
        if (request.hasResponseFormat() && !request.getResponseFormat().getJsonSchema().isBlank()) {
            json.schema(request.getResponseFormat().getJsonSchema());
        }
    }

    public Result check(CheckOutputRequest request, Policy policy) {
        String content = request.getContent();
        List<Detection> out = new ArrayList<>(0);
        if (request.hasResponseFormat() && policy.scannerEnabled(JsonFormatCheck.NAME)) {
            out.addAll(json.check(content, request.getResponseFormat()));
        }
        if (policy.maxOutputChars() > 0 && content.length() > policy.maxOutputChars()) {
            out.add(new Detection(FindingTypes.OUTPUT_TOO_LONG, 0, content.length(), LENGTH, 1.0, null,
                    content.length() + " chars, the limit is " + policy.maxOutputChars()));
        }
        if (policy.outputPattern() != null && !policy.outputPattern().matches(content)) {
            out.add(new Detection(FindingTypes.FORMAT_MISMATCH, 0, content.length(), PATTERN, 1.0, null,
                    "the answer does not match the policy's output_pattern"));
        }
        if (policy.scannerEnabled(RefusalDetector.NAME)) {
            out.addAll(refusal.check(content));
        }
        List<GroundingScorer.Sentence> sentences = List.of();
        double threshold = policy.groundingThreshold() > 0 ? policy.groundingThreshold() : defaultGroundingThreshold;
        List<String> ids = new ArrayList<>();
        if (request.getContextDocumentsCount() > 0 && policy.scannerEnabled(GROUNDING)) {
            List<String> docs = new ArrayList<>();
            for (ContextDocument d : request.getContextDocumentsList()) {
                docs.add(d.getText());
                ids.add(d.getId());
            }
            sentences = grounding.score(content, docs);
            for (GroundingScorer.Sentence s : sentences) {
                if (s.judged() && s.score() < threshold) {
                    out.add(new Detection(FindingTypes.UNGROUNDED, s.start(), s.end(), GROUNDING,
                            Math.round((1 - s.score()) * 1000) / 1000.0, null,
                            "support " + s.score() + " < " + threshold));
                }
            }
        }
        return new Result(out, sentences, threshold, ids);
    }
}
