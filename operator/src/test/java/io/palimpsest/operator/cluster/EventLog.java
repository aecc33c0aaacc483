package io.palimpsest.operator.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the simulated cluster did, in order: pods created, started, finished, killed; Job and
 * Deployment transitions; chaos injected. Scenario tests read it to measure (time to first commit,
 * replica-seconds) and print it when something fails.
 */
public final class EventLog {

    public record Entry(Instant at, String source, String object, String message) {
        @Override
        public String toString() {
            return at + " " + source + " " + object + ": " + message;
        }
    }

    private final Clock clock;
    private final boolean echo;
    private final List<Entry> entries = new ArrayList<>();

    public EventLog(Clock clock, boolean echo) {
        this.clock = clock;
        this.echo = echo;
    }

    public void record(String source, String object, String message) {
        Entry e = new Entry(clock.instant(), source, object, message);
        synchronized (entries) {
            entries.add(e);
        }
        if (echo) {
            System.out.println("[sim] " + e);
        }
    }

    public List<Entry> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    public List<Entry> matching(Predicate<Entry> filter) {
        return entries().stream().filter(filter).toList();
    }

    public List<Entry> messagesStartingWith(String prefix) {
        return matching(e -> e.message().startsWith(prefix));
    }

    /** The log from {@code since} on, one entry a line: what a failing scenario prints. */
    public String dump(Duration lastWindow) {
        Instant since = clock.instant().minus(lastWindow);
        List<String> lines = new ArrayList<>();
        for (Entry e : entries()) {
            if (!e.at().isBefore(since)) {
                lines.add(e.toString());
            }
        }
        return String.join("\n", lines);
    }
}
