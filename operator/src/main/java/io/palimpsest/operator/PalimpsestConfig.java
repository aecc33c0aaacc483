package io.palimpsest.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Operator-wide settings ({@code palimpsest.*} in application.properties, or
 * {@code PALIMPSEST_*} environment variables set by the Helm chart). Per-resource choices
 * belong in the CR specs; only what the cluster operator decides lives here.
 */
@ConfigMapping(prefix = "palimpsest")
public interface PalimpsestConfig {

    Worker worker();

    Model model();

    Autoscaler autoscaler();

    Keda keda();

    Progress progress();

    /** Live progress: the operator reads running worker pods' /metrics on its own schedule. */
    interface Progress {
        /** Off: status.documents and tokens move only when shards commit. */
        @WithDefault("true")
        boolean enabled();

        /** Time between two rounds over every running worker pod; status moves at most this often. */
        @WithDefault("15s")
        Duration period();

        /** Upper bound on one worker's /metrics request. */
        @WithDefault("2s")
        Duration scrapeTimeout();

        /** Requests in flight at once; at 1,000 running pods and 2 ms a scrape a round takes well under a second. */
        @WithDefault("32")
        int maxConcurrentScrapes();
    }

    LeaderElection leaderElection();

    Policy policy();

    /** What RewriteJobs and RewriterModels may name themselves (see {@link AdmissionPolicy}); unset allows everything. */
    interface Policy {
        /** Images their pods may run: exact references, or prefixes ending in {@code *}. */
        Optional<List<String>> allowedImages();

        /** Secrets they may reference (credentials, API keys, tokens, image pull secrets), by name. */
        Optional<List<String>> allowedSecrets();

        /** Service accounts their pods may run as ({@code serviceAccountName}), by name. */
        Optional<List<String>> allowedServiceAccounts();
    }

    /**
     * One Lease elects the replica that reconciles; the others keep their informers warm and
     * take over when the Lease is not renewed. Active in the prod profile only (QOSDK's
     * quarkus.operator-sdk.activate-leader-election-for-profiles), so tests run one instance.
     */
    interface LeaderElection {
        /** Name of the Lease, in the operator's namespace. */
        @WithDefault("palimpsest-operator")
        String leaseName();

        /** Namespace of the Lease; empty: the namespace of the operator's ServiceAccount (in-cluster). */
        Optional<String> leaseNamespace();

        /** Identity written into the Lease; the chart sets the pod name. Empty: a random one. */
        Optional<String> identity();

        /** How long a standby waits after the last renewal before it takes the Lease (the failover time). */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it gives up leading (and exits to restart clean). */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often candidates try to acquire and the leader renews. */
        @WithDefault("2s")
        Duration retryPeriod();

        /**
         * A replica that stops leading exits, so Kubernetes restarts it clean: its caches and
         * in-memory state may be older than the new leader's writes. Off only where several
         * instances share one JVM (tests).
         */
        @WithDefault("true")
        boolean exitOnStopLeading();
    }

    interface Keda {
        /** Prometheus that scrapes the vLLM pods; KEDA's prometheus trigger queries it in keda mode. */
        @WithDefault("http://prometheus-operated.monitoring.svc:9090")
        String prometheusAddress();
    }

    interface Worker {
        /** Image of the {@code palimpsest} CLI run by planner and worker pods, unless a job names its own. */
        @WithDefault("ghcr.io/palimpsest/worker:0.1.0")
        String image();
    }

    interface Model {
        /** vLLM image used when a RewriterModel does not pin engine.image. */
        @WithDefault("vllm/vllm-openai:v0.11.0")
        String defaultVllmImage();

        /** Image of the S3 weight download Job (needs {@code aws s3 sync}). */
        @WithDefault("amazon/aws-cli:2.31.0")
        String s3DownloadImage();

        /**
         * UID the vLLM and download containers run as. The upstream vLLM image defaults to root;
         * any non-root UID works once HOME and the caches point at writable volumes.
         */
        @WithDefault("1000")
        long runAsUser();

        /**
         * Access modes of a weight cache PVC whose spec names none. ReadWriteMany lets replicas on
         * several nodes share one copy; ReadWriteOnce works with any storage class but keeps
         * replicas on one node.
         */
        @WithDefault("ReadWriteOnce")
        List<String> cacheAccessModes();

        /** StorageClass of a weight cache PVC whose spec names none; empty: the cluster's default class. */
        Optional<String> cacheStorageClassName();

        /** ServiceAccount of vLLM and download pods whose model names none; empty: the namespace's default. */
        Optional<String> serviceAccountName();

        /** Image pull secrets of vLLM and download pods whose model names none. */
        Optional<List<String>> imagePullSecrets();

        /** A PodDisruptionBudget for each model that keeps replicas (replicas.min > 0). */
        DisruptionBudget podDisruptionBudget();

        /** How long a replica may take to load weights before its startupProbe gives up. */
        @WithDefault("10m")
        Duration startupBudget();

        /**
         * How often a model whose calls the operator's role refuses (403) is looked at again: fixing a Role or
         * upgrading the release sends the operator no event.
         */
        @WithDefault("15s")
        Duration forbiddenRecheck();

        /**
         * How often a model whose replicas are held without the API key reads its jobs' Jobs again: a keyless
         * worker or preview Job made again with the key sends the model no event.
         */
        @WithDefault("15s")
        Duration heldKeyRecheck();
    }

    interface DisruptionBudget {
        /** Off by default: a budget slows node drains, which only pays off for a model that must stay up. */
        @WithDefault("false")
        boolean enabled();

        /** Replicas a drain may take down at once. */
        @WithDefault("1")
        int maxUnavailable();
    }

    interface Autoscaler {
        /** Upper bound on one {@code /metrics} request; a slow pod must not stall the others. */
        @WithDefault("2s")
        Duration scrapeTimeout();

        /** How often the scraper wakes up to see which models are due (each model has its own period). */
        @WithDefault("1s")
        Duration tick();

        /** Set false to run the operator without its own scraper (e.g. every model in keda mode). */
        @WithDefault("true")
        boolean enabled();
    }
}
