package io.statestore.cli;

import io.statestore.StateStore;
import io.statestore.python.BridgeClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code statestore ping}: a health check. */
@Command(name = "ping", mixinStandardHelpOptions = true,
        description = {"Checks that the bridge answers (one authenticated round trip), or with --store that the store"
                + " opens and answers; prints 'ok'.",
                "Exit status: 0 it answered; 1 it did not (the reason on stderr); 2 a usage error. Fit for a"
                + " container's health check."})
final class PingCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open()) {
            if (store instanceof BridgeClient bridge) {
                bridge.ping();
            } else {
                store.size();
            }
        }
        spec.commandLine().getOut().println("ok");
        return 0;
    }
}
