package io.palimpsest.worker.text;

import java.util.List;

/**
 * The first few of a longer list, for messages: "a, b, c, and 2 more". What is left out is said as one more item of
 * the list, after the same separator, so a list of sentences reads "p; q; r; and 2 more" as a list of names reads
 * "a, b, c, and 2 more".
 */
public final class ShortList {

    private ShortList() {}

    /**
     * @param shown     the items named, in order
     * @param total     how many there are in all ({@code shown} among them)
     * @param separator between items: {@code ", "} for names, {@code "; "} for items that hold commas themselves
     */
    public static String of(List<String> shown, long total, String separator) {
        String named = String.join(separator, shown);
        long more = total - shown.size();
        return more > 0 ? named + separator + "and " + more + " more" : named;
    }
}
