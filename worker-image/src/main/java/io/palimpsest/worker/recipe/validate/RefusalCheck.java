package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.post.PreambleStripper;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refusals and assistant boilerplate (a chat lead-in such as "Sure! Here is...") in place of a rewrite. Only the opening of the output is
 * searched: that is where a refusal stands, and a rewrite of a text about chatbots may quote the
 * same phrases further down.
 */
public final class RefusalCheck implements OutputCheck {
    public static final ItemReason REASON = ItemReason.REFUSAL;
    private static final int OPENING_CHARS = 300;
    private static final Pattern REFUSAL = Pattern.compile("(?i)\\b("
            + "as an ai(?: language)? model"
            + "|as a language model"
            + "|i(?:'m| am) (?:sorry|afraid),? but"
            + "|i (?:apologi[sz]e|regret),? but"
            + "|i (?:can(?:no|')t|cannot|won't|will not|am unable to|'m unable to|am not able to) "
            + "(?:help|assist|comply|fulfil|fulfill|rewrite|provide|do that|complete|process|create|generate)"
            + "|i(?:'m| am) (?:unable|not able) to (?:help|assist|comply|fulfil|fulfill|rewrite|provide)"
            + "|(?:this|that|the) (?:request|content) (?:violates|goes against)"
            + "|i must (?:decline|refuse)"
            + ")");

    @Override
    public ItemReason reason() {
        return REASON;
    }

    /** What was searched and found: a refusal phrase or lead-in, or none in the output's opening. */
    @Override
    public Measure measure(ValidationSubject s) {
        return Measure.note(check(s).map(CheckFailure::detail)
                .orElse("no refusal phrase or assistant lead-in in the first "
                        + Math.min(OPENING_CHARS, s.output().length()) + " characters"));
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        String opening = s.output().length() > OPENING_CHARS ? s.output().substring(0, OPENING_CHARS) : s.output();
        Matcher m = REFUSAL.matcher(opening);
        if (m.find()) {
            return Optional.of(new CheckFailure(REASON, "refusal phrase \"" + m.group(1) + "\""));
        }
        // WRAP discards outputs where a chat lead-in survived cleaning: it is not pretraining text.
        String firstLine = opening.strip().lines().findFirst().orElse("");
        if (PreambleStripper.isLeadIn(firstLine)) {
            return Optional.of(new CheckFailure(REASON, "assistant lead-in \"" + firstLine + "\""));
        }
        return Optional.empty();
    }
}
