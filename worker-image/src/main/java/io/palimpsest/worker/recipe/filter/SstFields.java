package io.palimpsest.worker.recipe.filter;

import com.oracle.graal.python.pegparser.sst.SSTNode;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The child nodes of GraalPy's parser tree, read generically over each node type's public fields,
 * so the checks that walk the tree need no visitor with a method per node type.
 */
final class SstFields {
    private static final ClassValue<List<Field>> CHILD_FIELDS = new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
            List<Field> fields = new ArrayList<>();
            for (Field f : type.getFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Class<?> t = f.getType();
                if (SSTNode.class.isAssignableFrom(t)
                        || (t.isArray() && SSTNode.class.isAssignableFrom(t.getComponentType()))) {
                    fields.add(f);
                }
            }
            return fields;
        }
    };

    private SstFields() {}

    /** The fields of {@code type} that hold a node or an array of nodes (cached per type). */
    static List<Field> childFields(Class<?> type) {
        return CHILD_FIELDS.get(type);
    }

    /** A child field's value: a node, an array of nodes, or null. */
    static Object read(Field f, Object node) {
        try {
            return f.get(node);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + f, e);
        }
    }
}
