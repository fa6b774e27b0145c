package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * Credentials: cloud and SaaS key formats (prefix-anchored, so nearly free of false alarms), PEM private keys,
 * JWTs, connection strings with a password, {@code password=...} assignments, and high-entropy tokens. Each
 * format is gated by a literal that must be present, so a text without one costs one {@code indexOf} per format.
 */
public final class SecretScanner implements Scanner {
    public static final String NAME = "secret";

    /** Gate literals separated by '|' (case-sensitive, one must occur; "" = always), finding type, score, pattern. */
    private record Format(String[] gates, String type, double score, Pattern pattern) {
        boolean gated(String text) {
            for (String g : gates) {
                if (text.contains(g)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final List<Format> FORMATS = List.of(
            // Cloud
            f("AKIA|ASIA|ABIA|ACCA", FindingTypes.API_KEY, 0.95, "\\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\\b"), // AWS
            f("AIza", FindingTypes.API_KEY, 0.95, "\\bAIza[0-9A-Za-z_\\-]{35}\\b"), // Google API key
            f("AccountKey=", FindingTypes.API_KEY, 0.95, "AccountKey=[A-Za-z0-9+/]{86}==?"), // Azure storage
            f("SharedAccessSignature", FindingTypes.API_KEY, 0.9, "SharedAccessSignature=[^;\\s]{20,}"),
            // Code hosting, CI, registries
            f("gh", FindingTypes.API_KEY, 0.95, "\\bgh[pousr]_[A-Za-z0-9]{36,255}\\b"),
            f("github_pat_", FindingTypes.API_KEY, 0.95, "\\bgithub_pat_[A-Za-z0-9_]{22,255}\\b"),
            f("glpat-", FindingTypes.API_KEY, 0.95, "\\bglpat-[A-Za-z0-9_\\-]{20,}\\b"),
            f("npm_", FindingTypes.API_KEY, 0.9, "\\bnpm_[A-Za-z0-9]{36}\\b"),
            f("pypi-", FindingTypes.API_KEY, 0.95, "\\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\\-]{50,}\\b"),
            // SaaS
            f("xox", FindingTypes.API_KEY, 0.95, "\\bxox[abposr]-[A-Za-z0-9\\-]{10,}\\b"),
            f("hooks.slack.com", FindingTypes.API_KEY, 0.9,
                    "https://hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"),
            f("_live_", FindingTypes.API_KEY, 0.95, "\\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\\b"), // Stripe
            f("_test_", FindingTypes.API_KEY, 0.7, "\\b(?:sk|rk)_test_[A-Za-z0-9]{16,}\\b"),
            f("sk-", FindingTypes.API_KEY, 0.9, "\\bsk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)[0-9]{2}-)?"
                    + "[A-Za-z0-9_\\-]{20,}\\b"), // OpenAI, Anthropic
            f("hf_", FindingTypes.API_KEY, 0.9, "\\bhf_[A-Za-z0-9]{34,}\\b"), // Hugging Face
            f("SG.", FindingTypes.API_KEY, 0.95, "\\bSG\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9_\\-]{43}\\b"), // SendGrid
            f("SK", FindingTypes.API_KEY, 0.7, "\\bSK[0-9a-f]{32}\\b"), // Twilio
            f("shpat_", FindingTypes.API_KEY, 0.95, "\\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\\b"), // Shopify
            // Keys, tokens, URLs
            // The header only; the span is extended to the END line (or over the key's base64 lines) in scan().
            f("PRIVATE KEY", FindingTypes.PRIVATE_KEY, 1.0, "-----BEGIN[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----"),
            f("eyJ", FindingTypes.JWT, 0.9, "\\beyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]*"),
            f("://", FindingTypes.CONNECTION_STRING, 0.9, "\\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|"
                    + "rediss?|amqps?|mssql|sqlserver|oracle|jdbc:[a-z0-9]+|s?ftp|smtps?|ldaps?|https?)://"
                    + "[^\\s:/@]{1,128}:[^\\s@/]{1,256}@[^\\s\"'<>]{1,512}"),
            f("assword=", FindingTypes.CONNECTION_STRING, 0.9, "(?i)\\b(?:server|data source|host)=[^;\\s]+;"
                    + "[^\\n]{0,256}?(?:password|pwd)=[^;\\s]+"),
            f("", FindingTypes.PASSWORD, 0.8, "(?i)\\b(?:password|passwd|passphrase|pwd|secret|api[_\\-]?key|"
                    + "access[_\\-]?token|auth[_\\-]?token|client[_\\-]?secret)[\"']?\\s{0,3}[:=]\\s{0,3}[\"']?"
                    + "[^\\s\"',;]{6,128}"));

    private static final String[] ASSIGNMENT_WORDS = {"passw", "passphrase", "pwd", "secret", "api_key", "api-key",
        "apikey", "token"};
    private static final int MIN_TOKEN = 24;
    private static final int MAX_TOKEN = 256;
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final String[] SECRET_CONTEXT = {"key", "secret", "token", "password", "passwd", "credential",
        "bearer", "auth", "api", "signature", "private"};

    private static Format f(String gate, String type, double score, String regex) {
        return new Format(gate.isEmpty() ? new String[0] : gate.split("\\|"), type, score, Pattern.compile(regex));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = null;
        boolean assignment = (text.indexOf('=') >= 0 || text.indexOf(':') >= 0)
                && Windows.any(text.toLowerCase(java.util.Locale.ROOT), ASSIGNMENT_WORDS);
        for (Format format : FORMATS) {
            if (format.gates().length == 0 ? !assignment : !format.gated(text)) {
                continue;
            }
            Matcher m = format.pattern().matcher(text);
            while (m.find()) {
                int end = format.type().equals(FindingTypes.PRIVATE_KEY) ? keyEnd(text, m.end()) : m.end();
                out = add(out, new Detection(format.type(), m.start(), end, NAME, format.score()));
            }
        }
        out = highEntropy(text, out);
        return out == null ? List.of() : out;
    }

    /** End of a PEM key body: after its END line if one follows within 16 KiB, else after its base64 lines (a
     * truncated paste). */
    static int keyEnd(String text, int headerEnd) {
        int limit = Math.min(text.length(), headerEnd + 16384);
        int endMarker = text.indexOf("-----END", headerEnd);
        if (endMarker >= 0 && endMarker < limit) {
            int close = text.indexOf("-----", endMarker + 8);
            if (close >= 0 && close < limit) {
                return close + 5;
            }
        }
        int i = headerEnd;
        while (i < limit) {
            char c = text.charAt(i);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
                    || c == '=' || c == '\n' || c == '\r') {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    /**
     * Long runs of base64/hex-alphabet chars with high Shannon entropy and mixed character classes: random tokens,
     * not words or numbers. 0.85 with a secret word shortly before, else 0.6. UUIDs and hex digests shorter than 32
     * are skipped (identifiers, not credentials).
     */
    private static List<Detection> highEntropy(String text, List<Detection> out) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (!tokenChar(text.charAt(i))) {
                i++;
                continue;
            }
            int s = i;
            while (i < n && tokenChar(text.charAt(i))) {
                i++;
            }
            int e = i;
            while (e < n && e - i < 2 && text.charAt(e) == '=') {
                e++;
            }
            if (i - s < MIN_TOKEN || i - s > MAX_TOKEN) {
                continue;
            }
            if (covered(out, s, e)) {
                continue; // already a known format (a key, a JWT...): one finding, the more specific one
            }
            String token = text.substring(s, e);
            if (UUID.matcher(token).find() || !mixed(token)) {
                continue;
            }
            double h = entropy(token);
            boolean hex = token.chars().allMatch(c -> Character.digit(c, 16) >= 0);
            double needed = hex ? 3.0 : 4.0;
            if (h < needed || (hex && token.length() < 32)) {
                continue;
            }
            boolean context = ContextWords.any(ContextWords.before(text, s, 32), SECRET_CONTEXT);
            out = add(out, new Detection(FindingTypes.HIGH_ENTROPY_TOKEN, s, e, NAME, context ? 0.85 : 0.6));
        }
        return out;
    }

    private static boolean tokenChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
                || c == '_' || c == '-';
    }

    private static boolean covered(List<Detection> found, int s, int e) {
        if (found != null) {
            for (Detection d : found) {
                if (d.start() < e && s < d.end()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Letters and digits both present: "internationalisation_and_localisation" is long but not a token. */
    private static boolean mixed(String t) {
        boolean digit = false;
        boolean letter = false;
        int upper = 0;
        int lower = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c >= 'a' && c <= 'z') {
                letter = true;
                lower++;
            } else if (c >= 'A' && c <= 'Z') {
                letter = true;
                upper++;
            }
        }
        return digit && letter && (upper == 0 || lower == 0 || (upper >= 3 && lower >= 3));
    }

    static double entropy(String s) {
        int[] counts = new int[128];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            counts[c < 128 ? c : 127]++;
        }
        double h = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / s.length();
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        return h;
    }

    private static List<Detection> add(List<Detection> out, Detection d) {
        List<Detection> list = out == null ? new ArrayList<>(2) : out;
        list.add(d);
        return list;
    }
}
