package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import org.eclipse.microprofile.config.spi.Converter;

/** A Kubernetes quantity setting ({@code 50Gi}, {@code 200G}) of more than zero bytes, checked when the operator starts. */
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
        return quantity;
    }
}
