package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.palimpsest.worker.config.InputNotReadyException;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StorageResolver;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@link UnfinishedInputs} on a real S3 API (S3Mock): of a campaign taken as it is, the output files no receipt lists
 * (a shard's last attempt stopped between its assembly and its receipt) are left out, whether the input is the output,
 * a folder inside it or one file of it.
 */
class UnfinishedInputsS3Test {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    private static final UnfinishedInputs.Accepting AS_IT_IS = new UnfinishedInputs.Accepting(true, List.of());

    StorageResolver resolver;

    @BeforeEach
    void aCampaignWithOneShardCommittedAndOneAssembled() throws Exception {
        S3Options options = new S3Options(
                Optional.of(URI.create("http://localhost:" + S3.getHttpPort())),
                "us-east-1",
                true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")));
        resolver = new StorageResolver(StorageResolver.DEFAULT_PVC_MOUNT_ROOT, () -> options);
        try (Storage output = resolver.open("s3://out/stage-1/")) {
            output.put(ShardManifest.KEY, "{\"shard\":0}\n{\"shard\":1}\n".getBytes(StandardCharsets.UTF_8));
            output.put(
                    "_palimpsest/receipts/shard-00000.json",
                    ("{\"shard\":0,\"outputs\":{\"wiki\":{\"key\":\"wiki/shard-00000.jsonl\"},"
                                    + "\"_rejects\":{\"key\":\"_palimpsest/rejects/shard-00000.jsonl\"}}}")
                            .getBytes(StandardCharsets.UTF_8));
            for (String key : List.of("wiki/shard-00000.jsonl", "wiki/shard-00001.jsonl", "wiki/notes.jsonl")) {
                output.put(key, "{\"id\":\"a\",\"text\":\"a\"}\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private List<String> taken(String uri) throws IOException {
        InputRoot input = resolver.openInput(uri);
        try (Storage storage = input.storage()) {
            List<StoredObject> listed = input.singleKey().isPresent()
                    ? storage.list(input.singleKey().get()).stream()
                            .filter(o -> o.key().equals(input.singleKey().get()))
                            .toList()
                    : storage.list("");
            return UnfinishedInputs.refuse(uri, input, listed, resolver::open, AS_IT_IS).stream()
                    .map(StoredObject::key)
                    .filter(k -> !k.startsWith("_palimpsest/"))
                    .toList();
        }
    }

    @Test
    void theOutputsFilesNoReceiptListsAreLeftOut() throws IOException {
        assertEquals(List.of("wiki/notes.jsonl", "wiki/shard-00000.jsonl"), taken("s3://out/stage-1/"));
    }

    @Test
    void aFolderInsideTheOutputLeavesThemOutLikewise() throws IOException {
        assertEquals(List.of("notes.jsonl", "shard-00000.jsonl"), taken("s3://out/stage-1/wiki/"));
    }

    @Test
    void oneFileNoReceiptListsIsRefusedAndOneThatIsListedIsRead() throws IOException {
        InputNotReadyException refused =
                assertThrows(InputNotReadyException.class, () -> taken("s3://out/stage-1/wiki/shard-00001.jsonl"));
        assertTrue(
                refused.getMessage()
                        .contains("s3://out/stage-1/wiki/shard-00001.jsonl is an output file that no receipt of its"
                                + " campaign's plan in force lists"),
                refused.getMessage());
        assertEquals(List.of("shard-00000.jsonl"), taken("s3://out/stage-1/wiki/shard-00000.jsonl"));
    }
}
