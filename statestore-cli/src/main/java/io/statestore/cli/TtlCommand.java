package io.statestore.cli;

import io.statestore.StateStore;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore ttl}. */
@Command(name = "ttl", mixinStandardHelpOptions = true,
        description = "Prints the seconds KEY has left to live (to the millisecond), or none when it is absent or does not expire.")
final class TtlCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            spec.commandLine().getOut().println(store.timeToLive(key)
                    .map(left -> String.format(Locale.ROOT, "%.3f", left.toMillis() / 1000.0)).orElse("none"));
            return 0;
        }
    }
}
