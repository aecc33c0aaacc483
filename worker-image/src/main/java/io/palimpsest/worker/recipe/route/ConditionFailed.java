package io.palimpsest.worker.recipe.route;

/**
 * A CEL condition could not be evaluated on a document (a metadata key it lacks, a value of another
 * type): the document is rejected with this, never taken as not matching, which would skip it
 * silently as no_route.
 */
public final class ConditionFailed extends RuntimeException {
    private final String where;
    private final String problem;

    ConditionFailed(String where, String expression, String problem) {
        super(where + " (" + expression + "): " + problem);
        this.where = where;
        this.problem = problem;
    }

    /** What went wrong, without the field and expression. */
    public String problem() {
        return problem;
    }

    /** The condition's field in the recipe: {@code routes[1].when}, {@code preFilters[0].when}. */
    public String where() {
        return where;
    }
}
