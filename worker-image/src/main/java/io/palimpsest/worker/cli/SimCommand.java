package io.palimpsest.worker.cli;

import io.palimpsest.sim.Main;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code palimpsest sim}: the built-in vLLM simulator, with the simulator's own flags. */
@Command(name = "sim", description = "Run the built-in vLLM-compatible simulator (flags: palimpsest sim --help).")
final class SimCommand implements Callable<Integer> {

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Main.run("palimpsest sim", args.toArray(String[]::new));
        return 0;
    }
}
