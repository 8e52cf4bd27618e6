package io.statestore.hazelcast;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/** This machine's addresses as another host sees them, to check what a member's port answers on. */
final class NetworkAddresses {

    private NetworkAddresses() {
    }

    /** The IPv4 addresses of this machine's interfaces that are up, other than loopback (maybe none). */
    static List<InetAddress> nonLoopback() {
        try {
            return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .filter(NetworkAddresses::isUp)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                    .collect(Collectors.toList());
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isUp(NetworkInterface networkInterface) {
        try {
            return networkInterface.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    /** Whether a TCP connection to an address and port is accepted within a second. */
    static boolean accepts(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 1_000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
