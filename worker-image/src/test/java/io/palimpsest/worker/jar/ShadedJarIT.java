package io.palimpsest.worker.jar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.github.luben.zstd.ZstdInputStream;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The packaged jar ({@code target/palimpsest.jar}, the one the worker image ships and the README's
 * quickstart runs), not the test classpath: the shade step drops Lingua's unread models, native
 * libraries of other platforms and the unreachable parts of Hadoop and fastutil, so this checks
 * that what is left still does everything. Runs after {@code package} (surefire's integration-test
 * execution in worker-image/pom.xml), hence in {@code mvn verify}.
 */
class ShadedJarIT {
    /** The worker jar's budget; the image and every pod start pay for each megabyte. */
    static final long MAX_BYTES = 100L * 1024 * 1024;

    static final Path JAR = Path.of("target/palimpsest.jar").toAbsolutePath();
    static final Path EXAMPLES = Path.of("../examples").toAbsolutePath();

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    @TempDir
    Path work;

    @Test
    void jarStaysWithinItsBudget() throws IOException {
        long size = Files.size(JAR);
        String biggest = biggestParts(JAR, 20);
        System.out.printf(
                "[figures] palimpsest.jar %.1f MB (budget %d MB); biggest parts, compressed:%n%s%n",
                size / 1e6, MAX_BYTES / 1024 / 1024, biggest);
        assertTrue(
                size <= MAX_BYTES,
                "palimpsest.jar is " + size / 1024 / 1024 + " MB, over its " + MAX_BYTES / 1024 / 1024
                        + " MB budget; its biggest parts:\n" + biggest);
    }

    /** The README's quickstart command, word for word, from a fresh folder. */
    @Test
    void quickstartRunsWithTheBuiltInSimulator() throws Exception {
        assertEquals(
                0,
                run(
                        work,
                        Map.of(),
                        "local",
                        "-f",
                        EXAMPLES.resolve("quickstart").toString(),
                        "--simulate"));
        assertTrue(outputRecords(work.resolve("quickstart-out")) > 0, "quickstart wrote no outputs");
    }

    /** Lingua's language validator (k2-knowledge) and the GraalPy Python syntax filter (swallowcode). */
    @Test
    void languageDetectionAndPythonSyntaxRunFromTheJar() throws Exception {
        for (String example : List.of("k2-knowledge", "swallowcode")) {
            Path out = work.resolve(example + "-out");
            assertEquals(
                    0,
                    run(
                            work,
                            Map.of(),
                            "local",
                            "-f",
                            EXAMPLES.resolve(example).toString(),
                            "--simulate",
                            "--out",
                            out.toString()),
                    example);
            assertTrue(outputRecords(out) > 0, example + " wrote no outputs");
        }
    }

    /**
     * The Python syntax filter on what needs ICU's data: non-ASCII identifiers (XID properties) and
     * {@code \N{name}} escapes, valid and not. A document rejected for ICU data missing from the
     * jar would show here as a pythonSyntax skip of a valid file.
     */
    @Test
    void pythonSyntaxFilterReadsUnicodeDataFromTheJar() throws Exception {
        Path manifests = Files.createDirectories(work.resolve("unicode"));
        Files.copy(EXAMPLES.resolve("swallowcode/job.yaml"), manifests.resolve("job.yaml"));
        Files.copy(EXAMPLES.resolve("swallowcode/model.yaml"), manifests.resolve("model.yaml"));
        Files.copy(EXAMPLES.resolve("swallowcode/sim-rules.yaml"), manifests.resolve("sim-rules.yaml"));
        Path data = Files.createDirectories(manifests.resolve("data"));
        Files.writeString(
                data.resolve("unicode.jsonl"),
                String.join(
                                "\n",
                                "{\"id\": \"identifiers\", \"text\": \"caf\u00e9 = 1\\n\u03c0 = 3.14159\\nprint(caf\u00e9 * \u03c0)\\n\"}",
                                "{\"id\": \"named-escape\", \"text\": \"s = '\\\\N{GREEK SMALL LETTER ALPHA}'\\nprint(s)\\n\"}",
                                "{\"id\": \"unknown-name\", \"text\": \"s = '\\\\N{NO SUCH CHARACTER NAME}'\\n\"}",
                                "{\"id\": \"bad-identifier\", \"text\": \"a\u20acb = 1\\n\"}")
                        + "\n");
        Path out = work.resolve("unicode-out");
        assertEquals(
                0, run(work, Map.of(), "local", "-f", manifests.toString(), "--simulate", "--out", out.toString()));
        String rejects;
        try (Stream<Path> files = Files.walk(out.resolve("_palimpsest/rejects"))) {
            StringBuilder all = new StringBuilder();
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                all.append(text(f));
            }
            rejects = all.toString();
        }
        List<String> skipped = rejects.lines()
                .filter(l -> l.contains("\"filter:pythonSyntax\""))
                .map(l -> l.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1"))
                .sorted()
                .toList();
        assertEquals(List.of("bad-identifier", "unknown-name"), skipped, rejects);
    }

