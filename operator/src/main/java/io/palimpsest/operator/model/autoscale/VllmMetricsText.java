package io.palimpsest.operator.model.autoscale;

/**
 * Reads the gauges the autoscaler needs from a Prometheus text exposition: the queue, summed over
 * every series of a name (vLLM labels them by model_name, engine), and the KV cache usage, the
 * fullest engine's. Ignores everything else, and tolerates comments, timestamps and exotic labels
 * without a full parser.
 */
public final class VllmMetricsText {
    public static final String WAITING = "vllm:num_requests_waiting";
    public static final String RUNNING = "vllm:num_requests_running";
    public static final String KV_USAGE = "vllm:kv_cache_usage_perc";
    /** The same gauge's name before vLLM 0.10. */
    public static final String KV_USAGE_OLD = "vllm:gpu_cache_usage_perc";

    /**
     * waiting and running summed over the series of one scrape; kvUsage (0-1) the largest of its
     * series, NaN when the server does not report it.
     */
    public record Gauges(double waiting, double running, double kvUsage) {
        public Gauges(double waiting, double running) {
            this(waiting, running, Double.NaN);
        }
    }

    private VllmMetricsText() {}

    /** @throws IllegalArgumentException when neither gauge appears: not a vLLM /metrics page */
    public static Gauges parse(String body) {
        double waiting = 0;
        double running = 0;
        boolean sawWaiting = false;
        boolean sawRunning = false;
        double kvUsage = Double.NaN;
        for (String line : body.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            if (line.startsWith(WAITING) && isNameEnd(line, WAITING.length())) {
                waiting += value(line);
                sawWaiting = true;
            } else if (line.startsWith(RUNNING) && isNameEnd(line, RUNNING.length())) {
                running += value(line);
                sawRunning = true;
            } else if ((line.startsWith(KV_USAGE) && isNameEnd(line, KV_USAGE.length()))
                    || (line.startsWith(KV_USAGE_OLD) && isNameEnd(line, KV_USAGE_OLD.length()))) {
                double v = value(line);
                kvUsage = Double.isNaN(kvUsage) ? v : Math.max(kvUsage, v);
            }
        }
        if (!sawWaiting && !sawRunning) {
            throw new IllegalArgumentException("no " + WAITING + " or " + RUNNING + " in the scrape");
        }
        return new Gauges(waiting, running, kvUsage);
    }

    private static boolean isNameEnd(String line, int at) {
        return at < line.length() && (line.charAt(at) == '{' || line.charAt(at) == ' ');
    }

    /** The value follows the closing brace of the labels (which may contain spaces), then an optional timestamp. */
    private static double value(String line) {
        int start = line.lastIndexOf('}');
        String rest = (start >= 0 ? line.substring(start + 1) : line.substring(line.indexOf(' '))).trim();
        int space = rest.indexOf(' ');
        String v = space < 0 ? rest : rest.substring(0, space);
        double d = Double.parseDouble(v);
        return Double.isFinite(d) ? d : 0;
    }
}
