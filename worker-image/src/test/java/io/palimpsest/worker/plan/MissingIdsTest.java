package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.SourcePosition;
import io.palimpsest.worker.format.UnusableItem;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MissingIdsTest {

    @Test
    void threeFilesWithoutTheFieldAreNamedInKeyOrderAndTheRestCounted() {
        MissingIds ids = new MissingIds(new FieldMapping("text", "doc"));
        for (String file : new String[] {"d.jsonl", "c.jsonl", "b.jsonl", "a.jsonl"}) {
            ids.take(new UnusableItem(new SourcePosition(file, 1), null, ItemReason.MISSING_ID, "no doc"));
        }

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> ids.refuseFilesWithout(Set.of(), key -> "in/" + key));

        assertEquals(
                "spec.input.idField 'doc' is in no record of 4 input file(s): in/a.jsonl, in/b.jsonl, in/c.jsonl,"
                        + " and 1 more (4 records without it): every document of such a file would be rejected as"
                        + " missing_id; give their records ids, leave the files out (spec.input.exclude), or leave"
                        + " idField out for a corpus without ids (each record without one is then given file:line)",
                refused.getMessage());
    }
}
