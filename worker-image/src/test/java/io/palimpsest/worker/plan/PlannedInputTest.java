package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** input.json keeps whether the plan named its id field; a record from before the flag keeps its old meaning. */
class PlannedInputTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void whetherTheIdFieldIsNamedIsRecordedAndReadBack() throws IOException {
        FileStorage output = new FileStorage(tmp);
        for (String idField : new String[] {"id", "doc", null}) {
            PlannedInput planned = PlannedInput.of(input(idField));
            planned.record(output, true, json);
            PlannedInput read = PlannedInput.read(output, json).orElseThrow();
            assertEquals(planned, read);
            assertEquals(idField != null, read.idFieldNamed(), String.valueOf(idField));
            assertEquals(idField != null, read.namesIdField(), String.valueOf(idField));
            assertEquals(idField == null ? "id" : idField, read.idField());
            assertTrue(new String(output.readAll(PlannedInput.KEY), StandardCharsets.UTF_8)
                    .contains("\"idFieldNamed\" : " + (idField != null)));
        }
    }

    @Test
    void aRecordFromBeforeTheFlagNamesOnlyAFieldOtherThanId() throws IOException {
        FileStorage output = new FileStorage(tmp);
        output.put(
                PlannedInput.KEY,
                "{\"uri\":\"file:///in/\",\"idField\":\"id\",\"include\":[],\"exclude\":[]}"
                        .getBytes(StandardCharsets.UTF_8));
        PlannedInput old = PlannedInput.read(output, json).orElseThrow();
        assertNull(old.idFieldNamed());
        assertFalse(old.namesIdField(), "the API server's old default idField: id gave positions");
        assertTrue(new PlannedInput("file:///in/", null, null, "doc").namesIdField());
    }

    @Test
    void namingTheIdFieldOrNotIsNoDriftButAnotherFieldIs() {
        PlannedInput old = new PlannedInput("file:///in/", null, null, "id", List.of(), List.of());
        assertEquals(List.of(), old.changesTo(PlannedInput.of(input("id"))));
        assertEquals(List.of(), PlannedInput.of(input(null)).changesTo(PlannedInput.of(input("id"))));
        assertEquals(List.of(), PlannedInput.of(input("id")).changesTo(PlannedInput.of(input(null))));
        assertEquals(List.of("input.idField 'id' -> 'doc'"), old.changesTo(PlannedInput.of(input("doc"))));
    }

    private static RewriteJobSpec.Input input(String idField) {
        RewriteJobSpec.Input in = new RewriteJobSpec.Input();
        in.setUri("file:///in/");
        in.setIdField(idField);
        return in;
    }
}
