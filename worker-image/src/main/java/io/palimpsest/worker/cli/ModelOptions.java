package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Which model serves a command run on a laptop, and how its requests are timed: shared by {@code local} and {@code retry-rejects}. */
final class ModelOptions {

    @Option(
            names = "--endpoint",
            description = "An OpenAI-compatible server (base URL without /v1, without user info, query or fragment,"
                    + " as a RewriterModel's spec.endpoint.url) instead of the model's endpoint.")
    String endpoint;

    @Option(
            names = "--simulate",
            description = "Serve the model with the built-in simulator, whatever the manifest says."
                    + " Receipts and provenance say so, and a later run on a real model refuses that output.")
    boolean simulate;

    /**
     * {@code job} with the model identity of the server these options choose, where it is not the
     * manifest's: the simulator's for {@code --simulate}; for {@code --endpoint}, none: what weights
     * the given server holds is not known here (it is most often the RewriterModel's own deployment,
     * reached by a port-forward, the only way a laptop reaches a model the operator runs), so the
     * output's recorded identity is neither compared nor replaced; the served name still is. A known
     * identity set against "not known" would refuse every {@code retry-rejects --endpoint} of a
     * campaign the operator planned, with no flag to accept it.
     */
    ResolvedJob identify(ResolvedJob job) {
        ResolvedJob.ResolvedModel model = job.getModel();
        if (model == null) {
            return job;
        }
        if (simulate) {
            model.setIdentity(JobResolver.SIMULATOR_IDENTITY);
        } else if (endpoint != null) {
            model.setIdentity(null);
        }
        return job;
    }

    @Option(
            names = "--request-timeout",
            description =
                    "Deadline of one model request (ISO-8601, e.g. PT90S)."
                            + " Default: spec.workers.requestTimeoutSeconds, else 60 s + the recipe's largest maxTokens / 10 tokens/s.")
    Duration requestTimeout;

    @Option(
            names = "--max-outage",
            defaultValue = "PT2M",
            description = "How long to wait for a model that does not answer (refused connections, 429, 502-504),"
                    + " or an s3:// store that is down, before the shards stop with exit 75; nothing is rejected for"
                    + " it. Default: ${DEFAULT-VALUE}")
    Duration maxOutage = Duration.ofMinutes(2);

    @Option(
            names = "--backoff-base",
            description =
                    "First retry of a request waits up to this (ISO-8601); each further one doubles it. Default: PT0.5S")
    Duration backoffBase;

    @Option(
            names = "--backoff-cap",
            description = "Longest wait between two tries of one request (ISO-8601). Default: PT30S")
    Duration backoffCap;
}
