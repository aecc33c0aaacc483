package io.palimpsest.worker.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a multipart upload that concatenates source objects: one part size for the whole
 * concatenated stream, every part that size but the last, which is no larger. Cloudflare R2 refuses
 * to complete an upload whose non-trailing parts differ in length ("All non-trailing parts must have
 * the same length"); AWS and MinIO accept it either way. A part whose bytes lie within one source is
 * copied server-side (UploadPartCopy with a byte range); one that spans sources is gathered from
 * ranged reads and uploaded.
 */
final class MultipartPlan {

    /** The most parts one upload may have (AWS, MinIO, R2). */
    static final int MAX_PARTS = 10_000;
    /** The part size unless the object needs larger parts to fit {@link #MAX_PARTS}. */
    static final long BASE_PART_BYTES = 8L * 1024 * 1024;
    /** S3's largest part. */
    static final long MAX_PART_BYTES = 5L * 1024 * 1024 * 1024;

    private static final long MIB = 1024L * 1024;

    private MultipartPlan() {}

    /** A source's bytes {@code [start, end)} that go into one part. */
    record Piece(int source, long start, long end) {
        long size() {
            return end - start;
        }
    }

    /** Part {@code number} (from 1): its pieces in order; one piece is a server-side copy. */
    record Part(int number, List<Piece> pieces) {
        long size() {
            return pieces.stream().mapToLong(Piece::size).sum();
        }

        boolean copied() {
            return pieces.size() == 1;
        }
    }

    /**
     * The part size for {@code total} bytes: {@code basePartBytes}, or the smallest whole number of
     * MiB that keeps the upload within {@link #MAX_PARTS}, whichever is larger.
     */
    static long partSize(long total, long basePartBytes) {
        long needed = (total + MAX_PARTS - 1) / MAX_PARTS;
        long roundedToMib = (needed + MIB - 1) / MIB * MIB;
        return Math.max(basePartBytes, roundedToMib);
    }

    /**
     * The parts that concatenate sources of {@code sizes} in order, all {@link #partSize} long but
     * the last. Empty sources contribute nothing; no bytes, no parts.
     *
     * @throws IllegalArgumentException when a part would exceed S3's 5 GiB
     */
    static List<Part> plan(List<Long> sizes, long basePartBytes) {
        long total = 0;
        for (long size : sizes) {
            if (size < 0) {
                throw new IllegalArgumentException("negative source size " + size);
            }
            total += size;
        }
        long partSize = partSize(total, basePartBytes);
        if (partSize > MAX_PART_BYTES) {
            throw new IllegalArgumentException(
                    total + " bytes do not fit " + MAX_PARTS + " parts of at most " + MAX_PART_BYTES + " bytes");
        }
        List<Part> parts = new ArrayList<>();
        List<Piece> current = new ArrayList<>();
        long currentBytes = 0;
        for (int source = 0; source < sizes.size(); source++) {
            long offset = 0;
            long size = sizes.get(source);
            while (offset < size) {
                long take = Math.min(size - offset, partSize - currentBytes);
                current.add(new Piece(source, offset, offset + take));
                currentBytes += take;
                offset += take;
                if (currentBytes == partSize) {
                    parts.add(new Part(parts.size() + 1, List.copyOf(current)));
                    current.clear();
                    currentBytes = 0;
                }
            }
        }
        if (currentBytes > 0) {
            parts.add(new Part(parts.size() + 1, List.copyOf(current)));
        }
        return parts;
    }
}
