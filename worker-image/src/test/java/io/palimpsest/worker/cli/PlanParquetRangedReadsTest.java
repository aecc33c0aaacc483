package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.manifests.JobManifests;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.UnfinishedInputs;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.ObjectChangedException;
import io.palimpsest.worker.storage.OutageProxy;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What the planner and a worker download of a Parquet file on S3, counted at a proxy in front of the store: a file of
 * several row groups with a large text column. Its count for {@code input.limit} is in the footer and its sample is
 * its first rows, so cutting the input reads the file's tail and first row group by byte ranges, not the whole file
 * (it was copied whole for each); a worker's item range reads its own row groups, and so does the duplicate-id pass,
 * which reads each range's rows, every column, as the range's worker does (it copied the file whole for each range).
 */
class PlanParquetRangedReadsTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    static OutageProxy proxy;

    @TempDir
    Path dir;

    @BeforeAll
    static void startProxy() throws IOException {
        proxy = new OutageProxy(S3.getHttpPort());
    }

    @AfterAll
    static void stopProxy() throws IOException {
        proxy.close();
    }

    @Test
    void cuttingTheInputReadsTheFootersAndFirstRowGroupNotTheWholeFile() throws Exception {
        long size = upload("cut", "big.parquet", 2_000, 1);
        int rowGroups = rowGroupsOf(dir.resolve("cut-big.parquet"));
        assertTrue(rowGroups >= 6, "a file of several row groups: " + rowGroups);
        ObjectMapper json = new ObjectMapper();

        List<Shard> shards;
        try (JobRuntime runtime = runtime("cut", "    limit: 1500\n", json)) {
            shards =
                    PlanCommand.cut(runtime, PlanCommand.planner(runtime, json, UnfinishedInputs.Accepting.NONE), null);
        }

        assertEquals(1500L, shards.get(0).files().get(0).maxItems(), "counted from the footer: 2,000 rows");
        long fetched = proxy.bytesAnswered("GET", "/corpus/cut/big.parquet");
        System.out.printf(
                "cutting the input (count for input.limit + sample) fetched %,d of the file's %,d bytes (%d row"
                        + " groups): 1/%.1f%n",
                fetched, size, rowGroups, (double) size / fetched);
        assertTrue(fetched > 0, "the file was read through the proxy");
        assertTrue(
                fetched < size / 3,
                "the footer and the first row group, not the whole file (twice): " + fetched + " of " + size);
    }

    @Test
    void planningReadsTheFileAboutOnceWhereItDownloadedItForEachLook() throws Exception {
        long size = upload("plan", "big.parquet", 2_000, 2);
        ObjectMapper json = new ObjectMapper();

        try (JobRuntime runtime = runtime("plan", "", json)) {
            PlanCommand.plan(runtime, json, false);
        }

        long fetched = proxy.bytesAnswered("GET", "/corpus/plan/big.parquet");
        System.out.printf(
                "planning (sample, duplicate-id pass, recipe probe) fetched %,d bytes of a %,d-byte file: %.2f times"
                        + " the file%n",
                fetched, size, (double) fetched / size);
        assertTrue(fetched >= size * 9 / 10, "the duplicate-id pass reads every row: " + fetched);
        assertTrue(fetched < size * 3 / 2, "the sample and the probe read the first row group only: " + fetched);
    }

    /**
     * A plan that cuts the file into item ranges (a fleet of two workers) reads each range in the duplicate-id pass
     * as the range's worker does: the tail and the row groups that hold the range's rows, so the file is fetched
     * once, plus at most one row group for each range that starts within one, where the pass downloaded the whole
     * file once per range. Row groups of ~512 KiB (about as many as the ranges, so nearly every range shares a row
     * group with the one before it) and of ~128 KiB.
     */
    @Test
    void aPlanThatCutsTheFileIntoRangesFetchesEachRangesOwnRowGroups() throws Exception {
        planCutIntoRanges("ranges", 512L * 1024, 10);
        planCutIntoRanges("small-groups", 128L * 1024, 12);
    }

    private void planCutIntoRanges(String name, long rowGroupBytes, long seed) throws Exception {
        long size = upload(name, "big.parquet", 2_000, seed, row -> "big.parquet-" + row, null, rowGroupBytes);
        Path local = dir.resolve(name + "-big.parquet");
        int rowGroups = rowGroupsOf(local);
        long largestRowGroup = largestRowGroupOf(local);
        ObjectMapper json = new ObjectMapper();

        try (JobRuntime runtime = runtime(name, "", json)) {
            PlanCommand.plan(runtime, json, false, 2, UnfinishedInputs.Accepting.NONE);
        }

        long fetched = proxy.bytesAnswered("GET", "/corpus/" + name + "/big.parquet");
        List<Shard> shards;
        try (Storage out = direct().open("s3://out/" + name + "/")) {
            shards = new ShardManifest(json).read(out);
            assertEquals(
                    2_000,
                    json.readTree(out.readAll(DuplicateIdIndex.INDEX_KEY))
                            .path("documents")
                            .asLong(),
                    "every row of every range read by the pass");
        }
        assertTrue(shards.size() >= 4, "the file is cut into item ranges: " + shards);
        assertTrue(shards.stream().allMatch(s -> s.files().get(0).firstItem() != null), shards.toString());
        System.out.printf(
                "planning a file of %d row groups (the largest %,d bytes) cut into %d item ranges (sample,"
                        + " duplicate-id pass, recipe probe) fetched %,d bytes of a %,d-byte file: %.2f times the"
                        + " file%n",
                rowGroups, largestRowGroup, shards.size(), fetched, size, (double) fetched / size);
        // the file once, a row group's reads running up to 64 KiB past it (the least a request asks for); for each
        // range, and for the sample and the probe, the file's tail and a row group more
        long request = 64 * 1024;
        long bound = size + rowGroups * request + (shards.size() + 2) * (largestRowGroup + 2 * request);
        assertTrue(
                fetched < bound,
                "each range's own row groups, not the whole file per range: " + fetched + " of a " + size
                        + "-byte file, bound " + bound);
    }

    /**
     * The pass reads a range's rows with every column, as the range's worker does: a row its worker rejects for
     * another column than the id (no text) is no first copy of its id, so the same id in a later range is a document
     * of its own, not a repeat; an id whose first copy is a document in an earlier range is listed as a repeat in the
     * later one, naming the earlier range.
     */
    @Test
    void aRangesRowRejectedForItsTextIsNoFirstCopyOfItsId() throws Exception {
        upload(
                "reject",
                "big.parquet",
                2_000,
                11,
                row -> switch (row) {
                    case 100, 1_800 -> "taken";
                    case 300, 1_900 -> "twice";
                    default -> "big.parquet-" + row;
                },
                row -> row == 100,
                512L * 1024);
        ObjectMapper json = new ObjectMapper();

        try (JobRuntime runtime = runtime("reject", "", json)) {
            PlanCommand.plan(runtime, json, false, 2, UnfinishedInputs.Accepting.NONE);
        }

        try (Storage out = direct().open("s3://out/reject/")) {
            byte[] manifest = out.readAll(ShardManifest.KEY);
            List<Shard> shards = new ShardManifest(json).read(out);
            assertTrue(shards.size() >= 4, "the file is cut into item ranges: " + shards);
            assertEquals(
                    1_999,
                    json.readTree(out.readAll(DuplicateIdIndex.INDEX_KEY))
                            .path("documents")
                            .asLong(),
                    "the row without text is no document");
            Shard first = rangeHolding(shards, 300);
            Shard later = rangeHolding(shards, 1_900);
            List<String> listed = new ArrayList<>();
            for (Shard shard : shards) {
                for (DuplicateIdIndex.Repeat repeat : new DuplicateIdIndex(json).listed(out, manifest, shard.index())) {
                    listed.add(shard.index() + ":" + repeat);
                }
            }
            long item = 1_900 - later.files().get(0).skippedItems();
            assertEquals(
                    List.of(later.index() + ":" + new DuplicateIdIndex.Repeat(item, "twice", first.index())), listed);
        }
    }

    private static Shard rangeHolding(List<Shard> shards, long row) {
        return shards.stream()
                .filter(s -> {
                    ShardFile file = s.files().get(0);
                    return file.skippedItems() <= row && row < file.skippedItems() + file.maxItems();
                })
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aFileReadByRangesHandsOutTheItemsOfItsCopy() throws Exception {
        upload("same", "big.parquet", 700, 3);
        DocumentReaders readers = new DocumentReaders(
                "auto", new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "id")), 1 << 20);
        List<String> ranged;
        try (Storage corpus = direct().open("s3://corpus/same/")) {
            ranged = items(readers, corpus);
        }
        List<String> copied = items(readers, localCopy("same"));
        assertEquals(700, copied.size());
        assertEquals(copied, ranged);
    }

    @Test
    void aFileRewrittenWhileReadByRangesFailsAsChangedNotAsCorrupt() throws Exception {
        upload("changed", "big.parquet", 2_000, 4);
        DocumentReaders readers = new DocumentReaders(
                "auto", new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "id")), 1 << 20);
        try (Storage corpus = direct().open("s3://corpus/changed/");
                DocumentReader reader = readers.open(corpus, "big.parquet")) {
            assertNotNull(reader.next(), "the footer and the first row group are read");
            upload("changed", "big.parquet", 2_000, 5);

            IOException failure = assertThrows(IOException.class, () -> {
                while (reader.next() != null) {
                    // to the second row group, read from the file as it is now
                }
            });

            assertInstanceOf(ObjectChangedException.class, failure, failure.toString());
            assertTrue(
                    failure.getMessage().startsWith("s3://corpus/changed/big.parquet changed while it was read"),
                    failure.getMessage());
        }
    }

    /**
     * The store refusing a row group's read (403, as a policy that stops allowing the bucket) is the store's refusal,
     * not a file whose bytes do not decode: a file taken for corrupt would refuse the plan for it.
     */
    @Test
    void aStoreRefusingAReadByRangesIsNoCorruptFile() throws Exception {
        upload("refused", "big.parquet", 2_000, 6);
        DocumentReaders readers = new DocumentReaders(
                "auto", new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "id")), 1 << 20);
        try (Storage corpus = throughProxy().open("s3://corpus/refused/");
                DocumentReader reader = readers.open(corpus, "big.parquet")) {
            assertNotNull(reader.next(), "the footer and the first row group are read");
            proxy.forbidOnly("GET", "/corpus/refused/big.parquet", "AccessDenied");

            IOException failure = assertThrows(IOException.class, () -> {
                while (reader.next() != null) {
                    // to the second row group
                }
            });

            assertInstanceOf(StoreRefusedException.class, failure, failure.toString());
        }
    }

    /**
     * A worker's shard that is an item range late in a file passes over the row groups before it by the footer's row
     * counts: it fetches the tail and its own row groups, not the whole file (it copied the file whole), and hands
     * out the items a read of the copy hands out, with their numbers.
     */
    @Test
    void aWorkersRangeOfAFileFetchesItsOwnRowGroups() throws Exception {
        long size = upload("range", "big.parquet", 2_000, 7);
        String version;
        try (Storage corpus = direct().open("s3://corpus/range/")) {
            version = corpus.stat("big.parquet").version();
        }
        Shard lastQuarter = new Shard(3, List.of(new ShardFile("big.parquet", size / 4, 500L, 1_500L, version)));
        DocumentReaders readers = new DocumentReaders(
                "auto", new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "id")), 1 << 20);

        List<String> ranged;
        try (Storage corpus = throughProxy().open("s3://corpus/range/")) {
            ranged = shardItems(corpus, lastQuarter, readers);
        }
        // the same range of the same bytes in a local file (no ETag to pin: read in place)
        Shard lastQuarterInPlace = new Shard(3, List.of(new ShardFile("big.parquet", size / 4, 500L, 1_500L)));
        List<String> copied = shardItems(localCopy("range"), lastQuarterInPlace, readers);

        assertEquals(500, ranged.size());
        assertEquals(copied, ranged);
        assertTrue(ranged.get(0).startsWith("big.parquet:1501 big.parquet-1500 "), ranged.get(0));
        long fetched = proxy.bytesAnswered("GET", "/corpus/range/big.parquet");
        System.out.printf(
                "a worker's shard of the last quarter of the rows fetched %,d of the file's %,d bytes%n",
                fetched, size);
        assertTrue(fetched < size / 2, "its own row groups and the tail: " + fetched + " of " + size);
    }

    /** A worker whose input file was rewritten while its shard read it fails the shard as changed since planned. */
    @Test
    void aFileRewrittenWhileAWorkerReadsItFailsItsShardAsChanged() throws Exception {
        long size = upload("worker-changed", "big.parquet", 2_000, 8);
        DocumentReaders readers = new DocumentReaders(
                "auto", new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "id")), 1 << 20);
        try (Storage corpus = direct().open("s3://corpus/worker-changed/")) {
            String version = corpus.stat("big.parquet").version();
            Shard shard = new Shard(0, List.of(new ShardFile("big.parquet", size, null, null, version)));
            try (ShardInput input = new ShardInput(corpus, shard, readers)) {
                assertNotNull(input.next());
                upload("worker-changed", "big.parquet", 2_000, 9);

                ShardDataException failure = assertThrows(ShardDataException.class, () -> {
                    while (input.next() != null) {
                        // to the second row group
                    }
                });

                assertTrue(
                        failure.getMessage()
                                .startsWith("input file s3://corpus/worker-changed/big.parquet changed since it was"
                                        + " planned: "),
                        failure.getMessage());
            }
        }
    }

    private static List<String> shardItems(Storage corpus, Shard shard, DocumentReaders readers) throws IOException {
        List<String> out = new ArrayList<>();
        try (ShardInput input = new ShardInput(corpus, shard, readers)) {
            InputItem item;
            while ((item = input.next()) != null) {
                Document d = (Document) item;
                out.add(d.position() + " " + d.id() + " " + d.text().hashCode());
            }
        }
        return out;
    }

    /** A folder holding the file uploaded as {@code name}, read in place as a local Parquet file is. */
    private Storage localCopy(String name) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("local-" + name));
        Files.copy(dir.resolve(name + "-big.parquet"), folder.resolve("big.parquet"));
        return new FileStorage(folder);
    }

    private static List<String> items(DocumentReaders readers, Storage corpus) throws IOException {
        List<String> out = new ArrayList<>();
        try (DocumentReader reader = readers.open(corpus, "big.parquet")) {
            InputItem item;
            while ((item = reader.next()) != null) {
                Document d = (Document) item;
                out.add(d.position() + " " + d.id() + " " + d.text().hashCode());
            }
        }
        return out;
    }

    /** The compressed bytes of the file's largest row group: what a read of one of its rows fetches at most. */
    private static long largestRowGroupOf(Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            return reader.getRowGroups().stream()
                    .mapToLong(BlockMetaData::getCompressedSize)
                    .max()
                    .orElseThrow();
        }
    }

    private static int rowGroupsOf(Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            return reader.getRowGroups().size();
        }
    }

    /**
     * A Parquet file of {@code rows} rows of 2,000 random letters (so that it does not compress away) in row groups of
     * about 512 KiB; its size.
     */
    private long upload(String name, String file, int rows, long seed) throws IOException {
        return upload(name, file, rows, seed, row -> file + "-" + row, null, 512L * 1024);
    }

    /**
     * As {@link #upload(String, String, int, long)}, with each row's id, and no text in the rows {@code withoutText}
     * (null: a text in every row, the column required).
     */
    private long upload(
            String name,
            String file,
            int rows,
            long seed,
            IntFunction<String> ids,
            IntPredicate withoutText,
            long rowGroupBytes)
            throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message doc { required binary id (STRING); "
                + (withoutText == null ? "required" : "optional") + " binary text (STRING); }");
        Path local = dir.resolve(name + "-" + file);
        Files.deleteIfExists(local);
        Random random = new Random(seed);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(local))
                .withType(schema)
                .withRowGroupSize(rowGroupBytes)
                .withPageSize(64 * 1024)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < rows; i++) {
                StringBuilder text = new StringBuilder();
                for (int c = 0; c < 2_000; c++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                Group row = groups.newGroup().append("id", ids.apply(i));
                if (withoutText == null || !withoutText.test(i)) {
                    row.append("text", text.toString());
                }
                writer.write(row);
            }
        }
        try (Storage corpus = direct().open("s3://corpus/" + name + "/")) {
            corpus.put(file, local);
        }
        return Files.size(local);
    }

    private JobRuntime runtime(String name, String limit, ObjectMapper json) throws IOException {
        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "test-access");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
        Files.writeString(secret.resolve("AWS_ENDPOINT_URL_S3"), proxy.endpoint());
        WorkerEnvironment environment = new WorkerEnvironment(Map.of(
                "PALIMPSEST_INPUT_CREDENTIALS_DIR", secret.toString(),
                "PALIMPSEST_OUTPUT_CREDENTIALS_DIR", secret.toString()));
        Path file = dir.resolve(name + "-job.yaml");
        Files.writeString(file, """
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriterModel
                metadata:
                  name: sim
                spec:
                  servedModelName: sim
                  endpoint:
                    url: http://127.0.0.1:9
                ---
                apiVersion: palimpsest.io/v1alpha1
                kind: RewriteJob
                metadata:
                  name: parquet
                spec:
                  modelRef: {name: sim}
                  input:
                    uri: s3://corpus/%s/
                %s    idField: id
                  output:
                    uri: s3://out/%s/
                  recipe:
                    prompts:
                      - name: plain
                        user: "Rewrite the document. <document>{{ text }}</document>"
                """.formatted(name, limit, name));
        return new JobRuntime(new JobManifests().load(file).job(), environment, json);
    }

    private static StorageResolver throughProxy() {
        S3Options options = new S3Options(
                Optional.of(URI.create(proxy.endpoint())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        return new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
    }

    private static StorageResolver direct() {
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        return new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
    }
}
