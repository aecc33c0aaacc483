package io.palimpsest.worker.text;

/**
 * Whether a text has nothing a reader would see: white space of any kind, including the no-break spaces
 * ({@code U+00A0}, {@code U+2007}, {@code U+202F}) that {@link String#isBlank()} counts as characters, and
 * the invisible format characters (zero-width space and joiners, word joiner, a byte order mark) that
 * scraped pages are full of. A document of {@code &nbsp;} alone is as empty as one of spaces, and so is a
 * model's reply.
 */
public final class BlankText {
    private BlankText() {}

    public static boolean isBlank(CharSequence text) {
        for (int i = 0; i < text.length(); ) {
            int c = Character.codePointAt(text, i);
            if (!Character.isWhitespace(c) && !Character.isSpaceChar(c) && Character.getType(c) != Character.FORMAT) {
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }
}
