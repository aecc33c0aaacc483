package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.api.recipe.ParseMode;
import io.palimpsest.api.recipe.ProgramSettings;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.RecipeMode;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.chunk.Chunk;
import io.palimpsest.worker.recipe.chunk.ChunkPacker;
import io.palimpsest.worker.recipe.chunk.ChunkPlan;
import io.palimpsest.worker.recipe.parse.ReplyParser;
import io.palimpsest.worker.recipe.post.PostResult;
import io.palimpsest.worker.recipe.program.EditCall;
import io.palimpsest.worker.recipe.program.EditProgram;
import io.palimpsest.worker.recipe.program.EditProgramParser;
import io.palimpsest.worker.recipe.program.NumberedLines;
import io.palimpsest.worker.recipe.program.ProgramExecutor;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.template.TemplateVariables;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.validate.CheckFailure;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import io.palimpsest.worker.recipe.validate.Verdict;
import io.palimpsest.worker.text.BlankText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Produces one variant's output for one document and one parameter combination: cut into chunks,
 * one call per chunk (in parallel, or in order with the previous rewritten chunks for
 * autoregressive chunking), clean, validate, join, compose with the original.
 */
final class VariantRunner {
    /** Outputs and rejects of one unit. */
    record UnitOutcome(List<OutputRecord> outputs, List<RejectRecord> rejects) {}

    private final Recipe recipe;
    private final VariantPlan plan;
    private final TokenCounter tokens;
    private final PromptRenderer renderer;
    private final EngineSettings settings;
    private final ChunkPacker packer;
    /** {@code maxInputTokens}, and the model's context less the reply cap when it is known; null: no limit. */
    private final InputBudget.Limit limit;

    VariantRunner(
            Recipe recipe, VariantPlan plan, TokenCounter tokens, PromptRenderer renderer, EngineSettings settings) {
        this.recipe = recipe;
        this.plan = plan;
        this.tokens = tokens;
        this.renderer = renderer;
        this.settings = settings;
        this.packer = new ChunkPacker(tokens);
        this.limit = InputBudget.Limit.of(plan.variant, settings.maxModelLen());
        InputBudget.check(
                plan.owner, plan.variant, recipe.getChunking(), true, renderer, tokens, settings.maxModelLen());
    }

    /** @param outputId the id the output gets (unique among the document's outputs of this variant) */
    CompletionStage<UnitOutcome> run(DocumentRun run, Map<String, Object> params, String outputId) {
        if (plan.rendersWithoutModel()) {
            return renderOnly(run, params, outputId);
        }
        Chunking chunking = recipe.getChunking() == null ? new Chunking() : recipe.getChunking();
        ChunkPlan chunks;
        try {
            chunks = cut(run, params, chunking);
        } catch (TemplateException e) {
            // the budget's render: a reply without a field the template reads, or the template's fault
            return done(rejected(reject(run, params, List.of(), e.reason(), e.getMessage(), null)));
        }
        if (chunks.chunks().isEmpty()) {
            return done(rejected(reject(
                    run,
                    params,
                    chunks.dropped().stream().map(Chunk::id).toList(),
                    ItemReason.NO_CHUNKS,
                    chunks.dropped().size() + " chunks under the minimum size (" + minSegmentTokens(chunking)
                            + " tokens)",
                    null)));
        }
        CompletionStage<List<ChunkResult>> results = chunking.getMode() == Chunking.Mode.autoregressive
                ? inOrder(run, params, chunks.chunks(), chunking)
                : inParallel(run, params, chunks.chunks());
        return results.thenApply(r -> withDropped(
                run,
                params,
                chunks,
                chunking,
                assemble(run, params, outputId, r, chunking.getMode() == Chunking.Mode.autoregressive)));
    }

    /** The chunks too short to send, each recorded as skipped. */
    private UnitOutcome withDropped(
            DocumentRun run, Map<String, Object> params, ChunkPlan chunks, Chunking chunking, UnitOutcome unit) {
        if (chunks.dropped().isEmpty()) {
            return unit;
        }
        List<RejectRecord> rejects = new ArrayList<>(unit.rejects());
        for (Chunk c : chunks.dropped()) {
            rejects.add(reject(
                    run,
                    params,
                    List.of(c.id()),
                    ItemReason.SHORT_CHUNK,
                    c.tokens() + " tokens < minSegmentTokens " + minSegmentTokens(chunking)
                            + ", and no neighbouring chunk could take it within the budget",
                    c.text()));
        }
        return new UnitOutcome(unit.outputs(), rejects);
    }

