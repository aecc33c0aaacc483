package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.JobDecider.Action;
import io.palimpsest.operator.job.JobDecider.Decision;
import io.palimpsest.operator.job.JobDecider.Facts;
import io.palimpsest.operator.job.JobPhaseMachine.PlannerState;
import io.palimpsest.operator.job.JobPhaseMachine.TallyState;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.UpstreamInput;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The RewriteJob's whole behaviour, one reconcile per row: (recorded phase, what was observed) ->
 * (phase, reason, the actions on the owned objects in order, when to look again).
 *
 * <p>The world column lists what exists besides the phase inputs; empty means the ConfigMap is
 * there and current, no planner or worker Job exists, parallelism would be 4 running and 0
 * suspended, nothing is past the attempts cap, the tally is due, no preview is wanted:
 * <ul>
 *   <li>{@code noCm}, {@code cmStale}, {@code cmTooLarge}: the ConfigMap is absent, differs from the desired one, cannot be written</li>
 *   <li>{@code planner}, {@code unrecorded}: the planner Job exists; its count came from its pod, not its annotation</li>
 *   <li>{@code worker}, {@code workerAt2}, {@code workerAt0}, {@code workerSuspended}: the worker Job exists at parallelism 4, at 2,
 *       running at 0, suspended at 0</li>
 *   <li>{@code idle}: parallelism 0 (the model is gone, refused or failed); {@code queued}: Kueue admits the job; {@code workerRefused}: WorkerJobLimits refuse it</li>
 *   <li>{@code capRunning}, {@code capPending}: a pod past the attempts cap, running or not yet</li>
 *   <li>{@code tallyGone}, {@code tallyLater}: the tally's result is gone; the tally is due in 30 s</li>
 *   <li>{@code preview}: a preview is wanted; {@code refused}: a worker exited 78 (the model refused the job)</li>
 *   <li>{@code outage}: shard 2 committed, shard 3's last attempt exited 75 (the model unreachable);
 *       {@code outageClosed}: then the ledger closed it (exit 43); {@code outageCommitted}: then it committed
 *       (shard 5 failed for good);
 *       {@code outageThenBadData}: then it failed as bad data (exit 42);
 *       {@code storeOutage}: shard 3's last attempt exited 75 on the object store's outage instead;
 *       {@code bothOutages}: and shard 4's on the model's</li>
 *   <li>{@code recordedModelOutage}, {@code recordedStoreOutage}: status.outageShards says shard 3 failed for good
 *       on the model's, the object store's outage (its pods may be gone)</li>
 *   <li>{@code previous}: objects under the job's names belong to an earlier RewriteJob of the same name</li>
 *   <li>{@code outputInUse}: another unfinished RewriteJob that came first writes the same output</li>
 *   <li>{@code inputInProgress}, {@code inputIncomplete}: another RewriteJob whose output the job reads has not
 *       Succeeded (and will, or will not by itself)</li>
 *   <li>{@code inputRestart}: the job failed planning for its input's state and a job writing that input came
 *       after (UpstreamInput.restartFor)</li>
 *   <li>{@code maxFailedEdited}: retry.maxFailedShards asks for 3 where the worker Job has maxFailedIndexes 2</li>
 *   <li>{@code notCreatedDue}: a Job of the job's has made no pod yet and is overdue in 9 s (PodsNotCreated)</li>
 *   <li>{@code resultAwaited}: a helper Job succeeded and its pod's end is not in the cache yet, awaited 20 s more</li>
 * </ul>
 */
class JobDeciderTest {

