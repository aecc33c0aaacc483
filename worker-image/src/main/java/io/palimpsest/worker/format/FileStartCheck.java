package io.palimpsest.worker.format;

import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether the start of a file shows that the file cannot be read as the job describes it: none of its
 * first {@link #ITEMS} items (all of them, in a shorter file) is a document, and the reader failed on
 * at least one ({@link ItemReason#decodeFailure()}). Then every line would be rejected the same way
 * (a wrong {@code input.textField}, gzip data under a {@code .jsonl} name, a JSON array, UTF-16 text),
 * and committing the rejects would hide a job that read nothing. A corpus with some bad lines has
 * documents among them and passes. The planner runs it over the whole of the first file of each kind, to its first
 * document, and of every file in its duplicate-id pass ({@link #wholeFile}); each worker on every file it reads (on
 * a range's first items for an item range of a cut file: {@link #ofRange}), but for the
 * files the plan vouches for: a file whose first items (or a range's) fail the check though the planner, reading
 * all of it, found a document further on has its unreadable lines rejected one by one, as bad lines anywhere else
 * in a file are ({@code DuplicateIdIndex}'s {@code startCheckWaived}).
 */
public final class FileStartCheck {
    /**
     * What a file none of whose lines is a document is about when no field of the records is: the globs that took
     * it among the data (notes, a listing or a log beside the corpus), else the input that holds it.
     */
    private static final List<ManifestField> FILES_TAKEN = List.of(
            ManifestField.job("spec.input.include"),
            ManifestField.job("spec.input.exclude"),
            ManifestField.job("spec.input.uri"));

    /** How many items from the start of a file decide. */
    public static final int ITEMS = 100;

    /** Fields of records without the text field kept for the message: a file of ever-new keys keeps no more. */
    private static final int RECORD_FIELDS = 100;

    private final FieldMapping fields;
    /** Items that decide: {@link #ITEMS}, or every item of a file read to its end ({@link #wholeFile}). */
    private final long limit;
    /** The items are an item range of a file ({@link #ofRange}): the message names their lines, not the file's first. */
    private final boolean range;

    private long items;
    /** The lines (or rows) of the first and the last item taken. */
    private long firstLine;

    private long lastLine;
    private boolean document;
    private final Map<ItemReason, Long> failures = new EnumMap<>(ItemReason.class);
    /** Every reason an item was not a document, the reader's failures and the others (an empty text): the message lists them all. */
    private final Map<ItemReason, Long> unusable = new EnumMap<>(ItemReason.class);

    private final Map<ItemReason, UnusableItem> firstOf = new EnumMap<>(ItemReason.class);
    private final Set<String> recordFields = new LinkedHashSet<>();
    /** Records that have the text field, null ({@link ItemReason#MISSING_TEXT} naming it among their fields). */
    private long nullTexts;
    /** Records that have the named id field, null ({@link ItemReason#MISSING_ID} naming it among their fields). */
    private long nullIds;

    public FileStartCheck(FieldMapping fields) {
        this(fields, ITEMS, false);
    }

    private FileStartCheck(FieldMapping fields, long limit, boolean range) {
        this.fields = fields;
        this.limit = limit;
        this.range = range;
    }

    /**
     * The check over the first {@link #ITEMS} items of an item range of a cut file (a shard's part of it), which
     * start at some line of the file: the message names the lines taken, as they are not the file's first.
     */
    public static FileStartCheck ofRange(FieldMapping fields) {
        return new FileStartCheck(fields, ITEMS, true);
    }

    /**
     * The check over a file's first {@code items} items: the planner's bounded look at the first file of a kind
     * ({@code InputSample}), whose message says "the first N" when the file goes on past them.
     */
    public static FileStartCheck firstItems(FieldMapping fields, long items) {
        return new FileStartCheck(fields, items, false);
    }

    /**
     * The same check over every item of a file rather than its first {@link #ITEMS}: it fails when no item of the
     * whole file is a document and the reader failed on at least one (the planner's duplicate-id pass, which reads
     * every record). Parts of one file read apart (item ranges) are joined with {@link #merge}.
     */
    public static FileStartCheck wholeFile(FieldMapping fields) {
        return new FileStartCheck(fields, Long.MAX_VALUE, false);
    }

    /**
     * {@link #wholeFile} over every item of an item range of a cut file (a shard's part of it, read to its end): the
     * message names the range's lines, as {@link #ofRange} does its first ones.
     */
    public static FileStartCheck wholeRange(FieldMapping fields) {
        return new FileStartCheck(fields, Long.MAX_VALUE, true);
    }

    /** Takes the file's next item, until {@link #settled()}. */
    public void take(InputItem item) {
        if (settled()) {
            return;
        }
        items++;
        long line = item.position().line();
        firstLine = items == 1 ? line : Math.min(firstLine, line);
        lastLine = Math.max(lastLine, line);
        if (item instanceof Document) {
            document = true;
        } else if (item instanceof UnusableItem u) {
            unusable.merge(u.reason(), 1L, Long::sum);
            if (u.reason() == ItemReason.MISSING_ID) {
                addFields(u.recordFields()); // a misspelt idField: the message names the fields there are
                if (u.recordFields().contains(fields.idField())) {
                    nullIds++;
                }
            }
            if (u.reason() == ItemReason.MISSING_TEXT && u.recordFields().contains(fields.textField())) {
                nullTexts++;
            }
            if (u.reason().decodeFailure()) {
                failures.merge(u.reason(), 1L, Long::sum);
                firstOf.merge(u.reason(), u, FileStartCheck::earlier);
                addFields(u.recordFields());
            }
        }
    }

    /** Adds what {@code other} took from another part of the same file (an item range read apart). */
    public void merge(FileStartCheck other) {
        if (other.items > 0) {
            firstLine = items == 0 ? other.firstLine : Math.min(firstLine, other.firstLine);
            lastLine = Math.max(lastLine, other.lastLine);
        }
        items += other.items;
        document |= other.document;
        nullTexts += other.nullTexts;
        nullIds += other.nullIds;
        other.unusable.forEach((reason, n) -> unusable.merge(reason, n, Long::sum));
        other.failures.forEach((reason, n) -> failures.merge(reason, n, Long::sum));
        other.firstOf.forEach((reason, item) -> firstOf.merge(reason, item, FileStartCheck::earlier));
        addFields(other.recordFields);
    }

    private static UnusableItem earlier(UnusableItem a, UnusableItem b) {
        return b.position().line() < a.position().line() ? b : a;
    }

    private void addFields(Iterable<String> names) {
        for (String name : names) {
            if (recordFields.size() >= RECORD_FIELDS) {
                return;
            }
            recordFields.add(name);
        }
    }

    /** A document was seen or enough items were taken: further items change nothing. */
    public boolean settled() {
        return document || items >= limit;
    }

    /** A document was among the items taken. */
    public boolean document() {
        return document;
    }

    /** Items taken (lines or rows). */
    public long items() {
        return items;
    }

    /**
     * The reasons the reader failed on the items taken, most frequent first (the catalogue's order breaks ties): what
     * such lines are rejected as when a worker reads on past them.
     */
    public List<ItemReason> failureReasons() {
        return failures.entrySet().stream()
                .sorted(Map.Entry.<ItemReason, Long>comparingByValue().reversed())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** The items taken show the file cannot be read as the job describes it. */
    public boolean failed() {
        return !document && !failures.isEmpty();
    }

    /**
     * What is wrong, naming the field, the file and its first failing line or row; empty when the
     * check did not fail. When the items taken hold records (JSON objects, rows) and none is a document, the field
     * that fails them is named, whatever lines that are no record stand beside them (counted in the message): a
     * misspelt {@code input.textField} or {@code input.idField} is then the error, not the unreadable lines.
     *
     * @param file where the file is, for the message
     * @param hint what the file's first bytes say it is ({@link FileSignature}), if anything
     */
    public Optional<String> problem(String file, InputFormat format, Optional<String> hint) {
        return described(file, format, hint).map(Described::message);
    }

    /** As {@link #problem}, as the plan's refusal, about the input field it names when it names one. */
    public Optional<InvalidJobException> refusal(String file, InputFormat format, Optional<String> hint) {
        return described(file, format, hint)
                .map(d -> d.field() == null
                        ? new InvalidJobException(d.message(), FILES_TAKEN)
                        : new InvalidJobException(d.field(), d.message()));
    }

    /** A problem's words and the field they are about (null: the file's lines, not a field). */
    private record Described(String message, ManifestField field) {}

    private Optional<Described> described(String file, InputFormat format, Optional<String> hint) {
        if (!failed()) {
            return Optional.empty();
        }
        String unit = format == InputFormat.PARQUET ? "row" : "line";
        ItemReason main = fieldReason().orElseGet(this::mostFrequentFailure);
        // lines that are no record beside the records a field fails: counted in the message
        boolean others = unusable.keySet().stream().anyMatch(reason -> reason != main);
        String records = others ? unit + "s" : "records";
        String message;
        ManifestField field = null;
        if (main == ItemReason.MISSING_ID) {
            field = ManifestField.job("spec.input.idField");
            // records with a text and without the named idField: the idField is what makes the file unreadable, not
            // the lines beside them the reader could not read
            long missingIds = unusable.get(ItemReason.MISSING_ID);
            String where = nullIds == 0
                    ? "' is in none of "
                    : nullIds == missingIds ? "' is null in every one of " : "' is missing or null in every one of ";
            message = "spec.input.idField '" + fields.idField() + where + span(file, unit + "s", unit)
                    + " ("
                    + aside("their fields: " + String.join(", ", recordFields) + "; " + counts()
                            + nearMiss("idField", fields.idField(), recordFields, fields.textField()))
                    + "): each of its documents would be rejected as missing_id; name the field that holds the ids,"
                    + " or leave idField out for a corpus without ids (each record is then given file:line)";
        } else if (main == ItemReason.MISSING_TEXT && nullTexts > 0) {
            // the records have the field, null: saying it is in none of them would send the reader after a misspelling
            field = ManifestField.job("spec.input.textField");
            boolean allNull = nullTexts == failures.get(ItemReason.MISSING_TEXT);
            message = "spec.input.textField '" + fields.textField() + "' is " + (allNull ? "" : "missing or ")
                    + "null in every one of " + span(file, records, unit) + " ("
                    + aside("their fields: " + String.join(", ", recordFields) + (others ? "; " + counts() : ""))
                    + ")";
        } else if (main == ItemReason.MISSING_TEXT) {
            field = ManifestField.job("spec.input.textField");
            message = "spec.input.textField '" + fields.textField() + "' is in none of " + span(file, records, unit)
                    + " ("
                    + aside("their fields: " + String.join(", ", recordFields) + (others ? "; " + counts() : "")
                            + nearMiss("textField", fields.textField(), recordFields, fields.idField()))
                    + ")";
        } else if (main == ItemReason.INVALID_ID) {
            field = ManifestField.job("spec.input.idField");
            message = "spec.input.idField '" + fields.idField() + "' is not a string or a number in any of "
                    + span(file, records, unit) + " (" + aside(first(main, unit) + (others ? "; " + counts() : ""))
                    + ")";
        } else if (main == ItemReason.TEXT_NOT_A_STRING) {
            field = ManifestField.job("spec.input.textField");
            message = "spec.input.textField '" + fields.textField() + "' is not a string in any of "
                    + span(file, records, unit) + " (" + aside(first(main, unit) + (others ? "; " + counts() : ""))
                    + ")";
        } else {
            String range = aside("");
            message = "none of " + span(file, unit + "s", unit) + (range.isEmpty() ? "" : " (" + range + ")")
                    + " could be read as a document: " + counts() + " (first at " + first(main, unit) + ")";
        }
        return Optional.of(new Described(message + hint.map(h -> "; " + h).orElse(""), field));
    }

    /**
     * "; did you mean textField 'body'?" when one of the fields the records have is a near miss of the one {@code
     * input.<manifestField>} names (a misspelt field, most often), found as the template check finds a {@code meta}
     * field's ({@link CrdSchema#nearest}); empty when none is.
     *
     * @param manifestField the {@code spec.input} field that names {@code named}
     * @param other the field the job names for the other role (the id beside the text): no suggestion for this one
     */
    public static String nearMiss(String manifestField, String named, Collection<String> recordFields, String other) {
        Set<String> candidates = new LinkedHashSet<>(recordFields);
        candidates.remove(named);
        candidates.remove(other);
        return CrdSchema.nearest(named, candidates)
                .map(field -> "; did you mean " + manifestField + " '" + field + "'?")
                .orElseGet(() -> nestedPath(manifestField, named, recordFields));
    }

    /**
     * When {@code named} reads as a path into a field the records have ({@code meta.text} beside a {@code meta}
     * struct or object): the job's fields are top-level ones, and saying only which fields there are leaves the
     * reader to guess why {@code meta} does not do.
     */
    private static String nestedPath(String manifestField, String named, Collection<String> recordFields) {
        int dot = named.indexOf('.');
        if (dot <= 0 || !recordFields.contains(named.substring(0, dot))) {
            return "";
        }
        String outer = named.substring(0, dot);
        return "; " + manifestField + " names a top-level field (a column), never one inside another: '" + named
                + "' is no path into '" + outer + "'; write the " + (manifestField.equals("idField") ? "id" : "text")
                + " to a top-level field first";
    }

    /**
     * The field that fails the records taken, if any record was taken: a record without the named idField
     * ({@link ItemReason#MISSING_ID}) when such records are at least as many as those failed otherwise, else the
     * reason that failed the most records (the catalogue's order breaks ties). Empty: no item taken was a record.
     */
    private Optional<ItemReason> fieldReason() {
        long missingIds = unusable.getOrDefault(ItemReason.MISSING_ID, 0L);
        ItemReason field = null;
        for (ItemReason reason :
                List.of(ItemReason.MISSING_TEXT, ItemReason.TEXT_NOT_A_STRING, ItemReason.INVALID_ID)) {
            long n = failures.getOrDefault(reason, 0L);
            boolean named = reason != ItemReason.MISSING_TEXT || !recordFields.isEmpty(); // {} names no field
            if (n > 0 && named && (field == null || n > failures.get(field))) {
                field = reason;
            }
        }
        if (missingIds > 0 && (field == null || missingIds >= failures.get(field))) {
            return Optional.of(ItemReason.MISSING_ID);
        }
        return Optional.ofNullable(field);
    }

    private ItemReason mostFrequentFailure() {
        ItemReason main = null;
        for (Map.Entry<ItemReason, Long> e : failures.entrySet()) { // catalogue order breaks ties
            if (main == null || e.getValue() > failures.get(main)) {
                main = e.getKey();
            }
        }
        return main;
    }

    /** The first item the reader failed on for {@code reason}: where it is and what it was. */
    private String first(ItemReason reason, String unit) {
        UnusableItem item = firstOf.get(reason);
        return unit + " " + item.position().line() + ": " + item.detail();
    }

    /**
     * The items taken, in the file: "the first 100 lines of F" (a file's start), "the 7 lines of F" (all of a
     * file), "lines 301 to 400 of F" (an item range's, whose lines {@link #aside} says are the range's first).
     *
     * @param noun what the items are called, plural ("lines", "records", "rows")
     */
    private String span(String file, String noun, String unit) {
        if (range) {
            String lines = firstLine == lastLine ? unit + " " + firstLine : unit + "s " + firstLine + " to " + lastLine;
            return lines + " of " + file;
        }
        return (items >= limit ? "the first " : "the ") + items + " " + noun + " of " + file;
    }

    /** What the message says in parentheses after {@link #span}: for a range, which of its items they are first. */
    private String aside(String rest) {
        if (!range) {
            return rest;
        }
        String part = items >= limit
                ? "the first " + items + " of this shard's item range"
                : "all " + items + " of this shard's item range";
        return rest.isEmpty() ? part : part + "; " + rest;
    }

    private String counts() {
        return unusable.entrySet().stream() // by count, then in the catalogue's order
                .sorted(Map.Entry.<ItemReason, Long>comparingByValue().reversed())
                .map(e -> e.getValue() + " " + e.getKey().code())
                .collect(Collectors.joining(", "));
    }
}
