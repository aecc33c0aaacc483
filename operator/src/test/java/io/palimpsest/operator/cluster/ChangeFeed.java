package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Watchable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Watches that only say "something changed": the controllers re-read what they need (the mock
 * API server is in-process and answers a list in milliseconds), so they never act on a stale
 * cache and need none of a real controller's expectations bookkeeping. A watch the server closes
 * is opened again.
 */
final class ChangeFeed implements AutoCloseable {

    private final List<Watch> watches = new ArrayList<>();
    private volatile boolean closed;

    <T extends HasMetadata> void watch(Watchable<T> source, Consumer<T> onChange) {
        Watcher<T> watcher = new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                onChange.accept(resource);
            }

            @Override
            public void onClose(WatcherException cause) {
                if (!closed) {
                    watch(source, onChange);
                }
            }
        };
        synchronized (watches) {
            watches.add(source.watch(watcher));
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (watches) {
            watches.forEach(Watch::close);
            watches.clear();
        }
    }
}
