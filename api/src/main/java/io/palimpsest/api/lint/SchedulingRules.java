package io.palimpsest.api.lint;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.palimpsest.api.common.Scheduling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API server's rules on tolerations (Kubernetes' ValidateTolerations) and the plain shapes of
 * affinity (ValidateAffinity: node selector terms present, their operators and values, weights,
 * topology keys) and the syntax of the label keys and values in them and in {@code nodeSelector}
 * ({@link LabelSyntax}), which the CRDs copy the type of but not the rules: a RewriterModel's {@code spec.scheduling} and a RewriteJob's
 * {@code spec.workers.scheduling} are stored as written, and the Deployment or Job made from them is
 * then refused (422). Checked where manifests are read (the linter, so {@code palimpsest lint} and
 * {@code local}) and by the operator before it makes anything, with the same field and message, so
 * such a spec is refused once, on its field, as an invalid spec.
 */
public final class SchedulingRules {
    private static final Set<String> OPERATORS = Set.of("Equal", "Exists");
    private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");
    private static final List<String> NODE_OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");

    private SchedulingRules() {}

    /** Every violation under {@code field} (e.g. {@code spec.scheduling}); empty when it passes. */
    public static List<FieldError> check(Scheduling scheduling, String field) {
        List<FieldError> out = new ArrayList<>();
        if (scheduling == null) {
            return out;
        }
        Map<String, String> nodeSelector = scheduling.getNodeSelector();
        if (nodeSelector != null) {
            nodeSelector.forEach((key, value) -> {
                String at = field + ".nodeSelector." + key;
                LabelSyntax.checkKey(out, key == null ? "" : key, at);
                LabelSyntax.checkValue(out, value == null ? "" : value, at);
            });
        }
        affinity(out, scheduling.getAffinity(), field + ".affinity");
        if (scheduling.getTolerations() == null) {
            return out;
        }
        List<Toleration> tolerations = scheduling.getTolerations();
        for (int i = 0; i < tolerations.size(); i++) {
            Toleration t = tolerations.get(i);
            if (t == null) {
                continue;
            }
            String at = field + ".tolerations[" + i + "]";
            String operator = blankToNull(t.getOperator());
            String key = blankToNull(t.getKey());
            String effect = blankToNull(t.getEffect());
            if (operator != null && !OPERATORS.contains(operator)) {
                out.add(new FieldError(
                        at + ".operator",
                        "Unsupported value: \"" + operator + "\": supported values: \"Equal\", \"Exists\""));
            } else if (key == null && !"Exists".equals(operator)) {
                out.add(
                        new FieldError(
                                at + ".operator",
                                "Invalid value: \"" + (operator == null ? "" : operator)
                                        + "\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            } else if ("Exists".equals(operator) && blankToNull(t.getValue()) != null) {
                out.add(new FieldError(
                        at + ".value",
                        "Invalid value: \"" + t.getValue() + "\": value must be empty when `operator` is 'Exists'"));
            }
            if (key != null) {
                LabelSyntax.checkKey(out, key, at + ".key");
            }
            if ((operator == null || "Equal".equals(operator)) && blankToNull(t.getValue()) != null) {
                LabelSyntax.checkValue(out, t.getValue(), at + ".value");
            }
            if (effect != null && !EFFECTS.contains(effect)) {
                out.add(new FieldError(
                        at + ".effect",
                        "Unsupported value: \"" + effect
                                + "\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""));
            }
            if (t.getTolerationSeconds() != null && !"NoExecute".equals(effect)) {
                out.add(new FieldError(
                        at + ".effect",
                        "Invalid value: \"" + (effect == null ? "" : effect)
                                + "\": effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
        }
        return out;
    }

    private static void affinity(List<FieldError> out, Affinity affinity, String field) {
        if (affinity == null) {
            return;
        }
        NodeAffinity node = affinity.getNodeAffinity();
        if (node != null) {
            String at = field + ".nodeAffinity";
            NodeSelector required = node.getRequiredDuringSchedulingIgnoredDuringExecution();
            if (required != null) {
                String r = at + ".requiredDuringSchedulingIgnoredDuringExecution";
                List<NodeSelectorTerm> terms = required.getNodeSelectorTerms();
                if (terms == null || terms.isEmpty()) {
                    out.add(new FieldError(
                            r + ".nodeSelectorTerms", "Required value: must have at least one node selector term"));
                } else {
                    for (int i = 0; i < terms.size(); i++) {
                        nodeSelectorTerm(out, terms.get(i), r + ".nodeSelectorTerms[" + i + "]");
                    }
                }
            }
            List<PreferredSchedulingTerm> preferred = node.getPreferredDuringSchedulingIgnoredDuringExecution();
            for (int i = 0; preferred != null && i < preferred.size(); i++) {
                PreferredSchedulingTerm term = preferred.get(i);
                String p = at + ".preferredDuringSchedulingIgnoredDuringExecution[" + i + "]";
                if (term == null) {
                    continue;
                }
                weight(out, term.getWeight(), p + ".weight");
                if (term.getPreference() == null) {
                    out.add(new FieldError(p + ".preference", "Required value"));
                } else {
                    nodeSelectorTerm(out, term.getPreference(), p + ".preference");
                }
            }
        }
        if (affinity.getPodAffinity() != null) {
            podTerms(
                    out,
                    affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(),
                    affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution(),
                    field + ".podAffinity");
        }
        if (affinity.getPodAntiAffinity() != null) {
            podTerms(
                    out,
                    affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(),
                    affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution(),
                    field + ".podAntiAffinity");
        }
    }

    private static void nodeSelectorTerm(List<FieldError> out, NodeSelectorTerm term, String field) {
        if (term == null) {
            return;
        }
        List<NodeSelectorRequirement> expressions = term.getMatchExpressions();
        for (int j = 0; expressions != null && j < expressions.size(); j++) {
            NodeSelectorRequirement e = expressions.get(j);
            if (e == null) {
                continue;
            }
            String at = field + ".matchExpressions[" + j + "]";
            String operator = blankToNull(e.getOperator());
            int values = e.getValues() == null ? 0 : e.getValues().size();
            if (blankToNull(e.getKey()) == null) {
                out.add(new FieldError(at + ".key", "Required value"));
            } else {
                LabelSyntax.checkKey(out, e.getKey(), at + ".key");
            }
            if (operator == null || !NODE_OPERATORS.contains(operator)) {
                out.add(
                        new FieldError(
                                at + ".operator",
                                (operator == null ? "Required value" : "Unsupported value: \"" + operator + "\"")
                                        + ": supported values: \"DoesNotExist\", \"Exists\", \"Gt\", \"In\", \"Lt\", \"NotIn\""));
            } else if ((operator.equals("In") || operator.equals("NotIn")) && values == 0) {
                out.add(new FieldError(
                        at + ".values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"));
            } else if ((operator.equals("Exists") || operator.equals("DoesNotExist")) && values > 0) {
                out.add(new FieldError(
                        at + ".values",
                        "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
            } else if ((operator.equals("Gt") || operator.equals("Lt")) && values != 1) {
                out.add(new FieldError(
                        at + ".values",
                        "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"));
            }
        }
    }

    private static void podTerms(
            List<FieldError> out,
            List<PodAffinityTerm> required,
            List<WeightedPodAffinityTerm> preferred,
            String field) {
        for (int i = 0; required != null && i < required.size(); i++) {
            podTerm(out, required.get(i), field + ".requiredDuringSchedulingIgnoredDuringExecution[" + i + "]");
        }
        for (int i = 0; preferred != null && i < preferred.size(); i++) {
            WeightedPodAffinityTerm term = preferred.get(i);
            if (term == null) {
                continue;
            }
            String at = field + ".preferredDuringSchedulingIgnoredDuringExecution[" + i + "]";
            weight(out, term.getWeight(), at + ".weight");
            if (term.getPodAffinityTerm() == null) {
                out.add(new FieldError(at + ".podAffinityTerm", "Required value"));
            } else {
                podTerm(out, term.getPodAffinityTerm(), at + ".podAffinityTerm");
            }
        }
    }

    private static void podTerm(List<FieldError> out, PodAffinityTerm term, String field) {
        if (term == null) {
            return;
        }
        if (blankToNull(term.getTopologyKey()) == null) {
            out.add(new FieldError(field + ".topologyKey", "Required value: can not be empty"));
        } else {
            LabelSyntax.checkKey(out, term.getTopologyKey(), field + ".topologyKey");
        }
        labelSelector(out, term.getLabelSelector(), field + ".labelSelector");
        labelSelector(out, term.getNamespaceSelector(), field + ".namespaceSelector");
    }

    /** The label keys and values of a pod affinity term's selector (the API server's ValidateLabelSelector). */
    private static void labelSelector(List<FieldError> out, LabelSelector selector, String field) {
        if (selector == null) {
            return;
        }
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((key, value) -> {
                String at = field + ".matchLabels." + key;
                LabelSyntax.checkKey(out, key == null ? "" : key, at);
                LabelSyntax.checkValue(out, value == null ? "" : value, at);
            });
        }
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
        for (int j = 0; expressions != null && j < expressions.size(); j++) {
            LabelSelectorRequirement e = expressions.get(j);
            if (e == null) {
                continue;
            }
            String at = field + ".matchExpressions[" + j + "]";
            LabelSyntax.checkKey(out, e.getKey() == null ? "" : e.getKey(), at + ".key");
            List<String> values = e.getValues();
            for (int v = 0; values != null && v < values.size(); v++) {
                LabelSyntax.checkValue(out, values.get(v) == null ? "" : values.get(v), at + ".values[" + v + "]");
            }
        }
    }

    private static void weight(List<FieldError> out, Integer weight, String field) {
        if (weight == null || weight < 1 || weight > 100) {
            out.add(new FieldError(
                    field, "Invalid value: " + (weight == null ? 0 : weight) + ": must be in the range 1-100"));
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
