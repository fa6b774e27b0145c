package dev.llmops.guardrail.service;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.config.GuardrailConfig;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import dev.llmops.guardrail.service.GuardrailMetrics.Direction;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.Finding;

/**
 * Checks inputs and outputs: size limit, scanners, policy, verdict, redaction. Requests are validated before they
 * get here. Synchronous and CPU-bound; the gRPC layer decides which thread runs it.
 */
@Startup // build scanners, policy and meters at boot: a bad setting fails the start, not the first request
@ApplicationScoped
public class CheckService {
    static final String SIZE_SCANNER = "input-size";

    private final Inspector inspector;
    private final GuardrailConfig config;
    private final GuardrailMetrics metrics;

    public CheckService(ScannerRegistry registry, Policy policy, GuardrailConfig config, GuardrailMetrics metrics) {
        this.inspector = new Inspector(registry.scanners(), policy);
        this.config = config;
        this.metrics = metrics;
    }

    @WithSpan("guardrail.check-input")
    public CheckInputResponse checkInput(CheckInputRequest request) {
        long t0 = System.nanoTime();
        List<ChatMessage> messages = request.getMessagesList();
        int max = config.maxInputChars();
        long total = 0;
        for (int i = 0; i < messages.size(); i++) {
            total += messages.get(i).getContent().length();
            if (total > max) {
                CheckInputResponse tooLarge = CheckInputResponse.newBuilder()
                        .setAction(PolicyAction.BLOCK.proto())
                        .setFallbackText(tooLargeText("request", max))
                        .addFindings(tooLargeFinding(i))
                        .build();
                done(Direction.INPUT, request.getRequestId(), tooLarge.getFindingsList(), PolicyAction.BLOCK, t0);
                return tooLarge;
            }
        }

        List<List<Hit>> hitsPerMessage = new ArrayList<>(messages.size());
        PolicyAction verdict = PolicyAction.ALLOW;
        for (ChatMessage message : messages) {
            List<Hit> hits = inspector.inspect(message.getContent());
            hitsPerMessage.add(hits);
            verdict = worst(verdict, hits);
        }

        CheckInputResponse.Builder response = CheckInputResponse.newBuilder().setAction(verdict.proto());
        for (int i = 0; i < messages.size(); i++) {
            addFindings(response::addFindings, i, messages.get(i).getContent(), hitsPerMessage.get(i));
        }
        switch (verdict) {
            case BLOCK -> response.setFallbackText(config.fallbackText());
            case ALLOW -> response.addAllMessages(messages);
            case REDACT -> {
                Placeholders placeholders = new Placeholders();
                for (int i = 0; i < messages.size(); i++) {
                    ChatMessage message = messages.get(i);
                    List<Hit> hits = hitsPerMessage.get(i);
                    response.addMessages(hasRedaction(hits)
                            ? message.toBuilder().setContent(Inspector.redact(message.getContent(), hits, placeholders))
                                    .build()
                            : message);
                }
            }
        }
        done(Direction.INPUT, request.getRequestId(), response.getFindingsList(), verdict, t0);
        return response.build();
    }

    @WithSpan("guardrail.check-output")
    public CheckOutputResponse checkOutput(CheckOutputRequest request) {
        long t0 = System.nanoTime();
        String content = request.getContent();
        int max = config.maxInputChars();
        if (content.length() > max) {
            String fallback = tooLargeText("answer", max);
            CheckOutputResponse tooLarge = CheckOutputResponse.newBuilder()
                    .setAction(PolicyAction.BLOCK.proto())
                    .setContent(fallback)
                    .setFallbackText(fallback)
                    .addFindings(tooLargeFinding(0))
                    .build();
            done(Direction.OUTPUT, request.getRequestId(), tooLarge.getFindingsList(), PolicyAction.BLOCK, t0);
            return tooLarge;
        }

        List<Hit> hits = inspector.inspect(content);
        PolicyAction verdict = worst(PolicyAction.ALLOW, hits);
        CheckOutputResponse.Builder response = CheckOutputResponse.newBuilder().setAction(verdict.proto());
        addFindings(response::addFindings, 0, content, hits);
        switch (verdict) {
            case BLOCK -> response.setContent(config.fallbackText()).setFallbackText(config.fallbackText());
            case ALLOW -> response.setContent(content);
            case REDACT -> response.setContent(Inspector.redact(content, hits, new Placeholders()));
        }
        done(Direction.OUTPUT, request.getRequestId(), response.getFindingsList(), verdict, t0);
        return response.build();
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

    /** Findings with spans converted from UTF-16 indices to code point offsets, walking the text once. */
    private static void addFindings(java.util.function.Consumer<Finding> sink, int messageIndex, String text,
            List<Hit> hits) {
        int utf16 = 0;
        int codePoints = 0;
        for (Hit h : hits) {
            Detection d = h.detection();
            codePoints += text.codePointCount(utf16, d.start());
            utf16 = d.start();
            int cpEnd = codePoints + text.codePointCount(d.start(), d.end());
            sink.accept(Finding.newBuilder()
                    .setType(d.type())
                    .setMessageIndex(messageIndex)
                    .setStart(codePoints)
                    .setEnd(cpEnd)
                    .setScanner(d.scanner())
                    .setScore(d.score())
                    .setAction(h.action().proto())
                    .build());
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

    private void done(Direction direction, String requestId, List<Finding> findings, PolicyAction verdict, long t0) {
        metrics.scanned(direction, verdict, System.nanoTime() - t0);
        for (Finding f : findings) {
            metrics.finding(f.getType(), PolicyAction.of(f.getAction()));
        }
        if (verdict != PolicyAction.ALLOW && Log.isDebugEnabled()) {
            // Types and positions only: never the matched text.
            Log.debugf("request %s %s: %s %s", requestId, direction, verdict,
                    findings.stream().map(f -> f.getType() + "@" + f.getMessageIndex()).toList());
        }
    }
}
