package io.statestore.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Address strings and option checks: what users type and what they are told when it is wrong. */
class BridgeAddressTest {

    @Test
    @DisplayName("unix:, tcp:HOST:PORT and tcp:[IPv6]:PORT parse and print back the same")
    void parsesAndPrints() {
        BridgeAddress unix = BridgeAddress.parse("unix:/tmp/x/bridge.sock");
        assertTrue(unix.isUnix());
        assertEquals(Path.of("/tmp/x/bridge.sock"), unix.unixPath());
        assertEquals("unix:/tmp/x/bridge.sock", unix.toString());
        BridgeAddress tcp = BridgeAddress.parse("tcp:127.0.0.1:7700");
        assertEquals(new InetSocketAddress("127.0.0.1", 7700), tcp.toSocketAddress());
        assertEquals("tcp:127.0.0.1:7700", tcp.toString());
        BridgeAddress ipv6 = BridgeAddress.parse("tcp:[::1]:7700");
        assertEquals("tcp:[::1]:7700", ipv6.toString());
        assertEquals(7700, ((InetSocketAddress) ipv6.toSocketAddress()).getPort());
        assertEquals(BridgeAddress.tcp("localhost", 0), BridgeAddress.parseHostPort("localhost:0"));
    }

    @Test
    @DisplayName("a malformed address is refused with an example of a right one")
    void refusesMalformed() {
        for (String bad : new String[] {"", "unix:", "http://x", "tcp:7700", "tcp:host:port", "tcp:127.0.0.1:70000",
                "tcp::7700"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BridgeAddress.parse(bad), bad);
            assertTrue(e.getMessage().contains("127.0.0.1") || e.getMessage().contains("65535"), e.getMessage());
        }
    }

    @Test
    @DisplayName("options refuse a too small frame limit, no connections, no pending connections, a zero timeout and an empty token; the defaults are as documented")
    void optionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> BridgeOptions.builder().maxFrameBytes(100));
        assertThrows(IllegalArgumentException.class, () -> BridgeOptions.builder().maxConnections(0));
        assertThrows(IllegalArgumentException.class, () -> BridgeOptions.builder().handshakeTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> BridgeOptions.builder().maxPendingConnections(0));
        assertThrows(IllegalArgumentException.class, () -> BridgeOptions.builder().frameTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> BridgeOptions.builder().token(""));
        assertThrows(IllegalArgumentException.class,
                () -> BridgeOptions.builder().tcp(BridgeAddress.unix(Path.of("/tmp/s"))));
        BridgeOptions defaults = BridgeOptions.defaults();
        assertTrue(defaults.usesPrivateUnixSocket());
        assertTrue(defaults.tokenGenerated());
        assertTrue(defaults.token().matches("[A-Za-z0-9_-]{43}"), defaults.token());
        assertTrue(!defaults.token().equals(BridgeOptions.defaults().token()), "each token is fresh");
        assertEquals(BridgeOptions.DEFAULT_MAX_FRAME_BYTES, defaults.maxFrameBytes());
        assertEquals(128, defaults.maxConnections());
        assertEquals(64, defaults.maxPendingConnections());
        assertEquals(Duration.ofSeconds(2), defaults.handshakeTimeout());
        assertEquals(Duration.ofSeconds(10), defaults.frameTimeout());
    }
}
