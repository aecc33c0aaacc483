package io.palimpsest.api;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * kubectl shows printer columns in CRD order, and the CRD generator sorts them by JSON path
 * (fabric8io/kubernetes-client#7454), which would put Age first. Run at build time on the
 * generated CRDs, this puts them back in the order the resource classes declare them, and bounds
 * the integers of the Kubernetes types in them ({@link KubernetesIntegerBounds}) and writes their
 * numbers so that YAML 1.1 readers read them as numbers ({@link IntegralBounds}).
 */
public final class PrinterColumnOrder {
    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private PrinterColumnOrder() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        reorder(dir.resolve("rewritejobs.palimpsest.io-v1.yml"), RewriteJob.class, RewriteJobSpec.class);
        reorder(dir.resolve("rewritermodels.palimpsest.io-v1.yml"), RewriterModel.class, RewriterModelSpec.class);
    }

    @SuppressWarnings("unchecked")
    static void reorder(Path crdFile, Class<?> resource, Class<?> spec) throws IOException {
        List<String> declared = Arrays.stream(resource.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name)
                .toList();
        Map<String, Object> crd = YAML.readValue(crdFile.toFile(), Map.class);
        for (Map<String, Object> version :
                (List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec")).get("versions")) {
            List<Map<String, Object>> columns = (List<Map<String, Object>>) version.get("additionalPrinterColumns");
            if (columns != null) {
                columns.sort(Comparator.comparingInt(c -> declared.indexOf((String) c.get("name"))));
            }
        }
        KubernetesIntegerBounds.apply(crd, spec);
        IntegralBounds.apply(crd);
        YAML.writeValue(crdFile.toFile(), crd);
    }
}
