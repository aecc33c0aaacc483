package io.palimpsest.worker.recipe.template;

import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.Turn;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a call's templates read anything of the document: a prompt that names none of the
 * variables bound per document ({@code text}, {@code document}, {@code id}, {@code meta},
 * {@code previous}, {@code stages}, {@code numbered}, {@code chunk}; a judge's {@code source} and
 * {@code output}; {@code params} when a stage writes them) sends the same request for every
 * document, so every output would be the same whatever the corpus. The names are read from the
 * expressions and tags of every template the call renders (system, few-shot turns and user of a
 * chat call; a completion or render alone, as nothing else of theirs is sent), outside string
 * literals, comments and raw blocks, and not after a dot (an attribute).
 */
public final class DocumentReads {
    /** The variables {@link TemplateVariables#of} binds from the document, its unit or its earlier calls. */
    static final Set<String> PER_DOCUMENT =
            Set.of("text", "document", "id", "meta", "previous", "stages", "numbered", "chunk");

    private static final Pattern RAW =
            Pattern.compile("\\{%-?\\s*raw\\s*-?%}.*?\\{%-?\\s*endraw\\s*-?%}", Pattern.DOTALL);
    private static final Pattern COMMENT = Pattern.compile("\\{#.*?#}", Pattern.DOTALL);
    private static final Pattern CODE = Pattern.compile("\\{\\{(.*?)}}|\\{%(.*?)%}", Pattern.DOTALL);
    private static final Pattern STRING = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern NAME = Pattern.compile("(?<![\\w.])([A-Za-z_]\\w*)");

    private DocumentReads() {}

    /** True when some template of {@code t} names a variable bound per document in {@code scope}. */
    public static boolean readsDocument(PromptTemplate t, TemplateScope scope) {
        Set<String> perDocument = new LinkedHashSet<>(PER_DOCUMENT);
        if (scope.judge()) {
            perDocument.add("source");
            perDocument.add("output");
        }
        if (scope.anyParams()) {
            perDocument.add("params"); // a stage writes them, from the document
        }
        for (String template : templates(t)) {
            for (String name : names(template)) {
                if (perDocument.contains(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The field that makes the call (user, completion or render), for messages; user when none is set. */
    public static String callField(PromptTemplate t) {
        return t.getRender() != null ? "render" : t.getCompletion() != null ? "completion" : "user";
    }

    /** The top-level names the expressions and tags of one template use (filters and keywords included). */
    static Set<String> names(String template) {
        Set<String> out = new LinkedHashSet<>();
        if (template == null) {
            return out;
        }
        String code = COMMENT.matcher(RAW.matcher(template).replaceAll(" ")).replaceAll(" ");
        Matcher m = CODE.matcher(code);
        while (m.find()) {
            String inside = m.group(1) != null ? m.group(1) : m.group(2);
            Matcher name = NAME.matcher(STRING.matcher(inside).replaceAll(" "));
            while (name.find()) {
                out.add(name.group(1));
            }
        }
        return out;
    }

    /** The templates the call renders: a completion or render alone (a system prompt beside it is not sent). */
    private static List<String> templates(PromptTemplate t) {
        List<String> out = new ArrayList<>();
        if (t.getRender() != null || t.getCompletion() != null) {
            out.add(t.getRender() != null ? t.getRender() : t.getCompletion());
            return out;
        }
        out.add(t.getSystem());
        if (t.getFewShot() != null) {
            for (Turn turn : t.getFewShot()) {
                out.add(turn.getContent());
            }
        }
        out.add(t.getUser());
        out.add(t.getCompletion());
        out.add(t.getRender());
        return out;
    }
}
