package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.Turn;
import io.palimpsest.worker.format.ItemReason;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which keys of the stage results ({@code stages.*}) and matrix parameters ({@code params.*}) a
 * template read that the value lacks or holds empty. Jinja renders such a read as nothing, so a
 * reply without the field a prompt asks for ("## Improved code", {"genre": ...}) would give a prompt
 * with a hole that is still paid for and written; the caller rejects it instead.
 *
 * <p>A read that handles absence is not counted: {@code | default(...)}, {@code is defined} /
 * {@code is undefined} / {@code is none}, an {@code {% if %}} (or {@code and}/{@code or}/{@code not})
 * test of the key, or {@code 'key' in stages.x}.
 */
final class ReplyReads {
    /** Map methods a template may call ({@code stages.x.items()}): Jinja looks them up as keys first. */
    private static final Set<String> METHODS =
            Set.of("items", "keys", "values", "get", "size", "isEmpty", "containsKey", "entrySet", "keySet");

    private static final Pattern PATH =
            Pattern.compile("\\b(?:stages|params)(?:\\s*\\.\\s*[A-Za-z_]\\w*|\\s*\\[\\s*(['\"])[^'\"]*\\1\\s*\\])+");
    private static final Pattern STEP = Pattern.compile("[A-Za-z_]\\w*|(['\"])([^'\"]*)\\1");
    private static final Pattern GUARD_AFTER =
            Pattern.compile("\\s*(?:\\|\\s*default\\b|\\|\\s*d\\b|is\\s+(?:not\\s+)?(?:defined|undefined|none)\\b)");
    private static final Pattern GUARD_BEFORE = Pattern.compile("\\b(?:if|elif|and|or|not)\\s+$");

    /** The keys every read of which handles absence, as "stages.review.improved_code". */
    private final Set<String> optional;

    private ReplyReads(Set<String> optional) {
        this.optional = optional;
    }

    /** For a template and the judges or others rendered with the same variables. */
    static ReplyReads of(PromptTemplate t) {
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
                optional.addAll(guarded(source));
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
        return out;
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

    /** Why a render cannot be sent. */
    record Problem(ItemReason reason, String detail) {}

    final class Reads {
        private final Set<Miss> missing = Collections.synchronizedSet(new LinkedHashSet<>());

        Map<String, Object> stages(Map<String, Object> stages) {
            return new View(stages, "stages", "stages");
        }

        Map<String, Object> params(Map<String, Object> params) {
            return new View(params, "params", "params");
        }

        /** The keys read but absent or empty, in the order read. */
        List<Miss> missing() {
            synchronized (missing) {
                return List.copyOf(missing);
            }
        }

        /**
         * Empty when every key read was there; else a reply's missing field ({@code parse_error}: a
         * stage's reply, or parameters a stage gave) or a name no value could hold ({@code template_error}:
         * no such stage, fixed parameters without the key).
         *
         * @param stageNames  the stages of the recipe
         * @param paramsStage the stage the parameters come from ({@code matrix.fromStage}), or null
         */
        Optional<Problem> problem(Set<String> stageNames, String paramsStage) {
            List<Miss> all = missing();
            if (all.isEmpty()) {
                return Optional.empty();
            }
            Miss first = all.get(0);
            String[] parts = first.path().split("\\.", 3);
            String more = all.size() > 1 ? " (and " + (all.size() - 1) + " more)" : "";
            if (parts[0].equals("stages")) {
                if (parts.length == 2) {
                    return Optional.of(
                            stageNames.contains(first.name())
                                    ? new Problem(
                                            ItemReason.PARSE_ERROR,
                                            "the template reads stages." + first.name() + ": the stage's reply is "
                                                    + (first.empty() ? "empty" : "not there (a later stage?)"))
                                    : new Problem(
                                            ItemReason.TEMPLATE_ERROR,
                                            "the template reads stages." + first.name()
                                                    + ", but no stage has that name"));
                }
                String stage = parts[1].replaceAll("\\[\\d+\\]$", "");
                return Optional.of(new Problem(
                        ItemReason.PARSE_ERROR,
                        "the template reads " + first.path() + ": in stage " + stage + "'s reply " + first.describe()
                                + more));
            }
            if (paramsStage != null) {
                return Optional.of(new Problem(
                        ItemReason.PARSE_ERROR,
                        "the template reads " + first.path() + ": in the parameters stage " + paramsStage + " gave "
                                + first.describe() + more));
            }
            return Optional.of(new Problem(
                    ItemReason.TEMPLATE_ERROR,
                    "the template reads " + first.path() + ", which the matrix does not give" + more));
        }

        private Object wrap(Object value, String path, String key) {
            if (value instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) m;
                return new View(map, path, key);
            }
            if (value instanceof List<?> l) {
                return new ListView(l, path, key);
            }
            return value;
        }

        private final class View extends AbstractMap<String, Object> {
            private final Map<String, Object> values;
            private final String path;
            /** The path without list indexes: what a template names. */
            private final String key;

            View(Map<String, Object> values, String path, String key) {
                this.values = values;
                this.path = path;
                this.key = key;
            }

            @Override
            public Object get(Object name) {
                Object value = values.get(name);
                boolean empty = value == null || (value instanceof String s && s.isBlank());
                if (empty && !(value == null && METHODS.contains(String.valueOf(name)))) {
                    if (!optional.contains(key + "." + name)) {
                        missing.add(new Miss(
                                path + "." + name, String.valueOf(name), value != null, List.copyOf(values.keySet())));
                    }
                    return value;
                }
                return wrap(value, path + "." + name, key + "." + name);
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

            ListView(List<?> values, String path, String key) {
                this.values = values;
                this.path = path;
                this.key = key;
            }

            @Override
            public Object get(int index) {
                return wrap(values.get(index), path + "[" + index + "]", key);
            }

            @Override
            public int size() {
                return values.size();
            }
        }
    }
}
