package dev.llmops.guardrail.output;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import com.networknt.schema.regex.RegularExpression;
import com.networknt.schema.regex.RegularExpressionFactory;

/**
 * JSON Schema {@code pattern} and {@code patternProperties} on RE2/J: the schema comes from the caller and the text
 * from a model, so a backtracking engine would let one schema ("(a+)+$") stall a thread. RE2 has no look-around or
 * back-references; a schema that uses them is rejected as invalid.
 */
final class Re2RegularExpressionFactory implements RegularExpressionFactory {
    static final Re2RegularExpressionFactory INSTANCE = new Re2RegularExpressionFactory();

    @Override
    public RegularExpression getRegularExpression(String regex) {
        try {
            Pattern p = Pattern.compile(regex);
            return value -> p.matcher(value).find();
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("schema pattern '" + regex + "' is not supported (RE2 syntax: no "
                    + "look-around, no back-references): " + e.getDescription());
        }
    }
}
