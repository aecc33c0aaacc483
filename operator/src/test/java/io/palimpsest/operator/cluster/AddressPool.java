package io.palimpsest.operator.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out loopback addresses, one per pod or Service, never reusing one within a run (a reused
 * address could meet a previous owner's sockets in TIME_WAIT or a late client). Linux routes all of
 * 127.0.0.0/8 to the loopback interface, so any of these can be bound without configuration;
 * {@link #firstUsable()} checks that once, and the harness falls back to 127.0.0.1 with distinct
 * ports when it fails (e.g. on macOS, where only 127.0.0.1 is up by default). Each pool starts at a
 * random point of its /16, so two test JVMs on one machine (a run uses well under a thousand
 * addresses) are unlikely to bind the same address.
 */
final class AddressPool {

    private final int secondOctet;
    private int next;

    /** {@code secondOctet} separates pools: e.g. 1 for pods (127.1.x.y), 200 for Services (127.200.x.y). */
    AddressPool(int secondOctet) {
        this.secondOctet = secondOctet;
        this.next = ThreadLocalRandom.current().nextInt(254, 254 * 200);
    }

    synchronized String next() {
        int n = next++;
        int third = n / 254;
        int fourth = n % 254 + 1;
        if (third > 255) {
            throw new IllegalStateException("address pool 127." + secondOctet + ".0.0/16 exhausted");
        }
        return "127." + secondOctet + "." + third + "." + fourth;
    }

    /** Whether addresses other than 127.0.0.1 can be bound here. */
    static boolean loopbackRangeUsable() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.1.254.254", 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
