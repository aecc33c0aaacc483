package io.palimpsest.worker.storage;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which object stores have answered this run. A run by hand ({@code local}, {@code plan} outside a pod) stops at
 * once when the first request to a store gets no answer at all (a refused connection, a host that never answers,
 * a timeout): before anything was planned or written nothing says the store was ever there, and a wrong port or a
 * store not started waits no better than it fails. Once a store answered, even with an error, what follows is an
 * outage and is waited out ({@link StoreGate}). Shared by the storages of one run, so that a store the input's
 * requests reached counts as answered for the output's too; keyed by the address requests go to.
 */
public final class StoreStartCheck {

    private final Set<String> answered = ConcurrentHashMap.newKeySet();

    boolean answered(String store) {
        return answered.contains(store);
    }

    void answer(String store) {
        answered.add(store);
    }
}
