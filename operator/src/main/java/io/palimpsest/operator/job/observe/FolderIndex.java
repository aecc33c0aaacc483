package io.palimpsest.operator.job.observe;

import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.v1alpha1.RewriteJob;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Places of RewriteJobs (an output, an input) as the primary cache's indexes key them, and the jobs whose place lies
 * inside or around one: an s3:// URI keyed as it is, a pvc:// (or file://) one after its namespace ("ns uri"). A
 * tree index keys each job under every folder of its place, so the jobs at or below a place are one lookup of it,
 * and those above it one exact lookup per folder above.
 */
final class FolderIndex {
    private FolderIndex() {}

    /** The key of a place written in the job's namespace; null for none. */
    static String key(RewriteJob job, String uri) {
        if (uri == null) {
            return null;
        }
        String normalised = StorageUris.normalise(uri);
        return normalised.startsWith("s3://") ? normalised : job.getMetadata().getNamespace() + " " + normalised;
    }

    /** Every folder of the key's place from the root, itself included, as keys; none for null. */
    static List<String> tree(String key) {
        if (key == null) {
            return List.of();
        }
        String scope = scope(key);
        return StorageUris.prefixes(key.substring(scope.length())).stream()
                .map(p -> scope + p)
                .toList();
    }

    /**
     * The jobs the tree index holds at or below the key, then those the exact index holds at each folder above it,
     * each once; none for null.
     */
    static Collection<RewriteJob> overlapping(
            String key, String treeIndex, String exactIndex, SharedOutput.Index index) {
        return overlapping(key, treeIndex, exactIndex, index::byIndex, FolderIndex::id);
    }

    /** As {@link #overlapping(String, String, String, SharedOutput.Index)}, for any object indexed so, told by {@code id}. */
    static <T> Collection<T> overlapping(
            String key,
            String treeIndex,
            String exactIndex,
            BiFunction<String, String, List<T>> index,
            Function<T, String> id) {
        if (key == null) {
            return List.of();
        }
        Map<String, T> found = new LinkedHashMap<>();
        for (T o : index.apply(treeIndex, key)) {
            found.putIfAbsent(id.apply(o), o);
        }
        List<String> folders = tree(key);
        for (String above : folders.subList(0, folders.size() - 1)) {
            for (T o : index.apply(exactIndex, above)) {
                found.putIfAbsent(id.apply(o), o);
            }
        }
        return found.values();
    }

    /** The job's namespace and name, one string. */
    static String id(RewriteJob job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }

    /** The namespace part of a key ("ns " for a claim or a path), "" for an s3:// one. */
    static String scope(String key) {
        return key.startsWith("s3://") ? "" : key.substring(0, key.indexOf(' ') + 1);
    }
}
