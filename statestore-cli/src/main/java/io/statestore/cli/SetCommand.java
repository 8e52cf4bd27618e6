package io.statestore.cli;

import io.statestore.StateStore;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code statestore set KEY VALUE}. */
@Command(name = "set", mixinStandardHelpOptions = true,
        description = {"Stores VALUE under KEY. VALUE is read as an integer (42, -7, any size), a float (1.5, 2e3),"
                + " true or false when it looks like one, else as a string; --string keeps it a string. VALUE null"
                + " removes KEY, as storing null does everywhere. With --ttl the key expires after SECONDS; without,"
                + " it does not (an expiry it had ends)."})
final class SetCommand extends StoreCommand {

    @Option(names = "--string", description = "Store VALUE as a string even if it looks like a number or boolean.")
    boolean forceString;

    @Option(names = "--ttl", paramLabel = "SECONDS", description = "Expire the key this many seconds from now.")
    Double ttl;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value.")
    String value;

    @Override
    int run(StateStore store, PrintWriter out) {
        Object parsed = TerminalValues.parse(value, forceString);
        store.store(key, parsed, ttl == null ? null : BridgeSettings.seconds(ttl, "--ttl"));
        return 0;
    }
}
