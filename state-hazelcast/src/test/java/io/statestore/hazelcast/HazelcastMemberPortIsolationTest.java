package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.statestore.StateStore;
import io.statestore.StateStores;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a process without the cluster's secret can do to a cluster started with the default {@code hazelcast:}
 * options: an embedded member opened through {@link StateStores#open} in this JVM (its secret in a private
 * file) and a second member in another JVM (its secret in the environment). It cannot connect as a client,
 * with Hazelcast's default cluster name or with the plain {@code cluster} value; it cannot join as a member
 * nor see the map's entries; and the member ports do not answer on the machine's other addresses. With the
 * secret, a client and a member work. Every refusal comes within seconds.
 */
@Timeout(180)
class HazelcastMemberPortIsolationTest {

    /** How long a stranger's client keeps trying; a refusal must come within it and a little more. */
    private static final Duration STRANGER_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration REFUSAL_BOUND = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    private static String secret;
    private static Path secretFile;
    private static int[] ports;
    private static StateStore store;
    private static MemberProcess second;
    private static final Map<String, Object> entries = new LinkedHashMap<>();

    private HazelcastInstance stranger;

    @BeforeAll
    static void startTheCluster() throws Exception {
        secret = MemberProcess.newSecret();
        secretFile = dir.resolve("cluster.secret");
        Files.writeString(secretFile, secret + "\n");
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        ports = MemberProcess.freePorts(3);
        // Default options but for the ports and the members to join; the timeouts only make the start faster.
        String members = "&members=127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + "&joinTimeout=1&waitBeforeJoin=1";
        try {
            store = StateStores.open("hazelcast:?port=" + ports[0] + members + "&secretFile=" + secretFile);
            second = MemberProcess.start(ports[1], "hazelcast:?port=" + ports[1] + members, secret);
            second.awaitPrefix("READY", Duration.ofSeconds(60));
            MemberProcess.awaitClusterSize(List.of(second), 2, Duration.ofSeconds(60));
            for (int i = 0; i < 20; i++) {
                entries.put("private-" + i, "only for the cluster " + i);
            }
            store.storeAll(entries);
            store.incr("private-counter", 41);
        } catch (Exception | Error e) {
            stopTheCluster();
            throw e;
        }
    }

