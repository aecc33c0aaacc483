package io.palimpsest.sim.http;

/** An error answered in vLLM's JSON error shape, with its HTTP status. */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;

    public ApiError(int status, String type, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, "BadRequestError", message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "NotFoundError", message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }
}
