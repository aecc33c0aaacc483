package io.palimpsest.worker.recipe.template;

import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.Turn;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which keys of the stage results ({@code stages.*}) and stage-given parameters ({@code params.*})
 * a template read that the value lacks or holds empty. Jinja renders such a read as nothing, so a
 * reply without the field a prompt asks for ("## Improved code", {"genre": ...}) would give a prompt
 * with a hole that is still paid for and written; {@link PromptRenderer} refuses the render instead,
 * {@code parse_error} ({@link ReplyFieldMissing}).
 *
 * <p>A read that handles absence is not counted: {@code | default(...)}, {@code is defined} /
 * {@code is undefined} / {@code is none}, an {@code {% if %}} (or {@code and}/{@code or}/{@code not})
 * test of the key, a fallback after it ({@code stages.x.title or 'untitled'}), or {@code 'key' in stages.x}.
 *
 * <p>The document's metadata ({@code meta.*}) is watched the same way, for what Jinjava's strict
 * rendering does not see: it fails an expression whose value is nothing as a whole, so a field the
 * record lacks read as a filter's or test's argument ({@code replace(meta.wrod, "____")}), in a
 * concatenation or a comparison gave a value and rendered the record wrong without a word. Such a
 * read is the template's fault ({@code template_error}), as {@code {{ meta.titel }}} is, and the
 * same guards excuse it.
 *
 * <p>Stage and parameter names are the compile check's ({@link TemplateScope}): a template that
 * reads a stage no stage is, or a parameter fixed {@code matrix.parameters} do not give, never
 * reaches a document. Meeting one here is a bug of the engine ({@link IllegalStateException}).
 */
final class ReplyReads {
    /** Map methods a template may call ({@code stages.x.items()}): Jinja looks them up as keys first. */
    private static final Set<String> METHODS =
            Set.of("items", "keys", "values", "get", "size", "isEmpty", "containsKey", "entrySet", "keySet");

    private static final Pattern PATH = Pattern.compile(
            "\\b(?:stages|params|meta)(?:\\s*\\.\\s*[A-Za-z_]\\w*|\\s*\\[\\s*(['\"])[^'\"]*\\1\\s*\\])+");
    private static final Pattern STEP = Pattern.compile("[A-Za-z_]\\w*|(['\"])([^'\"]*)\\1");
    private static final Pattern GUARD_AFTER = Pattern.compile(
            "\\s*(?:\\|\\s*default\\b|\\|\\s*d\\b|is\\s+(?:not\\s+)?(?:defined|undefined|none)\\b|or\\b)");
    private static final Pattern GUARD_BEFORE = Pattern.compile("\\b(?:if|elif|and|or|not)\\s+$");
    private static final Pattern TEST_ENDS = Pattern.compile("\\s*(?:-?%}|and\\b|or\\b|else\\b|\\))");

    /** The keys every read of which handles absence, as "stages.review.improved_code". */
    private final Set<String> optional;

    private ReplyReads(Set<String> optional) {
        this.optional = optional;
    }

    /**
     * For the templates of {@code t}: a guard in one of them (the system prompt) holds for all.
     *
     * @param guards the guarded paths of one template's text (a cache of {@link #guarded})
     */
    static ReplyReads of(PromptTemplate t, Function<String, Set<String>> guards) {
        List<String> sources = new ArrayList<>();
        sources.add(t.getSystem());
        sources.add(t.getUser());
        sources.add(t.getCompletion());
        sources.add(t.getRender());
        if (t.getFewShot() != null) {
            for (Turn turn : t.getFewShot()) {
                sources.add(turn.getContent());
            }
        }
        Set<String> optional = new HashSet<>();
        for (String source : sources) {
            if (source != null) {
                optional.addAll(guards.apply(source));
            }
        }
        return new ReplyReads(optional);
    }

