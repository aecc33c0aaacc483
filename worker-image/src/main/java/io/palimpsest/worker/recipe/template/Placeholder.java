package io.palimpsest.worker.recipe.template;

import com.hubspot.jinjava.objects.PyWrapper;
import com.hubspot.jinjava.util.HasObjectTruthValue;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stand-in for a value known only while documents run (a metadata field, a field of a stage's
 * JSON reply, a parameter a stage writes), for the compile check: it answers any key with another
 * placeholder, is a number in comparisons and arithmetic ({@code meta.year > 1871},
 * {@code meta.year + 1}), text for filters ({@code | upper}), one element for loops and list
 * filters, and is true. So a template is refused only for what no document can change: its syntax,
 * and names of variables, stages, parameters and filters. {@link PyWrapper} keeps Jinjava from
 * wrapping it into a map that is no longer a number.
 */
final class Placeholder extends Number
        implements Map<String, Object>, Comparable<Object>, PyWrapper, HasObjectTruthValue {
    private static final long serialVersionUID = 1L;

    static final Placeholder VALUE = new Placeholder();

    private Placeholder() {}

    /** Whether a Jinjava error names this class: a method the real value may have, not the template's fault. */
    static boolean named(String message) {
        return message != null && message.contains(Placeholder.class.getName());
    }

    @Override
    public int intValue() {
        return 1;
    }

    @Override
    public long longValue() {
        return 1;
    }

    @Override
    public float floatValue() {
        return 1;
    }

    @Override
    public double doubleValue() {
        return 1;
    }

    /** A number in text, so filters that parse their input ({@code round}, {@code abs}) accept it. */
    @Override
    public String toString() {
        return "1";
    }

    @Override
    public int compareTo(Object other) {
        return 0;
    }

    @Override
    public boolean getObjectTruthValue() {
        return true;
    }

    @Override
    public Object get(Object key) {
        return VALUE;
    }

    @Override
    public boolean containsKey(Object key) {
        return true;
    }

    /** One element for loops and {@code first}; entries stay empty so {@code tojson} ends. */
    @Override
    public Collection<Object> values() {
        return List.of(VALUE);
    }

    @Override
    public Set<String> keySet() {
        return Set.of();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return Set.of();
    }

    @Override
    public int size() {
        return 0;
    }

    @Override
    public boolean isEmpty() {
        return false;
    }

    @Override
    public boolean containsValue(Object value) {
        return false;
    }

    @Override
    public Object put(String key, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Object remove(Object key) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void putAll(Map<? extends String, ?> m) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean equals(Object other) {
        return other == this;
    }

    @Override
    public int hashCode() {
        return 1;
    }
}
