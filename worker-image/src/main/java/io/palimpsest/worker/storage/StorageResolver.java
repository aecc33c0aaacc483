package io.palimpsest.worker.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Turns a storage URI into a {@link Storage}. PVC claims are mounted by the pod spec under
 * {@code pvcMountRoot/<claim>} (default {@code /mnt/pvc}), so {@code pvc://corpus/en} is the
 * directory {@code /mnt/pvc/corpus/en}. An {@code s3://} storage waits for a store that is down for up
 * to {@code maxOutage} (10 minutes unless set) before its requests fail.
 */
public final class StorageResolver {

    public static final Path DEFAULT_PVC_MOUNT_ROOT = Path.of("/mnt/pvc");

    private final Path pvcMountRoot;
    private final Supplier<S3Options> s3Options;
    private final Duration maxOutage;
    /** When set, a store that gives its first request no answer stops the run at once ({@link StoreStartCheck}). */
    private final StoreStartCheck startCheck;

    public StorageResolver(Path pvcMountRoot, Supplier<S3Options> s3Options) {
        this(pvcMountRoot, s3Options, StoreGate.DEFAULT_MAX_OUTAGE, null);
    }

    private StorageResolver(
            Path pvcMountRoot, Supplier<S3Options> s3Options, Duration maxOutage, StoreStartCheck startCheck) {
        this.pvcMountRoot = pvcMountRoot;
        this.s3Options = s3Options;
        this.maxOutage = maxOutage;
        this.startCheck = startCheck;
    }

    /** The same resolver, with stores that wait {@code maxOutage} for an outage to end. */
    public StorageResolver withMaxOutage(Duration maxOutage) {
        return new StorageResolver(pvcMountRoot, s3Options, maxOutage, startCheck);
    }

    /** The same resolver, with stores whose first request no answer stops at once, as {@code check} records. */
    public StorageResolver stoppingAtStart(StoreStartCheck check) {
        return new StorageResolver(pvcMountRoot, s3Options, maxOutage, check);
    }

    public static StorageResolver localOnly() {
        return new StorageResolver(DEFAULT_PVC_MOUNT_ROOT, () -> {
            throw new IllegalStateException("no S3 settings configured");
        });
    }

    public Storage open(String uri) {
        StorageUri parsed = StorageUri.parse(uri);
        return switch (parsed.scheme()) {
            case FILE -> new FileStorage(Path.of(parsed.path()));
            case PVC -> new FileStorage(pvcMountRoot.resolve(parsed.authority()).resolve(parsed.path()));
            case S3 -> {
                S3Options options = s3Options.get();
                RequestAddress address = new RequestAddress();
                S3Storage storage = new S3Storage(
                                s3Client(options, address), parsed.authority(), parsed.path(), maxOutage)
                        .credentialsSetting(options.credentialsSetting())
                        .noCredentials(options.noCredentials())
                        .settings(options.uriField(), options.region(), options.regionSetting())
                        .endpoint(address, options.endpointSetting());
                yield startCheck == null ? storage : storage.stoppingAtStart(startCheck);
            }
        };
    }

    /**
     * Like {@link #open}, but an input URI may also name one file: then the storage is its parent
     * and the file is the only input.
     */
    public InputRoot openInput(String uri) throws IOException {
        StorageUri parsed = StorageUri.parse(uri);
        Storage whole = open(uri);
        if (whole instanceof FileStorage files && Files.isRegularFile(files.root())) {
            return new InputRoot(
                    new FileStorage(files.root().getParent()),
                    Optional.of(files.root().getFileName().toString()));
        }
        if (parsed.scheme() == StorageUri.Scheme.S3
                && !parsed.path().isEmpty()
                && !parsed.path().endsWith("/")) {
            int slash = parsed.path().lastIndexOf('/');
            String parentUri = "s3://" + parsed.authority() + "/"
                    + (slash < 0 ? "" : parsed.path().substring(0, slash));
            String name = parsed.path().substring(slash + 1);
            Storage parent = open(parentUri);
            boolean oneFile;
            try {
                oneFile = parent.exists(name);
            } catch (StoreRefusedException e) {
                // credentials allowed only the prefix ("bucket/corpus/*") may not HEAD the bare key
                // "corpus": take the URI as the prefix it then must be; if listing it is refused too,
                // that refusal names the credentials
                oneFile = false;
            }
            if (oneFile) {
                whole.close();
                return new InputRoot(parent, Optional.of(name));
            }
            parent.close();
        }
        return new InputRoot(whole, Optional.empty());
    }

    static S3Client s3Client(S3Options options) {
        return s3Client(options, new RequestAddress());
    }

    static S3Client s3Client(S3Options options, RequestAddress address) {
        var builder = S3Client.builder()
                .overrideConfiguration(
                        o -> o.addExecutionInterceptor(address).addExecutionInterceptor(new WholeAnswerCheck()))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(options.region()))
                .forcePathStyle(options.pathStyle())
                .credentialsProvider(options.credentials())
                // Checksums only where an operation requires them, as before SDK 2.30: its default CRC32
                // trailers (aws-chunked uploads) are refused by GCS, older Ceph RGW and other S3-compatible
                // stores, and a multipart upload created without a checksum algorithm whose parts carry
                // them can fail to complete on AWS. TLS protects the bytes in transit either way.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        options.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
