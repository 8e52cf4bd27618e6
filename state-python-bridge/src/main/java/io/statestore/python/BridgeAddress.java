package io.statestore.python;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a bridge listens, written as the protocol writes it: {@code unix:/path/to.sock},
 * {@code tcp:127.0.0.1:7700} or {@code tcp:[::1]:7700}.
 */
public final class BridgeAddress {

    private final Path unixPath;
    private final String host;
    private final int port;

    private BridgeAddress(Path unixPath, String host, int port) {
        this.unixPath = unixPath;
        this.host = host;
        this.port = port;
    }

    /**
     * A Unix domain socket address.
     *
     * @param path the socket file
     * @return the address
     */
    public static BridgeAddress unix(Path path) {
        return new BridgeAddress(path.toAbsolutePath(), null, -1);
    }

    /**
     * A TCP address.
     *
     * @param host a host name or IP literal (IPv6 without brackets)
     * @param port the port, 0 to 65535 (0: any free port, when binding)
     * @return the address
     * @throws IllegalArgumentException if the port is out of range or the host empty
     */
    public static BridgeAddress tcp(String host, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("TCP port " + port + " is out of range; use 0 to 65535");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("TCP host is empty; use for example 127.0.0.1");
        }
        return new BridgeAddress(null, host, port);
    }

    /**
     * Parses {@code unix:PATH}, {@code tcp:HOST:PORT} or {@code tcp:[IPV6]:PORT}.
     *
     * @param address the address string
     * @return the address
     * @throws IllegalArgumentException naming what is wrong and what a right address looks like
     */
    public static BridgeAddress parse(String address) {
        Objects.requireNonNull(address, "address");
        if (address.startsWith("unix:") && address.length() > "unix:".length()) {
            return unix(Path.of(address.substring("unix:".length())));
        }
        if (address.startsWith("tcp:")) {
            return parseHostPort(address.substring("tcp:".length()), address);
        }
        throw new IllegalArgumentException("bridge address \"" + address
                + "\" is neither unix:/path/to.sock nor tcp:HOST:PORT (for example tcp:127.0.0.1:7700)");
    }

    /**
     * Parses {@code HOST:PORT} or {@code [IPV6]:PORT}, as the {@code --tcp} option takes it.
     *
     * @param hostPort the host and port
     * @return a TCP address
     * @throws IllegalArgumentException naming what is wrong
     */
    public static BridgeAddress parseHostPort(String hostPort) {
        return parseHostPort(hostPort, hostPort);
    }

    private static BridgeAddress parseHostPort(String hostPort, String original) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? "" : hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            if (colon < 0 || host.isEmpty()) {
                throw new NumberFormatException();
            }
            return tcp(host, Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + original + "\" is not HOST:PORT; write for example"
                    + " 127.0.0.1:7700, [::1]:7700, or 127.0.0.1:0 for any free port");
        }
    }

    /**
     * Tells whether this is a Unix domain socket address.
     *
     * @return true for {@code unix:}
     */
    public boolean isUnix() {
        return unixPath != null;
    }

    /**
     * Returns the socket file of a Unix address.
     *
     * @return the path, or {@code null} for a TCP address
     */
    public Path unixPath() {
        return unixPath;
    }

    /**
     * Returns the address for a socket channel.
     *
     * @return a {@link UnixDomainSocketAddress} or an {@link InetSocketAddress}
     */
    public SocketAddress toSocketAddress() {
        return isUnix() ? UnixDomainSocketAddress.of(unixPath) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        if (isUnix()) {
            return "unix:" + unixPath;
        }
        return "tcp:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BridgeAddress && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