    @AfterAll
    static void stopTheCluster() throws Exception {
        try {
            if (store != null) {
                store.close();
            }
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    @AfterEach
    void stopTheStranger() {
        if (stranger != null) {
            stranger.getLifecycleService().terminate();
        }
    }

    /** The cluster holds exactly what it held, and still has both members. */
    private static void assertUntouched() throws InterruptedException {
        Map<String, Object> expected = new LinkedHashMap<>(entries);
        expected.put("private-counter", 41L);
        assertEquals(expected.keySet(), store.keys(), "no key was added or removed");
        assertEquals(expected, store.fetchAll(expected.keySet()), "no value changed");
        assertEquals(2, store.unwrap(HazelcastInstance.class).getCluster().getMembers().size());
        assertEquals(2, second.clusterSize());
    }

    private static ClientConfig strangerClient(String clusterName) {
        ClientConfig config = new ClientConfig().setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().addAddress("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(STRANGER_CONNECT_TIMEOUT.toMillis()).setMaxBackoffMillis(500);
        return config;
    }

    private void assertClientRefused(String clusterName) throws InterruptedException {
        long start = System.nanoTime();
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> stranger = HazelcastClient.newHazelcastClient(strangerClient(clusterName)));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(refused.getMessage().contains("Unable to connect to any cluster"), refused.toString());
        assertTrue(took.compareTo(REFUSAL_BOUND) < 0, "refused in " + took);
        assertUntouched();
    }

    @Test
    @DisplayName("a Hazelcast client with the default cluster name cannot connect, so cannot read or write")
    void aClientWithHazelcastsDefaultClusterNameIsRefused() throws Exception {
        assertClientRefused(new ClientConfig().getClusterName());
    }

    @Test
    @DisplayName("a Hazelcast client with the cluster option's plain value cannot connect either")
    void aClientWithThePlainClusterNameIsRefused() throws Exception {
        assertClientRefused(HazelcastSettings.DEFAULT_CLUSTER);
    }

    @Test
    @DisplayName("the store itself will not open a client without a secret, and says how to give one")
    void theStoreOpensNoClientWithoutASecret() {
        assumeTrue(System.getenv(ClusterSecret.ENVIRONMENT_VARIABLE) == null, "this JVM has a secret in its environment");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateStores.open(
                "hazelcast:?mode=client&connectTimeout=3&members=127.0.0.1:" + ports[0]));
        assertTrue(e.getMessage().contains("mode=client connects to a cluster, so it needs the cluster's secret"),
                e.getMessage());
    }

    @Test
    @DisplayName("a member without the secret does not join and does not see the map's entries")
    void aMemberWithoutTheSecretDoesNotJoinOrSeeEntries() throws Exception {
        for (String clusterName : List.of(new Config().getClusterName(), HazelcastSettings.DEFAULT_CLUSTER)) {
            Config config = new Config().setClusterName(clusterName);
            config.setProperty("hazelcast.phone.home.enabled", "false");
            config.setProperty("hazelcast.wait.seconds.before.join", "0");
            config.getNetworkConfig().setPort(ports[2]).setPortAutoIncrement(false).getInterfaces().setEnabled(true)
                    .addInterface("127.0.0.1");
            JoinConfig join = config.getNetworkConfig().getJoin();
            join.getMulticastConfig().setEnabled(false);
            join.getAutoDetectionConfig().setEnabled(false);
            join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2)
                    .addMember("127.0.0.1:" + ports[0]).addMember("127.0.0.1:" + ports[1]);
            long start = System.nanoTime();
            stranger = Hazelcast.newHazelcastInstance(config);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            try {
                assertEquals(1, stranger.getCluster().getMembers().size(), clusterName + ": it is alone");
                IMap<String, Object> map = stranger.getMap(HazelcastSettings.DEFAULT_MAP);
                assertEquals(0, map.size(), clusterName + ": it sees no entry");
                assertNull(map.get("private-0"));
                map.put("intruder", "written by a stranger");
                assertTrue(took.compareTo(REFUSAL_BOUND) < 0, "started alone in " + took);
                assertUntouched();
            } finally {
                stranger.getLifecycleService().terminate();
                stranger = null;
            }
        }
    }

    @Test
    @DisplayName("the members' ports do not answer on the machine's other addresses")
    void theMemberPortsAnswerOnLoopbackOnly() {
        List<InetAddress> others = NetworkAddresses.nonLoopback();
        assumeTrue(!others.isEmpty(), "this machine has no address but loopback");
        for (InetAddress address : others) {
            for (int port : new int[] {ports[0], ports[1]}) {
                assertFalse(NetworkAddresses.accepts(address, port), "port " + port + " answers on " + address);
            }
        }
        assertTrue(NetworkAddresses.accepts(InetAddress.getLoopbackAddress(), ports[0]));
    }

    @Test
    @DisplayName("with the secret, a client reads and writes")
    void aClientWithTheSecretReadsAndWrites() throws Exception {
        try (StateStore client = StateStores.open("hazelcast:?mode=client&connectTimeout=10&members=127.0.0.1:"
                + ports[1], Map.of("secret", secret))) {
            assertEquals(entries.get("private-3"), client.fetch("private-3").orElseThrow());
            assertEquals(42L, client.incr("private-counter"));
            assertEquals(41L, client.decr("private-counter"));
        }
        assertUntouched();
    }

    @Test
    @DisplayName("with the secret, a member joins and sees the entries")
    void aMemberWithTheSecretJoinsAndSeesTheEntries() throws Exception {
        try (StateStore third = StateStores.open("hazelcast:?port=" + ports[2] + "&members=127.0.0.1:" + ports[0]
                + "&joinTimeout=1&waitBeforeJoin=0&secretFile=" + secretFile)) {
            assertEquals(3, third.unwrap(HazelcastInstance.class).getCluster().getMembers().size());
            Set<String> keys = third.keys("private-");
            assertEquals(entries.size() + 1, keys.size(), keys.toString());
            assertEquals(entries.get("private-7"), third.fetch("private-7").orElseThrow());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (second.clusterSize() != 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertUntouched();
    }
}
