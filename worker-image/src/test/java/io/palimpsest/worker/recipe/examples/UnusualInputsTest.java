package io.palimpsest.worker.recipe.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples run on inputs that are valid but unusual, added beside their sample data: every
 * document is still accounted for, and none ends the shard.
 */
class UnusualInputsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void swallowCodeSkipsAFileNestedTooDeeplyToCompileAndCommitsTheRest() throws Exception {
        // CPython 3.11's compile() raises RecursionError on this ("maximum recursion depth exceeded during
        // compilation"), so the paper's syntax filter drops it; it came after the sample's files, in the shard
        String nested = "total = " + String.join(" + ", Collections.nCopies(3000, "1")) + "\nprint(total)\n";
        Path folder = withExtraData("swallowcode", Map.of("id", "deep/sum.py", "text", nested, "repo", "deep"));

        ExampleRun run = ExampleRun.of(folder, work.resolve("out"));

        List<JsonNode> skipped = run.rejects("filter:pythonSyntax").stream()
                .filter(r -> r.path("id").asText().equals("deep/sum.py"))
                .toList();
        assertEquals(1, skipped.size(), () -> run.rejects().toString());
        assertTrue(skipped.get(0).path("detail").asText().startsWith("RecursionError"), skipped::toString);
        assertEquals(5, run.outputs("scor").size(), "the sample's five files are rewritten as before");
        assertEquals(run.inputs().size(), 5 + run.rejects().size(), "read = written + skipped");
    }

    @Test
    void swallowCodeSkipsAFileOfCommentsAloneAsLinting0() throws Exception {
        // an __init__.py that holds its licence header and nothing else compiles, and has no statement to score
        String header = "# Copyright 2024 The Authors.\n# SPDX-License-Identifier: Apache-2.0\n";
        Path folder = withExtraData("swallowcode", Map.of("id", "pkg/__init__.py", "text", header, "repo", "pkg"));

        ExampleRun run = ExampleRun.of(folder, work.resolve("out"));

        List<JsonNode> skipped = run.rejects("filter:pythonLint").stream()
                .filter(r -> r.path("id").asText().equals("pkg/__init__.py"))
                .toList();
        assertEquals(1, skipped.size(), () -> run.rejects().toString());
        assertEquals(5, run.outputs("scor").size(), "the sample's five files are rewritten as before");
        assertEquals(run.inputs().size(), 5 + run.rejects().size(), "read = written + skipped");
    }

    @Test
    void k2KnowledgeSkipsAPageOfNoBreakSpacesAloneAsEmpty() throws Exception {
        // what a scraped page of &nbsp; becomes: it was sent, and the simulator's rewrite, one no-break space,
        // passed every gate and was written as the page's rephrasing in both variants
        Path folder = withExtraData("k2-knowledge", Map.of("id", "nbsp", "text", "\u00a0\u00a0\n\u00a0\u2003"));

        ExampleRun run = ExampleRun.of(folder, work.resolve("out"));

        assertEquals(
                List.of("empty_text"),
                run.rejects().stream()
                        .filter(r -> r.path("id").asText().equals("nbsp"))
                        .map(r -> r.path("reason").asText())
                        .toList());
        for (String variant : List.of("narrative", "perspective")) {
            assertTrue(
                    run.outputs(variant).stream()
                            .noneMatch(o -> o.path("id").asText().equals("nbsp")),
                    () -> run.outputs(variant).toString());
        }
        assertTrue(run.prompts().stream().noneMatch(p -> p.contains("<document>\u00a0")), "nothing was sent for it");
    }

    /** A copy of an example whose data folder holds one more file, extra.jsonl, after the sample's. */
    private Path withExtraData(String example, Map<String, String> record) throws IOException {
        Path source = ExampleRun.examples().resolve(example);
        Path copy = work.resolve(example);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Files.writeString(
                copy.resolve("data/zz-extra.jsonl"), JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8);
        return copy;
    }
}
