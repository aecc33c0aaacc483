package io.palimpsest.api.common;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.util.Objects;

/**
 * Reads a quantity Fabric8's {@link Quantity} cannot read ({@code 1.5e3M}, {@code 1e3Mi}, {@code 8GB})
 * as the text it is, instead of failing the whole object.
 *
 * <p>The CRDs copy ResourceRequirements with its quantities as int-or-string and no pattern, so the
 * API server stores such a value in a RewriteJob or RewriterModel. Fabric8's own reading throws on
 * some ({@code 1.5e3M}), and one such object then fails the operator's informer list and watch for
 * every object of its kind: the informer stops, JOSDK stops the operator ("Fatal error in
 * informer"), and the restarted operator cannot list them again, for every job and model of the
 * cluster, with nothing in any status. Others ({@code 8GB}) are read, but their {@code hashCode} and
 * {@code equals} throw. Read as written, the value reaches the spec rules ({@code JobSpecRules}),
 * which fail that one job {@code InvalidSpec} naming the field. Nothing is computed from such a
 * quantity: it compares and hashes by its text, and is written back as it was read.
 */
public final class VerbatimQuantities {
    private VerbatimQuantities() {}

    /** Makes {@code mapper} read quantities this way; returns it. */
    public static <M extends ObjectMapper> M register(M mapper) {
        mapper.addMixIn(Quantity.class, ReadVerbatim.class);
        return mapper;
    }

    /** A quantity that is no number: its amount is the text as written, its format empty. */
    public static final class Unread extends Quantity {
        public Unread(String text) {
            super(text, "");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Quantity q && Objects.equals(toString(), q.toString());
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(toString());
        }
    }

    @JsonDeserialize(using = Reader.class)
    abstract static class ReadVerbatim {}

    /** As Fabric8's {@code Quantity.Deserializer}, but a text that is no quantity is kept as it is. */
    static final class Reader extends JsonDeserializer<Quantity> {
        @Override
        public Quantity deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode node = parser.readValueAsTree();
            if (node.get("amount") != null && node.get("format") != null) {
                return read(node.get("amount").asText() + node.get("format").asText());
            }
            return read(node.get("amount") != null ? node.get("amount").asText() : node.asText());
        }

        static Quantity read(String text) {
            try {
                Quantity q = new Quantity(text);
                q.getNumericalAmount();
                return q;
            } catch (RuntimeException e) {
                return new Unread(text);
            }
        }
    }
}
