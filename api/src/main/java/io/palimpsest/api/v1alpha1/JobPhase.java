package io.palimpsest.api.v1alpha1;

/** Lifecycle of a RewriteJob; Succeeded and Failed are terminal. */
public enum JobPhase {
    Pending(false),
    Planning(false),
    Running(false),
    Suspended(false),
    Succeeded(true),
    Failed(true);

    private final boolean terminal;

    JobPhase(boolean terminal) {
        this.terminal = terminal;
    }

    public boolean isTerminal() {
        return terminal;
    }
}
