package io.palimpsest.worker.client;

/**
 * What the client reads from one vLLM /metrics page, taken in one pass over its lines when the page
 * arrives: the router, the fleet view and the preemption counter all read this instead of the text,
 * and a page kept for later rounds is kept parsed.
 *
 * <p>A line is a sample of metric M when it starts with M followed by {@code '{'} or {@code ' '}, so
 * {@code vllm:num_requests_running_total} is not {@code vllm:num_requests_running}. The value is the
 * first field after the labels; a sample line whose value does not parse is skipped.
 *
 * @param waiting {@code vllm:num_requests_waiting} summed over its label sets, -1 when absent
 * @param running {@code vllm:num_requests_running} summed over its label sets, -1 when absent
 * @param kvUsage the fullest engine's KV cache usage (0-1), NaN when the server does not report it
 * @param preemptionsTotal {@code vllm:num_preemptions_total} summed over its label sets, -1 when absent
 * @param processStart {@code process_start_time_seconds}, -1 when absent
 */
record EnginePage(double waiting, double running, double kvUsage, double preemptionsTotal, double processStart) {

    static final String WAITING = "vllm:num_requests_waiting";
    static final String RUNNING = "vllm:num_requests_running";
    static final String KV_USAGE = "vllm:kv_cache_usage_perc";
    /** The same gauge's name before vLLM 0.10, read when the newer one gives nothing. */
    static final String KV_USAGE_BEFORE_0_10 = "vllm:gpu_cache_usage_perc";

    static final String PREEMPTIONS = "vllm:num_preemptions_total";
    /** vLLM's Prometheus client exports it; it tells apart replicas reached through one address. */
    static final String PROCESS_START = "process_start_time_seconds";

    private static final String[] READ = {WAITING, RUNNING, KV_USAGE, KV_USAGE_BEFORE_0_10, PREEMPTIONS, PROCESS_START};

    static EnginePage parse(String exposition) {
        Series[] series = scan(exposition, READ);
        double kv = series[2].maxOrNaN();
        return new EnginePage(
                series[0].sumOrAbsent(),
                series[1].sumOrAbsent(),
                kv >= 0 ? kv : series[3].maxOrNaN(),
                series[4].sumOrAbsent(),
                series[5].sumOrAbsent());
    }

    /** Both queue gauges are there: the page is a vLLM engine's. */
    boolean hasQueue() {
        return waiting >= 0 && running >= 0;
    }

    /** The replica that served the page: its start time, or "" for every page without one. */
    String replica() {
        return processStart < 0 ? "" : Double.toString(processStart);
    }

    /** Every sample of the given metrics, in one pass over the lines, without splitting the page. */
    private static Series[] scan(String exposition, String[] metrics) {
        Series[] series = new Series[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            series[i] = new Series();
        }
        int length = exposition.length();
        for (int start = 0; start < length; ) {
            int end = exposition.indexOf('\n', start);
            if (end < 0) {
                end = length;
            }
            int nameEnd = start;
            while (nameEnd < end && exposition.charAt(nameEnd) != '{' && exposition.charAt(nameEnd) != ' ') {
                nameEnd++;
            }
            if (nameEnd < end) {
                for (int i = 0; i < metrics.length; i++) {
                    String metric = metrics[i];
                    if (nameEnd - start == metric.length() && exposition.startsWith(metric, start)) {
                        try {
                            series[i].add(Double.parseDouble(valueOf(exposition.substring(start, end))));
                        } catch (NumberFormatException malformed) {
                            // a malformed sample line is skipped
                        }
                        break;
                    }
                }
            }
            start = end + 1;
        }
        return series;
    }

    /** The first field after the labels (or after the name when there are none); "" when there is none. */
    static String valueOf(String line) {
        int close = line.lastIndexOf('}');
        int from = close >= 0 ? close + 1 : line.indexOf(' ');
        if (from < 0) {
            return ""; // an opened label set never closed
        }
        return line.substring(from).trim().split("\\s+")[0];
    }

    /** The samples of one metric seen so far. */
    private static final class Series {
        private double sum;
        private boolean found;
        private double max = -1;

        void add(double value) {
            sum += value;
            found = true;
            max = Math.max(max, value);
        }

        double sumOrAbsent() {
            return found ? sum : -1;
        }

        double maxOrNaN() {
            return max >= 0 ? max : Double.NaN;
        }
    }
}
