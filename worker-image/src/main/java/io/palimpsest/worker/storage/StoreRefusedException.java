package io.palimpsest.worker.storage;

import io.palimpsest.worker.config.ManifestField;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The object store refused this job's credentials (403 AccessDenied, InvalidAccessKeyId,
 * SignatureDoesNotMatch, InvalidToken, or a 403 without a code, as a HEAD gets), or the mounted
 * credentials Secret cannot give them (it lacks a key or cannot be read), or the job's settings
 * address no bucket it can reach (404 NoSuchBucket; 301 PermanentRedirect or 400
 * AuthorizationHeaderMalformed: the bucket is in another region). The same answer awaits
 * every shard: the attempt exits 78 and the Job fails at once (podFailurePolicy FailJob) instead of
 * each shard spending its attempts on it. Not this: an expired session token (tokens are
 * refreshed), the default chain finding no credentials (STS, the Pod Identity agent or instance
 * metadata failing for a moment), a 403 with another code such as InvalidObjectState (about one
 * object: {@link ObjectArchivedException}); they fail only the attempt or the shard.
 */
public final class StoreRefusedException extends IOException {

    private final List<ManifestField> about;

    public StoreRefusedException(String message, Throwable cause) {
        this(message, cause, List.of());
    }

    /** A refusal about {@code about}, a field of the job (its {@code spec.output.uri}), so that a run from
     * manifest files can say at which line. */
    public StoreRefusedException(String message, Throwable cause, List<ManifestField> about) {
        super(message, cause);
        this.about = List.copyOf(about);
    }

    /** The manifest field(s) the refusal is about, in order of preference; empty when it is about none. */
    public List<ManifestField> about() {
        return about;
    }

    /** The one among {@code failure} and its causes, if there is one. */
    public static Optional<StoreRefusedException> in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StoreRefusedException refused) {
                return Optional.of(refused);
            }
        }
        return Optional.empty();
    }
}
