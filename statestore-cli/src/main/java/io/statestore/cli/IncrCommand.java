package io.statestore.cli;

import io.statestore.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code statestore incr KEY [AMOUNT]}. */
@Command(name = "incr", mixinStandardHelpOptions = true,
        description = "Atomically adds AMOUNT (default 1, may be negative) to the counter KEY (absent counts as 0)"
                + " and prints the new value.")
final class IncrCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The counter's key.")
    String key;

    @Parameters(index = "1", paramLabel = "AMOUNT", arity = "0..1", defaultValue = "1",
            description = "The amount to add, a 64-bit integer; default: 1.")
    long amount;

    @Override
    Object answer(StateStore store) {
        return store.incr(key, amount);
    }
}
