package io.palimpsest.worker.recipe.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.output.OutputPlanner;
import io.palimpsest.sim.output.PlannedOutput;
import io.palimpsest.sim.text.ChatMessage;
import io.palimpsest.sim.text.Prompt;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.examples.ExamplesLocator;
import io.palimpsest.worker.recipe.post.PreambleStripper;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the simulator's own output planner (the code that answers /v1/chat/completions) on the
 * example corpora, faithful and with each degenerate-output fault, and puts every output through
 * one standard validator set. Detection = share of faulty outputs rejected; false rejects = share
 * of faithful outputs rejected. The test asserts the figures; {@link #main} prints the table.
 */
final class SimulatorFaultDetection {
    static final List<Fault> OUTPUT_FAULTS = List.of(
            Fault.TRUNCATION,
            Fault.REPETITION,
            Fault.REFUSAL,
            Fault.PREAMBLE,
            Fault.ECHO,
            Fault.WRONG_LANGUAGE,
            Fault.EMPTY);
    private static final String STANDARD = """
            - {type: repetition}
            - {type: truncation}
            - {type: refusal}
            - {type: echo}
            - {type: language}
            - {type: lengthRatio, min: 0.5, max: 2.0}
            """;

    /** Outcome counts of one kind of output. */
    static final class Tally {
        int total;
        int rejected;
        /** Rejected with the reason that names the fault (e.g. truncation for TRUNCATION). */
        int rightReason;
        /** Preamble only: the output equals the faithful one after stripPreamble. */
        int recovered;

        final Map<String, Integer> reasons = new LinkedHashMap<>();

        double rate(int n) {
            return total == 0 ? 0 : (double) n / total;
        }
    }

    record Result(Tally faithful, Map<Fault, Tally> faults) {}

    static Result run(int seedsPerDocument) throws IOException {
        return run(seedsPerDocument, true);
    }

    /**
     * @param callFacts false to drop finish_reason and token counts, as when validating a dataset
     *                  whose call details were not kept (offline {@code palimpsest validate})
     */
    static Result run(int seedsPerDocument, boolean callFacts) throws IOException {
        Validators validators = Validators.of(
                RecipeYaml.parse("validators:\n" + STANDARD.indent(2).replace("\n  -", "\n  -"), ValidatorList.class)
                        .validators,
                Optional.empty(),
                new PromptRenderer(),
                "benchmark");
        Tally faithful = new Tally();
        Map<Fault, Tally> faults = new EnumMap<>(Fault.class);
        OUTPUT_FAULTS.forEach(f -> faults.put(f, new Tally()));
        for (String source : sources()) {
            int budget = Math.max(64, 2 * BpeTokenCounter.instance().count(source));
            Prompt prompt = Prompt.ofChat(List.of(new ChatMessage(
                    "user", "Rewrite the text below in your own words.\n<document>" + source + "</document>")));
            for (long seed = 1; seed <= seedsPerDocument; seed++) {
                PlannedOutput good = OutputPlanner.plan(prompt, Optional.empty(), seed, null, List.of(), budget);
                count(faithful, validators, source, good, budget, null, null, callFacts);
                for (Fault f : OUTPUT_FAULTS) {
                    PlannedOutput bad = OutputPlanner.plan(prompt, Optional.empty(), seed, f, List.of(), budget);
                    count(faults.get(f), validators, source, bad, budget, f, good.text(), callFacts);
                }
            }
        }
        return new Result(faithful, faults);
    }

    private static void count(
            Tally t,
            Validators v,
            String source,
            PlannedOutput out,
            int budget,
            Fault fault,
            String goodText,
            boolean callFacts) {
        t.total++;
        ValidationSubject s = callFacts
                ? new ValidationSubject(
                        source,
                        out.text(),
                        out.finishReason().wireName(),
                        out.pieces().size(),
                        budget,
                        Map.of())
                : ValidationSubject.offline(source, out.text());
        Optional<CheckFailure> r = v.checkLocal(s);
        if (r.isPresent()) {
            t.rejected++;
            t.reasons.merge(r.get().reason().code(), 1, Integer::sum);
            if (fault != null && r.get().reason().code().equals(expectedReason(fault, callFacts))) {
                t.rightReason++;
            }
        }
        if (fault == Fault.PREAMBLE
                && PreambleStripper.strip(out.text()).strip().equals(goodText.strip())) {
            t.recovered++;
        }
    }

    static String expectedReason(Fault f, boolean callFacts) {
        return switch (f) {
            case TRUNCATION -> TruncationCheck.REASON.code();
            // A loop also runs to the cap; repetition is listed first so it names the cause.
            case REPETITION -> RepetitionCheck.REASON.code();
            case REFUSAL, PREAMBLE -> RefusalCheck.REASON.code();
            case ECHO -> EchoCheck.REASON.code();
            case WRONG_LANGUAGE -> LanguageCheck.REASON.code();
            case EMPTY -> ItemReason.EMPTY_OUTPUT.code();
            default -> "";
        };
    }

    /** Paragraphs of the example corpora: English prose of 40 to 400 words. */
    static List<String> sources() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path examples = ExamplesLocator.examples();
        List<String> out = new ArrayList<>();
        for (String file : List.of(
                "k2-knowledge/data/articles.jsonl",
                "maga/data/docs.jsonl",
                "wrap/data/c4-like.jsonl",
                "nemotron-cc/data/cc-shard.jsonl")) {
            for (String line : Files.readAllLines(examples.resolve(file))) {
                JsonNode n = json.readTree(line);
                for (String para : n.path("text").asText().split("\n+")) {
                    int words = para.split("\\s+").length;
                    if (words >= 40 && words <= 400) {
                        out.add(para.strip());
                    }
                }
            }
        }
        return out;
    }

    /** For YAML binding of a validator list. */
    static final class ValidatorList {
        public List<ValidatorSpec> validators;
    }

    public static void main(String[] args) throws IOException {
        long start = System.nanoTime();
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        for (boolean callFacts : new boolean[] {true, false}) {
            System.out.println(
                    callFacts
                            ? "with finish_reason and token counts (the worker's case):"
                            : "without them (offline validation of (source, output) pairs):");
            table(run(seeds, callFacts));
        }
        System.out.printf(Locale.ROOT, "%.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static void table(Result r) {
        System.out.printf(
                Locale.ROOT,
                "%-16s %6s %9s %12s %9s  %s%n",
                "output",
                "n",
                "rejected",
                "right reason",
                "recovered",
                "reasons");
        print("faithful", r.faithful());
        r.faults().forEach((f, t) -> print(f.wireName(), t));
    }

    private static void print(String name, Tally t) {
        System.out.printf(
                Locale.ROOT,
                "%-16s %6d %8.1f%% %11.1f%% %8.1f%%  %s%n",
                name,
                t.total,
                100 * t.rate(t.rejected),
                100 * t.rate(t.rightReason),
                100 * t.rate(t.recovered),
                t.reasons);
    }
}
