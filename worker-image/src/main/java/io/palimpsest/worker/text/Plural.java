package io.palimpsest.worker.text;

import java.util.Locale;

/** A count and its noun, for messages: "1 shard", "2 shards", "1,024 documents". */
public final class Plural {

    private Plural() {}

    /** @param noun the singular; the plural adds an s */
    public static String of(long n, String noun) {
        return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
    }
}
