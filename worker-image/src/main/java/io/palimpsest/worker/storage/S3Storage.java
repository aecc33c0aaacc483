package io.palimpsest.worker.storage;

import io.palimpsest.worker.config.ManifestField;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A bucket prefix. S3 writes are atomic per object already; the commit primitive is a conditional
 * PUT ({@code If-None-Match: *}), which AWS, MinIO and R2 answer with 412 when the key exists, so
 * one of several racing writers wins. Concatenation is a multipart upload whose parts all have one
 * size but the last ({@link MultipartPlan}; R2 requires it): a part within one source is copied
 * server-side (UploadPartCopy of a byte range), one that spans sources is gathered locally and
 * uploaded, and nothing is visible until the upload completes. Every request waits out an outage of the store
 * at its {@link StoreGate}, for up to {@code maxOutage}.
 */
public final class S3Storage implements Storage {

    /** S3's minimum size for every part of a multipart upload except the last. */
    static final long MIN_PART_BYTES = 5L * 1024 * 1024;

    /**
     * Cuts in a row, with no byte read between them, that a read takes up again before it fails: an
     * object store that keeps cutting for the half minute the waits add up to is down, and the
     * attempt is better retried whole later.
     */
    static final int READ_RESUMES = 5;
    /** The wait before the first resume; each further one in a row waits twice as long (1, 2, 4, 8, 16 s). */
    static final Duration FIRST_RESUME_DELAY = Duration.ofSeconds(1);

    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final Duration firstResumeDelay;
    private final StoreGate gate;
    /** Where the credentials come from, for the message when the store refuses them. */
    private String credentialsSetting = S3Options.ANY_CREDENTIALS_SETTING;
    /** What the default chain finding no credentials means where this runs. */
    private S3Options.NoCredentials noCredentials = S3Options.NoCredentials.RETRIED;
    /** The job's URI field this storage serves, for the message when its bucket does not exist. */
    private String uriField = S3Options.ANY_URI_FIELD;
    /** The region requests are signed for, and where it comes from, for the message when the store is elsewhere. */
    private String region = "us-east-1";

    private String regionSetting = S3Options.ANY_REGION_SETTING;
    /** Where requests went, as the client resolved it; none known for a client built elsewhere (tests). */
    private RequestAddress requestAddress = new RequestAddress();
    /** Where the endpoint is set, for the messages when nothing answers there. */
    private String endpointSetting = S3Options.ANY_ENDPOINT_SETTING;
    /** The part size of a multipart concatenation, unless it needs larger parts ({@link MultipartPlan}). */
    private final long basePartBytes;

    /** @param prefix the key prefix inside the bucket, without leading or trailing slash ("" for the bucket root) */
    public S3Storage(S3Client client, String bucket, String prefix) {
        this(client, bucket, prefix, StoreGate.DEFAULT_MAX_OUTAGE);
    }

    /** @param maxOutage how long a request waits for a store that is down before it fails ({@link StoreUnavailableException}) */
    public S3Storage(S3Client client, String bucket, String prefix, Duration maxOutage) {
        this(client, bucket, prefix, FIRST_RESUME_DELAY, maxOutage, StoreGate.FIRST_PROBE);
    }

    S3Storage(
            S3Client client,
            String bucket,
            String prefix,
            Duration firstResumeDelay,
            Duration maxOutage,
            Duration firstProbe) {
        this(client, bucket, prefix, firstResumeDelay, maxOutage, firstProbe, MultipartPlan.BASE_PART_BYTES);
    }

    S3Storage(
            S3Client client,
            String bucket,
            String prefix,
            Duration firstResumeDelay,
            Duration maxOutage,
            Duration firstProbe,
            long basePartBytes) {
        this.client = client;
        this.basePartBytes = basePartBytes;
        this.bucket = bucket;
        this.prefix = trimSlashes(prefix);
        this.firstResumeDelay = firstResumeDelay;
        this.gate = new StoreGate(client, bucket, maxOutage, firstProbe, this::address, () -> endpointSetting);
    }

    /** Where the client's requests go (its interceptor) and where the endpoint is set, for the messages. */
    S3Storage endpoint(RequestAddress address, String setting) {
        this.requestAddress = address;
        this.endpointSetting = setting;
        return this;
    }

    /**
     * A first request that gets no answer at all, while no request to this store's address has been answered in the
     * run ({@code check}), stops the run at once (exit 75) naming the address, where it is set and the job's URI
     * field, rather than waiting {@code maxOutage} for a store that may never have been there.
     */
    S3Storage stoppingAtStart(StoreStartCheck check) {
        gate.stopAtStart(check, this::noAnswerAtStart);
        return this;
    }

