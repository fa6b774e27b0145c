package dev.llmops.cache.semantic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The second stage: given a query and a cached question whose embeddings are close, decides whether they can
 * share an answer. Embeddings put "minimize" next to "maximize" and "France" next to "Germany"; this check
 * rejects a pair that differs in a number, a negation, a direction (antonym groups, and swapped "from X to Y"),
 * a named entity (capitalised words, acronyms, code-like tokens, quoted text), or in one swapped content word
 * (the same sentence with one slot of content words changed, not for a known synonym). Plain string work: a few microseconds.
 */
public final class NearDuplicateCheck {

    /** Why a pair was rejected, or null when it may share an answer. */
    public String reject(String query, String cached) {
        Text a = Text.of(query);
        Text b = Text.of(cached);
        if (!a.numbers.equals(b.numbers)) {
            return "number";
        }
        if (a.negated != b.negated) {
            return "negation";
        }
        for (int g = 0; g < GROUPS.size(); g++) {
            int pa = a.polarity(g);
            int pb = b.polarity(g);
            if (pa != 0 && pb != 0 && pa != pb) {
                return "direction";
            }
        }
        if (a.swappedOrder(b)) {
            return "direction";
        }
        if (!a.entities.equals(b.entities)) {
            return "entity";
        }
        if (a.oneWordSwap(b)) {
            return "substitution";
        }
        return null;
    }

    // Each group: words of one polarity | words of the other. A trailing '*' matches a prefix.
    private static final List<String[][]> GROUPS = List.of(
            g("minim* min smallest least lowest fewest shortest", "maxim* max largest most highest biggest longest"),
            g("increas* raise raising rais* grow* more", "decreas* reduc* lower* shrink* less fewer"),
            g("before earlier", "after later"),
            g("above over", "below under"),
            g("ascend*", "descend*"),
            g("import*", "export*"),
            g("encrypt* encod*", "decrypt* decod*"),
            g("upload*", "download*"),
            g("buy* buying purchas*", "sell* selling sold"),
            g("enabl* activat*", "disabl* deactivat*"),
            g("add adds adding added insert* creat*", "remov* delet* drop*"),
            g("start* begin*", "stop* end ending finish*"),
            g("open*", "clos*"),
            g("left", "right"),
            g("north*", "south*"),
            g("east*", "west*"),
            g("true", "false"),
            g("input*", "output*"),
            g("send* sent", "receiv*"),
            g("push*", "pull*"),
            g("win win* won", "los* lost"),
            g("hot* warm*", "cold* cool*"),
            g("fast* quick*", "slow*"),
            g("cheap*", "expensiv*"),
            g("first", "last"),
            g("lock locks locking locked", "unlock*"),
            g("merg*", "split*"),
            g("compress*", "decompress*"),
            g("serializ* serialis*", "deserializ* deserialis*"),
            g("connect connects connecting connected", "disconnect*"),
            g("install installs installing installed", "uninstall*"),
            g("subscrib*", "unsubscrib*"),
            g("pros advantag* benefit*", "cons disadvantag* drawback*"),
            g("inner", "outer"),
            g("upper upper* uppercase", "lower lowercase"),
            g("positiv*", "negativ*"),
            g("accept*", "reject*"),
            g("allow*", "block* forbid* deny*"),
            g("public", "private"),
            g("client*", "server*"),
            g("senior*", "junior*"),
            g("in", "out"),
            g("on", "off"));

