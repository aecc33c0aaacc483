package io.palimpsest.worker.format;

/**
 * A shard's input file whose bytes cannot be decoded as its format says (a gzip or zstd stream that is not
 * one or is cut short, a Parquet file whose footer or pages cannot be read): no attempt can read it. Its
 * worker fails the shard as bad data (exit 42); the planner, which reads every file in its duplicate-id pass,
 * refuses the plan naming it ({@code CorruptFiles}).
 */
public final class CorruptFileException extends ShardDataException {

    private final String key;
    private final String problem;

    /**
     * @param file    where the file is, for the message
     * @param key     the file's key in the input
     * @param problem what is wrong with its bytes
     */
    public CorruptFileException(String file, String key, String problem, Throwable cause) {
        super("input file " + file + " is corrupt: " + problem, cause);
        this.key = key;
        this.problem = problem;
    }

    /**
     * The file whose reader could not decode its bytes, in the reader's words: the one way a decode failure becomes
     * the shard's.
     *
     * @param file where the file is, for the message
     * @param key  the file's key in the input
     */
    public CorruptFileException(String file, String key, CorruptInputException e) {
        this(file, key, e.getMessage(), e);
    }

    public String key() {
        return key;
    }

    public String problem() {
        return problem;
    }
}
