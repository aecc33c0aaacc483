package io.palimpsest.worker.format;

import java.io.Closeable;
import java.io.IOException;

/** Reads one input file item by item, in file order. */
public interface DocumentReader extends Closeable {

    /** The next item (a document, or an unusable line with its reason), or null at the end. */
    InputItem next() throws IOException;
}
