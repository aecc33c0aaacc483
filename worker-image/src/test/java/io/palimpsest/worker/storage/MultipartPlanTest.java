package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartPlanTest {

    private static final long MIB = 1024L * 1024;

    @Test
    void everyPartButTheLastHasOneSizeAndThePiecesCoverTheSourcesInOrder() {
        List<Long> sizes = List.of(5 * MIB + 1244, 8 * MIB + 1234, 10L, 0L, 20 * MIB + 3);
        for (long base : List.of(5 * MIB, MultipartPlan.BASE_PART_BYTES)) {
            List<MultipartPlan.Part> parts = MultipartPlan.plan(sizes, base);
            assertUniform(parts, base);
            assertCovers(sizes, parts);
        }
    }

    @Test
    void aPartWithinOneSourceIsCopiedWithItsRangeAndOneAcrossSourcesIsGathered() {
        List<MultipartPlan.Part> parts = MultipartPlan.plan(List.of(5 * MIB + 1244, 8 * MIB + 1234, 10L), 5 * MIB);
        assertEquals(3, parts.size());
        assertEquals(
                List.of(new MultipartPlan.Piece(0, 0, 5 * MIB)), parts.get(0).pieces());
        assertTrue(parts.get(0).copied());
        assertEquals(
                List.of(
                        new MultipartPlan.Piece(0, 5 * MIB, 5 * MIB + 1244),
                        new MultipartPlan.Piece(1, 0, 5 * MIB - 1244)),
                parts.get(1).pieces());
        assertEquals(
                List.of(new MultipartPlan.Piece(1, 5 * MIB - 1244, 8 * MIB + 1234), new MultipartPlan.Piece(2, 0, 10)),
                parts.get(2).pieces());
        assertEquals(
                List.of(1, 2, 3), parts.stream().map(MultipartPlan.Part::number).toList());
    }

    @Test
    void tenThousandAndOneSourcesOfFiveMibFitTenThousandParts() {
        List<Long> sizes = Collections.nCopies(10_001, 5 * MIB);
        for (long base : List.of(5 * MIB, MultipartPlan.BASE_PART_BYTES)) {
            List<MultipartPlan.Part> parts = MultipartPlan.plan(sizes, base);
            assertTrue(parts.size() <= MultipartPlan.MAX_PARTS, parts.size() + " parts");
            assertUniform(parts, base);
            assertCovers(sizes, parts);
        }
        // an object that needs more than 10,000 parts of the base size gets larger parts, a whole number of MiB
        long total = 10_001L * 8 * MIB;
        long size = MultipartPlan.partSize(total, MultipartPlan.BASE_PART_BYTES);
        assertEquals(9 * MIB, size);
        assertTrue((total + size - 1) / size <= MultipartPlan.MAX_PARTS);
    }

    @Test
    void noBytesNoParts() {
        assertEquals(List.of(), MultipartPlan.plan(List.of(0L, 0L), MultipartPlan.BASE_PART_BYTES));
    }

    @Test
    void anObjectTooLargeForTenThousandPartsOfFiveGibIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> MultipartPlan.plan(List.of(MultipartPlan.MAX_PART_BYTES * MultipartPlan.MAX_PARTS + 1), 8 * MIB));
    }

    private static void assertUniform(List<MultipartPlan.Part> parts, long base) {
        long first = parts.get(0).size();
        assertTrue(first >= base, "the part size is at least the base");
        for (int i = 0; i < parts.size() - 1; i++) {
            assertEquals(first, parts.get(i).size(), "part " + parts.get(i).number());
        }
        assertTrue(parts.get(parts.size() - 1).size() <= first, "the last part is no larger");
    }

    private static void assertCovers(List<Long> sizes, List<MultipartPlan.Part> parts) {
        List<MultipartPlan.Piece> pieces = new ArrayList<>();
        parts.forEach(p -> pieces.addAll(p.pieces()));
        int i = 0;
        for (int source = 0; source < sizes.size(); source++) {
            long offset = 0;
            while (offset < sizes.get(source)) {
                MultipartPlan.Piece piece = pieces.get(i++);
                assertEquals(source, piece.source());
                assertEquals(offset, piece.start());
                assertTrue(piece.end() > piece.start());
                offset = piece.end();
            }
            assertEquals((long) sizes.get(source), offset);
        }
        assertEquals(pieces.size(), i, "no piece beyond the sources");
    }
}
