package io.palimpsest.worker.format;

/** Which record fields hold the text and the id ({@code input.textField}, {@code input.idField}). */
public record FieldMapping(String textField, String idField) {

    public static final FieldMapping DEFAULT = new FieldMapping("text", "id");

    public FieldMapping {
        textField = textField == null || textField.isBlank() ? "text" : textField;
        idField = idField == null || idField.isBlank() ? "id" : idField;
    }
}
