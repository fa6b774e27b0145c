package dev.llmops.router.service;

import llmops.router.v1.FinishReason;

/** OpenAI's finish-reason strings and the proto enum. */
public final class FinishReasons {
    private FinishReasons() {
    }

    public static FinishReason toProto(String reason) {
        return switch (reason == null ? "" : reason) {
            case "stop" -> FinishReason.FINISH_REASON_STOP;
            case "length" -> FinishReason.FINISH_REASON_LENGTH;
            case "content_filter" -> FinishReason.FINISH_REASON_CONTENT_FILTER;
            case "tool_calls", "function_call" -> FinishReason.FINISH_REASON_TOOL_CALLS;
            default -> FinishReason.FINISH_REASON_UNSPECIFIED;
        };
    }

    public static String toOpenAi(FinishReason reason) {
        return switch (reason) {
            case FINISH_REASON_LENGTH -> "length";
            case FINISH_REASON_CONTENT_FILTER -> "content_filter";
            case FINISH_REASON_TOOL_CALLS -> "tool_calls";
            default -> "stop";
        };
    }
}
