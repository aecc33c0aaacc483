package io.palimpsest.operator.cluster;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * The worker image: the {@code palimpsest} CLI ({@code plan}, {@code run}, ...) from the shaded jar
 * {@code worker-image/target/palimpsest.jar}, run one of two ways.
 * <ul>
 * <li>{@link Mode#SUBPROCESS}: {@code java -jar palimpsest.jar <args>} with the pod's environment,
 *     its sandbox as working directory and its log as stdout/stderr. A kill is a real SIGKILL
 *     (exit 137) at whatever point the worker is, so this is the mode for chaos scenarios. It
 *     costs a JVM start per pod (about half a second of CPU before any work).</li>
 * <li>{@link Mode#IN_PROCESS}: {@code PalimpsestCli.execute(args)} on a thread of the test JVM,
 *     loaded once from the same jar in a class loader of its own (so its dependencies never meet
 *     Quarkus'), each pod in a thread group of its own. A kill stops every thread of the group
 *     (Thread.stop on Java 17, interrupt where that is gone) and reports 137 at once: the worker
 *     gets no chance to finish, but a thread outside its group (a common-pool task) could still
 *     run briefly, so chaos scenarios use subprocesses. Cheap: the mode for scenarios that only
 *     need the worker to work.</li>
 * </ul>
 * What the pod's container would see, and how it is mapped:
 * <ul>
 * <li>{@code /etc/palimpsest/job.yaml} and other mounted paths in args and env: rewritten by the
 *     kubelet to the sandbox ({@link PodSandbox#rewrite}).</li>
 * <li>Service host names in the mounted job.yaml (the model's endpoint,
 *     {@code http://<model>.<ns>.svc:8000}) and in args ({@code preview --endpoint}): rewritten to the
 *     Service's cluster IP ({@link ServiceProxies#rewriteHosts}), which is what cluster DNS would
 *     resolve them to. The name of a headless Service (the model's replicas,
 *     {@code http://<model>-vllm-replicas.<ns>.svc:8000}) stays a name: in-process workers resolve it
 *     to the ready replicas through {@link ClusterDns}; subprocesses do not resolve it and use the
 *     Service.</li>
 * <li>The termination message path: passed as {@code --termination-log <sandbox file>} to
 *     {@code plan}, {@code run}, {@code tally} and {@code preview}.</li>
 * <li>In-process only, env the CLI would read from the process becomes flags:
 *     {@code JOB_COMPLETION_INDEX} -> {@code --shard}, {@code PALIMPSEST_ATTEMPT} -> {@code --attempt}
 *     ({@code run}). Other env (S3 credentials) reaches subprocesses only.</li>
 * <li>The pod's own network: a worker listens for metrics on every address of its pod (0.0.0.0);
 *     here all pods share the host's, so {@code run} gets {@code --metrics-address <pod IP>}, and
 *     in-process also {@code --metrics-port} from {@code PALIMPSEST_METRICS_PORT}.</li>
 * <li>Claims: {@code --pvc-root} (plan, run, tally, preview) points at the namespace's claim directories, so
 *     {@code pvc://claim/path} resolves to the directory the kubelet mounted for that claim, in
 *     either mode.</li>
 * </ul>
 */
public final class PalimpsestWorkerProgram implements ContainerProgram {

    public enum Mode {
        IN_PROCESS,
        SUBPROCESS
    }

    private static final List<String> SUBCOMMANDS_WITH_TERMINATION_LOG = List.of("plan", "run", "tally", "preview");
    private static final List<String> SUBCOMMANDS_WITH_STORAGE = List.of("plan", "run", "tally", "preview");

    private final Path jar;
    private final Mode mode;
    private final BiFunction<String, String, String> dns;
    private final Path volumesRoot;
    private volatile Method execute;
    private volatile Duration stopWithin;

    /**
     * @param dns         (text, namespace) -> text with Service host names resolved, e.g.
     *                    {@code cluster.services()::rewriteHosts}
     * @param volumesRoot where the kubelet keeps claims ({@code <root>/<namespace>/<claim>})
     */
    public PalimpsestWorkerProgram(Path jar, Mode mode, BiFunction<String, String, String> dns, Path volumesRoot) {
        this.jar = jar.toAbsolutePath();
        this.mode = mode;
        this.dns = dns;
        this.volumesRoot = volumesRoot;
    }

    /** One worker JVM at a time writes the class archive, the first that runs a shard. */
    private static final AtomicBoolean DUMPING = new AtomicBoolean();

    /**
     * Worker subprocesses start from a class-data-sharing archive of the jar (a JDK feature a
     * worker image can use too): the first {@code run} to end normally writes it at its exit, every
     * later JVM maps it. That takes about a third of the CPU off each of the hundreds of worker
     * starts a kill scenario makes (3.3 -> 2.1 s of CPU for {@code palimpsest local} on the
     * quickstart, measured on the shared machine). The archive is keyed by the jar's size and time
     * and by the JDK; a JVM that finds it does not match ignores it and starts as before.
     */
    private Path classArchive() throws IOException {
        String key = Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + "-"
                + Runtime.version().feature() + "-"
                + Integer.toHexString(System.getProperty("java.home").hashCode());
        return Path.of(System.getProperty("java.io.tmpdir"), "palimpsest-worker-" + key + ".jsa");
    }

    private static void keepArchive(Path dumped, Path archive, int exitCode) {
        try {
            if (exitCode == 0 && Files.isRegularFile(dumped) && Files.size(dumped) > 0) {
                Files.move(dumped, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return;
            }
            Files.deleteIfExists(dumped);
        } catch (IOException e) {
            // no archive: the next worker tries again
        }
        DUMPING.set(false);
    }

    /** The jar named by {@code -Dsim.worker.jar}, else the module build's. */
    public static Path defaultJar() {
        return Path.of(System.getProperty("sim.worker.jar", "../worker-image/target/palimpsest.jar"));
    }

    /**
     * The default worker jar's classes in a class loader of their own (the platform's as parent, as when the jar runs
     * alone), loaded once per test JVM for the CLI runs the tests make in-process ({@code local} reference runs,
     * {@code lint --print-resolved}): each run is a fresh command from its arguments, and what the CLI keeps in statics
     * is immutable (parsers, detectors, compiled CEL), set only by {@code main} or the worker module's own tests, or
     * the JVM's signal handlers, which the CLI wraps once. Never closed.
     */
    private static URLClassLoader sharedCli;

    public static synchronized URLClassLoader sharedCli() throws IOException {
        if (sharedCli == null) {
            sharedCli = new URLClassLoader(
                    "palimpsest-cli",
                    new URL[] {defaultJar().toAbsolutePath().toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
        }
        return sharedCli;
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Passes {@code --stop-within} to {@code run} (opt-in; by default the worker's own 20 s): the
     * time a worker gives its in-flight part after SIGTERM is chosen under the 30 s termination grace,
     * so a scenario that scales the grace (1.5 s at {@link Scenario#TIME_SCALE}) scales this too,
     * or a worker waiting on a slow or missing model is SIGKILLed before it can commit and exit 143.
     */
    public PalimpsestWorkerProgram stopWithin(Duration within) {
        this.stopWithin = within;
        return this;
    }

    @Override
    public Running start(ContainerLaunch launch) throws Exception {
        List<String> args = new ArrayList<>(launch.argv());
        if (!args.isEmpty() && launch.commandName().equals("palimpsest")) {
            args.remove(0);
        }
        resolveServiceHosts(launch);
        args.replaceAll(a -> dns.apply(a, launch.namespace())); // e.g. preview's --endpoint
        String subcommand = args.isEmpty() ? "" : args.get(0);
        if (SUBCOMMANDS_WITH_TERMINATION_LOG.contains(subcommand)) {
            args.add("--termination-log");
            args.add(launch.terminationMessageFile().toString());
        }
        if (subcommand.equals("run") && stopWithin != null) {
            args.add("--stop-within");
            args.add(stopWithin.toString());
        }
        if (subcommand.equals("run") && launch.env().containsKey("PALIMPSEST_METRICS_PORT")) {
            args.add("--metrics-address");
            args.add(launch.podIp());
            if (mode == Mode.IN_PROCESS) {
                args.add("--metrics-port");
                args.add(launch.env().get("PALIMPSEST_METRICS_PORT"));
            }
        }
        if (SUBCOMMANDS_WITH_STORAGE.contains(subcommand)) {
            args.add("--pvc-root");
            args.add(volumesRoot.resolve(launch.namespace()).toString());
        }
        return mode == Mode.SUBPROCESS ? subprocess(launch, args) : inProcess(launch, subcommand, args);
    }

    /** The pod's copy of every mounted file is its own, so resolving names in it touches nothing shared. */
    private void resolveServiceHosts(ContainerLaunch launch) throws IOException {
        for (Map.Entry<String, Path> mount : launch.sandbox().mounts().entrySet()) {
            Path dir = mount.getValue();
            if (!dir.startsWith(launch.sandbox().dir()) || !Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile)
                        .filter(p -> p.toString().endsWith(".yaml"))
                        .toList()) {
                    String text = Files.readString(f, StandardCharsets.UTF_8);
                    String resolved = dns.apply(text, launch.namespace());
                    if (!resolved.equals(text)) {
                        Files.writeString(f, resolved, StandardCharsets.UTF_8);
                    }
                }
            }
        }
    }

    private Running subprocess(ContainerLaunch launch, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xss512k",
                "-Xmx384m"));
        Path archive = classArchive();
        Path dump = null;
        if (Files.isRegularFile(archive)) {
            command.add("-XX:SharedArchiveFile=" + archive);
        } else if (!args.isEmpty() && args.get(0).equals("run") && DUMPING.compareAndSet(false, true)) {
            dump = archive.resolveSibling(
                    archive.getFileName() + "." + ProcessHandle.current().pid() + ".part");
            command.addAll(List.of(
                    "-Xlog:cds=off",
                    "-Xlog:cds+dynamic=off",
                    "-XX:ArchiveClassesAtExit=" + dump)); // no dump notes in the pod log
        }
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(launch.sandbox().dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(launch.logFile().toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("JAVA_HOME") && !k.equals("LANG"));
        env.put("HOSTNAME", launch.pod());
        launch.env().forEach((k, v) -> env.put(k, dns.apply(v, launch.namespace())));
        Process process = pb.start();
        Path dumped = dump;
        CompletableFuture<Integer> exit = process.onExit()
                .thenApply(Process::exitValue)
                .thenApply(code -> {
                    if (dumped != null) {
                        keepArchive(dumped, archive, code);
                    }
                    return code;
                });
        return Running.of(exit, process::destroyForcibly, process::destroy);
    }

    private Running inProcess(ContainerLaunch launch, String subcommand, List<String> args) throws Exception {
        if (subcommand.equals("run")) {
            Optional.ofNullable(launch.env().get("JOB_COMPLETION_INDEX")).ifPresent(i -> {
                args.add("--shard");
                args.add(i);
            });
            Optional.ofNullable(launch.env().get("PALIMPSEST_ATTEMPT"))
                    .filter(a -> !a.isBlank())
                    .ifPresent(a -> {
                        args.add("--attempt");
                        args.add(a);
                    });
        }
        Method entry = entryPoint();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        ThreadGroup group = new ThreadGroup("pod-" + launch.pod());
        Thread main = new Thread(
                group,
                () -> {
                    try {
                        exit.complete((Integer) entry.invoke(null, (Object) args.toArray(String[]::new)));
                    } catch (Throwable t) {
                        exit.complete(1);
                    }
                },
                "pod-" + launch.pod());
        main.setContextClassLoader(entry.getDeclaringClass().getClassLoader());
        main.setDaemon(true);
        main.start();
        return Running.of(
                exit,
                () -> {
                    exit.complete(SIGKILL_EXIT);
                    stopAll(group);
                },
                main::interrupt);
    }

    @SuppressWarnings({"deprecation", "removal"})
    private static void stopAll(ThreadGroup group) {
        Thread[] threads = new Thread[group.activeCount() + 16];
        int n = group.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            threads[i].interrupt();
            try {
                threads[i].stop();
            } catch (UnsupportedOperationException e) {
                // Java 20+: an interrupt is all there is.
            }
        }
    }

    private Method entryPoint() throws Exception {
        Method m = execute;
        if (m == null) {
            synchronized (this) {
                if (execute == null) {
                    if (!Files.isRegularFile(jar)) {
                        throw new IllegalStateException("worker jar " + jar + " not found: build worker-image first");
                    }
                    URLClassLoader loader = new URLClassLoader(
                            "palimpsest-worker", new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
                    execute = loader.loadClass("io.palimpsest.worker.cli.PalimpsestCli")
                            .getMethod("execute", String[].class);
                }
                m = execute;
            }
        }
        return m;
    }
}
