package io.palimpsest.sim;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Everything the simulator can do wrong, named as on the wire (the {@code X-Sim-Fault} header,
 * {@code --fault-rate name=rate}, the admin API and {@code sim:faults_injected_total}).
 */
public enum Fault {
    /** 429 with a Retry-After header. */
    RATE_LIMIT("rate_limit", Kind.HTTP_ERROR),
    /** 500. */
    SERVER_ERROR("server_error", Kind.HTTP_ERROR),
    /** 503. */
    UNAVAILABLE("unavailable", Kind.HTTP_ERROR),
    /** 400 with vLLM's context-length message, whatever the real prompt length. */
    CONTEXT_LENGTH("context_length", Kind.HTTP_ERROR),
    /** The connection is closed without any response bytes. */
    RESET("reset", Kind.CONNECTION),
    /** The request is accepted and never answered; it holds no scheduler slot. */
    HANG("hang", Kind.CONNECTION),
    /** The request waits {@link FaultConfig#slowStartDelay()} before it joins the queue. */
    SLOW_START("slow_start", Kind.LATENCY),
    /** The rewrite cut mid-sentence, finish_reason "length". */
    TRUNCATION("truncation", Kind.OUTPUT),
    /** A phrase loop that runs until the token budget, finish_reason "length". */
    REPETITION("repetition", Kind.OUTPUT),
    /** "I'm sorry, but I can't ..." instead of a rewrite. */
    REFUSAL("refusal", Kind.OUTPUT),
    /** A chatty "Sure! Here is ..." line before the rewrite. */
    PREAMBLE("preamble", Kind.OUTPUT),
    /** The source document verbatim. */
    ECHO("echo", Kind.OUTPUT),
    /** French or German text of about the source's length. */
    WRONG_LANGUAGE("wrong_language", Kind.OUTPUT),
    /** No text at all, finish_reason "stop". */
    EMPTY("empty", Kind.OUTPUT);

    /** Where in the request's life a fault acts. */
    public enum Kind {
        HTTP_ERROR,
        CONNECTION,
        LATENCY,
        OUTPUT
    }

    private final String wireName;
    private final Kind kind;

    Fault(String wireName, Kind kind) {
        this.wireName = wireName;
        this.kind = kind;
    }

    public String wireName() {
        return wireName;
    }

    public Kind kind() {
        return kind;
    }

    public static Optional<Fault> fromWireName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String wanted = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return Arrays.stream(values()).filter(f -> f.wireName.equals(wanted)).findFirst();
    }

    /** Like {@link #fromWireName} but fails with the list of valid names. */
    public static Fault parse(String name) {
        return fromWireName(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown fault '" + name + "', expected one of "
                        + Arrays.toString(
                                Arrays.stream(values()).map(Fault::wireName).toArray())));
    }

    @Override
    public String toString() {
        return wireName;
    }
}
