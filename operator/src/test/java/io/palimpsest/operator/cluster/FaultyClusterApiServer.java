package io.palimpsest.operator.cluster;

import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.util.function.Consumer;

/**
 * {@code @WithKubernetesTestServer(crud = true, setup = FaultyClusterApiServer.class)}: the simulated
 * cluster's API server ({@link ValidatingApiServer}) with a {@link FaultyApiServer} in front,
 * installed before the Quarkus app starts, so even the operator's first requests pass through it.
 */
public final class FaultyClusterApiServer implements Consumer<KubernetesServer> {

    private static volatile FaultyApiServer current;

    @Override
    public void accept(KubernetesServer server) {
        ValidatingApiServer.install(server.getKubernetesMockServer());
        current = FaultyApiServer.install(server.getKubernetesMockServer());
    }

    /** The layer of the test server started last. */
    public static FaultyApiServer layer() {
        if (current == null) {
            throw new IllegalStateException(
                    "no FaultyClusterApiServer installed: use it as the @WithKubernetesTestServer setup");
        }
        return current;
    }
}
