package dev.llmops.guardrail.service;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.config.GuardrailConfig;
import dev.llmops.guardrail.output.GroundingScorer;
import dev.llmops.guardrail.output.SentenceEmbedder;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import dev.llmops.guardrail.service.GuardrailMetrics.Direction;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.Finding;
import llmops.guardrail.v1.SentenceSupport;

/**
 * Checks inputs and outputs under one policy: size limit, scanners, output checks, verdict, redaction. Requests are
 * validated before they get here. Synchronous and CPU-bound; the caller decides which thread runs it and does the
 * I/O that follows (vault, review queue, audit) with the {@link Checked} it returns.
 */
@Startup // build scanners, classifiers and meters at boot: a bad setting fails the start, not the first request
@ApplicationScoped
public class CheckService {
    static final String SIZE_SCANNER = "input-size";

    private final Inspector inspector;
    private final OutputChecks outputChecks;
    private final GuardrailConfig config;
    private final GuardrailMetrics metrics;

    public CheckService(ScannerRegistry registry, GuardrailConfig config, GuardrailMetrics metrics) {
        this.inspector = new Inspector(registry.scanners());
        this.outputChecks = new OutputChecks(config.grounding().threshold(), config.grounding().embeddings()
                ? new GroundingScorer(new SentenceEmbedder(), GroundingScorer.Method.COMBINED) : new GroundingScorer());
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * A response plus what the caller must do with it.
     *
     * @param worst the most severe finding action (ESCALATE even when the verdict passed it)
     * @param originals placeholder to original text, to store in the vault; empty when nothing was redacted
     * @param reviewText the text a reviewer sees (redactions applied), when escalated
     */
    public record Checked<T>(T response, PolicyAction worst, Map<String, String> originals, String reviewText,
            List<Finding> findings, long nanos) {
        public boolean escalated() {
            return worst == PolicyAction.ESCALATE || findings.stream()
                    .anyMatch(f -> f.getAction() == Action.ACTION_ESCALATE);
        }
    }

    public Checked<CheckInputResponse.Builder> checkInput(CheckInputRequest request, Policy policy) {
        long t0 = System.nanoTime();
        List<ChatMessage> messages = request.getMessagesList();
        int max = config.maxInputChars();
        long total = 0;
        for (int i = 0; i < messages.size(); i++) {
            total += messages.get(i).getContent().length();
            if (total > max) {
                CheckInputResponse.Builder tooLarge = CheckInputResponse.newBuilder()
                        .setAction(Action.ACTION_BLOCK)
                        .setFallbackText(tooLargeText("request", max))
                        .addFindings(tooLargeFinding(i))
                        .setPolicyVersion(policy.version());
                return done(Direction.INPUT, request.getRequestId(), tooLarge, tooLarge.getFindingsList(),
                        PolicyAction.BLOCK, Action.ACTION_BLOCK, Map.of(), null, t0);
            }
        }

        List<List<Hit>> hitsPerMessage = new ArrayList<>(messages.size());
        PolicyAction worst = PolicyAction.ALLOW;
        for (ChatMessage message : messages) {
            boolean trusted = message.getRole() == Role.ROLE_SYSTEM || message.getRole() == Role.ROLE_DEVELOPER;
            List<Hit> hits = inspector.inspect(message.getContent(), policy, trusted);
            hitsPerMessage.add(hits);
            worst = worst(worst, hits);
        }
        Action verdict = verdict(worst, hitsPerMessage, policy);

        CheckInputResponse.Builder response = CheckInputResponse.newBuilder().setAction(verdict)
                .setPolicyVersion(policy.version());
        for (int i = 0; i < messages.size(); i++) {
            addFindings(response::addFindings, i, messages.get(i).getContent(), hitsPerMessage.get(i));
        }
        Placeholders placeholders = new Placeholders();
        List<ChatMessage> rewritten = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            List<Hit> hits = hitsPerMessage.get(i);
            rewritten.add(hasRedaction(hits)
                    ? message.toBuilder().setContent(Inspector.redact(message.getContent(), hits, placeholders)).build()
                    : message);
        }
        switch (verdict) {
            case ACTION_BLOCK -> response.setFallbackText(worst == PolicyAction.BLOCK ? policy.fallbackText()
                    : config.holdText());
            case ACTION_REDACT -> response.addAllMessages(rewritten);
            default -> response.addAllMessages(messages);
        }
        String reviewText = null;
        if (worst == PolicyAction.ESCALATE || anyEscalate(hitsPerMessage)) {
            StringBuilder sb = new StringBuilder();
            for (ChatMessage m : rewritten) {
                sb.append(m.getRole().name().substring(5).toLowerCase(java.util.Locale.ROOT)).append(": ")
                        .append(m.getContent()).append('\n');
            }
            reviewText = sb.toString();
        }
        Map<String, String> originals = verdict == Action.ACTION_REDACT ? placeholders.originals() : Map.of();
        return done(Direction.INPUT, request.getRequestId(), response, response.getFindingsList(), worst, verdict,
                originals, reviewText, t0);
    }

