package io.palimpsest.operator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.Map;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The chart's {@code operator.logLevel} takes TRACE (values.schema.json allows it) and sets it as
 * {@code QUARKUS_LOG_CATEGORY__IO_PALIMPSEST__LEVEL}: the operator must then log at TRACE, which it
 * can only above Quarkus' build-time minimum level (DEBUG by default).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(OperatorLogLevelTest.Trace.class)
class OperatorLogLevelTest {

    public static class Trace implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.category.\"io.palimpsest\".level", "TRACE");
        }
    }

    @Test
    void traceIsLoggedWhenTheChartAsksForIt() {
        assertTrue(Logger.getLogger("io.palimpsest.operator.job.RewriteJobReconciler")
                .isTraceEnabled());
    }
}
