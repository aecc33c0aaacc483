package io.palimpsest.operator.job.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WorkerMetricsTextTest {

    /** As the worker's Prometheus client writes it (text format 0.0.4), trimmed. */
    static final String PAGE = """
            # HELP palimpsest_documents_total Documents this worker finished (not yet committed), by outcome: written, rejected, skipped.
            # TYPE palimpsest_documents_total counter
            palimpsest_documents_total{outcome="rejected"} 3.0
            palimpsest_documents_total{outcome="skipped"} 1.0
            palimpsest_documents_total{outcome="written"} 120.0
            # TYPE palimpsest_documents_not_written_total counter
            palimpsest_documents_not_written_total{outcome="rejected",reason="malformed_json"} 3.0
            # TYPE palimpsest_input_read_bytes_total counter
            palimpsest_input_read_bytes_total 524288.0
            # TYPE palimpsest_request_duration_seconds histogram
            palimpsest_request_duration_seconds_bucket{le="0.1"} 0
            palimpsest_request_duration_seconds_count 124
            # TYPE palimpsest_shard_input_bytes gauge
            palimpsest_shard_input_bytes 2097152.0
            # TYPE palimpsest_shard_progress_ratio gauge
            palimpsest_shard_progress_ratio 0.2
            # TYPE palimpsest_tokens_total counter
            palimpsest_tokens_total{kind="completion"} 45678.0
            palimpsest_tokens_total{kind="prompt"} 1.2345E7
            palimpsest_tokens_total_created{kind="prompt"} 1.7e9
            """;

    @Test
    void readsTheSeriesLiveProgressNeeds() {
        ShardProgress p = WorkerMetricsText.parse(7, PAGE);
        assertEquals(new ShardProgress(7, 120, 3, 1, 12_345_000, 45_678, 524_288, 2_097_152, 0.2), p);
        assertEquals(124, p.documents());
        assertEquals(0.2, p.fraction(), 1e-9, "the worker's own estimate first");
        assertEquals(
                0.25,
                WorkerMetricsText.parse(7, PAGE.replaceAll("(?m)^palimpsest_shard_progress_ratio.*$", ""))
                        .fraction(),
                1e-9,
                "else bytes read over planned");
    }

    @Test
    void aPageWithoutTheDocumentsCounterIsNotAWorkers() {
        assertThrows(IllegalArgumentException.class, () -> WorkerMetricsText.parse(0, "vllm:num_requests_waiting 3\n"));
    }

    @Test
    void fractionIsBoundedAndZeroWhenTheSizeIsUnknown() {
        assertEquals(0, new ShardProgress(0, 1, 0, 0, 0, 0, 100, 0).fraction());
        assertEquals(1.0, new ShardProgress(0, 1, 0, 0, 0, 0, 300, 100).fraction(), "a second pass reads again");
    }
}
