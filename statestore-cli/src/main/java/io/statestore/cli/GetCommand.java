package io.statestore.cli;

import io.statestore.StateStore;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code statestore get KEY}. */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Prints the value of KEY: a string as it is, numbers and booleans as literals, lists and"
                + " maps as JSON, bytes as base64:...",
                "Exits with 1 and a message on stderr when KEY is absent."})
final class GetCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    int run(StateStore store, PrintWriter out) {
        Optional<Object> value = store.fetch(key);
        if (value.isEmpty()) {
            spec.commandLine().getErr().println("statestore get: no key \"" + key + "\"");
            return 1;
        }
        out.println(TerminalValues.format(value.get()));
        return 0;
    }
}