    /**
     * @param inputPlaceholders the placeholders the request's input check wrote (to be restored later): the answer's
     *                          own redactions are numbered after them, never with their names
     */
    public Checked<CheckOutputResponse.Builder> checkOutput(CheckOutputRequest request, Policy policy,
            java.util.Collection<String> inputPlaceholders) {
        long t0 = System.nanoTime();
        String content = request.getContent();
        int max = config.maxInputChars();
        if (content.length() > max) {
            String fallback = tooLargeText("answer", max);
            CheckOutputResponse.Builder tooLarge = CheckOutputResponse.newBuilder()
                    .setAction(Action.ACTION_BLOCK)
                    .setContent(fallback)
                    .setFallbackText(fallback)
                    .addFindings(tooLargeFinding(0))
                    .setPolicyVersion(policy.version());
            return done(Direction.OUTPUT, request.getRequestId(), tooLarge, tooLarge.getFindingsList(),
                    PolicyAction.BLOCK, Action.ACTION_BLOCK, Map.of(), null, t0);
        }

        // The model's own answer is not an injection surface (instructions reach it as input: user, tool, RAG).
        List<Hit> scanned = inspector.inspect(content, policy, true);
        OutputChecks.Result checks = outputChecks.check(request, policy);
        List<Hit> hits = scanned;
        if (!checks.detections().isEmpty()) {
            hits = new ArrayList<>(scanned);
            for (Detection d : checks.detections()) {
                hits.add(new Hit(d, policy.actionFor(d.type())));
            }
            hits.sort(java.util.Comparator.comparingInt((Hit h) -> h.detection().start())
                    .thenComparingInt(h -> h.detection().end()));
        }
        PolicyAction worst = worst(PolicyAction.ALLOW, hits);
        Action verdict = verdict(worst, List.of(hits), policy);
        CheckOutputResponse.Builder response = CheckOutputResponse.newBuilder().setAction(verdict)
                .setPolicyVersion(policy.version());
        addFindings(response::addFindings, 0, content, hits);
        addGrounding(response, content, checks);
        Placeholders placeholders = new Placeholders(inputPlaceholders);
        String redacted = hasRedaction(hits) ? Inspector.redact(content, hits, placeholders) : content;
        switch (verdict) {
            case ACTION_BLOCK -> {
                String text = worst == PolicyAction.BLOCK ? policy.fallbackText() : config.holdText();
                response.setContent(text).setFallbackText(text);
            }
            case ACTION_REDACT -> response.setContent(redacted);
            default -> response.setContent(content);
        }
        String reviewText = worst == PolicyAction.ESCALATE || anyEscalate(List.of(hits)) ? redacted : null;
        return done(Direction.OUTPUT, request.getRequestId(), response, response.getFindingsList(), worst, verdict,
                Map.of(), reviewText, t0);
    }

    /** Fails with {@code JsonFormatCheck.BadSchemaException} when the request's schema is unusable. */
    public void validateSchema(CheckOutputRequest request) {
        outputChecks.validateSchema(request);
    }

    /**
     * The verdict on the wire: log-only counts as allow; escalate blocks when the policy holds escalations, else the
     * verdict is what the other findings say.
     */
    private static Action verdict(PolicyAction worst, List<List<Hit>> hits, Policy policy) {
        return switch (worst) {
            case ALLOW, LOG_ONLY -> Action.ACTION_ALLOW;
            case REDACT -> Action.ACTION_REDACT;
            case BLOCK -> Action.ACTION_BLOCK;
            case ESCALATE -> {
                if (policy.holdsEscalations()) {
                    yield Action.ACTION_BLOCK;
                }
                boolean redact = false;
                for (List<Hit> list : hits) {
                    redact |= hasRedaction(list);
                }
                yield redact ? Action.ACTION_REDACT : Action.ACTION_ALLOW;
            }
        };
    }

