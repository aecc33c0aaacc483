package io.palimpsest.worker.cli;

import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.storage.StoreUnavailableException;
import java.util.List;
import java.util.Optional;

/**
 * An object store's refusal of the job's settings, or a store that never answered before the run, at the line of the
 * manifest field it is about.
 */
final class StoreRefusals {

    private StoreRefusals() {}

    /**
     * {@code failure} as it is, unless it holds a store's refusal about a field the manifest files write (a bucket
     * that does not exist: {@code spec.output.uri}): then that refusal, with the field's file and line before its
     * words, as a refusal of the job as written is placed.
     */
    static Exception located(Exception failure, JobManifests.Loaded loaded, List<ManifestField> overridden) {
        Optional<StoreUnavailableException> notAnswering = StoreUnavailableException.in(failure)
                .filter(unavailable -> !unavailable.about().isEmpty());
        if (notAnswering.isPresent()) {
            // a store that never answered before the run (exit 75 all the same): at the URI field's line
            StoreUnavailableException unavailable = notAnswering.get();
            String at = loaded.located(unavailable.getMessage(), unavailable.about(), overridden);
            return at.equals(unavailable.getMessage())
                    ? failure
                    : new StoreUnavailableException(at, unavailable.getCause(), unavailable.about());
        }
        return StoreRefusedException.in(failure)
                .filter(refused -> !refused.about().isEmpty())
                .<Exception>map(refused -> {
                    String at = loaded.located(refused.getMessage(), refused.about(), overridden);
                    return at.equals(refused.getMessage())
                            ? failure
                            : new StoreRefusedException(at, refused.getCause(), refused.about());
                })
                .orElse(failure);
    }
}
