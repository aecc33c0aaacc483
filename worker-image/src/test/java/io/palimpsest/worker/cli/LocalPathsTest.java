package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code --out} takes a path or a URI, as spec.output.uri does. */
class LocalPathsTest {

    @Test
    void aUriIsTakenAsItIsAndAPathIsMadeAbsolute() {
        assertEquals("file:///tmp/run-1/", LocalPaths.outputUri("file:///tmp/run-1/"));
        assertEquals("s3://corpus/rewrites/", LocalPaths.outputUri("s3://corpus/rewrites/"));
        assertEquals(Path.of("out/run-1").toAbsolutePath().toUri().toString(), LocalPaths.outputUri("out/run-1"));
        assertEquals(
                Path.of("/tmp/x/../run-1").normalize().toUri().toString(), LocalPaths.outputUri("/tmp/x/../run-1"));
    }
}
