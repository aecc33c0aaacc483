package io.palimpsest.operator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Cluster DNS for headless Services, for programs running in this JVM: {@code <svc>.<ns>.svc} (and
 * {@code .svc.cluster.local}) answers {@link java.net.InetAddress#getAllByName} with one address per
 * ready pod, as CoreDNS answers with one A record per ready endpoint. JDK 17 has no resolver SPI, but
 * it resolves from a hosts file instead of the system when {@code -Djdk.net.hosts.file} is set, and
 * reads the file again on every lookup: the build writes /etc/hosts there, and this machine's host
 * name, which /etc/hosts does not list everywhere (so the machine's own names still resolve) and this class rewrites it as those original lines plus one line per (pod IP, name).
 * <p>
 * The file is one per JVM and several clusters may run in it, one after another or at once: each
 * cluster publishes its own records and withdraws them on close. Without the property (another JVM, an
 * IDE run) nothing is written, and a headless name does not resolve, as a worker in a subprocess (a JVM
 * of its own, with the system's resolver) does not resolve it either: both fall back to the Service.
 */
final class ClusterDns implements AutoCloseable {

    static final String HOSTS_FILE_PROPERTY = "jdk.net.hosts.file";
    /** Marks the lines written here, so lines a killed JVM left in the file are not taken for the machine's own. */
    private static final String MARK = "# palimpsest simulated cluster DNS";

    private static final Map<ClusterDns, Map<String, Set<String>>> PUBLISHED = new LinkedHashMap<>();
    private static List<String> original;
    private static String written;

    /** Whether this JVM resolves from a hosts file this class can write. */
    static boolean active() {
        String file = System.getProperty(HOSTS_FILE_PROPERTY);
        return file != null && Files.isRegularFile(Path.of(file));
    }

    /** The names of a Service's records: {@code <svc>.<ns>.svc} and the same under {@code cluster.local}. */
    static List<String> names(String namespace, String service) {
        String name = service + "." + namespace + ".svc";
        return List.of(name, name + ".cluster.local");
    }

    /** Replaces this cluster's records: host name to the addresses it answers with (no entry: the name is unknown). */
    void publish(Map<String, Set<String>> records) {
        synchronized (ClusterDns.class) {
            Map<String, Set<String>> copy = new TreeMap<>();
            records.forEach((name, addresses) -> copy.put(name, Set.copyOf(addresses)));
            if (copy.equals(PUBLISHED.get(this))) {
                return;
            }
            PUBLISHED.put(this, copy);
            write();
        }
    }

    @Override
    public void close() {
        synchronized (ClusterDns.class) {
            if (PUBLISHED.remove(this) != null) {
                write();
            }
        }
    }

    private static void write() {
        if (!active()) {
            return;
        }
        Path file = Path.of(System.getProperty(HOSTS_FILE_PROPERTY)).toAbsolutePath();
        try {
            if (original == null) {
                original = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                        .filter(line -> !line.endsWith(MARK))
                        .toList();
            }
            StringBuilder text = new StringBuilder();
            original.forEach(line -> text.append(line).append('\n'));
            for (Map<String, Set<String>> records : PUBLISHED.values()) {
                records.forEach((name, addresses) -> addresses.stream().sorted().forEach(address -> text.append(address)
                        .append(' ')
                        .append(name)
                        .append(' ')
                        .append(MARK)
                        .append('\n')));
            }
            String content = text.toString();
            if (content.equals(written)) {
                return;
            }
            // A lookup reads the file at any moment: it must see the old content or the new, never a part.
            Path temp = Files.createTempFile(file.getParent(), "hosts", ".tmp");
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            written = content;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cluster DNS hosts file " + file, e);
        }
    }

    /** What this JVM's hosts file says for the headless names (for messages of tests that fail). */
    static String dump() {
        synchronized (ClusterDns.class) {
            return PUBLISHED.values().stream()
                    .flatMap(r -> r.entrySet().stream())
                    .map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", ", "{", "}"));
        }
    }
}
