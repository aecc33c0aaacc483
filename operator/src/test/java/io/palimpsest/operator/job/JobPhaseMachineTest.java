package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.JobPhaseMachine.Inputs;
import io.palimpsest.operator.job.JobPhaseMachine.PlannerState;
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
                // phase  | reason          | valid | model | planner     | shards | worker                      |
                // suspend | tally       | next      | next reason
                "-         | -               | true  | true  | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "-         | -               | false | true  | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Pending   | -               | true  | false | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Pending   | ModelNotFound",
                "Pending   | ModelNotFound   | true  | true  | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Pending   | -               | false | false | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Pending   | -               | true  | true  | NOT_STARTED | -      | ABSENT                      | true    | NOT_NEEDED  | Planning  | Planning",
                "Planning  | Planning        | true  | true  | RUNNING     | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Planning  | Planning        | true  | false | RUNNING     | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Planning  | Planning        | true  | true  | FAILED      | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | PlanningFailed",
                "Planning  | Planning        | true  | true  | SUCCEEDED   | 100    | ABSENT                      | false   | NOT_NEEDED  | Running   | Running",
                "Planning  | Planning        | true  | true  | SUCCEEDED   | 100    | ABSENT                      | true    | NOT_NEEDED  | Suspended | Suspended",
                "Planning  | Planning        | true  | true  | SUCCEEDED   | 0      | ABSENT                      | false   | NOT_NEEDED  | Failed    | PlanningFailed",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | ABSENT                      | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | true  | false | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | ModelNotFound",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | RUNNING                     | true    | NOT_NEEDED  | Suspended | Suspended",
                "Suspended | Suspended       | true  | true  | SUCCEEDED   | 100    | RUNNING                     | true    | NOT_NEEDED  | Suspended | Suspended",
                "Suspended | Suspended       | true  | true  | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Running   | Running",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | COMPLETE                    | false   | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | COMPLETE                    | false   | PENDING     | Running   | Tallying",
                "Running   | Tallying        | true  | true  | SUCCEEDED   | 100    | COMPLETE                    | false   | RUNNING     | Running   | Tallying",
                "Running   | Tallying        | true  | true  | SUCCEEDED   | 100    | COMPLETE                    | false   | FAILED      | Succeeded | AllShardsCommitted",
                "Running   | Tallying        | true  | true  | SUCCEEDED   | 100    | COMPLETE                    | false   | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | FINISHED_WITH_FAILED_SHARDS | false   | NOT_NEEDED  | Succeeded | ShardsFailed",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | TOO_MANY_FAILED_SHARDS      | false   | PENDING     | Failed    | TooManyFailedShards",
                "Running   | Running         | true  | true  | SUCCEEDED   | 100    | FAILED                      | false   | NOT_NEEDED  | Failed    | WorkerJobFailed",
                "Suspended | Suspended       | true  | true  | SUCCEEDED   | 100    | COMPLETE                    | true    | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Succeeded | AllShardsCommitted | true | true | SUCCEEDED  | 100    | COMPLETE                    | true    | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Succeeded | AllShardsCommitted | true | false | SUCCEEDED | 100    | ABSENT                      | false   | NOT_NEEDED  | Succeeded | AllShardsCommitted",
                "Failed    | TooManyFailedShards | true | true | SUCCEEDED | 100    | TOO_MANY_FAILED_SHARDS      | false   | NOT_NEEDED  | Failed    | TooManyFailedShards",
                // once started, a rule that holds from the start (modelRef kept) fails the job; put right, it goes on
                "Running   | Running         | false | true  | SUCCEEDED   | 100    | RUNNING                     | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Suspended | Suspended       | false | true  | SUCCEEDED   | 100    | RUNNING                     | true    | NOT_NEEDED  | Failed    | InvalidSpec",
                "Planning  | Planning        | false | true  | RUNNING     | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Failed    | InvalidSpec     | false | true  | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | InvalidSpec",
                "Failed    | InvalidSpec     | true  | true  | NOT_STARTED | -      | ABSENT                      | false   | NOT_NEEDED  | Planning  | Planning",
                "Failed    | PlanningFailed  | true  | true  | FAILED      | -      | ABSENT                      | false   | NOT_NEEDED  | Failed    | PlanningFailed",
            })
    void step(
            JobPhase phase,
            JobReason reason,
            boolean valid,
            boolean model,
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
                true,
                true,
                PlannerState.SUCCEEDED,
                100L,
                WorkerJobView.State.COMPLETE,
                false,
                TallyState.NOT_NEEDED);
        assertEquals(new Decision(JobPhase.Succeeded, JobReason.AllShardsCommitted), JobPhaseMachine.settle(restarted));

        Inputs suspended = new Inputs(
                JobPhase.Pending,
                null,
                true,
                true,
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
                true,
                true,
                PlannerState.NOT_STARTED,
                null,
                WorkerJobView.State.ABSENT,
                false,
                TallyState.NOT_NEEDED);
        assertEquals(new Decision(JobPhase.Planning, JobReason.Planning), JobPhaseMachine.settle(fresh));
    }
}
