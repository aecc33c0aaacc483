package io.palimpsest.api.recipe;

/** How a model reply is read into a value later steps can use. */
public enum ParseMode {
    text,
    json,
    sections,
    code
}
