package io.statestore.python;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * How a {@link StateBridge} listens and what it allows. Immutable; made with {@link #builder()}.
 *
 * <p>Defaults: a Unix domain socket in a fresh private (0700) temporary directory when neither a Unix path
 * nor a TCP address is given; a token of 32 random bytes (URL-safe base64, from {@link SecureRandom});
 * frames up to {@value #DEFAULT_MAX_FRAME_BYTES} bytes; {@value #DEFAULT_MAX_CONNECTIONS} authenticated
 * connections; {@value #DEFAULT_MAX_PENDING_CONNECTIONS} connections waiting for their hello on each listener;
 * {@value #DEFAULT_HANDSHAKE_TIMEOUT_SECONDS} seconds for a new connection to complete its hello;
 * {@value #DEFAULT_FRAME_TIMEOUT_SECONDS} seconds for a frame whose first bytes arrived to arrive whole.
 *
 * <p>Connections that have not said hello yet are kept apart from authenticated ones, so that strangers cannot
 * lock clients out: they never count against {@link #maxConnections()}, and each listener holds at most
 * {@link #maxPendingConnections()} of them; one more closes the oldest.
 */
public final class BridgeOptions {

    /** The default largest frame: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

    /** The default most authenticated connections open at once. */
    public static final int DEFAULT_MAX_CONNECTIONS = 128;

    /** The default most connections per listener that have not completed their hello. */
    public static final int DEFAULT_MAX_PENDING_CONNECTIONS = 64;

    /**
     * The default time a new connection has to complete its hello. A client sends its hello as soon as it is
     * connected, so this only has to cover a round trip and a pause of either side; keeping it short frees the
     * places of silent connections quickly.
     */
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 2;

    /**
     * The default time a frame has, once its first bytes arrived, to arrive whole: at the default frame limit
     * of 16 MiB that asks for about 1.6 MB/s, far below any local link.
     */
    public static final int DEFAULT_FRAME_TIMEOUT_SECONDS = 10;

    private final Path unixSocket;
    private final BridgeAddress tcp;
    private final String token;
    private final boolean tokenGenerated;
    private final int maxFrameBytes;
    private final int maxConnections;
    private final int maxPendingConnections;
    private final Duration handshakeTimeout;
    private final Duration frameTimeout;
    private final RequestObserver requestObserver;

    private BridgeOptions(Builder builder) {
        this.unixSocket = builder.unixSocket;
        this.tcp = builder.tcp;
        this.tokenGenerated = builder.token == null;
        this.token = tokenGenerated ? newToken() : builder.token;
        this.maxFrameBytes = builder.maxFrameBytes;
        this.maxConnections = builder.maxConnections;
        this.maxPendingConnections = builder.maxPendingConnections;
        this.handshakeTimeout = builder.handshakeTimeout;
        this.frameTimeout = builder.frameTimeout;
        this.requestObserver = builder.requestObserver;
    }

    /**
     * Starts a builder with every default.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the options with every default: a Unix socket in a private temporary directory.
     *
     * @return default options, each call with a new random token
     */
    public static BridgeOptions defaults() {
        return builder().build();
    }

    /**
     * Makes a token: 32 bytes from {@link SecureRandom}, URL-safe base64 without padding.
     *
     * @return a new token
     */
    public static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Returns the Unix socket file to create.
     *
     * @return the path, or {@code null} for none given (a private temporary one is used when no TCP
     *         address is given either)
     */
    public Path unixSocket() {
        return unixSocket;
    }

    /**
     * Returns the TCP address to bind.
     *
     * @return the address, or {@code null} for no TCP listener
     */
    public BridgeAddress tcp() {
        return tcp;
    }

    /**
     * Tells whether the bridge serves a Unix socket in a private temporary directory: when neither a Unix
     * path nor a TCP address was given.
     *
     * @return true for the private default socket
     */
    public boolean usesPrivateUnixSocket() {
        return unixSocket == null && tcp == null;
    }

    /**
     * Returns the token clients must present.
     *
     * @return the token
     */
    public String token() {
        return token;
    }

    /**
     * Tells whether the token was generated rather than given.
     *
     * @return true when no token was given to the builder
     */
    public boolean tokenGenerated() {
        return tokenGenerated;
    }

    /**
     * Returns the largest frame accepted, in bytes, without the 4-byte length prefix.
     *
     * @return the maximum frame size
     */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * Returns how many authenticated connections may be open at once, over every listener together. A
     * connection counts from its successful hello on; a hello past the limit is answered SERVER_BUSY.
     *
     * @return the connection limit
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * Returns how many connections that have not completed their hello each listener (the Unix socket, TCP)
     * holds. When a listener is full, a new connection closes the oldest one waiting there.
     *
     * @return the per-listener limit of connections waiting for their hello
     */
    public int maxPendingConnections() {
        return maxPendingConnections;
    }

    /**
     * Returns the time a new connection has to complete its hello before it is closed.
     *
     * @return the handshake timeout
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Returns the time a frame has, from when the server starts waiting for its rest, to arrive whole; an
     * authenticated connection that holds a half-sent frame longer is closed.
     *
     * @return the frame timeout
     */
    public Duration frameTimeout() {
        return frameTimeout;
    }

    /**
     * What is told of every request answered.
     *
     * @return the observer, {@link RequestObserver#NONE} unless one was given
     */
    public RequestObserver requestObserver() {
        return requestObserver;
    }

    /** Builds {@link BridgeOptions}; every setter checks its argument at once. */
    public static final class Builder {
        private Path unixSocket;
        private BridgeAddress tcp;
        private String token;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxPendingConnections = DEFAULT_MAX_PENDING_CONNECTIONS;
        private Duration handshakeTimeout = Duration.ofSeconds(DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
        private Duration frameTimeout = Duration.ofSeconds(DEFAULT_FRAME_TIMEOUT_SECONDS);
        private RequestObserver requestObserver = RequestObserver.NONE;

        private Builder() {
        }

        /**
         * Serves a Unix domain socket at a path. The file is created with mode 0600 before anyone can
         * connect, and removed when the bridge closes. One server at a time per path: the bridge holds the
         * lock file {@code PATH.lock} (created 0600, left in place) from before it creates the socket until
         * after it has removed it, so a second one fails to start without touching the first one's socket. A
         * stale socket file left by a server that died is replaced.
         *
         * @param path the socket file, or {@code null} for none
         * @return this builder
         */
        public Builder unixSocket(Path path) {
            this.unixSocket = path;
            return this;
        }

        /**
         * Serves TCP too (or only TCP, when no Unix path is given).
         *
         * @param address where to bind, for example {@code BridgeAddress.tcp("127.0.0.1", 0)} for any free
         *                port on the loopback interface; {@code null} for no TCP listener
         * @return this builder
         * @throws IllegalArgumentException if the address is a Unix address
         */
        public Builder tcp(BridgeAddress address) {
            if (address != null && address.isUnix()) {
                throw new IllegalArgumentException("tcp() takes a TCP address, not " + address
                        + "; use unixSocket(path) for a Unix socket");
            }
            this.tcp = address;
            return this;
        }

        /**
         * Serves TCP on {@code 127.0.0.1}.
         *
         * @param port the port, 0 for any free port
         * @return this builder
         */
        public Builder tcpLoopback(int port) {
            return tcp(BridgeAddress.tcp("127.0.0.1", port));
        }

        /**
         * Sets the token clients must present, instead of a random one.
         *
         * @param token a non-empty token
         * @return this builder
         * @throws IllegalArgumentException if the token is empty
         */
        public Builder token(String token) {
            if (token != null && token.isEmpty()) {
                throw new IllegalArgumentException("token must not be empty; leave it out for a random one");
            }
            this.token = token;
            return this;
        }

        /**
         * Sets the largest frame accepted.
         *
         * @param bytes at least 1024
         * @return this builder
         * @throws IllegalArgumentException if below 1024
         */
        public Builder maxFrameBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("max frame size " + bytes + " is below the minimum of 1024"
                        + " bytes; the default is " + DEFAULT_MAX_FRAME_BYTES);
            }
            this.maxFrameBytes = bytes;
            return this;
        }

        /**
         * Sets how many authenticated connections may be open at once; the hello of one more is answered
         * SERVER_BUSY and its connection closed. Connections waiting for their hello do not count.
         *
         * @param connections at least 1
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxConnections(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("max connections " + connections + " must be at least 1;"
                        + " the default is " + DEFAULT_MAX_CONNECTIONS);
            }
            this.maxConnections = connections;
            return this;
        }

        /**
         * Sets how many connections that have not completed their hello each listener holds; when one is full,
         * a new connection closes the oldest waiting there, so a flood of silent connections cannot keep a
         * client that says hello at once from being served.
         *
         * @param connections at least 1
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxPendingConnections(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("max pending connections " + connections + " must be at least 1;"
                        + " the default is " + DEFAULT_MAX_PENDING_CONNECTIONS);
            }
            this.maxPendingConnections = connections;
            return this;
        }

        /**
         * Sets the time a new connection has to complete its hello.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if not positive
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshake timeout", DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
            return this;
        }

        /**
         * Sets the time a frame has to arrive whole once the server waits for its rest; a connection that
         * holds a half-sent frame longer is closed without a reply.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if not positive
         */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = positive(timeout, "frame timeout", DEFAULT_FRAME_TIMEOUT_SECONDS);
            return this;
        }

        /**
         * Tells {@code observer} of every request answered (for metrics); none by default.
         *
         * @param observer the observer
         * @return this builder
         */
        public Builder requestObserver(RequestObserver observer) {
            this.requestObserver = Objects.requireNonNull(observer, "observer");
            return this;
        }

        private static Duration positive(Duration timeout, String name, int defaultSeconds) {
            Objects.requireNonNull(timeout, name);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(name + " " + timeout + " must be positive; the default is "
                        + defaultSeconds + " s");
            }
            return timeout;
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public BridgeOptions build() {
            return new BridgeOptions(this);
        }
    }
}
