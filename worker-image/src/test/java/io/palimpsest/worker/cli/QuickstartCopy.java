package io.palimpsest.worker.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The quickstart example's manifests and input, copied for a test that edits them or runs them. */
final class QuickstartCopy {

    static final Path QUICKSTART = Path.of("../examples/quickstart");

    private QuickstartCopy() {}

    /** Copies job.yaml, model.yaml and the two input files to {@code <folder>/manifests}, and returns that folder. */
    static Path into(Path folder) throws IOException {
        Path manifests = folder.resolve("manifests");
        Files.createDirectories(manifests.resolve("data"));
        for (String f : new String[] {"job.yaml", "model.yaml", "data/part-000.jsonl", "data/part-001.jsonl"}) {
            Files.copy(QUICKSTART.resolve(f), manifests.resolve(f));
        }
        return manifests;
    }
}
