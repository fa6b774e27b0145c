package dev.llmops.guardrail.scanner;

import com.google.common.net.InetAddresses;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * IPv4 (dotted quad, octets 0-255, no leading zeros, not inside a longer dotted number such as a version
 * "1.2.3.4.5") and IPv6 (any RFC 4291 text form, validated by Guava's parser, which never does DNS). Loopback,
 * unspecified and documentation-only addresses are still reported; "version" just before lowers the score.
 */
public final class IpAddressScanner implements Scanner {
    public static final String NAME = "ip-address";

    private static final Pattern V4 = Pattern.compile(
            "\\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\b");
    private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = null;
        List<int[]> v4 = windowsAround(text, '.', 16);
        for (int[] w : v4) {
            Matcher m = V4.matcher(text.subSequence(w[0], w[1]));
            while (m.find()) {
                int s = w[0] + m.start();
                int e = w[0] + m.end();
                if ((s > 0 && (text.charAt(s - 1) == '.' || Character.isDigit(text.charAt(s - 1))))
                        || (e + 1 < text.length() && text.charAt(e) == '.' && Character.isDigit(text.charAt(e + 1)))) {
                    continue;
                }
                if (s > 0 && text.charAt(s - 1) == ':') {
                    continue; // the tail of an IPv6 address such as ::ffff:1.2.3.4, found below
                }
                double score = ContextWords.any(ContextWords.before(text, s, 20), "version", " v", "release") ? 0.4
                        : 0.8;
                if (score >= 0.5) {
                    out = add(out, new Detection(FindingTypes.IP_ADDRESS, s, e, NAME, score));
                }
            }
        }
        for (int[] w : windowsAround(text, ':', 48)) {
            Matcher m = V6.matcher(text.subSequence(w[0], w[1]));
            while (m.find()) {
                int s = w[0] + m.start();
                int e = w[0] + m.end();
                String candidate = text.substring(s, e);
                // Trim a trailing dot or colon that belongs to the sentence ("at fe80::1.").
                while (candidate.endsWith(".") || (candidate.endsWith(":") && !candidate.endsWith("::"))) {
                    candidate = candidate.substring(0, candidate.length() - 1);
                    e--;
                }
                boolean glued = s > 0 && Character.isLetterOrDigit(text.charAt(s - 1));
                if ((glued || !InetAddresses.isInetAddress(candidate)) && candidate.indexOf(':') > 0) {
                    // "v6:fe80::1": the run began inside a word; retry from after its first colon.
                    int k = candidate.indexOf(':') + 1;
                    candidate = candidate.substring(k);
                    s += k;
                }
                if (candidate.length() < 3 || candidate.equals("::") || countColons(candidate) < 2
                        || !InetAddresses.isInetAddress(candidate)
                        || (s > 0 && Character.isLetterOrDigit(text.charAt(s - 1)))) {
                    continue;
                }
                if (isClockTime(candidate)) {
                    continue;
                }
                out = add(out, new Detection(FindingTypes.IP_ADDRESS, s, e, NAME, 0.85,
                        InetAddresses.toAddrString(InetAddresses.forString(candidate)).toLowerCase(Locale.ROOT)));
            }
        }
        return out == null ? List.of() : out;
    }

    /**
     * Merged windows of {@code radius} chars around each {@code sep} that has a hex digit (or another separator) on
     * both sides: where an address can be. Prose full stops and "Note:" colons do not qualify.
     */
    private static List<int[]> windowsAround(String text, char sep, int radius) {
        List<int[]> out = null;
        int n = text.length();
        for (int at = text.indexOf(sep); at >= 0; at = text.indexOf(sep, at + 1)) {
            if (at == 0 || at + 1 >= n || !addressChar(text.charAt(at - 1), sep) || !addressChar(text.charAt(at + 1), sep)) {
                continue;
            }
            int s = Math.max(0, at - radius);
            int e = Math.min(n, at + radius);
            if (out == null) {
                out = new ArrayList<>();
            }
            if (!out.isEmpty() && out.get(out.size() - 1)[1] >= s) {
                out.get(out.size() - 1)[1] = e;
            } else {
                out.add(new int[] {s, e});
            }
        }
        return out == null ? List.of() : out;
    }

    private static boolean addressChar(char c, char sep) {
        return sep == '.' ? (c >= '0' && c <= '9') : (Character.digit(c, 16) >= 0 || c == ':');
    }

    private static int countColons(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            n += s.charAt(i) == ':' ? 1 : 0;
        }
        return n;
    }

    /** "10:30:00" is a time, not an address; Guava rejects it anyway, this is belt and braces. */
    private static boolean isClockTime(String s) {
        return s.matches("[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?");
    }

    private static List<Detection> add(List<Detection> out, Detection d) {
        List<Detection> list = out == null ? new ArrayList<>(2) : out;
        list.add(d);
        return list;
    }
}
