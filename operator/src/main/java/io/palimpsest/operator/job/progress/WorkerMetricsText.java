package io.palimpsest.operator.job.progress;

/**
 * Reads the few series live progress needs from a worker's Prometheus text exposition:
 * {@code palimpsest_documents_total} by outcome, {@code palimpsest_tokens_total} by kind,
 * {@code palimpsest_input_read_bytes_total}, {@code palimpsest_shard_input_bytes} and
 * {@code palimpsest_shard_progress_ratio} (the worker's estimate, preferred when present). Everything
 * else (latency buckets, retries) is skipped by its first characters, so a scrape costs one pass
 * over a few kilobytes.
 */
public final class WorkerMetricsText {
    static final String DOCUMENTS = "palimpsest_documents_total";
    static final String TOKENS = "palimpsest_tokens_total";
    static final String BYTES_READ = "palimpsest_input_read_bytes_total";
    static final String SHARD_BYTES = "palimpsest_shard_input_bytes";
    static final String RATIO = "palimpsest_shard_progress_ratio";

    private WorkerMetricsText() {}

    /** @throws IllegalArgumentException when the page has no documents counter: not a worker's /metrics */
    public static ShardProgress parse(int shard, String body) {
        long written = 0;
        long rejected = 0;
        long skipped = 0;
        long prompt = 0;
        long completion = 0;
        long bytesRead = 0;
        long shardBytes = 0;
        double ratio = Double.NaN;
        boolean sawDocuments = false;
        int at = 0;
        int n = body.length();
        while (at < n) {
            int end = body.indexOf('\n', at);
            if (end < 0) {
                end = n;
            }
            if (body.charAt(at) == 'p') {
                String line = body.substring(at, end);
                if (is(line, DOCUMENTS)) {
                    sawDocuments = true;
                    String outcome = label(line, "outcome");
                    long v = value(line);
                    if ("written".equals(outcome)) {
                        written = v;
                    } else if ("rejected".equals(outcome)) {
                        rejected = v;
                    } else if ("skipped".equals(outcome)) {
                        skipped = v;
                    }
                } else if (is(line, TOKENS)) {
                    String kind = label(line, "kind");
                    if ("prompt".equals(kind)) {
                        prompt = value(line);
                    } else if ("completion".equals(kind)) {
                        completion = value(line);
                    }
                } else if (is(line, BYTES_READ)) {
                    bytesRead = value(line);
                } else if (is(line, SHARD_BYTES)) {
                    shardBytes = value(line);
                } else if (is(line, RATIO)) {
                    ratio = number(line);
                }
            }
            at = end + 1;
        }
        if (!sawDocuments) {
            throw new IllegalArgumentException("no " + DOCUMENTS + " in the scrape");
        }
        return new ShardProgress(shard, written, rejected, skipped, prompt, completion, bytesRead, shardBytes, ratio);
    }

    private static boolean is(String line, String name) {
        return line.startsWith(name)
                && line.length() > name.length()
                && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ');
    }

    private static String label(String line, String name) {
        int start = line.indexOf(name + "=\"");
        if (start < 0) {
            return null;
        }
        start += name.length() + 2;
        int end = line.indexOf('"', start);
        return end < 0 ? null : line.substring(start, end);
    }

    /** The value after the labels (or the name), before an optional timestamp; counters are whole numbers. */
    private static long value(String line) {
        double d = number(line);
        return Double.isFinite(d) ? Math.round(d) : 0;
    }

    private static double number(String line) {
        int brace = line.lastIndexOf('}');
        String rest = (brace >= 0 ? line.substring(brace + 1) : line.substring(line.indexOf(' '))).trim();
        int space = rest.indexOf(' ');
        return Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
    }
}
