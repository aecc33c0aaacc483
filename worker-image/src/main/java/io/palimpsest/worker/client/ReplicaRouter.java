package io.palimpsest.worker.client;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.security.Security;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Places each request on one of a model's replicas by their queues, instead of leaving it to the
 * Service.
 *
 * <p>A Service places requests without looking at the replicas (kube-proxy picks one at random or in
 * turn), so queues drift: a replica that got a few more requests keeps its longer queue, since it
 * gets its equal share of new ones, and one replica of a campaign held 100-150 waiting requests for
 * six minutes while the others ran part-empty (docs/BENCHMARKS.md). Here the worker resolves a name
 * that lists every ready replica (cluster DNS of a headless Service answers with one address per
 * ready pod, and drops a pod that stops being ready), learns each replica's queue from its /metrics
 * ({@link #onPage}, fed by {@link QueueDepthProbe}) and sends each request to the less loaded of two
 * replicas drawn at random ("power of two choices"): loaded means its last page's running + waiting
 * plus what this worker sent there since that page and what came back. Two random choices rather
 * than the least loaded of all: every worker reads the same pages, and all of them sending to the one
 * replica that looked shortest would pile a queue there before the next page shows it.
 *
 * <p>A replica that appears is used at once (its load is unknown and counted as nothing), so during
 * a cold start the requests follow the replicas as each becomes ready. A replica that refuses
 * (connection refused or reset, 502, 503: it is draining, or gone before DNS says so) is set aside
 * for {@link #SET_ASIDE_NANOS} and the request placed again on another; only when none is left does
 * the failure count as the model's outage. When the name does not resolve (no replicas yet, or an
 * endpoint that has no such name) {@link #pick} is empty and requests go through the Service.
 */
public final class ReplicaRouter {

    private static final Logger LOG = Logger.getLogger(ReplicaRouter.class.getName());
    /** How long a replica that refused is left out (it is draining, or gone and not yet out of DNS). */
    static final long SET_ASIDE_NANOS = 5_000_000_000L;

    /** Name to addresses, as {@link InetAddress#getAllByName}. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final URI base;
    private final Resolver resolver;
    private final LongSupplier nanoClock;
    private final IntUnaryOperator random;
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    /** Whether the last state logged was "replicas listed"; null before the first. */
    private Boolean listingSaid;

    /**
     * @param base   URL whose host resolves to every ready replica, e.g. {@code http://m-vllm-replicas.ns.svc:8000}
     * @param random {@code bound -> } a uniform integer in {@code [0, bound)}
     */
    public ReplicaRouter(URI base, Resolver resolver, LongSupplier nanoClock, IntUnaryOperator random) {
        this.base = base;
        this.resolver = resolver;
        this.nanoClock = nanoClock;
        this.random = random;
    }

    /** One replica as this worker sees it. */
    public final class Replica {
        private final URI base;
        private double pageLoad;
        private int inFlight;
        private int inFlightAtPage;
        private long scrapedAtNanos = Long.MIN_VALUE;
        private long setAsideUntil = Long.MIN_VALUE;

        private Replica(URI base) {
            this.base = base;
        }

        public URI base() {
            return base;
        }

        /** {@code request} sent to this replica instead of the address it names. */
        public HttpRequest place(HttpRequest request) {
            URI uri = request.uri();
            URI placed =
                    URI.create(base + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
            return HttpRequest.newBuilder(request, (name, value) -> true)
                    .uri(placed)
                    .build();
        }

        /** The request placed here has ended, whatever its outcome. */
        public void done() {
            synchronized (ReplicaRouter.this) {
                inFlight--;
            }
        }

        private double load() {
            return Math.max(
                    0,
                    pageLoad
                            + inFlight
                            - inFlightAtPage); // a page read before our requests arrived can make it negative
        }

        private boolean usable(long now) {
            return now >= setAsideUntil;
        }

        @Override
        public String toString() {
            return base.getHost();
        }
    }

    /**
     * Makes this JVM ask DNS again after a second (its default keeps an answer for 30 s, a failed
     * lookup for 10 s): the replica list is only as fresh as the lookup, and cluster DNS itself
     * caches a headless Service's answer for 5 s. Takes effect only before the JVM's first lookup,
     * and leaves a policy set on the command line or in java.security alone (the shipped negative
     * 10 s counts as unset).
     */
    public static void followDnsChanges() {
        if (Security.getProperty("networkaddress.cache.ttl") == null
                && System.getProperty("sun.net.inetaddr.ttl") == null) {
            Security.setProperty("networkaddress.cache.ttl", "1");
        }
        // java.security ships a negative TTL of 10 s: that one counts as unset
        String negative = Security.getProperty("networkaddress.cache.negative.ttl");
        if ((negative == null || "10".equals(negative.trim()))
                && System.getProperty("sun.net.inetaddr.negative.ttl") == null) {
            Security.setProperty("networkaddress.cache.negative.ttl", "1");
        }
    }

    /** Resolves the name again: replicas that appeared are added, those no longer listed dropped. */
    public void refresh() {
        InetAddress[] addresses;
        String unresolved = null;
        try {
            addresses = resolver.resolve(base.getHost());
        } catch (UnknownHostException | SecurityException e) {
            addresses = new InetAddress[0];
            unresolved = e.toString();
        }
        synchronized (this) {
            Map<String, Replica> listed = new LinkedHashMap<>();
            for (InetAddress address : addresses) {
                String host = address.getHostAddress();
                Replica known = replicas.get(host);
                listed.put(host, known != null ? known : new Replica(replicaBase(address)));
            }
            replicas.clear();
            replicas.putAll(listed);
            // said once per change, the first state included: a name that never resolves is not silent
            Boolean listing = !listed.isEmpty();
            if (!listing.equals(listingSaid)) {
                listingSaid = listing;
                String why = unresolved;
                LOG.info(() -> listing
                        ? "placing requests by queue on the " + listed.size() + " replicas " + base.getHost() + " lists"
                        : base.getHost() + " lists no replica" + (why == null ? "" : " (" + why + ")")
                                + ": requests go through the Service");
            }
        }
    }

    private URI replicaBase(InetAddress address) {
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        return URI.create(base.getScheme() + "://" + host + (base.getPort() >= 0 ? ":" + base.getPort() : ""));
    }

    /** The replica to send the next request to, counted as in flight there until {@link Replica#done}; empty: use the Service. */
    public synchronized Optional<Replica> pick() {
        long now = nanoClock.getAsLong();
        List<Replica> usable = new ArrayList<>(replicas.size());
        for (Replica r : replicas.values()) {
            if (r.usable(now)) {
                usable.add(r);
            }
        }
        if (usable.isEmpty()) {
            return Optional.empty();
        }
        Replica chosen = usable.get(random.applyAsInt(usable.size()));
        if (usable.size() > 1) {
            int second = random.applyAsInt(usable.size() - 1);
            Replica other = usable.get(second >= usable.indexOf(chosen) ? second + 1 : second);
            if (other.load() < chosen.load()) {
                chosen = other;
            }
        }
        chosen.inFlight++;
        return Optional.of(chosen);
    }

    /**
     * The replica refused a request (it is going away): it is left out for a while. True when another
     * replica is there to take the request, so the refusal is not the model's outage.
     */
    public synchronized boolean refused(Replica replica) {
        long now = nanoClock.getAsLong();
        replica.setAsideUntil = now + SET_ASIDE_NANOS;
        return replicas.values().stream().anyMatch(r -> r != replica && r.usable(now));
    }

    /** Up to {@code n} replicas to scrape this round: those whose page is oldest (never scraped first). */
    public synchronized List<Replica> toScrape(int n) {
        return replicas.values().stream()
                .sorted(Comparator.comparingLong(r -> r.scrapedAtNanos))
                .limit(n)
                .toList();
    }

    /** A page scraped from {@code replica}: its load becomes what the page says plus what is sent afterwards. */
    public synchronized void onPage(Replica replica, double waiting, double running) {
        replica.pageLoad = Math.max(0, waiting) + Math.max(0, running);
        replica.inFlightAtPage = replica.inFlight;
    }

    /** Marks a scrape done (answered or not), so the next round scrapes the others first. */
    public synchronized void scraped(Replica replica) {
        replica.scrapedAtNanos = nanoClock.getAsLong();
    }

    /** Each listed replica's load as this worker estimates it, by address (for logs and tests). */
    public synchronized Map<String, Double> loads() {
        Map<String, Double> loads = new LinkedHashMap<>();
        replicas.forEach((host, r) -> loads.put(host, r.load()));
        return loads;
    }
}
