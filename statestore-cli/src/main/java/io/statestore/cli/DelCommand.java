package io.statestore.cli;

import io.statestore.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code statestore del KEY}. */
@Command(name = "del", mixinStandardHelpOptions = true,
        description = "Removes KEY and prints true if it was there, false if it was not (exit status 0 either way).")
final class DelCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    Object answer(StateStore store) {
        return store.remove(key);
    }
}
