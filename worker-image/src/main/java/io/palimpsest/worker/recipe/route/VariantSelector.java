package io.palimpsest.worker.recipe.route;

import io.palimpsest.api.recipe.Fanout;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Route;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.StableSeed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides which variants a document gets: the first route whose condition holds (all variants
 * without routes), then fan-out (all, k at random, k by weight), seeded by the document id so the
 * choice is the same on every attempt. Variants keep the order they have in the recipe.
 */
public final class VariantSelector {
    private record CompiledRoute(CelPredicate when, List<PromptVariant> variants) {}

    private final List<PromptVariant> all;
    private final List<CompiledRoute> routes;
    private final Fanout fanout;

    public VariantSelector(Recipe recipe) {
        this.all = List.copyOf(recipe.getPrompts());
        Map<String, PromptVariant> byName =
                all.stream().collect(Collectors.toMap(PromptVariant::getName, Function.identity()));
        this.routes = new ArrayList<>();
        List<Route> declared = recipe.getRoutes() == null ? List.of() : recipe.getRoutes();
        for (int i = 0; i < declared.size(); i++) {
            Route r = declared.get(i);
            CelPredicate when = r.getWhen() == null || r.getWhen().isBlank()
                    ? null
                    : CelPredicate.compile(r.getWhen(), "routes[" + i + "].when");
            List<PromptVariant> variants = new ArrayList<>();
            for (String name : r.getVariants()) {
                PromptVariant v = byName.get(name);
                if (v == null) {
                    throw new RecipeException(
                            "routes[" + i + "] names variant '" + name + "', which is not in prompts");
                }
                variants.add(v);
            }
            variants.sort(Comparator.comparingInt(all::indexOf));
            routes.add(new CompiledRoute(when, variants));
        }
        this.fanout = recipe.getFanout() == null ? new Fanout() : recipe.getFanout();
    }

    /** The variants for this document; empty when no route matches. */
    public List<PromptVariant> select(SourceDocument doc) {
        return fanOut(doc.id(), routed(doc));
    }

    /** The names of the variants the routes give this document, before fan-out picks among them. */
    public List<String> routedNames(SourceDocument doc) {
        return routed(doc).stream().map(PromptVariant::getName).toList();
    }

    List<PromptVariant> routed(SourceDocument doc) {
        if (routes.isEmpty()) {
            return all;
        }
        int route = routeOf(doc);
        return route < 0 ? List.of() : routes.get(route).variants();
    }

    /**
     * The index of the first route whose condition holds, {@link #NO_ROUTES} when the recipe
     * declares none (every document gets every variant), {@link #NO_MATCH} when none holds. Routes
     * see only the source (meta, id, text), never a model's output, so this is known before any call.
     */
    public int routeOf(SourceDocument doc) {
        if (routes.isEmpty()) {
            return NO_ROUTES;
        }
        for (int i = 0; i < routes.size(); i++) {
            CompiledRoute r = routes.get(i);
            if (r.when() == null || r.when().test(doc)) {
                return i;
            }
        }
        return NO_MATCH;
    }

    public static final int NO_ROUTES = -1;
    public static final int NO_MATCH = -2;

    /** The variants route {@code index} names, in the recipe's order. */
    public List<String> routeVariants(int index) {
        return routes.get(index).variants().stream().map(PromptVariant::getName).toList();
    }

    List<PromptVariant> fanOut(String documentId, List<PromptVariant> candidates) {
        Fanout.Mode mode = fanout.getMode() == null ? Fanout.Mode.all : fanout.getMode();
        int k = fanout.getK() == null ? candidates.size() : fanout.getK();
        if (mode == Fanout.Mode.all || candidates.isEmpty()) {
            return candidates;
        }
        SplittableRandom random =
                StableSeed.random(fanout.getSeed() == null ? 0L : fanout.getSeed(), documentId, "fanout");
        List<PromptVariant> pool = new ArrayList<>(candidates);
        List<PromptVariant> chosen = new ArrayList<>();
        if (mode == Fanout.Mode.weighted) {
            pool.removeIf(v -> weight(v) <= 0);
        }
        while (chosen.size() < k && !pool.isEmpty()) {
            int pick = mode == Fanout.Mode.weighted ? weightedIndex(pool, random) : random.nextInt(pool.size());
            chosen.add(pool.remove(pick));
        }
        chosen.sort(Comparator.comparingInt(all::indexOf));
        return chosen;
    }

    private static int weightedIndex(List<PromptVariant> pool, SplittableRandom random) {
        double total = pool.stream().mapToDouble(VariantSelector::weight).sum();
        double r = random.nextDouble() * total;
        for (int i = 0; i < pool.size(); i++) {
            r -= weight(pool.get(i));
            if (r < 0) {
                return i;
            }
        }
        return pool.size() - 1;
    }

    private static double weight(PromptVariant v) {
        return v.getWeight() == null ? 1.0 : v.getWeight();
    }
}
