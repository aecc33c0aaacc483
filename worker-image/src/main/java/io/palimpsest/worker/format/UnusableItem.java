package io.palimpsest.worker.format;

import java.util.List;

/**
 * A line or row that cannot become a document; it goes to the rejects file with its reason.
 * {@code recordFields} are the fields the record has, when it is a record without the text field or with
 * the text field null (empty otherwise): what a wrong {@code input.textField} is reported with.
 */
public record UnusableItem(
        SourcePosition position, String id, ItemReason reason, String detail, List<String> recordFields)
        implements InputItem {

    public UnusableItem {
        recordFields = List.copyOf(recordFields);
    }

    public UnusableItem(SourcePosition position, String id, ItemReason reason, String detail) {
        this(position, id, reason, detail, List.of());
    }
}