    private static int minSegmentTokens(Chunking chunking) {
        return chunking.getMinSegmentTokens() == null ? 0 : chunking.getMinSegmentTokens();
    }

    private ChunkPlan cut(DocumentRun run, Map<String, Object> params, Chunking chunking) {
        if (chunking.getMode() == null || chunking.getMode() == Chunking.Mode.none) {
            // Nothing reads a whole document's count unless a budget does; BPE over the document was ~15% of the
            // engine's CPU.
            int docTokens = limit == null ? Chunk.UNCOUNTED : tokens.count(run.doc.text());
            return ChunkPacker.whole(run.doc.id(), run.doc.text(), docTokens);
        }
        int budget = chunking.getMaxTokens() == null ? Integer.MAX_VALUE : chunking.getMaxTokens();
        if (limit != null) {
            Map<String, Object> emptyVars = TemplateVariables.of(
                    run.doc, "", List.of(), run.stages, params, chunkInfo(Chunk.idOf(run.doc.id(), 0), 0, 1));
            // The document is also a template variable; only the unit's share counts towards the budget.
            int overhead = renderer.request(plan.owner, plan.variant, emptyVars, "budget")
                    .promptTokens(tokens);
            budget = Math.min(budget, InputBudget.room(limit.tokens(), overhead, chunking));
        }
        budget = Math.max(budget, 16);
        int minChunk = minSegmentTokens(chunking);
        Chunking.SplitOn splitOn = chunking.getSplitOn() == null ? Chunking.SplitOn.newline : chunking.getSplitOn();
        return packer.pack(run.doc.id(), run.doc.text(), splitOn, budget, minChunk);
    }

