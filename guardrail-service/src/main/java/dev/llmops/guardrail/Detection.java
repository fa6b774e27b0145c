package dev.llmops.guardrail;

/**
 * One thing a scanner found in one text.
 *
 * @param type finding type, e.g. {@code EMAIL}; the policy keys actions on it
 * @param start start index in UTF-16 chars of the scanned text (inclusive)
 * @param end end index in UTF-16 chars (exclusive)
 * @param scanner the scanner's name
 * @param score confidence in [0, 1]
 * @param canonical a normalised form of the matched value (e.g. E.164 for phones) so that one value written two
 *     ways gets one placeholder; {@code null} to use the matched text as is. Sensitive: never log it.
 * @param detail why, for findings whose type alone does not say it (e.g. a schema violation); never matched text
 */
public record Detection(String type, int start, int end, String scanner, double score, String canonical,
        String detail) {

    public Detection {
        // Empty spans are allowed only for whole-text findings about an empty text (e.g. an empty JSON answer).
        if (start < 0 || end < start || (end == start && start != 0)) {
            throw new IllegalArgumentException("empty or negative span [" + start + ", " + end + ")");
        }
    }

    public Detection(String type, int start, int end, String scanner, double score, String canonical) {
        this(type, start, end, scanner, score, canonical, null);
    }

    public Detection(String type, int start, int end, String scanner, double score) {
        this(type, start, end, scanner, score, null, null);
    }

    public int length() {
        return end - start;
    }

    public boolean overlaps(Detection other) {
        return start < other.end && other.start < end;
    }

    /** Never prints the canonical value: detections end up in logs and assertion messages. */
    @Override
    public String toString() {
        return type + "[" + start + "," + end + ") by " + scanner + " score " + score;
    }
}
