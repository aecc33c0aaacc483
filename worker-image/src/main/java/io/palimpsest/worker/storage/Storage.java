package io.palimpsest.worker.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One place (a directory, a bucket prefix) holding objects addressed by relative keys such as
 * {@code "part-1/a.jsonl"}. Keys always use {@code /}. Every write is all-or-nothing: a reader never
 * sees half an object, which is what lets checkpoints and receipts act as commit points.
 */
public interface Storage extends Closeable {

    /** The location for messages and logs; never contains credentials. */
    String describe();

    /** One object's location for messages: {@link #describe()} and the key joined by one {@code /}. */
    default String describe(String key) {
        String where = describe();
        return where.endsWith("/") ? where + key : where + "/" + key;
    }

    /** Every object under {@code prefix} (recursively; "" for all), sorted by key. */
    List<StoredObject> list(String prefix) throws IOException;

    /**
     * Up to {@code atMost} of the names directly in {@code folder} ("" for this location itself) that {@code
     * counted} takes, in key order: a file's name, or a folder's with a trailing {@code /} (a folder that holds
     * at least one file). Looks at the first names only, not the whole tree: on S3 one LIST with a small
     * max-keys and a delimiter (another page only while the names listed are not counted).
     */
    default List<String> firstNames(String folder, int atMost, Predicate<String> counted) throws IOException {
        String base = folder.isEmpty() || folder.endsWith("/") ? folder : folder + "/";
        TreeSet<String> names = new TreeSet<>();
        for (StoredObject object : list(base)) {
            if (!object.key().startsWith(base)) {
                continue;
            }
            String rest = object.key().substring(base.length());
            int slash = rest.indexOf('/');
            names.add(slash < 0 ? rest : rest.substring(0, slash + 1));
        }
        return names.stream()
                .filter(n -> !n.isEmpty())
                .filter(counted)
                .limit(atMost)
                .toList();
    }

    InputStream open(String key) throws IOException;

    /** The object's size in bytes now; {@link java.nio.file.NoSuchFileException} when it does not exist. */
    default long size(String key) throws IOException {
        return list(key).stream()
                .filter(o -> o.key().equals(key))
                .findFirst()
                .orElseThrow(() -> new NoSuchFileException(describe(key)))
                .size();
    }

    /**
     * The object as it is now: its size and, where the store gives one, its version (as {@link #list} gives it);
     * {@link java.nio.file.NoSuchFileException} when it does not exist.
     */
    default StoredObject stat(String key) throws IOException {
        return new StoredObject(key, size(key));
    }

    /** Bytes {@code [start, endExclusive)} of an object, for byte-range shards and Parquet footers. */
    InputStream openRange(String key, long start, long endExclusive) throws IOException;

    /**
     * Bytes {@code [start, endExclusive)} of the object as it was in {@code version} ({@link StoredObject#version()},
     * as {@link #stat} gave it): how a file read in many parts (a Parquet file's footer, then its column chunks) is
     * kept one file. Here the version is compared before the range is opened; a store that can make the read itself
     * conditional does ({@link S3Storage}: {@code If-Match}).
     *
     * @throws ObjectChangedException when the object is no longer that version
     */
    default InputStream openRange(String key, long start, long endExclusive, String version) throws IOException {
        if (version == null) {
            return openRange(key, start, endExclusive); // a store that gave no version: nothing to compare
        }
        StoredObject now = stat(key);
        if (!version.equals(now.version())) {
            throw new ObjectChangedException(
                    describe(key), version, now.version() == null ? "it has no version now" : "now " + now.version());
        }
        return openRange(key, start, endExclusive);
    }

    boolean exists(String key) throws IOException;

    /** Writes or replaces an object atomically from a local file. */
    void put(String key, Path localFile) throws IOException;

    /** Writes or replaces an object atomically. */
    void put(String key, byte[] content) throws IOException;

    /**
     * Creates the object only if nothing exists under {@code key}; exactly one of several concurrent
     * callers gets {@code true}. This is the commit primitive for receipts and checkpoint markers.
     * A create whose first try landed but whose answer was lost is still {@code true}: a repeat
     * refused because the key holds exactly {@code content} is taken as this write's (receipts and
     * markers name the attempt that writes them, so no other writer's bytes are equal).
     */
    boolean createIfAbsent(String key, byte[] content) throws IOException;

    /** Writes the concatenation of {@code partKeys} (in order) to {@code targetKey}, atomically. */
    void concatenate(List<String> partKeys, String targetKey) throws IOException;

    /** Deletes an object; a missing object is not an error. */
    void delete(String key) throws IOException;

    /**
     * Deletes temporary files a killed writer may have left beside {@code key} (a store whose writes
     * leave none, such as S3, has nothing to do). Call only when no live writer still needs them.
     */
    default void deleteTemporaries(String key) throws IOException {}

    /** Deletes every object under {@code prefix}. */
    default void deleteAll(String prefix) throws IOException {
        for (StoredObject object : list(prefix)) {
            delete(object.key());
        }
    }

    default byte[] readAll(String key) throws IOException {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        }
    }

    /** Copies an object to a local file, for readers that need random access (Parquet). */
    default void download(String key, Path target) throws IOException {
        try (InputStream in = open(key)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    default void close() throws IOException {}
}
