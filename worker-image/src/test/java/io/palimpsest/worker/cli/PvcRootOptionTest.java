package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --pvc-root} tells plan and run where the pod's claims are mounted, ahead of the environment. */
class PvcRootOptionTest {

    @TempDir
    Path dir;

    @Test
    void pvcUrisResolveUnderTheGivenRoot() throws Exception {
        Path claims = dir.resolve("claims");
        Path in = Files.createDirectories(claims.resolve("corpus/in"));
        Files.writeString(in.resolve("a.jsonl"), """
                {"id":"a1","text":"The river floods every spring and the farmers plant after it recedes."}
                {"id":"a2","text":"Copper conducts heat well, which is why pans are often lined with it."}
                """, StandardCharsets.UTF_8);
        SimConfig config = SimConfig.builder().modelName("sim").zeroLatency().build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            Path job = dir.resolve("job.yaml");
            Files.writeString(job, """
                    apiVersion: palimpsest.io/v1alpha1
                    kind: RewriterModel
                    metadata: {name: sim}
                    spec:
                      servedModelName: sim
                      endpoint: {url: "%s"}
                    ---
                    apiVersion: palimpsest.io/v1alpha1
                    kind: RewriteJob
                    metadata: {name: on-a-claim}
                    spec:
                      modelRef: {name: sim}
                      input: {uri: "pvc://corpus/in"}
                      output: {uri: "pvc://corpus/out"}
                      recipe:
                        prompts:
                          - name: plain
                            user: "Rewrite: {{ text }}"
                    """.formatted(sim.baseUrl()), StandardCharsets.UTF_8);

            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "plan", "-f", job.toString(), "--pvc-root", claims.toString(), "--termination-log", ""));
            assertEquals(
                    0,
                    PalimpsestCli.execute(
                            "run",
                            "-f",
                            job.toString(),
                            "--shard",
                            "0",
                            "--pvc-root",
                            claims.toString(),
                            "--termination-log",
                            ""));
        }
        Path out = claims.resolve("corpus/out");
        assertTrue(Files.isRegularFile(out.resolve("_palimpsest/manifest.jsonl")), "plan wrote under the claim");
        assertTrue(
                Files.isRegularFile(out.resolve("_palimpsest/receipts/shard-00000.json")),
                "run committed under the claim");
    }

    @Test
    void aClaimFolderThatIsNotThereIsNamedWhereItWasLookedFor() throws Exception {
        // on a machine where the claim is not mounted, "pvc://corpus/in/ does not exist" alone does not say where to
        Path claims = Files.createDirectories(dir.resolve("claims"));
        Path job = dir.resolve("job.yaml");
        Files.writeString(job, """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata: {name: on-a-claim}
                spec:
                  input: {uri: "pvc://corpus/in/"}
                  output: {uri: "pvc://corpus/out/"}
                  recipe:
                    prompts:
                      - name: plain
                        render: "{{ text }}"
                """, StandardCharsets.UTF_8);
        CliRun run = CliRun.of("plan", "-f", job.toString(), "--pvc-root", claims.toString(), "--termination-log", "");
        assertEquals(78, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("spec.input.uri pvc://corpus/in/ does not exist or holds no files (read at "
                                + claims.resolve("corpus/in") + ", where the claim corpus is mounted: claims are read"
                                + " under $PALIMPSEST_PVC_ROOT, or plan's and run's --pvc-root, else /mnt/pvc)"),
                run.err());
    }
}
