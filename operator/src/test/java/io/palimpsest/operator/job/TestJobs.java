package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import java.util.List;

/** RewriteJob builders for tests. */
public final class TestJobs {
    private TestJobs() {}

    public static RewriteJob job(String name, String input, String output) {
        RewriteJob job = new RewriteJob();
        job.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace("test").build());
        RewriteJobSpec spec = new RewriteJobSpec();
        RewriteJobSpec.ModelRef model = new RewriteJobSpec.ModelRef();
        model.setName("mistral");
        spec.setModelRef(model);
        RewriteJobSpec.Input in = new RewriteJobSpec.Input();
        in.setUri(input);
        spec.setInput(in);
        RewriteJobSpec.Output out = new RewriteJobSpec.Output();
        out.setUri(output);
        spec.setOutput(out);
        Recipe recipe = new Recipe();
        PromptVariant variant = new PromptVariant();
        variant.setName("wiki");
        variant.setUser("Rewrite: {{ text }}");
        recipe.setPrompts(List.of(variant));
        spec.setRecipe(recipe);
        job.setSpec(spec);
        return job;
    }
}
