package dev.llmops.guardrail.text;

/**
 * Look-alike letters from other scripts mapped to the Latin letter they imitate: the subset of Unicode's
 * confusables.txt (UTS #39) that is used in practice to disguise English words (Cyrillic, Greek, a few symbols).
 * NFKD already handles full-width and mathematical letters; these are distinct letters NFKD leaves alone.
 */
final class Confusables {

    private static final char[] TABLE = new char[0x2200];

    static {
        put("аa бb вb гr дd еe ѐe ёe жx зз иu йu кk лn мm нh оo пn рp сc тt уy фф хx цu чч шw щw ъb ыbl ьb эз юю яr"
                + " ѕs іi їi јj ԁd ԛq ԝw һh ӏl үy ғf");
        put("АA ВB ЕE ЅS ІI ЈJ КK МM НH ОO РP СC ТT ХX УY ԜW ЗЗ");
        put("αa βb γy δd εe ζz ηn θo ιi κk λl μu νv οo πn ρp σo ςc τt υu φф χx ψψ ωw");
        put("ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX");
        put("ℓl ℮e ⅰi ⅴv ⅹx ıi ȷj ɑa ɡg ɩi ɪi ʏy ʀr ʜh ʟl ɴn ᴀa ᴄc ᴅd ᴇe ᴊj ᴋk ᴍm ᴏo ᴘp ᴛt ᴜu ᴠv ᴡw ᴢz");
    }

    private Confusables() {
    }

    /** Pairs "xy" separated by spaces: x maps to lower-case y. Pairs whose target is not ASCII are ignored. */
    private static void put(String pairs) {
        for (String pair : pairs.split(" ")) {
            if (pair.length() != 2) {
                continue;
            }
            char from = pair.charAt(0);
            char to = Character.toLowerCase(pair.charAt(1));
            if (to < 0x80 && from < TABLE.length) {
                TABLE[from] = to;
            }
        }
    }

    /** The Latin letter {@code cp} imitates, lower-case, or 0. */
    static char map(int cp) {
        return cp < TABLE.length ? TABLE[cp] : 0;
    }
}
