package io.palimpsest.worker.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/** One {@code palimpsest} command run in this JVM, as from a shell: its exit code and what it printed. */
public record CliRun(int exit, String out, String err) {

    public static CliRun of(String... args) {
        return capture(() -> PalimpsestCli.execute(args));
    }

    /**
     * Runs {@code command} (a command line built by the test, say with an environment of its own) with
     * stdout and stderr captured; it returns the exit code.
     */
    public static synchronized CliRun capture(IntSupplier command) {
        PrintStream beforeOut = System.out;
        PrintStream beforeErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = command.getAsInt();
            return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(beforeOut);
            System.setErr(beforeErr);
        }
    }

    /** Everything it printed: stdout, then stderr. */
    public String text() {
        return out + err;
    }
}
