package io.palimpsest.operator.model.autoscale;

/**
 * Reads the two gauges the autoscaler needs from a Prometheus text exposition. Sums every
 * series of a name (vLLM labels them by model_name, engine), ignores everything else, and
 * tolerates comments, timestamps and exotic labels without a full parser.
 */
public final class VllmMetricsText {
    public static final String WAITING = "vllm:num_requests_waiting";
    public static final String RUNNING = "vllm:num_requests_running";

    /** waiting and running summed over the series of one scrape. */
    public record Gauges(double waiting, double running) {
    }

    private VllmMetricsText() {
    }

    /** @throws IllegalArgumentException when neither gauge appears: not a vLLM /metrics page */
    public static Gauges parse(String body) {
        double waiting = 0;
        double running = 0;
        boolean sawWaiting = false;
        boolean sawRunning = false;
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
            }
        }
        if (!sawWaiting && !sawRunning) {
            throw new IllegalArgumentException("no " + WAITING + " or " + RUNNING + " in the scrape");
        }
        return new Gauges(waiting, running);
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
