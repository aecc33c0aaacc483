package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What every command does alike: -V prints the version, a usage error names the command as palimpsest <command>. */
class CliConventionsTest {

    record Run(int exit, String out, String err) {}

    private static Run cli(String... args) {
        PrintStream beforeOut = System.out;
        PrintStream beforeErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = PalimpsestCli.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(beforeOut);
            System.setErr(beforeErr);
        }
    }

    @Test
    void everyCommandPrintsTheVersion() {
        String version = cli("--version").out().strip();
        assertTrue(version.startsWith("palimpsest "), version);
        for (String command :
                new CommandLine(new PalimpsestCli()).getSubcommands().keySet()) {
            if (command.equals("sim")) {
                continue; // its flags are the simulator's own
            }
            Run run = cli(command, "--version");
            assertEquals(0, run.exit(), command + ": " + run.err());
            assertEquals(version, run.out().strip(), command);
        }
    }

    @Test
    void aRetryRejectsUsageErrorNamesTheCommandInFull() {
        Run run = cli("retry-rejects", "-f", "../examples/quickstart", "--reason", "empty_text");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("--reason empty_text: not a reject reason"), run.err());
        assertTrue(run.err().contains("Usage: palimpsest retry-rejects"), run.err());
    }
}
