package io.palimpsest.worker.cli;

import io.palimpsest.worker.storage.S3Options;
import io.palimpsest.worker.storage.SecretDirectoryCredentials;
import io.palimpsest.worker.storage.StorageResolver;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Everything the worker takes from its environment, read in one place (the domain code never reads
 * environment variables). Storage credentials: a Secret mounted at
 * {@code /var/run/secrets/palimpsest/<input|output>} (as the operator mounts {@code credentialsSecretRef}),
 * else the SDK's default chain (env {@code AWS_ACCESS_KEY_ID}..., web identity, instance profile).
 */
final class WorkerEnvironment {

    static final Path SECRET_ROOT = Path.of("/var/run/secrets/palimpsest");

    private final Map<String, String> env;
    private final Optional<Path> pvcRoot;
    /** The credentials chain used when no mounted Secret holds keys (the SDK's default chain). */
    private final Supplier<AwsCredentialsProvider> defaultChain;
    /** Whether this runs on the user's machine whatever the environment says ({@code local}). */
    private final boolean onThisMachine;

    WorkerEnvironment(Map<String, String> env) {
        this(env, Optional.empty(), () -> DefaultCredentialsProvider.builder().build(), false);
    }

    private WorkerEnvironment(
            Map<String, String> env,
            Optional<Path> pvcRoot,
            Supplier<AwsCredentialsProvider> defaultChain,
            boolean onThisMachine) {
        this.env = env;
        this.pvcRoot = pvcRoot;
        this.defaultChain = defaultChain;
        this.onThisMachine = onThisMachine;
    }

    /** The same environment with claims mounted under {@code root} (a command-line setting wins over the env). */
    WorkerEnvironment withPvcRoot(Path root) {
        return new WorkerEnvironment(env, Optional.of(root), defaultChain, onThisMachine);
    }

    /** The same environment with another chain in place of the SDK's default one (tests). */
    WorkerEnvironment withDefaultChain(Supplier<AwsCredentialsProvider> chain) {
        return new WorkerEnvironment(env, pvcRoot, chain, onThisMachine);
    }

    /**
     * The same environment for a command that runs on the user's machine ({@code local}), even where
     * the environment looks like a pod's: no credentials there is a configuration error.
     */
    WorkerEnvironment onThisMachine() {
        return new WorkerEnvironment(env, pvcRoot, defaultChain, true);
    }

    /**
     * What the default chain finding no credentials means: in a pod (Kubernetes sets
     * {@code KUBERNETES_SERVICE_HOST} in every container) a moment's failure the next attempt may
     * pass (STS throttling, an agent not ready, a metadata timeout); on the user's machine
     * ({@code local}, or {@code plan}, {@code run} by hand) a setting that is missing for every shard.
     */
    S3Options.NoCredentials noCredentials() {
        return onThisMachine || !inCluster() ? S3Options.NoCredentials.CONFIGURATION : S3Options.NoCredentials.RETRIED;
    }

    /** Whether this process runs in a pod: Kubernetes sets {@code KUBERNETES_SERVICE_HOST} in every container. */
    boolean inCluster() {
        return get("KUBERNETES_SERVICE_HOST").isPresent();
    }

    static WorkerEnvironment system() {
        return new WorkerEnvironment(System.getenv());
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    Optional<Integer> shardIndex() {
        return get("JOB_COMPLETION_INDEX").map(Integer::parseInt);
    }

    StorageResolver storageResolver(String role) {
        Path root = pvcRoot.or(() -> get("PALIMPSEST_PVC_ROOT").map(Path::of))
                .orElse(StorageResolver.DEFAULT_PVC_MOUNT_ROOT);
        Supplier<S3Options> s3 = () -> s3Options(role);
        return new StorageResolver(root, s3);
    }

    /** {@code role} is input or output: each may have its own credentials secret. */
    S3Options s3Options(String role) {
        Path secretDir = get("PALIMPSEST_" + role.toUpperCase() + "_CREDENTIALS_DIR")
                .map(Path::of)
                .orElse(SECRET_ROOT.resolve(role));
        Optional<SecretDirectoryCredentials> secret = Files.isDirectory(secretDir)
                ? Optional.of(new SecretDirectoryCredentials(secretDir))
                : Optional.empty();
        AwsCredentialsProvider credentials = secret.filter(SecretDirectoryCredentials::holdsKeys)
                .<AwsCredentialsProvider>map(s -> s)
                .orElseGet(defaultChain);
        Optional<String> secretEndpointKey = secret.flatMap(s -> s.keyOf(ENDPOINT_KEYS));
        Optional<String> endpointVariable = ENDPOINT_KEYS.stream()
                .limit(2)
                .filter(name -> get(name).isPresent())
                .findFirst();
        Optional<URI> endpoint = secretEndpointKey
                .flatMap(key -> secret.flatMap(s -> s.value(key)))
                .or(() -> endpointVariable.flatMap(this::get))
                .map(URI::create);
        Optional<String> secretRegion = secret.flatMap(s -> s.value("AWS_REGION", "region"));
        String region = secretRegion
                .or(() -> get("AWS_REGION"))
                .or(() -> get("AWS_DEFAULT_REGION"))
                .orElse("us-east-1");
        String regionSetting = secretRegion.isPresent()
                ? "the AWS_REGION key of spec." + role + ".credentialsSecretRef (read from " + secretDir + ")"
                : get("AWS_REGION").isPresent()
                        ? "the environment variable AWS_REGION"
                        : get("AWS_DEFAULT_REGION").isPresent()
                                ? "the environment variable AWS_DEFAULT_REGION"
                                : "AWS_REGION (a key of spec." + role + ".credentialsSecretRef, or the environment"
                                        + " variable; set in neither here, so us-east-1 is taken)";
        // MinIO, R2 and test servers need path-style; AWS works with either
        boolean pathStyle =
                get("PALIMPSEST_S3_PATH_STYLE").map(Boolean::parseBoolean).orElse(endpoint.isPresent());
        String setting = "spec." + role + ".credentialsSecretRef ("
                + (secret.filter(SecretDirectoryCredentials::holdsKeys).isPresent()
                        ? "read from " + secretDir
                        : "no keys in " + secretDir + ": the default AWS credentials chain")
                + ")";
        String endpointSetting = secretEndpointKey
                .map(key ->
                        "the " + key + " key of spec." + role + ".credentialsSecretRef (read from " + secretDir + ")")
                .or(() -> endpointVariable.map(name -> "the environment variable " + name))
                .orElse("none: AWS_ENDPOINT_URL_S3 is set neither in the environment nor as a key of spec." + role
                        + ".credentialsSecretRef, so AWS S3's own endpoint for the bucket in region '" + region
                        + "' is used (the region from " + regionSetting + ")");
        return new S3Options(
                endpoint,
                region,
                pathStyle,
                credentials,
                setting,
                noCredentials(),
                "spec." + role + ".uri",
                regionSetting,
                endpointSetting);
    }

    /** Where an S3-compatible store's endpoint may be set, in order: a Secret's keys, the first two as variables. */
    private static final List<String> ENDPOINT_KEYS = List.of("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "endpoint");

    /**
     * Whether a command runs by hand on the user's machine ({@code local}, or {@code plan} outside a pod): there
     * an object store nothing answers at before the run is a setting to fix, not a store restarting.
     */
    boolean byHand() {
        return noCredentials() == S3Options.NoCredentials.CONFIGURATION;
    }
}
