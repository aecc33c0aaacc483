package io.palimpsest.sim;

/** What a full waiting queue answers: a gateway in front of vLLM usually says 429, a pod 503. */
public enum OverflowResponse {
    TOO_MANY_REQUESTS(429),
    SERVICE_UNAVAILABLE(503);

    private final int status;

    OverflowResponse(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static OverflowResponse fromStatus(int status) {
        for (OverflowResponse r : values()) {
            if (r.status == status) {
                return r;
            }
        }
        throw new IllegalArgumentException("overflow status must be 429 or 503, got " + status);
    }
}
