package io.palimpsest.worker.cli;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.manifests.JobManifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every command a pod runs shares (plan, run, tally): where the resolved job is
 * mounted, and where the operator reads the command's JSON summary from.
 */
final class PodJobOptions {

    /** Where the operator mounts the resolved job in a worker pod. */
    static final Path IN_POD = Path.of("/etc/palimpsest/job.yaml");

    @Option(
            names = {"--job", "-f"},
            description =
                    "The resolved job (job.yaml from the ConfigMap), or RewriteJob manifests (file or folder); a relative file:// input"
                            + " is read from their folder, a relative file:// output is under the current directory, as in local."
                            + " Default: /etc/palimpsest/job.yaml (where a worker pod has it)")
    private Path jobPath;

    @Option(
            names = "--termination-log",
            defaultValue = TerminationLog.DEFAULT,
            description = "Where to write the JSON summary for the operator. Default: ${DEFAULT-VALUE} (when writable)")
    String terminationLog;

    @Option(
            names = "--pvc-root",
            description = "Where the pod's claims are mounted: pvc://<claim>/<path> resolves to <root>/<claim>/<path>."
                    + " Default: $PALIMPSEST_PVC_ROOT, else /mnt/pvc")
    Path pvcRoot;

    /** The job file or manifests given with {@code -f}, else the pod's. */
    Path jobPath() {
        return jobPath != null ? jobPath : IN_POD;
    }

    /** The job is the one the operator resolved and mounted in its pod (no {@code -f}, or {@code -f} naming it). */
    boolean startedByOperator() {
        return jobPath().toAbsolutePath().normalize().equals(IN_POD);
    }

    /** The process environment, with {@code --pvc-root} taking precedence over {@code PALIMPSEST_PVC_ROOT}. */
    WorkerEnvironment environment() {
        WorkerEnvironment system = WorkerEnvironment.system();
        return pvcRoot == null ? system : system.withPvcRoot(pvcRoot);
    }

    /**
     * The job, with relative {@code file://} URIs resolved as {@code local} resolves them (the input from
     * the manifests' folder, the output from the current directory): only a run by hand meets them, as a
     * cluster refuses {@code file://}.
     */
    JobManifests.Loaded load() throws IOException {
        return load(null);
    }

    /** As {@link #load()}, with the output at {@code outOverride} (a path or URI) when it is given. */
    JobManifests.Loaded load(String outOverride) throws IOException {
        if (jobPath == null && !Files.exists(IN_POD)) {
            throw new InvalidJobException(
                    "no -f given and " + IN_POD + " (the path in a worker pod) does not exist; pass -f <manifests>");
        }
        JobManifests.Loaded loaded = new JobManifests().load(jobPath());
        try {
            LocalPaths.resolve(loaded.job(), loaded.jobFile(), outOverride);
        } catch (InvalidJobException e) {
            // an output that overlaps the input, at its line in the manifest (the input's, when the output is --out's)
            throw loaded.located(e, LocalCommand.overridden(outOverride, null));
        }
        return loaded;
    }

    void report(String json) {
        TerminationLog.write(terminationLog, json);
    }
}
