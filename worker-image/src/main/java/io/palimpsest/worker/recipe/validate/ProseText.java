package io.palimpsest.worker.recipe.validate;

import java.util.regex.Pattern;

/**
 * The prose of a text, for language detection: URLs, e-mail addresses, code, HTML tags and entities,
 * and Markdown's link targets and markup removed. Those are the same in every language and full of
 * letter sequences ("github", "badge", "svg", "docs") that push a detector toward whichever language
 * their n-grams happen to resemble: an English README opened by badges and links was read as Dutch.
 */
final class ProseText {

    private static final Pattern FENCED_CODE = Pattern.compile("(?s)```.*?(```|$)|~~~.*?(~~~|$)");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`\\n]*`");
    /** {@code [text](target)} and {@code ![alt](target)}: the text stays, the target goes (innermost first). */
    private static final Pattern MARKDOWN_LINK =
            Pattern.compile("!?\\[([^\\[\\]\\n]*)\\]\\([^)\\s]*(?:\\s+\"[^\"]*\")?\\)");

    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("(?m)^\\s*\\[[^\\]\\n]+\\]:\\s*\\S+.*$");
    private static final Pattern URL = Pattern.compile("\\b(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\\.)\\S+");
    private static final Pattern EMAIL = Pattern.compile("\\S+@\\S+\\.\\w+");
    private static final Pattern HTML_TAG = Pattern.compile("</?[a-zA-Z][^<>]{0,300}>|<!--.*?-->");
    private static final Pattern HTML_ENTITY = Pattern.compile("&(?:[a-zA-Z]{2,8}|#\\d{1,6}|#x[0-9a-fA-F]{1,6});");
    private static final Pattern MARKUP = Pattern.compile("[#*_>|~=`\\[\\](){}<\\\\]+");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private ProseText() {}

    static String of(String text) {
        String prose = FENCED_CODE.matcher(text).replaceAll(" ");
        prose = INLINE_CODE.matcher(prose).replaceAll(" ");
        prose = REFERENCE_DEFINITION.matcher(prose).replaceAll(" ");
        // twice: a badge is an image inside a link
        prose = MARKDOWN_LINK.matcher(prose).replaceAll(" $1 ");
        prose = MARKDOWN_LINK.matcher(prose).replaceAll(" $1 ");
        prose = HTML_TAG.matcher(prose).replaceAll(" ");
        prose = HTML_ENTITY.matcher(prose).replaceAll(" ");
        prose = URL.matcher(prose).replaceAll(" ");
        prose = EMAIL.matcher(prose).replaceAll(" ");
        prose = MARKUP.matcher(prose).replaceAll(" ");
        return SPACE.matcher(prose).replaceAll(" ").trim();
    }
}
