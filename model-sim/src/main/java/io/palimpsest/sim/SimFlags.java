package io.palimpsest.sim;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Command-line flags of {@link Main}, parsed into a {@link SimConfig} plus where to listen.
 * Flags take {@code --name value} or {@code --name=value}; names follow vLLM's where vLLM has one.
 */
public record SimFlags(SimConfig config, String host, int port, boolean help) {

    public static final String USAGE = String.join(
            "\n",
            "Usage: java -jar model-sim.jar [flags]",
            "  --host ADDR                        listen address (default 127.0.0.1)",
            "  --port N                           listen port, 0 = ephemeral (default 8000)",
            "  --model NAME                       served model name (default sim-model)",
            "  --max-num-seqs N                   running batch size (default 256)",
            "  --max-waiting N                    bound the waiting queue, as a gateway would (default: none, as vLLM)",
            "  --overflow-status 429|503          answer when that bound is reached (default 429)",
            "  --prefill-seconds-per-token S      prefill cost per prompt token (default 0.0001)",
            "  --decode-step-base-seconds S       decode step time, fixed part (default 0.010)",
            "  --decode-step-per-seq-seconds S    decode step time per running sequence (default 0.00015)",
            "  --step-per-context-token-seconds S step time per token of context attended to (default 0)",
            "  --zero-latency                     all latencies 0",
            "  --startup-delay D                  refuse connections for this long, as while loading (e.g. 30s, 500ms, PT1M)",
            "  --max-model-len N                  context length (default 8192)",
            "  --kv-cache-tokens N                KV cache size in tokens (default max(max-model-len,",
            "                                     max-num-seqs x min(max-model-len, 2048)))",
            "  --block-size N                     tokens per KV block (default 16)",
            "  --max-num-batched-tokens N         token budget of one step; prefills are chunked (default 8192)",
            "  --no-enable-prefix-caching         do not share full prompt blocks between requests",
            "  --seed N                           output seed (default 0)",
            "  --fault-rate NAME=RATE             repeatable; names: rate_limit server_error unavailable",
            "                                     context_length reset hang slow_start truncation repetition",
            "                                     refusal preamble echo wrong_language empty",
            "  --fault-seed N                     seed of the fault draws (default 42)",
            "  --slow-start-delay D               extra wait of slow_start (default 10s)",
            "  --retry-after-seconds N            Retry-After of rate_limit (default 1)",
            "  --rules FILE                       response rules, YAML or JSON",
            "  --request-log-capacity N           requests kept for /admin/requests (default 10000)",
            "  --api-key KEY                      /v1 requests need Authorization: Bearer KEY, else 401 (as vLLM;",
            "                                     default: the environment variable VLLM_API_KEY, as vLLM)",
            "  --help");

    /** {@link #USAGE} for the command that runs the simulator ({@code palimpsest sim} in the worker CLI). */
    public static String usage(String command) {
        return USAGE.replaceFirst("^Usage: java -jar model-sim\\.jar", "Usage: " + Matcher.quoteReplacement(command));
    }

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    /** The variable vLLM reads its API key from when {@code --api-key} is not given. */
    public static final String API_KEY_ENV = "VLLM_API_KEY";

    public static SimFlags parse(String... args) {
        return parse(Map.of(), args);
    }

