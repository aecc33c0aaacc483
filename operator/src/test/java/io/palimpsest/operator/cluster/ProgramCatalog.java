package io.palimpsest.operator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Which program runs a container, the first matching entry winning; tests add their own in front. */
public final class ProgramCatalog {

    private record Entry(String description, Predicate<ContainerLaunch> matches, ContainerProgram program) {}

    private final List<Entry> entries = new ArrayList<>();

    public ProgramCatalog add(String description, Predicate<ContainerLaunch> matches, ContainerProgram program) {
        synchronized (entries) {
            entries.add(new Entry(description, matches, program));
        }
        return this;
    }

    public ProgramCatalog addFirst(String description, Predicate<ContainerLaunch> matches, ContainerProgram program) {
        synchronized (entries) {
            entries.add(0, new Entry(description, matches, program));
        }
        return this;
    }

    Optional<ContainerProgram> find(ContainerLaunch launch) {
        synchronized (entries) {
            return entries.stream()
                    .filter(e -> e.matches().test(launch))
                    .map(Entry::program)
                    .findFirst();
        }
    }

    public static Predicate<ContainerLaunch> imageContains(String fragment) {
        return l -> l.image() != null && l.image().contains(fragment);
    }

    public static Predicate<ContainerLaunch> command(String name) {
        return l -> l.commandName().equals(name);
    }
}