    private static boolean anyEscalate(List<List<Hit>> hits) {
        for (List<Hit> list : hits) {
            for (Hit h : list) {
                if (h.action() == PolicyAction.ESCALATE) {
                    return true;
                }
            }
        }
        return false;
    }

    private static PolicyAction worst(PolicyAction current, List<Hit> hits) {
        PolicyAction worst = current;
        for (Hit h : hits) {
            if (h.action().compareTo(worst) > 0) {
                worst = h.action();
            }
        }
        return worst;
    }

    private static boolean hasRedaction(List<Hit> hits) {
        for (Hit h : hits) {
            if (h.action() == PolicyAction.REDACT) {
                return true;
            }
        }
        return false;
    }

    /** Findings with spans converted from UTF-16 indices to code point offsets. Hits are sorted by start. */
    private static void addFindings(java.util.function.Consumer<Finding> sink, int messageIndex, String text,
            List<Hit> hits) {
        int utf16 = 0;
        int codePoints = 0;
        for (Hit h : hits) {
            Detection d = h.detection();
            if (d.start() >= utf16) {
                codePoints += text.codePointCount(utf16, d.start());
            } else {
                codePoints -= text.codePointCount(d.start(), utf16);
            }
            utf16 = d.start();
            int cpEnd = codePoints + text.codePointCount(d.start(), d.end());
            Finding.Builder f = Finding.newBuilder()
                    .setType(d.type())
                    .setMessageIndex(messageIndex)
                    .setStart(codePoints)
                    .setEnd(cpEnd)
                    .setScanner(d.scanner())
                    .setScore(d.score())
                    .setAction(h.action().proto());
            if (d.detail() != null) {
                f.setDetail(d.detail());
            }
            sink.accept(f.build());
        }
    }

    private static void addGrounding(CheckOutputResponse.Builder response, String content, OutputChecks.Result checks) {
        for (GroundingScorer.Sentence s : checks.sentences()) {
            int start = content.codePointCount(0, s.start());
            SentenceSupport.Builder b = SentenceSupport.newBuilder()
                    .setStart(start)
                    .setEnd(start + content.codePointCount(s.start(), s.end()))
                    .setScore(s.score())
                    .setSupported(!s.judged() || s.score() >= checks.threshold());
            if (s.bestDocument() >= 0) {
                b.setBestDocumentId(checks.documentIds().get(s.bestDocument()));
            }
            response.addGrounding(b.build());
        }
    }

    private static Finding tooLargeFinding(int messageIndex) {
        return Finding.newBuilder()
                .setType(FindingTypes.INPUT_TOO_LARGE)
                .setMessageIndex(messageIndex)
                .setScanner(SIZE_SCANNER)
                .setScore(1.0)
                .setAction(PolicyAction.BLOCK.proto())
                .build();
    }

    private static String tooLargeText(String what, int max) {
        return "The " + what + " is too large to check: the limit is " + max + " characters"
                + ("request".equals(what) ? " over all messages." : ".");
    }

    private <T> Checked<T> done(Direction direction, String requestId, T response, List<Finding> findings,
            PolicyAction worst, Action verdict, Map<String, String> originals, String reviewText, long t0) {
        long nanos = System.nanoTime() - t0;
        PolicyAction metricVerdict = PolicyAction.of(verdict);
        metrics.scanned(direction, metricVerdict, nanos);
        for (Finding f : findings) {
            metrics.finding(f.getType(), PolicyAction.of(f.getAction()));
        }
        if (worst != PolicyAction.ALLOW && Log.isDebugEnabled()) {
            // Types and positions only: never the matched text.
            Log.debugf("request %s %s: %s %s", requestId, direction, verdict,
                    findings.stream().map(f -> f.getType() + "@" + f.getMessageIndex()).toList());
        }
        return new Checked<>(response, worst, originals, reviewText, List.copyOf(findings), nanos);
    }
}
