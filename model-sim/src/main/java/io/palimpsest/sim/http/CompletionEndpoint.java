package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.RequestOutcome;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.engine.PrefixHashes;
import io.palimpsest.sim.engine.Sequence;
import io.palimpsest.sim.engine.SequenceListener;
import io.palimpsest.sim.output.OutputPlanner;
import io.palimpsest.sim.output.PlannedOutput;
import io.palimpsest.sim.rules.ResponseRules;
import io.palimpsest.sim.text.Hashing;
import io.palimpsest.sim.text.Tokenizer;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: validate like vLLM, pick a
 * fault, plan the answer, and hand a sequence to the scheduler. Runs on the event loop.
 */
final class CompletionEndpoint {
    static final String FAULT_HEADER = "X-Sim-Fault";

    private final SimState state;

    CompletionEndpoint(SimState state) {
        this.state = state;
    }

    void handle(HttpServerRequest req, CompletionRequest.Kind kind, JsonNode body, LoggedRequest entry) {
        SimConfig cfg = state.config();
        CompletionRequest request;
        Optional<Fault> fault;
        Optional<ResponseRules.Hit> hit;
        try {
            request = CompletionRequestParser.parse(kind, body, cfg.modelName());
            entry.prompt(request.prompt().matchText(), request.prompt().document());
            hit = state.rules().firstMatch(request.prompt());
            fault = chooseFault(req, hit);
        } catch (ApiError e) {
            entry.outcome(RequestOutcome.statusOnly(e.status(), null));
            HttpReplies.error(req, e);
            return;
        }
        fault.ifPresent(f -> state.metrics().faultInjected(f));
        // One BPE pass serves the count and, with prefix caching on, the block hashes.
        int[] promptIds = cfg.prefixCaching() ? Tokenizer.ids(request.prompt().modelInput()) : null;
        int promptTokens = promptIds != null
                ? promptIds.length
                : Tokenizer.count(request.prompt().modelInput());
        try {
            checkContextLength(promptTokens, request.maxTokens(), fault);
        } catch (ApiError e) {
            entry.outcome(new RequestOutcome(e.status(), fault, null, null, promptTokens, 0));
            HttpReplies.error(req, e);
            return;
        }
        if (fault.isPresent() && answeredWithoutGenerating(req, fault.get(), entry)) {
            return;
        }
        int budget = request.maxTokens() != null
                ? request.maxTokens()
                : kind == CompletionRequest.Kind.CHAT
                        ? cfg.maxModelLen() - promptTokens
                        : Math.min(16, cfg.maxModelLen() - promptTokens);
        long seed = request.seed() == null ? cfg.seed() : cfg.seed() ^ Hashing.mix(request.seed());
        Fault outputFault = fault.filter(f -> f.kind() == Fault.Kind.OUTPUT).orElse(null);
        PlannedOutput plan = OutputPlanner.plan(request.prompt(), hit, seed, outputFault, request.stop(), budget);

        long id = state.nextId();
        ResponseBodies.Header header = new ResponseBodies.Header(
                kind,
                kind.idPrefix() + hex16(Hashing.mix(cfg.seed() ^ id)),
                System.currentTimeMillis() / 1000,
                cfg.modelName());
        SequenceListener listener = request.stream()
                ? new StreamingCompletion(
                        req, header, plan, request.includeUsage(), request.continuousUsage(), entry, fault)
                : new BufferedCompletion(req, header, plan, entry, fault);
        long[] prefix = promptIds != null ? PrefixHashes.of(promptIds, cfg.blockSize()) : new long[0];
        Sequence seq = new Sequence(id, promptTokens, prefix, plan.pieces(), plan.finishReason(), listener);
        if (fault.orElse(null) == Fault.SLOW_START) {
            seq.receivedAt(System.nanoTime());
            long timer = state.vertx()
                    .setTimer(
                            Math.max(1, state.faults().config().slowStartDelay().toMillis()),
                            t -> submit(req, seq, entry, fault));
            req.response().closeHandler(v -> state.vertx().cancelTimer(timer));
        } else {
            submit(req, seq, entry, fault);
        }
    }