    private static final String[] ROWS = {
        // phase  | reason            | valid | model     | planner     | shards | worker                 | suspend |
        // tally
        //     | world                        | next      | next reason         | actions
        //    | requeue
        // starting: the ConfigMap, then the planner
        "-         | -                  | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm                          | Planning  | Planning            | CreateConfigMap CreatePlanner             | -",
        "-         | -                  | false | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm                          | Failed    | InvalidSpec         |                                           | -",
        "Pending   | ModelNotFound      | true  | NOT_FOUND | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm                          | Pending   | ModelNotFound       |                                           | -",
        "-         | -                  | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | cmTooLarge                    | Failed    | ResolvedJobTooLarge | Fail(ResolvedJobTooLarge)                 | -",
        // deleted and created again under the same name: the earlier job's objects go first; an invalid spec says so
        // first
        "-         | -                  | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm previous                 | Pending   | WaitingForPreviousJob |                                         | -",
        "Pending   | ModelNotFound      | true  | NOT_FOUND | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm previous                 | Pending   | ModelNotFound       |                                           | -",
        "-         | -                  | false | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm previous                 | Failed    | InvalidSpec         |                                           | -",
        "Failed    | InvalidSpec        | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm previous                 | Pending   | WaitingForPreviousJob |                                         | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker previous       | Running   | Running             |                                           | PT30S",
        // another job that came first writes the same output: a job that has not started waits, one that has goes on
        "-         | -                  | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm outputInUse              | Pending   | OutputInUse         |                                           | PT10S",
        "Pending   | ModelNotFound      | true  | NOT_FOUND | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm outputInUse              | Pending   | ModelNotFound       |                                           | -",
        "Failed    | InvalidSpec        | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm outputInUse              | Pending   | OutputInUse         |                                           | PT10S",
        "Planning  | Planning           | true  | USABLE    | RUNNING     | -      | ABSENT                 | false   | NOT_NEEDED | planner outputInUse           | Planning  | Planning            |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker outputInUse    | Running   | Running             |                                           | PT30S",
        "-         | -                  | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm inputInProgress          | Pending   | InputInProgress     |                                           | -",
        "Pending   | InputInProgress    | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm inputIncomplete          | Pending   | InputIncomplete     |                                           | -",
        "Pending   | ModelNotFound      | true  | NOT_FOUND | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm inputInProgress          | Pending   | ModelNotFound       |                                           | -",
        "Planning  | Planning           | true  | USABLE    | RUNNING     | -      | ABSENT                 | false   | NOT_NEEDED | planner inputInProgress       | Planning  | Planning            |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker inputIncomplete | Running   | Running             |                                           | PT30S",
        // the re-entry rule: a Failed/InvalidSpec job whose new generation is valid starts again
        "Failed    | InvalidSpec        | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm                          | Planning  | Planning            | CreateConfigMap CreatePlanner             | -",
        "Failed    | InvalidSpec        | false | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm                          | Failed    | InvalidSpec         |                                           | -",
        // planning
        "Planning  | Planning           | true  | USABLE    | RUNNING     | -      | ABSENT                 | false   | NOT_NEEDED | planner                       | Planning  | Planning            |                                           | -",
        "Planning  | Planning           | true  | USABLE    | RUNNING     | -      | ABSENT                 | false   | NOT_NEEDED | planner cmStale               | Planning  | Planning            | ReplaceConfigMap                          | -",
        "Planning  | Planning           | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | planner                       | Planning  | Planning            | Replan                                    | -",
        // the planner succeeded, its pod's end not in the cache yet: waited for, not planned again
        "Planning  | Planning           | true  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | planner resultAwaited         | Planning  | Planning            |                                           | PT21S",
        "Planning  | Planning           | true  | USABLE    | FAILED      | -      | ABSENT                 | false   | NOT_NEEDED | planner                       | Failed    | PlanningFailed      |                                           | -",
        // failed planning for its input's state, and a job writing that input came after: back to waiting, the failed
        // planner deleted; without the restart it stays Failed
        "Failed    | PlanningFailed     | true  | USABLE    | FAILED      | -      | ABSENT                 | false   | NOT_NEEDED | planner                       | Failed    | PlanningFailed      |                                           | -",
        "Failed    | PlanningFailed     | true  | USABLE    | FAILED      | -      | ABSENT                 | false   | NOT_NEEDED | planner inputRestart inputInProgress | Pending | InputInProgress | Replan                              | -",
        "Failed    | PlanningFailed     | true  | USABLE    | FAILED      | -      | ABSENT                 | false   | NOT_NEEDED | planner inputRestart          | Pending   | Planning            | Replan                                    | PT2S",
        // back to waiting, the failed planner not yet seen deleted: deleted again, never failed from it
        "Pending   | InputInProgress    | true  | USABLE    | FAILED      | -      | ABSENT                 | false   | NOT_NEEDED | planner inputInProgress       | Pending   | InputInProgress     | Replan                                    | -",
        "Pending   | Planning           | true  | USABLE    | FAILED      | -      | ABSENT                 | false   | NOT_NEEDED | planner                       | Pending   | Planning            | Replan                                    | PT2S",
        // planned: the count kept on the planner Job, the worker Job created running, suspended or for Kueue
        "Planning  | Planning           | true  | USABLE    | SUCCEEDED   | 100    | ABSENT                 | false   | NOT_NEEDED | planner unrecorded            | Running   | Running             | RecordShardCount(100) CreateWorker(4,false) | -",
        "Planning  | Planning           | true  | USABLE    | SUCCEEDED   | 100    | ABSENT                 | true    | NOT_NEEDED | planner                       | Suspended | Suspended           | CreateWorker(0,true)                      | -",
        "Planning  | Planning           | true  | USABLE    | SUCCEEDED   | 100    | ABSENT                 | false   | NOT_NEEDED | planner queued                | Running   | Queued              | CreateWorker(4,true)                      | -",
        "Planning  | Planning           | true  | USABLE    | SUCCEEDED   | 200000 | ABSENT                 | false   | NOT_NEEDED | planner workerRefused         | Failed    | InvalidWorkerJob    | Fail(InvalidWorkerJob)                    | -",
        // running: parallelism and suspend patched, pods past the cap stopped; while workers may run the job is
        // looked at again every 30 s (its rates and ETA follow time when no event comes)
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker                | Running   | Running             |                                           | PT30S",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerAt2             | Running   | Running             | PatchWorker(4,-)                          | PT30S",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | true    | NOT_NEEDED | planner worker                | Suspended | Suspended           | PatchWorker(0,true)                       | -",
        "Suspended | Suspended          | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerSuspended       | Running   | Running             | PatchWorker(4,false)                      | PT30S",
        "Suspended | Suspended          | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerSuspended queued | Running  | Queued              | PatchWorker(4,-)                          | PT30S",
        "Running   | Running            | true  | NOT_FOUND | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker idle           | Running   | ModelNotFound       | PatchWorker(0,-)                          | -",
        // a model the policy refuses or that failed: no worker Job or preview is made from it, a running one is held at
        // 0
        "Planning  | Planning           | true  | FAILED    | SUCCEEDED   | 100    | ABSENT                 | false   | NOT_NEEDED | planner idle                  | Running   | ModelFailed         |                                           | -",
        "Planning  | Planning           | true  | NOT_FOUND | SUCCEEDED   | 100    | ABSENT                 | false   | NOT_NEEDED | planner idle                  | Running   | ModelNotFound       |                                           | -",
        "Running   | Running            | true  | FAILED    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker idle           | Running   | ModelFailed         | PatchWorker(0,-)                          | -",
        "Suspended | Suspended          | true  | FAILED    | SUCCEEDED   | 100    | RUNNING                | true    | NOT_NEEDED | planner workerSuspended preview | Suspended | Suspended        |                                           | -",
        "Pending   | -                  | true  | FAILED    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm                          | Pending   | ModelFailed         |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker maxFailedEdited | Running  | Running             | PatchMaxFailedIndexes(3)                  | PT30S",
        "Suspended | Suspended          | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | true    | NOT_NEEDED | planner workerSuspended maxFailedEdited | Suspended | Suspended | PatchMaxFailedIndexes(3)            | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | COMPLETE               | false   | NOT_NEEDED | planner worker maxFailedEdited | Succeeded | AllShardsCommitted |                                          | -",
        // Kueue: an admitted worker Job keeps the parallelism it was admitted at (a change evicts and requeues it), not
        // when the model is gone
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerAt2 queued      | Running   | Running             |                                           | PT30S",
        "Running   | Running            | true  | NOT_FOUND | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerAt2 queued idle | Running   | ModelNotFound       | PatchWorker(0,-)                          | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | true    | NOT_NEEDED | planner workerAt2 queued      | Suspended | Suspended           | PatchWorker(0,true)                       | -",
        // admitted at 0 (an auto count made while the model had no ready replica): no count to keep, or no worker
        // would ever run while the model, woken by the job's shards, waits for them
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerAt0 queued      | Running   | Running             | PatchWorker(4,-)                          | PT30S",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker cmStale capRunning | Running | Running          | ReplaceConfigMap DeletePod                | PT30S",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker capPending     | Running   | Running             |                                           | PT1S",
        // a preview before the campaign, while suspended
        "Suspended | Suspended          | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | true    | NOT_NEEDED | planner workerSuspended preview | Suspended | Suspended        | CreatePreview                             | -",
        // ... and only then: planning or running, a wanted preview starts nothing
        "Planning  | Planning           | true  | USABLE    | RUNNING     | -      | ABSENT                 | true    | NOT_NEEDED | planner preview               | Planning  | Planning            |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker preview        | Running   | Running             |                                           | PT30S",
        // finished shards: the tally when summaries went missing
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | COMPLETE               | false   | PENDING    | planner worker                | Running   | Tallying            | CreateTally                               | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | COMPLETE               | false   | PENDING    | planner worker tallyLater     | Running   | Tallying            |                                           | PT31S",
        "Running   | Tallying           | true  | USABLE    | SUCCEEDED   | 100    | COMPLETE               | false   | RUNNING    | planner worker tallyGone      | Running   | Tallying            | RerunTally                                | -",
        "Running   | Tallying           | true  | USABLE    | SUCCEEDED   | 100    | COMPLETE               | false   | RUNNING    | planner worker tallyGone resultAwaited | Running | Tallying          |                                           | PT21S",
        "Running   | Tallying           | true  | USABLE    | SUCCEEDED   | 100    | COMPLETE               | false   | NOT_NEEDED | planner worker                | Succeeded | AllShardsCommitted  |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker              | Succeeded | ShardsFailed        |                                           | -",
        // shards the model's outage failed for good are no partial success, whatever retry.maxFailedShards
        // tolerates: the job fails (no tally), as local exits 75; an outage a later attempt got past, or one the
        // ledger then closed, is judged by what the shard ended with
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker outage       | Failed    | ModelUnreachable    |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | PENDING    | planner worker outage       | Failed    | ModelUnreachable    |                                           | -",
        "Running   | Tallying           | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | RUNNING    | planner worker outage       | Failed    | ModelUnreachable    |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker outageClosed | Failed    | ModelUnreachable    |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker outageCommitted | Succeeded | ShardsFailed     |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker outageThenBadData | Succeeded | ShardsFailed   |                                           | -",
        // the object store's outage is as job-wide as the model's; with both, the model's is named
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker storeOutage  | Failed    | StoreUnreachable    |                                           | -",
        "Running   | Tallying           | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | RUNNING    | planner worker storeOutage  | Failed    | StoreUnreachable    |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker bothOutages  | Failed    | ModelUnreachable    |                                           | -",
        // the pods gone (the Job's TTL, the pod garbage collector, an operator started after their deletion): the
        // status' record decides as they did; a pod still there judges its shard, and only failed shards count
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker recordedModelOutage | Failed | ModelUnreachable   |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | PENDING    | planner worker recordedModelOutage | Failed | ModelUnreachable   |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker recordedStoreOutage | Failed | StoreUnreachable   |                                           | -",
        "Running   | Tallying           | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | RUNNING    | planner worker recordedStoreOutage | Failed | StoreUnreachable   |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker outageThenBadData recordedModelOutage | Succeeded | ShardsFailed |                         | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker outageCommitted recordedModelOutage | Succeeded | ShardsFailed |                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker storeOutage recordedModelOutage | Failed | StoreUnreachable |                                 | -",
        "Succeeded | ShardsFailed       | true  | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false | NOT_NEEDED | planner worker outage       | Succeeded | ShardsFailed        |                                           | -",
        // failures
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | TOO_MANY_FAILED_SHARDS | false   | NOT_NEEDED | planner worker                | Failed    | TooManyFailedShards |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FAILED                 | false   | NOT_NEEDED | planner worker                | Failed    | WorkerJobFailed     |                                           | -",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FAILED                 | false   | NOT_NEEDED | planner worker refused        | Failed    | ModelConfig         |                                           | -",
        // once started, a rule that holds from the start broken (modelRef changed): the job fails and its workers
        // stop (suspended at 0: a worker left running could commit into the output the next job plans in); put right,
        // it goes on
        "Running   | Running            | false | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker                | Failed    | InvalidSpec         | PatchWorker(0,true)                       | -",
        "Running   | Running            | false | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerAt2 queued      | Failed    | InvalidSpec         | PatchWorker(0,true)                       | -",
        "Failed    | InvalidSpec        | false | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerSuspended       | Failed    | InvalidSpec         |                                           | -",
        "Failed    | InvalidSpec        | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerSuspended       | Running   | Running             | PatchWorker(4,false)                      | PT30S",
        "Failed    | InvalidSpec        | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker                | Running   | Running             |                                           | PT30S",
        // an end decided while the worker Job runs stops it too (a Job the Job controller ended stops its pods itself);
        // a finished job whose worker Job still ran (ended before workers were stopped) stops it at its next look
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker cmTooLarge     | Failed    | ResolvedJobTooLarge | PatchWorker(0,true) Fail(ResolvedJobTooLarge) | -",
        "Failed    | RejectedByApiServer | true | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker                | Failed    | RejectedByApiServer | PatchWorker(0,true)                       | -",
        "Failed    | RejectedByApiServer | true | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerAt0             | Failed    | RejectedByApiServer | PatchWorker(0,true)                       | -",
        // a started job whose spec breaks the admission policy: nothing is made from it, the rest goes on
        "Planning  | Planning           | held  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | noCm                          | Planning  | InvalidSpec         |                                           | -",
        "Planning  | Planning           | held  | USABLE    | NOT_STARTED | -      | ABSENT                 | false   | NOT_NEEDED | planner                       | Planning  | InvalidSpec         | Replan                                    | -",
        "Planning  | Planning           | held  | USABLE    | SUCCEEDED   | 100    | ABSENT                 | false   | NOT_NEEDED | planner unrecorded            | Running   | InvalidSpec         | RecordShardCount(100)                     | -",
        "Running   | Running            | held  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner workerAt2 cmStale     | Running   | InvalidSpec         | ReplaceConfigMap PatchWorker(4,-)         | PT30S",
        "Running   | Running            | held  | USABLE    | SUCCEEDED   | 100    | COMPLETE               | false   | PENDING    | planner worker                | Running   | InvalidSpec         |                                           | -",
        "Suspended | Suspended          | held  | USABLE    | SUCCEEDED   | 100    | RUNNING                | true    | NOT_NEEDED | planner workerSuspended preview | Suspended | InvalidSpec      |                                           | -",
        // a Job that has made no pod yet: looked at again when it is overdue, sooner if anything else asks; not once
        // the job has ended
        "Planning  | Planning           | true  | USABLE    | RUNNING     | -      | ABSENT                 | false   | NOT_NEEDED | planner notCreatedDue         | Planning  | Planning            |                                           | PT10S",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | RUNNING                | false   | NOT_NEEDED | planner worker notCreatedDue  | Running   | Running             |                                           | PT10S",
        "Running   | Running            | true  | USABLE    | SUCCEEDED   | 100    | FAILED                 | false   | NOT_NEEDED | planner worker notCreatedDue  | Failed    | WorkerJobFailed     |                                           | -",
        // a finished job keeps its phase and reason
        "Failed    | WorkerJobFailed    | true  | USABLE    | SUCCEEDED   | 100    | FAILED                 | false   | NOT_NEEDED | planner worker refused        | Failed    | WorkerJobFailed     |                                           | -",
        "Succeeded | AllShardsCommitted | true  | NOT_FOUND | SUCCEEDED   | 100    | ABSENT                 | false   | NOT_NEEDED | noCm                          | Succeeded | AllShardsCommitted  |                                           | -",
    };

