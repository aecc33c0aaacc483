package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.Quantity;
import io.palimpsest.api.worker.PlannerScratch;
import java.math.BigDecimal;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * A Kubernetes quantity setting ({@code 50Gi}, {@code 200G}) of a whole number of bytes, enough for the planner's
 * bound ({@link PlannerScratch#budget}) to be more than zero, checked when the operator starts.
 */
public final class QuantityConverter implements Converter<Quantity> {

    @Override
    public Quantity convert(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Quantity quantity;
        BigDecimal bytes;
        try {
            quantity = new Quantity(value.trim());
            bytes = Quantity.getAmountInBytes(quantity);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "'" + value + "' is not a Kubernetes quantity of bytes (such as 50Gi or 200G)", e);
        }
        if (bytes.signum() <= 0) {
            throw new IllegalArgumentException("'" + value + "' must be more than zero bytes");
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            // "100m" is a tenth of a byte: the planner would be given a bound of 0 and the volume a limit of nothing
            throw new IllegalArgumentException(
                    "'" + value + "' is " + bytes.stripTrailingZeros().toPlainString()
                            + " bytes, not a whole number of bytes (m is a thousandth; megabytes are M or Mi, such as 100M"
                            + " or 100Mi)");
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + value + "' is more than " + Long.MAX_VALUE + " bytes");
        }
        if (PlannerScratch.budget(bytes.longValue()) <= 0) {
            throw new IllegalArgumentException("'" + value + "' is " + bytes.toPlainString()
                    + " bytes, under the 10 bytes of which the planner is given nine tenths");
        }
        return quantity;
    }
}
