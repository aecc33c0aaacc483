package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The sums over an output's receipts: the only committed totals, which a finished job's status must equal. */
record ReceiptTotals(
        long shards, long read, long written, long rejected, long skipped, long promptTokens, long completionTokens) {

    /** @param output the job's output folder (its receipts are under {@code _palimpsest/receipts}) */
    static ReceiptTotals of(Path output) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long n = 0, read = 0, written = 0, rejected = 0, skipped = 0, prompt = 0, completion = 0;
        try (Stream<Path> files = Files.list(output.resolve("_palimpsest").resolve("receipts"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                JsonNode c = json.readTree(f.toFile()).path("counts");
                n++;
                read += c.path("read").asLong();
                written += c.path("written").asLong();
                rejected += c.path("rejected").asLong();
                skipped += c.path("skipped").asLong();
                prompt += c.path("promptTokens").asLong();
                completion += c.path("completionTokens").asLong();
            }
        }
        return new ReceiptTotals(n, read, written, rejected, skipped, prompt, completion);
    }

    /** One receipt per shard, every input document read, and the status's totals equal to these sums. */
    void assertStatusOf(RewriteJobStatus st, long shards, long documents) {
        assertEquals(shards, this.shards, "one receipt per shard");
        assertEquals(shards, st.getShards().getSucceeded());
        assertEquals(documents, read);
        assertEquals(read, st.getDocuments().getRead());
        assertEquals(written, st.getDocuments().getWritten());
        assertEquals(rejected, st.getDocuments().getRejected());
        assertEquals(skipped, st.getDocuments().getSkipped());
        assertEquals(promptTokens, st.getTokens().getPrompt());
        assertEquals(completionTokens, st.getTokens().getCompletion());
    }
}
