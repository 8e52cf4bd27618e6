package io.statestore.cli;

import io.statestore.StateStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore del KEY}. */
@Command(name = "del", mixinStandardHelpOptions = true,
        description = "Removes KEY and prints true if it was there, false if it was not (exit status 0 either way).")
final class DelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            spec.commandLine().getOut().println(store.remove(key));
            return 0;
        }
    }
}
