package io.palimpsest.operator.status;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The one time format the operator writes into status, events and annotations: RFC 3339 in UTC to
 * the second ({@code 2026-12-05T17:43:41Z}), as Kubernetes writes its own timestamps. Whole
 * seconds, so a value read back and written again is the same string and a status compared with
 * the one before it does not change for a fraction of a second.
 */
public final class Rfc3339 {

    private Rfc3339() {}

    /** {@code at} to the second, or null for null. */
    public static String format(Instant at) {
        return at == null ? null : DateTimeFormatter.ISO_INSTANT.format(at.truncatedTo(ChronoUnit.SECONDS));
    }

    /** The instant a Kubernetes timestamp names, or null for null; fractions of a second are kept. */
    public static Instant parse(String rfc3339) {
        return rfc3339 == null ? null : Instant.parse(rfc3339);
    }
}
