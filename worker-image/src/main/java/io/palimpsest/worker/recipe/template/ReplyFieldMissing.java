package io.palimpsest.worker.recipe.template;

import io.palimpsest.worker.format.ItemReason;

/**
 * A template read a field of an earlier stage's reply (or a parameter a stage gave) that the reply
 * lacks or holds empty: the reply is at fault, not the template, so the unit is rejected
 * {@code parse_error}, the same whichever call renders the template (a stage, a variant, its chunk
 * budget, a judge).
 */
public final class ReplyFieldMissing extends TemplateException {
    ReplyFieldMissing(String owner, String field, String problem) {
        super(owner, field, 0, problem);
    }

    @Override
    public ItemReason reason() {
        return ItemReason.PARSE_ERROR;
    }
}
