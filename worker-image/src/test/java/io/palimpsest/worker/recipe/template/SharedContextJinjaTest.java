package io.palimpsest.worker.recipe.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hubspot.jinjava.JinjavaConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedContextJinjaTest {
    private final SharedContextJinja jinja = new SharedContextJinja(
            JinjavaConfig.newBuilder().withNestedInterpretationEnabled(false).build());

    @Test
    void whatOneRenderSetsIsNotSeenByTheNext() {
        assertEquals("x=1", jinja.render("{% set x = 1 %}x={{ x }}", Map.of()).output());
        assertEquals("x=", jinja.render("x={{ x }}", Map.of()).output());
        assertEquals("x=2", jinja.render("x={{ x }}", Map.of("x", 2)).output());
    }

    @Test
    void filtersWorkAndAFatalErrorCarriesItsLine() {
        assertEquals("ABC", jinja.render("{{ t | upper }}", Map.of("t", "abc")).output());
        SharedContextJinja.Rendered broken = jinja.render("ok\n{% if %}", Map.of());
        assertTrue(broken.fatal().isPresent());
        assertEquals(2, broken.fatal().get().getLineno());
    }
}
