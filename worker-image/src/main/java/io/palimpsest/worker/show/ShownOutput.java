package io.palimpsest.worker.show;

import java.util.List;

/**
 * What {@code palimpsest show} loaded from a committed output: the documents chosen, each with its
 * source (joined from the input) and each variant's output or reject. Built by
 * {@link CommittedOutputReader}; rendered for the terminal by {@link ShowText}, and by any other
 * renderer that takes it.
 *
 * @param outputUri       the output as given
 * @param inputUri        the input the output was planned from
 * @param variants        the output's variants, in the order its receipts list them
 * @param shardsPlanned   shards in the plan (all of them, whatever the selection)
 * @param shardsCommitted shards of the selection that have a receipt; only those are read
 * @param documents       in shard order, then in input order
 * @param more            true when the limit stopped the loading before every selected document was read
 * @param origin          the job, recipe and model the first committed receipt names; null when not known
 * @param shard           the one shard shown ({@code --shard}); null when the selection spans the plan
 * @param counts          what the receipts of the shards of the selection count; null when not known
 * @param variant         the one variant shown ({@code --variant}); null when every variant is
 */
public record ShownOutput(
        String outputUri,
        String inputUri,
        List<String> variants,
        int shardsPlanned,
        int shardsCommitted,
        List<ShownDocument> documents,
        boolean more,
        Origin origin,
        Integer shard,
        Counts counts,
        String variant) {
    public ShownOutput {
        variants = List.copyOf(variants);
        documents = List.copyOf(documents);
    }

    public ShownOutput(
            String outputUri,
            String inputUri,
            List<String> variants,
            int shardsPlanned,
            int shardsCommitted,
            List<ShownDocument> documents,
            boolean more) {
        this(outputUri, inputUri, variants, shardsPlanned, shardsCommitted, documents, more, null, null, null, null);
    }

    /** The variants whose outputs are shown: the one asked for, else every one. */
    public List<String> variantsShown() {
        return variant == null ? variants : List.of(variant);
    }

    /** Documents and tokens as the receipts count them, summed over the committed shards of the selection. */
    public record Counts(
            long read, long written, long rejected, long skipped, long promptTokens, long completionTokens) {}

    /** What committed the output, as its receipts record it (any field may be null). */
    public record Origin(String job, String recipeHash, String model) {}
}
