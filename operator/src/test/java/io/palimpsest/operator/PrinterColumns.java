package io.palimpsest.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code kubectl get} row of a custom resource, as the API server's table convertor makes it from the
 * committed CRD's additionalPrinterColumns: each column's JSONPath is looked up in the CRD's schema (a path
 * the schema does not have never shows anything) and in the object; a value missing shows as
 * {@code <none>}. A value of another JSON type than the column's is shown as {@code <none>} too by the
 * API server, silently: here it is an error, so a column that reads a field the operator writes
 * differently (a number as a string, a date that is no RFC 3339 time) fails the test that renders it.
 */
public final class PrinterColumns {
    public static final String REWRITE_JOBS = "rewritejobs.palimpsest.io-v1.yml";
    public static final String REWRITER_MODELS = "rewritermodels.palimpsest.io-v1.yml";
    public static final String NONE = "<none>";

    /** The field paths the columns may use: the API server takes any JSONPath, ours are plain paths. */
    private static final Pattern PLAIN_PATH = Pattern.compile("(\\.[A-Za-z0-9_]+)+");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    private PrinterColumns() {}

    /** Column name to cell, in the CRD's column order; dates as the age at {@code now}. */
    public static Map<String, String> render(String crdFile, String objectJson, Instant now) {
        JsonNode crd = crd(crdFile);
        JsonNode version = crd.path("spec").path("versions").get(0);
        JsonNode schema = version.path("schema").path("openAPIV3Schema");
        JsonNode object;
        try {
            object = JSON.readTree(objectJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (JsonNode column : version.path("additionalPrinterColumns")) {
            String name = column.path("name").asText();
            String path = column.path("jsonPath").asText();
            String type = column.path("type").asText();
            if (!PLAIN_PATH.matcher(path).matches()) {
                throw new AssertionError(name + ": " + path + " is not a plain field path");
            }
            String[] fields = path.substring(1).split("\\.");
            checkSchema(name, fields, type, schema);
            JsonNode value = object;
            for (String field : fields) {
                value = value.path(field);
            }
            row.put(name, cell(name, type, value, now));
        }
        return row;
    }

    /** The column's path exists in the schema (metadata is the API server's), with a type the column can show. */
    private static void checkSchema(String name, String[] fields, String type, JsonNode schema) {
        if ("metadata".equals(fields[0])) {
            return;
        }
        JsonNode node = schema;
        for (String field : fields) {
            node = node.path("properties").path(field);
            if (node.isMissingNode()) {
                throw new AssertionError(name + ": the CRD's schema has no ." + String.join(".", fields));
            }
        }
        String declared = node.path("type").asText();
        boolean fits =
                switch (type) {
                    case "integer" -> declared.equals("integer");
                    case "number" -> declared.equals("number") || declared.equals("integer");
                    case "date", "string" -> declared.equals("string");
                    case "boolean" -> declared.equals("boolean");
                    default -> false;
                };
        if (!fits) {
            throw new AssertionError(name + ": a " + type + " column on a field of type " + declared);
        }
    }

    private static String cell(String name, String type, JsonNode value, Instant now) {
        if (value.isMissingNode() || value.isNull()) {
            return NONE;
        }
        boolean fits =
                switch (type) {
                    case "integer" -> value.isIntegralNumber();
                    case "number" -> value.isNumber();
                    case "boolean" -> value.isBoolean();
                    case "string", "date" -> value.isTextual();
                    default -> false;
                };
        if (!fits) {
            throw new AssertionError(
                    name + ": the API server shows " + NONE + " for " + value + " in a " + type + " column");
        }
        if (!"date".equals(type)) {
            return value.asText();
        }
        try {
            Duration age = Duration.between(Instant.parse(value.asText()), now);
            return age.isNegative() ? "0s" : age.toSeconds() + "s";
        } catch (DateTimeParseException e) {
            throw new AssertionError(name + ": " + value + " is no RFC 3339 time; the API server shows <invalid>");
        }
    }

    private static JsonNode crd(String file) {
        try {
            return YAML.readTree(Path.of("..", "crds", file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
