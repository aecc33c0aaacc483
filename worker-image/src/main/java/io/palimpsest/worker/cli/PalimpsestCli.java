package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.client.ConnectionUse;
import io.palimpsest.worker.client.ReplicaRouter;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.HardLinksRefusedException;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.storage.StoreUnavailableException;
import io.palimpsest.worker.validate.ValidateCommand;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/** The {@code palimpsest} command: the worker in a pod (plan, run) and the tools on a laptop (local, sim). */
@Command(
        name = "palimpsest",
        mixinStandardHelpOptions = true,
        version = "palimpsest 0.1.0",
        description = "Corpus-scale LLM rewriting: plan shards, run a shard exactly once, or run a whole job locally.",
        subcommands = {
            PlanCommand.class,
            RunCommand.class,
            TallyCommand.class,
            LocalCommand.class,
            RetryRejectsCommand.class,
            LintCommand.class,
            PreviewCommand.class,
            ShowCommand.class,
            SimCommand.class,
            ValidateCommand.class
        })
public final class PalimpsestCli implements Runnable {

    public static void main(String[] args) {
        // first: a SIGINT or SIGTERM from now on is known by its name (summaries say which came, and the exit)
        SigtermHook.watchSignals();
        // before anything logs: the warnings shards log while a signal stops them reach stderr (the JDK's own
        // shutdown hook would otherwise close the log handlers while they stop)
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "io.palimpsest.worker.cli.ShutdownLogManager");
        }
        if (args.length > 0 && args[0].equals("local")) {
            // a Ctrl-C while the CLI is still loading is answered as one during the run's first steps
            SigtermHook.launch("local", "starting", LocalSummary::stoppedBefore);
        } else if (args.length > 0 && args[0].equals("retry-rejects")) {
            SigtermHook.launch("retry-rejects", "starting", RetryRejectsCommand::stoppedStarting);
        }
        // before anything loads the JDK's HTTP client, which reads it once
        ConnectionUse.allowConnectionHeader();
        // before the first name lookup, which fixes the JVM's DNS cache policy
        ReplicaRouter.followDnsChanges();
        // connections to replicas are kept between requests; one to a replica that was scaled away is
        // closed after 30 s idle rather than the JDK's 1,200 s (a campaign's fleet changes for hours)
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "30");
        }
        int exit = execute(args);
        SigtermHook.launchOver();
        System.exit(exit);
    }

    /** Runs a command and returns its exit code (for tests and for subprocess mains). */
    public static int execute(String... args) {
        OneLineLogging.install();
        CommandLine commandLine = new CommandLine(new PalimpsestCli());
        // every command's -V prints the one version
        String[] version = commandLine.getCommandSpec().version();
        commandLine.getSubcommands().values().forEach(sub -> sub.getCommandSpec()
                .version(version));
        // every duration option (--stop-within, --request-timeout, --max-outage, ...): the error says what is taken,
        // not picocli's "cannot convert 'abc' to class java.time.Duration (...DateTimeParseException...)"
        commandLine.registerConverter(Duration.class, PalimpsestCli::duration);
        // a value the command cannot take (a duration that does not parse, an unknown --reason): the error names
        // the value and what is taken; the whole usage below it would bury that. So does an unknown option that is a
        // job field's name (--limit). A missing or other unknown option still gets the usage (it shows what there is).
        IParameterExceptionHandler usageErrors = commandLine.getParameterExceptionHandler();
        commandLine.setParameterExceptionHandler((e, given) -> {
            if (e instanceof CommandLine.MissingParameterException missing && manifestsGivenWithoutF(missing)) {
                // "local examples/quickstart": the folder is there, only -f is not; the usage alone hides that
                CommandLine cmd = e.getCommandLine();
                cmd.getErr()
                        .println(cmd.getCommandSpec().qualifiedName() + ": "
                                + cmd.getUnmatchedArguments().get(0)
                                + " is given without an option; the manifests are given with -f: "
                                + cmd.getCommandSpec().qualifiedName() + " -f "
                                + cmd.getUnmatchedArguments().get(0)
                                + " ...");
                return usageErrors.handleParseException(e, given);
            }
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
                // "local --limit 3": the user means the job's field; where it is set says more than the usage
                Optional<String> option = unmatched.getUnmatched().stream()
                        .filter(arg -> arg.startsWith("-"))
                        .findFirst();
                Optional<String> field = option.flatMap(ManifestFieldOption::fieldOf);
                if (field.isPresent()) {
                    CommandLine cmd = e.getCommandLine();
                    String command = cmd.getCommandSpec().qualifiedName();
                    cmd.getErr()
                            .println(command + ": " + ManifestFieldOption.message(option.get(), field.get(), command));
                    return cmd.getCommandSpec().exitCodeOnInvalidInput();
                }
            }
            if (e.getClass() != ParameterException.class) {
                return usageErrors.handleParseException(e, given);
            }
            CommandLine cmd = e.getCommandLine();
            cmd.getErr()
                    .println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see "
                            + cmd.getCommandSpec().qualifiedName() + " --help)");
            return cmd.getExitCodeExceptionMapper() != null
                    ? cmd.getExitCodeExceptionMapper().getExitCode(e)
                    : cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("palimpsest " + cmd.getCommandName() + ": " + ErrorLine.of(e));
            return exitCodeOf(e);
        });
        return commandLine.execute(args);
    }

    /** -f is what is missing, and the command line holds a word that is no option: the manifests, given bare. */
    private static boolean manifestsGivenWithoutF(CommandLine.MissingParameterException e) {
        List<String> unmatched = e.getCommandLine().getUnmatchedArguments();
        return !unmatched.isEmpty()
                && !unmatched.get(0).startsWith("-")
                && e.getMissing().stream()
                        .anyMatch(arg -> arg instanceof CommandLine.Model.OptionSpec option
                                && Arrays.asList(option.names()).contains("-f"));
    }

    /**
     * A count of at least 1 ({@code --parallel-shards}, {@code --checkpoint-every}): below it there is nothing to
     * count, and the run would take it as 1 without a word or fail on it as a Java error after planning.
     */
    static final class AtLeastOne implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            int value;
            try {
                value = Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException(
                        "'" + text + "' is not a whole number: give a whole number of 1 or more");
            }
            if (value < 1) {
                throw new CommandLine.TypeConversionException(
                        "'" + text + "' is less than 1: give a whole number of 1 or more");
            }
            return value;
        }
    }

    /** A duration option's value: ISO-8601, as the options' descriptions and defaults (PT20S) write it. */
    static Duration duration(String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + text + "' is not a duration: give it in ISO-8601, e.g. PT90S, PT2M or PT0.5S");
        }
    }

    /** The exit code of a command that ended with {@code e}. */
    static int exitCodeOf(Exception e) {
        if (e instanceof InvalidJobException) {
            return ExitCodes.INVALID_JOB;
        }
        if (StoreRefusedException.in(e).isPresent()
                || HardLinksRefusedException.in(e).isPresent()) {
            // the same answer for every shard and every retry: the planner's or the worker's Job fails at once
            return ExitCodes.MODEL_CONFIG;
        }
        return StoreUnavailableException.in(e).isPresent() ? ExitCodes.STORE_UNREACHABLE : ExitCodes.FAILED;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
