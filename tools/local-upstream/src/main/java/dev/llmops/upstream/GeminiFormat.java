package dev.llmops.upstream;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Google Gemini: {@code POST /v1beta/models/{model}:generateContent} and {@code :streamGenerateContent?alt=sse},
 * with {@code x-goog-api-key} (or {@code ?key=}). Checks roles (user, model), that each content has parts, and that a
 * functionResponse names its function.
 */
final class GeminiFormat implements WireFormat {
    private final String model;
    private final boolean stream;

    GeminiFormat(String model, boolean stream) {
        this.model = model;
        this.stream = stream;
    }

    @Override
    public Ask parse(HttpServerRequest request, JsonObject body) {
        if (stream && !"sse".equals(request.getParam("alt"))) {
            throw new Rejected(400, "this local upstream streams only as server-sent events: add ?alt=sse");
        }
        JsonArray contents = body.getValue("contents") instanceof JsonArray a ? a : null;
        if (contents == null || contents.isEmpty()) {
            throw new Rejected(400, "* GenerateContentRequest.contents: contents is not specified");
        }
        int words = 0;
        if (body.getValue("systemInstruction") instanceof JsonObject system) {
            for (Object p : system.getJsonArray("parts", new JsonArray())) {
                if (p instanceof JsonObject part && part.getValue("text") instanceof String s) {
                    words += LocalUpstream.words(s) + 3;
                }
            }
        }
        String lastUser = "";
        String toolResult = null;
        for (int i = 0; i < contents.size(); i++) {
            JsonObject c = contents.getValue(i) instanceof JsonObject o ? o : new JsonObject();
            String role = c.getString("role", "user");
            if (!role.equals("user") && !role.equals("model")) {
                throw new Rejected(400, "contents[" + i + "].role: Please use a valid role: user, model.");
            }
            JsonArray parts = c.getValue("parts") instanceof JsonArray p ? p : null;
            if (parts == null || parts.isEmpty()) {
                throw new Rejected(400, "contents[" + i + "].parts: must not be empty");
            }
            StringBuilder text = new StringBuilder();
            toolResult = null;
            for (int j = 0; j < parts.size(); j++) {
                JsonObject part = parts.getJsonObject(j);
                if (part.getValue("text") instanceof String s) {
                    text.append(s);
                } else if (part.getValue("functionResponse") instanceof JsonObject fr) {
                    if (fr.getString("name", "").isEmpty()) {
                        throw new Rejected(400, "contents[" + i + "].parts[" + j + "].function_response.name: Name cannot be empty.");
                    }
                    JsonObject response = fr.getJsonObject("response", new JsonObject());
                    toolResult = response.getValue("output") instanceof String s ? s : response.encode();
                } else if (!(part.getValue("functionCall") instanceof JsonObject)) {
                    throw new Rejected(400, "contents[" + i + "].parts[" + j + "]: unknown part");
                }
            }
            if (role.equals("user") && !text.isEmpty()) {
                lastUser = text.toString();
            }
            words += LocalUpstream.words(text.toString()) + 3;
        }
        List<String> tools = new ArrayList<>();
        if (body.getValue("tools") instanceof JsonArray t) {
            for (Object o : t) {
                JsonObject tool = o instanceof JsonObject j ? j : new JsonObject();
                for (Object d : tool.getJsonArray("functionDeclarations", new JsonArray())) {
                    if (!(d instanceof JsonObject decl) || decl.getString("name") == null) {
                        throw new Rejected(400, "tools[].function_declarations[].name: Name cannot be empty.");
                    }
                    tools.add(decl.getString("name"));
                }
            }
        }
        String forced = null;
        boolean disabled = false;
        JsonObject calling = body.getJsonObject("toolConfig", new JsonObject())
                .getJsonObject("functionCallingConfig", new JsonObject());
        switch (calling.getString("mode", "AUTO")) {
            case "ANY" -> {
                JsonArray allowed = calling.getJsonArray("allowedFunctionNames", new JsonArray());
                forced = allowed.size() == 1 ? allowed.getString(0) : "";
            }
            case "NONE" -> disabled = true;
            default -> { }
        }
        JsonObject generation = body.getJsonObject("generationConfig", new JsonObject());
        boolean json = "application/json".equals(generation.getString("responseMimeType"));
        return new Ask(model, lastUser, toolResult, words, tools, forced, disabled, json, stream, true);
    }

    @Override
    public String apiKey(HttpServerRequest request) {
        String header = request.getHeader("x-goog-api-key");
        return header != null ? header : request.getParam("key");
    }

    private static JsonObject usage(Reply r) {
        JsonObject u = new JsonObject().put("promptTokenCount", r.promptTokens())
                .put("candidatesTokenCount", r.completionTokens())
                .put("totalTokenCount", r.promptTokens() + r.completionTokens());
        if (r.cacheReadTokens() > 0) {
            u.put("cachedContentTokenCount", r.cacheReadTokens());
        }
        return u;
    }

    private static JsonObject candidate(JsonArray parts, String finishReason) {
        JsonObject c = new JsonObject().put("content", new JsonObject().put("role", "model").put("parts", parts))
                .put("index", 0);
        if (finishReason != null) {
            c.put("finishReason", finishReason);
        }
        return c;
    }

    private static JsonArray parts(Reply r) {
        JsonArray parts = new JsonArray();
        if (!r.text().isEmpty()) {
            parts.add(new JsonObject().put("text", r.text()));
        }
        for (Reply.Call c : r.toolCalls()) {
            parts.add(new JsonObject().put("functionCall", new JsonObject().put("name", c.name())
                    .put("args", c.arguments())));
        }
        return parts;
    }

    @Override
    public JsonObject response(Reply r, String id) {
        return new JsonObject().put("candidates", new JsonArray().add(candidate(parts(r), "STOP")))
                .put("usageMetadata", usage(r)).put("modelVersion", r.model()).put("responseId", id);
    }

    @Override
    public List<String> events(Reply r, String id, Ask ask) {
        List<String> events = new ArrayList<>();
        for (String piece : LocalUpstream.pieces(r.text())) {
            events.add(WireFormat.sse(new JsonObject().put("candidates", new JsonArray().add(candidate(
                    new JsonArray().add(new JsonObject().put("text", piece)), null)))
                    .put("modelVersion", r.model()).put("responseId", id).encode()));
        }
        JsonArray last = new JsonArray();
        for (Reply.Call c : r.toolCalls()) {
            last.add(new JsonObject().put("functionCall", new JsonObject().put("name", c.name())
                    .put("args", c.arguments())));
        }
        if (last.isEmpty()) {
            last.add(new JsonObject().put("text", ""));
        }
        events.add(WireFormat.sse(new JsonObject().put("candidates", new JsonArray().add(candidate(last, "STOP")))
                .put("usageMetadata", usage(r)).put("modelVersion", r.model()).put("responseId", id).encode()));
        return events;
    }

    @Override
    public JsonObject error(int status, String message, int retryAfterSeconds) {
        String code = switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "INTERNAL";
        };
        JsonObject error = new JsonObject().put("code", status).put("message", message).put("status", code);
        if (retryAfterSeconds > 0) {
            // Google gives the delay in the error's details, not in a header
            error.put("details", new JsonArray().add(new JsonObject()
                    .put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", retryAfterSeconds + "s")));
        }
        return new JsonObject().put("error", error);
    }

    @Override
    public boolean retryAfterHeader(int status) {
        return false;
    }
}
