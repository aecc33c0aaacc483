package io.palimpsest.operator.job.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shard failures are told by one ShardFailed Event per cause, counted: a cause that fails many
 * shards does not add an Event per shard, and a restarted operator (the status is its memory)
 * repeats none.
 */
@EnableKubernetesMockClient(crud = true)
class ShardFailureEventsTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    KubernetesClient client;

    @Test
    void oneCountedEventPerCauseWithTheLatestMessage() {
        RewriteJob job = job("campaign", "uid-1");
        RewriteJobStatus first = status(
                failure(1, "BadData", "input file a.jsonl line 3"),
                failure(2, "BadData", "input file b.jsonl line 9"),
                failure(3, "ModelUnreachable", "no answer for 10m"));
        ShardFailureEvents.record(client, job, null, first, T0);
        RewriteJobStatus second = status(
                failure(1, "BadData", "input file a.jsonl line 3"),
                failure(2, "BadData", "input file b.jsonl line 9"),
                failure(3, "ModelUnreachable", "no answer for 10m"),
                failure(4, "BadData", "input file c.jsonl line 1"));
        ShardFailureEvents.record(client, job, first, second, T0.plusSeconds(60));
        // The same status again (a restarted operator, a reconcile with nothing new): nothing more.
        ShardFailureEvents.record(client, job, second, second, T0.plusSeconds(90));

        assertEquals(2, events().size(), "one Event per cause: " + messages());
        Event badData = events().stream()
                .filter(e -> e.getMessage().contains("BadData"))
                .findFirst()
                .orElseThrow();
        assertEquals(3, badData.getCount());
        assertEquals("shard 4 attempt 3 failed: BadData: input file c.jsonl line 1", badData.getMessage());
        assertEquals("2026-01-01T00:00:00Z", badData.getFirstTimestamp());
        assertEquals("2026-01-01T00:01:00Z", badData.getLastTimestamp());
        assertEquals("ShardFailed", badData.getReason());
        assertEquals("Warning", badData.getType());
        assertEquals("uid-1", badData.getInvolvedObject().getUid());
        Event unreachable = events().stream()
                .filter(e -> e.getMessage().contains("ModelUnreachable"))
                .findFirst()
                .orElseThrow();
        assertEquals(1, unreachable.getCount());

        // Another job (or the same name recreated: another uid) has Events of its own.
        ShardFailureEvents.record(
                client, job("campaign", "uid-2"), null, status(failure(1, "BadData", "x")), T0.plusSeconds(120));
        assertEquals(3, events().size(), messages().toString());
    }

    @Test
    void namesAreValidForTheLongestJobName() {
        String longest = "a".repeat(253);
        String name = PhaseEvents.countedName(job(longest, "u"), "ShardFailed", "BadData");
        assertTrue(name.length() <= 253, name);
        assertTrue(name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?"), name);
    }

    private List<Event> events() {
        List<Event> out =
                new ArrayList<>(client.v1().events().inNamespace("test").list().getItems());
        out.sort(Comparator.comparing(Event::getMessage));
        return out;
    }

    private List<String> messages() {
        return events().stream().map(e -> e.getCount() + " " + e.getMessage()).toList();
    }

    private static RewriteJob job(String name, String uid) {
        RewriteJob job = new RewriteJob();
        job.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace("test")
                .withUid(uid)
                .build());
        return job;
    }

    private static ShardFailure failure(int shard, String reason, String message) {
        return new ShardFailure(shard, 3, reason, message, T0.toString());
    }

    private static RewriteJobStatus status(ShardFailure... failures) {
        RewriteJobStatus s = new RewriteJobStatus();
        s.setRecentFailures(new ArrayList<>(List.of(failures)));
        return s;
    }
}
