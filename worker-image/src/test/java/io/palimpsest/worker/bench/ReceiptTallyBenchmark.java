package io.palimpsest.worker.bench;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.run.ItemCounts;
import io.palimpsest.worker.run.Receipt;
import io.palimpsest.worker.run.ReceiptTally;
import io.palimpsest.worker.run.ShardLayout;
import io.palimpsest.worker.storage.ManyReads;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.testing.S3Jobs;
import io.palimpsest.worker.testing.S3MockServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * What the tally (the operator's tally Job, {@code local}'s summary) pays to read a campaign's receipts, one per
 * shard, from an S3 API server: writes {@code --shards} receipts to S3Mock and sums them with the receipts read one
 * after another and with {@code --in-flight} on their way at once ({@link ManyReads}), alternately, {@code --rounds}
 * times each after a warm-up, and prints the best of each and the ratio. Both must give the same totals. S3Mock
 * answers from this machine in a millisecond or two, where the CPU decides; a real store's first byte takes tens of
 * milliseconds, so the rounds are run again with each GET sent {@code --latency-ms} later.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl worker-image test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * cd worker-image &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     io.palimpsest.worker.bench.ReceiptTallyBenchmark --shards 2000
 * </pre>
 */
public final class ReceiptTallyBenchmark {

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int shards = Integer.parseInt(options.get("--shards", "2000"));
        int inFlight = Integer.parseInt(options.get("--in-flight", String.valueOf(ManyReads.IN_FLIGHT)));
        int rounds = Integer.parseInt(options.get("--rounds", "3"));
        int latencyMs = Integer.parseInt(options.get("--latency-ms", "20"));
        options.checkAllKnown();
        ObjectMapper json = new ObjectMapper();
        S3MockExtension s3 = S3MockServer.extension();
        s3.beforeAll(null);
        try (Storage output = S3Jobs.direct(s3.getServiceEndpoint()).open("s3://out/tally-bench/")) {
            for (int shard = 0; shard < shards; shard++) {
                output.put(
                        new ShardLayout(shard, Compression.NONE).receiptKey(), json.writeValueAsBytes(receipt(shard)));
            }
            Tally serial = new ReceiptTally(json, 1).sum(output, "sha256:bench");
            Tally concurrent = new ReceiptTally(json, inFlight).sum(output, "sha256:bench");
            if (serial.getReceipts() != shards
                    || concurrent.getReceipts() != shards
                    || serial.getRead() != concurrent.getRead()
                    || serial.getWritten() != concurrent.getWritten()) {
                throw new IllegalStateException("the totals differ: " + serial.getRead() + " read against "
                        + concurrent.getRead() + ", " + concurrent.getReceipts() + " receipts");
            }
            for (int latency : new int[] {0, latencyMs}) {
                Storage reached = latency == 0 ? output : delayed(output, latency);
                double oneByOne = Double.MAX_VALUE;
                double atOnce = Double.MAX_VALUE;
                for (int round = 0; round < rounds; round++) {
                    oneByOne = Math.min(oneByOne, seconds(json, reached, 1));
                    atOnce = Math.min(atOnce, seconds(json, reached, inFlight));
                }
                System.out.printf(
                        "%d receipts on S3Mock, %s, best of %d each:%n  one after another %.2f s (%.2f ms a"
                                + " receipt)%n  %d in flight       %.2f s (%.2f ms a receipt)%n  %.1fx faster%n",
                        shards,
                        latency == 0 ? "as it answers" : "each GET " + latency + " ms later, as a store's first byte",
                        rounds,
                        oneByOne,
                        oneByOne * 1000 / shards,
                        inFlight,
                        atOnce,
                        atOnce * 1000 / shards,
                        oneByOne / atOnce);
            }
        } finally {
            s3.afterAll(null);
        }
    }

    private static double seconds(ObjectMapper json, Storage output, int inFlight) throws Exception {
        long started = System.nanoTime();
        new ReceiptTally(json, inFlight).sum(output, "sha256:bench");
        return (System.nanoTime() - started) / 1e9;
    }

    /** {@code storage} with each whole read sent {@code millis} later. */
    private static Storage delayed(Storage storage, int millis) {
        return (Storage) Proxy.newProxyInstance(
                Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("readAll")) {
                        Thread.sleep(millis);
                    }
                    try {
                        return method.invoke(storage, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static Receipt receipt(int shard) {
        ItemCounts counts = new ItemCounts();
        counts.read = 100;
        counts.written = 97;
        counts.rejected = 2;
        counts.skipped = 1;
        counts.promptTokens = 41_000;
        counts.completionTokens = 39_000;
        counts.variants.put("wiki", 97L);
        counts.reasons.put("empty_output", 2L);
        counts.skipReasons.put("empty_text", 1L);
        return new Receipt(
                shard,
                0,
                "bench",
                "bench",
                null,
                "sha256:bench",
                "m",
                counts,
                Map.of(),
                1,
                new Receipt.Timings("2026-12-07T10:00:00Z", "2026-12-07T10:01:00Z", 60, 0),
                null,
                null);
    }
}
