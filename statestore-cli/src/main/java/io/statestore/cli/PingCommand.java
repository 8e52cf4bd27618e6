package io.statestore.cli;

import io.statestore.StateStore;
import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code statestore ping}: a health check. */
@Command(name = "ping", mixinStandardHelpOptions = true,
        description = {"Checks that the bridge answers (one authenticated round trip), or with --store that the store"
                + " opens and answers; prints 'ok'.",
                "With no --address and no STATESTORE_ADDRESS, asks the bridge 'serve' runs with this environment:"
                + " STATESTORE_UNIX, else STATESTORE_TCP, with the token of STATESTORE_TOKEN or STATESTORE_TOKEN_FILE"
                + " (a container's health check needs no options).",
                "Exit status: 0 it answered; 1 it did not (the reason on stderr); 2 a usage error."})
final class PingCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreAccess access;

    @Override
    public Integer call() throws Exception {
        try (StateStore store = access.open(PingCommand::servedAddress, PingCommand::servedToken)) {
            if (store instanceof BridgeClient bridge) {
                bridge.ping();
            } else {
                store.size();
            }
        }
        spec.commandLine().getOut().println("ok");
        return 0;
    }

    /** The address {@code serve} listens on when started with this environment; a wildcard host as loopback. */
    private static String servedAddress() {
        String unix = variable("--unix");
        if (unix != null) {
            return BridgeAddress.unix(Path.of(unix)).toString();
        }
        String tcp = variable("--tcp");
        if (tcp == null) {
            return null;
        }
        InetSocketAddress served = (InetSocketAddress) BridgeAddress.parseHostPort(tcp).toSocketAddress();
        String host = served.getAddress() != null && served.getAddress().isAnyLocalAddress()
                ? "127.0.0.1" : served.getHostString();
        return BridgeAddress.tcp(host, served.getPort()).toString();
    }

    /** The token {@code serve} takes from this environment's token file. */
    private static String servedToken() throws IOException {
        String file = variable("--token-file");
        return file == null ? null : TokenFile.read(Path.of(file));
    }

    private static String variable(String option) {
        String value = Environment.variables.apply(Environment.variableOf(option));
        return value == null || value.isBlank() ? null : value;
    }
}
