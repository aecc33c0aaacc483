package io.palimpsest.worker.cli;

/** java.util.logging on one line per record, with a timestamp, to stderr: what log collectors expect. */
final class OneLineLogging {

    private OneLineLogging() {}

    static void install() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
        }
    }
}
