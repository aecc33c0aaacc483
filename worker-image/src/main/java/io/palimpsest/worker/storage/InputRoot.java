package io.palimpsest.worker.storage;

import java.util.Optional;

/**
 * The input location: a storage and, when the input URI named a single object rather than a
 * prefix, that object's key. Keys in the manifest are relative to {@code storage}.
 */
public record InputRoot(Storage storage, Optional<String> singleKey) {}
