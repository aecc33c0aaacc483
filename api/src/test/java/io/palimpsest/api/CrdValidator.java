package io.palimpsest.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.lint.FieldError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The committed CRDs ({@code crds/}) read through the same {@link CrdSchema} that
 * {@code palimpsest lint} uses, so these tests check the shipped validator and the committed files
 * at once. Errors come back as {@code field: message} strings.
 */
public final class CrdValidator {
    static final ObjectMapper YAML = new YAMLMapper();

    private final CrdSchema schema;

    private CrdValidator(CrdSchema schema) {
        this.schema = schema;
    }

    public static Path crdDir() {
        return Path.of("..", "crds");
    }

    public static CrdValidator forCrd(String fileName) throws IOException {
        return new CrdValidator(CrdSchema.read(crdDir().resolve(fileName)));
    }

    public static CrdValidator rewriteJobs() throws IOException {
        return forCrd(CrdSchema.REWRITE_JOBS);
    }

    public static CrdValidator rewriterModels() throws IOException {
        return forCrd(CrdSchema.REWRITER_MODELS);
    }

    public Map<String, Object> schema() {
        return schema.schema();
    }

    /** Errors for a create. */
    public List<String> validate(Map<String, Object> object) {
        return validate(object, null);
    }

    /** Errors for an update from oldObject to object (transition rules included). */
    public List<String> validate(Map<String, Object> object, Map<String, Object> oldObject) {
        return schema.validate(object, oldObject).stream()
                .map(FieldError::toString)
                .toList();
    }

    /** Every rule of the CRD with the schema path it sits on. */
    public List<Map.Entry<String, Map<String, Object>>> rules() {
        return schema.rules();
    }

    public static boolean evaluate(String rule, Object self, Object oldSelf) {
        return CrdSchema.evaluate(rule, self, oldSelf);
    }

    public static void compile(String rule) throws Exception {
        CrdSchema.compile(rule);
    }

    static <T> T deepCopy(T value) {
        return CrdSchema.deepCopy(value);
    }
}
