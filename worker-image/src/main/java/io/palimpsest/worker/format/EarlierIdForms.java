package io.palimpsest.worker.format;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.regex.Pattern;

/**
 * Whether an id a plan recorded (its duplicate-id index) is the id a worker reads now, written as the version that
 * planned it wrote it. Versions before Parquet DATE, TIME and TIMESTAMP columns were read as ISO-8601 text read them
 * as the number Parquet stores (days since 1970; the column's unit since midnight or since 1970), and the first of
 * those that wrote a TIME adjusted to UTC wrote it without its {@code Z}: a campaign planned by one of them and resumed
 * by a worker of this one finds the same id in the other form. The number is read back as each unit would write it
 * ({@link ParquetReader}); it is the same id only when one of them gives exactly the text read now. A worker compares
 * ids only in a file whose size and version are the plan's, so the file is the one planned, read another way.
 */
public final class EarlierIdForms {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long[] UNITS_PER_SECOND = {1_000L, 1_000_000L, NANOS_PER_SECOND};
    private static final Pattern UTC_TIME_OF_DAY = Pattern.compile("\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z");

    private EarlierIdForms() {}

    /** Whether {@code recorded} is {@code read}, as it is or in a form an earlier version wrote it in. */
    public static boolean sameId(String recorded, String read) {
        if (recorded.equals(read)) {
            return true;
        }
        if (UTC_TIME_OF_DAY.matcher(read).matches() && recorded.equals(read.substring(0, read.length() - 1))) {
            return true; // a TIME adjusted to UTC, written without its Z
        }
        long stored;
        try {
            stored = Long.parseLong(recorded);
        } catch (NumberFormatException e) {
            return false;
        }
        boolean utc = read.endsWith("Z");
        try {
            if (LocalDate.ofEpochDay(stored).toString().equals(read)) {
                return true;
            }
        } catch (DateTimeException e) {
            // no date: another reading may be
        }
        for (long perSecond : UNITS_PER_SECOND) {
            long nanosPerUnit = NANOS_PER_SECOND / perSecond;
            try {
                String instant = ParquetReader.dateTime(
                        Math.floorDiv(stored, perSecond), Math.floorMod(stored, perSecond) * nanosPerUnit, utc);
                if (instant.equals(read)) {
                    return true;
                }
            } catch (DateTimeException e) {
                // beyond the instants this unit reaches
            }
            if (stored >= 0 && stored < 86_400L * perSecond) {
                String time = ParquetReader.dateTime(0, stored * nanosPerUnit, utc);
                if (time.substring(time.indexOf('T') + 1).equals(read)) {
                    return true;
                }
            }
        }
        return false;
    }
}