    private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "without", "none", "nothing",
            "nobody", "neither", "nor", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt",
            "werent", "wont", "shouldnt", "wouldnt", "couldnt", "havent", "hasnt", "unable");

    private static final Map<String, String> NUMBER_WORDS = new HashMap<>();

    static {
        String[] w = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
            "twenty"};
        for (int i = 0; i < w.length; i++) {
            NUMBER_WORDS.put(w[i], Integer.toString(i));
        }
        NUMBER_WORDS.put("thirty", "30");
        NUMBER_WORDS.put("forty", "40");
        NUMBER_WORDS.put("fifty", "50");
        NUMBER_WORDS.put("hundred", "100");
        NUMBER_WORDS.put("thousand", "1000");
        NUMBER_WORDS.put("million", "1000000");
        NUMBER_WORDS.put("billion", "1000000000");
        NUMBER_WORDS.put("half", "0.5");
        NUMBER_WORDS.put("twice", "2");
        NUMBER_WORDS.put("double", "2");
        NUMBER_WORDS.put("triple", "3");
    }

    private static final Set<String> STOP = Set.of("a", "an", "the", "is", "are", "was", "were", "be", "been",
            "do", "does", "did", "i", "me", "my", "we", "our", "you", "your", "it", "its", "this", "that", "these",
            "those", "to", "of", "in", "on", "for", "with", "at", "by", "from", "into", "as", "and", "or", "how",
            "what", "whats", "which", "who", "whom", "why", "when", "where", "can", "could", "should", "would",
            "will", "shall", "may", "might", "must", "there", "here", "some", "any", "about", "please", "tell",
            "explain", "way", "ways", "best", "good", "possible", "get", "go", "make", "if", "so", "than", "then",
            "just", "also", "have", "has", "had", "need", "want", "like", "use", "using", "s", "one", "thing",
            "difference", "between", "mean", "meaning", "step", "steps", "proper", "properly", "correct",
            "correctly", "exactly", "actually", "really", "give", "show", "know", "idea", "explanation", "help", "per",
            "every", "each", "all", "am", "getting", "people");

    // Content words that paraphrases swap for each other; a swap among them is not a different question.
    private static final List<Set<String>> SYNONYMS = List.of(
            Set.of("fix", "repair", "solve", "resolve", "troubleshoot"),
            Set.of("change", "modify", "update", "edit", "alter", "reset"),
            Set.of("build", "make", "create", "construct"),
            Set.of("car", "vehicle", "automobile"),
            Set.of("big", "large", "huge"),
            Set.of("small", "little", "tiny"),
            Set.of("begin", "start"),
            Set.of("learn", "study"),
            Set.of("picture", "photo", "image"),
            Set.of("film", "movie"),
            Set.of("doctor", "physician"),
            Set.of("job", "work", "career"),
            Set.of("purpose", "goal", "aim"),
            Set.of("quick", "fast", "rapid"),
            Set.of("error", "bug", "issue", "problem"),
            Set.of("choose", "pick", "select"),
            Set.of("cost", "price"),
            Set.of("speak", "talk"),
            Set.of("shut", "close"),
            Set.of("sick", "ill"),
            Set.of("kid", "child", "children", "kids"),
            Set.of("buy", "purchase"),
            Set.of("laptop", "computer", "pc"),
            Set.of("phone", "smartphone", "mobile"),
            Set.of("recipe", "cook", "prepare"),
            Set.of("define", "definition", "meaning", "mean"),
            Set.of("improve", "boost", "enhance", "increase"),
            Set.of("avoid", "prevent"),
            Set.of("cause", "reason"),
            Set.of("write", "compose"),
            Set.of("check", "verify", "test"),
            Set.of("delete", "remove", "erase"),
            Set.of("run", "execute"),
            Set.of("list", "enumerate"));

    private static String[][] g(String one, String other) {
        return new String[][] {one.split(" "), other.split(" ")};
    }

    private static boolean matches(String word, String pattern) {
        return pattern.endsWith("*") ? word.startsWith(pattern.substring(0, pattern.length() - 1))
                : word.equals(pattern);
    }

    private static final class Text {
        final List<String> words = new ArrayList<>();
        final Set<String> numbers = new HashSet<>();
        final Set<String> entities = new HashSet<>();
        final Set<String> content = new HashSet<>();
        boolean negated;

        static Text of(String raw) {
            Text t = new Text();
            boolean sentenceStart = true;
            boolean inQuote = false;
            StringBuilder quoted = new StringBuilder();
            int i = 0;
            int n = raw.length();
            while (i < n) {
                char c = raw.charAt(i);
                if (c == '"' || c == '`' || c == '\u201c' || c == '\u201d') {
                    if (inQuote && quoted.length() > 0) {
                        t.entities.add("\"" + quoted.toString().strip().toLowerCase(Locale.ROOT));
                    }
                    inQuote = !inQuote;
                    quoted.setLength(0);
                    i++;
                    continue;
                }
                if (Character.isLetterOrDigit(c)) {
                    int start = i;
                    // A token: letters/digits joined by inner . _ / # + - ' (node.js, C#, C++, don't, 3.5).
                    while (i < n) {
                        char d = raw.charAt(i);
                        if (Character.isLetterOrDigit(d)) {
                            i++;
                        } else if ((d == '.' || d == '_' || d == '/' || d == '-' || d == '\'' || d == '\u2019'
                                || d == ',') && i + 1 < n && Character.isLetterOrDigit(raw.charAt(i + 1))) {
                            i++;
                        } else if ((d == '#' || d == '+') && i > start) {
                            i++;
                        } else {
                            break;
                        }
                    }
                    String tok = raw.substring(start, i);
                    if (inQuote) {
                        quoted.append(tok).append(' ');
                    }
                    t.token(tok, sentenceStart);
                    sentenceStart = false;
                    continue;
                }
                if (c == '.' || c == '?' || c == '!' || c == ':' || c == '\n') {
                    sentenceStart = true;
                }
                i++;
            }
            return t;
        }

        void token(String tok, boolean sentenceStart) {
            String lower = tok.toLowerCase(Locale.ROOT).replace('\u2019', '\'');
            if (lower.endsWith("'s")) {
                lower = lower.substring(0, lower.length() - 2);
                tok = tok.substring(0, tok.length() - 2);
            }
            String plain = lower.replace("'", "");
            boolean hasDigit = false;
            boolean special = false;
            for (int k = 0; k < lower.length(); k++) {
                char c = lower.charAt(k);
                hasDigit |= Character.isDigit(c);
                special |= c == '.' || c == '_' || c == '/' || c == '#' || c == '+';
            }
            if (hasDigit) {
                numbers.add(plain.replace(",", ""));
            } else if (NUMBER_WORDS.containsKey(plain)) {
                numbers.add(NUMBER_WORDS.get(plain));
            }
            if (NEGATIONS.contains(plain) || plain.endsWith("nt") && lower.endsWith("n't")) {
                negated = true;
            }
            boolean capital = Character.isUpperCase(tok.charAt(0)) && !sentenceStart && !tok.equals("I");
            boolean acronym = tok.length() >= 2 && tok.chars().filter(Character::isLetter).allMatch(Character::isUpperCase)
                    && tok.chars().anyMatch(Character::isLetter);
            if ((capital || acronym || special) && !STOP.contains(plain)) {
                entities.add(plain);
            }
            words.add(plain);
            if (!STOP.contains(plain) && !NEGATIONS.contains(plain) && !hasDigit) {
                content.add(stem(plain));
            }
        }

        /** 0: no word of the group; 1 or 2: the polarity present (both present counts as none). */
        int polarity(int g) {
            String[][] grp = GROUPS.get(g);
            boolean one = false;
            boolean two = false;
            for (String w : words) {
                for (String p : grp[0]) {
                    one |= matches(w, p);
                }
                for (String p : grp[1]) {
                    two |= matches(w, p);
                }
            }
            return one == two ? 0 : one ? 1 : 2;
        }

        /** "X to Y" in one and "Y to X" in the other (conversions, translations, transfers). */
        boolean swappedOrder(Text o) {
            String[] mine = aroundTo();
            String[] theirs = o.aroundTo();
            if (mine == null || theirs == null) {
                return false;
            }
            return mine[0].equals(theirs[1]) && mine[1].equals(theirs[0]) && !mine[0].equals(mine[1]);
        }

        /** The nearest content words before and after the first "to"/"into". */
        private String[] aroundTo() {
            for (int k = 1; k + 1 < words.size(); k++) {
                String w = words.get(k);
                if (w.equals("to") || w.equals("into")) {
                    String before = null;
                    for (int j = k - 1; j >= 0 && before == null; j--) {
                        before = STOP.contains(words.get(j)) ? null : words.get(j);
                    }
                    String after = null;
                    for (int j = k + 1; j < words.size() && after == null; j++) {
                        after = STOP.contains(words.get(j)) ? null : words.get(j);
                    }
                    return before == null || after == null ? null : new String[] {before, after};
                }
            }
            return null;
        }

        /**
         * The same sentence with one slot changed: after the common beginning and end, what is left on each side
         * is 1 to 3 words, all content words, and not synonyms ("reset my password" / "reset my username").
         * A rephrasing also changes function words or the order, so it does not match this.
         */
        boolean oneWordSwap(Text o) {
            List<String> x = words;
            List<String> y = o.words;
            int p = 0;
            while (p < x.size() && p < y.size() && x.get(p).equals(y.get(p))) {
                p++;
            }
            int s = 0;
            while (s < x.size() - p && s < y.size() - p
                    && x.get(x.size() - 1 - s).equals(y.get(y.size() - 1 - s))) {
                s++;
            }
            List<String> mx = x.subList(p, x.size() - s);
            List<String> my = y.subList(p, y.size() - s);
            if (mx.isEmpty() || my.isEmpty() || mx.size() > 3 || my.size() > 3) {
                return false;
            }
            for (String w : mx) {
                if (STOP.contains(w)) {
                    return false;
                }
            }
            for (String w : my) {
                if (STOP.contains(w)) {
                    return false;
                }
            }
            if (mx.size() == 1 && my.size() == 1) {
                for (Set<String> syn : SYNONYMS) {
                    if (containsStem(syn, stem(mx.get(0))) && containsStem(syn, stem(my.get(0)))) {
                        return false;
                    }
                }
            }
            return true;
        }

        private static boolean containsStem(Set<String> set, String stem) {
            for (String s : set) {
                if (stem(s).equals(stem)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A crude suffix strip, enough to match "installing" with "install" and "cars" with "car". */
    static String stem(String w) {
        if (w.length() > 5 && w.endsWith("ing")) {
            return w.substring(0, w.length() - 3);
        }
        if (w.length() > 4 && w.endsWith("ed")) {
            return w.substring(0, w.length() - 2);
        }
        if (w.length() > 4 && w.endsWith("es")) {
            return w.substring(0, w.length() - 2);
        }
        if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) {
            return w.substring(0, w.length() - 1);
        }
        return w;
    }
}
