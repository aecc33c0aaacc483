package io.palimpsest.operator;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The namespaces the operator watches, read from the same setting its controllers use
 * ({@code quarkus.operator-sdk.namespaces}, set by the chart's {@code operator.watchNamespaces}), so
 * informers of its own (the autoscaler's pod informer) stay inside them: a namespaced install has
 * Roles in those namespaces only, and a cluster-wide list would be refused.
 *
 * @param names the namespaces; empty means every namespace
 */
public record WatchedNamespaces(Set<String> names) {

    /** QOSDK's default: the namespaces fixed at build time, which is every namespace here. */
    static final String USE_BUILD_TIME = "QOSDK_USE_BUILDTIME_NAMESPACES";

    static final String ALL = "JOSDK_ALL_NAMESPACES";
    static final String CURRENT = "JOSDK_WATCH_CURRENT";

    public WatchedNamespaces {
        names = Set.copyOf(names);
    }

    public static WatchedNamespaces of(Optional<List<String>> configured, String currentNamespace) {
        Set<String> out = new LinkedHashSet<>();
        for (String raw : configured.orElse(List.of())) {
            String ns = raw.trim();
            if (ns.isEmpty() || ns.equals(USE_BUILD_TIME) || ns.equals(ALL)) {
                return new WatchedNamespaces(Set.of());
            }
            out.add(ns.equals(CURRENT) ? currentNamespace : ns);
        }
        return new WatchedNamespaces(out);
    }

    public boolean all() {
        return names.isEmpty();
    }

    public boolean contains(String namespace) {
        return all() || names.contains(namespace);
    }
}
