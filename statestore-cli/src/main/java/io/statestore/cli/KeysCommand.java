package io.statestore.cli;

import io.statestore.StateStore;
import java.io.PrintWriter;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore keys [PREFIX]}. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Prints the keys that start with PREFIX (default: all keys), sorted, one per line.")
final class KeysCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Parameters(index = "0", paramLabel = "PREFIX", arity = "0..1", defaultValue = "",
            description = "The prefix; default: none.")
    String prefix;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            PrintWriter out = spec.commandLine().getOut();
            for (String key : new TreeSet<>(store.keys(prefix))) {
                out.println(key);
            }
            out.flush();
            return 0;
        }
    }
}
