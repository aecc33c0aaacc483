package io.palimpsest.worker.plan;

import java.io.IOException;

/**
 * The plan in force is not the one a shard's attempt ran under, or a receipt names another plan than the one in
 * force: the shard stops with nothing committed or taken as committed (exit 42, reason {@code plan_replaced}).
 */
public final class PlanReplacedException extends IOException {
    public PlanReplacedException(String message) {
        super(message);
    }
}
