package io.statestore.cli;

import io.statestore.StateStore;
import java.io.PrintWriter;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code statestore keys [PREFIX]}. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Prints the keys that start with PREFIX (default: all keys), sorted, one per line.")
final class KeysCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "PREFIX", arity = "0..1", defaultValue = "",
            description = "The prefix; default: none.")
    String prefix;

    @Override
    int run(StateStore store, PrintWriter out) {
        for (String key : new TreeSet<>(store.keys(prefix))) {
            out.println(key);
        }
        return 0;
    }
}
