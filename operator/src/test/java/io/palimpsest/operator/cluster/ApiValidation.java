package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a real API server refuses for the kinds the operator creates, written from the Kubernetes
 * 1.31-1.33 sources (read, not copied):
 * <ul>
 * <li>Job: {@code pkg/apis/batch/validation/validation.go} — {@code validateJobSpec} (non-negative
 *     counts; Indexed limits: completions required, parallelism <= 100,000, maxFailedIndexes <=
 *     completions and <= 100,000, above 100,000 completions with backoffLimitPerIndex a
 *     maxFailedIndexes <= 10,000 is required and parallelism <= 10,000; backoffLimitPerIndex and
 *     maxFailedIndexes need Indexed; maxFailedIndexes needs backoffLimitPerIndex; restartPolicy
 *     OnFailure or Never, Never with a podFailurePolicy), {@code validatePodFailurePolicy} (at most
 *     20 rules, FailIndex needs backoffLimitPerIndex, onExitCodes: an operator, 1-255 ordered unique
 *     values, no 0 with In, a container of the template; exactly one of onExitCodes and
 *     onPodConditions), {@code validatePodReplacementPolicy} (Failed only with a podFailurePolicy),
 *     {@code ValidateJobSpecUpdate} (completions and the template immutable, except completions
 *     together with parallelism in an elastic Indexed Job); the job name is a pod label value, so
 *     at most 63 characters.</li>
 * <li>Pod and pod templates: {@code pkg/apis/core/validation/validation.go} — {@code ValidatePodSpec}
 *     subset: at least one container, container and volume names DNS-1123 labels and unique, image
 *     required without surrounding blanks, env names ({@code [-._a-zA-Z][-._a-zA-Z0-9]*}), ports
 *     1-65535, every volumeMount names a volume, requests not above limits,
 *     terminationGracePeriodSeconds not negative; a toleration's effect one of the three; label keys
 *     and values.</li>
 * <li>Deployment: {@code pkg/apis/apps/validation/validation.go} — replicas not negative, a
 *     non-empty selector matching the template's labels, restartPolicy Always.</li>
 * <li>PersistentVolumeClaim: {@code ValidatePersistentVolumeClaimSpec} — at least one access mode, a
 *     storage request; {@code ValidatePersistentVolumeClaimUpdate} — the spec immutable except
 *     volumeName set once, and on a bound claim a larger storage request (or another
 *     volumeAttributesClassName); a smaller one never.</li>
 * <li>Service: {@code ValidateService} subset — the name a DNS-1035 label, label keys and values.</li>
 * <li>ConfigMap: {@code ValidateConfigMap} — keys {@code [-._a-zA-Z0-9]+}, at most 1 MiB of data.</li>
 * </ul>
 * Each error reads {@code <field path>: <detail>} in the server's words.
 */
final class ApiValidation {

    static final int MAX_INDEXED_PARALLELISM = 100_000;
    static final int MAX_FAILED_INDEXES = 100_000;
    static final int COMPLETIONS_SOFT_LIMIT = 100_000;
    static final int PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
    static final int MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS = 10_000;
    static final int MAX_POD_FAILURE_POLICY_RULES = 20;
    static final int MAX_EXIT_CODE_VALUES = 255;
    static final int MAX_CONFIG_MAP_BYTES = 1024 * 1024;

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Set<String> TOLERATION_EFFECTS = Set.of("NoExecute", "NoSchedule", "PreferNoSchedule");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    private ApiValidation() {}

