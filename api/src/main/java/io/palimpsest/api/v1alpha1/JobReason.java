package io.palimpsest.api.v1alpha1;

/**
 * The reasons a RewriteJob's conditions carry. {@link #name()} is the word written in the
 * condition (CamelCase, as kstatus and {@link JobPhase} spell them): users, dashboards and the
 * Argo CD health check read these strings, so a constant is never renamed.
 */
public enum JobReason {
    /** The spec breaks a rule of SpecValidator or the cluster's admission policy. */
    InvalidSpec,
    /** The referenced RewriterModel does not exist (yet, or any more). */
    ModelNotFound,
    /**
     * The referenced RewriterModel is refused by the operator's admission policy or its status is
     * Failed: no worker runs against it until it is fixed.
     */
    ModelFailed,
    /**
     * Objects under the job's names belong to an earlier RewriteJob of the same name (deleted and
     * created again): the job starts once the garbage collector has deleted them.
     */
    WaitingForPreviousJob,
    /**
     * An object the job must create exists under its name and is not the job's (made by someone
     * else, or left without an owner): the message names it and its owner.
     */
    NameTaken,
    /**
     * Another RewriteJob that came first and has not finished writes the same {@code spec.output.uri}
     * (an s3:// output in any watched namespace, a pvc:// or file:// one in the same namespace): two
     * jobs planning one output at once would replace each other's plan. The job starts once that
     * one has finished or is deleted; the message names it.
     */
    OutputInUse,
    /**
     * Pending: the job's {@code spec.input.uri} is another RewriteJob's {@code spec.output.uri}, inside it
     * or around it, and that job has not Succeeded yet (in any phase that ends by itself): read now, its
     * output would give only the shards committed so far. The job plans once that one has Succeeded; the
     * message names it, its phase and progress. A job that has started is never held.
     */
    InputInProgress,
    /**
     * Pending until someone acts: the job's input is the output of another RewriteJob that will not
     * Succeed by itself (Failed, or Pending on its missing or failed model, a taken name or an incomplete
     * input of its own), or the jobs read each other's outputs in a cycle. The message names the other
     * job(s) and why.
     */
    InputIncomplete,
    Planning,
    PlanningFailed,
    Running,
    /**
     * Running, but the worker Job waits for Kueue to admit it (spec.queueName: made suspended, or evicted and
     * requeued): no worker runs until Kueue resumes it. Not Ready.
     */
    Queued,
    Suspended,
    /**
     * Every shard finished; the receipts are being summed for exact totals, and read for which failed indexes'
     * shards committed all the same (a worker killed after its commit).
     */
    Tallying,
    AllShardsCommitted,
    /** Finished: every shard committed or failed for good, within retry.maxFailedShards; also the Degraded reason. */
    ShardsFailed,
    TooManyFailedShards,
    /**
     * Every shard finished and some failed for good because the model could not be reached past their
     * attempts (worker outcome {@code modelUnreachable}, exit 75): an outage is the same for every
     * document, not a shard's bad data, so {@code retry.maxFailedShards} does not tolerate it, as
     * {@code local} exits 75 for it. The message says how many shards committed and how to resume.
     */
    ModelUnreachable,
    /**
     * As {@link #ModelUnreachable}, for shards failed for good because the object store could not be
     * reached past their attempts (worker outcome {@code storeUnreachable}, exit 75).
     */
    StoreUnreachable,
    WorkerJobFailed,
    /**
     * The worker Job failed because the model refused every request the same way (credentials,
     * model name): the worker exited 78 and the FailJob rule stopped the other shards. Also the
     * reason of a shard failed that way. The message is the worker's own (its summary's).
     */
    ModelConfig,
    /**
     * The worker Job failed because the object store refused the job's credentials (worker reason
     * {@code store_refused}: AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, InvalidToken,
     * or a credentials Secret that cannot give them), or a file system output's folder made no hard
     * links for a receipt or checkpoint marker; the worker exited 78. The message is the worker's,
     * naming the object, the store's code and the credentials setting, or the output and the folder.
     */
    StoreRefused,
    /**
     * The worker Job failed because a worker found the output made otherwise than this job would
     * make it (worker reason {@code output_drift}: another recipe, another model name, such as a
     * RewriterModel's servedModelName edited mid-campaign, or the input read another way); the worker
     * exited 78. Found at planning, the same refusal ends the job {@link #PlanningFailed}.
     */
    OutputDrift,
    /** Degraded: the receipts could not be summed; the totals count only the summaries seen. */
    TallyFailed,
    /** An object the job needs was refused by the API server (422): sending it again cannot help. */
    RejectedByApiServer,
    /** The worker Job would break the API server's limits on Indexed Jobs (WorkerJobLimits). */
    InvalidWorkerJob,
    /** The resolved job does not fit in its ConfigMap (1 MiB): the recipe is too large to run. */
    ResolvedJobTooLarge,
    /**
     * Ready is False: the operator's role lacks a grant a call for the job needs (403 from the API
     * server; the message names the verb and resource). The phase stays and the call is tried again
     * until the role has it.
     */
    Forbidden,
    /**
     * Reconciling is True on a job that has ended (Succeeded or Failed) while something of it may still write to its
     * output: a worker pod that has not terminated (the operator suspends the worker Job of a job that ended while it
     * ran, and a worker stopped after its last document still commits its shard), a worker Job not stopped yet, a
     * planner or preview that has not finished. The output stays the job's (another job into it waits,
     * {@link #OutputInUse}) until it is False; the message says what still runs.
     */
    WorkersStopping,
    /** Degraded is False: no shard failed for good. */
    NoFailedShards,
    /** Complete is False. */
    NotComplete,
    /** Failed is False. */
    NotFailed;

    /** The constant a recorded condition names, or null for none or a word this version does not write. */
    public static JobReason parse(String reason) {
        if (reason == null) {
            return null;
        }
        for (JobReason r : values()) {
            if (r.name().equals(reason)) {
                return r;
            }
        }
        return null;
    }
}