    private CompletionStage<List<ChunkResult>> inParallel(
            DocumentRun run, Map<String, Object> params, List<Chunk> chunks) {
        List<CompletableFuture<ChunkResult>> futures = new ArrayList<>();
        for (Chunk c : chunks) {
            futures.add(chunk(run, params, c, chunks.size(), List.of(), plan.stagesCallModel)
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    /** Kimi K2: each chunk sees the previous rewritten chunks; a failed chunk ends the document. */
    private CompletionStage<List<ChunkResult>> inOrder(
            DocumentRun run, Map<String, Object> params, List<Chunk> chunks, Chunking chunking) {
        int keep = chunking.getContextChunks() == null ? 1 : chunking.getContextChunks();
        Integer contextTokens = chunking.getContextTokens();
        CompletionStage<List<ChunkResult>> chain = CompletableFuture.completedFuture(new ArrayList<>());
        for (Chunk c : chunks) {
            chain = chain.thenCompose(done -> {
                if (!done.isEmpty() && !(done.get(done.size() - 1) instanceof ChunkResult.Ok)) {
                    return CompletableFuture.completedFuture(done);
                }
                List<String> previous = context(done, keep, contextTokens);
                boolean afterCalls = plan.stagesCallModel || !done.isEmpty();
                return chunk(run, params, c, chunks.size(), previous, afterCalls)
                        .thenApply(r -> {
                            done.add(r);
                            return done;
                        });
            });
        }
        return chain;
    }

    private List<String> context(List<ChunkResult> done, int keep, Integer contextTokens) {
        List<String> rewritten = new ArrayList<>();
        for (ChunkResult r : done) {
            if (r instanceof ChunkResult.Ok ok) {
                rewritten.add(ok.text());
            }
        }
        List<String> recent =
                new ArrayList<>(rewritten.subList(Math.max(0, rewritten.size() - keep), rewritten.size()));
        if (contextTokens != null) {
            int total = recent.stream().mapToInt(tokens::count).sum();
            while (!recent.isEmpty() && total > contextTokens) {
                total -= tokens.count(recent.remove(0));
            }
        }
        return recent;
    }

    /**
     * One call for one chunk. With an input limit ({@code maxInputTokens}, or the model's context less the reply
     * cap), previous rewritten chunks are left out, oldest first, until the prompt fits; a prompt that still does not
     * fit is skipped, or rejected when the document's calls before it were paid ({@code afterCalls}): never sent for
     * the server to refuse.
     */
    private CompletionStage<ChunkResult> chunk(
            DocumentRun run,
            Map<String, Object> params,
            Chunk c,
            int count,
            List<String> previous,
            boolean afterCalls) {
        Integer maxInput = limit == null ? null : limit.tokens();
        List<String> context = new ArrayList<>(previous);
        while (true) {
            Map<String, Object> vars = TemplateVariables.of(
                    run.doc, c.text(), List.copyOf(context), run.stages, params, chunkInfo(c.id(), c.index(), count));
            ModelRequest request;
            try {
                request = renderer.request(plan.owner, plan.variant, vars, "variant:" + plan.name());
            } catch (TemplateException e) {
                return VariantRunner.<ChunkResult>done(new ChunkResult.Failed(c, e.reason(), e.getMessage(), null));
            }
            int input = maxInput == null ? 0 : request.promptTokens(tokens);
            if (maxInput == null || input <= maxInput) {
                return send(run, c, request, vars);
            }
            if (context.isEmpty()) {
                String detail = input + " input tokens > " + maxInput
                        + (limit.fromContext() ? " (" + limit.source() + ": over the model's context)" : "")
                        + (previous.isEmpty() ? "" : " with no previous chunk in the prompt");
                return VariantRunner.<ChunkResult>done(new ChunkResult.Failed(
                        c,
                        afterCalls ? ItemReason.INPUT_TOO_LONG_AFTER_CALLS : ItemReason.INPUT_TOO_LONG,
                        afterCalls ? detail + ", after the document's earlier calls were paid" : detail,
                        null));
            }
            context.remove(0);
        }
    }

    private CompletionStage<ChunkResult> send(
            DocumentRun run, Chunk c, ModelRequest request, Map<String, Object> vars) {
        return run.call(request)
                .thenCompose(reply -> recipe.getMode() == RecipeMode.program
                        ? program(run, c, reply, vars)
                        : rewrite(run, c, reply, vars))
                .exceptionally(e -> modelRejected(c, e));
    }

    private CompletionStage<ChunkResult> rewrite(DocumentRun run, Chunk c, ModelReply reply, Map<String, Object> vars) {
        PostResult cleaned = plan.cleaner.clean(reply.text());
        if (!cleaned.ok()) {
            return VariantRunner.<ChunkResult>done(
                    new ChunkResult.Failed(c, cleaned.failure(), cleaned.detail(), reply.text()));
        }
        String text = cleaned.text();
        ParseMode parse = plan.variant.getParse();
        if (parse != null && parse != ParseMode.text) {
            var parsed = ReplyParser.parse(parse, text);
            if (parsed.isEmpty()) {
                return VariantRunner.<ChunkResult>done(
                        new ChunkResult.Failed(c, ItemReason.PARSE_ERROR, "reply is not " + parse, text));
            }
            if (parse == ParseMode.code) {
                text = (String) parsed.get();
            }
        }
        String output = text;
        ValidationSubject subject = new ValidationSubject(
                c.text(), output, reply.finishReason(), reply.completionTokens(), plan.maxTokens(), vars);
        return plan.validators.validate(subject, run.counted()).thenApply(v -> {
            traceVerdict(run, c.id(), vars, subject, v);
            if (!v.passed()) {
                return new ChunkResult.Failed(
                        c, v.rejection().get().reason(), v.rejection().get().detail(), output);
            }
            Map<String, Object> facts = new LinkedHashMap<>();
            if (v.judgeScore() != null) {
                facts.put("judge_score", v.judgeScore());
            }
            return new ChunkResult.Ok(c, output, facts);
        });
    }

    /**
     * ProX: the reply is an edit program for this chunk, never text to keep. A reply that fails
     * post-processing or was cut at the token cap (calls may be missing) is rejected, not applied;
     * the validators judge what applying the program gave.
     *
     * <p>The program edits the chunk with what follows it in the page ({@link Chunk#after}: line breaks,
     * blank lines), whose lines it was not shown and cannot remove: the edited chunks, put end to end,
     * are the page as a program of the whole page would have left it, byte for byte where nothing was
     * removed. A removed line takes its own line end with it.
     */
    private CompletionStage<ChunkResult> program(DocumentRun run, Chunk c, ModelReply reply, Map<String, Object> vars) {
        PostResult cleaned = plan.cleaner.clean(reply.text());
        if (!cleaned.ok()) {
            return VariantRunner.<ChunkResult>done(
                    new ChunkResult.Failed(c, cleaned.failure(), cleaned.detail(), reply.text()));
        }
        ValidationSubject asReplied = new ValidationSubject(
                c.text(), cleaned.text(), reply.finishReason(), reply.completionTokens(), plan.maxTokens(), vars);
        Optional<CheckFailure> cut = plan.validators.checkTruncation(asReplied);
        if (cut.isPresent()) {
            return VariantRunner.<ChunkResult>done(
                    new ChunkResult.Failed(c, cut.get().reason(), cut.get().detail(), cleaned.text()));
        }
        ProgramSettings settings = recipe.getProgram() == null ? new ProgramSettings() : recipe.getProgram();
        EditProgram program = EditProgramParser.parse(
                cleaned.text(), NumberedLines.lines(c.text()).size());
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("program_calls", program.calls().size());
        facts.put("program_malformed", program.malformed());
        int maxMalformed = settings.getMaxMalformed() == null ? 2 : settings.getMaxMalformed();
        String edited;
        if (program.malformed() >= maxMalformed) {
            facts.put("program_fallback", true);
            edited = c.text() + c.after();
        } else if (program.drops()) {
            return VariantRunner.<ChunkResult>done(new ChunkResult.DropDocument(c));
        } else {
            ProgramExecutor.Applied applied = ProgramExecutor.apply(c.text() + c.after(), program);
            facts.put("removed_lines", applied.removedLines());
            facts.put("normalizations", applied.normalizations());
            edited = applied.text();
            // A line longer than a chunk goes on in the next chunk: removing its part here removes no line end.
            String lineEnd = c.text().contains("\r\n") ? "\r\n" : "\n";
            int lines = NumberedLines.lines(c.text()).size();
            if (!edited.isEmpty() && !c.last() && !c.after().contains("\n") && removes(program, lines)) {
                edited += lineEnd; // the line before the removed part ends where it did
            }
            if (!edited.isEmpty() && c.index() > 0 && !c.before().contains("\n") && removes(program, 1)) {
                edited = lineEnd + edited; // the part of the line in the chunk before ends where it did
            }
        }
        String result = edited;
        if (BlankText.isBlank(result)) {
            // The program removed the whole chunk: nothing to judge; the document's word threshold decides.
            return VariantRunner.<ChunkResult>done(new ChunkResult.Ok(c, result, facts));
        }
        ValidationSubject subject = new ValidationSubject(
                c.text(), result, reply.finishReason(), reply.completionTokens(), plan.maxTokens(), vars);
        return plan.validators.validate(subject, run.counted()).thenApply(v -> {
            traceVerdict(run, c.id(), vars, subject, v);
            if (!v.passed()) {
                return new ChunkResult.Failed(
                        c, v.rejection().get().reason(), v.rejection().get().detail(), result);
            }
            if (v.judgeScore() != null) {
                facts.put("judge_score", v.judgeScore());
            }
            return new ChunkResult.Ok(c, result, facts);
        });
    }

    /** Whether the program removes line {@code line} (from 1, as shown to the model). */
    private static boolean removes(EditProgram program, int line) {
        return program.calls().stream()
                .anyMatch(call -> call instanceof EditCall.RemoveLines r && r.first() <= line && r.last() >= line);
    }

    private UnitOutcome assemble(
            DocumentRun run,
            Map<String, Object> params,
            String outputId,
            List<ChunkResult> results,
            boolean allOrNothing) {
        List<RejectRecord> rejects = new ArrayList<>();
        List<ChunkResult.Ok> ok = new ArrayList<>();
        for (ChunkResult r : results) {
            if (r instanceof ChunkResult.DropDocument drop) {
                return new UnitOutcome(
                        List.of(),
                        List.of(reject(
                                run,
                                params,
                                List.of(drop.chunk().id()),
                                ItemReason.PROGRAM_DROP_DOC,
                                "the program called drop_doc()",
                                null)));
            }
            if (r instanceof ChunkResult.Failed f) {
                rejects.add(reject(
                        run,
                        params,
                        List.of(f.chunk().id()),
                        f.reason(),
                        f.detail(),
                        f.output(),
                        f.output() == null ? null : f.chunk().text()));
            } else {
                ok.add((ChunkResult.Ok) r);
            }
        }
        if (ok.isEmpty() || (allOrNothing && !rejects.isEmpty())) {
            return new UnitOutcome(List.of(), rejects);
        }
        Chunking chunking = recipe.getChunking() == null ? new Chunking() : recipe.getChunking();
        boolean program = recipe.getMode() == RecipeMode.program;
        // program mode: each edited chunk ends with what followed it in the page (see program), the first
        // chunk of the page comes after the page's leading blank lines
        StringBuilder joined = new StringBuilder();
        StringBuilder sources = new StringBuilder();
        List<String> chunkIds = new ArrayList<>();
        Map<String, Object> facts = new LinkedHashMap<>();
        Chunk first = ok.get(0).chunk();
        if (program && first.index() == 0) {
            joined.append(first.before());
            sources.append(first.before());
        }
        for (int i = 0; i < ok.size(); i++) {
            ChunkResult.Ok o = ok.get(i);
            if (i > 0) {
                String join = program ? "" : joinAfter(chunking, ok.get(i - 1).chunk());
                joined.append(join);
                sources.append(join);
            }
            joined.append(o.text());
            sources.append(
                    program ? o.chunk().text() + o.chunk().after() : o.chunk().text());
            chunkIds.add(o.chunk().id());
            mergeFacts(facts, o.facts());
        }
        String text = joined.toString();
        String madeFrom = sources.toString();
        if (program) {
            var tooShort = programThreshold(run.doc.text(), text);
            if (tooShort != null) {
                rejects.add(reject(run, params, chunkIds, ItemReason.PROGRAM_TOO_SHORT, tooShort, text, madeFrom));
                return new UnitOutcome(List.of(), rejects);
            }
        }
        if (plan.appender.isPresent()) {
            PostResult composed =
                    plan.appender.get().compose(run.doc.id(), run.doc.text(), text, tokens.count(run.doc.text()));
            if (!composed.ok()) {
                rejects.add(reject(run, params, chunkIds, composed.failure(), composed.detail(), text, madeFrom));
                return new UnitOutcome(List.of(), rejects);
            }
            text = composed.text();
        }
        OutputRecord out = new OutputRecord(outputId, plan.name(), text, provenance(run, params, chunkIds, facts));
        return new UnitOutcome(List.of(out), rejects);
    }

    private String programThreshold(String original, String edited) {
        ProgramSettings s = recipe.getProgram() == null ? new ProgramSettings() : recipe.getProgram();
        int before = TextMeasures.wordCount(original);
        int after = TextMeasures.wordCount(edited);
        int minWords = s.getMinWords() == null ? 10 : s.getMinWords();
        double minFraction = s.getMinKeptFraction() == null ? 0.05 : s.getMinKeptFraction();
        if (after <= minWords) {
            return after + " words left (minimum " + minWords + ")";
        }
        if (before > 0 && after <= minFraction * before) {
            return after + " of " + before + " words left";
        }
        return null;
    }

    private static void mergeFacts(Map<String, Object> into, Map<String, Object> chunkFacts) {
        chunkFacts.forEach((k, v) -> into.merge(k, v, (a, b) -> {
            if (k.equals("judge_score")) {
                return Math.min(((Number) a).doubleValue(), ((Number) b).doubleValue());
            }
            if (a instanceof Integer x && b instanceof Integer y) {
                return x + y;
            }
            if (a instanceof Boolean x && b instanceof Boolean y) {
                return x || y;
            }
            return b;
        }));
    }

    private CompletionStage<UnitOutcome> renderOnly(DocumentRun run, Map<String, Object> params, String outputId) {
        String chunkId = Chunk.idOf(run.doc.id(), 0);
        Map<String, Object> vars =
                TemplateVariables.of(run.doc, run.doc.text(), List.of(), run.stages, params, chunkInfo(chunkId, 0, 1));
        String text;
        try {
            text = renderer.renderText(plan.owner, plan.variant, vars).strip();
        } catch (TemplateException e) {
            return done(rejected(reject(run, params, List.of(chunkId), e.reason(), e.getMessage(), null)));
        }
        String output = text;
        ValidationSubject subject = new ValidationSubject(run.doc.text(), output, null, null, null, vars);
        return plan.validators
                .validate(subject, run.counted())
                .thenApply(v -> traceVerdict(run, chunkId, vars, subject, v).passed()
                        ? new UnitOutcome(
                                List.of(new OutputRecord(
                                        outputId,
                                        plan.name(),
                                        output,
                                        provenance(run, params, List.of(chunkId), Map.of()))),
                                List.of())
                        : new UnitOutcome(
                                List.of(),
                                List.of(reject(
                                        run,
                                        params,
                                        List.of(chunkId),
                                        v.rejection().get().reason(),
                                        v.rejection().get().detail(),
                                        output,
                                        run.doc.text()))));
    }

    /** Records every validator's answer when a preview traces the document; returns the verdict unchanged. */
    @SuppressWarnings("unchecked")
    private Verdict traceVerdict(
            DocumentRun run, String chunkId, Map<String, Object> vars, ValidationSubject subject, Verdict v) {
        if (run.trace != null) {
            Object params = vars.get("params");
            run.trace.validation(new DocumentTrace.Validation(
                    "variant:" + plan.name(),
                    chunkId,
                    params instanceof Map<?, ?> p ? new LinkedHashMap<>((Map<String, Object>) p) : Map.of(),
                    plan.validators.explain(subject, v)));
        }
        return v;
    }

    private ChunkResult modelRejected(Chunk c, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ModelCallRejected rejected) {
            return new ChunkResult.Failed(c, ItemReason.MODEL_REJECTED, rejected.getMessage(), null);
        }
        throw e instanceof CompletionException ce ? ce : new CompletionException(cause);
    }

    /** A reject without a model output: a chunk too short to send keeps its own text as the output, made from nothing. */
    private RejectRecord reject(
            DocumentRun run,
            Map<String, Object> params,
            List<String> chunkIds,
            ItemReason reason,
            String detail,
            String output) {
        return reject(run, params, chunkIds, reason, detail, output, null);
    }

    /** @param madeFrom the text {@code output} was made from: its chunk, the chunks it joins, or the document */
    private RejectRecord reject(
            DocumentRun run,
            Map<String, Object> params,
            List<String> chunkIds,
            ItemReason reason,
            String detail,
            String output,
            String madeFrom) {
        return new RejectRecord(
                reason, detail, plan.name(), output, provenance(run, params, chunkIds, Map.of()), madeFrom);
    }

    private Provenance provenance(
            DocumentRun run, Map<String, Object> params, List<String> chunkIds, Map<String, Object> facts) {
        return new Provenance(
                run.doc.id(),
                chunkIds,
                plan.name(),
                params,
                settings.modelName(),
                plan.sampling,
                settings.recipeHash(),
                facts);
    }

    private static Map<String, Object> chunkInfo(String id, int index, int count) {
        return Map.of("id", id, "index", index, "count", count);
    }

    private static UnitOutcome rejected(RejectRecord r) {
        return new UnitOutcome(List.of(), List.of(r));
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
    /**
     * What joins a rewritten chunk to the next: {@code chunking.joinWith} when set; else a blank line where the page
     * had one (or more) between the two, a paragraph kept a paragraph, and a newline elsewhere.
     */
    static String joinAfter(Chunking chunking, Chunk before) {
        if (chunking.getJoinWith() != null) {
            return chunking.getJoinWith();
        }
        String between = before.after();
        int first = between.indexOf('\n');
        return first >= 0 && between.indexOf('\n', first + 1) >= 0 ? "\n\n" : "\n";
    }
}
