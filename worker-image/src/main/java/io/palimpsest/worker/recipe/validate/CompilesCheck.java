package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.filter.PythonSyntax;
import io.palimpsest.worker.recipe.parse.FencedCode;
import java.util.Optional;

/** The output (or its first fenced block, if it still has one) must compile as Python 3. */
public final class CompilesCheck implements OutputCheck {
    public static final ItemReason REASON = ItemReason.COMPILES;

    @Override
    public ItemReason reason() {
        return REASON;
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        String code = s.output().contains("```")
                ? FencedCode.first(s.output(), "python").orElse(s.output())
                : s.output();
        return PythonSyntax.check(code).map(p -> new CheckFailure(REASON, p.toString()));
    }
}
