package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.SourcePosition;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.text.ShortList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Over the planner's duplicate-id pass, which reads every document of the plan: per input file, the
 * records that hold the {@code input.idField} the job names ({@link FieldMapping#idFieldNamed()}) and
 * those that do not (read as {@link ItemReason#MISSING_ID}). A file none of whose records holds the field
 * is the same error for every document of it (a file of another export, a field named otherwise
 * there): the plan is refused before its duplicate-id index is written, naming each such file, so no
 * worker runs it. A record without the field among records with it is a bad record: its worker rejects
 * it as {@code missing_id} (file and line in the rejects), and the planner says how many there are and
 * where the first ones are. Under the default field {@code id} nothing is counted: a record without an
 * id is given {@code file:line}. Safe for the pass's threads.
 */
public final class MissingIds {

    /** Files and lines named in a message. */
    static final int EXAMPLES = 3;

    private final FieldMapping fields;
    private final Map<String, Tally> files = new TreeMap<>();

    public MissingIds(FieldMapping fields) {
        this.fields = fields;
    }

    private static final class Tally {
        long withId;
        long without;
        final List<SourcePosition> first = new ArrayList<>();
    }

    /** Takes one item of the pass (every item of a shard, in its order). */
    public void take(InputItem item) {
        if (!fields.idFieldNamed()) {
            return;
        }
        boolean missing = item instanceof UnusableItem u && u.reason() == ItemReason.MISSING_ID;
        if (!(item instanceof Document) && !missing) {
            return;
        }
        synchronized (files) {
            Tally tally = files.computeIfAbsent(item.position().file(), k -> new Tally());
            if (missing) {
                tally.without++;
                if (tally.first.size() < EXAMPLES) {
                    tally.first.add(item.position());
                }
            } else {
                tally.withId++;
            }
        }
    }

    /**
     * Refuses the plan when a file read to its end holds the field in none of its records.
     *
     * @param unread files of shards the pass could not read to their end (their workers fail them): not judged
     * @param describe where a file is, for the message
     */
    public void refuseFilesWithout(Collection<String> unread, Function<String, String> describe) {
        List<String> without = new ArrayList<>();
        long records = 0;
        String holding = null;
        synchronized (files) {
            for (Map.Entry<String, Tally> e : files.entrySet()) {
                Tally tally = e.getValue();
                if (tally.withId > 0) {
                    holding = holding == null ? e.getKey() : holding;
                } else if (tally.without > 0 && !unread.contains(e.getKey())) {
                    without.add(e.getKey());
                    records += tally.without;
                }
            }
        }
        if (without.isEmpty()) {
            return;
        }
        String named =
                ShortList.of(without.stream().limit(EXAMPLES).map(describe).toList(), without.size(), ", ");
        throw new InvalidJobException(
                ManifestField.job("spec.input.idField"),
                "spec.input.idField '" + fields.idField() + "' is in no record of "
                        + without.size() + " input file(s): " + named + " (" + records + " records without it"
                        + (holding != null ? "; other files hold it, e.g. " + describe.apply(holding) : "")
                        + "): every document of such a file would be rejected as missing_id; give their records ids,"
                        + " leave the files out (spec.input.exclude), or leave idField out for a corpus without ids"
                        + " (each record without one is then given file:line)");
    }

    /** How many records lack the field in files that hold it, and where the first ones are; empty when none. */
    public Optional<String> strayRecords(Function<String, String> describe) {
        long records = 0;
        int inFiles = 0;
        List<String> first = new ArrayList<>();
        synchronized (files) {
            for (Tally tally : files.values()) {
                if (tally.without == 0 || tally.withId == 0) {
                    continue;
                }
                records += tally.without;
                inFiles++;
                for (SourcePosition at : tally.first) {
                    if (first.size() < EXAMPLES) {
                        first.add(describe.apply(at.file()) + ":" + at.line());
                    }
                }
            }
        }
        if (records == 0) {
            return Optional.empty();
        }
        return Optional.of(records + " record(s) in " + inFiles + " file(s) have no spec.input.idField '"
                + fields.idField() + "' (first at " + String.join(", ", first) + "): their workers reject them as"
                + " missing_id, each with its file and line");
    }
}
