package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The checked-in CRDs under crds/ must be exactly what this build generates from the api classes. */
class CrdDriftTest {
    private static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8");
    private static final String HOW_TO_FIX =
            "crds/ is stale; regenerate with: mvn -pl api process-test-classes -Pupdate-crds";

    @Test
    void checkedInCrdsMatchTheGeneratedOnes() throws IOException {
        List<Path> generated = list(GENERATED);
        assertFalse(generated.isEmpty(), "no CRDs generated under " + GENERATED.toAbsolutePath());
        assertEquals(names(generated), names(list(CrdValidator.crdDir())), HOW_TO_FIX);
        for (Path file : generated) {
            assertEquals(
                    Files.readString(file),
                    Files.readString(CrdValidator.crdDir().resolve(file.getFileName())),
                    file.getFileName() + ": " + HOW_TO_FIX);
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith("-v1.yml")).sorted().toList();
        }
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(p -> p.getFileName().toString()).toList();
    }
}
