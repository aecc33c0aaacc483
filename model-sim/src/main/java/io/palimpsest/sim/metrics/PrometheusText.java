package io.palimpsest.sim.metrics;

/** Writes the Prometheus text exposition format (version 0.0.4). */
final class PrometheusText {
    private final StringBuilder out = new StringBuilder(4096);

    void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    void sample(String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    void histogram(String name, String labels, Histogram h) {
        double[] bounds = h.upperBounds();
        long[] counts = h.cumulativeCounts();
        for (int i = 0; i < bounds.length; i++) {
            sample(name + "_bucket", labels + ",le=\"" + format(bounds[i]) + "\"", counts[i]);
        }
        sample(name + "_bucket", labels + ",le=\"+Inf\"", h.count());
        sample(name + "_count", labels, h.count());
        sample(name + "_sum", labels, h.sum());
    }

    static String label(String name, String value) {
        return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static String format(double v) {
        if (v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v) + ".0";
        }
        return Double.toString(v);
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
