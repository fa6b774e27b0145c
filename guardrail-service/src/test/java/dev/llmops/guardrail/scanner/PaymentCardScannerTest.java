package dev.llmops.guardrail.scanner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PaymentCardScannerTest {

    @Test
    void luhnAcceptsKnownTestCardsAndRejectsOneDigitChanges() {
        for (String card : new String[] {"4111111111111111", "5500000000000004", "378282246310005",
                "6011111111111117", "4111-1111-1111-1111"}) {
            assertTrue(PaymentCardScanner.luhnValid(card, 0, card.length()), card);
        }
        assertFalse(PaymentCardScanner.luhnValid("4111111111111112", 0, 16));
        assertFalse(PaymentCardScanner.luhnValid("4111111111111121", 0, 16));
    }

    @Test
    void randomSixteenDigitNumbersAreFindingsExactlyWhenLuhnValid() {
        PaymentCardScanner scanner = new PaymentCardScanner();
        Random random = new Random(42);
        int valid = 0;
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder("1");
            for (int d = 1; d < 16; d++) {
                sb.append((char) ('0' + random.nextInt(10)));
            }
            String n = sb.toString();
            boolean luhn = PaymentCardScanner.luhnValid(n, 0, 16);
            valid += luhn ? 1 : 0;
            assertEquals(luhn ? 1 : 0, scanner.scan("id " + n + " end").size(), n);
        }
        // About one in ten random numbers passes Luhn.
        assertTrue(valid > 120 && valid < 280, "valid " + valid);
    }
}
