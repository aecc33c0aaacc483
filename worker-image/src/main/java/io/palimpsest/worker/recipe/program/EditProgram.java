package io.palimpsest.worker.recipe.program;

import java.util.List;

/**
 * A parsed program: the calls that were understood, and how many lines were not.
 *
 * @param malformed lines that looked like code but were not a valid call (unknown function,
 *                  wrong arguments, unbalanced quotes, line numbers outside the chunk)
 */
public record EditProgram(List<EditCall> calls, int malformed) {
    public EditProgram {
        calls = List.copyOf(calls);
    }

    public boolean drops() {
        return calls.stream().anyMatch(c -> c instanceof EditCall.DropDoc);
    }
}
