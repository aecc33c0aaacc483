package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.SimConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * close() right after the server started listening again (an outage's end, the loaded timer) must
 * close what that listen opens: otherwise, with another simulator keeping the shared Vert.x open,
 * the port keeps accepting connections that nobody serves.
 */
class CloseWhileRelisteningTest {

    @Test
    void closeRightAfterAnOutageEndsLeavesNoListener() throws Exception {
        SimConfig cfg = SimConfig.builder().zeroLatency().build();
        try (ModelSimServer keepsVertxOpen = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            List<Integer> leaked = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0);
                sim.pause(OutageMode.REFUSE_CONNECTIONS);
                sim.endOutage(); // starts listening again; not awaited
                sim.close();
                if (accepts(sim.port())) {
                    leaked.add(sim.port());
                }
            }
            // a socket Netty is still closing may take one more connection: only a lasting listener counts
            Thread.sleep(500);
            leaked.removeIf(port -> !accepts(port));
            assertTrue(leaked.isEmpty(), leaked.size() + " of 30 closed simulators still listening on " + leaked);
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
