package io.statestore.cli;

import io.statestore.python.BridgeOptions;
import io.statestore.python.StateBridge;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options {@code serve} and {@code run} share: where the token comes from, and the bridge's limits. */
final class BridgeSettings {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--token-file", paramLabel = "PATH",
            description = "Read the token clients must present from the first line of PATH (trimmed); other users"
                    + " must not be able to read or write PATH (chmod 600). Default: $STATESTORE_TOKEN, else a"
                    + " random token, printed.")
    Path tokenFile;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The token clients must present. Other local users can see it in the process list:"
                    + " prefer --token-file or $STATESTORE_TOKEN.")
    String token;

    @Option(names = "--max-frame", paramLabel = "BYTES",
            description = "The largest request frame accepted; default: ${DEFAULT-VALUE}.")
    int maxFrame = BridgeOptions.DEFAULT_MAX_FRAME_BYTES;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "The most authenticated connections open at once; default: ${DEFAULT-VALUE}.")
    int maxConnections = BridgeOptions.DEFAULT_MAX_CONNECTIONS;

    @Option(names = "--max-pending-connections", paramLabel = "N",
            description = "The most connections per listener that have not said hello yet; one more closes the"
                    + " oldest. Default: ${DEFAULT-VALUE}.")
    int maxPendingConnections = BridgeOptions.DEFAULT_MAX_PENDING_CONNECTIONS;

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS",
            description = "Seconds a new connection has to say hello; default: ${DEFAULT-VALUE}.")
    double handshakeTimeout = BridgeOptions.DEFAULT_HANDSHAKE_TIMEOUT_SECONDS;

    @Option(names = "--frame-timeout", paramLabel = "SECONDS",
            description = "Seconds a frame whose first bytes arrived has to arrive whole; default: ${DEFAULT-VALUE}.")
    double frameTimeout = BridgeOptions.DEFAULT_FRAME_TIMEOUT_SECONDS;

    /**
     * Starts the bridge's options: the token and the limits.
     *
     * @return a builder; where to listen is the caller's to add
     * @throws CommandLine.ParameterException if both --token and --token-file are given
     * @throws IllegalArgumentException       if the token file is open to others, a limit is out of range
     * @throws IOException                    if the token file cannot be read
     */
    BridgeOptions.Builder builder() throws IOException {
        return BridgeOptions.builder()
                .token(token())
                .maxFrameBytes(maxFrame)
                .maxConnections(maxConnections)
                .maxPendingConnections(maxPendingConnections)
                .handshakeTimeout(seconds(handshakeTimeout, "--handshake-timeout"))
                .frameTimeout(seconds(frameTimeout, "--frame-timeout"));
    }

    /** The token from exactly one source: --token-file, --token, $STATESTORE_TOKEN; null for a random one. */
    private String token() throws IOException {
        if (token != null && tokenFile != null && !spec.commandLine().getParseResult().hasMatchedOption("--token-file")) {
            return token;  // --token on the command line wins over STATESTORE_TOKEN_FILE
        }
        if (token != null && tokenFile != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either --token or --token-file, not both (--token-file keeps the token out of the"
                            + " process list)");
        }
        if (tokenFile != null) {
            return TokenFile.read(tokenFile);
        }
        if (token != null) {
            return token;
        }
        String fromEnvironment = Environment.variables.apply(StateBridge.TOKEN_VARIABLE);
        return fromEnvironment == null || fromEnvironment.isBlank() ? null : fromEnvironment;
    }

    /** A positive number of seconds, given as {@code option}, as a Duration (at least a millisecond). */
    static Duration seconds(double seconds, String option) {
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException(option + " " + seconds + " must be a positive number of seconds");
        }
        return Duration.ofNanos(Math.max(1_000_000, Math.round(seconds * 1e9)));
    }
}
