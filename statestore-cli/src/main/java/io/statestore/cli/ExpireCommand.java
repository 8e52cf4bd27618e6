package io.statestore.cli;

import io.statestore.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code statestore expire KEY SECONDS}. */
@Command(name = "expire", mixinStandardHelpOptions = true,
        description = "Makes KEY expire SECONDS from now, replacing any expiry it had; prints true if KEY was there,"
                + " false if not.")
final class ExpireCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", paramLabel = "SECONDS", description = "How long the key lives from now.")
    double seconds;

    @Override
    Object answer(StateStore store) {
        return store.expire(key, BridgeSettings.seconds(seconds, "SECONDS"));
    }
}
