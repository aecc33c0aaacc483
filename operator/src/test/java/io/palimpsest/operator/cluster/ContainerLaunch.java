package io.palimpsest.operator.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a program needs to run one container of a pod, already resolved by the kubelet.
 *
 * @param namespace   the pod's namespace
 * @param pod         the pod's name
 * @param container   the container's name
 * @param image       the container image
 * @param argv        command followed by args, with {@code $(VAR)} references expanded and paths
 *                    under the pod's mounts rewritten to their directories on this machine
 * @param env         the resolved environment (literal values, fieldRef, configMapKeyRef,
 *                    secretKeyRef, envFrom), paths rewritten the same way
 * @param podIp       the pod's own loopback address
 * @param ports       the container's declared ports, by name (unnamed ports under their number)
 * @param sandbox     the pod's files: mounted volumes, termination message file, log
 */
public record ContainerLaunch(
        String namespace,
        String pod,
        String container,
        String image,
        List<String> argv,
        Map<String, String> env,
        String podIp,
        Map<String, Integer> ports,
        PodSandbox sandbox) {

    public Path terminationMessageFile() {
        return sandbox.terminationMessageFile();
    }

    public Path logFile() {
        return sandbox.logFile();
    }

    /** The command's first word without its directory, e.g. {@code palimpsest} or {@code vllm}. */
    public String commandName() {
        if (argv.isEmpty()) {
            return "";
        }
        String first = argv.get(0);
        return first.substring(first.lastIndexOf('/') + 1);
    }
}