    /**
     * @param env the process environment: {@value #API_KEY_ENV}, when set and not empty, is the API key
     *     unless {@code --api-key} gives one, as vLLM reads it
     */
    public static SimFlags parse(Map<String, String> env, String... args) {
        SimConfig.Builder config = SimConfig.builder();
        String envKey = env.get(API_KEY_ENV);
        if (envKey != null && !envKey.isEmpty()) {
            config.apiKey(envKey);
        }
        FaultConfig.Builder faults = FaultConfig.builder();
        String host = "127.0.0.1";
        int port = 8000;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + USAGE);
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.equals("help")) {
                help = true;
                continue;
            }
            if (name.equals("zero-latency")) {
                config.zeroLatency();
                continue;
            }
            if (name.equals("enable-prefix-caching") || name.equals("no-enable-prefix-caching")) {
                config.prefixCaching(name.equals("enable-prefix-caching"));
                continue;
            }
            if (!TAKE_A_VALUE.contains(name)) {
                // before asking for its value: "--bogus needs a value" would send the user after a value
                throw new IllegalArgumentException("unknown flag --" + name + "\n" + USAGE);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            try {
                apply(name, value, config, faults);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " " + value + ": not a number");
            }
            if (name.equals("host")) {
                host = value;
            } else if (name.equals("port")) {
                port = Integer.parseInt(value);
            }
        }
        return new SimFlags(config.faults(faults.build()).build(), host, port, help);
    }

    /** The flags that take a value (the others: --help, --zero-latency, --[no-]enable-prefix-caching). */
    private static final Set<String> TAKE_A_VALUE = Set.of(
            "host",
            "port",
            "model",
            "served-model-name",
            "max-num-seqs",
            "max-waiting",
            "overflow-status",
            "prefill-seconds-per-token",
            "decode-step-base-seconds",
            "decode-step-per-seq-seconds",
            "startup-delay",
            "max-model-len",
            "kv-cache-tokens",
            "block-size",
            "max-num-batched-tokens",
            "step-per-context-token-seconds",
            "seed",
            "fault-rate",
            "fault-seed",
            "slow-start-delay",
            "retry-after-seconds",
            "rules",
            "request-log-capacity",
            "api-key");

    private static void apply(String name, String value, SimConfig.Builder config, FaultConfig.Builder faults) {
        switch (name) {
            case "host" -> {} // where to listen: the record's, not the config's
            case "port" -> Integer.parseInt(value);
            case "model", "served-model-name" -> config.modelName(value);
            case "max-num-seqs" -> config.maxNumSeqs(Integer.parseInt(value));
            case "max-waiting" -> config.maxWaiting(Integer.parseInt(value));
            case "overflow-status" -> config.overflowResponse(OverflowResponse.fromStatus(Integer.parseInt(value)));
            case "prefill-seconds-per-token" -> config.prefillSecondsPerToken(Double.parseDouble(value));
            case "decode-step-base-seconds" -> config.decodeStepBaseSeconds(Double.parseDouble(value));
            case "decode-step-per-seq-seconds" -> config.decodeStepPerSeqSeconds(Double.parseDouble(value));
            case "startup-delay" -> config.startupDelay(parseDuration(value));
            case "max-model-len" -> config.maxModelLen(Integer.parseInt(value));
            case "kv-cache-tokens" -> config.kvCacheTokens(Long.parseLong(value));
            case "block-size" -> config.blockSize(Integer.parseInt(value));
            case "max-num-batched-tokens" -> config.maxNumBatchedTokens(Integer.parseInt(value));
            case "step-per-context-token-seconds" -> config.stepPerContextTokenSeconds(Double.parseDouble(value));
            case "seed" -> config.seed(Long.parseLong(value));
            case "fault-rate" -> faults.rate(value);
            case "fault-seed" -> faults.seed(Long.parseLong(value));
            case "slow-start-delay" -> faults.slowStartDelay(parseDuration(value));
            case "retry-after-seconds" -> faults.retryAfterSeconds(Integer.parseInt(value));
            case "rules" -> config.rulesFile(Path.of(value));
            case "request-log-capacity" -> config.requestLogCapacity(Integer.parseInt(value));
            case "api-key" -> config.apiKey(value);
            default -> throw new IllegalArgumentException("unknown flag --" + name + "\n" + USAGE);
        }
    }

    /** Accepts "30s", "500ms", "2m", "1h", a bare number of seconds, or ISO-8601 ("PT30S"). */
    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(t);
        if (m.matches()) {
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis =
                    switch (unit) {
                        case "ms" -> amount;
                        case "m" -> amount * 60_000;
                        case "h" -> amount * 3_600_000;
                        default -> amount * 1000;
                    };
            return Duration.ofNanos(Math.round(millis * 1_000_000));
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (try 30s, 500ms, PT1M)", e);
        }
    }
}
