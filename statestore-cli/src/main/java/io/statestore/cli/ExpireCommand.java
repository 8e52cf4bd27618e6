package io.statestore.cli;

import io.statestore.StateStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statestore expire}. */
@Command(name = "expire", mixinStandardHelpOptions = true,
        description = "Makes KEY expire SECONDS from now, replacing any expiry it had; prints true if KEY was there, false if not.")
final class ExpireCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", paramLabel = "SECONDS", description = "How long the key lives from now.")
    double seconds;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            spec.commandLine().getOut().println(store.expire(key, BridgeSettings.seconds(seconds, "SECONDS")));
            return 0;
        }
    }
}
