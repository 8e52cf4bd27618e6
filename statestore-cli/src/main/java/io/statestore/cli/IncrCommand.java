package io.statestore.cli;

import io.statestore.StateStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore incr KEY [AMOUNT]}. */
@Command(name = "incr", mixinStandardHelpOptions = true,
        description = "Atomically adds AMOUNT (default 1, may be negative) to the counter KEY (absent counts as 0)"
                + " and prints the new value.")
final class IncrCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Parameters(index = "0", paramLabel = "KEY", description = "The counter's key.")
    String key;

    @Parameters(index = "1", paramLabel = "AMOUNT", arity = "0..1", defaultValue = "1",
            description = "The amount to add, a 64-bit integer; default: 1.")
    long amount;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            spec.commandLine().getOut().println(store.incr(key, amount));
            return 0;
        }
    }
}
