package io.palimpsest.worker.format;

/**
 * Which record fields hold the text and the id ({@code input.textField}, {@code input.idField}), and
 * whether the job named its id field ({@link #idFieldNamed}): {@code idField: id} written in the manifest
 * is named, as any other field is; left out, the field read is {@code id} and it is not.
 */
public record FieldMapping(String textField, String idField, boolean idFieldNamed) {

    /** Neither field named: {@code text}, and {@code id} where a record has one. */
    public static final FieldMapping DEFAULT = new FieldMapping(null, null);

    public FieldMapping {
        textField = textField == null || textField.isBlank() ? "text" : textField;
        idFieldNamed = idFieldNamed && idField != null && !idField.isBlank();
        idField = idField == null || idField.isBlank() ? "id" : idField;
    }

    /** As the job gives them: a null (or blank) {@code idField} is the one left out. */
    public FieldMapping(String textField, String idField) {
        this(textField, idField, idField != null && !idField.isBlank());
    }

    /**
     * Whether the job names an id field, {@code id} included. Left out, a record without an id is given
     * its position ({@code file:line}): right for a corpus without ids. A field the job names is one its
     * records are meant to hold, so a record without it is rejected {@code missing_id} rather than given
     * an id of another kind than the rest.
     */
    @Override
    public boolean idFieldNamed() {
        return idFieldNamed;
    }
}
