package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's files on this machine, and the translation from the paths its containers see to the
 * directories that stand for them.
 * <p>
 * Volumes: {@code configMap} and {@code secret} (all keys, or the listed items) are written as
 * files; {@code emptyDir} is an empty directory of the pod; {@code persistentVolumeClaim} is a
 * directory per claim shared by every pod that mounts it (a ReadWriteMany volume);
 * {@code hostPath} is the host path itself. Others are left out and logged.
 * <p>
 * Mount paths: a program cannot see {@code /etc/palimpsest/job.yaml}, so every argument and env
 * value that is a mounted path, or carries one after {@code =} or {@code file://}, is rewritten to
 * the directory standing for it ({@link #rewrite}); the same goes for the termination message path
 * (default {@code /dev/termination-log}), which becomes a file of the sandbox. A program that builds
 * paths itself from a fixed root needs an override of that root through env or a flag.
 */
public final class PodSandbox {

    static final String DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";

    private final Path dir;
    private final Map<String, Path> mounts = new LinkedHashMap<>();
    private final Path terminationMessageFile;
    private final String terminationMessagePath;
    private final Path logFile;

    private PodSandbox(Path dir, Path terminationMessageFile, String terminationMessagePath, Path logFile) {
        this.dir = dir;
        this.terminationMessageFile = terminationMessageFile;
        this.terminationMessagePath = terminationMessagePath;
        this.logFile = logFile;
    }

    /** @param volumesRoot where claims live: {@code <volumesRoot>/<namespace>/<claim>} */
    static PodSandbox prepare(
            KubernetesClient client, Pod pod, Container container, Path podsRoot, Path volumesRoot, EventLog log)
            throws IOException {
        String ns = pod.getMetadata().getNamespace();
        Path dir = podsRoot.resolve(ns)
                .resolve(pod.getMetadata().getName() + "-"
                        + pod.getMetadata().getUid().substring(0, 8));
        Files.createDirectories(dir);
        String messagePath =
                Optional.ofNullable(container.getTerminationMessagePath()).orElse(DEFAULT_TERMINATION_MESSAGE_PATH);
        Path messageFile = dir.resolve("termination-log");
        Files.write(messageFile, new byte[0]);
        PodSandbox sandbox = new PodSandbox(dir, messageFile, messagePath, dir.resolve(container.getName() + ".log"));

        Map<String, Path> volumeDirs = new LinkedHashMap<>();
        for (Volume v : Optional.ofNullable(pod.getSpec().getVolumes()).orElse(List.of())) {
            Path vdir = dir.resolve("volumes").resolve(v.getName());
            if (v.getConfigMap() != null) {
                ConfigMap cm = client.configMaps()
                        .inNamespace(ns)
                        .withName(v.getConfigMap().getName())
                        .get();
                if (cm == null) {
                    if (Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                        Files.createDirectories(vdir);
                        volumeDirs.put(v.getName(), vdir);
                        continue;
                    }
                    throw new MissingReference("configmap \"" + v.getConfigMap().getName() + "\" not found");
                }
                Map<String, byte[]> data = new LinkedHashMap<>();
                Optional.ofNullable(cm.getData())
                        .orElse(Map.of())
                        .forEach((k, val) -> data.put(k, val.getBytes(StandardCharsets.UTF_8)));
                Optional.ofNullable(cm.getBinaryData())
                        .orElse(Map.of())
                        .forEach((k, val) -> data.put(k, Base64.getDecoder().decode(val)));
                writeKeys(vdir, data, v.getConfigMap().getItems());
            } else if (v.getSecret() != null) {
                Secret s = client.secrets()
                        .inNamespace(ns)
                        .withName(v.getSecret().getSecretName())
                        .get();
                if (s == null) {
                    if (Boolean.TRUE.equals(v.getSecret().getOptional())) {
                        Files.createDirectories(vdir);
                        volumeDirs.put(v.getName(), vdir);
                        continue;
                    }
                    throw new MissingReference("secret \"" + v.getSecret().getSecretName() + "\" not found");
                }
                writeKeys(vdir, PodEnvironment.secretData(s), v.getSecret().getItems());
            } else if (v.getEmptyDir() != null) {
                Files.createDirectories(vdir);
            } else if (v.getPersistentVolumeClaim() != null) {
                vdir = volumesRoot
                        .resolve(ns)
                        .resolve(v.getPersistentVolumeClaim().getClaimName());
                Files.createDirectories(vdir);
            } else if (v.getHostPath() != null) {
                vdir = Path.of(v.getHostPath().getPath());
            } else {
                log.record(
                        "kubelet",
                        ns + "/" + pod.getMetadata().getName(),
                        "volume " + v.getName() + " of an unsupported type is left out");
                continue;
            }
            volumeDirs.put(v.getName(), vdir);
        }
        for (VolumeMount m : Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
            Path vdir = volumeDirs.get(m.getName());
            if (vdir == null) {
                continue;
            }
            Path target = m.getSubPath() == null || m.getSubPath().isEmpty() ? vdir : vdir.resolve(m.getSubPath());
            sandbox.mounts.put(trimSlash(m.getMountPath()), target);
        }
        return sandbox;
    }

    private static void writeKeys(Path dir, Map<String, byte[]> data, List<KeyToPath> items) throws IOException {
        Files.createDirectories(dir);
        if (items == null || items.isEmpty()) {
            for (Map.Entry<String, byte[]> e : data.entrySet()) {
                Files.write(dir.resolve(e.getKey()), e.getValue());
            }
            return;
        }
        for (KeyToPath item : items) {
            byte[] value = data.get(item.getKey());
            if (value == null) {
                throw new MissingReference("key \"" + item.getKey() + "\" not found");
            }
            Path file = dir.resolve(item.getPath());
            Files.createDirectories(file.getParent());
            Files.write(file, value);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path terminationMessageFile() {
        return terminationMessageFile;
    }

    public Path logFile() {
        return logFile;
    }

    /** Mount path (as the container sees it) -> directory on this machine. */
    public Map<String, Path> mounts() {
        return Map.copyOf(mounts);
    }

    /** The directory or file standing for a path inside the container, if it is under a mount. */
    public Optional<Path> hostPath(String containerPath) {
        String rewritten = rewrite(containerPath);
        return rewritten.equals(containerPath) ? Optional.empty() : Optional.of(Path.of(rewritten));
    }

    /**
     * Rewrites a mounted path found at the start of {@code value}, after a {@code =} (as in
     * {@code --config=/etc/x}) or after {@code file://}; anything else is returned as is.
     */
    public String rewrite(String value) {
        if (value == null) {
            return null;
        }
        List<Map.Entry<String, Path>> byLength = new ArrayList<>(mounts.entrySet());
        byLength.add(Map.entry(terminationMessagePath, terminationMessageFile));
        byLength.sort(Comparator.comparingInt(
                        (Map.Entry<String, Path> e) -> e.getKey().length())
                .reversed());
        int eq = value.indexOf('=');
        for (int start : eq >= 0 ? new int[] {0, eq + 1} : new int[] {0}) {
            String head = value.substring(0, start);
            String rest = value.substring(start);
            String lead = rest.startsWith("file://") ? "file://" : "";
            String path = rest.substring(lead.length());
            for (Map.Entry<String, Path> m : byLength) {
                String mount = m.getKey();
                if (path.equals(mount) || path.startsWith(mount + "/")) {
                    return head + lead + m.getValue() + path.substring(mount.length());
                }
            }
        }
        return value;
    }

    void delete() {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** A referenced ConfigMap, Secret or key does not exist: the container cannot be created yet. */
    static final class MissingReference extends RuntimeException {
        MissingReference(String message) {
            super(message);
        }
    }
}
