package io.palimpsest.worker.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which field a refusal is about comes with it, never from its words: a refusal is put at the line of the field it
 * carries, in the file of the manifest that writes it (the job's or the model's), and left as it is otherwise.
 */
class LocatedRefusalTest {

    @TempDir
    Path tmp;

    Path job;
    Path model;
    JobManifests.Loaded loaded;

    @BeforeEach
    void readTheQuickstart() throws IOException {
        Path quickstart = Path.of("../examples/quickstart");
        Files.createDirectories(tmp.resolve("jobs"));
        Files.createDirectories(tmp.resolve("models"));
        job = Files.copy(quickstart.resolve("job.yaml"), tmp.resolve("jobs/job.yaml"));
        model = Files.copy(quickstart.resolve("model.yaml"), tmp.resolve("models/model.yaml"));
        loaded = new JobManifests().load(List.of(job, model), true);
    }

    private int lineOf(Path file, String text) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " is not in " + file);
    }

    @Test
    void aRefusalOfWordsAloneIsNotPlacedByTheFieldItsWordsStartWith() {
        String words = "spec.input.uri file://elsewhere/ does not exist";
        assertEquals(words, loaded.located(new InvalidJobException(words)).getMessage());
    }

    @Test
    void aRefusalIsPlacedAtTheLineOfTheFieldItCarries() throws IOException {
        String words = "spec.input.uri file://data/ does not exist";
        assertEquals(
                job + ":" + lineOf(job, "uri: file://data/") + ": " + words,
                loaded.located(new InvalidJobException(ManifestField.job("spec.input.uri"), words))
                        .getMessage());
        // words that do not start with the field get it put first, as lint writes a problem
        assertEquals(
                job + ":" + lineOf(job, "uri: file://data/") + ": spec.input.uri: output x is the input",
                loaded.located(new InvalidJobException(ManifestField.job("spec.input.uri"), "output x is the input"))
                        .getMessage());
    }

    @Test
    void aModelFieldIsPlacedInTheModelsOwnFile() throws IOException {
        assertEquals(
                model + ":" + lineOf(model, "servedModelName:") + ": spec.servedModelName: refused",
                loaded.located(new InvalidJobException(
                                "refused",
                                List.of(
                                        ManifestField.model("spec.servedModelName"),
                                        ManifestField.model("metadata.name"))))
                        .getMessage());
        // the job writes a spec.input.uri, the model does not: a model field is never looked up in the job's file
        assertEquals(
                "refused",
                loaded.located(new InvalidJobException(ManifestField.model("spec.input.uri"), "refused"))
                        .getMessage());
    }

    @Test
    void aFieldLeftToItsDefaultGivesWayToTheNext() throws IOException {
        assertEquals(
                model + ":" + lineOf(model, "  name: qwen-small") + ": metadata.name: refused",
                loaded.located(new InvalidJobException(
                                "refused",
                                List.of(
                                        ManifestField.model("spec.nothingWrittenHere"),
                                        ManifestField.model("metadata.name"))))
                        .getMessage());
    }

    @Test
    void aFieldTheCommandLineReplacedHasNoLine() {
        assertEquals(
                "spec.output.uri x is a file",
                loaded.located(
                                new InvalidJobException(
                                        ManifestField.job("spec.output.uri"), "spec.output.uri x is a file"),
                                List.of(ManifestField.job("spec.output.uri")))
                        .getMessage());
    }
}