    static Stream<String> rows() {
        return Arrays.stream(ROWS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void row(String row) {
        String[] c = cells(row);
        Decision d = JobDecider.decide(facts(c));
        assertEquals(
                c[10] + "/" + c[11] + " [" + c[12] + "] " + c[13],
                d.phase() + "/" + d.reason() + " [" + render(d.actions()) + "] "
                        + (d.requeueAfter() == null ? "-" : d.requeueAfter()));
    }

    /** Every action the reconciler can take is in the table. */
    @Test
    void everyActionHasARow() {
        Set<String> seen = rows().map(r -> cells(r)[12])
                .flatMap(a -> Arrays.stream(a.split(" ")))
                .map(a -> a.replaceAll("\\(.*", ""))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> all = Arrays.stream(Action.class.getPermittedSubclasses())
                .map(Class::getSimpleName)
                .collect(Collectors.toCollection(TreeSet::new));
        all.removeAll(seen);
        assertTrue(all.isEmpty(), "actions without a row: " + all);
    }

    /** Every phase and reason the decider can reach is in the table (RejectedByApiServer comes from the API server, at act). */
    @Test
    void everyPhaseHasARow() {
        Set<String> phases = rows().map(r -> cells(r)[10]).collect(Collectors.toSet());
        assertEquals(Arrays.stream(JobPhase.values()).map(Enum::name).collect(Collectors.toSet()), phases);
    }

    private static String[] cells(String row) {
        String[] c = row.split("\\|", -1);
        for (int i = 0; i < c.length; i++) {
            c[i] = c[i].trim();
        }
        return c;
    }

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    private static Facts facts(String[] c) {
        Set<String> world = Set.of(c[9].isEmpty() ? new String[0] : c[9].split("\\s+"));
        JobPhaseMachine.Inputs phase = new JobPhaseMachine.Inputs(
                nullable(c[0]) == null ? null : JobPhase.valueOf(c[0]),
                nullable(c[1]) == null ? null : JobReason.valueOf(c[1]),
                switch (c[2]) {
                    case "true" -> JobPhaseMachine.SpecState.VALID;
                    case "held" -> JobPhaseMachine.SpecState.HELD;
                    default -> JobPhaseMachine.SpecState.INVALID;
                },
                JobPhaseMachine.ModelState.valueOf(c[3]),
                PlannerState.valueOf(c[4]),
                nullable(c[5]) == null ? null : Long.parseLong(c[5]),
                WorkerJobView.State.valueOf(c[6]),
                Boolean.parseBoolean(c[7]),
                TallyState.valueOf(c[8]));
        ConfigMap desired = configMap("resolved job");
        ConfigMap existing = world.contains("noCm")
                ? null
                : world.contains("cmStale") ? configMap("an older one") : configMap("resolved job");
        boolean worker = world.contains("worker")
                || world.contains("workerAt2")
                || world.contains("workerAt0")
                || world.contains("workerSuspended");
        Integer workerParallelism = !worker
                ? null
                : world.contains("workerAt2")
                        ? 2
                        : world.contains("workerSuspended") || world.contains("workerAt0") ? 0 : 4;
        List<Pod> pastTheCap = new ArrayList<>();
        if (world.contains("capRunning")) {
            pastTheCap.add(pod("Running"));
        }
        if (world.contains("capPending")) {
            pastTheCap.add(pod("Pending"));
        }
        List<FinishedPod> finished = new ArrayList<>();
        if (world.contains("refused")) {
            finished.add(new FinishedPod(3, 1, false, false, null, ExitCodes.MODEL_CONFIG, "Error", "HTTP 401", NOW));
        }
        if (world.contains("outage")
                || world.contains("outageClosed")
                || world.contains("outageCommitted")
                || world.contains("outageThenBadData")) {
            // shard 2 committed; shard 3's attempt 0 met the model's outage
            finished.add(new FinishedPod(2, 0, true, false, null, 0, "Completed", null, NOW.minusSeconds(90)));
            finished.add(new FinishedPod(
                    3, 0, false, false, null, ExitCodes.MODEL_UNREACHABLE, "Error", "HTTP 503", NOW.minusSeconds(60)));
        }
        if (world.contains("outageClosed")) {
            finished.add(new FinishedPod(
                    3, 1, false, false, null, ExitCodes.ATTEMPTS_EXHAUSTED, "Error", "attempts spent", NOW));
        }
        // outageCommitted: shard 3 committed on its next attempt (a counted shard's commit pod is not among the
        // pods read), shard 5 failed for good otherwise
        if (world.contains("storeOutage") || world.contains("bothOutages")) {
            // shard 2 committed; shard 3's attempt 0 met the object store's outage
            ShardSummary storeDown = new ShardSummary();
            storeDown.setOutcome(ShardSummary.Outcome.storeUnreachable);
            storeDown.setReason(ShardReason.STORE_UNREACHABLE.code());
            finished.add(new FinishedPod(2, 0, true, false, null, 0, "Completed", null, NOW.minusSeconds(90)));
            finished.add(new FinishedPod(
                    3, 0, false, false, storeDown, ExitCodes.STORE_UNREACHABLE, "Error", null, NOW.minusSeconds(60)));
        }
        if (world.contains("bothOutages")) {
            finished.add(new FinishedPod(
                    4, 0, false, false, null, ExitCodes.MODEL_UNREACHABLE, "Error", "HTTP 503", NOW.minusSeconds(30)));
        }
        if (world.contains("outageThenBadData")) {
            finished.add(new FinishedPod(3, 1, false, false, null, ExitCodes.BAD_DATA, "Error", "line 7", NOW));
        }
        return new Facts(
                phase,
                finished,
                world.contains("outageCommitted")
                        ? RangeSet.of(5)
                        : world.contains("bothOutages") ? RangeSet.parse("3-4") : RangeSet.of(3),
                world.contains("recordedModelOutage")
                        ? Map.of(ShardFailureReason.ModelUnreachable, RangeSet.of(3))
                        : world.contains("recordedStoreOutage")
                                ? Map.of(ShardFailureReason.StoreUnreachable, RangeSet.of(3))
                                : Map.of(),
                world.contains("planner"),
                world.contains("unrecorded"),
                worker,
                workerParallelism,
                world.contains("workerSuspended"),
                !worker ? null : new JobDecider.MaxFailed(2, world.contains("maxFailedEdited") ? 3 : 2),
                world.contains("queued"),
                world.contains("idle") ? new JobDecider.Parallelism(0, 0) : new JobDecider.Parallelism(4, 0),
                world.contains("workerRefused") ? "the worker Job would be refused by the API server" : null,
                existing,
                desired,
                world.contains("cmTooLarge") ? "the resolved job is 1.2 MiB" : null,
                pastTheCap,
                world.contains("tallyGone"),
                world.contains("tallyLater") ? NOW.plusSeconds(30) : NOW,
                world.contains("preview"),
                world.contains("previous") ? "waiting for the previous job's objects to be deleted: Job rs-plan" : null,
                world.contains("outputInUse")
                        ? "spec.output.uri s3://out/ is the output of RewriteJob test/other"
                        : null,
                world.contains("notCreatedDue") ? NOW.plusSeconds(9) : null,
                world.contains("inputInProgress")
                        ? new UpstreamInput.Wait(
                                JobReason.InputInProgress,
                                "spec.input.uri s3://in/ is the output of RewriteJob test/up")
                        : world.contains("inputIncomplete")
                                ? new UpstreamInput.Wait(
                                        JobReason.InputIncomplete,
                                        "spec.input.uri s3://in/ is the output of RewriteJob test/up, which Failed")
                                : null,
                world.contains("inputRestart")
                        ? "planning again: the planner refused spec.input.uri s3://in/ at 2026-01-01T00:00:00Z"
                        : null,
                world.contains("resultAwaited") ? NOW.plusSeconds(20) : null,
                NOW);
    }

    private static String nullable(String cell) {
        return "-".equals(cell) ? null : cell;
    }

    private static ConfigMap configMap(String job) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName("rs-config")
                .endMetadata()
                .withData(Map.of("job.yaml", job))
                .build();
    }

    private static Pod pod(String phase) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("rs-work-3-" + phase.toLowerCase())
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .endStatus()
                .build();
    }

