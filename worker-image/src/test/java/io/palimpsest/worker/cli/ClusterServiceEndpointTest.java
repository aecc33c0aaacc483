package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.client.ReplicaRouter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code run} by hand, outside a cluster, with the job's resolved endpoint: an in-cluster model's Service name
 * ({@code qwen-small-vllm.default.svc}) never resolves there, so it is refused at once with the endpoint, the reason
 * and the fix, where the run waited out the whole outage window with a warning. In a pod the name is still waited
 * for: cluster DNS can lag at pod start.
 */
class ClusterServiceEndpointTest {

    @TempDir
    Path tmp;

    private static final ReplicaRouter.Resolver NOTHING_RESOLVES = host -> {
        throw new UnknownHostException(host);
    };

    @Test
    void runByHandWithTheInClusterServiceNameIsRefusedAtOnce() throws Exception {
        Path manifests = QuickstartCopy.into(tmp);
        Path out = tmp.resolve("out");
        CliRun plan = CliRun.of("plan", "-f", manifests.toString(), "--out", out.toString(), "--termination-log", "");
        assertEquals(0, plan.exit(), plan.text());
        RunCommand run = new RunCommand();
        run.environment = new WorkerEnvironment(Map.of());
        long start = System.nanoTime();

        CliRun refused = CliRun.capture(() -> new CommandLine(run)
                .execute(
                        "-f",
                        manifests.toString(),
                        "--out",
                        out.toString(),
                        "--shard",
                        "0",
                        "--max-outage",
                        "PT20S",
                        "--termination-log",
                        ""));

        assertEquals(ExitCodes.MODEL_UNREACHABLE, refused.exit(), refused.text());
        assertTrue(System.nanoTime() - start < 15_000_000_000L, "refused before the outage window");
        String err = refused.err();
        assertTrue(err.contains("http://qwen-small-vllm.default.svc:8000"), err);
        assertTrue(err.contains("not in a cluster"), err);
        assertTrue(err.contains("--endpoint"), err);
        assertTrue(err.contains("palimpsest local"), err);
        assertFalse(Files.exists(out.resolve("_palimpsest/receipts/shard-00000.json")), "nothing committed");
    }

    @Test
    void inAClusterTheServiceNameIsWaitedFor() {
        URI service = URI.create("http://qwen-small-vllm.default.svc:8000");
        assertEquals(Optional.empty(), ClusterServiceEndpoint.unreachableOutside(service, "x", true, NOTHING_RESOLVES));
        assertTrue(ClusterServiceEndpoint.unreachableOutside(service, "x", false, NOTHING_RESOLVES)
                .isPresent());
    }

    @Test
    void onlyAServiceNameThatDoesNotResolveIsRefused() {
        ReplicaRouter.Resolver resolves = host -> new InetAddress[] {InetAddress.getLoopbackAddress()};
        URI full = URI.create("http://m-vllm.ns.svc.cluster.local:8000");
        assertTrue(ClusterServiceEndpoint.unreachableOutside(full, "x", false, NOTHING_RESOLVES)
                .isPresent());
        // a cluster's DNS this machine can ask (a VPN): the name is called as given
        assertEquals(Optional.empty(), ClusterServiceEndpoint.unreachableOutside(full, "x", false, resolves));
        // a name that is no Service's is left to the outage handling, as before
        assertEquals(
                Optional.empty(),
                ClusterServiceEndpoint.unreachableOutside(
                        URI.create("http://gpu-box.lan:8000"), "x", false, NOTHING_RESOLVES));
    }
}
