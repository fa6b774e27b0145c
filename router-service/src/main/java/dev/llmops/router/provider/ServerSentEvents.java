package dev.llmops.router.provider;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import java.util.function.BiConsumer;

/**
 * A server-sent-events reader (the WHATWG event-stream format): {@code event:} and {@code data:} lines, events ended
 * by a blank line, several data lines joined by newlines, comments and unknown fields ignored, CRLF accepted.
 */
public final class ServerSentEvents {
    private final RecordParser lines;
    private final BiConsumer<String, String> onEvent;
    private String event = "";
    private StringBuilder data;

    public ServerSentEvents(BiConsumer<String, String> onEvent) {
        this.onEvent = onEvent;
        this.lines = RecordParser.newDelimited("\n", this::line);
    }

    /** Feeds bytes as they arrive; lines may be split across buffers. */
    public void feed(Buffer bytes) {
        lines.handle(bytes);
    }

    private void line(Buffer raw) {
        String line = raw.toString();
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            if (data != null) {
                String name = event;
                String payload = data.toString();
                event = "";
                data = null;
                onEvent.accept(name, payload);
            }
            return;
        }
        if (line.startsWith(":")) {
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (field.equals("data")) {
            if (data == null) {
                data = new StringBuilder(value);
            } else {
                data.append('\n').append(value);
            }
        } else if (field.equals("event")) {
            event = value;
        }
    }
}
