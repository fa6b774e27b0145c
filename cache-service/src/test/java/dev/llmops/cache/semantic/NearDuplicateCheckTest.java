package dev.llmops.cache.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class NearDuplicateCheckTest {
    final NearDuplicateCheck check = new NearDuplicateCheck();

    @Test
    void eachKindOfDifferenceIsNamed() {
        assertEquals("number", check.reject("Convert 5 km to miles", "Convert 8 km to miles"));
        assertEquals("number", check.reject("Split it between three people", "Split it between five people"));
        assertEquals("negation", check.reject("Why does my code compile?", "Why doesn't my code compile?"));
        assertEquals("direction", check.reject("How do I minimize the window?", "How do I maximize the window?"));
        assertEquals("direction", check.reject("Convert Celsius to Fahrenheit", "Convert Fahrenheit to Celsius"));
        assertEquals("direction", check.reject("Convert a string to a list", "Convert a list to a string"));
        assertEquals("entity", check.reject("What is the capital of France?", "What is the capital of Germany?"));
        assertEquals("entity", check.reject("Install it with \"npm ci\"", "Install it with \"npm install\""));
        assertEquals("substitution", check.reject("How do I reset my password?", "How do I reset my username?"));
    }

    @Test
    void rephrasingsPass() {
        assertNull(check.reject("How can I reset my password?", "How do I reset my password?"));
        assertNull(check.reject("What's the capital city of France?", "What is the capital of France?"));
        assertNull(check.reject("Who is the author of Pride and Prejudice?", "Who wrote Pride and Prejudice?"));
        assertNull(check.reject("How do I fix a leaking tap?", "How do I repair a leaking tap?"));
        assertNull(check.reject("How much water should I drink every day?", "How much water should I drink per day?"));
        assertNull(check.reject("Quick question: why is France's capital Paris?", "Why is the capital of France Paris?"));
    }

    @Test
    void noiseDoesNotCrash() {
        assertNull(check.reject("", ""));
        assertNull(check.reject("???", "!!!"));
        check.reject("\"unterminated quote", "C++ vs C# 3.5.1 node.js __init__ 1,000");
    }
}
