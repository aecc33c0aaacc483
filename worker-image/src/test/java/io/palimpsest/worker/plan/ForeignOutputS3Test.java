package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.ConditionalWrites;
import io.palimpsest.worker.storage.S3Storage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.testing.S3MockServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/** {@link ForeignOutput} on a real S3 API (S3Mock): a look at the prefix's first names, never a listing of it. */
class ForeignOutputS3Test {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    S3Client mock;
    /** The listings sent, as their requests: how many, and how much each asked for. */
    final List<ListObjectsV2Request> lists = new ArrayList<>();

    S3Client counting;

    @BeforeEach
    void client() {
        mock = S3.createS3ClientV2();
        counting = (S3Client) Proxy.newProxyInstance(
                S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, (proxy, method, args) -> {
                    if (method.getName().equals("listObjectsV2") && args != null && args.length == 1) {
                        ListObjectsV2Request request =
                                args[0] instanceof ListObjectsV2Request r ? r : buildWith(args[0]);
                        lists.add(request);
                        return mock.listObjectsV2(request);
                    }
                    if (method.getName().equals("listObjectsV2Paginator")) {
                        lists.add(null); // a whole listing
                    }
                    try {
                        return method.invoke(mock, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @SuppressWarnings("unchecked")
    private static ListObjectsV2Request buildWith(Object consumer) {
        ListObjectsV2Request.Builder builder = ListObjectsV2Request.builder();
        ((Consumer<ListObjectsV2Request.Builder>) consumer).accept(builder);
        return builder.build();
    }

    @AfterEach
    void close() {
        mock.close();
    }

    private void put(String key) {
        mock.putObject(b -> b.bucket("out").key(key), software.amazon.awssdk.core.sync.RequestBody.fromString("{}\n"));
    }

    private Storage at(String prefix) {
        return new S3Storage(counting, "out", prefix);
    }

    @Test
    void aPrefixOfSomeonesFilesIsRefusedAfterALookAtItsFirstNames() throws Exception {
        for (int i = 0; i < 300; i++) {
            put(String.format("corpus/part-%04d.jsonl", i));
        }
        put("corpus/en/wiki-0.jsonl");
        try (Storage output = at("corpus")) {
            lists.clear();
            InvalidJobException refused =
                    assertThrows(InvalidJobException.class, () -> ForeignOutput.refuse("s3://out/corpus", output));
            assertTrue(
                    refused.getMessage()
                            .startsWith("output s3://out/corpus holds files and no Palimpsest campaign (no"
                                    + " _palimpsest/ folder): en/, part-0000.jsonl, part-0001.jsonl, ...;"),
                    refused.getMessage());
            assertEquals(2, lists.size(), "one look for _palimpsest/, one at the first names: " + lists);
            for (ListObjectsV2Request list : lists) {
                assertTrue(list != null && list.maxKeys() != null && list.maxKeys() <= 20, String.valueOf(list));
            }
        }
    }

    @Test
    void hiddenNamesAreLookedPastUnderscoreNamesCount() throws Exception {
        for (int i = 0; i < 45; i++) {
            put(String.format("hidden/.cache-%02d", i));
        }
        try (Storage output = at("hidden")) {
            assertDoesNotThrow(() -> ForeignOutput.refuse("s3://out/hidden", output));
        }
        put("hidden/zz-data.jsonl");
        put("spark/_SUCCESS");
        try (Storage hidden = at("hidden");
                Storage spark = at("spark")) {
            InvalidJobException refused =
                    assertThrows(InvalidJobException.class, () -> ForeignOutput.refuse("s3://out/hidden", hidden));
            assertTrue(refused.getMessage().contains("folder): zz-data.jsonl;"), refused.getMessage());
            assertThrows(InvalidJobException.class, () -> ForeignOutput.refuse("s3://out/spark", spark));
        }
    }

    @Test
    void anEmptyPrefixACampaignAndAKilledFirstRunPass() throws Exception {
        put("campaign/_palimpsest/manifest.jsonl");
        put("campaign/_palimpsest/receipts/shard-00000.json");
        put("campaign/wiki/shard-00000.jsonl.zst");
        put("killed/" + ConditionalWrites.PROBE_PREFIX + "42");
        put("mid-commit/_palimpsest/manifest.jsonl");
        put("mid-commit/_palimpsest/checkpoints/shard-00001/part-000000.json");
        put("mid-commit/wiki/shard-00000.jsonl.zst");
        put("folder-marker/"); // the console's "Create folder": the location's own marker
        for (String prefix : List.of("empty", "campaign", "killed", "mid-commit", "folder-marker")) {
            try (Storage output = at(prefix)) {
                assertDoesNotThrow(() -> ForeignOutput.refuse("s3://out/" + prefix, output), prefix);
            }
        }
        byte[] unchanged = mock.getObjectAsBytes(b -> b.bucket("out").key("campaign/wiki/shard-00000.jsonl.zst"))
                .asByteArray();
        assertEquals("{}\n", new String(unchanged, StandardCharsets.UTF_8));
    }
}
