package io.palimpsest.worker.recipe.validate;

/** What a check measured on one output and the bounds it holds that value to (each may be null). */
public record Measure(Double value, Double min, Double max) {}
