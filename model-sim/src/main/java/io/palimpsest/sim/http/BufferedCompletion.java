package io.palimpsest.sim.http;

import io.palimpsest.sim.Fault;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.RequestOutcome;
import io.palimpsest.sim.engine.Sequence;
import io.palimpsest.sim.engine.SequenceListener;
import io.palimpsest.sim.output.PlannedOutput;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;

/** A non-streaming answer: one JSON body once the last token is out. */
final class BufferedCompletion implements SequenceListener {
    private final HttpServerRequest request;
    private final ResponseBodies.Header header;
    private final PlannedOutput plan;
    private final LoggedRequest entry;
    private final Optional<Fault> fault;

    BufferedCompletion(
            HttpServerRequest request,
            ResponseBodies.Header header,
            PlannedOutput plan,
            LoggedRequest entry,
            Optional<Fault> fault) {
        this.request = request;
        this.header = header;
        this.plan = plan;
        this.entry = entry;
        this.fault = fault;
    }

    @Override
    public void onFirstToken(Sequence seq) {
        // the whole body goes out at the end
    }

    @Override
    public void onToken(Sequence seq, String piece) {
        // the whole body goes out at the end
    }

    @Override
    public void onFinish(Sequence seq) {
        String text = plan.text();
        // Logged before the reply, so a client that has its answer also finds the outcome.
        entry.outcome(new RequestOutcome(
                200, fault, seq.finishReason().wireName(), text, seq.promptTokens(), seq.completionTokens()));
        HttpReplies.json(
                request,
                200,
                ResponseBodies.completion(
                        header,
                        text,
                        seq.finishReason(),
                        plan.stopReason(),
                        seq.promptTokens(),
                        seq.completionTokens()));
    }
}
