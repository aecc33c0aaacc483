package io.palimpsest.worker.plan;

import com.github.luben.zstd.ZstdIOException;
import io.palimpsest.worker.config.InvalidJobException;
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
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipException;

/**
 * Before anything is written, reads the first records of the first file of each kind of file in the
 * plan (by extension: {@code .jsonl}, {@code .jsonl.gz}, {@code .parquet}, ...) and refuses the job
 * when none of them is a document ({@link FileStartCheck}): a wrong {@code input.textField}, a text
 * column that is not text, or files in another format than their names say would otherwise run to
 * the end and commit every document as a reject. At most {@link FileStartCheck#ITEMS} items of one
 * file per kind are read. A file whose bytes cannot be decompressed or parsed at all is left to its
 * worker (its shard fails as bad data) and the next file of the kind is sampled instead, up to
 * {@link #FILES_PER_KIND}.
 *
 * <p>A named {@code input.idField} ({@link FieldMapping#idFieldNamed()}) is looked for in the first
 * {@link #ID_FILES} readable files of the plan (in key order), each read to its end when needed, and
 * the job is refused as naming a misspelt field only when none of them holds it in any record. One
 * file without it is no proof (a corpus may hold a file of records without ids beside files with
 * them); the planner's duplicate-id pass, which reads every document, refuses each file that holds
 * it in no record ({@link MissingIds}).
 */
public final class InputSample {

    /** Files of one kind tried when the first ones are corrupt. */
    static final int FILES_PER_KIND = 3;

    /**
     * Readable files (in key order, whatever their kind) looked through for a named idField before the
     * job is refused as naming a field no record has. A misspelt field is in no file, so a few files
     * without it say so; each may be read to its end, so the look stays bounded on a large corpus (the
     * duplicate-id pass reads every file and names each one without the field).
     */
    static final int ID_FILES = 3;

    private final Storage storage;
    private final DocumentReaders readers;

    public InputSample(Storage storage, DocumentReaders readers) {
        this.storage = storage;
        this.readers = readers;
    }

