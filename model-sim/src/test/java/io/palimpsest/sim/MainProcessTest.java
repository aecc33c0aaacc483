package io.palimpsest.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The CLI as a simulated cluster uses it: a subprocess on port 0 that reports its URL. */
class MainProcessTest {

    @Test
    void runsAsASubprocessAndStopsOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "--port",
                        "0",
                        "--zero-latency",
                        "--model",
                        "cli-model",
                        "--fault-rate",
                        "echo=1.0"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String url = CompletableFuture.supplyAsync(() -> readyUrl(out)).get(30, TimeUnit.SECONDS);
            assertNotNull(url);
            SimClient client = new SimClient(url);
            assertEquals(200, client.get("/health").status());
            SimClient.Reply r = client.post(
                    "/v1/chat/completions", SimClient.chat("Echo me.").put("model", "cli-model"));
            assertEquals("Echo me.", r.json().at("/choices/0/message/content").asText());
        } finally {
            process.destroy();
        }
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "stops on SIGTERM");
    }

    private static String readyUrl(BufferedReader out) {
        try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("MODEL_SIM_READY ")) {
                    return line.replaceAll(".*url=(\\S+).*", "$1");
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
