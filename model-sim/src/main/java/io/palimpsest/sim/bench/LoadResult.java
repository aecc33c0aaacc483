package io.palimpsest.sim.bench;

/** What happened inside the measured window of a load run. */
record LoadResult(
        long completed,
        long errors,
        long tokenEvents,
        double seconds,
        double[] latenciesSeconds,
        double processCpuSeconds) {
    /** CPU of the whole JVM (client and simulator) per completed request. */
    double cpuMillisPerRequest() {
        return completed == 0 ? Double.NaN : processCpuSeconds * 1000 / completed;
    }

    double requestsPerSecond() {
        return completed / seconds;
    }

    double tokensPerSecond() {
        return tokenEvents / seconds;
    }

    double latencyPercentile(double p) {
        if (latenciesSeconds.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(latenciesSeconds.length - 1, Math.floor(p * latenciesSeconds.length));
        return latenciesSeconds[i];
    }
}