    /** Parquet input in every codec the writers commonly use, read through the S3 client. */
    @Test
    void parquetFromS3InEveryCodec() throws Exception {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        List<CompressionCodecName> codecs = List.of(
                CompressionCodecName.UNCOMPRESSED,
                CompressionCodecName.SNAPPY,
                CompressionCodecName.GZIP,
                CompressionCodecName.ZSTD,
                CompressionCodecName.LZ4_RAW);
        int rowsPerFile = 5;
        try (S3Client s3 = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.US_EAST_1)
                .endpointOverride(URI.create(endpoint()))
                .forcePathStyle(true)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("test-access", "test-secret")))
                .build()) {
            for (CompressionCodecName codec : codecs) {
                Path file = work.resolve(codec.name().toLowerCase() + ".parquet");
                try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                        .withType(schema)
                        .withCompressionCodec(codec)
                        .build()) {
                    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
                    for (int i = 0; i < rowsPerFile; i++) {
                        writer.write(groups.newGroup()
                                .append("id", codec + "-" + i)
                                .append(
                                        "text",
                                        "Row " + i + " of a Parquet file written with " + codec + " compression."));
                    }
                }
                s3.putObject(b -> b.bucket("corpus").key("in/" + file.getFileName()), RequestBody.fromFile(file));
            }
        }
        Path manifests = Files.createDirectories(work.resolve("manifests"));
        Files.copy(EXAMPLES.resolve("quickstart/model.yaml"), manifests.resolve("model.yaml"));
        String job = Files.readString(EXAMPLES.resolve("quickstart/job.yaml"))
                .replace("uri: file://data/", "uri: s3://corpus/in/\n    format: parquet")
                .replace("include: [\"*.jsonl\"]", "include: [\"*.parquet\"]");
        Files.writeString(manifests.resolve("job.yaml"), job);
        Map<String, String> env = Map.of(
                "AWS_ENDPOINT_URL",
                endpoint(),
                "AWS_ACCESS_KEY_ID",
                "test-access",
                "AWS_SECRET_ACCESS_KEY",
                "test-secret",
                "AWS_REGION",
                "us-east-1");
        Path out = work.resolve("parquet-out");
        assertEquals(0, run(work, env, "local", "-f", manifests.toString(), "--simulate", "--out", out.toString()));
        // Two prompts per document; every row of every codec became a document.
        assertEquals(codecs.size() * rowsPerFile * 2, outputRecords(out));
    }

    static String endpoint() {
        return "http://localhost:" + S3.getHttpPort();
    }

    static int run(Path dir, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("run-" + System.nanoTime() + ".log").toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("palimpsest " + String.join(" ", args) + " did not finish in 10 minutes");
        }
        if (process.exitValue() != 0) {
            try (Stream<Path> logs = Files.list(dir)) {
                for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("run-"))
                        .toList()) {
                    System.out.println(Files.readString(log));
                }
            }
        }
        return process.exitValue();
    }

    /** Output records (outside _palimpsest/), whatever the output compression. */
    static long outputRecords(Path out) throws IOException {
        assertTrue(Files.isDirectory(out), out + " was not written");
        long records = 0;
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile)
                    .filter(p -> !out.relativize(p).toString().startsWith("_palimpsest"))
                    .toList()) {
                records += lines(f);
            }
        }
        return records;
    }

    static long lines(Path file) throws IOException {
        return text(file).lines().filter(l -> !l.isBlank()).count();
    }

    /** A JSONL file's text, whatever its compression; empty for other files. */
    static String text(Path file) throws IOException {
        String name = file.getFileName().toString();
        String text;
        if (name.endsWith(".zst")) {
            // checkpoint parts are concatenated frames: the stream reads them all
            try (var in = new ZstdInputStream(Files.newInputStream(file))) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } else if (name.endsWith(".gz")) {
            try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } else if (name.endsWith(".jsonl")) {
            text = Files.readString(file);
        } else {
            return "";
        }
        return text;
    }

    /** The jar's compressed bytes grouped by the first three path segments, biggest first. */
    static String biggestParts(Path jar, int limit) throws IOException {
        Map<String, Long> bytes = new HashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : zip.stream().toList()) {
                String[] parts = e.getName().split("/");
                String key = parts.length > 3 ? String.join("/", parts[0], parts[1], parts[2]) + "/" : e.getName();
                bytes.merge(key, Math.max(0, e.getCompressedSize()), Long::sum);
            }
        }
        assertFalse(bytes.isEmpty());
        return bytes.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(limit)
                .map(e -> String.format("  %6.1f MB  %s", e.getValue() / 1e6, e.getKey()))
                .collect(Collectors.joining("\n"));
    }
}
