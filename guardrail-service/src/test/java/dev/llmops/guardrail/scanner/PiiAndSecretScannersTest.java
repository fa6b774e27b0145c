package dev.llmops.guardrail.scanner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.guardrail.Detection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules behind each new scanner, on exact inputs: checksums, structural rules, context words. */
class PiiAndSecretScannersTest {

    private static List<String> types(Scanner s, String text) {
        return s.scan(text).stream().map(Detection::type).toList();
    }

    private static String span(Scanner s, String text) {
        Detection d = s.scan(text).get(0);
        return text.substring(d.start(), d.end());
    }

    @Test
    void ibanNeedsMod97AndTheCountryLength() {
        IbanScanner s = new IbanScanner();
        assertTrue(IbanScanner.mod97("DE89370400440532013000"));
        assertFalse(IbanScanner.mod97("DE89370400440532013001"));
        assertEquals("DE89 3704 0044 0532 0130 00", span(s, "to DE89 3704 0044 0532 0130 00 now"));
        assertEquals(List.of(), types(s, "to DE89 3704 0044 0532 0130 01 now")); // check digits wrong
        assertEquals(List.of(), types(s, "DE8937040044053201300")); // one char short for DE
    }

    @Test
    void ssnSurvivesFullWidthDigitsAndSeveralDigitRuns() {
        UsSsnScanner s = new UsSsnScanner();
        // Both used to fail: the first spun forever, the second threw UnsupportedOperationException.
        assertEquals(List.of(), types(s, "call \uff14\uff11\uff15 \uff15\uff15\uff15 \uff12\uff16\uff17\uff11"));
        assertEquals(List.of("US_SSN"), types(s, "order 123456789012, SSN 536-22-1234"));
    }

    @Test
    void phoneSkipsRunsThatCannotParseButKeepsRealNumbers() {
        PhoneScanner s = new PhoneScanner("US");
        assertTrue(s.cannotParse("id #48213-1764921530123456789", 4, 29)); // 24 digits, starts with 4
        assertFalse(s.cannotParse("id #18213-1764921530123456789", 4, 29)); // 1 may be the country code
        assertFalse(s.cannotParse("x 4155552671", 2, 12)); // 10 digits
        assertFalse(s.cannotParse("5 48213-1764921530123456789", 2, 27)); // a digit nearby
        assertEquals(List.of("PHONE"), types(s, "call 415-555-2671 or #48213-1764921530123456789"));
        assertEquals(List.of(), types(s, "What is the capital of France? #48213-1764921530123456789"));
    }

    @Test
    void ssnFollowsTheAreaGroupSerialRulesAndContext() {
        UsSsnScanner s = new UsSsnScanner();
        assertEquals(0.6, s.scan("id 536-22-8195").get(0).score());
        assertEquals(0.9, s.scan("my SSN is 536-22-8195").get(0).score());
        assertEquals(List.of(), types(s, "id 666-22-8195")); // area 666
        assertEquals(List.of(), types(s, "id 912-22-8195")); // area 9xx
        assertEquals(List.of(), types(s, "id 536-00-8195")); // group 00
        assertEquals(List.of(), types(s, "id 536-22-0000")); // serial 0000
        assertEquals(List.of(), types(s, "order 536-22-8195")); // context lowers it under the threshold
        assertEquals(List.of(), types(s, "ref 536228195")); // nine bare digits need a context word
        assertEquals(List.of("US_SSN"), types(s, "SSN: 536228195"));
    }

    @Test
    void ipAddressesV4AndV6ButNotVersionsOrTimes() {
        IpAddressScanner s = new IpAddressScanner();
        assertEquals("192.168.1.20", span(s, "host 192.168.1.20."));
        assertEquals("2001:db8::1", span(s, "addr 2001:db8::1 ok"));
        assertEquals("fe80::1", span(s, "ipv6:fe80::1"));
        assertEquals(List.of(), types(s, "version 1.2.3.4.5"));
        assertEquals(List.of(), types(s, "at 10:30:00 sharp"));
        assertEquals(List.of(), types(s, "octet 256.1.1.1"));
    }

    @Test
    void datesAreBirthDatesOnlyInContext() {
        DateOfBirthScanner s = new DateOfBirthScanner();
        assertEquals("March 3, 1990", span(s, "DOB March 3, 1990."));
        assertEquals("1979-03-02", span(s, "Date of birth: 1979-03-02"));
        assertEquals(List.of(), types(s, "The meeting is on 14/07/2024."));
    }

    @Test
    void namesFromTitlesIntroductionsAndTheDictionary() {
        PersonNameScanner s = new PersonNameScanner();
        assertEquals("Jonathan Whitaker", span(s, "Hi, my name is Jonathan Whitaker and I need help"));
        assertEquals("Raman", span(s, "ask Dr. Raman directly"));
        assertEquals("Michael Brown", span(s, "notes: Michael Brown will call"));
        assertEquals(List.of(), types(s, "I am Happy to help. Will you come in May?"));
    }

    @Test
    void streetAddressesByShape() {
        StreetAddressScanner s = new StreetAddressScanner();
        assertEquals("221B Baker Street, London NW1 6XE", span(s, "at 221B Baker Street, London NW1 6XE."));
        assertEquals("Hauptstraße 12a, 10115 Berlin", span(s, "an Hauptstraße 12a, 10115 Berlin bitte"));
        assertEquals(List.of(), types(s, "I love the Baker Street museum"));
    }

    @Test
    void secretsByFormatAndEntropy() {
        SecretScanner s = new SecretScanner();
        assertEquals(List.of("API_KEY"), types(s, "key AKIAQ3EGRTYX7EXAMPLE here"));
        assertEquals(List.of("JWT"), types(s, "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcDEF123_-xyz"));
        assertEquals(List.of("CONNECTION_STRING"), types(s, "postgres://app:s3cret@db:5432/x"));
        String pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----";
        assertEquals(pem, span(s, "key:\n" + pem + "\nthanks"));
        assertEquals(List.of("HIGH_ENTROPY_TOKEN"), types(s, "token 9fK2xQ7vLp3ZtR8mWc4NbH6yJd1Sg5Ae"));
        assertEquals(0.85, s.scan("token 9fK2xQ7vLp3ZtR8mWc4NbH6yJd1Sg5Ae").get(0).score());
        // Identifiers and words are not secrets.
        assertEquals(List.of(), types(s, "job 123e4567-e89b-12d3-a456-426614174000 done"));
        assertEquals(List.of(), types(s, "internationalisation_and_localisation_settings"));
        assertTrue(SecretScanner.entropy("aaaaaaaa") < 0.01);
    }
}
