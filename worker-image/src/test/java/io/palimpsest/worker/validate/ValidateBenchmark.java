package io.palimpsest.worker.validate;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import io.palimpsest.worker.format.Compression;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import picocli.CommandLine;

/**
 * {@code palimpsest validate} on a large generated file: N pairs of about 2 KB each (a ~1 KB source
 * composed from the evaluation facts and a ~1 KB rewrite of it; one in ten defective), written to a
 * temporary file, then validated through the command itself with the evaluation recipe. Run it
 * with {@code -Xmx512m}: finishing at all shows the memory bound. Prints pairs/s, CPU seconds and
 * pairs per CPU-second (pairs/s per core), and the heap's peak.
 *
 * <p>Arguments: [pairs (default 1000000)] [threads (default: cores)] [jsonl|zst (default jsonl)]
 * [recipe file (default: the evaluation recipe, quality/recipe.yaml)].
 */
public final class ValidateBenchmark {
    private static final int TARGET_CHARS = 1000;

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int threads = args.length > 1
                ? Integer.parseInt(args[1])
                : Runtime.getRuntime().availableProcessors();
        String format = args.length > 2 ? args[2] : "jsonl";
        Path dir = Files.createTempDirectory("validate-bench");
        Path input = dir.resolve("pairs." + format);
        Path verdicts = dir.resolve("verdicts.jsonl.zst");
        Path recipe = dir.resolve("recipe.yaml");
        try {
            if (args.length > 3) {
                Files.copy(Path.of(args[3]), recipe);
            } else {
                try (var in = ValidateBenchmark.class.getResourceAsStream("/quality/recipe.yaml")) {
                    Files.write(recipe, in.readAllBytes());
                }
            }
            long t0 = System.nanoTime();
            long bytes = generate(input, pairs);
            System.out.printf(
                    Locale.ROOT,
                    "generated %d pairs, %.0f MB (%.0f bytes/pair) in %.0f s -> %s%n",
                    pairs,
                    bytes / 1e6,
                    (double) bytes / pairs,
                    (System.nanoTime() - t0) / 1e9,
                    input);

            var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            resetPeaks();
            long cpu0 = os.getProcessCpuTime();
            long w0 = System.nanoTime();
            ByteArrayOutputStream summary = new ByteArrayOutputStream();
            int exit = new CommandLine(
                            new ValidateCommand(new PrintStream(summary, true, StandardCharsets.UTF_8), System.err))
                    .execute(
                            "-f",
                            recipe.toString(),
                            "--pairs",
                            input.toString(),
                            "--label",
                            "defect",
                            "--out",
                            verdicts.toString(),
                            "--threads",
                            String.valueOf(threads),
                            "--no-progress");
            double wall = (System.nanoTime() - w0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            if (exit != 0) {
                throw new IllegalStateException("validate exited " + exit);
            }
            System.out.print(summary.toString(StandardCharsets.UTF_8));
            System.out.printf(
                    Locale.ROOT,
                    "%nvalidated %d pairs with %d threads in %.1f s: %.0f pairs/s; CPU %.1f s: %.0f pairs per CPU-second"
                            + " (pairs/s per core)%nheap: max %d MiB, peak used %d MiB; verdicts %.1f MB%n",
                    pairs,
                    threads,
                    wall,
                    pairs / wall,
                    cpu,
                    pairs / cpu,
                    Runtime.getRuntime().maxMemory() >> 20,
                    peakHeap() >> 20,
                    Files.size(verdicts) / 1e6);
        } finally {
            Files.deleteIfExists(input);
            Files.deleteIfExists(verdicts);
            Files.deleteIfExists(recipe);
            Files.deleteIfExists(dir);
        }
    }

    static long generate(Path file, int pairs) throws IOException {
        EvaluationFacts facts = EvaluationFacts.load();
        Random random = new Random(7);
        ObjectMapper json = new ObjectMapper();
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
                OutputStream out =
                        Compression.ofFileName(file.getFileName().toString()).compress(raw);
                JsonGenerator g = json.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.setRootValueSeparator(null);
            for (int i = 0; i < pairs; i++) {
                List<EvaluationFacts.Fact> picked = new ArrayList<>();
                StringBuilder source = new StringBuilder();
                while (source.length() < TARGET_CHARS) {
                    EvaluationFacts.Topic t =
                            facts.topics().get(random.nextInt(facts.topics().size()));
                    EvaluationFacts.Fact f =
                            t.facts().get(random.nextInt(t.facts().size()));
                    picked.add(f);
                    source.append(source.length() == 0 ? "" : " ").append(f.get(random.nextInt(4) == 0 ? "L" : "S"));
                }
                StringBuilder output = new StringBuilder();
                for (EvaluationFacts.Fact f : picked) {
                    output.append(output.length() == 0 ? "" : " ").append(f.get("R"));
                }
                String label = "faithful";
                String text = output.toString();
                switch (i % 10) {
                    case 3 -> {
                        label = "echo";
                        text = source.toString();
                    }
                    case 7 -> {
                        label = "repetition";
                        String first = picked.get(0).get("R");
                        text = (first + " ").repeat(Math.max(2, TARGET_CHARS / first.length()));
                    }
                    default -> {}
                }
                g.writeStartObject();
                g.writeStringField("id", "p" + i);
                g.writeStringField("defect", label);
                g.writeStringField("source", source.toString());
                g.writeStringField("output", text);
                g.writeStringField("finish_reason", "stop");
                g.writeEndObject();
                g.writeRaw('\n');
            }
        }
        return Files.size(file);
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
