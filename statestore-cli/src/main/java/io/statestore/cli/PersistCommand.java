package io.statestore.cli;

import io.statestore.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code statestore persist KEY}. */
@Command(name = "persist", mixinStandardHelpOptions = true,
        description = "Removes the expiry of KEY; prints true if KEY was there with an expiry, false if not.")
final class PersistCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    Object answer(StateStore store) {
        return store.persist(key);
    }
}
