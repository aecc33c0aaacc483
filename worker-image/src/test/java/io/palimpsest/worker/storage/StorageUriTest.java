package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StorageUriTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "pvc://claim/../../x",
                "pvc://claim/a/..",
                "file:///data/in/../../etc",
                "file://../x",
                "s3://bucket/a/../b",
                "/data/../etc"
            })
    void dotDotSegmentsAreRefused(String uri) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StorageUri.parse(uri));
        assertTrue(e.getMessage().contains("must not contain '..'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"pvc://claim/..data/v1.2/", "file:///data/a..b/", "s3://bucket/x../"})
    void dotsInsideNamesAreFine(String uri) {
        // only a whole ".." segment leaves the root; names with dots in them are ordinary
        StorageUri.parse(uri);
    }
}
