package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;

/**
 * The Pod Security "restricted" profile for every pod a RewriterModel makes.
 *
 * <p>vLLM needs no exception from the profile itself; what it needs is handled inside it:
 * <ul>
 *   <li>The upstream image runs as root by default: we set a numeric non-root UID (the profile
 *       checks runAsNonRoot, and the kubelet can only verify it with a numeric UID).</li>
 *   <li>Tensor-parallel workers exchange tensors through /dev/shm (NCCL, torch multiprocessing);
 *       the container runtime's 64 MiB default is far too small. A memory-backed emptyDir on
 *       /dev/shm replaces hostIPC, which the profile forbids.</li>
 *   <li>vLLM, Triton, torch.compile and FlashInfer write caches under HOME and /tmp; both are
 *       emptyDirs so the root filesystem stays read-only.</li>
 *   <li>No capability is needed: GPUs come through the device plugin, not privileged mode.
 *       IPC_LOCK would only matter for RDMA/InfiniBand across nodes, which one pod per replica
 *       does not use.</li>
 * </ul>
 * fsGroup makes the cache PVC writable for that UID.
 */
public final class RestrictedSecurity {
    public static final String HOME = "/home/palimpsest";

    private RestrictedSecurity() {}

    public static PodSecurityContext pod(long uid) {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(uid)
                .withRunAsGroup(uid)
                .withFsGroup(uid)
                .withFsGroupChangePolicy("OnRootMismatch")
                .withSeccompProfile(
                        new SeccompProfileBuilder().withType("RuntimeDefault").build())
                .build();
    }

    public static SecurityContext container(long uid) {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(uid)
                .withAllowPrivilegeEscalation(false)
                .withPrivileged(false)
                .withReadOnlyRootFilesystem(true)
                .withCapabilities(new Capabilities(null, List.of("ALL")))
                .withSeccompProfile(
                        new SeccompProfileBuilder().withType("RuntimeDefault").build())
                .build();
    }

    /** Writable HOME and /tmp on emptyDirs, since the root filesystem is read-only. */
    public static List<Volume> scratchVolumes() {
        return List.of(
                new VolumeBuilder()
                        .withName("home")
                        .withEmptyDir(new EmptyDirVolumeSource())
                        .build(),
                new VolumeBuilder()
                        .withName("tmp")
                        .withEmptyDir(new EmptyDirVolumeSource())
                        .build());
    }

    public static List<VolumeMount> scratchMounts() {
        return List.of(
                new VolumeMountBuilder().withName("home").withMountPath(HOME).build(),
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    }

    public static Volume shm(String size) {
        return new VolumeBuilder()
                .withName("dshm")
                .withEmptyDir(new EmptyDirVolumeSource("Memory", new Quantity(size)))
                .build();
    }
}
