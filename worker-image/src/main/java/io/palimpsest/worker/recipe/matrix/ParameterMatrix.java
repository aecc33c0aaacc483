package io.palimpsest.worker.recipe.matrix;

import io.palimpsest.api.recipe.Matrix;
import io.palimpsest.worker.recipe.PlainValues;
import io.palimpsest.worker.recipe.StableSeed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The parameter combinations each variant call is multiplied by: the cartesian product of fixed
 * values (genre x audience), or the list a stage wrote (MAGA's per-document pairs).
 */
public final class ParameterMatrix {
    private static final List<Map<String, Object>> NONE = List.of(Map.of());

    private final Matrix matrix;
    private final long seed;

    public ParameterMatrix(Matrix matrix, long seed) {
        this.matrix = matrix;
        this.seed = seed;
    }

    public boolean fromStage() {
        return matrix != null && matrix.getFromStage() != null;
    }

    /**
     * @param stages parsed stage outputs of this document
     * @return the combinations (one empty map without a matrix), or empty when the stage's value
     * is not a list of objects
     */
    public Optional<List<Map<String, Object>>> combinations(String documentId, Map<String, Object> stages) {
        if (matrix == null) {
            return Optional.of(NONE);
        }
        if (matrix.getFromStage() != null) {
            return fromStageValue(stages.get(matrix.getFromStage())).map(this::limitFirst);
        }
        List<Map<String, Object>> product = product(matrix.getParameters());
        if (matrix.getLimit() == null || product.size() <= matrix.getLimit()) {
            return Optional.of(product);
        }
        SplittableRandom random = StableSeed.random(seed, documentId, "matrix");
        List<Map<String, Object>> pool = new ArrayList<>(product);
        List<Integer> picked = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            indexes.add(i);
        }
        while (picked.size() < matrix.getLimit()) {
            picked.add(indexes.remove(random.nextInt(indexes.size())));
        }
        picked.sort(Integer::compare);
        List<Map<String, Object>> out = new ArrayList<>();
        picked.forEach(i -> out.add(pool.get(i)));
        return Optional.of(out);
    }

    private List<Map<String, Object>> limitFirst(List<Map<String, Object>> all) {
        return matrix.getLimit() == null || all.size() <= matrix.getLimit() ? all : all.subList(0, matrix.getLimit());
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

    /** A list of objects, or an object holding one (models like to wrap: {"pairs": [...]}). */
    @SuppressWarnings("unchecked")
    static Optional<List<Map<String, Object>>> fromStageValue(Object value) {
        Object v = PlainValues.normalize(value);
        if (v instanceof Map<?, ?> m) {
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
