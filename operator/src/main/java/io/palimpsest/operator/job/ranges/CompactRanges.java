package io.palimpsest.operator.job.ranges;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A range set as a status string that stays small however fragmented the set is: the plain
 * Kubernetes form while it is short (readable in {@code kubectl get -o yaml}), otherwise
 * {@code "z1:"} + base64url(deflate(varints)). The varints are the first start, then per range
 * its length - 1 and the gap to the next range - 1, so typical sets (long runs, a scatter of
 * holes) cost about one byte per boundary before deflate: 100,000 shards with 5,000 random holes
 * take about 12 KB. For sets so fragmented that a bitmap is smaller, {@code "zb:"} +
 * base64url(deflate(varint first, then one bit per index from first to last)); so no set over
 * 100,000 shards needs more than about 17 KB.
 */
public final class CompactRanges {
    static final String PREFIX = "z1:";
    static final String BITMAP_PREFIX = "zb:";
    /** Plain strings up to this length stay plain. */
    static final int PLAIN_LIMIT = 512;

    private CompactRanges() {}

    public static String encode(RangeSet set) {
        String plain = set.format(PLAIN_LIMIT);
        if (!plain.endsWith("...")) {
            return plain;
        }
        ByteArrayOutputStream varints = new ByteArrayOutputStream(set.rangeCount() * 3);
        int previousEnd = -1;
        for (int r = 0; r < set.rangeCount(); r++) {
            int start = set.rangeStart(r);
            writeVarint(varints, r == 0 ? start : start - previousEnd - 2);
            writeVarint(varints, set.rangeEnd(r) - start);
            previousEnd = set.rangeEnd(r);
        }
        byte[] runs = deflate(varints.toByteArray());
        byte[] bitmap = deflate(bitmap(set));
        return runs.length <= bitmap.length
                ? PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(runs)
                : BITMAP_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bitmap);
    }

    private static byte[] bitmap(RangeSet set) {
        int first = set.first();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeVarint(out, first);
        long span = (long) set.last() - first + 1;
        byte[] bits = new byte[(int) ((span + 7) / 8)];
        for (int r = 0; r < set.rangeCount(); r++) {
            for (long i = set.rangeStart(r) - (long) first; i <= set.rangeEnd(r) - (long) first; i++) {
                bits[(int) (i >>> 3)] |= (byte) (1 << (i & 7));
            }
        }
        out.writeBytes(bits);
        return out.toByteArray();
    }

    private static RangeSet fromBitmap(byte[] bytes) {
        int[] pos = {0};
        int first = readVarint(bytes, pos);
        RangeSet.Builder b = new RangeSet.Builder();
        for (int byteIndex = pos[0]; byteIndex < bytes.length; byteIndex++) {
            int v = bytes[byteIndex] & 0xff;
            for (int bit = 0; v != 0 && bit < 8; bit++) {
                if ((v & (1 << bit)) != 0) {
                    b.add(first + (byteIndex - pos[0]) * 8 + bit);
                }
            }
        }
        return b.build();
    }

    public static RangeSet decode(String text) {
        if (text != null && text.startsWith(BITMAP_PREFIX)) {
            return fromBitmap(inflate(Base64.getUrlDecoder().decode(text.substring(BITMAP_PREFIX.length()))));
        }
        if (text == null || !text.startsWith(PREFIX)) {
            return RangeSet.parse(text);
        }
        byte[] bytes = inflate(Base64.getUrlDecoder().decode(text.substring(PREFIX.length())));
        RangeSet.Builder b = new RangeSet.Builder();
        int[] pos = {0};
        int previousEnd = -1;
        boolean first = true;
        while (pos[0] < bytes.length) {
            int start = first ? readVarint(bytes, pos) : previousEnd + 2 + readVarint(bytes, pos);
            int end = start + readVarint(bytes, pos);
            b.addRange(start, end);
            previousEnd = end;
            first = false;
        }
        return b.build();
    }

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        while ((value & ~0x7f) != 0) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    private static int readVarint(byte[] in, int[] pos) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos[0] >= in.length) {
                throw new IllegalArgumentException("truncated compact range set");
            }
            byte b = in[pos[0]++];
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("malformed compact range set");
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 16);
            byte[] chunk = new byte[8192];
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static byte[] inflate(byte[] compressed) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 4);
            byte[] chunk = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("truncated compact range set");
                }
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("malformed compact range set", e);
        } finally {
            inflater.end();
        }
    }
}
