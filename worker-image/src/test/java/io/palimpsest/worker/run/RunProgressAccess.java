package io.palimpsest.worker.run;

/** Lets tests of other packages feed a {@link RunProgress} as the runner does. */
public final class RunProgressAccess {
    private RunProgressAccess() {}

    public static void record(RunProgress progress, ProcessedDocument document) {
        progress.record(document);
    }
}