    private static String render(List<Action> actions) {
        return actions.stream()
                .map(a -> {
                    if (a instanceof JobDecider.CreateWorker w) {
                        return "CreateWorker(" + w.parallelism() + "," + w.suspended() + ")";
                    } else if (a instanceof JobDecider.PatchWorker p) {
                        return "PatchWorker(" + p.parallelism() + "," + (p.suspend() == null ? "-" : p.suspend()) + ")";
                    } else if (a instanceof JobDecider.PatchMaxFailedIndexes m) {
                        return "PatchMaxFailedIndexes(" + m.maxFailedIndexes() + ")";
                    } else if (a instanceof JobDecider.RecordShardCount r) {
                        return "RecordShardCount(" + r.shards() + ")";
                    } else if (a instanceof JobDecider.Fail f) {
                        return "Fail(" + f.reason() + ")";
                    }
                    return a.getClass().getSimpleName();
                })
                .collect(Collectors.joining(" "));
    }

    /** A create that met an object of someone else under the job's name: the job stays where it was and looks again. */
    @Test
    void aNameInUseKeepsThePhaseOfAStartedJobAndLooksAgain() {
        assertEquals(
                new Decision(JobPhase.Pending, JobReason.NameTaken, List.of(), JobDecider.NAME_TAKEN_RECHECK),
                JobDecider.nameInUse((JobPhase) null, JobReason.NameTaken));
        assertEquals(
                new Decision(JobPhase.Pending, JobReason.NameTaken, List.of(), JobDecider.NAME_TAKEN_RECHECK),
                JobDecider.nameInUse(JobPhase.Failed, JobReason.NameTaken));
        assertEquals(
                new Decision(JobPhase.Running, JobReason.NameTaken, List.of(), JobDecider.NAME_TAKEN_RECHECK),
                JobDecider.nameInUse(JobPhase.Running, JobReason.NameTaken));
        assertEquals(
                new Decision(
                        JobPhase.Pending, JobReason.WaitingForPreviousJob, List.of(), JobDecider.PREVIOUS_JOB_RECHECK),
                JobDecider.nameInUse(JobPhase.Pending, JobReason.WaitingForPreviousJob));
    }

