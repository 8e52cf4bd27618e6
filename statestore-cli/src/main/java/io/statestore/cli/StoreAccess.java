package io.statestore.cli;

import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeClient;
import io.statestore.python.StateBridge;
import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How a terminal command reaches a store: a running bridge ({@code --address}/{@code --token}, or the
 * {@code STATESTORE_ADDRESS}/{@code STATESTORE_TOKEN} environment), or {@code --store URI} to open the store
 * directly in this process.
 */
final class StoreAccess {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--store", paramLabel = "URI",
            description = "Open this store directly (for example mapdb:./state.db or hazelcast:?members=...)"
                    + " instead of talking to a running bridge.")
    String store;

    @Option(names = "--address", paramLabel = "ADDRESS",
            description = "The bridge to talk to: unix:/path/to.sock or tcp:HOST:PORT; default: $STATESTORE_ADDRESS.")
    String address;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The bridge's token; default: $STATESTORE_TOKEN.")
    String token;

    /** Opens the store the options name; the caller closes it. */
    StateStore open() throws IOException {
        return open(() -> null, () -> null);
    }

    /**
     * Opens the store the options name, or, when neither they nor the environment name a bridge, the one
     * {@code fallbackAddress} names; the caller closes it.
     */
    StateStore open(Fallback fallbackAddress, Fallback fallbackToken) throws IOException {
        if (store != null) {
            if (address != null) {
                throw usage("give either --store or --address, not both");
            }
            return StateStores.open(store);
        }
        String bridgeAddress = firstGiven(address, Environment.variables.apply(StateBridge.ADDRESS_VARIABLE));
        String bridgeToken = firstGiven(token, Environment.variables.apply(StateBridge.TOKEN_VARIABLE));
        if (bridgeAddress == null) {
            bridgeAddress = fallbackAddress.value();
            bridgeToken = bridgeToken != null ? bridgeToken : fallbackToken.value();
        }
        if (bridgeAddress == null) {
            throw usage("no store to talk to: give --address and --token of a running 'statestore serve' (or set "
                    + StateBridge.ADDRESS_VARIABLE + " and " + StateBridge.TOKEN_VARIABLE
                    + "), or --store URI to open a store directly");
        }
        if (bridgeToken == null) {
            throw usage("no token for the bridge at " + bridgeAddress + ": give --token or set "
                    + StateBridge.TOKEN_VARIABLE + " (serve prints it as STATESTORE_TOKEN=...)");
        }
        return BridgeClient.connect(BridgeAddress.parse(bridgeAddress), bridgeToken);
    }

    /** A value looked up only when needed (reading it may fail). */
    @FunctionalInterface
    interface Fallback {
        String value() throws IOException;
    }

    private static String firstGiven(String option, String variable) {
        return option != null ? option : variable == null || variable.isBlank() ? null : variable;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
