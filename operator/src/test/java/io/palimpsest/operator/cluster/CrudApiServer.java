package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.ArrayList;
import java.util.HashMap;

/** The Fabric8 mock API server in CRUD mode, started: what the simulated cluster's layers are put in front of. */
public final class CrudApiServer {

    private CrudApiServer() {}

    public static KubernetesMockServer start() {
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(),
                new MockWebServer(),
                new HashMap<>(),
                new KubernetesCrudDispatcher(new ArrayList<>()),
                false);
        server.init();
        return server;
    }
}
