package io.palimpsest.worker.recipe.program;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Applies a parsed edit program to one chunk. Normalisations run first and never change the
 * number of lines, so the line numbers the model saw stay valid for the removals that follow.
 */
public final class ProgramExecutor {
    private ProgramExecutor() {}

    /** What a program did to a chunk. */
    public record Applied(String text, int removedLines, int normalizations) {}

    public static Applied apply(String chunk, EditProgram program) {
        String text = chunk;
        int normalizations = 0;
        for (EditCall call : program.calls()) {
            if (call instanceof EditCall.Normalize n && text.contains(n.from())) {
                text = text.replace(n.from(), n.to());
                normalizations++;
            }
        }
        List<String> lines = NumberedLines.lines(text);
        BitSet removed = new BitSet(lines.size());
        for (EditCall call : program.calls()) {
            if (call instanceof EditCall.RemoveLines r) {
                removed.set(r.first() - 1, Math.min(r.last(), lines.size()));
            }
        }
        List<String> kept = new ArrayList<>(lines.size());
        int lastKept = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (!removed.get(i)) {
                kept.add(lines.get(i));
                lastKept = i;
            }
        }
        if (lastKept >= 0
                && lastKept < lines.size() - 1
                && kept.get(kept.size() - 1).endsWith("\r")) {
            // the carriage return of a CRLF line end whose newline went with the lines removed after it: the text
            // ends without it, as a text with LF line ends ends without its newline
            String last = kept.get(kept.size() - 1);
            kept.set(kept.size() - 1, last.substring(0, last.length() - 1));
        }
        return new Applied(String.join("\n", kept), removed.cardinality(), normalizations);
    }
}
