package io.statestore.cli;

import io.statestore.StateStore;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore get KEY}. */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Prints the value of KEY: a string as it is, numbers and booleans as literals, lists and"
                + " maps as JSON, bytes as base64:...",
                "Exits with 1 and a message on stderr when KEY is absent."})
final class GetCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            Optional<Object> value = store.fetch(key);
            if (value.isEmpty()) {
                spec.commandLine().getErr().println("statestore get: no key \"" + key + "\"");
                return 1;
            }
            spec.commandLine().getOut().println(TerminalValues.format(value.get()));
            return 0;
        }
    }
}
