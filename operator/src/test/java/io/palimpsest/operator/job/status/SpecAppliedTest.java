package io.palimpsest.operator.job.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.Models;
import io.palimpsest.operator.model.resources.ModelApiKey;
import org.junit.jupiter.api.Test;

/** The model's API key as the worker Job's pods read it, against the one the RewriterModel names now. */
class SpecAppliedTest {
    static final SecretKeyRef A = new SecretKeyRef("gw-key-a", "token");
    static final SecretKeyRef B = new SecretKeyRef("gw-key-b", "token");

    @Test
    void theSameKeyOrNoModelNamesNothing() {
        RewriterModel external = external(A);
        assertNull(SpecApplied.modelApiKey(external, A, A));
        assertNull(SpecApplied.modelApiKey(null, A, B), "a deleted model is ModelNotFound, not an edit");
        RewriterModel deployed = Models.huggingFace("mistral");
        assertNull(
                SpecApplied.modelApiKey(deployed, null, ModelApiKey.ref(deployed)),
                "a keyless worker Job holds the deployed model's key back: its pods are not refused");
    }

    @Test
    void eachOtherKeyIsNamedWithTheWayOut() {
        assertEquals(
                "RewriterModel 'gw' names the API key Secret gw-key-b (key token) but the worker Job was created with"
                        + " gw-key-a (key token): a Job's pod template cannot change, so its worker pods keep reading"
                        + " gw-key-a; to send the new key, delete this RewriteJob and apply it again (its committed"
                        + " shards are kept and skipped)",
                SpecApplied.modelApiKey(external(B), A, B));
        assertEquals(
                "RewriterModel 'gw' names no API key Secret but the worker Job was created with gw-key-a (key token):"
                        + " a Job's pod template cannot change, so its worker pods keep reading gw-key-a (and cannot"
                        + " start without it); to drop it, delete this RewriteJob and apply it again (its committed"
                        + " shards are kept and skipped)",
                SpecApplied.modelApiKey(external(null), A, null));
        assertEquals(
                "RewriterModel 'gw' names the API key Secret gw-key-b (key token) but the worker Job was created"
                        + " without one: a Job's pod template cannot change, so its worker pods send no key; to send"
                        + " it, delete this RewriteJob and apply it again (its committed shards are kept and skipped)",
                SpecApplied.modelApiKey(external(B), null, B));
        // a deployed model switched to an external endpoint: the workers still read the operator's key
        RewriterModel switched = Models.huggingFace("gw");
        SecretKeyRef operators = ModelApiKey.ref(switched);
        switched.getSpec().setEndpoint(external(B).getSpec().getEndpoint());
        assertEquals(
                "RewriterModel 'gw' names the API key Secret gw-key-b (key token) but the worker Job was created with "
                        + operators.getName() + " (key " + operators.getKey() + "): a Job's pod template cannot"
                        + " change, so its worker pods keep reading " + operators.getName() + "; to send the new key,"
                        + " delete this RewriteJob and apply it again (its committed shards are kept and skipped)",
                SpecApplied.modelApiKey(switched, operators, B));
    }

    static RewriterModel external(SecretKeyRef key) {
        RewriterModel m = Models.huggingFace("gw");
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("https://gateway.example");
        endpoint.setApiKeySecretRef(key);
        m.getSpec().setEndpoint(endpoint);
        return m;
    }

    /** An admitted worker Job's count against the spec's: named only where it makes a difference. */
    @Test
    void aCountKueueHoldsIsNamedOnlyWhereTheShardsLeftTellItApart() {
        assertNull(SpecApplied.admittedParallelism(4, 10, true, 4), "runs at the spec's count");
        assertNull(SpecApplied.admittedParallelism(null, 10, true, 4), "auto follows the fleet: no edit");
        assertNull(SpecApplied.admittedParallelism(8, 10, false, 4), "not admitted: the operator sets the count");
        assertNull(SpecApplied.admittedParallelism(8, 3, true, 4), "3 shards left: 4 or 8 workers run 3");
        assertNull(SpecApplied.admittedParallelism(2, 1, true, 4), "1 shard left: 2 or 4 workers run 1");
        assertNull(SpecApplied.admittedParallelism(8, 10, true, 0), "held at 0 (model gone): applied");
        assertEquals(
                "spec.workers.parallelism is 8 but the worker Job runs 4 workers, the count Kueue admitted it at:"
                        + " Kueue suspends and requeues a running Job whose count changes, so it keeps that count; to"
                        + " run 8, suspend the job (spec.suspend: true) and resume it: Kueue admits it again at the"
                        + " new count",
                SpecApplied.admittedParallelism(8, 6, true, 4));
        assertNotNull(
                SpecApplied.admittedParallelism(2, 3, true, 4), "a count lowered below the shards left is named too");
    }
}
