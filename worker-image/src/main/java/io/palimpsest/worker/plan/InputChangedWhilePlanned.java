package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InputNotReadyException;
import io.palimpsest.worker.storage.ObjectChangedException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

/**
 * An input file rewritten, replaced or deleted while the planner read it (its sample, its count for
 * {@code input.limit}): the read failed because the file is no longer the one the listing gave, not because the
 * store is down or the bytes are bad. A retry of the planner would meet the same moving input, and a plan cut from
 * the listing would record a version no worker finds; so the plan is refused as one whose input is not ready
 * ({@link InputNotReadyException}: exit 78, marked {@code InputNotReady:} for the operator), naming the file and what
 * changed, to be planned again once the input is settled. A worker meets the same change after planning as exit 42.
 */
final class InputChangedWhilePlanned {

    private InputChangedWhilePlanned() {}

    /**
     * The refusal when {@code failure}, reading {@code key}, came from the file having changed: the store said so
     * ({@link ObjectChangedException}, a read pinned to the version first read), or the file is now another version
     * than the listing gave ({@code listedVersion}; a local volume's file read as it is, whose read meets the new
     * bytes). Empty when neither: the failure is the store's or the bytes', as it is.
     *
     * @param listedVersion the version the input's listing gave (null: the store gives none; only the store's word
     *                      is taken then)
     */
    static Optional<InputNotReadyException> of(Storage storage, String key, String listedVersion, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ObjectChangedException changed) {
                return Optional.of(refusal(storage.describe(key), changed.getMessage()));
            }
        }
        if (listedVersion == null) {
            return Optional.empty();
        }
        String now;
        try {
            StoredObject stored = storage.stat(key);
            if (stored.version() == null || listedVersion.equals(stored.version())) {
                return Optional.empty();
            }
            now = "it now has " + stored.version();
        } catch (NoSuchFileException e) {
            now = "it no longer exists";
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the store cannot say: the failure stands as it is
        }
        return Optional.of(refusal(
                storage.describe(key),
                "the input was listed with " + listedVersion + ", " + now + " (reading it failed: " + failure + ")"));
    }

    /** Refuses the plan when reading {@code key} failed because the file changed since the input was listed. */
    static void throwIfChanged(Storage storage, String key, String listedVersion, Throwable failure) {
        Optional<InputNotReadyException> changed = of(storage, key, listedVersion, failure);
        if (changed.isPresent()) {
            throw changed.get();
        }
    }

    private static InputNotReadyException refusal(String file, String what) {
        return new InputNotReadyException("input file " + file + " changed while the job was planned: " + what
                + ". A plan cut from it would not hold the input its workers read: plan the job again once the input"
                + " is settled (whatever writes it has finished)");
    }
}
