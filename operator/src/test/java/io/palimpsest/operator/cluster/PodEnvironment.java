package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment and command line as the kubelet resolves them: {@code envFrom} first,
 * then {@code env} in order; {@code value} with {@code $(VAR)} references to variables defined
 * before it ({@code $$} escapes); {@code valueFrom} fieldRef (name, namespace, uid, labels['k'],
 * annotations['k'], nodeName, serviceAccountName, podIP, hostIP), configMapKeyRef and
 * secretKeyRef read from the API server, honouring {@code optional}. A missing reference that is
 * not optional keeps the container from being created (CreateContainerConfigError), as on a node.
 * Every container also gets the API server's Service variables ({@code KUBERNETES_SERVICE_HOST},
 * {@code KUBERNETES_SERVICE_PORT}, {@code KUBERNETES_PORT}...), pointing at the simulated API server,
 * as the kubelet adds the {@code default/kubernetes} Service's to every pod whatever
 * {@code enableServiceLinks} says: {@code $(VAR)} in {@code env} may refer to them and a variable the
 * container sets itself wins (the worker tells a pod from a run by hand by {@code KUBERNETES_SERVICE_HOST}).
 * Other Services' variables ({@code enableServiceLinks}) are left out.
 */
final class PodEnvironment {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final Pattern FIELD_KEY = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

    private PodEnvironment() {}

    static Map<String, String> resolve(
            KubernetesClient client, Pod pod, Container container, String podIp, String hostIp) {
        String ns = pod.getMetadata().getNamespace();
        Map<String, String> serviceEnv = apiServerService(client);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
            String prefix = Optional.ofNullable(from.getPrefix()).orElse("");
            if (from.getConfigMapRef() != null) {
                ConfigMap cm = client.configMaps()
                        .inNamespace(ns)
                        .withName(from.getConfigMapRef().getName())
                        .get();
                if (cm == null) {
                    require(
                            from.getConfigMapRef().getOptional(),
                            "configmap \"" + from.getConfigMapRef().getName() + "\" not found");
                    continue;
                }
                Optional.ofNullable(cm.getData()).orElse(Map.of()).forEach((k, v) -> env.put(prefix + k, v));
            } else if (from.getSecretRef() != null) {
                Secret s = client.secrets()
                        .inNamespace(ns)
                        .withName(from.getSecretRef().getName())
                        .get();
                if (s == null) {
                    require(
                            from.getSecretRef().getOptional(),
                            "secret \"" + from.getSecretRef().getName() + "\" not found");
                    continue;
                }
                secretData(s).forEach((k, v) -> env.put(prefix + k, new String(v, StandardCharsets.UTF_8)));
            }
        }
        for (EnvVar var : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
            if (var.getValueFrom() == null) {
                Map<String, String> known = new LinkedHashMap<>(serviceEnv);
                known.putAll(env);
                env.put(
                        var.getName(),
                        expand(Optional.ofNullable(var.getValue()).orElse(""), known));
                continue;
            }
            String value = valueFrom(client, pod, var.getValueFrom(), podIp, hostIp);
            if (value != null) {
                env.put(var.getName(), value);
            }
        }
        serviceEnv.forEach(env::putIfAbsent);
        return env;
    }

    /** The variables of the API server's Service, as the kubelet makes them for a Service's port. */
    private static Map<String, String> apiServerService(KubernetesClient client) {
        URI api = URI.create(client.getMasterUrl().toString());
        String host = api.getHost();
        String port = String.valueOf(api.getPort() > 0 ? api.getPort() : 443);
        String address = "tcp://" + host + ":" + port;
        String prefix = "KUBERNETES_PORT_" + port + "_TCP";
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KUBERNETES_SERVICE_HOST", host);
        env.put("KUBERNETES_SERVICE_PORT", port);
        env.put("KUBERNETES_SERVICE_PORT_HTTPS", port);
        env.put("KUBERNETES_PORT", address);
        env.put(prefix, address);
        env.put(prefix + "_PROTO", "tcp");
        env.put(prefix + "_PORT", port);
        env.put(prefix + "_ADDR", host);
        return env;
    }

    /** command + args with {@code $(VAR)} expanded against the container's environment. */
    static List<String> argv(Container container, Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        Optional.ofNullable(container.getCommand()).orElse(List.of()).forEach(a -> argv.add(expand(a, env)));
        Optional.ofNullable(container.getArgs()).orElse(List.of()).forEach(a -> argv.add(expand(a, env)));
        return argv;
    }

    static String expand(String text, Map<String, String> env) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                // An undefined reference stays as written, as the kubelet leaves it.
                replacement = env.getOrDefault(m.group(1), m.group());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String valueFrom(
            KubernetesClient client, Pod pod, EnvVarSource source, String podIp, String hostIp) {
        String ns = pod.getMetadata().getNamespace();
        if (source.getFieldRef() != null) {
            return field(pod, source.getFieldRef().getFieldPath(), podIp, hostIp);
        }
        if (source.getConfigMapKeyRef() != null) {
            var ref = source.getConfigMapKeyRef();
            ConfigMap cm =
                    client.configMaps().inNamespace(ns).withName(ref.getName()).get();
            String value =
                    cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
            if (value == null) {
                require(
                        ref.getOptional(),
                        cm == null
                                ? "configmap \"" + ref.getName() + "\" not found"
                                : "couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
            }
            return value;
        }
        if (source.getSecretKeyRef() != null) {
            var ref = source.getSecretKeyRef();
            Secret s = client.secrets().inNamespace(ns).withName(ref.getName()).get();
            byte[] value = s == null ? null : secretData(s).get(ref.getKey());
            if (value == null) {
                require(
                        ref.getOptional(),
                        s == null
                                ? "secret \"" + ref.getName() + "\" not found"
                                : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
                return null;
            }
            return new String(value, StandardCharsets.UTF_8);
        }
        // resourceFieldRef: no cgroup limits here; report none.
        return "0";
    }

    private static String field(Pod pod, String path, String podIp, String hostIp) {
        Matcher m = FIELD_KEY.matcher(path);
        if (m.matches()) {
            Map<String, String> map = m.group(1).equals("labels")
                    ? pod.getMetadata().getLabels()
                    : pod.getMetadata().getAnnotations();
            return map == null ? "" : map.getOrDefault(m.group(2), "");
        }
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "spec.nodeName" -> pod.getSpec().getNodeName();
            case "spec.serviceAccountName" ->
                Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default");
            case "status.podIP", "status.podIPs" -> podIp;
            case "status.hostIP", "status.hostIPs" -> hostIp;
            default -> throw new PodSandbox.MissingReference("unsupported fieldRef " + path);
        };
    }

    static Map<String, byte[]> secretData(Secret s) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        Optional.ofNullable(s.getData())
                .orElse(Map.of())
                .forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
        // stringData is write-only on a real server (merged into data); the mock server keeps it as sent.
        Optional.ofNullable(s.getStringData())
                .orElse(Map.of())
                .forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return data;
    }

    private static void require(Boolean optional, String message) {
        if (!Boolean.TRUE.equals(optional)) {
            throw new PodSandbox.MissingReference(message);
        }
    }
}
