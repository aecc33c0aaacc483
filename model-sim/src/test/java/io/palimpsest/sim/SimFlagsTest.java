package io.palimpsest.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimFlagsTest {

    @Test
    void parsesEveryFlag() {
        SimFlags f = SimFlags.parse(
                "--host",
                "127.0.0.5",
                "--port=0",
                "--model",
                "m",
                "--max-num-seqs",
                "8",
                "--max-waiting",
                "16",
                "--overflow-status",
                "503",
                "--prefill-seconds-per-token",
                "0.001",
                "--decode-step-base-seconds",
                "0.02",
                "--decode-step-per-seq-seconds",
                "0.002",
                "--startup-delay",
                "1.5s",
                "--max-model-len",
                "2048",
                "--seed",
                "5",
                "--fault-rate",
                "rate_limit=0.1",
                "--fault-rate",
                "echo=0.2",
                "--fault-seed",
                "9",
                "--slow-start-delay",
                "500ms",
                "--retry-after-seconds",
                "3",
                "--rules",
                "r.yaml",
                "--request-log-capacity",
                "50",
                "--kv-cache-tokens",
                "4096");
        SimConfig c = f.config();
        assertEquals("127.0.0.5", f.host());
        assertEquals(0, f.port());
        assertEquals("m", c.modelName());
        assertEquals(8, c.maxNumSeqs());
        assertEquals(16, c.maxWaiting());
        assertEquals(OverflowResponse.SERVICE_UNAVAILABLE, c.overflowResponse());
        assertEquals(0.001, c.prefillSecondsPerToken());
        assertEquals(0.02, c.decodeStepBaseSeconds());
        assertEquals(0.002, c.decodeStepPerSeqSeconds());
        assertEquals(Duration.ofMillis(1500), c.startupDelay());
        assertEquals(2048, c.maxModelLen());
        assertEquals(5, c.seed());
        assertEquals(0.1, c.faults().rate(Fault.RATE_LIMIT));
        assertEquals(0.2, c.faults().rate(Fault.ECHO));
        assertEquals(9, c.faults().seed());
        assertEquals(Duration.ofMillis(500), c.faults().slowStartDelay());
        assertEquals(3, c.faults().retryAfterSeconds());
        assertEquals(Path.of("r.yaml"), c.rulesFile().orElseThrow());
        assertEquals(50, c.requestLogCapacity());
        assertEquals(4096, c.kvCacheTokens());
    }

    @Test
    void zeroLatencyAndDefaults() {
        SimConfig c = SimConfig.fromArgs("--zero-latency");
        assertTrue(c.isZeroLatency());
        assertEquals("sim-model", c.modelName());
        assertEquals(256, c.maxNumSeqs());
        assertEquals(8000, SimFlags.parse().port());
    }

    @Test
    void kvCacheFlagsAndVllmsDefaults() {
        SimConfig d = SimConfig.fromArgs();
        assertEquals(16, d.blockSize());
        assertEquals(8192, d.maxNumBatchedTokens());
        assertTrue(d.prefixCaching());
        assertFalse(d.waitingBounded(), "vLLM queues without bound");
        assertEquals(256L * 2048, d.kvCacheTokens());
        SimConfig c = SimConfig.fromArgs(
                "--block-size",
                "32",
                "--max-num-batched-tokens",
                "4096",
                "--no-enable-prefix-caching",
                "--step-per-context-token-seconds",
                "1e-8",
                "--kv-cache-tokens",
                "100000");
        assertEquals(32, c.blockSize());
        assertEquals(4096, c.maxNumBatchedTokens());
        assertFalse(c.prefixCaching());
        assertEquals(1e-8, c.stepPerContextTokenSeconds());
        assertEquals(100_000, c.kvCacheTokens());
        assertThrows(
                IllegalArgumentException.class,
                () -> SimConfig.fromArgs("--kv-cache-tokens", "4096"),
                "one max-model-len (8192) sequence must fit, as vLLM checks at start");
        assertThrows(
                IllegalArgumentException.class,
                () -> SimConfig.fromArgs("--max-num-batched-tokens", "100"),
                "a full batch of decodes must fit in one step");
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(30), SimFlags.parseDuration("30s"));
        assertEquals(Duration.ofSeconds(30), SimFlags.parseDuration("30"));
        assertEquals(Duration.ofMinutes(2), SimFlags.parseDuration("2m"));
        assertEquals(Duration.ofMinutes(1), SimFlags.parseDuration("PT1M"));
    }

    @Test
    void mistakesAreReported() {
        assertThrows(IllegalArgumentException.class, () -> SimFlags.parse("--bogus", "1"));
        assertThrows(IllegalArgumentException.class, () -> SimFlags.parse("--port"));
        assertThrows(IllegalArgumentException.class, () -> SimFlags.parse("--fault-rate", "nope=0.1"));
        assertThrows(IllegalArgumentException.class, () -> SimFlags.parse("--max-num-seqs", "0"));
    }

    /** A mistyped flag is named as unknown, whether or not a value follows, and a bad number names its flag. */
    @Test
    void anUnknownFlagIsNamedAsUnknownNotAsMissingItsValue() {
        for (String[] args : new String[][] {{"--bogus"}, {"--bogus", "1"}, {"--zero-latncy"}, {"--prot=9000"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimFlags.parse(args));
            assertTrue(
                    e.getMessage().startsWith("unknown flag " + args[0].replaceFirst("=.*", "") + "\n"),
                    e.getMessage());
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SimFlags.parse("--port", "abc"));
        assertEquals("--port abc: not a number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SimFlags.parse("--port"));
        assertEquals("--port needs a value", e.getMessage());
        assertEquals(9000, SimFlags.parse("--port=9000").port());
        assertEquals("0.0.0.0", SimFlags.parse("--host", "0.0.0.0").host());
    }

    /** Every flag the usage lists is one the parser knows (the list of flags that take a value included). */
    @Test
    void everyFlagOfTheUsageIsKnown() {
        java.util.regex.Matcher flag =
                java.util.regex.Pattern.compile("(?m)^  (--[a-z-]+)").matcher(SimFlags.USAGE);
        int flags = 0;
        while (flag.find()) {
            flags++;
            String name = flag.group(1);
            try {
                SimFlags.parse(name, "1");
            } catch (IllegalArgumentException e) {
                assertFalse(e.getMessage().startsWith("unknown flag"), name + ": " + e.getMessage());
            }
        }
        assertTrue(flags > 20, "flags read from the usage: " + flags);
    }

    @Test
    void theUsageNamesTheCommandTheUserTyped() {
        assertTrue(SimFlags.USAGE.startsWith("Usage: java -jar model-sim.jar [flags]\n"));
        assertTrue(SimFlags.usage("palimpsest sim").startsWith("Usage: palimpsest sim [flags]\n"));
        assertEquals(
                SimFlags.USAGE.substring(SimFlags.USAGE.indexOf('\n')),
                SimFlags.usage("palimpsest sim")
                        .substring(SimFlags.usage("palimpsest sim").indexOf('\n')));
    }
}
