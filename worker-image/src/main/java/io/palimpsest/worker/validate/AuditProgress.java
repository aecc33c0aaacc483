package io.palimpsest.worker.validate;

import io.palimpsest.worker.format.CountingInputStream;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * The progress bar on stderr: bytes of the input file read (compressed bytes for .gz/.zst, so the
 * bar always has a known end), with the pair and rejection counts beside it. Stdout stays clean for
 * the summary.
 */
final class AuditProgress implements AutoCloseable {
    private static final long MIB = 1024 * 1024;
    private static final int EVERY = 1024;

    private final ProgressBar bar;
    private final CountingInputStream counted;
    private long seen;

    private AuditProgress(ProgressBar bar, CountingInputStream counted) {
        this.bar = bar;
        this.counted = counted;
    }

    static AuditProgress on(PrintStream err, CountingInputStream counted, long fileBytes) {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName("validate")
                .setInitialMax(Math.max(1, fileBytes))
                .setUnit(" MiB", MIB)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .showSpeed()
                .build();
        return new AuditProgress(bar, counted);
    }

    static AuditProgress none() {
        return new AuditProgress(null, null);
    }

    void advanced(ValidationSummary summary) {
        if (bar == null || ++seen % EVERY != 0) {
            return;
        }
        update(summary);
    }

    void finish(ValidationSummary summary) {
        if (bar != null) {
            update(summary);
            bar.stepTo(bar.getMax());
        }
    }

    private void update(ValidationSummary summary) {
        bar.stepTo(counted.count());
        bar.setExtraMessage(String.format(Locale.ROOT, " %d pairs, %d rejected", summary.pairs(), summary.rejected()));
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
