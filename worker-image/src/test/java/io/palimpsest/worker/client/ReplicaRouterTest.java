package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplicaRouterTest {

    private final List<String> listed = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final Random random = new Random(7);
    private final ReplicaRouter router = new ReplicaRouter(
            URI.create("http://m-vllm-replicas.ns.svc:8000"), this::resolve, now::get, random::nextInt);

    private InetAddress[] resolve(String host) throws UnknownHostException {
        assertEquals("m-vllm-replicas.ns.svc", host);
        if (listed.isEmpty()) {
            throw new UnknownHostException(host);
        }
        InetAddress[] out = new InetAddress[listed.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = InetAddress.getByName(listed.get(i));
        }
        return out;
    }

    private ReplicaRouter.Replica replica(String ip) {
        return router.toScrape(10).stream()
                .filter(r -> r.base().getHost().equals(ip))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aNameThatListsNothingLeavesPlacementToTheService() {
        router.refresh();
        assertTrue(router.pick().isEmpty());
        listed.add("10.0.0.1");
        router.refresh();
        assertEquals(
                URI.create("http://10.0.0.1:8000"), router.pick().orElseThrow().base());
    }

    @Test
    void eachRequestGoesToTheLessLoadedOfTwoAndTheQueuedReplicaGetsNone() {
        listed.addAll(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"));
        router.refresh();
        router.onPage(replica("10.0.0.1"), 120, 128); // a queue left over from a cold start
        router.onPage(replica("10.0.0.2"), 4, 128);
        router.onPage(replica("10.0.0.3"), 2, 128);
        Map<String, Integer> placed = new TreeMap<>();
        for (int i = 0; i < 60; i++) {
            placed.merge(router.pick().orElseThrow().base().getHost(), 1, Integer::sum);
        }
        // two choices: the queued replica loses every draw it is in; the other two even out by what this worker sent
        assertEquals(null, placed.get("10.0.0.1"), "placed: " + placed);
        assertTrue(Math.abs(placed.get("10.0.0.2") + 2 - placed.get("10.0.0.3")) <= 2, "placed: " + placed);
    }

    @Test
    void theLoadCountsWhatThisWorkerSentAndGotBackSinceThePage() {
        listed.add("10.0.0.1");
        router.refresh();
        ReplicaRouter.Replica only = router.pick().orElseThrow();
        router.pick();
        router.onPage(only, 3, 10); // the page already counts those two
        router.pick();
        only.done();
        only.done();
        assertEquals(12.0, router.loads().get("10.0.0.1"));
    }

    @Test
    void aReplicaThatAppearsIsUsedAtOnceAndOneNoLongerListedIsDropped() {
        listed.add("10.0.0.1");
        router.refresh();
        router.onPage(replica("10.0.0.1"), 0, 128);
        listed.add("10.0.0.2");
        router.refresh();
        assertEquals(
                "10.0.0.2",
                router.pick().orElseThrow().base().getHost(),
                "the new replica, its load unknown, is preferred");
        listed.remove("10.0.0.1");
        router.refresh();
        assertEquals(List.of("10.0.0.2"), List.copyOf(router.loads().keySet()));
    }

    @Test
    void aReplicaThatRefusedIsSetAsideWhileAnotherCanTakeTheRequest() {
        listed.addAll(List.of("10.0.0.1", "10.0.0.2"));
        router.refresh();
        assertTrue(router.refused(replica("10.0.0.1")), "10.0.0.2 is there to take the request");
        for (int i = 0; i < 20; i++) {
            assertEquals("10.0.0.2", router.pick().orElseThrow().base().getHost());
        }
        assertFalse(router.refused(replica("10.0.0.2")), "none left: the refusal is the model's");
        assertTrue(router.pick().isEmpty());
        now.addAndGet(ReplicaRouter.SET_ASIDE_NANOS);
        assertEquals(2, router.toScrape(10).size());
        assertTrue(router.pick().isPresent(), "set aside for a while, not for good");
    }

    @Test
    void scrapesGoToTheReplicasWhosePageIsOldest() {
        listed.addAll(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"));
        router.refresh();
        List<ReplicaRouter.Replica> first = router.toScrape(2);
        first.forEach(r -> {
            now.addAndGet(1);
            router.scraped(r);
        });
        assertEquals("10.0.0.3", router.toScrape(1).get(0).base().getHost());
    }

    @Test
    void aPlacedRequestKeepsItsPathQueryAndHeaders() {
        listed.add("10.0.0.7");
        router.refresh();
        var request = HttpRequest.newBuilder(URI.create("http://m-vllm.ns.svc:8000/v1/chat/completions?x=1"))
                .header("Authorization", "Bearer k")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        var placed = router.pick().orElseThrow().place(request);
        assertEquals(URI.create("http://10.0.0.7:8000/v1/chat/completions?x=1"), placed.uri());
        assertEquals(List.of("Bearer k"), placed.headers().allValues("Authorization"));
        assertEquals("POST", placed.method());
    }
}