    /** A Job that has made no pod yet is looked at again when it is overdue, whatever else stopped the reconcile. */
    @Test
    void aRefusedCallStillLooksAgainWhenAJobWithoutPodsIsOverdue() {
        Facts planning = facts(cells(Arrays.stream(ROWS)
                .filter(r -> r.contains("| planner notCreatedDue "))
                .findFirst()
                .orElseThrow()));
        Duration due = Duration.ofSeconds(10);
        assertEquals(
                new Decision(JobPhase.Planning, JobReason.NameTaken, List.of(), due),
                JobDecider.nameInUse(planning, JobReason.NameTaken));
        assertEquals(
                new Decision(JobPhase.Planning, JobReason.Forbidden, List.of(), due),
                JobDecider.forbidden(planning, JobPhase.Planning, Duration.ofSeconds(15)));
        assertEquals(
                new Decision(JobPhase.Planning, JobReason.Forbidden, List.of(), due),
                JobDecider.forbidden(planning, JobPhase.Failed, Duration.ofSeconds(15)),
                "a decision that ended the job keeps the recorded phase");
    }

    @Test
    void theRefusalsMessageTravelsWithTheDecision() {
        Decision d = JobDecider.decide(facts(cells(ROWS[3])));
        assertEquals(new JobDecider.Fail(JobReason.ResolvedJobTooLarge, "the resolved job is 1.2 MiB"), d.failure());
    }
}