    private void submit(HttpServerRequest req, Sequence seq, LoggedRequest entry, Optional<Fault> fault) {
        if (req.response().closed()) {
            entry.outcome(new RequestOutcome(0, fault, "abort", null, seq.promptTokens(), 0));
            return;
        }
        // Registered first: with zero latency the whole answer may be written inside submit().
        req.response().closeHandler(v -> {
            state.scheduler().abort(seq);
            if (entry.outcome().isEmpty()) {
                entry.outcome(new RequestOutcome(0, fault, "abort", null, seq.promptTokens(), seq.emitted()));
            }
        });
        if (!state.scheduler().submit(seq)) {
            int status = state.config().overflowResponse().status();
            entry.outcome(new RequestOutcome(status, fault, null, null, seq.promptTokens(), 0));
            if (status == 429) {
                req.response()
                        .putHeader(
                                "retry-after",
                                Integer.toString(state.faults().config().retryAfterSeconds()));
            }
            HttpReplies.error(
                    req,
                    new ApiError(
                            status,
                            status == 429 ? "RateLimitError" : "ServiceUnavailableError",
                            "The waiting queue is full (" + state.config().maxWaiting() + " requests)."));
        }
    }

    private static String hex16(long value) {
        String hex = Long.toHexString(value);
        return "0".repeat(16 - hex.length()) + hex;
    }

    /** The header wins (its value "none" forces no fault), then a rule's fault, then a draw. */
    private Optional<Fault> chooseFault(HttpServerRequest req, Optional<ResponseRules.Hit> hit) {
        String forced = req.getHeader(FAULT_HEADER);
        if (forced != null && !forced.isBlank()) {
            if (forced.trim().equalsIgnoreCase("none")) {
                return Optional.empty();
            }
            try {
                return Optional.of(Fault.parse(forced));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(FAULT_HEADER + ": " + e.getMessage());
            }
        }
        Optional<Fault> ruleFault = hit.flatMap(h -> h.rule().fault());
        return ruleFault.isPresent() ? ruleFault : state.faults().draw();
    }

    private void checkContextLength(int promptTokens, Integer maxTokens, Optional<Fault> fault) {
        int maxLen = state.config().maxModelLen();
        if (promptTokens >= maxLen || fault.orElse(null) == Fault.CONTEXT_LENGTH) {
            throw ApiError.badRequest("This model's maximum context length is " + maxLen
                    + " tokens. However, your request has " + promptTokens
                    + " input tokens. Please reduce the length of the input messages.");
        }
        if (maxTokens != null && promptTokens + maxTokens > maxLen) {
            throw ApiError.badRequest("'max_tokens' or 'max_completion_tokens' is too large: " + maxTokens
                    + ". This model's maximum context length is " + maxLen + " tokens and your request has "
                    + promptTokens + " input tokens (" + maxTokens + " > " + maxLen + " - " + promptTokens + ").");
        }
    }

    /** Faults that replace the answer by an error or by silence; true when one was applied. */
    private boolean answeredWithoutGenerating(HttpServerRequest req, Fault fault, LoggedRequest entry) {
        FaultConfig faults = state.faults().config();
        switch (fault) {
            case RATE_LIMIT -> {
                entry.outcome(RequestOutcome.statusOnly(429, fault));
                req.response().putHeader("retry-after", Integer.toString(faults.retryAfterSeconds()));
                HttpReplies.error(
                        req, new ApiError(429, "RateLimitError", "Too many requests (injected by model-sim)."));
            }
            case SERVER_ERROR -> {
                entry.outcome(RequestOutcome.statusOnly(500, fault));
                HttpReplies.error(
                        req,
                        new ApiError(500, "InternalServerError", "Internal server error (injected by model-sim)."));
            }
            case UNAVAILABLE -> {
                entry.outcome(RequestOutcome.statusOnly(503, fault));
                HttpReplies.error(
                        req,
                        new ApiError(503, "ServiceUnavailableError", "Service unavailable (injected by model-sim)."));
            }
            case RESET -> {
                entry.outcome(RequestOutcome.noResponse(fault));
                HttpReplies.reset(req);
            }
            case HANG -> entry.outcome(RequestOutcome.noResponse(fault));
            default -> {
                return false;
            }
        }
        return true;
    }
}
