package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientSettings}' builder: the defaults stay what they were, {@code toBuilder()} carries
 * every field and each builder method sets the field it is named for. The samples fill every record
 * component by reflection, so a component added later and left out of the builder fails here.
 */
class ClientSettingsTest {
    private static final URI BASE = URI.create("http://model.test:8000");

    private long next = 1;

    @Test
    void theDefaultsAreTheOnesTheWorkerAlwaysHad() {
        ClientSettings expected = new ClientSettings(
                BASE,
                Optional.empty(),
                Duration.ofMinutes(10),
                8,
                Duration.ofMillis(500),
                Duration.ofSeconds(30),
                64,
                4096,
                8,
                Duration.ofSeconds(2),
                Duration.ofMinutes(10),
                Duration.ofSeconds(1),
                ConnectionUse.PER_REQUEST,
                Optional.empty(),
                Optional.empty());
        assertEquals(expected, ClientSettings.builder(BASE).build());
        assertEquals(expected, ClientSettings.defaults(BASE));
    }

    @Test
    void toBuilderCarriesEveryField() throws Exception {
        ClientSettings full = sample();
        assertSameFields(full, full.toBuilder().build());
    }

    @Test
    void eachBuilderMethodSetsTheFieldOfItsName() throws Exception {
        ClientSettings full = sample();
        ClientSettings.Builder builder = ClientSettings.builder(URI.create("http://other.test"));
        for (RecordComponent component : ClientSettings.class.getRecordComponents()) {
            ClientSettings.Builder.class
                    .getMethod(component.getName(), component.getType())
                    .invoke(builder, component.getAccessor().invoke(full));
        }
        assertSameFields(full, builder.build());
    }

    @Test
    void aBuilderChangesOnlyWhatItIsToldTo() throws Exception {
        ClientSettings full = sample();
        ClientSettings changed = full.toBuilder().maxAttempts(3).build();
        assertEquals(3, changed.maxAttempts());
        assertSameFields(
                full, changed.toBuilder().maxAttempts(full.maxAttempts()).build());
    }

    @Test
    void theApiKeyIsNeverPrinted() {
        ClientSettings settings = ClientSettings.builder(BASE)
                .apiKey(Optional.of("sk-secret-value"))
                .build();
        assertFalse(settings.toString().contains("sk-secret-value"), settings.toString());
        assertTrue(settings.toString().contains("apiKey=***"), settings.toString());
    }

    @Test
    void toStringReadsAsBefore() {
        assertEquals(
                "ClientSettings[http://model.test:8000, apiKey=none, timeout=PT10M, attempts=8,"
                        + " concurrency=64..4096]",
                ClientSettings.defaults(BASE).toString());
        assertEquals(
                "ClientSettings[http://model.test:8000, apiKey=***, timeout=PT5S, attempts=2,"
                        + " concurrency=8..16, replicas=http://replicas.test:8000]",
                ClientSettings.builder(BASE)
                        .apiKey(Optional.of("k"))
                        .requestTimeout(Duration.ofSeconds(5))
                        .maxAttempts(2)
                        .initialConcurrency(8)
                        .concurrencyCap(16)
                        .replicas(Optional.of(URI.create("http://replicas.test:8000")))
                        .build()
                        .toString());
    }

    /** Field by field, so a failure names the field (toString() shows only some of them). */
    private static void assertSameFields(ClientSettings expected, ClientSettings actual) throws Exception {
        for (RecordComponent component : ClientSettings.class.getRecordComponents()) {
            assertEquals(
                    component.getAccessor().invoke(expected),
                    component.getAccessor().invoke(actual),
                    component.getName());
        }
        assertEquals(expected, actual);
    }

    /** Settings with every component set to a value unlike its default, each different from the others. */
    private ClientSettings sample() throws Exception {
        RecordComponent[] components = ClientSettings.class.getRecordComponents();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            values[i] = sample(components[i].getGenericType());
        }
        ClientSettings full = ClientSettings.class
                .getDeclaredConstructor(
                        Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new))
                .newInstance(values);
        ClientSettings defaults = ClientSettings.defaults(BASE);
        for (RecordComponent component : components) {
            assertNotEquals(
                    component.getAccessor().invoke(defaults),
                    component.getAccessor().invoke(full),
                    "the sample leaves " + component.getName() + " at its default");
        }
        return full;
    }

    private Object sample(Type type) {
        Class<?> raw = (Class<?>) (type instanceof ParameterizedType p ? p.getRawType() : type);
        if (raw == Optional.class) {
            return Optional.of(sample(((ParameterizedType) type).getActualTypeArguments()[0]));
        } else if (raw == String.class) {
            return "s" + next++;
        } else if (raw == URI.class) {
            return URI.create("http://sample-" + next++ + ".test:8000");
        } else if (raw == Duration.class) {
            return Duration.ofMillis(1000 * next++ + 7);
        } else if (raw == int.class) {
            return (int) (10_000 + next++);
        } else if (raw.isEnum()) {
            Object[] constants = raw.getEnumConstants();
            return constants[constants.length - 1];
        }
        throw new AssertionError("no sample for " + type + ": teach this test the new field's type");
    }
}
