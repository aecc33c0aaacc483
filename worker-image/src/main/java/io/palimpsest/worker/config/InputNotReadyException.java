package io.palimpsest.worker.config;

import java.util.List;

/**
 * The plan is refused for the state of the input, not for the job as written: the input does not exist,
 * holds no files, none that the globs take, only empty ones, holds another campaign that is not whole, or a file
 * changed while the planner read it.
 * The job that writes it may not have run yet; the process exits as for any {@link InvalidJobException}, and
 * {@code plan} marks its termination message ({@link io.palimpsest.api.worker.PlanRefusals#INPUT_NOT_READY}) so
 * that the operator plans the job again once the RewriteJob writing that input has Succeeded.
 */
public class InputNotReadyException extends InvalidJobException {
    public InputNotReadyException(String message) {
        super(message);
    }

    public InputNotReadyException(ManifestField field, String message) {
        super(field, message);
    }

    /** About the first of {@code about} the manifest writes, as {@link InvalidJobException} places it. */
    public InputNotReadyException(String message, List<ManifestField> about) {
        super(message, about);
    }
}
