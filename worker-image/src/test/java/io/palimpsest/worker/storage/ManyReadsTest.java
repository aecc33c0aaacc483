package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManyReadsTest {

    @TempDir
    Path root;

    @Test
    void everyObjectIsHandedOverInTheOrderAskedWithSeveralOnTheirWay() throws IOException {
        FileStorage files = new FileStorage(root);
        List<String> keys =
                IntStream.range(0, 40).mapToObj(i -> "r/" + i + ".json").toList();
        for (String key : keys) {
            files.put(key, key.getBytes(StandardCharsets.UTF_8));
        }
        // the first keys answer slowest, so a read that handed them over as they came would reorder them
        Slow slow = new Slow(files, key -> 40 - Integer.parseInt(key.substring(2, key.indexOf('.'))));
        List<String> seen = new ArrayList<>();
        ManyReads.inOrder(slow.storage, keys, 8, (key, bytes) -> {
            assertEquals(key, new String(bytes, StandardCharsets.UTF_8));
            seen.add(key);
        });
        assertEquals(keys, seen);
        assertTrue(slow.mostAtOnce.get() > 1, "reads overlapped: " + slow.mostAtOnce.get());
        assertTrue(slow.mostAtOnce.get() <= 8, "at most 8 on their way: " + slow.mostAtOnce.get());
    }

    @Test
    void theFirstFailureInTheOrderAskedIsThrownAndNothingAfterItIsHandedOver() throws IOException {
        FileStorage files = new FileStorage(root);
        List<String> keys =
                IntStream.range(0, 20).mapToObj(i -> "r/" + i + ".json").toList();
        for (String key : keys) {
            if (!key.equals("r/5.json") && !key.equals("r/12.json")) {
                files.put(key, key.getBytes(StandardCharsets.UTF_8));
            }
        }
        // r/12 fails at once, r/5 only after a while: the one a read one after another meets first is thrown
        Slow slow = new Slow(files, key -> key.equals("r/5.json") ? 60 : 0);
        List<String> seen = new ArrayList<>();
        NoSuchFileException thrown = assertThrows(
                NoSuchFileException.class,
                () -> ManyReads.inOrder(slow.storage, keys, 16, (key, bytes) -> {
                    seen.add(key);
                }));
        assertTrue(thrown.getMessage().contains("5.json"), thrown.getMessage());
        assertEquals(keys.subList(0, 5), seen);
    }

    @Test
    void aFailureOfWhatIsDoneWithAnObjectStopsTheReads() throws IOException {
        FileStorage files = new FileStorage(root);
        List<String> keys =
                IntStream.range(0, 20).mapToObj(i -> "r/" + i + ".json").toList();
        for (String key : keys) {
            files.put(key, key.getBytes(StandardCharsets.UTF_8));
        }
        List<String> seen = new ArrayList<>();
        IOException thrown = assertThrows(
                IOException.class,
                () -> ManyReads.inOrder(files, keys, 4, (key, bytes) -> {
                    if (key.equals("r/3.json")) {
                        throw new IOException("refused " + key);
                    }
                    seen.add(key);
                }));
        assertEquals("refused r/3.json", thrown.getMessage());
        assertEquals(keys.subList(0, 3), seen);
    }

    /**
     * A storage whose whole reads take a chosen number of milliseconds each, counting how many are on their way at
     * once; everything else is the folder's.
     */
    private static final class Slow {
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final Storage storage;

        Slow(FileStorage files, ToIntFunction<String> millis) {
            AtomicInteger onTheirWay = new AtomicInteger();
            this.storage = (Storage) Proxy.newProxyInstance(
                    Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, (proxy, method, args) -> {
                        if (!method.getName().equals("readAll")) {
                            return method.invoke(files, args);
                        }
                        mostAtOnce.accumulateAndGet(onTheirWay.incrementAndGet(), Math::max);
                        try {
                            Thread.sleep(millis.applyAsInt((String) args[0]));
                            return files.readAll((String) args[0]);
                        } finally {
                            onTheirWay.decrementAndGet();
                        }
                    });
        }
    }
}