    static List<String> job(Job job, Job old) {
        List<String> out = new ArrayList<>();
        meta(out, job.getMetadata(), "metadata");
        String name = job.getMetadata() == null ? null : job.getMetadata().getName();
        if (name != null && name.length() > 63) {
            out.add("metadata.name: Invalid value: \"" + name + "\": must be no more than 63 characters");
        }
        JobSpec spec = job.getSpec();
        if (spec == null) {
            out.add("spec: Required value");
            return out;
        }
        nonNegative(out, "spec.parallelism", spec.getParallelism());
        nonNegative(out, "spec.completions", spec.getCompletions());
        nonNegative(out, "spec.activeDeadlineSeconds", spec.getActiveDeadlineSeconds());
        nonNegative(out, "spec.backoffLimit", spec.getBackoffLimit());
        nonNegative(out, "spec.ttlSecondsAfterFinished", spec.getTtlSecondsAfterFinished());
        nonNegative(out, "spec.backoffLimitPerIndex", spec.getBackoffLimitPerIndex());
        nonNegative(out, "spec.maxFailedIndexes", spec.getMaxFailedIndexes());
        if (spec.getMaxFailedIndexes() != null && spec.getBackoffLimitPerIndex() == null) {
            out.add("spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified");
        }
        String mode = spec.getCompletionMode();
        if (mode != null && !mode.equals("Indexed") && !mode.equals("NonIndexed")) {
            out.add("spec.completionMode: Unsupported value: \"" + mode
                    + "\": supported values: \"NonIndexed\", \"Indexed\"");
        }
        Integer completions = spec.getCompletions();
        Integer parallelism = spec.getParallelism();
        Integer maxFailed = spec.getMaxFailedIndexes();
        if ("Indexed".equals(mode)) {
            if (completions == null) {
                out.add("spec.completions: Required value: when completion mode is Indexed");
            }
            if (parallelism != null && parallelism > MAX_INDEXED_PARALLELISM) {
                out.add("spec.parallelism: Invalid value: " + parallelism + ": must be less than or equal to "
                        + MAX_INDEXED_PARALLELISM + " when completion mode is Indexed");
            }
            if (completions != null && maxFailed != null && maxFailed > completions) {
                out.add("spec.maxFailedIndexes: Invalid value: " + maxFailed
                        + ": must be less than or equal to completions");
            }
            if (maxFailed != null && maxFailed > MAX_FAILED_INDEXES) {
                out.add("spec.maxFailedIndexes: Invalid value: " + maxFailed + ": must be less than or equal to "
                        + MAX_FAILED_INDEXES);
            }
            if (completions != null && completions > COMPLETIONS_SOFT_LIMIT && spec.getBackoffLimitPerIndex() != null) {
                if (maxFailed == null) {
                    out.add("spec.maxFailedIndexes: Required value: must be specified when completions is above "
                            + COMPLETIONS_SOFT_LIMIT);
                }
                if (parallelism != null && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
                    out.add("spec.parallelism: Invalid value: " + parallelism + ": must be less than or equal to "
                            + PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS + " when completions are above "
                            + COMPLETIONS_SOFT_LIMIT
                            + " and used with backoff limit per index");
                }
                if (maxFailed != null && maxFailed > MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS) {
                    out.add("spec.maxFailedIndexes: Invalid value: " + maxFailed + ": must be less than or equal to "
                            + MAX_FAILED_INDEXES_FOR_HIGH_COMPLETIONS + " when completions are above "
                            + COMPLETIONS_SOFT_LIMIT
                            + " and used with backoff limit per index");
                }
            }
        } else {
            if (spec.getBackoffLimitPerIndex() != null) {
                out.add("spec.backoffLimitPerIndex: Invalid value: " + spec.getBackoffLimitPerIndex()
                        + ": requires indexed completion mode");
            }
            if (maxFailed != null) {
                out.add("spec.maxFailedIndexes: Invalid value: " + maxFailed + ": requires indexed completion mode");
            }
        }
        if (spec.getPodFailurePolicy() != null) {
            podFailurePolicy(out, spec);
        }
        String replacement = spec.getPodReplacementPolicy();
        if (replacement != null) {
            if (spec.getPodFailurePolicy() != null && !replacement.equals("Failed")) {
                out.add("spec.podReplacementPolicy: Unsupported value: \"" + replacement
                        + "\": supported values: \"Failed\"");
            } else if (!replacement.equals("Failed") && !replacement.equals("TerminatingOrFailed")) {
                out.add("spec.podReplacementPolicy: Unsupported value: \"" + replacement
                        + "\": supported values: \"Failed\", \"TerminatingOrFailed\"");
            }
        }
        PodTemplateSpec template = spec.getTemplate();
        if (template == null || template.getSpec() == null) {
            out.add("spec.template.spec: Required value");
            return out;
        }
        if (template.getMetadata() != null) {
            labels(out, template.getMetadata().getLabels(), "spec.template.metadata.labels");
        }
        podSpec(out, template.getSpec(), "spec.template.spec");
        String restart = template.getSpec().getRestartPolicy();
        if (restart == null || restart.equals("Always")) {
            out.add("spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"");
        } else if (!restart.equals("OnFailure") && !restart.equals("Never")) {
            out.add("spec.template.spec.restartPolicy: Unsupported value: \"" + restart
                    + "\": supported values: \"OnFailure\", \"Never\"");
        } else if (spec.getPodFailurePolicy() != null && !restart.equals("Never")) {
            out.add("spec.template.spec.restartPolicy: Invalid value: \"" + restart
                    + "\": only \"Never\" is supported when podFailurePolicy is specified");
        }
        if (old != null && old.getSpec() != null) {
            JobSpec before = old.getSpec();
            boolean elastic = "Indexed".equals(mode)
                    && Objects.equals(before.getCompletions(), before.getParallelism())
                    && Objects.equals(completions, parallelism);
            if (!Objects.equals(completions, before.getCompletions()) && !elastic) {
                out.add("spec.completions: Invalid value: " + completions + ": field is immutable");
            }
            if (!Objects.equals(stripped(template), stripped(before.getTemplate()))) {
                out.add("spec.template: Invalid value: field is immutable");
            }
        }
        return out;
    }

    /** The template as compared for immutability: the labels the API server adds to it do not count. */
    private static PodTemplateSpec stripped(PodTemplateSpec t) {
        if (t == null) {
            return null;
        }
        PodTemplateSpec copy = Serialization.clone(t);
        if (copy.getMetadata() != null && copy.getMetadata().getLabels() != null) {
            copy.getMetadata()
                    .getLabels()
                    .keySet()
                    .removeIf(k -> k.contains("controller-uid") || k.contains("job-name"));
        }
        return copy;
    }

    private static void podFailurePolicy(List<String> out, JobSpec spec) {
        List<PodFailurePolicyRule> rules =
                Optional.ofNullable(spec.getPodFailurePolicy().getRules()).orElse(List.of());
        if (rules.size() > MAX_POD_FAILURE_POLICY_RULES) {
            out.add("spec.podFailurePolicy.rules: Too many: " + rules.size() + ": must have at most "
                    + MAX_POD_FAILURE_POLICY_RULES + " items");
        }
        Set<String> containers = new HashSet<>();
        if (spec.getTemplate() != null && spec.getTemplate().getSpec() != null) {
            Optional.ofNullable(spec.getTemplate().getSpec().getContainers())
                    .orElse(List.of())
                    .forEach(c -> containers.add(c.getName()));
            Optional.ofNullable(spec.getTemplate().getSpec().getInitContainers())
                    .orElse(List.of())
                    .forEach(c -> containers.add(c.getName()));
        }
        for (int i = 0; i < rules.size(); i++) {
            PodFailurePolicyRule rule = rules.get(i);
            String path = "spec.podFailurePolicy.rules[" + i + "]";
            String action = rule.getAction();
            if (action == null || action.isEmpty()) {
                out.add(path + ".action: Required value");
            } else if (action.equals("FailIndex")) {
                if (spec.getBackoffLimitPerIndex() == null) {
                    out.add(path
                            + ".action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set");
                }
            } else if (!Set.of("Count", "FailJob", "Ignore").contains(action)) {
                out.add(path + ".action: Unsupported value: \"" + action + "\"");
            }
            boolean codes = rule.getOnExitCodes() != null;
            boolean conditions = rule.getOnPodConditions() != null
                    && !rule.getOnPodConditions().isEmpty();
            if (codes) {
                exitCodes(out, rule.getOnExitCodes(), path + ".onExitCodes", containers);
            }
            if (codes && conditions) {
                out.add(path + ": Invalid value: specifying both OnExitCodes and OnPodConditions is not supported");
            }
            if (!codes && !conditions) {
                out.add(path + ": Invalid value: specifying one of OnExitCodes and OnPodConditions is required");
            }
        }
    }

    private static void exitCodes(
            List<String> out, PodFailurePolicyOnExitCodesRequirement req, String path, Set<String> containers) {
        String op = req.getOperator();
        if (op == null || op.isEmpty()) {
            out.add(path + ".operator: Required value");
        } else if (!op.equals("In") && !op.equals("NotIn")) {
            out.add(path + ".operator: Unsupported value: \"" + op + "\"");
        }
        if (req.getContainerName() != null && !containers.contains(req.getContainerName())) {
            out.add(path + ".containerName: Invalid value: \"" + req.getContainerName()
                    + "\": must be one of the container or initContainer names in the pod template");
        }
        List<Integer> values = Optional.ofNullable(req.getValues()).orElse(List.of());
        if (values.isEmpty()) {
            out.add(path + ".values: Invalid value: []: at least one value is required");
        } else if (values.size() > MAX_EXIT_CODE_VALUES) {
            out.add(path + ".values: Too many: " + values.size() + ": must have at most " + MAX_EXIT_CODE_VALUES
                    + " items");
        }
        Set<Integer> seen = new HashSet<>();
        boolean ordered = true;
        for (int j = 0; j < values.size(); j++) {
            int v = values.get(j);
            if ("In".equals(op) && v == 0) {
                out.add(path + ".values[" + j + "]: Invalid value: 0: must not be 0 for the In operator");
            }
            if (!seen.add(v)) {
                out.add(path + ".values[" + j + "]: Duplicate value: " + v);
            }
            if (j > 0 && values.get(j - 1) > v) {
                ordered = false;
            }
        }
        if (!ordered) {
            out.add(path + ".values: Invalid value: " + values + ": must be ordered");
        }
    }

    static List<String> pod(Pod pod) {
        List<String> out = new ArrayList<>();
        meta(out, pod.getMetadata(), "metadata");
        if (pod.getSpec() == null) {
            out.add("spec: Required value");
        } else {
            podSpec(out, pod.getSpec(), "spec");
        }
        return out;
    }

    static List<String> deployment(Deployment d) {
        List<String> out = new ArrayList<>();
        meta(out, d.getMetadata(), "metadata");
        DeploymentSpec spec = d.getSpec();
        if (spec == null) {
            out.add("spec: Required value");
            return out;
        }
        nonNegative(out, "spec.replicas", spec.getReplicas());
        Map<String, String> selector =
                spec.getSelector() == null ? null : spec.getSelector().getMatchLabels();
        boolean expressions = spec.getSelector() != null
                && spec.getSelector().getMatchExpressions() != null
                && !spec.getSelector().getMatchExpressions().isEmpty();
        if ((selector == null || selector.isEmpty()) && !expressions) {
            out.add("spec.selector: Invalid value: empty selector is invalid for deployment");
        }
        PodTemplateSpec template = spec.getTemplate();
        if (template == null || template.getSpec() == null) {
            out.add("spec.template.spec: Required value");
            return out;
        }
        Map<String, String> labels =
                template.getMetadata() == null || template.getMetadata().getLabels() == null
                        ? Map.of()
                        : template.getMetadata().getLabels();
        labels(out, labels, "spec.template.metadata.labels");
        if (selector != null
                && !selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
            out.add("spec.template.metadata.labels: Invalid value: " + labels
                    + ": `selector` does not match template `labels`");
        }
        podSpec(out, template.getSpec(), "spec.template.spec");
        String restart = template.getSpec().getRestartPolicy();
        if (restart != null && !restart.equals("Always")) {
            out.add("spec.template.spec.restartPolicy: Unsupported value: \"" + restart
                    + "\": supported values: \"Always\"");
        }
        return out;
    }

    static List<String> pvc(PersistentVolumeClaim pvc, PersistentVolumeClaim old) {
        List<String> out = new ArrayList<>();
        meta(out, pvc.getMetadata(), "metadata");
        if (pvc.getSpec() == null) {
            out.add("spec: Required value");
            return out;
        }
        if (pvc.getSpec().getAccessModes() == null
                || pvc.getSpec().getAccessModes().isEmpty()) {
            out.add("spec.accessModes: Required value: at least 1 access mode is required");
        }
        Quantity storage = storage(pvc.getSpec());
        if (storage == null) {
            out.add("spec.resources[storage]: Required value");
        } else if (Quantity.getAmountInBytes(storage).signum() <= 0) {
            out.add("spec.resources[storage]: Invalid value: \"" + storage + "\": must be greater than zero");
        }
        if (old != null && old.getSpec() != null) {
            claimUpdate(out, pvc.getSpec(), old);
        }
        return out;
    }

    /**
     * {@code ValidatePersistentVolumeClaimUpdate}: a claim's spec is fixed once it exists, except that
     * the volume binder sets volumeName once, and a bound claim may ask for more storage (expansion)
     * or another volumeAttributesClassName. Less storage is refused, bound or not.
     */
    private static void claimUpdate(List<String> out, PersistentVolumeClaimSpec spec, PersistentVolumeClaim old) {
        PersistentVolumeClaimSpec before = old.getSpec();
        PersistentVolumeClaimSpec compared = Serialization.clone(spec);
        if (before.getVolumeName() == null || before.getVolumeName().isEmpty()) {
            compared.setVolumeName(before.getVolumeName());
        }
        boolean bound =
                old.getStatus() != null && "Bound".equals(old.getStatus().getPhase());
        Quantity oldSize = storage(before);
        Quantity newSize = storage(spec);
        if (bound) {
            compared.setVolumeAttributesClassName(before.getVolumeAttributesClassName());
            if (compared.getResources() != null && compared.getResources().getRequests() != null) {
                Map<String, Quantity> requests =
                        new LinkedHashMap<>(compared.getResources().getRequests());
                if (oldSize == null) {
                    requests.remove("storage");
                } else {
                    requests.put("storage", oldSize);
                }
                compared.getResources().setRequests(requests);
            }
        }
        if (!Objects.equals(compared, before)) {
            out.add("spec: Forbidden: spec is immutable after creation except resources.requests and "
                    + "volumeAttributesClassName for bound claims");
        }
        if (oldSize != null
                && newSize != null
                && Quantity.getAmountInBytes(newSize).compareTo(Quantity.getAmountInBytes(oldSize)) < 0) {
            out.add("spec.resources.requests.storage: Forbidden: field can not be less than previous value");
        }
    }

    private static Quantity storage(PersistentVolumeClaimSpec spec) {
        return spec.getResources() == null || spec.getResources().getRequests() == null
                ? null
                : spec.getResources().getRequests().get("storage");
    }

    /**
     * {@code ValidateService} subset: a Service's name is a DNS-1035 label (it becomes a DNS name and
     * environment variable names in pods), stricter than the subdomain other kinds allow.
     */
    static List<String> service(Service service) {
        List<String> out = new ArrayList<>();
        ObjectMeta meta = service.getMetadata();
        String name = meta == null ? null : meta.getName();
        if (name == null || name.isEmpty()) {
            if (meta == null || meta.getGenerateName() == null) {
                out.add("metadata.name: Required value: name or generateName is required");
            }
        } else {
            if (!DNS1035_LABEL.matcher(name).matches()) {
                out.add("metadata.name: Invalid value: \"" + name
                        + "\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                        + "start with an alphabetic character, and end with an alphanumeric character");
            }
            if (name.length() > 63) {
                out.add("metadata.name: Invalid value: \"" + name + "\": must be no more than 63 characters");
            }
        }
        if (meta != null) {
            labels(out, meta.getLabels(), "metadata.labels");
        }
        return out;
    }

    static List<String> configMap(ConfigMap cm) {
        List<String> out = new ArrayList<>();
        meta(out, cm.getMetadata(), "metadata");
        long bytes = 0;
        for (Map.Entry<String, String> e :
                Optional.ofNullable(cm.getData()).orElse(Map.of()).entrySet()) {
            configKey(out, "data[" + e.getKey() + "]", e.getKey());
            bytes += e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        for (Map.Entry<String, String> e :
                Optional.ofNullable(cm.getBinaryData()).orElse(Map.of()).entrySet()) {
            configKey(out, "binaryData[" + e.getKey() + "]", e.getKey());
            bytes += e.getValue() == null ? 0 : Base64.getDecoder().decode(e.getValue()).length;
        }
        if (bytes > MAX_CONFIG_MAP_BYTES) {
            out.add("[]: Too long: must have at most " + MAX_CONFIG_MAP_BYTES + " bytes");
        }
        return out;
    }

    private static void configKey(List<String> out, String path, String key) {
        if (key.length() > 253 || !CONFIG_KEY.matcher(key).matches()) {
            out.add(path + ": Invalid value: \"" + key
                    + "\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
        }
    }

    private static void podSpec(List<String> out, PodSpec spec, String path) {
        List<Container> containers = Optional.ofNullable(spec.getContainers()).orElse(List.of());
        if (containers.isEmpty()) {
            out.add(path + ".containers: Required value");
        }
        Set<String> volumes = new HashSet<>();
        List<Volume> vols = Optional.ofNullable(spec.getVolumes()).orElse(List.of());
        for (int i = 0; i < vols.size(); i++) {
            String name = vols.get(i).getName();
            dnsLabel(out, path + ".volumes[" + i + "].name", name);
            if (name != null && !volumes.add(name)) {
                out.add(path + ".volumes[" + i + "].name: Duplicate value: \"" + name + "\"");
            }
        }
        List<Toleration> tolerations =
                Optional.ofNullable(spec.getTolerations()).orElse(List.of());
        for (int i = 0; i < tolerations.size(); i++) {
            String effect = tolerations.get(i).getEffect();
            if (effect != null && !effect.isEmpty() && !TOLERATION_EFFECTS.contains(effect)) {
                out.add(path + ".tolerations[" + i + "].effect: Unsupported value: \"" + effect
                        + "\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\"");
            }
        }
        Set<String> names = new HashSet<>();
        List<Container> all = new ArrayList<>(containers);
        List<Container> init = Optional.ofNullable(spec.getInitContainers()).orElse(List.of());
        all.addAll(init);
        for (int i = 0; i < all.size(); i++) {
            Container c = all.get(i);
            String cp = path
                    + (i < containers.size()
                            ? ".containers[" + i + "]"
                            : ".initContainers[" + (i - containers.size()) + "]");
            dnsLabel(out, cp + ".name", c.getName());
            if (c.getName() != null && !names.add(c.getName())) {
                out.add(cp + ".name: Duplicate value: \"" + c.getName() + "\"");
            }
            if (c.getImage() == null || c.getImage().isEmpty()) {
                out.add(cp + ".image: Required value");
            } else if (!c.getImage().equals(c.getImage().strip())) {
                out.add(cp + ".image: Invalid value: \"" + c.getImage()
                        + "\": must not have leading or trailing whitespace");
            }
            List<EnvVar> env = Optional.ofNullable(c.getEnv()).orElse(List.of());
            for (int j = 0; j < env.size(); j++) {
                String n = env.get(j).getName();
                if (n == null || !ENV_NAME.matcher(n).matches()) {
                    out.add(cp + ".env[" + j + "].name: Invalid value: \"" + n
                            + "\": a valid environment variable name must consist of "
                            + "alphabetic characters, digits, '_', '-', or '.', and must not start with a digit");
                }
            }
            List<ContainerPort> ports = Optional.ofNullable(c.getPorts()).orElse(List.of());
            for (int j = 0; j < ports.size(); j++) {
                Integer p = ports.get(j).getContainerPort();
                if (p == null || p < 1 || p > 65535) {
                    out.add(cp + ".ports[" + j + "].containerPort: Invalid value: " + p
                            + ": must be between 1 and 65535, inclusive");
                }
                String pn = ports.get(j).getName();
                if (pn != null
                        && (pn.length() > 15
                                || !pn.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")
                                || !pn.matches(".*[a-z].*"))) {
                    out.add(cp + ".ports[" + j + "].name: Invalid value: \"" + pn + "\": must be an IANA_SVC_NAME");
                }
            }
            List<VolumeMount> mounts = Optional.ofNullable(c.getVolumeMounts()).orElse(List.of());
            for (int j = 0; j < mounts.size(); j++) {
                if (!volumes.contains(mounts.get(j).getName())) {
                    out.add(cp + ".volumeMounts[" + j + "].name: Not found: \""
                            + mounts.get(j).getName() + "\"");
                }
            }
            if (c.getResources() != null
                    && c.getResources().getRequests() != null
                    && c.getResources().getLimits() != null) {
                for (Map.Entry<String, Quantity> r :
                        c.getResources().getRequests().entrySet()) {
                    Quantity limit = c.getResources().getLimits().get(r.getKey());
                    if (limit != null
                            && Quantity.getAmountInBytes(r.getValue()).compareTo(Quantity.getAmountInBytes(limit))
                                    > 0) {
                        out.add(cp + ".resources.requests: Invalid value: \"" + r.getValue()
                                + "\": must be less than or equal to " + r.getKey() + " limit of " + limit);
                    }
                }
            }
        }
        nonNegative(out, path + ".terminationGracePeriodSeconds", spec.getTerminationGracePeriodSeconds());
    }

    private static void meta(List<String> out, ObjectMeta meta, String path) {
        if (meta == null || meta.getName() == null || meta.getName().isEmpty()) {
            if (meta == null || meta.getGenerateName() == null) {
                out.add(path + ".name: Required value: name or generateName is required");
            }
            return;
        }
        if (meta.getName().length() > 253
                || !DNS1123_SUBDOMAIN.matcher(meta.getName()).matches()) {
            out.add(path + ".name: Invalid value: \"" + meta.getName()
                    + "\": a lowercase RFC 1123 subdomain must consist of lower case "
                    + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        }
        labels(out, meta.getLabels(), path + ".labels");
    }

    private static void labels(List<String> out, Map<String, String> labels, String path) {
        if (labels == null) {
            return;
        }
        labels.forEach((k, v) -> {
            String name = k.contains("/") ? k.substring(k.indexOf('/') + 1) : k;
            String prefix = k.contains("/") ? k.substring(0, k.indexOf('/')) : null;
            if (name.length() > 63
                    || !QUALIFIED_NAME.matcher(name).matches()
                    || (prefix != null
                            && (prefix.length() > 253
                                    || !DNS1123_SUBDOMAIN.matcher(prefix).matches()))) {
                out.add(path + ": Invalid value: \"" + k
                        + "\": name part must consist of alphanumeric characters, '-', '_' or '.'");
            }
            if (v != null && (v.length() > 63 || !LABEL_VALUE.matcher(v).matches())) {
                out.add(
                        path + ": Invalid value: \"" + v
                                + "\": a valid label must be an empty string or consist of alphanumeric "
                                + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)");
            }
        });
    }

    private static void dnsLabel(List<String> out, String path, String value) {
        if (value == null
                || value.length() > 63
                || !DNS1123_LABEL.matcher(value).matches()) {
            out.add(path + ": Invalid value: \"" + value
                    + "\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                    + "characters or '-', and must start and end with an alphanumeric character");
        }
    }

    private static void nonNegative(List<String> out, String path, Number value) {
        if (value != null && value.longValue() < 0) {
            out.add(path + ": Invalid value: " + value + ": must be greater than or equal to 0");
        }
    }
}
