package io.palimpsest.worker.recipe.matrix;

import io.palimpsest.api.recipe.Matrix;
import io.palimpsest.worker.recipe.PlainValues;
import io.palimpsest.worker.recipe.StableSeed;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The parameter combinations each variant call is multiplied by: the cartesian product of fixed
 * values (genre x audience), or the list a stage wrote (MAGA's per-document pairs). A combination
 * given twice (the same values up to case and spacing) is used once: two calls with the same
 * parameters would write the same output twice.
 */
public final class ParameterMatrix {
    private final Matrix matrix;
    private final long seed;

    /**
     * One combination.
     *
     * @param index its place among the distinct combinations: in the product of the fixed values, or
     *              in the stage's list; the same parameters get the same index on every attempt
     */
    public record Combination(int index, Map<String, Object> params) {}

    /**
     * @param kept       the combinations to run, in order
     * @param duplicates combinations left out because an earlier one has the same values
     */
    public record Combinations(List<Combination> kept, List<Map<String, Object>> duplicates) {
        public Combinations {
            kept = List.copyOf(kept);
            duplicates = List.copyOf(duplicates);
        }
    }

    public ParameterMatrix(Matrix matrix, long seed) {
        this.matrix = matrix;
        this.seed = seed;
    }

    /** True when the recipe has a matrix: its outputs are then told apart by {@link #outputId}. */
    public boolean present() {
        return matrix != null;
    }

    public boolean fromStage() {
        return matrix != null && matrix.getFromStage() != null;
    }

    /**
     * The id of the output a combination gives: the document id without a matrix, else
     * {@code <document id>#p<index>}, so a document's outputs of one variant never share an id.
     */
    public String outputId(String documentId, Combination c) {
        return matrix == null ? documentId : documentId + "#p" + c.index();
    }

    /**
     * @param stages parsed stage outputs of this document
     * @return the combinations (one with empty parameters without a matrix), or empty when the
     * stage's value is not a list of objects
     */
    public Optional<Combinations> combinations(String documentId, Map<String, Object> stages) {
        if (matrix == null) {
            return Optional.of(new Combinations(List.of(new Combination(0, Map.of())), List.of()));
        }
        if (matrix.getFromStage() != null) {
            return fromStageValue(stages.get(matrix.getFromStage())).map(all -> {
                Combinations distinct = distinct(all);
                return new Combinations(limitFirst(distinct.kept()), distinct.duplicates());
            });
        }
        Combinations distinct = distinct(product(matrix.getParameters()));
        List<Combination> pool = distinct.kept();
        if (matrix.getLimit() == null || pool.size() <= matrix.getLimit()) {
            return Optional.of(distinct);
        }
        SplittableRandom random = StableSeed.random(seed, documentId, "matrix");
        List<Integer> picked = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            indexes.add(i);
        }
        while (picked.size() < matrix.getLimit()) {
            picked.add(indexes.remove(random.nextInt(indexes.size())));
        }
        picked.sort(Integer::compare);
        List<Combination> out = new ArrayList<>();
        picked.forEach(i -> out.add(pool.get(i)));
        return Optional.of(new Combinations(out, distinct.duplicates()));
    }

    private List<Combination> limitFirst(List<Combination> all) {
        return matrix.getLimit() == null || all.size() <= matrix.getLimit() ? all : all.subList(0, matrix.getLimit());
    }

    /** The first of each set of equal combinations, numbered in order, and the rest. */
    static Combinations distinct(List<Map<String, Object>> all) {
        Set<Object> seen = new HashSet<>();
        List<Combination> kept = new ArrayList<>();
        List<Map<String, Object>> duplicates = new ArrayList<>();
        for (Map<String, Object> params : all) {
            if (seen.add(sameness(params))) {
                kept.add(new Combination(kept.size(), params));
            } else {
                duplicates.add(params);
            }
        }
        return new Combinations(kept, duplicates);
    }

    /** What makes two combinations the same: their keys, and their values up to case and spacing. */
    private static Object sameness(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> key = new TreeMap<>();
            m.forEach((k, v) -> key.put(String.valueOf(k), sameness(v)));
            return key;
        }
        if (value instanceof List<?> l) {
            return l.stream().map(ParameterMatrix::sameness).toList();
        }
        if (value instanceof String s) {
            return sameValue(s);
        }
        return value;
    }

    /** A value as combinations are compared: two values with the same result are the same value. */
    public static String sameValue(String value) {
        return value.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    static List<Map<String, Object>> product(Map<String, List<String>> parameters) {
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        if (parameters == null) {
            return out;
        }
        for (Map.Entry<String, List<String>> p : parameters.entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : out) {
                for (String value : p.getValue()) {
                    Map<String, Object> combo = new LinkedHashMap<>(partial);
                    combo.put(p.getKey(), value);
                    next.add(combo);
                }
            }
            out = next;
        }
        return out;
    }

    /**
     * A list of objects, an object holding one (models like to wrap: {"pairs": [...]}), or one object of
     * plain values as a list of one (asked for a list, a model often answers one pair bare): a list shorter
     * than asked for, as a list of one object would be.
     */
    @SuppressWarnings("unchecked")
    static Optional<List<Map<String, Object>>> fromStageValue(Object value) {
        Object v = PlainValues.normalize(value);
        if (v instanceof Map<?, ?> m) {
            if (!m.isEmpty() && m.values().stream().noneMatch(x -> x instanceof List<?> || x instanceof Map<?, ?>)) {
                return Optional.of(List.of((Map<String, Object>) m));
            }
            v = m.values().stream()
                    .filter(x -> x instanceof List<?>)
                    .findFirst()
                    .orElse(null);
        }
        if (!(v instanceof List<?> list) || list.isEmpty()) {
            return Optional.empty();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> m)) {
                return Optional.empty();
            }
            out.add((Map<String, Object>) m);
        }
        return Optional.of(out);
    }
}
