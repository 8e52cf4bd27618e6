package io.statestore.cli;

import io.statestore.StateStore;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code statestore ttl KEY}. */
@Command(name = "ttl", mixinStandardHelpOptions = true,
        description = "Prints the seconds KEY has left to live (to the millisecond), or none when it is absent or"
                + " does not expire.")
final class TtlCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    Object answer(StateStore store) {
        return store.timeToLive(key).map(left -> String.format(Locale.ROOT, "%.3f", left.toMillis() / 1000.0))
                .orElse("none");
    }
}