    private IOException noAnswerAtStart(SdkException cause) {
        Throwable root = cause;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return new StoreUnavailableException(
                uriField + " " + describe() + ": the object store at " + address() + " does not answer (" + root
                        + "), and it has not answered this run yet; the endpoint comes from " + endpointSetting
                        + ". Check its host and port, or start the store, and run again. Nothing was written.",
                cause,
                uriField.equals(S3Options.ANY_URI_FIELD) ? List.of() : List.of(ManifestField.job(uriField)));
    }

    /** Names where this storage's credentials come from in the message when the store refuses them. */
    S3Storage credentialsSetting(String setting) {
        this.credentialsSetting = setting;
        return this;
    }

    /** What the default chain finding no credentials means where this runs (a pod, or a laptop). */
    S3Storage noCredentials(S3Options.NoCredentials meaning) {
        this.noCredentials = meaning;
        return this;
    }

    /** The job's URI field this storage serves, and the region its requests are signed for and where that is set. */
    S3Storage settings(String uriField, String region, String regionSetting) {
        this.uriField = uriField;
        this.region = region;
        this.regionSetting = regionSetting;
        return this;
    }

    @Override
    public String describe() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    @Override
    public List<StoredObject> list(String subPrefix) throws IOException {
        String listPrefix = fullKey(subPrefix);
        if (!listPrefix.isEmpty() && !subPrefix.isEmpty() && !subPrefix.endsWith("/") && exists(subPrefix)) {
            return List.of(stat(subPrefix));
        }
        String directoryPrefix = listPrefix.isEmpty() || listPrefix.endsWith("/") ? listPrefix : listPrefix + "/";
        List<StoredObject> found;
        try {
            // pages are fetched as the loop goes: after an outage the listing starts again
            found = gate.call(() -> {
                List<StoredObject> listed = new ArrayList<>();
                for (S3Object object : client.listObjectsV2Paginator(
                                b -> b.bucket(bucket).prefix(directoryPrefix))
                        .contents()) {
                    // a key ending in '/' is a folder marker (the console's "Create folder", some sync tools):
                    // no object this storage can address (keys are trimmed of slashes), and no document
                    if (!object.key().endsWith("/")) {
                        listed.add(new StoredObject(
                                relativeKey(object.key()), object.size(), ObjectVersions.etag(object.eTag())));
                    }
                }
                return listed;
            });
        } catch (SdkException e) {
            throw failure("list", subPrefix, e);
        }
        found.sort(Comparator.comparing(StoredObject::key));
        return found;
    }

    /** Names asked for per LIST of {@link #firstNames}: a look at a location, not a listing of it. */
    static final int FIRST_NAMES_PAGE = 20;

