package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What every command does alike: -V prints the version, a usage error names the command as palimpsest <command>. */
class CliConventionsTest {

    private static CliRun cli(String... args) {
        return CliRun.of(args);
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
            CliRun run = cli(command, "--version");
            assertEquals(0, run.exit(), command + ": " + run.err());
            assertEquals(version, run.out().strip(), command);
        }
    }

    @Test
    void aRetryRejectsUsageErrorNamesTheCommandInFull() {
        CliRun run = cli("retry-rejects", "-f", "../examples/quickstart", "--reason", "empty_text");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("--reason empty_text: not a reject reason"), run.err());
        assertTrue(run.err().contains("Usage: palimpsest retry-rejects"), run.err());
    }
}
