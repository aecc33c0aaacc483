package io.palimpsest.operator.job.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link JobStatusFolder#copyOf} carries every field of the status: a status with every field
 * filled (found by reflection, so a field added later is filled too) comes back equal, and shares
 * no mutable object with the original.
 */
class StatusCopyTest {
    private long next = 1;

    @Test
    void everyFieldIsCopied() throws Exception {
        RewriteJobStatus full = (RewriteJobStatus) sample(RewriteJobStatus.class);
        List<String> empty = new ArrayList<>();
        unset(full, "status", empty);
        assertTrue(empty.isEmpty(), "the sample leaves fields unset: " + empty);

        RewriteJobStatus copy = JobStatusFolder.copyOf(full);
        assertEquals(full, copy);
        assertNotSame(full.getShards(), copy.getShards());
        assertNotSame(full.getDocuments(), copy.getDocuments());
        assertNotSame(
                full.getDocuments().getWrittenByVariant(), copy.getDocuments().getWrittenByVariant());
        assertNotSame(full.getTokens(), copy.getTokens());
        assertNotSame(full.getThroughput(), copy.getThroughput());
        assertNotSame(full.getRecentFailures(), copy.getRecentFailures());
        assertNotSame(full.getConditions(), copy.getConditions());
        assertNotSame(full.getEstimate(), copy.getEstimate());
    }

    @Test
    void nullsAndEmptyMapsStayAsTheyWere() {
        RewriteJobStatus s = new RewriteJobStatus();
        s.setDocuments(new RewriteJobStatus.DocumentCounts(3, 2, 1, 0, new TreeMap<>()));
        s.setTokens(new RewriteJobStatus.TokenCounts(10, 20));
        RewriteJobStatus copy = JobStatusFolder.copyOf(s);
        assertEquals(s, copy);
        assertEquals(Map.of(), copy.getDocuments().getWrittenByVariant());
        assertNull(copy.getThroughput());
    }

    @Test
    void aNewJobStartsFromZeroCounts() {
        RewriteJobStatus fresh = JobStatusFolder.copyOf(null);
        assertNotNull(fresh.getDocuments());
        assertNotNull(fresh.getTokens());
        assertEquals(List.of(), fresh.getRecentFailures());
    }

    /** A value of {@code type} with every field set, each number different. */
    private Object sample(Type type) throws Exception {
        Class<?> raw = (Class<?>) (type instanceof ParameterizedType p ? p.getRawType() : type);
        if (raw == String.class) {
            return "s" + next++;
        } else if (raw == long.class || raw == Long.class) {
            return next++;
        } else if (raw == int.class || raw == Integer.class) {
            return (int) next++;
        } else if (raw == double.class || raw == Double.class) {
            return next++ + 0.5;
        } else if (raw == boolean.class || raw == Boolean.class) {
            return true;
        } else if (raw.isEnum()) {
            Object[] constants = raw.getEnumConstants();
            return constants[constants.length - 1];
        } else if (raw == List.class) {
            List<Object> list = new ArrayList<>();
            list.add(sample(((ParameterizedType) type).getActualTypeArguments()[0]));
            return list;
        } else if (raw == Map.class) {
            Map<Object, Object> map = new TreeMap<>();
            map.put(sample(String.class), sample(((ParameterizedType) type).getActualTypeArguments()[1]));
            return map;
        } else if (raw == Condition.class) {
            return new ConditionBuilder()
                    .withType("Ready")
                    .withStatus("True")
                    .withReason("Running")
                    .withMessage("m")
                    .withLastTransitionTime("2026-12-05T12:00:00Z")
                    .withObservedGeneration(next++)
                    .build();
        }
        Object o = raw.getDeclaredConstructor().newInstance();
        for (Field f : raw.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                f.set(o, sample(f.getGenericType()));
            }
        }
        return o;
    }

    /** The paths of the fields of {@code o} that are null, to show the sample covers all. */
    private static void unset(Object o, String path, List<String> out) throws IllegalAccessException {
        if (o == null) {
            out.add(path);
            return;
        }
        if (!o.getClass().getName().startsWith("io.palimpsest.")) {
            return;
        }
        for (Field f : o.getClass().getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                unset(f.get(o), path + "." + f.getName(), out);
            }
        }
    }
}
