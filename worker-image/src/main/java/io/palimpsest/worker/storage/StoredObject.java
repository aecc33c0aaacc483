package io.palimpsest.worker.storage;

/** An object found by {@link Storage#list}: its key relative to the storage root and its size. */
public record StoredObject(String key, long size) {}
