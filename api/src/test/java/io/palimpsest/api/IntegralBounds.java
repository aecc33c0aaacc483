package io.palimpsest.api;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The CRD generator gives {@code @Min}/{@code @Max} bounds as doubles, which Jackson writes as
 * {@code 1.0} or, from 10^7 on, {@code 2.147483647E9}. YAML 1.1 readers (PyYAML, and the GitOps and
 * policy tools built on it) read a float only with a signed exponent, so they take
 * {@code 2.147483647E9} for a string. Run at build time on the generated CRDs, this writes the
 * bounds of integer fields as integers, and every other number of the CRD as a plain decimal, never
 * in exponent form; {@link CrdYamlNumbersTest} checks the committed files.
 */
final class IntegralBounds {
    private static final List<String> BOUNDS = List.of("minimum", "maximum");

    private IntegralBounds() {}

    @SuppressWarnings("unchecked")
    static void apply(Object node) {
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> map = (Map<String, Object>) m;
            boolean integer = "integer".equals(map.get("type"));
            for (Map.Entry<String, Object> e : map.entrySet()) {
                if (e.getValue() instanceof Double || e.getValue() instanceof Float) {
                    BigDecimal value = new BigDecimal(e.getValue().toString());
                    boolean integral = value.stripTrailingZeros().scale() <= 0;
                    e.setValue(integer && integral && BOUNDS.contains(e.getKey()) ? value.toBigIntegerExact() : value);
                } else {
                    apply(e.getValue());
                }
            }
        } else if (node instanceof List<?> list) {
            List<Object> items = (List<Object>) list;
            for (int i = 0; i < items.size(); i++) {
                Object item = items.get(i);
                if (item instanceof Double || item instanceof Float) {
                    items.set(i, new BigDecimal(item.toString()));
                } else {
                    apply(item);
                }
            }
        }
    }
}
