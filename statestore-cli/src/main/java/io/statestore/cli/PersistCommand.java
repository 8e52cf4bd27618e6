package io.statestore.cli;

import io.statestore.StateStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore persist}. */
@Command(name = "persist", mixinStandardHelpOptions = true,
        description = "Removes the expiry of KEY; prints true if KEY was there with an expiry, false if not.")
final class PersistCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            spec.commandLine().getOut().println(store.persist(key));
            return 0;
        }
    }
}
