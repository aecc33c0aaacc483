package io.palimpsest.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Optional;

/**
 * The controller owner reference every owned object carries: the garbage collector deletes it
 * with its RewriterModel or RewriteJob, and kubectl and other controllers see who manages it.
 *
 * <p>An object is an owner's only when its controller reference carries the owner's uid. The name
 * alone is not enough: a RewriteJob deleted and created again under the same name is another
 * object, and the first one's Jobs, ConfigMap and pods stay until the garbage collector has
 * deleted them, under the same names and labels.
 */
public final class OwnerReferences {
    private OwnerReferences() {}

    public static OwnerReference controller(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** The object's controller reference, if it has one. */
    public static Optional<OwnerReference> controllerOf(HasMetadata object) {
        var refs = object.getMetadata() == null ? null : object.getMetadata().getOwnerReferences();
        if (refs == null) {
            return Optional.empty();
        }
        return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }

    /** Whether {@code object}'s controller is the object with this uid (never for a null uid). */
    public static boolean controlledBy(HasMetadata object, String ownerUid) {
        return ownerUid != null
                && controllerOf(object).map(r -> ownerUid.equals(r.getUid())).orElse(false);
    }

    /**
     * Whether {@code object} belongs to an earlier object of {@code owner}'s kind and name (deleted
     * and created again): its controller has the same kind and name but another uid.
     */
    public static boolean ofAnEarlier(HasMetadata object, HasMetadata owner) {
        return controllerOf(object)
                .map(r -> owner.getKind().equals(r.getKind())
                        && owner.getMetadata().getName().equals(r.getName())
                        && !owner.getMetadata().getUid().equals(r.getUid()))
                .orElse(false);
    }

    /** {@code Job rc-plan (controller: RewriteJob rc, uid 1f0c...)}, or {@code ... (no controller)}: for messages. */
    public static String describe(HasMetadata object) {
        String kind = object.getKind() != null ? object.getKind() : HasMetadata.getKind(object.getClass());
        return kind + " " + object.getMetadata().getName() + " ("
                + controllerOf(object)
                        .map(r -> "controller: " + r.getKind() + " " + r.getName() + ", uid " + r.getUid())
                        .orElse("no controller")
                + ")";
    }
}
