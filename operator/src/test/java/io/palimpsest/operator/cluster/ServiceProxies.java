package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * kube-proxy and cluster DNS for Services. Each ClusterIP Service gets a loopback "cluster IP"
 * (127.200.x.y) and, per port, a {@link ServiceProxy} that forwards each new TCP connection to the
 * next ready pod matching the selector (round robin over the endpoints, resolved named target
 * ports included). Like kube-proxy it balances connections, not requests: a client keeping its
 * connections alive stays on the pods it first reached. With no ready endpoint the port refuses
 * connections, as kube-proxy's REJECT rule does.
 * <p>
 * DNS: {@link #resolve} maps {@code <svc>.<ns>.svc[.cluster.local]} (and {@code <svc>} /
 * {@code <svc>.<ns>}) to the cluster IP; {@link #rewriteHosts} applies it to URLs in a text,
 * which is how a program that cannot use a custom resolver reaches a Service. Since the rewrite
 * happens once, when a container starts, and a real client resolves the name again for each new
 * connection, a Service name keeps one address for the whole run: a fully qualified name rewritten
 * before its Service exists gets the address the Service will take, and a Service deleted and
 * created again takes its old address back. Until the Service exists (again) nothing listens there
 * and connections are refused, as a client sees NXDOMAIN or a refused connection on a cluster;
 * afterwards the program reaches the new Service, as a client does once DNS answers with its new
 * cluster IP.
 * <p>
 * Headless Services ({@code clusterIP: None}) get no address and no proxy: their name answers with
 * the ready pods' IPs ({@code publishNotReadyAddresses}: every pod's), through {@link ClusterDns}, so
 * a program in this JVM that resolves the name itself sees the replicas come and go. Their names are
 * left as they are by {@link #rewriteHosts}.
 */
public final class ServiceProxies implements AutoCloseable {

    private static final Pattern SERVICE_HOST = Pattern.compile(
            "(?<=://)([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.svc(\\.cluster\\.local)?)?(?=[:/]|$)");

    private final KubernetesClient client;
    private final EventLog log;
    private final AddressPool addresses;
    private final Vertx vertx = Vertx.vertx();
    private final Map<String, String> clusterIps = new ConcurrentHashMap<>();
    /** Every Service name's address, kept after the Service is gone (see the DNS note above). */
    private final Map<String, String> nameAddresses = new ConcurrentHashMap<>();

    private final Map<String, ServiceProxy> proxies = new ConcurrentHashMap<>();
    /** Every headless Service seen ({@code namespace/name}), kept after it is gone: its name stays a name. */
    private final Set<String> headless = ConcurrentHashMap.newKeySet();

    private final ClusterDns dns = new ClusterDns();
    private final ControlLoop loop;
    private final ChangeFeed feed = new ChangeFeed();

    ServiceProxies(KubernetesClient client, EventLog log, AddressPool addresses) {
        this.client = client;
        this.log = log;
        this.addresses = addresses;
        this.loop = new ControlLoop("kube-proxy", this::pass, Duration.ofMillis(500), Duration.ofMillis(10), log);
    }

    void start() {
        feed.watch(client.services().inAnyNamespace(), s -> loop.kick());
        feed.watch(client.pods().inAnyNamespace(), p -> loop.kick());
        loop.start();
    }

    /** The cluster IP of {@code namespace/name}, once the Service exists. */
    public Optional<String> clusterIp(String namespace, String name) {
        return Optional.ofNullable(clusterIps.get(namespace + "/" + name));
    }

    /** Cluster DNS: a Service host name (any of its forms) to its cluster IP. */
    public Optional<String> resolve(String host, String defaultNamespace) {
        String[] parts = host.split("\\.");
        if (parts.length == 1) {
            return clusterIp(defaultNamespace, parts[0]);
        }
        if (parts.length == 2 || (parts.length >= 3 && parts[2].equals("svc"))) {
            return clusterIp(parts[1], parts[0]);
        }
        return Optional.empty();
    }

    /**
     * Replaces Service host names in URLs ({@code http://svc.ns.svc:8000/v1}) with cluster IPs. The
     * name of a headless Service (one that exists, or did) is left alone: it has no cluster IP, and
     * its answer (the ready replicas) changes while the program runs, so the program resolves it itself
     * ({@link ClusterDns}). A fully qualified name of a Service that does not exist yet is taken for a
     * ClusterIP Service to come.
     */
    public String rewriteHosts(String text, String defaultNamespace) {
        Matcher m = SERVICE_HOST.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String host = m.group();
            boolean qualified = m.group(5) != null;
            String svcKey = m.group(3) + "/" + m.group(1);
            if (headless.contains(svcKey) && !clusterIps.containsKey(svcKey)) {
                m.appendReplacement(out, Matcher.quoteReplacement(host));
                continue;
            }
            // "a.b" without ".svc" could be any domain: only rewrite it when it names a known Service.
            Optional<String> ip = qualified
                    ? Optional.of(address(m.group(3) + "/" + m.group(1)))
                    : clusterIps.containsKey(m.group(3) + "/" + m.group(1))
                            ? resolve(host, defaultNamespace)
                            : Optional.empty();
            m.appendReplacement(out, Matcher.quoteReplacement(ip.orElse(host)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Connections each endpoint received so far on a Service port, by pod IP. */
    public Map<String, Integer> connectionsPerEndpoint(String namespace, String service, int port) {
        ServiceProxy proxy = proxies.get(namespace + "/" + service + ":" + port);
        return proxy == null ? Map.of() : proxy.connectionsPerEndpoint();
    }

    private void pass() {
        List<Service> services = client.services().inAnyNamespace().list().getItems();
        List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
        Set<String> wanted = new HashSet<>();
        Map<String, Set<String>> records = new HashMap<>();
        for (Service svc : services) {
            Map<String, String> selector = svc.getSpec().getSelector();
            if (selector == null
                    || selector.isEmpty()
                    || "ExternalName".equals(svc.getSpec().getType())) {
                continue;
            }
            if ("None".equals(svc.getSpec().getClusterIP())) {
                headlessRecords(svc, pods, records);
                continue;
            }
            String ns = svc.getMetadata().getNamespace();
            String svcKey = ns + "/" + svc.getMetadata().getName();
            String ip = clusterIps.computeIfAbsent(svcKey, k -> {
                String allocated = address(k);
                log.record("kube-proxy", k, "cluster IP " + allocated);
                return allocated;
            });
            List<Pod> ready = endpointPods(svc, pods, false);
            for (ServicePort port : svc.getSpec().getPorts()) {
                String key = svcKey + ":" + port.getPort();
                wanted.add(key);
                List<ServiceProxy.Endpoint> endpoints = new ArrayList<>();
                for (Pod p : ready) {
                    targetPort(p, port)
                            .ifPresent(tp -> endpoints.add(
                                    new ServiceProxy.Endpoint(p.getStatus().getPodIP(), tp)));
                }
                proxies.computeIfAbsent(key, k -> new ServiceProxy(vertx, k, ip, port.getPort(), log))
                        .update(endpoints);
            }
        }
        dns.publish(records);
        for (String key : List.copyOf(proxies.keySet())) {
            if (!wanted.contains(key)) {
                proxies.remove(key).close();
                String svcKey = key.substring(0, key.lastIndexOf(':'));
                if (proxies.keySet().stream().noneMatch(k -> k.startsWith(svcKey + ":"))) {
                    clusterIps.remove(svcKey);
                }
            }
        }
    }

    /** A headless Service's names to its pods' IPs: the ready ones, or all with publishNotReadyAddresses. */
    private void headlessRecords(Service svc, List<Pod> pods, Map<String, Set<String>> records) {
        String ns = svc.getMetadata().getNamespace();
        headless.add(ns + "/" + svc.getMetadata().getName());
        Set<String> addresses =
                endpointPods(svc, pods, Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses())).stream()
                        .map(p -> p.getStatus().getPodIP())
                        .collect(Collectors.toSet());
        if (!addresses.isEmpty()) {
            ClusterDns.names(ns, svc.getMetadata().getName()).forEach(name -> records.put(name, addresses));
        }
    }

    /** The Service's endpoints: active pods of its namespace matching its selector, with an IP, ready unless {@code notReadyToo}. */
    private static List<Pod> endpointPods(Service svc, List<Pod> pods, boolean notReadyToo) {
        String ns = svc.getMetadata().getNamespace();
        Map<String, String> selector = svc.getSpec().getSelector();
        return pods.stream()
                .filter(p -> ns.equals(p.getMetadata().getNamespace()))
                .filter(p -> p.getMetadata().getLabels() != null
                        && p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .filter(JobSync::isActive)
                .filter(p -> notReadyToo || JobSync.isReady(p))
                .filter(p -> p.getStatus().getPodIP() != null)
                .toList();
    }

    /** The address of Service name {@code namespace/name}, taken from the pool the first time it is asked for. */
    private String address(String svcKey) {
        return nameAddresses.computeIfAbsent(svcKey, k -> addresses.next());
    }

    private static Optional<Integer> targetPort(Pod pod, ServicePort port) {
        if (port.getTargetPort() == null) {
            return Optional.of(port.getPort());
        }
        if (port.getTargetPort().getIntVal() != null) {
            return Optional.of(port.getTargetPort().getIntVal());
        }
        String name = port.getTargetPort().getStrVal();
        for (Container c : pod.getSpec().getContainers()) {
            for (ContainerPort cp : Optional.ofNullable(c.getPorts()).orElse(List.of())) {
                if (name.equals(cp.getName())) {
                    return Optional.of(cp.getContainerPort());
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        feed.close();
        loop.close();
        dns.close();
        proxies.values().forEach(ServiceProxy::close);
        proxies.clear();
        vertx.close();
    }
}
