package dev.llmops.router.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSentEventsTest {

    @Test
    void eventsSplitAnywhereWithCrlfCommentsAndMultiLineData() {
        List<String> seen = new ArrayList<>();
        ServerSentEvents sse = new ServerSentEvents((event, data) -> seen.add(event + "|" + data));
        String stream = ": keep-alive\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: line one\ndata: line two\n\n"
                + "data:no-space\n\nevent: ping\n\n";
        for (int i = 0; i < stream.length(); i += 3) { // delivered in 3-byte pieces
            sse.feed(Buffer.buffer(stream.substring(i, Math.min(stream.length(), i + 3))));
        }
        assertEquals(List.of("message_start|{\"a\":1}", "|line one\nline two", "|no-space"), seen,
                "an event without data is not dispatched; the event name resets after each event");
    }
}
