package io.palimpsest.worker.recipe.examples;

import java.nio.file.Path;

/** Finds the repository's examples/ folder from wherever the tests run. */
public final class ExamplesLocator {
    private ExamplesLocator() {}

    public static Path examples() {
        return ExampleRun.examples();
    }
}
