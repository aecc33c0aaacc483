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

    /** tally needs the job as well as its output: its help says how to call it, as retry-rejects is called. */
    @Test
    void tallysHelpSaysHowToCallIt() {
        CliRun help = cli("tally", "--help");
        assertEquals(0, help.exit(), help.err());
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("palimpsest tally -f <manifests or job.yaml> [--out <output>]"), help.out());
        assertTrue(text.contains("tally takes no positional argument"), help.out());
    }

    @Test
    void aRetryRejectsUsageErrorNamesTheCommandInFull() {
        CliRun run = cli("retry-rejects", "-f", "../examples/quickstart", "--reason", "empty_text");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("--reason empty_text: not a reject reason"), run.err());
        assertTrue(run.err().contains("Usage: palimpsest retry-rejects"), run.err());
    }
}
