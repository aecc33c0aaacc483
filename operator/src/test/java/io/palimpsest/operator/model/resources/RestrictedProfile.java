package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Pod Security Standards "restricted" profile (which includes "baseline"), as the
 * admission controller evaluates it, written out as checks on a pod spec. Returns one line per
 * violation; empty means the pod would be admitted in a namespace enforcing "restricted".
 */
public final class RestrictedProfile {
    private static final Set<String> ALLOWED_VOLUME_TYPES = Set.of(
            "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");
    private static final Set<String> SAFE_SYSCTLS = Set.of(
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports",
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes");

    private RestrictedProfile() {}

    public static List<String> violations(PodSpec pod) {
        List<String> v = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getHostNetwork())) {
            v.add("hostNetwork");
        }
        if (Boolean.TRUE.equals(pod.getHostPID())) {
            v.add("hostPID");
        }
        if (Boolean.TRUE.equals(pod.getHostIPC())) {
            v.add("hostIPC");
        }
        for (Volume vol : nullSafe(pod.getVolumes())) {
            String type = volumeType(vol);
            if (!ALLOWED_VOLUME_TYPES.contains(type)) {
                v.add("volume " + vol.getName() + " of type " + type);
            }
        }
        PodSecurityContext psc = pod.getSecurityContext();
        if (psc != null && psc.getSysctls() != null) {
            psc.getSysctls().stream()
                    .filter(s -> !SAFE_SYSCTLS.contains(s.getName()))
                    .forEach(s -> v.add("unsafe sysctl " + s.getName()));
        }
        if (psc != null && psc.getRunAsUser() != null && psc.getRunAsUser() == 0) {
            v.add("pod runAsUser 0");
        }
        if (psc != null
                && psc.getSeLinuxOptions() != null
                && (psc.getSeLinuxOptions().getUser() != null
                        || psc.getSeLinuxOptions().getRole() != null)) {
            v.add("pod seLinuxOptions user/role");
        }
        boolean podNonRoot = psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot());
        boolean podSeccomp = psc != null && seccompOk(psc.getSeccompProfile());
        if (psc != null
                && psc.getSeccompProfile() != null
                && "Unconfined".equals(psc.getSeccompProfile().getType())) {
            v.add("pod seccomp Unconfined");
        }
        for (Container c : allContainers(pod)) {
            String n = "container " + c.getName() + ": ";
            SecurityContext sc = c.getSecurityContext();
            if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) {
                v.add(n + "privileged");
            }
            if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                v.add(n + "allowPrivilegeEscalation must be false");
            }
            boolean nonRoot = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : podNonRoot;
            if (!nonRoot) {
                v.add(n + "runAsNonRoot must be true");
            }
            if (sc != null && sc.getRunAsUser() != null && sc.getRunAsUser() == 0) {
                v.add(n + "runAsUser 0");
            }
            SeccompProfile sp = sc == null ? null : sc.getSeccompProfile();
            if (sp != null ? !seccompOk(sp) : !podSeccomp) {
                v.add(n + "seccompProfile must be RuntimeDefault or Localhost");
            }
            Capabilities caps = sc == null ? null : sc.getCapabilities();
            if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
                v.add(n + "capabilities must drop ALL");
            }
            if (caps != null && caps.getAdd() != null) {
                caps.getAdd().stream()
                        .filter(a -> !"NET_BIND_SERVICE".equals(a))
                        .forEach(a -> v.add(n + "adds capability " + a));
            }
            if (sc != null && sc.getProcMount() != null && !"Default".equals(sc.getProcMount())) {
                v.add(n + "procMount " + sc.getProcMount());
            }
            if (sc != null
                    && sc.getWindowsOptions() != null
                    && Boolean.TRUE.equals(sc.getWindowsOptions().getHostProcess())) {
                v.add(n + "hostProcess");
            }
            for (ContainerPort p : nullSafe(c.getPorts())) {
                if (p.getHostPort() != null && p.getHostPort() != 0) {
                    v.add(n + "hostPort " + p.getHostPort());
                }
            }
        }
        return v;
    }

    private static boolean seccompOk(SeccompProfile p) {
        return p != null && ("RuntimeDefault".equals(p.getType()) || "Localhost".equals(p.getType()));
    }

    private static List<Container> allContainers(PodSpec pod) {
        return Stream.concat(nullSafe(pod.getInitContainers()).stream(), nullSafe(pod.getContainers()).stream())
                .toList();
    }

    private static String volumeType(Volume v) {
        if (v.getConfigMap() != null) return "configMap";
        if (v.getCsi() != null) return "csi";
        if (v.getDownwardAPI() != null) return "downwardAPI";
        if (v.getEmptyDir() != null) return "emptyDir";
        if (v.getEphemeral() != null) return "ephemeral";
        if (v.getPersistentVolumeClaim() != null) return "persistentVolumeClaim";
        if (v.getProjected() != null) return "projected";
        if (v.getSecret() != null) return "secret";
        if (v.getHostPath() != null) return "hostPath";
        return "other";
    }

    private static <T> List<T> nullSafe(List<T> l) {
        return l == null ? List.of() : l;
    }
}