    /** Refuses the job (InvalidJobException) when a kind's sampled file holds no readable document. */
    public void check(List<Shard> shards) throws IOException {
        Map<String, List<String>> byKind = new LinkedHashMap<>();
        TreeSet<String> keys = new TreeSet<>();
        shards.forEach(s -> s.files().forEach(f -> keys.add(f.key())));
        for (String key : keys) {
            byKind.computeIfAbsent(kind(key), k -> new ArrayList<>()).add(key);
        }
        IdSearch ids = new IdSearch(readers.fields());
        for (List<String> files : byKind.values()) {
            for (String key : files.subList(0, Math.min(FILES_PER_KIND, files.size()))) {
                if (sample(key, ids, true)) {
                    break;
                }
            }
        }
        for (String key : keys) {
            if (!ids.wantsMore()) {
                break;
            }
            if (!ids.tried(key)) {
                sample(key, ids, false); // the start of a file after the kind's first is its worker's to check
            }
        }
        Optional<String> noIds = ids.problem();
        if (noIds.isPresent()) {
            throw new InvalidJobException(noIds.get());
        }
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
     * True when the file could be sampled (and passed); false when it is corrupt and another should be
     * tried. Looks for the named idField in it too, while {@code search} wants more files.
     *
     * @param checkStart whether to refuse the job when the file's first items hold no document
     */
    private boolean sample(String key, IdSearch search, boolean checkStart) throws IOException {
        FileStartCheck start = new FileStartCheck(readers.fields());
        boolean lookForIds = search.wantsMore() && !search.tried(key);
        search.trying(key);
        IdFieldCheck ids = new IdFieldCheck(readers.fields(), lookForIds);
        try (DocumentReader reader = readers.open(storage, key)) {
            InputItem item;
            while (!(start.settled() && ids.settled()) && (item = reader.next()) != null) {
                start.take(item);
                ids.take(item);
            }
            if (!ids.settledForGood()) {
                lookFurther(reader, ids);
            }
        } catch (CorruptInputException | ZipException | EOFException | ZstdIOException | NoSuchFileException e) {
            return false;
        } catch (ObjectArchivedException e) {
            throw archivedInput(storage.describe(key), e);
        } catch (RuntimeException e) {
            if (e instanceof InvalidJobException) {
                throw e;
            }
            Optional<ObjectArchivedException> archived = ObjectArchivedException.in(e);
            if (archived.isPresent()) {
                throw archivedInput(storage.describe(key), archived.get());
            }
            return false; // Parquet reports a file it cannot parse as runtime exceptions
        }
        InputFormat format = readers.formatOf(key);
        Optional<String> problem = checkStart
                ? start.problem(storage.describe(key), format, FileSignature.mismatch(storage, key, format))
                : Optional.empty();
        if (problem.isPresent()) {
            throw new InvalidJobException(problem.get());
        }
        if (lookForIds) {
            search.add(storage.describe(key), format, ids);
        }
        return true;
    }

    /**
     * A named idField none of the file's first documents holds is looked for in the rest of the file (a
     * corpus may start with records without ids): the planner's duplicate-id pass reads every document
     * anyway. A part of the file that cannot be read ends the look without a refusal (its worker fails that
     * shard as bad data).
     */
    private static void lookFurther(DocumentReader reader, IdFieldCheck ids) throws IOException {
        try {
            InputItem item;
            while (!ids.settledForGood() && (item = reader.next()) != null) {
                ids.takeFurther(item);
            }
            ids.readToTheEnd();
        } catch (CorruptInputException | ZipException | EOFException | ZstdIOException e) {
            // the file's start was read; what follows is its worker's to refuse
        } catch (RuntimeException e) {
            if (e instanceof InvalidJobException
                    || ObjectArchivedException.in(e).isPresent()) {
                throw e;
            }
            // Parquet reports a part it cannot parse as runtime exceptions
        }
    }

    /**
     * The named idField looked for across the first {@link #ID_FILES} readable files: found in one of
     * them, or, when each was read to its end without it, the refusal naming them and the fields their
     * records have.
     */
    static final class IdSearch {
        private final FieldMapping fields;
        private final Set<String> tried = new HashSet<>();
        private final List<String> without = new ArrayList<>();
        private final TreeSet<String> recordFields = new TreeSet<>();
        private int looked;
        private long records;
        private boolean found;
        private boolean unsure;
        private boolean parquetOnly = true;

        IdSearch(FieldMapping fields) {
            this.fields = fields;
        }

        /** Another file should be looked through. */
        boolean wantsMore() {
            return fields.idFieldNamed() && !found && looked < ID_FILES;
        }

        boolean tried(String key) {
            return tried.contains(key);
        }

        void trying(String key) {
            tried.add(key);
        }

        /** A readable file was looked through. */
        void add(String file, InputFormat format, IdFieldCheck check) {
            looked++;
            if (check.seen) {
                found = true;
            } else if (check.documents == 0) {
                looked--; // no record to hold it, so no evidence either way
            } else if (!check.whole()) {
                unsure = true; // a part it could not read may hold it
            } else {
                without.add(file);
                records += check.documents;
                recordFields.addAll(check.recordFields);
                parquetOnly &= format == InputFormat.PARQUET;
            }
        }

        /** The refusal when no record of the files looked through holds the field, each read to its end. */
        Optional<String> problem() {
            if (!fields.idFieldNamed() || found || unsure || without.isEmpty()) {
                return Optional.empty();
            }
            recordFields.add(fields.textField());
            String unit = parquetOnly ? "rows" : "records";
            String where = without.size() == 1
                    ? without.get(0)
                    : String.join(", ", without.subList(0, without.size() - 1)) + " and "
                            + without.get(without.size() - 1) + " (the first " + without.size() + " files)";
            return Optional.of("spec.input.idField '" + fields.idField() + "' is in none of the " + records + " "
                    + unit + " of " + where + " (their fields: " + String.join(", ", recordFields)
                    + "): every document would be rejected as missing_id; name the field that holds the ids,"
                    + " or leave idField out for a corpus without ids (each record is then given file:line)");
        }
    }

    /**
     * Whether a named {@code input.idField} ({@link FieldMapping#idFieldNamed()}) is in any record of
     * one file: its first {@link FileStartCheck#ITEMS} documents, then, when none of them holds it, the
     * rest of the file. A record without it is an {@link ItemReason#MISSING_ID} item.
     */
    static final class IdFieldCheck {
        private final boolean named;
        private long documents;
        private boolean seen;
        private boolean toTheEnd;
        private final TreeSet<String> recordFields = new TreeSet<>();

        /** @param look whether to look at all (false: settled from the start) */
        IdFieldCheck(FieldMapping fields, boolean look) {
            this.named = look && fields.idFieldNamed();
        }

        void take(InputItem item) {
            if (!settled()) {
                count(item, true);
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

        /** The whole file was read: a file that ended within its first documents was read to its end by the first look. */
        boolean whole() {
            return toTheEnd || documents < FileStartCheck.ITEMS;
        }
    }
}
