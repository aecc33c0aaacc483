package io.palimpsest.worker.recipe.validate;

/**
 * What a check measured on one output and the bounds it holds that value to (each may be null), and,
 * for what a number does not say (a language, two shares, nothing found), a short note in words.
 */
public record Measure(Double value, Double min, Double max, String note) {
    public Measure(Double value, Double min, Double max) {
        this(value, min, max, null);
    }

    /** What the check found, said in words: it measures no number. */
    public static Measure note(String note) {
        return new Measure(null, null, null, note);
    }
}
