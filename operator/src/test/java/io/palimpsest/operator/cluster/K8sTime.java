package io.palimpsest.operator.cluster;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** metav1.Time: RFC 3339 with whole seconds, as an API server stores it. */
final class K8sTime {

    private K8sTime() {}

    static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static Instant parse(String text) {
        return text == null ? null : Instant.parse(text);
    }
}
