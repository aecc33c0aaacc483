package io.palimpsest.api.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kubernetes' syntax of label keys and values (apimachinery's IsQualifiedName and
 * IsValidLabelValue), which the API server applies to a pod's {@code nodeSelector}, to the keys
 * of affinity match expressions and label selectors, to {@code topologyKey} and to a toleration's
 * key and value. The CRDs store those Kubernetes types without the rule; a Deployment or Job made
 * from them would be refused (422). The messages are the API server's.
 */
final class LabelSyntax {
    private static final String NAME_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private static final Pattern NAME = Pattern.compile(NAME_FORMAT);
    private static final String NAME_MESSAGE =
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric"
                    + " character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '"
                    + NAME_FORMAT + "')";
    private static final int NAME_MAX = 63;

    private static final String SUBDOMAIN_FORMAT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private static final Pattern SUBDOMAIN = Pattern.compile(SUBDOMAIN_FORMAT);
    private static final int SUBDOMAIN_MAX = 253;

    private static final String VALUE_FORMAT = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
    private static final Pattern VALUE = Pattern.compile(VALUE_FORMAT);

    private LabelSyntax() {}

    /**
     * What is wrong with {@code key} as a label key (an optional DNS subdomain prefix of at most 253
     * characters and '/', then a name of at most 63); empty when it is one.
     */
    static List<String> key(String key) {
        List<String> out = new ArrayList<>();
        String[] parts = key.split("/", -1);
        String name;
        if (parts.length == 1) {
            name = parts[0];
        } else if (parts.length == 2) {
            String prefix = parts[0];
            name = parts[1];
            if (prefix.isEmpty()) {
                out.add("prefix part must be non-empty");
            } else {
                if (prefix.length() > SUBDOMAIN_MAX) {
                    out.add("prefix part must be no more than " + SUBDOMAIN_MAX + " characters");
                }
                if (!SUBDOMAIN.matcher(prefix).matches()) {
                    out.add("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
                            + " characters, '-' or '.', and must start and end with an alphanumeric character (e.g."
                            + " 'example.com', regex used for validation is '" + SUBDOMAIN_FORMAT + "')");
                }
            }
        } else {
            out.add("a qualified name " + NAME_MESSAGE
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
            return out;
        }
        if (name.isEmpty()) {
            out.add("name part must be non-empty");
        } else if (name.length() > NAME_MAX) {
            out.add("name part must be no more than " + NAME_MAX + " characters");
        }
        if (!NAME.matcher(name).matches()) {
            out.add("name part " + NAME_MESSAGE);
        }
        return out;
    }

    /** What is wrong with {@code value} as a label value (empty, or a name of at most 63 characters); empty when it is one. */
    static List<String> value(String value) {
        List<String> out = new ArrayList<>();
        if (value.length() > NAME_MAX) {
            out.add("must be no more than " + NAME_MAX + " characters");
        }
        if (!VALUE.matcher(value).matches()) {
            out.add("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.',"
                    + " and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or"
                    + " '12345', regex used for validation is '" + VALUE_FORMAT + "')");
        }
        return out;
    }

    /** Each problem of {@code key} as a label key, on {@code field}. */
    static void checkKey(List<FieldError> out, String key, String field) {
        for (String message : key(key)) {
            out.add(new FieldError(field, "Invalid value: \"" + key + "\": " + message));
        }
    }

    /** Each problem of {@code value} as a label value, on {@code field}. */
    static void checkValue(List<FieldError> out, String value, String field) {
        for (String message : value(value)) {
            out.add(new FieldError(field, "Invalid value: \"" + value + "\": " + message));
        }
    }
}