    @Override
    public List<String> firstNames(String folder, int atMost, Predicate<String> counted) throws IOException {
        String full = fullKey(folder);
        String listPrefix = full.isEmpty() || full.endsWith("/") ? full : full + "/";
        try {
            return gate.call(() -> {
                List<String> names = new ArrayList<>();
                String token = null;
                do {
                    String after = token;
                    ListObjectsV2Response page = client.listObjectsV2(b -> b.bucket(bucket)
                            .prefix(listPrefix)
                            .delimiter("/")
                            .maxKeys(FIRST_NAMES_PAGE)
                            .continuationToken(after));
                    List<String> listed = new ArrayList<>();
                    page.contents().forEach(o -> listed.add(o.key().substring(listPrefix.length())));
                    page.commonPrefixes().forEach(p -> listed.add(p.prefix().substring(listPrefix.length())));
                    listed.stream()
                            .filter(n -> !n.isEmpty()) // the location's own folder marker
                            .sorted()
                            .filter(counted)
                            .forEach(names::add);
                    token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
                } while (token != null && names.size() < atMost);
                return names.stream().limit(atMost).toList();
            });
        } catch (SdkException e) {
            throw failure("list", folder, e);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        return resuming(key, 0, null, null);
    }

    @Override
    public InputStream openRange(String key, long start, long endExclusive) throws IOException {
        if (endExclusive <= start) {
            return InputStream.nullInputStream();
        }
        return resuming(key, start, endExclusive, null);
    }

    /**
     * The range under {@code If-Match} on the version's ETag, its first request as every later one: an object
     * rewritten since {@code version} was taken is answered 412 and read as changed, never as a part of another file.
     * A version that is no ETag (none recorded) is compared as {@link Storage#openRange(String, long, long, String)}
     * compares it.
     */
    @Override
    public InputStream openRange(String key, long start, long endExclusive, String version) throws IOException {
        String eTag = ObjectVersions.ifMatch(version);
        if (eTag == null) {
            return Storage.super.openRange(key, start, endExclusive, version);
        }
        if (endExclusive <= start) {
            return InputStream.nullInputStream();
        }
        return resuming(key, start, endExclusive, eTag);
    }

    /**
     * Bytes from {@code start} to {@code endExclusive} (null: the object's end), taken up again where
     * a cut left them: the object's length and ETag come from the first response, and every later GET
     * asks for the rest under {@code If-Match} on that ETag.
     */
    private InputStream resuming(String key, long start, Long endExclusive, String ifMatch) throws IOException {
        String range = start == 0 && endExclusive == null
                ? null
                : "bytes=" + start + "-" + (endExclusive == null ? "" : String.valueOf(endExclusive - 1));
        ResponseInputStream<GetObjectResponse> first;
        try {
            first = gate.call(() -> client.getObject(
                    b -> b.bucket(bucket).key(fullKey(key)).range(range).ifMatch(ifMatch)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(describe() + "/" + key);
        } catch (S3Exception e) {
            if (ifMatch != null && e.statusCode() == 412) {
                throw new ObjectChangedException(
                        describe() + "/" + trimSlashes(key),
                        ObjectVersions.etag(ifMatch),
                        "the store no longer has that ETag (HTTP 412)");
            }
            throw failure(range == null ? "read" : "read a range of", key, e);
        } catch (SdkException e) {
            throw failure(range == null ? "read" : "read a range of", key, e);
        }
        GetObjectResponse response = first.response();
        String contentRange = response.contentRange();
        if (range != null && (contentRange == null || !contentRange.startsWith("bytes " + start + "-"))) {
            // a range (a part of a file read in parts, a byte-range shard): the whole object in its place would be
            // read as other bytes, found only once more came than the range holds
            first.abort();
            throw new ObjectReadException(
                    describe() + "/" + trimSlashes(key) + ": asked for its bytes from " + start + ", the store"
                            + " answered with " + (contentRange == null ? "the whole object" : contentRange),
                    null);
        }
        String eTag = response.eTag();
        Long length = response.contentLength();
        if (length == null || eTag == null) {
            HeadObjectResponse head;
            try {
                head = headResponse(key);
            } catch (IOException | RuntimeException e) {
                first.abort();
                throw e;
            }
            length = head.contentLength() - start;
            eTag = head.eTag();
        }
        long end = endExclusive == null ? start + length : Math.min(endExclusive, start + length);
        String pinned = eTag;
        return new ResumingObjectStream(
                describe() + "/" + trimSlashes(key),
                first,
                start,
                end,
                offset -> resumeAt(key, offset, end, pinned),
                READ_RESUMES,
                firstResumeDelay);
    }

    private InputStream resumeAt(String key, long offset, long end, String eTag) throws IOException {
        ResponseInputStream<GetObjectResponse> rest;
        try {
            rest = gate.call(() -> client.getObject(b -> b.bucket(bucket)
                    .key(fullKey(key))
                    .range("bytes=" + offset + "-" + (end - 1))
                    .ifMatch(eTag)));
        } catch (NoSuchKeyException e) {
            throw new ResumingObjectStream.NotResumable(
                    describe() + "/" + trimSlashes(key) + " was deleted while it was read", e);
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw new ResumingObjectStream.NotResumable(
                        describe() + "/" + trimSlashes(key) + " was replaced while it was read (its ETag is no longer "
                                + eTag + ")",
                        e);
            }
            throw failure("read on", key, e);
        } catch (SdkException e) {
            throw failure("read on", key, e);
        }
        String contentRange = rest.response().contentRange();
        if (contentRange == null || !contentRange.startsWith("bytes " + offset + "-")) {
            rest.abort();
            throw new ResumingObjectStream.NotResumable(
                    describe() + "/" + trimSlashes(key) + ": asked for its bytes from " + offset
                            + ", the store answered with " + (contentRange == null ? "the whole object" : contentRange),
                    null);
        }
        return rest;
    }

    @Override
    public boolean exists(String key) throws IOException {
        try {
            head(key);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public StoredObject stat(String key) throws IOException {
        HeadObjectResponse head = headResponse(key);
        return new StoredObject(key, head.contentLength(), ObjectVersions.etag(head.eTag()));
    }

    private long head(String key) throws IOException {
        return headResponse(key).contentLength();
    }

    private HeadObjectResponse headResponse(String key) throws IOException {
        try {
            return gate.call(() -> client.headObject(b -> b.bucket(bucket).key(fullKey(key))));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(describe() + "/" + key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(describe() + "/" + key);
            }
            throw failure("inspect", key, e);
        } catch (SdkException e) {
            throw failure("inspect", key, e);
        }
    }

    @Override
    public void put(String key, Path localFile) throws IOException {
        try {
            gate.call(() -> client.putObject(b -> b.bucket(bucket).key(fullKey(key)), RequestBody.fromFile(localFile)));
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        try {
            gate.call(() -> client.putObject(b -> b.bucket(bucket).key(fullKey(key)), RequestBody.fromBytes(content)));
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public boolean createIfAbsent(String key, byte[] content) throws IOException {
        int[] sent = {0};
        try {
            putIfAbsent(key, content, sent);
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return ownWriteRefused(key, content, repeated(sent[0], e));
            }
            if (e.statusCode() == 409) {
                // a concurrent conditional write on the same key is in flight; whoever lands first wins.
                // The write in flight, or the one that landed, may be this create's own first try whose
                // answer was lost: then the key's bytes tell (a GET, which also answers whether it exists).
                // Otherwise the create is sent once more: it lands, or is refused 412 by the write that did.
                boolean repeated = repeated(sent[0], e);
                if (repeated) {
                    Optional<byte[]> held = readIfPresent(key);
                    if (held.isPresent()) {
                        return Arrays.equals(held.get(), content);
                    }
                }
                return createIfAbsentOnce(key, content, repeated);
            }
            throw failure("create", key, e);
        } catch (SdkException e) {
            throw failure("create", key, e);
        }
    }

    /**
     * The create sent once more after a 409; {@code earlierRepeated}: a try before it was sent more
     * than once, so it may be the write that landed.
     */
    private boolean createIfAbsentOnce(String key, byte[] content, boolean earlierRepeated) throws IOException {
        int[] sent = {0};
        try {
            putIfAbsent(key, content, sent);
            return true;
        } catch (S3Exception e) {
            boolean repeated = earlierRepeated || repeated(sent[0], e);
            if (e.statusCode() == 412) {
                return ownWriteRefused(key, content, repeated);
            }
            if (e.statusCode() == 409) {
                // a 409 again: a write in flight still. Landed, it decides (ours only when it holds our
                // bytes and one of our tries may be it); still absent, nobody has won, and false would
                // send the caller to read a key that is not there
                Optional<byte[]> held = readIfPresent(key);
                if (held.isPresent()) {
                    return repeated && Arrays.equals(held.get(), content);
                }
                throw new IOException(
                        "could not create " + describe() + "/" + trimSlashes(key) + ": the store answered 409 "
                                + errorCode(e) + " twice (a conflicting conditional write in flight) and the key"
                                + " is still absent, so no write has won; this attempt fails and the next one"
                                + " tries again. " + e.getMessage(),
                        e);
            }
            throw failure("create", key, e);
        } catch (SdkException e) {
            throw failure("create", key, e);
        }
    }

    /** The conditional PUT; {@code sent[0]} counts how often the gate sent it (once, unless an outage came between). */
    private void putIfAbsent(String key, byte[] content, int[] sent) throws IOException {
        gate.call(() -> {
            sent[0]++;
            return client.putObject(
                    b -> b.bucket(bucket).key(fullKey(key)).ifNoneMatch("*"), RequestBody.fromBytes(content));
        });
    }

    /**
     * A 412 that may answer a repeat of our own write: an earlier try of this create (the SDK's
     * retry, or the gate's after an outage) may have landed with its answer lost. Then the key holds
     * exactly these bytes, and the create is ours. Receipts and markers name the attempt that writes
     * them, so no other writer's bytes are equal; where two writers write the same bytes (the mark of
     * simulated work), either may take them as its own.
     */
    private boolean ownWriteRefused(String key, byte[] content, boolean repeated) throws IOException {
        if (!repeated) {
            return false;
        }
        return readIfPresent(key).map(held -> Arrays.equals(held, content)).orElse(false);
    }

    /** The object's bytes, or empty when it does not exist. */
    private Optional<byte[]> readIfPresent(String key) throws IOException {
        try {
            return Optional.of(readAll(key));
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        }
    }

    /** Whether the request that met {@code answer} was sent more than once (by the SDK or by the gate). */
    private static boolean repeated(int sent, S3Exception answer) {
        return sent > 1 || (answer.numAttempts() != null && answer.numAttempts() > 1);
    }

    @Override
    public void concatenate(List<String> partKeys, String targetKey) throws IOException {
        List<StoredObject> parts = new ArrayList<>();
        for (String key : partKeys) {
            parts.add(new StoredObject(key, head(key)));
        }
        long total = parts.stream().mapToLong(StoredObject::size).sum();
        if (total < MIN_PART_BYTES) {
            putSmallConcatenation(parts, targetKey);
            return;
        }
        String uploadId;
        try {
            uploadId = gate.call(() ->
                            client.createMultipartUpload(b -> b.bucket(bucket).key(fullKey(targetKey))))
                    .uploadId();
        } catch (SdkException e) {
            throw failure("start assembling", targetKey, e);
        }
        int[] sent = {0};
        List<CompletedPart> completed = List.of();
        try {
            completed = new MultipartAssembly(uploadId, targetKey).run(parts);
            List<CompletedPart> assembled = completed;
            gate.call(() -> {
                sent[0]++;
                return client.completeMultipartUpload(b -> b.bucket(bucket)
                        .key(fullKey(targetKey))
                        .uploadId(uploadId)
                        .multipartUpload(CompletedMultipartUpload.builder()
                                .parts(assembled)
                                .build()));
            });
        } catch (S3Exception e) {
            // only a repeated completion: a part's upload answered NoSuchUpload (sent[0] still 0) completed nothing
            if (noSuchUpload(e) && sent[0] > 0 && repeated(sent[0], e)) {
                String notOurs = notThisAssembly(targetKey, total, completed);
                if (notOurs == null) {
                    return;
                }
                abortQuietly(targetKey, uploadId);
                throw new IOException(
                        "could not assemble " + describe() + "/" + trimSlashes(targetKey) + ": its completion"
                                + " (CompleteMultipartUpload) was sent again after an answer was lost, and the store no"
                                + " longer knows the upload (404 NoSuchUpload), but " + notOurs
                                + ": it is not taken as this assembly, and the attempt fails. " + e.getMessage(),
                        e);
            }
            abortQuietly(targetKey, uploadId);
            throw failure("assemble", targetKey, e);
        } catch (IOException | RuntimeException e) {
            abortQuietly(targetKey, uploadId);
            if (e instanceof SdkException sdk) {
                throw failure("assemble", targetKey, sdk);
            }
            throw e;
        }
    }

    private static boolean noSuchUpload(S3Exception e) {
        return e.statusCode() == 404
                && e.awsErrorDetails() != null
                && "NoSuchUpload".equals(e.awsErrorDetails().errorCode());
    }

    /**
     * A repeated CompleteMultipartUpload answered 404 NoSuchUpload: an earlier try may have completed
     * the upload with its answer lost, or the upload may be gone otherwise (aborted, expired) with the
     * target holding an older object. The target is this assembly only when it holds the assembly's
     * size (a first, cheap filter) and exactly its multipart ETag (computed from the ETags the parts
     * were given: {@link #multipartETag}); a store whose part ETags are not hex digests cannot be checked so,
     * and the attempt fails rather than take an object it cannot tell apart.
     *
     * @return null when the target is this assembly, else why it is not taken as such
     */
    private String notThisAssembly(String targetKey, long total, List<CompletedPart> parts) throws IOException {
        HeadObjectResponse head;
        try {
            head = headResponse(targetKey);
        } catch (NoSuchFileException absent) {
            return "the key holds no object";
        }
        if (head.contentLength() == null || head.contentLength() != total) {
            return "the key holds " + head.contentLength() + " bytes, the assembly " + total;
        }
        Optional<String> expected = multipartETag(parts);
        if (expected.isEmpty()) {
            return "the parts' ETags are no hex digests, so the object under the key (ETag " + head.eTag()
                    + ") cannot be told apart from an older one of the same size";
        }
        String found = unquoted(head.eTag());
        if (!expected.get().equalsIgnoreCase(found)) {
            return "the key holds an object of the assembly's size whose ETag is " + found + ", not the assembly's "
                    + expected.get() + " (an older object)";
        }
        return null;
    }

    /**
     * The ETag S3 gives the object a multipart upload of {@code parts} completes: the MD5 of the
     * concatenated binary MD5s of the parts (their ETags), then {@code -} and the number of parts.
     * Empty when a part's ETag is not 32 hex digits (some S3-compatible stores). Under SSE-KMS or SSE-C a
     * part's ETag is no MD5 of its bytes, but is still hex and still what the object's ETag is derived from;
     * a store that derives it otherwise gives an ETag that does not match, and the attempt fails.
     */
    static Optional<String> multipartETag(List<CompletedPart> parts) {
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (CompletedPart part : parts) {
            String eTag = unquoted(part.eTag());
            if (eTag == null || !eTag.matches("[0-9a-fA-F]{32}")) {
                return Optional.empty();
            }
            md5.update(HexFormat.of().parseHex(eTag));
        }
        return Optional.of(HexFormat.of().formatHex(md5.digest()) + "-" + parts.size());
    }

    private static String unquoted(String eTag) {
        if (eTag == null) {
            return null;
        }
        String trimmed = eTag.trim();
        if (trimmed.startsWith("W/")) {
            trimmed = trimmed.substring(2);
        }
        return trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")
                ? trimmed.substring(1, trimmed.length() - 1)
                : trimmed;
    }

    private void putSmallConcatenation(List<StoredObject> parts, String targetKey) throws IOException {
        Path buffer = Files.createTempFile("palimpsest-concat", ".bin");
        try {
            try (OutputStream out = Files.newOutputStream(buffer)) {
                for (StoredObject part : parts) {
                    try (InputStream in = open(part.key())) {
                        in.transferTo(out);
                    }
                }
            }
            put(targetKey, buffer);
        } finally {
            Files.deleteIfExists(buffer);
        }
    }

    private void abortQuietly(String targetKey, String uploadId) {
        try {
            client.abortMultipartUpload(
                    b -> b.bucket(bucket).key(fullKey(targetKey)).uploadId(uploadId));
        } catch (SdkException ignored) {
            // the bucket's lifecycle rule for incomplete uploads collects what we could not abort
        }
    }

    /**
     * Uploads the parts of a {@link MultipartPlan}: a part within one source is copied server-side
     * (UploadPartCopy of a byte range), one that spans sources is gathered from ranged reads into a
     * local file and uploaded.
     */
    private final class MultipartAssembly {
        private final String uploadId;
        private final String targetKey;

        MultipartAssembly(String uploadId, String targetKey) {
            this.uploadId = uploadId;
            this.targetKey = targetKey;
        }

        List<CompletedPart> run(List<StoredObject> sources) throws IOException {
            List<MultipartPlan.Part> plan;
            try {
                plan = MultipartPlan.plan(
                        sources.stream().map(StoredObject::size).toList(), basePartBytes);
            } catch (IllegalArgumentException e) {
                throw new IOException(
                        "cannot assemble " + describe() + "/" + trimSlashes(targetKey) + ": " + e.getMessage());
            }
            List<CompletedPart> completed = new ArrayList<>();
            for (MultipartPlan.Part part : plan) {
                String eTag = part.copied() ? copy(part, sources) : gatherAndUpload(part, sources);
                completed.add(CompletedPart.builder()
                        .partNumber(part.number())
                        .eTag(eTag)
                        .build());
            }
            return completed;
        }

        private String copy(MultipartPlan.Part part, List<StoredObject> sources) throws IOException {
            MultipartPlan.Piece piece = part.pieces().get(0);
            String sourceKey = fullKey(sources.get(piece.source()).key());
            String range = "bytes=" + piece.start() + "-" + (piece.end() - 1);
            return gate.call(() -> client.uploadPartCopy(b -> b.sourceBucket(bucket)
                            .sourceKey(sourceKey)
                            .copySourceRange(range)
                            .destinationBucket(bucket)
                            .destinationKey(fullKey(targetKey))
                            .uploadId(uploadId)
                            .partNumber(part.number())))
                    .copyPartResult()
                    .eTag();
        }

        private String gatherAndUpload(MultipartPlan.Part part, List<StoredObject> sources) throws IOException {
            Path gathered = Files.createTempFile("palimpsest-part", ".bin");
            try {
                try (OutputStream out = Files.newOutputStream(gathered)) {
                    for (MultipartPlan.Piece piece : part.pieces()) {
                        String key = sources.get(piece.source()).key();
                        try (InputStream in = openRange(key, piece.start(), piece.end())) {
                            long copied = in.transferTo(out);
                            if (copied != piece.size()) {
                                throw new IOException(describe() + "/" + trimSlashes(key) + ": expected "
                                        + piece.size() + " bytes from offset " + piece.start() + ", read "
                                        + copied);
                            }
                        }
                    }
                }
                return gate.call(() -> client.uploadPart(
                                b -> b.bucket(bucket)
                                        .key(fullKey(targetKey))
                                        .uploadId(uploadId)
                                        .partNumber(part.number()),
                                RequestBody.fromFile(gathered)))
                        .eTag();
            } finally {
                Files.deleteIfExists(gathered);
            }
        }
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            gate.call(() -> client.deleteObject(b -> b.bucket(bucket).key(fullKey(key))));
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private String fullKey(String key) {
        String relative = trimSlashes(key);
        if (prefix.isEmpty()) {
            return relative;
        }
        return relative.isEmpty() ? prefix : prefix + "/" + relative;
    }

    private String relativeKey(String fullKey) {
        if (prefix.isEmpty()) {
            return fullKey;
        }
        return fullKey.startsWith(prefix + "/") ? fullKey.substring(prefix.length() + 1) : fullKey;
    }

    private IOException failure(String action, String key, SdkException cause) {
        // SDK messages carry the request id and status, never the credentials
        String what = "could not " + action + " " + describe() + "/" + trimSlashes(key);
        Optional<String> refusal = refusal(cause);
        if (refusal.isPresent()) {
            return new StoreRefusedException(
                    what + ": the object store refused this job's credentials (" + refusal.get()
                            + "); every shard would meet the same answer, so the job stops. Check the credentials"
                            + " setting " + credentialsSetting + ": its keys, and a policy that allows this bucket and"
                            + " prefix. " + cause.getMessage(),
                    cause);
        }
        if (noSuchBucket(cause)) {
            // the URI's bucket, for every key under it and every shard alike
            return new StoreRefusedException(
                    uriField + " " + describe() + ": the bucket '" + bucket + "' does not exist (NoSuchBucket, HTTP"
                            + " 404); every shard would meet the same answer, so the job stops. Check the bucket's name in "
                            + uriField + ", and that"
                            + " the endpoint (" + endpoint() + ") is the store that holds it. " + cause.getMessage(),
                    cause,
                    uriField.equals(S3Options.ANY_URI_FIELD) ? List.of() : List.of(ManifestField.job(uriField)));
        }
        if (otherRegion(cause)) {
            AwsServiceException answered = (AwsServiceException) cause;
            return new StoreRefusedException(
                    what + ": the bucket '" + bucket + "' is in another region than '" + region + "', which this"
                            + " job's requests are signed for (" + errorCode(answered) + ", HTTP "
                            + answered.statusCode() + "); every shard would meet the same answer, so the job stops."
                            + " Set the bucket's region (the store's words below name it) in " + regionSetting
                            + ", or an endpoint of that region. "
                            + cause.getMessage(),
                    cause);
        }
        if (archived(cause)) {
            return new ObjectArchivedException(
                    describe() + "/" + trimSlashes(key),
                    what + ": the object is archived (InvalidObjectState, HTTP 403): its storage class (such as"
                            + " GLACIER or DEEP_ARCHIVE, often set by a lifecycle rule) has to be restored before it"
                            + " can be read. " + cause.getMessage(),
                    cause);
        }
        if (noCredentialsFound(cause) && noCredentials == S3Options.NoCredentials.CONFIGURATION) {
            // on a laptop nothing gives credentials, for this request as for every other shard's
            return new StoreRefusedException(
                    what + ": no AWS credentials were found (the default credentials chain: environment, profile"
                            + " files, web identity, container and instance metadata gave none); every shard would"
                            + " meet the same, so nothing runs. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                            + " (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE naming a profile of"
                            + " ~/.aws/credentials or ~/.aws/config, in the environment palimpsest runs in; on a"
                            + " cluster the job's credentialsSecretRef gives them (" + credentialsSetting + "). "
                            + cause.getMessage(),
                    cause);
        }
        if (noCredentialsFound(cause)) {
            // the default chain (web identity, Pod Identity, instance metadata) fails this way for a
            // moment too: STS throttling many pods that start at once, an agent not ready on a new node,
            // a metadata timeout. The attempt fails; the next one asks again.
            return new IOException(
                    what + ": the default credentials chain (web identity, Pod Identity, instance metadata) gave"
                            + " no credentials; this attempt fails and the next one asks again. If every attempt"
                            + " fails so, give the pods a role (service account) or set " + credentialsSetting
                            + ". " + cause.getMessage(),
                    cause);
        }
        Optional<String> unknownHost = unknownHost(cause);
        if (unknownHost.isPresent()) {
            // a typo in the endpoint, or a resolver or VPN down for a moment: the attempt fails and the next asks
            // again, but the SDK's words point at a cause that is never printed, so the host is named here
            String where = client.serviceClientConfiguration()
                            .endpointOverride()
                            .isPresent()
                    ? "check the endpoint " + endpoint() + ", set by AWS_ENDPOINT_URL_S3 in the environment or as a"
                            + " key of " + credentialsSetting
                    : "AWS S3's host for the bucket '" + bucket + "' in region '" + region + "': check the bucket's"
                            + " name and the region (" + regionSetting + "), or set the endpoint of an S3-compatible"
                            + " store in AWS_ENDPOINT_URL_S3";
            return new IOException(
                    what + ": the store's host '" + unknownHost.get() + "' is not known (no DNS name resolves it);"
                            + " " + where + ". This attempt fails; if the resolver was down for a moment, the next"
                            + " one gets through.",
                    cause);
        }
        if (cause instanceof AwsServiceException answered && answered.statusCode() == 403) {
            // not the credentials' codes: about this request or object, so it fails only the attempt
            return new IOException(
                    what + ": forbidden (" + errorCode(answered) + ", HTTP 403): " + cause.getMessage(), cause);
        }
        return new IOException(what + ": " + cause.getMessage(), cause);
    }

    /** Error codes that say the credentials themselves, or what they are allowed, are wrong. */
    private static final Set<String> REFUSING_CODES =
            Set.of("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken");
    /** 403s a later attempt can pass: a refreshed token, a corrected clock. */
    private static final Set<String> PASSING_CODES =
            Set.of("ExpiredToken", "TokenRefreshRequired", "RequestTimeTooSkewed", "RequestExpired");

    /**
     * Why {@code cause} is a refusal of the job's credentials (the store's error code and status, or
     * the mounted credentials Secret that could not be read), or empty when it is not one. A 403 is a
     * refusal only with one of {@link #REFUSING_CODES} or with no code at all (a HEAD's 403 has no
     * body); a 403 with another code is about the object (InvalidObjectState: it is archived) and fails
     * only what read it. The default chain finding no credentials is no refusal either: it fails so
     * for a moment too (see {@link #failure}).
     */
    static Optional<String> refusal(SdkException cause) {
        if (cause instanceof AwsServiceException answered) {
            String code = errorCode(answered);
            if (code != null && PASSING_CODES.contains(code)) {
                return Optional.empty();
            }
            if (code != null && REFUSING_CODES.contains(code)) {
                return Optional.of(code + ", HTTP " + answered.statusCode());
            }
            // a HEAD's 403 has no body, hence no code (the SDK may fill in the status line): AccessDenied
            // is the one a HEAD can get
            if (answered.statusCode() == 403 && (code == null || code.isBlank() || code.startsWith("403"))) {
                return Optional.of("AccessDenied, HTTP 403");
            }
            return Optional.empty();
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SecretDirectoryCredentials.Unusable unusable) {
                return Optional.of(unusable.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The store answered that the bucket itself does not exist (a HEAD's 404 has no code: that is a key's). */
    static boolean noSuchBucket(SdkException cause) {
        return cause instanceof AwsServiceException answered && "NoSuchBucket".equals(errorCode(answered));
    }

    /**
     * The store answered that the bucket is in another region than the requests are signed for: AWS answers
     * 301 PermanentRedirect (the endpoint of another region), or 400 AuthorizationHeaderMalformed naming the
     * region it expects (the signature's region); a HEAD gets 301 without a body.
     */
    static boolean otherRegion(SdkException cause) {
        if (!(cause instanceof AwsServiceException answered)) {
            return false;
        }
        String code = errorCode(answered);
        return "PermanentRedirect".equals(code)
                || "AuthorizationHeaderMalformed".equals(code)
                || answered.statusCode() == 301;
    }

    /**
     * The address requests go to: the endpoint set, or AWS's as the client resolved it for the bucket (known once a
     * request was sent), or else AWS S3 in the region.
     */
    private String address() {
        return client.serviceClientConfiguration()
                .endpointOverride()
                .map(URI::toString)
                .or(requestAddress::latest)
                .orElse("AWS S3 in " + region);
    }

    /** The store's address as the client sends requests to it: the endpoint set, or AWS's for the region. */
    private String endpoint() {
        return client.serviceClientConfiguration()
                .endpointOverride()
                .map(URI::toString)
                .orElse("AWS S3 in " + region);
    }

    /** The host no DNS name resolved, when that is why the request could not be sent. */
    static Optional<String> unknownHost(SdkException cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException unknown) {
                String host = unknown.getMessage() == null ? "" : unknown.getMessage();
                int colon = host.indexOf(':'); // "host: Name or service not known" on Linux
                return Optional.of(colon < 0 ? host : host.substring(0, colon));
            }
        }
        return Optional.empty();
    }

    /** The store answered that the object is archived and must be restored before it is read. */
    static boolean archived(SdkException cause) {
        return cause instanceof AwsServiceException answered && "InvalidObjectState".equals(errorCode(answered));
    }

    /** The default credentials chain found none (and no mounted Secret was the provider). */
    static boolean noCredentialsFound(SdkException cause) {
        return !(cause instanceof AwsServiceException)
                && cause.getMessage() != null
                && cause.getMessage().startsWith("Unable to load credentials");
    }

    private static String errorCode(AwsServiceException answered) {
        return answered.awsErrorDetails() == null
                ? null
                : answered.awsErrorDetails().errorCode();
    }

    private static String trimSlashes(String value) {
        String trimmed = value == null ? "" : value;
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }
}
