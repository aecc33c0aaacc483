package io.palimpsest.worker.cli;

import io.palimpsest.worker.client.ReplicaRouter;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * A model endpoint that names a cluster Service ({@code <service>.<namespace>.svc}, as the operator resolves an
 * in-cluster RewriterModel's), met by a {@code run} by hand. In a pod a name that does not resolve yet is waited for
 * (cluster DNS can lag at pod start, and a model scaled to zero has no replica yet); outside a cluster it never will,
 * and waiting out the outage window before saying so costs the user ten minutes for a setting.
 */
final class ClusterServiceEndpoint {
    private ClusterServiceEndpoint() {}

    /**
     * Why {@code endpoint} cannot be called from here, or empty when it may be (a name that resolves, one that is no
     * Service's, or any name inside a cluster).
     *
     * @param source where the endpoint came from, for the message ({@code --endpoint}, the job's resolved endpoint)
     */
    static Optional<String> unreachableOutside(
            URI endpoint, String source, boolean inCluster, ReplicaRouter.Resolver resolver) {
        String host = endpoint.getHost();
        if (inCluster || host == null || !namesService(host)) {
            return Optional.empty();
        }
        try {
            resolver.resolve(host);
            return Optional.empty(); // a cluster's DNS this machine can ask (a VPN, a port-forwarded resolver)
        } catch (UnknownHostException | SecurityException e) {
            return Optional.of("the model endpoint " + endpoint + " (" + source + ") names a cluster Service, and "
                    + host + " does not resolve here: this process is not in a cluster (no KUBERNETES_SERVICE_HOST)."
                    + " Pass --endpoint <base URL> of a server this machine can reach, or run the job on this machine"
                    + " with palimpsest local (--simulate for the built-in simulator). Nothing was written.");
        }
    }

    /** {@code name.namespace.svc}, or the same with the cluster domain ({@code .svc.cluster.local}). */
    static boolean namesService(String host) {
        String h = host.toLowerCase(Locale.ROOT).replaceFirst("\\.$", "");
        return h.endsWith(".svc") || h.contains(".svc.");
    }
}
