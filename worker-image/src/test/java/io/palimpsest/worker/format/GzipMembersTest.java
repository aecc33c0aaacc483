package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.testing.ReadOnlyFolder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .jsonl.gz} inputs of several gzip members, read the way a network body delivers them. */
class GzipMembersTest {

    private final DocumentReaders readers =
            new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);

    @TempDir
    Path dir;

    @Test
    void everyMemberIsReadFromABodyThatReportsNothingAvailable() throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (int member = 0; member < 300; member++) {
            file.writeBytes(gzip(line("m" + member + "-a") + line("m" + member + "-b")));
        }
        Files.write(dir.resolve("many.jsonl.gz"), file.toByteArray());

        List<String> ids = readIds(new NetworkBodies(new FileStorage(dir)), "many.jsonl.gz");

        assertEquals(600, ids.size(), "every line of every member");
        assertEquals("m0-a", ids.get(0));
        assertEquals("m299-b", ids.get(599));
    }

    @Test
    void bytesAfterTheLastMemberAreCorruptInputNotTheEnd() throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(gzip(line("a")));
        file.writeBytes("garbage".getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("trailing.jsonl.gz"), file.toByteArray());

        assertThrows(CorruptInputException.class, () -> readIds(new FileStorage(dir), "trailing.jsonl.gz"));
    }

    @Test
    void aSecondMemberWithDamagedMagicBytesIsCorruptInput() throws IOException {
        byte[] second = gzip(line("b") + line("c"));
        second[1] = 0x00;
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(gzip(line("a")));
        file.writeBytes(second);
        Files.write(dir.resolve("damaged.jsonl.gz"), file.toByteArray());

        assertThrows(CorruptInputException.class, () -> readIds(new FileStorage(dir), "damaged.jsonl.gz"));
    }

    @Test
    void aTruncatedMemberIsCorruptInput() throws IOException {
        byte[] whole = gzip(line("a").repeat(50));
        Files.write(dir.resolve("cut.jsonl.gz"), Arrays.copyOf(whole, whole.length - 12));

        CorruptInputException e =
                assertThrows(CorruptInputException.class, () -> readIds(new FileStorage(dir), "cut.jsonl.gz"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aShardWithTrailingGarbageFailsAsBadData() throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(gzip(line("a")));
        file.writeBytes(new byte[] {0x1f, 0x00, 0x01, 0x02});
        Files.write(dir.resolve("t.jsonl.gz"), file.toByteArray());

        ShardDataException e = assertThrows(ShardDataException.class, () -> {
            try (ShardInput items = new ShardInput(
                    new FileStorage(dir), new Shard(0, List.of(new ShardFile("t.jsonl.gz", file.size()))), readers)) {
                while (items.next() != null) {
                    // read to the end
                }
            }
        });
        assertTrue(
                e.getMessage()
                        .startsWith("input file " + new FileStorage(dir).describe("t.jsonl.gz") + " is corrupt: "),
                e.getMessage());
        assertFalse(e.getMessage().contains("//t.jsonl.gz"), "one slash between the folder and the name");
    }

    @Test
    void aFailureOfTheStoreIsNotCalledCorrupt() throws IOException {
        byte[] whole = gzip(line("a").repeat(5000));
        IOException storeFailure = new IOException("connection reset");
        InputStream failing = new InputStream() {
            private final InputStream bytes = new ByteArrayInputStream(whole, 0, whole.length / 2);

            @Override
            public int read() throws IOException {
                int b = bytes.read();
                if (b < 0) {
                    throw storeFailure;
                }
                return b;
            }
        };
        try (InputStream in = Compression.GZIP.decompress(failing)) {
            IOException thrown = assertThrows(IOException.class, in::readAllBytes);
            assertSame(storeFailure, thrown);
        }
    }

    private List<String> readIds(Storage storage, String key) throws IOException {
        List<String> ids = new ArrayList<>();
        try (DocumentReader reader = readers.open(storage, key)) {
            InputItem item;
            while ((item = reader.next()) != null) {
                ids.add(assertInstanceOf(Document.class, item).id());
            }
        }
        return ids;
    }

    private static String line(String id) {
        return "{\"id\":\"" + id + "\",\"text\":\"text of " + id + "\"}\n";
    }

    private static byte[] gzip(String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /**
     * A store whose bodies behave like an HTTP response's: {@code available()} is always 0 (the
     * InputStream default) and a read returns at most 1,000 bytes.
     */
    private static final class NetworkBodies extends ReadOnlyFolder {
        NetworkBodies(FileStorage files) {
            super(files);
        }

        @Override
        public String describe() {
            return "network:" + files.describe();
        }

        @Override
        public InputStream open(String key) throws IOException {
            InputStream in = files.open(key);
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    return in.read(buffer, offset, Math.min(length, 1000));
                }

                @Override
                public void close() throws IOException {
                    in.close();
                }
            };
        }
    }
}
