package io.palimpsest.operator;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a cluster administrator lets RewriteJobs and RewriterModels use: the images their pods may
 * run, the Secrets they may reference and the service accounts their pods may run as. Without it,
 * whoever may create one of them may run any image with any Secret of the namespace, as any of its
 * service accounts (with workload identity, any cloud role bound to one), through the operator. An
 * empty list allows everything (the default). The operator's own defaults (chart values) are always
 * allowed: only what a resource names itself is checked.
 *
 * @param images          allowed images: {@code repo/name:tag} exactly, or a prefix ending in {@code *}
 * @param secrets         allowed Secret names, exactly
 * @param serviceAccounts allowed service account names, exactly
 */
public record AdmissionPolicy(List<String> images, List<String> secrets, List<String> serviceAccounts) {

    public AdmissionPolicy {
        images = List.copyOf(images);
        secrets = List.copyOf(secrets);
        serviceAccounts = List.copyOf(serviceAccounts);
    }

    /** Images and Secrets only; any service account. */
    public AdmissionPolicy(List<String> images, List<String> secrets) {
        this(images, secrets, List.of());
    }

    public static AdmissionPolicy from(PalimpsestConfig.Policy config) {
        return new AdmissionPolicy(
                config.allowedImages().orElse(List.of()),
                config.allowedSecrets().orElse(List.of()),
                config.allowedServiceAccounts().orElse(List.of()));
    }

    public static AdmissionPolicy allowAll() {
        return new AdmissionPolicy(List.of(), List.of(), List.of());
    }

    public List<FieldError> check(RewriteJob job) {
        List<FieldError> out = new ArrayList<>();
        RewriteJobSpec spec = job.getSpec();
        if (spec == null) {
            return out;
        }
        if (spec.getWorkers() != null) {
            image(out, "spec.workers.image", spec.getWorkers().getImage());
            pullSecrets(out, "spec.workers.imagePullSecrets", spec.getWorkers().getImagePullSecrets());
            serviceAccount(
                    out, "spec.workers.serviceAccountName", spec.getWorkers().getServiceAccountName());
        }
        if (spec.getInput() != null && spec.getInput().getCredentialsSecretRef() != null) {
            secret(
                    out,
                    "spec.input.credentialsSecretRef.name",
                    spec.getInput().getCredentialsSecretRef().getName());
        }
        if (spec.getOutput() != null && spec.getOutput().getCredentialsSecretRef() != null) {
            secret(
                    out,
                    "spec.output.credentialsSecretRef.name",
                    spec.getOutput().getCredentialsSecretRef().getName());
        }
        return out;
    }

    public List<FieldError> check(RewriterModel model) {
        List<FieldError> out = new ArrayList<>();
        RewriterModelSpec spec = model.getSpec();
        if (spec == null) {
            return out;
        }
        if (spec.getEngine() != null) {
            image(out, "spec.engine.image", spec.getEngine().getImage());
            List<EnvVar> env = Optional.ofNullable(spec.getEngine().getEnv()).orElse(List.of());
            for (int i = 0; i < env.size(); i++) {
                var from = env.get(i).getValueFrom();
                if (from != null && from.getSecretKeyRef() != null) {
                    secret(
                            out,
                            "spec.engine.env[" + i + "].valueFrom.secretKeyRef.name",
                            from.getSecretKeyRef().getName());
                }
            }
        }
        pullSecrets(out, "spec.imagePullSecrets", spec.getImagePullSecrets());
        serviceAccount(out, "spec.serviceAccountName", spec.getServiceAccountName());
        RewriterModelSpec.ModelSource source = spec.getSource();
        if (source != null
                && source.getHuggingFace() != null
                && source.getHuggingFace().getTokenSecretRef() != null) {
            secret(
                    out,
                    "spec.source.huggingFace.tokenSecretRef.name",
                    source.getHuggingFace().getTokenSecretRef().getName());
        }
        if (source != null && source.getS3() != null && source.getS3().getCredentialsSecretRef() != null) {
            secret(
                    out,
                    "spec.source.s3.credentialsSecretRef.name",
                    source.getS3().getCredentialsSecretRef().getName());
        }
        if (spec.getEndpoint() != null && spec.getEndpoint().getApiKeySecretRef() != null) {
            secret(
                    out,
                    "spec.endpoint.apiKeySecretRef.name",
                    spec.getEndpoint().getApiKeySecretRef().getName());
        }
        return out;
    }

    boolean imageAllowed(String image) {
        return images.isEmpty()
                || images.stream()
                        .anyMatch(a ->
                                a.endsWith("*") ? image.startsWith(a.substring(0, a.length() - 1)) : image.equals(a));
    }

    boolean secretAllowed(String name) {
        return secrets.isEmpty() || secrets.contains(name);
    }

    private void image(List<FieldError> out, String field, String image) {
        if (image != null && !imageAllowed(image)) {
            out.add(new FieldError(
                    field,
                    "image '" + image + "' is not allowed by the operator's policy (chart value "
                            + "policy.allowedImages: " + String.join(", ", images) + ")"));
        }
    }

    private void secret(List<FieldError> out, String field, String name) {
        if (name != null && !secretAllowed(name)) {
            out.add(new FieldError(
                    field,
                    "Secret '" + name + "' is not allowed by the operator's policy (chart value "
                            + "policy.allowedSecrets: " + String.join(", ", secrets) + ")"));
        }
    }

    boolean serviceAccountAllowed(String name) {
        return serviceAccounts.isEmpty() || serviceAccounts.contains(name);
    }

    private void serviceAccount(List<FieldError> out, String field, String name) {
        if (name != null && !serviceAccountAllowed(name)) {
            out.add(new FieldError(
                    field,
                    "service account '" + name + "' is not allowed by the operator's policy (chart value "
                            + "policy.allowedServiceAccounts: " + String.join(", ", serviceAccounts) + ")"));
        }
    }

    private void pullSecrets(List<FieldError> out, String field, List<LocalObjectReference> refs) {
        List<LocalObjectReference> list = Optional.ofNullable(refs).orElse(List.of());
        for (int i = 0; i < list.size(); i++) {
            secret(out, field + "[" + i + "].name", list.get(i).getName());
        }
    }
}
