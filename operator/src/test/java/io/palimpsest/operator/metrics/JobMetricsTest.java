package io.palimpsest.operator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobMetricsTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void seriesFollowTheStatusAndGoWithTheJob() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Running);
        s.setShards(new RewriteJobStatus.ShardCounts(100, 40, 2, 10, 48));
        s.setDocuments(new RewriteJobStatus.DocumentCounts(
                1000, 950, 40, 10, null, 77L, Map.of("empty_output", 30L, "validator:lengthRatio", 10L)));
        s.setTokens(new RewriteJobStatus.TokenCounts(5000, 3000, 500L, 300L));
        s.setThroughput(new RewriteJobStatus.Throughput(120));
        s.setEstimatedCompletionTime("2026-01-01T01:00:00Z");
        ResourceID a = new ResourceID("a", "ns");
        metrics.observed(a, s);
        metrics.observed(new ResourceID("b", "ns"), s);

        assertEquals(
                40,
                registry.get("palimpsest.job.shards")
                        .tags("rewritejob", "a", "state", "succeeded")
                        .gauge()
                        .value());
        assertEquals(
                77,
                registry.get("palimpsest.job.documents")
                        .tags("rewritejob", "a", "outcome", "in_progress")
                        .gauge()
                        .value());
        assertEquals(
                3300,
                registry.get("palimpsest.job.tokens")
                        .tags("rewritejob", "a", "kind", "completion")
                        .gauge()
                        .value());
        assertEquals(
                3600,
                registry.get("palimpsest.job.eta.seconds")
                        .tags("rewritejob", "a")
                        .gauge()
                        .value());
        assertEquals(
                1,
                registry.get("palimpsest.job.phase")
                        .tags("rewritejob", "a", "phase", "Running")
                        .gauge()
                        .value());
        assertEquals(
                30,
                registry.get("palimpsest.job.rejected")
                        .tags("rewritejob", "a", "reason", "empty_output")
                        .gauge()
                        .value());
        assertEquals(
                10,
                registry.get("palimpsest.job.rejected")
                        .tags("rewritejob", "a", "reason", "validator:lengthRatio")
                        .gauge()
                        .value());
        assertEquals(
                0,
                registry.get("palimpsest.job.phase")
                        .tags("rewritejob", "a", "phase", "Failed")
                        .gauge()
                        .value());
        assertTrue(Double.isNaN(etaWithout(registry, metrics)), "no estimate: NaN");

        metrics.retain(Set.of(new ResourceID("b", "ns")));
        assertEquals(
                0,
                registry.find("palimpsest.job.shards")
                        .tags("rewritejob", "a")
                        .meters()
                        .size(),
                "a deleted job's series are dropped");
        assertEquals(
                5,
                registry.find("palimpsest.job.shards")
                        .tags("rewritejob", "b")
                        .meters()
                        .size());
        assertEquals(
                0,
                registry.find("palimpsest.job.rejected")
                        .tags("rewritejob", "a")
                        .meters()
                        .size(),
                "and its rejects by reason");
        assertEquals(
                2,
                registry.find("palimpsest.job.rejected")
                        .tags("rewritejob", "b")
                        .meters()
                        .size());
    }

    private static double etaWithout(SimpleMeterRegistry registry, JobMetrics metrics) {
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Planning);
        metrics.observed(new ResourceID("c", "ns"), s);
        return registry.get("palimpsest.job.eta.seconds")
                .tags("rewritejob", "c")
                .gauge()
                .value();
    }
}
