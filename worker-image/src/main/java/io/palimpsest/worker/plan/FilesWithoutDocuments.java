package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.FileSignature;
import io.palimpsest.worker.format.FileStartCheck;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.text.ShortList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The input files the planner's duplicate-id pass read to their end and found records in, none of which is a
 * document, the reader failing on at least one ({@link FileStartCheck#wholeFile}): gzip bytes under a {@code .jsonl}
 * name, lines that are not JSON, records that all lack {@code input.textField}. That is the same error for every
 * record of the file: its shard's worker would fail it as bad data (exit 42) once started, so the plan is refused
 * naming such files (exit 78, {@code PlanningFailed}) before its duplicate-id index is written, as
 * {@link CorruptFiles} refuses a file that cannot be decoded. {@link InputSample} refuses the first file of each
 * kind earlier, with the same words, having read it to its end; this finds the others. A file with a document among
 * its records is not this: its bad records stay counted rejects. A file without records (empty, or blank lines and
 * empty texts only) is not this either: nothing of it is wrong, there is just nothing to rewrite. Safe for the
 * pass's threads: each shard is tallied apart ({@link #reading()}) and added once read.
 */
public final class FilesWithoutDocuments {

    private final FieldMapping fields;
    private final DocumentReaders readers;
    /** Per file without a document so far: what its records were. */
    private final Map<String, FileStartCheck> files = new TreeMap<>();
    /** Files with a document: only remembered as such (another of their item ranges changes nothing). */
    private final Set<String> withDocuments = new HashSet<>();

    public FilesWithoutDocuments(DocumentReaders readers) {
        this.fields = readers.fields();
        this.readers = readers;
    }

    /** One shard's items, tallied by file; {@link ShardTally#done()} adds them to the plan's once the shard is read. */
    public ShardTally reading() {
        return new ShardTally();
    }

    /** The tally of one shard's reading (one thread's). */
    public final class ShardTally {
        private final Map<String, FileStartCheck> byFile = new HashMap<>();
        private String currentKey;
        private FileStartCheck current;

        private ShardTally() {}

        /** Takes one item of the shard, in its order. */
        public void take(InputItem item) {
            String key = item.position().file();
            if (!key.equals(currentKey)) {
                currentKey = key;
                current = byFile.computeIfAbsent(key, k -> FileStartCheck.wholeFile(fields));
            }
            current.take(item); // a file's items after its first document change nothing
        }

        /** The shard was read: its files' tallies join the plan's. */
        public void done() {
            synchronized (files) {
                for (Map.Entry<String, FileStartCheck> e : byFile.entrySet()) {
                    String key = e.getKey();
                    if (withDocuments.contains(key)) {
                        continue;
                    }
                    FileStartCheck joined = files.merge(key, e.getValue(), (sofar, part) -> {
                        sofar.merge(part);
                        return sofar;
                    });
                    if (joined.document()) {
                        files.remove(key);
                        withDocuments.add(key);
                    }
                }
            }
        }
    }

    /**
     * Whether a shard read to its end found a document in {@code key}: a file whose first items are no document, yet
     * which holds one further on (or in another of its item ranges), is one the plan vouches for, and its shards'
     * workers reject its unreadable lines instead of failing ({@link DuplicateIdIndex#WAIVED_STARTS}). Once every
     * shard was read.
     */
    public boolean documentIn(String key) {
        synchronized (files) {
            return withDocuments.contains(key);
        }
    }

    /**
     * Refuses the plan when a file read to its end holds records and no document among them, naming the first
     * {@link MissingIds#EXAMPLES} of them (in key order), each with what its records were and where the first
     * failing one is.
     *
     * @param unread files of shards the pass could not read to their end (their workers fail them): not judged
     * @param storage where the files are, for the message (and a look at a named file's first bytes)
     */
    public void refuse(Collection<String> unread, Storage storage) {
        List<String> without = new ArrayList<>();
        Map<String, FileStartCheck> named = new TreeMap<>();
        synchronized (files) {
            for (Map.Entry<String, FileStartCheck> e : files.entrySet()) {
                FileStartCheck check = e.getValue();
                if (check.failed() && !unread.contains(e.getKey())) {
                    without.add(e.getKey());
                    if (named.size() < MissingIds.EXAMPLES) {
                        named.put(e.getKey(), check);
                    }
                }
            }
        }
        if (without.isEmpty()) {
            return;
        }
        List<String> problems = new ArrayList<>();
        named.forEach((key, check) -> problems.add(check.problem(
                        storage.describe(key),
                        readers.formatOf(key),
                        FileSignature.mismatch(storage, key, readers.formatOf(key)))
                .orElseThrow()));
        throw new InvalidJobException(without.size() + " input file(s) hold records and no document: "
                + ShortList.of(problems, without.size(), "; ")
                + ". Every shard holding one would fail as bad data once its worker started, so the job is not run:"
                + " fix spec.input.textField or spec.input.format if they do not describe the files, else repair or"
                + " replace the file(s), or leave them out (spec.input.exclude)");
    }
}
