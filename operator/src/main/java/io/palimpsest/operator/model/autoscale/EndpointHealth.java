package io.palimpsest.operator.model.autoscale;

import java.time.Instant;

/** The last health check of an external endpoint (external mode deploys nothing, so this is all there is). */
public record EndpointHealth(boolean healthy, String detail, Instant checkedAt) {}
