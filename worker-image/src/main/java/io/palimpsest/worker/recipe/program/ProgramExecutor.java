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
        for (int i = 0; i < lines.size(); i++) {
            if (!removed.get(i)) {
                kept.add(lines.get(i));
            }
        }
        return new Applied(String.join("\n", kept), removed.cardinality(), normalizations);
    }
}
