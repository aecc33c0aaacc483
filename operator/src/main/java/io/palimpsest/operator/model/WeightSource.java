package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;

/**
 * How a model's weights reach the vLLM pods, derived from spec.source: downloaded once into
 * the cache PVC (Hugging Face, S3), or read from the user's own claim (PVC). Without a source,
 * spec.model is a Hugging Face repo id.
 */
public sealed interface WeightSource {
    String CACHE_MOUNT = "/cache";
    String HF_HOME = CACHE_MOUNT + "/hf";
    String USER_PVC_MOUNT = "/models";

    /** What `vllm serve` is given: a repo id (resolved from HF_HOME) or a local directory. */
    String serveTarget();

    /** Whether the operator makes the cache PVC and a download Job. */
    default boolean usesCache() {
        return true;
    }

    /** Identifies the content, so a changed source gets a new download Job. */
    String identity();

    /**
     * Kept in the hub's own cache layout under {@link #HF_HOME}: one directory per repo, a snapshot per
     * commit, refs naming them; vLLM is given the repo and the revision, so a changed repo or revision
     * changes the replicas' pod template and a revert resolves to the snapshot it downloaded before.
     */
    record HuggingFace(String repo, String revision, RewriterModelSpec.HuggingFaceSource spec) implements WeightSource {
        @Override
        public String serveTarget() {
            return repo;
        }

        @Override
        public String identity() {
            return "hf:" + repo + "@" + (revision == null ? "" : revision);
        }
    }

    /**
     * Synced into a directory of its own, {@code /cache/models/<hash>}, the hash of its download Job's name:
     * a new URI is a new directory, so the serve target, and with it the replicas' pod template, changes
     * with the source, and a URI used before is served from exactly the files its own Job synced (a
     * shared directory would serve the files of whatever was synced last, mixed with those of earlier
     * URIs). Directories of earlier URIs stay in the cache claim (docs/OPERATIONS.md).
     */
    record S3(String uri, RewriterModelSpec.S3Source spec) implements WeightSource {
        /**
         * Part of the identity so that download Jobs named before directories were per source (which synced
         * every URI into {@code /cache/models/<model>}) are not taken for this layout's: a Complete Job of
         * that name would pass an empty directory off as ready. After an upgrade, S3 weights download once
         * more, into their own directory.
         */
        static final String LAYOUT = "dir-per-source";

        @Override
        public String serveTarget() {
            return localDir();
        }

        /** Where the download Job syncs the URI and vLLM reads it. */
        public String localDir() {
            return CACHE_MOUNT + "/models/" + ModelNames.shortHash(identity());
        }

        @Override
        public String identity() {
            return "s3:" + uri + " " + LAYOUT;
        }
    }

    record UserPvc(String claimName, String path) implements WeightSource {
        @Override
        public String serveTarget() {
            return path == null || path.isBlank() ? USER_PVC_MOUNT : USER_PVC_MOUNT + "/" + path.replaceAll("^/+", "");
        }

        @Override
        public boolean usesCache() {
            return false;
        }

        @Override
        public String identity() {
            return "pvc:" + claimName + "/" + path;
        }
    }

    static WeightSource of(RewriterModel model) {
        RewriterModelSpec spec = model.getSpec();
        RewriterModelSpec.ModelSource source = spec.getSource();
        String revision = spec.getRevision();
        if (source != null && source.getPvc() != null) {
            String path = source.getPvc().getPath() != null ? source.getPvc().getPath() : spec.getModel();
            return new UserPvc(source.getPvc().getClaimName(), path);
        }
        if (source != null && source.getS3() != null) {
            return new S3(source.getS3().getUri(), source.getS3());
        }
        RewriterModelSpec.HuggingFaceSource hf = source == null ? null : source.getHuggingFace();
        String repo = hf != null && hf.getRepo() != null ? hf.getRepo() : spec.getModel();
        String rev = hf != null && hf.getRevision() != null ? hf.getRevision() : revision;
        return new HuggingFace(repo, rev, hf);
    }
}
