package io.palimpsest.sim.text;

/** Deterministic choices from a seed without shared random state. */
public final class Hashing {
    private Hashing() {}

    /** SplitMix64's finaliser: a good 64-bit mix of its input. */
    public static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
        x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
        return x ^ (x >>> 31);
    }

    public static long mix(long seed, long a, String s) {
        return mix(seed ^ mix(a * 0x9e3779b97f4a7c15L) ^ mix(s.hashCode()));
    }

    /** A stable hash of a whole text, independent of String.hashCode's 32 bits. */
    public static long of(String text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    public static int pick(long hash, int size) {
        return (int) Math.floorMod(hash, (long) size);
    }
}
