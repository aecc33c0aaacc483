package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.JobPhaseMachine.Inputs;
import io.palimpsest.operator.job.JobPhaseMachine.ModelState;
import io.palimpsest.operator.job.JobPhaseMachine.PlannerState;
import io.palimpsest.operator.job.JobPhaseMachine.SpecState;
import io.palimpsest.operator.job.JobPhaseMachine.TallyState;
import io.palimpsest.operator.job.observe.WorkerJobView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobPhaseMachineTest {

    /** One transition per row: (recorded phase, observations) -> next phase and reason. */
    @ParameterizedTest(
            name = "{0}/{1} valid={2} model={3} planner={4} shards={5} worker={6} suspend={7} tally={8} -> {9}/{10}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                // phase  | reason          | valid | model     | planner     | shards | worker                      |
                // suspend | tally       | next      | next reason
                "-         | -               | VALID | USABLE    | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "-         | -               | INVALID | USABLE    | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Pending   | -               | VALID | NOT_FOUND | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Pending   | ModelNotFound",
                "Pending   | ModelNotFound   | VALID | USABLE    | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Pending   | -               | INVALID | NOT_FOUND | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Pending   | -               | VALID | USABLE    | NOT_STARTED | -      | ABSENT                      | true    | NOT_NEEDED  | Planning  | Planning",
                "Planning  | Planning        | VALID | USABLE    | RUNNING     | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Planning  | Planning        | VALID | NOT_FOUND | RUNNING     | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Planning  | Planning        | VALID | USABLE    | FAILED      | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | PlanningFailed",
                "Planning  | Planning        | VALID | USABLE    | SUCCEEDED   | 100    | ABSENT                      | false   | NOT_NEEDED  | Running   | Running",
                "Planning  | Planning        | VALID | USABLE    | SUCCEEDED   | 100    | ABSENT                      | true    | NOT_NEEDED  | Suspended | Suspended",
                "Planning  | Planning        | VALID | USABLE    | SUCCEEDED   | 0      | ABSENT                      | false   | NOT_NEEDED  | Failed    | PlanningFailed",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | ABSENT                      | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | VALID | NOT_FOUND | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | ModelNotFound",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | RUNNING                     | true    | NOT_NEEDED  | Suspended | Suspended",
                "Suspended | Suspended       | VALID | USABLE    | SUCCEEDED   | 100    | RUNNING                     | true    | NOT_NEEDED  | Suspended | Suspended",
                "Suspended | Suspended       | VALID | USABLE    | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | false   | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | false   | PENDING     | Running   | Tallying",
                "Running   | Tallying        | VALID | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | false   | RUNNING     | Running   | Tallying",
                "Running   | Tallying        | VALID | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | false   | FAILED      | Succeeded | AllShardsCommitted",
                "Running   | Tallying        | VALID | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | false   | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false   | NOT_NEEDED  | Succeeded | ShardsFailed",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | TOO_MANY_FAILED_SHARDS      | false   | PENDING     | Failed    | TooManyFailedShards",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | FAILED                      | false   | NOT_NEEDED  | Failed    | WorkerJobFailed",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | AWAITING_RECEIPTS           | false   | PENDING     | Running   | Tallying",
                "Running   | Tallying        | VALID | USABLE    | SUCCEEDED   | 100    | AWAITING_RECEIPTS           | false   | RUNNING     | Running   | Tallying",
                "Running   | Running         | VALID | USABLE    | SUCCEEDED   | 100    | AWAITING_RECEIPTS           | true    | PENDING     | Running   | Tallying",
                "Suspended | Suspended       | VALID | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | true    | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Succeeded | AllShardsCommitted | VALID | USABLE    | SUCCEEDED  | 100    | COMPLETE                    | true    | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Succeeded | AllShardsCommitted | VALID | NOT_FOUND | SUCCEEDED | 100    | ABSENT                      | false   | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Failed    | TooManyFailedShards | VALID | USABLE    | SUCCEEDED | 100    | TOO_MANY_FAILED_SHARDS      | false   | NOT_NEEDED  | Failed    | TooManyFailedShards",
                "Failed    | InvalidSpec     | INVALID | USABLE    | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Failed    | InvalidSpec     | VALID | USABLE    | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Failed    | PlanningFailed  | VALID | USABLE    | FAILED      | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | PlanningFailed",
                // a model the policy refuses, or Failed: the job waits before planning, or holds its workers at 0
                "Pending   | -               | VALID | FAILED    | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Pending   | ModelFailed",
                "Pending   | ModelFailed     | VALID | USABLE    | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Planning  | Planning        | VALID | FAILED    | SUCCEEDED   | 100    | ABSENT                      | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | VALID | FAILED    | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | ModelFailed",
                "Running   | ModelFailed     | VALID | USABLE    | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | Running",
                // a started job whose spec was edited past the admission policy holds in its phase until it is fixed
                "Planning  | Planning        | HELD  | USABLE    | RUNNING     | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | InvalidSpec",
                "Planning  | Planning        | HELD  | USABLE    | SUCCEEDED   | 100    | ABSENT                      | false   | NOT_NEEDED  | Running   | InvalidSpec",
                "Running   | Running         | HELD  | USABLE    | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | InvalidSpec",
                "Running   | Running         | HELD  | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | false   | PENDING     | Running   | InvalidSpec",
                "Suspended | Suspended       | HELD  | USABLE    | SUCCEEDED   | 100    | RUNNING                     | true    | NOT_NEEDED  | Suspended | InvalidSpec",
                "Running   | InvalidSpec     | VALID | USABLE    | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | HELD  | USABLE    | SUCCEEDED   | 100    | COMPLETE                    | false   | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                // once started, a rule that holds from the start (modelRef kept) fails the job; put right, it goes on
                "Running   | Running         | INVALID | USABLE | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Suspended | Suspended       | INVALID | USABLE | SUCCEEDED   | 100    | RUNNING                     | true    | NOT_NEEDED  | Failed    | InvalidSpec",
                "Planning  | Planning        | INVALID | USABLE | RUNNING     | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
            })
    void step(
            JobPhase phase,
            JobReason reason,
            SpecState valid,
            ModelState model,
            PlannerState planner,
            Long shards,
            WorkerJobView.State worker,
            boolean suspend,
            TallyState tally,
            JobPhase next,
            JobReason nextReason) {
        Decision d =
                JobPhaseMachine.step(new Inputs(phase, reason, valid, model, planner, shards, worker, suspend, tally));
        assertEquals(new Decision(next, nextReason), d);
    }

    /** After an operator restart with no status, one evaluation lands where the cluster already is. */
    @Test
    void settleWalksThroughPhasesTheClusterHasAlreadyPassed() {
        Inputs restarted = new Inputs(
                null,
                null,
                SpecState.VALID,
                ModelState.USABLE,
                PlannerState.SUCCEEDED,
                100L,
                WorkerJobView.State.COMPLETE,
                false,
                TallyState.NOT_NEEDED);
        assertEquals(new Decision(JobPhase.Succeeded, JobReason.AllShardsCommitted), JobPhaseMachine.settle(restarted));

        Inputs suspended = new Inputs(
                JobPhase.Pending,
                null,
                SpecState.VALID,
                ModelState.USABLE,
                PlannerState.SUCCEEDED,
                100L,
                WorkerJobView.State.RUNNING,
                true,
                TallyState.NOT_NEEDED);
        assertEquals(new Decision(JobPhase.Suspended, JobReason.Suspended), JobPhaseMachine.settle(suspended));
    }

    @Test
    void settleStopsWhereTheWorkIs() {
        Inputs fresh = new Inputs(
                null,
                null,
                SpecState.VALID,
                ModelState.USABLE,
                PlannerState.NOT_STARTED,
                null,
                WorkerJobView.State.ABSENT,
                false,
                TallyState.NOT_NEEDED);
        assertEquals(new Decision(JobPhase.Planning, JobReason.Planning), JobPhaseMachine.settle(fresh));
    }
}
