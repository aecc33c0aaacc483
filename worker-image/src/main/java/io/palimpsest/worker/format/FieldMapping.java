package io.palimpsest.worker.format;

/** Which record fields hold the text and the id ({@code input.textField}, {@code input.idField}). */
public record FieldMapping(String textField, String idField) {

    public static final FieldMapping DEFAULT = new FieldMapping("text", "id");

    public FieldMapping {
        textField = textField == null || textField.isBlank() ? "text" : textField;
        idField = idField == null || idField.isBlank() ? "id" : idField;
    }

    /**
     * Whether the job names an id field other than the default {@code id}. Under the default, a record
     * without an id is given its position ({@code file:line}): right for a corpus without ids. A field
     * the job names is one its records are meant to hold, so a record without it is rejected
     * {@code missing_id} rather than given an id of another kind than the rest.
     */
    public boolean idFieldNamed() {
        return !DEFAULT.idField().equals(idField);
    }
}