    /** The paths a template tests or defaults rather than reads outright. */
    static Set<String> guarded(String template) {
        Set<String> out = new HashSet<>();
        Matcher m = PATH.matcher(template);
        while (m.find()) {
            String before = template.substring(Math.max(0, m.start() - 12), m.start());
            boolean guarded = GUARD_BEFORE.matcher(before).find()
                    || GUARD_AFTER
                            .matcher(template)
                            .region(m.end(), template.length())
                            .lookingAt();
            if (guarded) {
                out.add(normalized(m.group()));
            }
        }
        return Set.copyOf(out);
    }

    /**
     * Whether some read of the bare name {@code name} in {@code template} handles its absence
     * ({@code name is defined}, {@code name | default(...)}, {@code if name}), as {@link #guarded} reads paths.
     */
    static boolean guardedName(String template, String name) {
        Matcher m = Pattern.compile("(?<![\\w.])" + Pattern.quote(name) + "\\b").matcher(template);
        while (m.find()) {
            String before = template.substring(Math.max(0, m.start() - 12), m.start());
            // "if name" tests the name itself only when nothing compares or filters it after ("if lnag == 'en'")
            boolean tested = GUARD_BEFORE.matcher(before).find()
                    && TEST_ENDS
                            .matcher(template)
                            .region(m.end(), template.length())
                            .lookingAt();
            if (tested
                    || GUARD_AFTER
                            .matcher(template)
                            .region(m.end(), template.length())
                            .lookingAt()) {
                return true;
            }
        }
        return false;
    }

    private static String normalized(String path) {
        Matcher step = STEP.matcher(path);
        List<String> parts = new ArrayList<>();
        while (step.find()) {
            parts.add(step.group(2) != null ? step.group(2) : step.group());
        }
        return String.join(".", parts);
    }

    /** One render's reads. */
    Reads start() {
        return new Reads();
    }

    /** A key a template read that the value lacks ({@code empty} false) or holds empty. */
    record Miss(String path, String name, boolean empty, List<String> present) {
        String describe() {
            return "'" + name + "'" + (empty ? " is empty" : " is missing") + " (it has: " + String.join(", ", present)
                    + ")";
        }
    }

    final class Reads {
        private final Set<Miss> missing = Collections.synchronizedSet(new LinkedHashSet<>());
        private final Set<Miss> absentFields = Collections.synchronizedSet(new LinkedHashSet<>());

        /**
         * The document's metadata, noting each top-level field read that the record lacks or holds
         * null; nested values are given as they are (Jinjava's strict rendering names those).
         */
        Map<String, Object> meta(Map<String, Object> meta) {
            return new FieldView(meta);
        }

        /** The first metadata field read that the record lacks or holds null, if one was. */
        Optional<Miss> absentField() {
            synchronized (absentFields) {
                return absentFields.stream().findFirst();
            }
        }

        Map<String, Object> stages(Map<String, Object> stages) {
            return new View(stages, "stages", "stages", true);
        }

        /**
         * @param fromStage whether a stage gave them; fixed parameters are the recipe's own, so an empty
         *                  one is meant
         */
        Map<String, Object> params(Map<String, Object> params, boolean fromStage) {
            return new View(params, "params", "params", fromStage);
        }

        /** The keys read but absent or empty, in the order read. */
        List<Miss> missing() {
            synchronized (missing) {
                return List.copyOf(missing);
            }
        }

