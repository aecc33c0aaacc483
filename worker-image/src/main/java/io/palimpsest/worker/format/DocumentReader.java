package io.palimpsest.worker.format;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one input file item by item, in file order.
 *
 * <p>Every reader reports bytes it cannot decode as its format says (a gzip or zstd stream that is not one, is damaged
 * or is cut short; a Parquet footer, row group or page that cannot be read) as a {@link CorruptInputException}, and
 * nothing else as one: that is the one type its callers catch to tell a corrupt file ({@link CorruptFileException}
 * for a worker, {@code CorruptFiles} for the planner) from a failure of the store, which passes as it is, checked or
 * not. A reader that meets a new way for its decoder to fail turns it into a {@link CorruptInputException} itself
 * ({@code GzipMembersInputStream}, {@code ZstdFramesInputStream}, {@link ParquetReader}), so no caller lists
 * decoders' exceptions.
 */
public interface DocumentReader extends Closeable {

    /**
     * The next item (a document, or an unusable line with its reason), or null at the end.
     *
     * @throws CorruptInputException when the file's bytes cannot be decoded as its format says
     */
    InputItem next() throws IOException;

    /**
     * The fields the file declares every record to be limited to (a Parquet schema's top-level columns): a field not
     * among them is in none of its records, known without reading them all. Empty for a format whose records each
     * have their own fields (JSON lines), where only reading every record tells.
     */
    default Optional<Set<String>> declaredFields() {
        return Optional.empty();
    }

    /**
     * Passes over the next {@code items} items (documents and unusable ones alike) as {@link #next()} would hand them
     * out, so the item after them is the one {@code next()} would give after as many calls, with the same position. A
     * reader that can tell where an item starts without decoding those before it (Parquet, by its row groups' row
     * counts) need not decode them, nor report what was wrong with them.
     *
     * @return how many items it passed over: {@code items}, or fewer when the file ends first
     * @throws CorruptInputException when the bytes it has to read cannot be decoded as its format says
     */
    default long skip(long items) throws IOException {
        long passed = 0;
        while (passed < items && next() != null) {
            passed++;
        }
        return passed;
    }

    /**
     * How many items are left, {@code atMost} at most: what {@link #skip} would return, for a caller that wants the
     * count alone and reads nothing after it. A reader whose format records how many items it holds (Parquet, by its
     * row groups' row counts) answers from that without reading any, so it need not meet what is wrong with them, nor
     * bytes that do not decode.
     *
     * @throws CorruptInputException when the bytes it has to read cannot be decoded as its format says
     */
    default long itemsLeft(long atMost) throws IOException {
        return skip(atMost);
    }
}
