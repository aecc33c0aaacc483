package io.palimpsest.worker.e2e;

import io.palimpsest.worker.cli.PalimpsestCli;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code palimpsest run} of shard 0 in a JVM of its own, as a worker pod runs it, so that a test can
 * kill it or send it SIGTERM: its output is appended to {@code run.log} in {@code dir}, its summary
 * written to {@code summary} there.
 */
final class WorkerProcess {

    private WorkerProcess() {}

    /**
     * The command line of the CLI ({@code args} after {@code palimpsest}) in a JVM of its own with a heap of
     * {@code heap}, started quickly (C1 only, the serial collector) on the tests' class path.
     */
    static List<String> cli(String heap, String... args) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                classpath,
                PalimpsestCli.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    static Process start(Path dir, Path job, int checkpointEvery, String summary, String... moreArgs)
            throws IOException {
        List<String> command = cli(
                "512m",
                "run",
                "-f",
                job.toString(),
                "--shard",
                "0",
                "--checkpoint-every",
                String.valueOf(checkpointEvery));
        command.addAll(List.of(moreArgs));
        command.addAll(List.of("--termination-log", dir.resolve(summary).toString()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("run.log").toFile()))
                .start();
    }
}
