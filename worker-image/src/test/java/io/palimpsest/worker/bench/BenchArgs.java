package io.palimpsest.worker.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A benchmark's {@code --name value} options. {@link #checkAllKnown} fails on an option no {@link #get}
 * asked for, so a misspelt or retired option stops the run instead of measuring the defaults under a
 * command line that says otherwise.
 */
final class BenchArgs {

    private final String[] args;
    private final Set<String> known = new HashSet<>();

    BenchArgs(String[] args) {
        this.args = args.clone();
    }

    String get(String name, String fallback) {
        known.add(name);
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** Call once every option has been read. */
    void checkAllKnown() {
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (!known.contains(args[i])) {
                unknown.add(args[i]);
            } else {
                i++; // its value
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown arguments " + unknown + "; this benchmark takes "
                    + known.stream().sorted().toList());
        }
    }
}
