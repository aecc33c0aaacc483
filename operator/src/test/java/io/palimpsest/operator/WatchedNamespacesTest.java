package io.palimpsest.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatchedNamespacesTest {

    @Test
    void settingsToNamespaces() {
        record Row(Optional<List<String>> configured, Set<String> expected) {}
        List<Row> table = List.of(
                new Row(Optional.empty(), Set.of()),
                new Row(Optional.of(List.of("QOSDK_USE_BUILDTIME_NAMESPACES")), Set.of()),
                new Row(Optional.of(List.of("JOSDK_ALL_NAMESPACES")), Set.of()),
                new Row(Optional.of(List.of("data", " research ")), Set.of("data", "research")),
                new Row(Optional.of(List.of("JOSDK_WATCH_CURRENT")), Set.of("palimpsest-system")),
                new Row(Optional.of(List.of("data", "JOSDK_ALL_NAMESPACES")), Set.of()));
        for (Row row : table) {
            assertEquals(
                    row.expected(),
                    WatchedNamespaces.of(row.configured(), "palimpsest-system").names(),
                    row.toString());
        }
    }

    @Test
    void containsEverythingOnlyWhenUnscoped() {
        assertTrue(WatchedNamespaces.of(Optional.empty(), "x").contains("anything"));
        WatchedNamespaces scoped = WatchedNamespaces.of(Optional.of(List.of("data")), "x");
        assertTrue(scoped.contains("data"));
        assertFalse(scoped.contains("research"));
    }
}
