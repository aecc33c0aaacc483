package io.palimpsest.operator.pods;

import io.fabric8.kubernetes.api.model.Pod;

/** What any controller of the operator reads off a pod the same way. */
public final class PodReadings {
    /** Messages are cut so status.recentFailures' 20 entries stay within a few KiB. */
    public static final int MESSAGE_LIMIT = 256;

    private PodReadings() {}

    /** The pod has ended (Succeeded or Failed): its summary, if any, is in its termination message. */
    public static boolean terminated(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** A pod's words on one line, at most {@link #MESSAGE_LIMIT} characters, as the status shows them. */
    public static String cut(String message) {
        return cut(message, MESSAGE_LIMIT);
    }

    /** A pod's words on one line, at most {@code limit} characters. */
    public static String cut(String message, int limit) {
        if (message == null) {
            return null;
        }
        String oneLine = message.strip();
        return oneLine.length() <= limit ? oneLine : oneLine.substring(0, limit - 3) + "...";
    }
}
