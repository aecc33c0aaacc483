package io.palimpsest.operator.model.resources;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.model.WeightSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The `vllm serve` arguments for a spec; flags left unset keep vLLM's own defaults. */
public final class VllmArgs {
    private VllmArgs() {}

    public static List<String> of(RewriterModel model, WeightSource weights) {
        RewriterModelSpec spec = model.getSpec();
        RewriterModelSpec.Engine engine =
                Optional.ofNullable(spec.getEngine()).orElseGet(RewriterModelSpec.Engine::new);
        List<String> args = new ArrayList<>();
        args.add(weights.serveTarget());
        if (weights instanceof WeightSource.HuggingFace hf && hf.revision() != null) {
            args.add("--revision");
            args.add(hf.revision());
        }
        args.add("--host");
        args.add("0.0.0.0");
        args.add("--port");
        args.add(String.valueOf(ModelNames.PORT));
        args.add("--served-model-name");
        args.add(ModelNames.servedModelName(model));
        args.add("--tensor-parallel-size");
        args.add(String.valueOf(
                Optional.ofNullable(engine.getTensorParallelSize()).orElse(1)));
        if (engine.getMaxModelLen() != null) {
            args.add("--max-model-len");
            args.add(String.valueOf(engine.getMaxModelLen()));
        }
        if (engine.getGpuMemoryUtilization() != null) {
            args.add("--gpu-memory-utilization");
            args.add(String.valueOf(engine.getGpuMemoryUtilization()));
        }
        // Always explicit: the autoscaler's capacity unit must match what the engine runs with.
        args.add("--max-num-seqs");
        args.add(String.valueOf(Optional.ofNullable(engine.getMaxNumSeqs()).orElse(JobResolver.DEFAULT_MAX_NUM_SEQS)));
        if (engine.getMaxNumBatchedTokens() != null) {
            args.add("--max-num-batched-tokens");
            args.add(String.valueOf(engine.getMaxNumBatchedTokens()));
        }
        args.add(
                Optional.ofNullable(engine.getEnablePrefixCaching()).orElse(true)
                        ? "--enable-prefix-caching"
                        : "--no-enable-prefix-caching");
        if (engine.getExtraArgs() != null) {
            args.addAll(engine.getExtraArgs());
        }
        return args;
    }
}
