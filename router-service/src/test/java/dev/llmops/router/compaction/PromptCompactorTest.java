package dev.llmops.router.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import org.junit.jupiter.api.Test;

class PromptCompactorTest {
    static ChatMessage user(String text) {
        return ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(text).build();
    }

    @Test
    void whitespaceRunsCollapseButIndentationAndFencesStay() {
        String in = "Total :   42\t\tunits   \r\n\n\n\n  - item   one\n```python\ndef f():  \n    return  1\n```\nend";
        assertEquals("Total : 42 units\n\n  - item one\n```python\ndef f():\n    return  1\n```\nend",
                PromptCompactor.whitespace(in));
    }

    @Test
    void aRepeatedLongParagraphIsDroppedTheSecondTime() {
        String rules = "Answer only from the context below, cite the document id after every sentence, and keep it short.";
        List<ChatMessage> out = PromptCompactor.compact(List.of(user(rules + "\n\nQuestion one?"),
                user(rules + "\n\nQuestion two?")));
        assertEquals(rules + "\n\nQuestion one?", out.get(0).getContent());
        assertEquals("Question two?", out.get(1).getContent());
    }

    @Test
    void shortRepeatsStayAndAMessageIsNeverEmptied() {
        String boiler = "This paragraph is long enough to count as boilerplate because it is well over eighty characters.";
        List<ChatMessage> out = PromptCompactor.compact(List.of(user("Thanks!\n\n" + boiler), user("Thanks!"), user(boiler)));
        assertEquals("Thanks!", out.get(1).getContent(), "short paragraphs may repeat");
        assertEquals(boiler, out.get(2).getContent(), "a message made only of a repeat is kept whole");
    }

    @Test
    void anUnchangedMessageIsTheSameObject() {
        ChatMessage clean = user("What is a tuple?");
        assertSame(clean, PromptCompactor.compact(List.of(clean)).get(0));
    }
}
