package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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

    /** The manifests given without -f (as show takes its output): the error says to give them with -f. */
    @Test
    void manifestsGivenWithoutFAreNamedInTheError() {
        for (String command : List.of("local", "lint", "retry-rejects")) {
            CliRun run = cli(command, "../examples/quickstart", "--simulate");
            assertEquals(2, run.exit(), run.err());
            assertTrue(
                    run.err()
                            .contains("the manifests are given with -f: palimpsest " + command
                                    + " -f ../examples/quickstart ..."),
                    command + ": " + run.err());
            assertTrue(run.err().contains("Usage: palimpsest " + command), "the usage still follows: " + run.err());
            assertEquals(1, run.err().split("Missing required option", -1).length - 1, "said once: " + run.err());
        }
        CliRun noWord = cli("local", "--simulate");
        assertEquals(2, noWord.exit(), noWord.err());
        assertFalse(noWord.err().contains("given with -f"), noWord.err());
    }

    /** sim's flags are the simulator's own, but its usage names the command that was typed, not model-sim.jar. */
    @Test
    void simsHelpNamesPalimpsestSim() {
        CliRun help = cli("sim", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().startsWith("Usage: palimpsest sim [flags]\n"), help.out());
        assertFalse(help.out().contains("model-sim.jar"), help.out());
    }

    /** tally needs the job as well as its output: its help says how to call it, as retry-rejects is called. */
    @Test
    void tallysHelpSaysHowToCallIt() {
        CliRun help = cli("tally", "--help");
        assertEquals(0, help.exit(), help.err());
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("palimpsest tally -f <manifests or job.yaml> [--out <output>]"), help.out());
        assertTrue(text.contains("tally takes no positional argument"), help.out());
        // shards of an earlier recipe (an accepted recipe change) are in the totals, and said apart as local says them
        assertTrue(text.contains("Sums every shard receipt"), help.out());
        assertTrue(text.contains("the output's totals, as local's summary states them"), help.out());
        assertTrue(text.contains("earlierRecipes says how much of them each earlier recipe made"), help.out());
        assertFalse(text.contains("foreignReceipts"), help.out());
    }

    /**
     * local's help says what its summary's tokens line gives: the output's committed tokens, then what this run's
     * requests were answered with, committed or not (a stopped or failed run still says what it cost), where it
     * said the tokens were the output's totals alone.
     */
    @Test
    void localsHelpSaysTheTokensLineGivesTheCommittedTotalsAndThisRunsAnswers() {
        CliRun help = cli("local", "--help");
        assertEquals(0, help.exit(), help.err());
        String text = help.out().replaceAll("\\s+", " ");
        assertFalse(text.contains("documents and tokens are the output's totals"), help.out());
        assertTrue(
                text.contains(
                        "Its tokens line gives the output's committed tokens (\"committed\"), then what"
                                + " this run's model requests were answered with, committed or not (\"this run: ... answered\")"),
                help.out());
    }

    /**
     * An option that is a job field's name ({@code local --limit 3}: the user means spec.input.limit): one line that
     * says where the field is set, exit 2, no usage; where it answered "Unknown options" and the whole usage.
     */
    @Test
    void anOptionNamedAfterAJobFieldSaysWhereTheFieldIsSet() {
        for (String[] given : new String[][] {
            {"local", "--limit", "3", "spec.input.limit"},
            {"preview", "--limit=3", "", "spec.input.limit"},
            {"local", "--files-per-shard", "2", "spec.sharding.filesPerShard"}
        }) {
            CliRun run = given[2].isEmpty()
                    ? cli(given[0], "-f", "../examples/quickstart", given[1])
                    : cli(given[0], "-f", "../examples/quickstart", given[1], given[2]);
            assertEquals(2, run.exit(), run.err());
            String name = given[1].replaceFirst("=.*", "");
            assertTrue(
                    run.err()
                            .startsWith("palimpsest " + given[0] + ": " + name + " is no option of palimpsest "
                                    + given[0] + ": it is the job's field " + given[3]),
                    run.err());
            assertTrue(run.err().contains("RewriteJob manifest given with -f"), run.err());
            assertFalse(run.err().contains("Usage:"), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
        }
        // any other unknown option still shows what there is
        CliRun other = cli("local", "-f", "../examples/quickstart", "--bogus");
        assertEquals(2, other.exit(), other.err());
        assertTrue(other.err().contains("Usage: palimpsest local"), other.err());
    }

    @Test
    void aRetryRejectsUsageErrorNamesTheCommandInFull() {
        CliRun run = cli("retry-rejects", "-f", "../examples/quickstart", "--reason", "empty_text");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("palimpsest retry-rejects: --reason empty_text: not a reject reason"), run.err());
        assertTrue(run.err().contains("see palimpsest retry-rejects --help"), run.err());
    }

    /** A repeat of an id is never run again: the first document with the id is the one in force. */
    @Test
    void duplicateIdIsNoReasonToRunAgain() {
        CliRun run = cli("retry-rejects", "-f", "../examples/quickstart", "--reason", "model_error,duplicate_id");
        assertEquals(2, run.exit(), run.err());
        assertTrue(
                run.err().contains("--reason duplicate_id: a document whose id came before it is never run again"),
                run.err());
        assertFalse(run.err().contains("Usage:"), run.err());
    }

    /** A value the command does not take: the error names it and what is taken, with no usage dump below it. */
    @Test
    void anUnknownReasonNamesTheKnownOnesWithoutTheUsage() {
        CliRun run = cli("retry-rejects", "-f", "../examples/quickstart", "--reason", "judgee");
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("--reason judgee: not a reject reason"), run.err());
        assertTrue(run.err().contains("the reject reasons are "), run.err());
        assertTrue(run.err().contains(" judge,"), run.err());
        assertFalse(run.err().contains("Usage:"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());

        CliRun duration = cli("local", "-f", "../examples/quickstart", "--stop-within", "abc");
        assertEquals(2, duration.exit(), duration.err());
        assertTrue(
                duration.err().contains("palimpsest local: Invalid value for option '--stop-within'"), duration.err());
        assertFalse(duration.err().contains("Usage:"), duration.err());
        // what is taken, in the options' own notation; not the Java class that failed to parse it
        for (String[] given : new String[][] {
            {"local", "--stop-within", "abc"},
            {"local", "--request-timeout", "90s"},
            {"retry-rejects", "--max-outage", "2m"}
        }) {
            CliRun run2 = given[0].equals("retry-rejects")
                    ? cli(given[0], "-f", "../examples/quickstart", "--reason", "judge", given[1], given[2])
                    : cli(given[0], "-f", "../examples/quickstart", given[1], given[2]);
            assertEquals(2, run2.exit(), run2.err());
            assertTrue(
                    run2.err()
                            .contains("'" + given[2] + "' is not a duration: give it in ISO-8601, e.g. PT90S, PT2M or"
                                    + " PT0.5S"),
                    run2.err());
            assertFalse(run2.err().contains("java.time"), run2.err());
            assertEquals(1, run2.err().strip().lines().count(), run2.err());
        }

        // a count below 1 is no count: refused on the command line, not taken as 1 or met by the run as a Java error
        for (String[] given : new String[][] {
            {"local", "--parallel-shards", "0"},
            {"local", "--checkpoint-every", "0"},
            {"run", "--checkpoint-every", "-5"}
        }) {
            CliRun run3 = cli(given[0], "-f", "../examples/quickstart", "--simulate", given[1], given[2]);
            if (given[0].equals("run")) {
                run3 = cli(given[0], "-f", "../examples/quickstart", "--shard", "0", given[1], given[2]);
            }
            assertEquals(2, run3.exit(), String.join(" ", given) + ": " + run3.err());
            assertTrue(
                    run3.err()
                            .contains("palimpsest " + given[0] + ": Invalid value for option '" + given[1] + "': '"
                                    + given[2] + "' is less than 1: give a whole number of 1 or more"),
                    run3.err());
            assertFalse(run3.err().contains("java."), run3.err());
            assertEquals(1, run3.err().strip().lines().count(), run3.err());
        }

        CliRun missing = cli("retry-rejects", "-f", "../examples/quickstart");
        assertEquals(2, missing.exit(), missing.err());
        assertTrue(missing.err().contains("Usage: palimpsest retry-rejects"), "a missing option shows the usage");
    }
}
