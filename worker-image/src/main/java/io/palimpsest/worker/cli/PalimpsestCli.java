package io.palimpsest.worker.cli;

public final class PalimpsestCli {
    public static void main(String[] args) {
    }
}
