package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every RewriteJob and RewriterModel manifest under examples/ validates against the generated CRDs. */
class ExamplesValidateTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    @TestFactory
    Stream<DynamicTest> everyExampleManifestValidates() throws IOException {
        CrdValidator jobs = CrdValidator.rewriteJobs();
        CrdValidator models = CrdValidator.rewriterModels();
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            for (Path file : files.filter(
                            p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList()) {
                for (Map<String, Object> doc : documents(file)) {
                    Object kind = doc.get("kind");
                    CrdValidator crd = "RewriteJob".equals(kind) ? jobs : "RewriterModel".equals(kind) ? models : null;
                    if (crd != null) {
                        String name = EXAMPLES.relativize(file) + " " + kind;
                        tests.add(
                                DynamicTest.dynamicTest(name, () -> assertEquals(List.of(), crd.validate(doc), name)));
                    }
                }
            }
        }
        assertFalse(tests.isEmpty(), "no example manifests found under " + EXAMPLES.toAbsolutePath());
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (MappingIterator<Map<String, Object>> it =
                CrdValidator.YAML.readerFor(Map.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc != null) {
                    out.add(doc);
                }
            }
        }
        return out;
    }
}