        /**
         * Empty when every key read was there; else what the reply lacked: a field of a stage's reply,
         * a stage's empty reply, or a parameter the parameters stage did not give.
         *
         * @param paramsStage the stage the parameters come from ({@code matrix.fromStage}), or null
         * @throws IllegalStateException for a stage no stage is, a stage that has not run, or a fixed
         *                               parameter the matrix does not give: the compile check refuses
         *                               those names before any document
         */
        Optional<String> problem(String paramsStage) {
            List<Miss> all = missing();
            if (all.isEmpty()) {
                return Optional.empty();
            }
            Miss first = all.get(0);
            String[] parts = first.path().split("\\.", 3);
            String more = all.size() > 1 ? " (and " + (all.size() - 1) + " more)" : "";
            if (parts[0].equals("stages")) {
                if (parts.length == 2) {
                    if (!first.empty()) {
                        throw new IllegalStateException("the template reads stages." + first.name()
                                + ", which has no result (results: " + String.join(", ", first.present())
                                + "); the compile check admits only stages that run before it");
                    }
                    return Optional.of("the template reads stages." + first.name() + ": the stage's reply is empty");
                }
                String stage = parts[1].replaceAll("\\[\\d+\\]$", "");
                return Optional.of("the template reads " + first.path() + ": in stage " + stage + "'s reply "
                        + first.describe() + more);
            }
            if (paramsStage == null) {
                throw new IllegalStateException("the template reads " + first.path()
                        + ", which the matrix does not give; the compile check admits only its parameters");
            }
            return Optional.of("the template reads " + first.path() + ": in the parameters stage " + paramsStage
                    + " gave " + first.describe() + more);
        }

        private Object wrap(Object value, String path, String key, boolean emptyIsHole) {
            if (value instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) m;
                return new View(map, path, key, emptyIsHole);
            }
            if (value instanceof List<?> l) {
                return new ListView(l, path, key, emptyIsHole);
            }
            return value;
        }

        private final class View extends AbstractMap<String, Object> {
            private final Map<String, Object> values;
            private final String path;
            /** The path without list indexes: what a template names. */
            private final String key;
            /** Whether an empty value is a hole (a reply's), or meant (the recipe's own). */
            private final boolean emptyIsHole;

            View(Map<String, Object> values, String path, String key, boolean emptyIsHole) {
                this.values = values;
                this.path = path;
                this.key = key;
                this.emptyIsHole = emptyIsHole;
            }

            @Override
            public Object get(Object name) {
                Object value = values.get(name);
                boolean empty = value == null || (emptyIsHole && value instanceof String s && s.isBlank());
                if (empty && !(value == null && METHODS.contains(String.valueOf(name)))) {
                    if (!optional.contains(key + "." + name)) {
                        missing.add(new Miss(
                                path + "." + name, String.valueOf(name), value != null, List.copyOf(values.keySet())));
                    }
                    return value;
                }
                return wrap(value, path + "." + name, key + "." + name, emptyIsHole);
            }

            @Override
            public boolean containsKey(Object name) {
                return values.containsKey(name);
            }

            @Override
            public Set<Entry<String, Object>> entrySet() {
                return values.entrySet();
            }
        }

        private final class FieldView extends AbstractMap<String, Object> {
            private final Map<String, Object> values;

            FieldView(Map<String, Object> values) {
                this.values = values;
            }

            @Override
            public Object get(Object name) {
                Object value = values.get(name);
                if (value == null && !METHODS.contains(String.valueOf(name)) && !optional.contains("meta." + name)) {
                    absentFields.add(new Miss(
                            "meta." + name,
                            String.valueOf(name),
                            values.containsKey(name),
                            List.copyOf(values.keySet())));
                }
                return value;
            }

            @Override
            public boolean containsKey(Object name) {
                return values.containsKey(name);
            }

            @Override
            public Set<Entry<String, Object>> entrySet() {
                return values.entrySet();
            }
        }

        private final class ListView extends AbstractList<Object> {
            private final List<?> values;
            private final String path;
            private final String key;
            private final boolean emptyIsHole;

            ListView(List<?> values, String path, String key, boolean emptyIsHole) {
                this.values = values;
                this.path = path;
                this.key = key;
                this.emptyIsHole = emptyIsHole;
            }

            @Override
            public Object get(int index) {
                return wrap(values.get(index), path + "[" + index + "]", key, emptyIsHole);
            }

            @Override
            public int size() {
                return values.size();
            }
        }
    }
}
