package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.CorruptInputException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.FileSignature;
import io.palimpsest.worker.format.FileStartCheck;
import io.palimpsest.worker.format.InputFormat;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.storage.ObjectArchivedException;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Before anything is written, reads the first file of each kind of file in the plan (by extension:
 * {@code .jsonl}, {@code .jsonl.gz}, {@code .parquet}, ...) up to its first document, or to its end, and
 * refuses the job when none of its records is a document ({@link FileStartCheck#wholeFile}): a wrong
 * {@code input.textField}, a text column that is not text, or files in another format than their names say
 * would otherwise run to the end and commit every document as a reject. Read to its first document rather
 * than for its first {@link FileStartCheck#ITEMS} items: a file whose first document comes later is one the
 * duplicate-id pass plans (its workers reject the lines before it), so refusing it for being the file sampled
 * would refuse a corpus the same file, second, passes. A file of the right kind costs its first lines; one that is
 * not, its whole reading, which the duplicate-id pass would make anyway. That pass, which reads every record of
 * every file, refuses the other files none of whose records is a document, in the same words
 * ({@link FilesWithoutDocuments}). A file whose bytes cannot be decompressed or parsed at all is left to the
 * planner's duplicate-id pass, which reads every file and refuses the plan naming each such file
 * ({@link CorruptFiles}), and the next file of the kind is sampled instead, up to
 * {@link #FILES_PER_KIND}. So is the next after a file without records (empty, or blank lines and empty texts only),
 * however many come first: it says nothing of the job's fields, and ending the kind's sample there would leave a
 * wrong {@code input.textField} to the duplicate-id pass, refused in its words rather than these.
 *
 * <p>A file is read that far only when nothing shorter decides. Its first {@value #FIRST_ITEMS} items are read
 * first; when they hold no document, the next files of its kind are looked at the same way (at most {@link
 * #FILES_PER_KIND}), and one with a document settles the kind: the duplicate-id pass then judges the first file by
 * all of its records. Only when none of them shows a document is the first file read on to its end, after a note
 * naming the field, the file, the fields its records have and the field they most likely mean: a 10 GB file of
 * records without {@code input.textField} is then read whole before the job is refused, as a file of such records
 * with documents further on is one the plan takes, and refusing it after its first records would refuse a corpus
 * the duplicate-id pass passes; the note lets whoever misspelt the field stop the job at once. A Parquet file
 * declares its columns ({@link DocumentReader#declaredFields}): a text column not among them is in none of its rows,
 * and the file is refused on its first row.
 *
 * <p>A named {@code input.idField} ({@link FieldMapping#idFieldNamed()}) is looked for in each file
 * sampled, read to its end when its first documents do not hold it: a file that holds it in no record
 * is refused here, naming the fields its records have (a misspelt field, most often), before the
 * planner's duplicate-id pass reads every file and refuses each other such file ({@link MissingIds}).
 */
public final class InputSample {

    /** Files of one kind tried when the first ones are corrupt, or after one whose first items hold no document. */
    static final int FILES_PER_KIND = 3;

    /** The items of a file read before the next files of its kind are looked at. */
    static final int FIRST_ITEMS = 500;

    private final Storage storage;
    private final DocumentReaders readers;
    private final Consumer<String> notes;
    /** The version the input's listing gave each file, where the store gives one. */
    private final Map<String, String> listedVersions = new HashMap<>();

    public InputSample(Storage storage, DocumentReaders readers) {
        this(storage, readers, note -> {});
    }

    /** @param notes told, before a file is read to its end, why (the planner prints it at once) */
    public InputSample(Storage storage, DocumentReaders readers, Consumer<String> notes) {
        this.storage = storage;
        this.readers = readers;
        this.notes = notes;
    }

    /** Refuses the job (InvalidJobException) when a kind's sampled file holds no readable document. */
    public void check(List<Shard> shards) throws IOException {
        Map<String, List<String>> byKind = new LinkedHashMap<>();
        TreeSet<String> keys = new TreeSet<>();
        shards.forEach(s -> s.files().forEach(f -> {
            keys.add(f.key());
            if (f.version() != null) {
                listedVersions.put(f.key(), f.version());
            }
        }));
        for (String key : keys) {
            byKind.computeIfAbsent(kind(key), k -> new ArrayList<>()).add(key);
        }
        for (List<String> files : byKind.values()) {
            int corrupt = 0;
            // the first file whose first items hold no document, and what they hold instead
            String undecided = null;
            Optional<String> firstItems = Optional.empty();
            int lookedPast = 0;
            for (String key : files) {
                if (undecided != null && lookedPast++ >= FILES_PER_KIND) {
                    break;
                }
                Sample sample = sample(key, FIRST_ITEMS);
                if (sample.sampled() == Sampled.DOCUMENT) {
                    undecided = null; // the kind is read as the job describes it: the pass judges the others
                    break;
                }
                if (sample.sampled() == Sampled.UNDECIDED && undecided == null) {
                    undecided = key;
                    firstItems = sample.firstItems();
                }
                if (sample.sampled() == Sampled.CORRUPT && ++corrupt >= FILES_PER_KIND) {
                    break;
                }
            }
            if (undecided != null) {
                String file = storage.describe(undecided);
                notes.accept(firstItems.orElse("the first " + FIRST_ITEMS + " items of " + file + " hold no document")
                        + "; nor do the first ones of the next files of its kind: reading it to its end before the job"
                        + " is refused, as records further on may hold documents (if the field is misspelt, stop the"
                        + " job and correct it)");
                sample(undecided, Long.MAX_VALUE);
            }
        }
    }

    /** What a sampled file showed, and, when its first items held no document, what was wrong with them. */
    private record Sample(Sampled sampled, Optional<String> firstItems) {
        Sample(Sampled sampled) {
            this(sampled, Optional.empty());
        }
    }

    /** What a sampled file that was not refused showed. */
    private enum Sampled {
        /** A document: the kind's files are read as the job describes them. */
        DOCUMENT,
        /**
         * No document and nothing wrong (no record at all, or blank lines and empty texts only): it says nothing of
         * the job's fields, so the next file of the kind is sampled.
         */
        NOTHING,
        /** Its bytes could not be read: left to the duplicate-id pass, and the next file of the kind is sampled. */
        CORRUPT,
        /** No document among its first items, and more of them: the next files of the kind are sampled. */
        UNDECIDED
    }

    /**
     * The planner's refusal of an input file the store answers 403 InvalidObjectState (archived, say
     * to GLACIER by a lifecycle rule): no attempt can read it until it is restored, so the job stops
     * before anything is written, naming the file (exit 78, PlanningFailed).
     *
     * @param file the file's URI
     */
    public static InvalidJobException archivedInput(String file, ObjectArchivedException e) {
        return new InvalidJobException("input file " + file + " is archived and cannot be read until it is restored:"
                + " restore it (or drop it from the input, for instance with spec.input.exclude) and run the job"
                + " again. " + e.getMessage());
    }

    /**
     * The kind a file is sampled as: its extension, with the one before a compression extension
     * ({@code a.jsonl.gz} is {@code .jsonl.gz}).
     */
    static String kind(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        int last = name.lastIndexOf('.');
        if (last <= 0) {
            return "";
        }
        if (Compression.ofFileName(name) != Compression.NONE) {
            int before = name.lastIndexOf('.', last - 1);
            return before > 0 ? name.substring(before) : name.substring(last);
        }
        return name.substring(last);
    }

    /**
     * Refuses the file, or says whether it held a document, nothing to judge, bytes that cannot be read, or no
     * document in its first {@code items} items and more of them.
     */
    private Sample sample(String key, long items) throws IOException {
        // to its first document, or its end: a file is refused only when none of its records is a document, as the
        // duplicate-id pass refuses the others, not for a first document after its first lines
        FileStartCheck start = items == Long.MAX_VALUE
                ? FileStartCheck.wholeFile(readers.fields())
                : FileStartCheck.firstItems(readers.fields(), items);
        IdFieldCheck ids = new IdFieldCheck(readers.fields());
        boolean ended = false;
        String listedVersion = listedVersions.get(key);
        try (DocumentReader reader = readers.open(storage, key, bytes -> {}, listedVersion)) {
            InputItem item;
            // a sample of the first items that holds no document stops there, whatever the idField check still wants
            while (!(start.settled() && (ids.settled() || !start.document()))) {
                if ((item = reader.next()) == null) {
                    ended = true;
                    break;
                }
                if (start.items() == 0) {
                    refuseUndeclaredTextField(reader, key);
                }
                start.take(item);
                ids.take(item);
            }
            if (!start.document() && !ended) {
                return new Sample(
                        Sampled.UNDECIDED,
                        start.problem(storage.describe(key), readers.formatOf(key), Optional.empty()));
            }
            if (!ids.settledForGood()) {
                lookFurther(reader, ids);
            }
        } catch (CorruptInputException | NoSuchFileException e) {
            // bytes of a file rewritten as it was read, or a file deleted since it was listed, are no corrupt file
            InputChangedWhilePlanned.throwIfChanged(storage, key, listedVersion, e);
            return new Sample(Sampled.CORRUPT);
        } catch (ObjectArchivedException e) {
            throw archivedInput(storage.describe(key), e);
        } catch (IOException e) {
            InputChangedWhilePlanned.throwIfChanged(storage, key, listedVersion, e);
            throw e;
        } catch (RuntimeException e) {
            Optional<ObjectArchivedException> archived = ObjectArchivedException.in(e);
            if (archived.isPresent() && !(e instanceof InvalidJobException)) {
                throw archivedInput(storage.describe(key), archived.get());
            }
            if (!(e instanceof InvalidJobException)) {
                InputChangedWhilePlanned.throwIfChanged(storage, key, listedVersion, e);
            }
            throw e; // no decode failure (a reader reports each as a CorruptInputException): the store's, as it is
        }
        InputFormat format = readers.formatOf(key);
        Optional<InvalidJobException> problem =
                start.refusal(storage.describe(key), format, FileSignature.mismatch(storage, key, format));
        if (problem.isPresent()) {
            throw problem.get();
        }
        Optional<String> noIds = ids.problem(storage.describe(key), format);
        if (noIds.isPresent()) {
            throw new InvalidJobException(ManifestField.job("spec.input.idField"), noIds.get());
        }
        return new Sample(start.document() ? Sampled.DOCUMENT : Sampled.NOTHING);
    }

    /**
     * Refuses a file that declares its fields (a Parquet schema) without {@code input.textField}: no record of it can
     * hold the field, so none is a document, known without reading its rows.
     */
    private void refuseUndeclaredTextField(DocumentReader reader, String key) {
        Optional<Set<String>> declared = reader.declaredFields();
        String textField = readers.fields().textField();
        if (declared.isEmpty() || declared.get().contains(textField)) {
            return;
        }
        TreeSet<String> columns = new TreeSet<>(declared.get());
        throw new InvalidJobException(
                ManifestField.job("spec.input.textField"),
                "spec.input.textField '" + textField + "' is in none of the rows of " + storage.describe(key)
                        + ": it is not one of its columns (" + String.join(", ", columns)
                        + FileStartCheck.nearMiss(
                                "textField",
                                textField,
                                columns,
                                readers.fields().idField())
                        + ")");
    }

    /**
     * A named idField none of the file's first documents holds is looked for in the rest of the file (a
     * corpus may start with records without ids): the planner's duplicate-id pass reads every document
     * anyway. A part of the file that cannot be read ends the look without a refusal here (the duplicate-id
     * pass refuses the plan naming the file: {@link CorruptFiles}).
     */
    private static void lookFurther(DocumentReader reader, IdFieldCheck ids) throws IOException {
        try {
            InputItem item;
            while (!ids.settledForGood() && (item = reader.next()) != null) {
                ids.takeFurther(item);
            }
            ids.readToTheEnd();
        } catch (CorruptInputException e) {
            // the file's start was read; what follows is the duplicate-id pass's to refuse
        }
    }

    /**
     * Whether a named {@code input.idField} ({@link FieldMapping#idFieldNamed()}) is in any record of
     * one file: its first {@link FileStartCheck#ITEMS} documents, then, when none of them holds it, the
     * rest of the file. A record without it is an {@link ItemReason#MISSING_ID} item.
     */
    static final class IdFieldCheck {
        private final FieldMapping fields;
        private final boolean named;
        private long documents;
        /** Records that have the field, null. */
        private long nullIds;

        private boolean seen;
        private boolean toTheEnd;
        private final TreeSet<String> recordFields = new TreeSet<>();

        IdFieldCheck(FieldMapping fields) {
            this.fields = fields;
            this.named = fields.idFieldNamed();
        }

        /**
         * Takes the file's next item: the fields of its first documents are kept for the message, and records are
         * counted on until one holds the field (the sample may read on past them, looking for a document).
         */
        void take(InputItem item) {
            if (!settledForGood()) {
                count(item, !settled());
            }
        }

        /** Past the file's first documents, until one holds the field. */
        void takeFurther(InputItem item) {
            count(item, false);
        }

        private void count(InputItem item, boolean keepFields) {
            if (item instanceof Document) {
                documents++;
                seen = true;
            } else if (item instanceof UnusableItem u && u.reason() == ItemReason.MISSING_ID) {
                documents++;
                if (u.recordFields().contains(fields.idField())) {
                    nullIds++;
                }
                if (keepFields) {
                    recordFields.addAll(u.recordFields());
                }
            }
        }

        /** The file's first documents were taken (or it ended before them). */
        boolean settled() {
            return !named || seen || documents >= FileStartCheck.ITEMS;
        }

        /** Nothing more to look for: no field named, or the field seen. */
        boolean settledForGood() {
            return !named || seen;
        }

        /** The rest of the file was read without the field. */
        void readToTheEnd() {
            toTheEnd = true;
        }

        /**
         * The refusal when no record of the whole file holds the field (a file that ended within its first
         * documents was read to its end by the first look; a part that could not be read may hold it).
         */
        Optional<String> problem(String file, InputFormat format) {
            boolean whole = toTheEnd || documents < FileStartCheck.ITEMS;
            if (!named || seen || documents == 0 || !whole) {
                return Optional.empty();
            }
            recordFields.add(fields.textField());
            String unit = format == InputFormat.PARQUET ? "rows" : "records";
            // the records have the field, null: saying it is in none of them would send the reader after a misspelling
            String where = nullIds == 0
                    ? "is in none of the "
                    : nullIds == documents ? "is null in every one of the " : "is missing or null in every one of the ";
            return Optional.of("spec.input.idField '" + fields.idField() + "' " + where + documents + " "
                    + unit + " of " + file + " (their fields: " + String.join(", ", recordFields)
                    + FileStartCheck.nearMiss("idField", fields.idField(), recordFields, fields.textField())
                    + "): each of its documents would be rejected as missing_id; name the field that holds the ids,"
                    + " or leave idField out for a corpus without ids (each record is then given file:line)");
        }
    }
}
