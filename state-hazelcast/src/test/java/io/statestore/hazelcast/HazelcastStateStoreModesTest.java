package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.statestore.StateStore;
import io.statestore.StateStoreException;
import io.statestore.StateStores;
import io.statestore.spi.StoreOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The three ways to reach a cluster, what closing each one does, and how options are checked. */
@Timeout(120)
class HazelcastStateStoreModesTest {

    private static String memberUri(String cluster, int port, String extra) {
        return "hazelcast:?cluster=" + cluster + "&port=" + port + "&interface=127.0.0.1" + extra;
    }

    @Test
    void theSchemeIsFoundByServiceLoader() {
        assertTrue(StateStores.schemes().contains("hazelcast"), StateStores.schemes().toString());
    }

    @Test
    void aMemberOpenedByUriHoldsTheMapAndShutsDownOnClose() {
        int port = MemberProcess.freePorts(1)[0];
        StateStore store = StateStores.open(memberUri("modes-" + UUID.randomUUID(), port,
                "&map=things&backups=2&asyncBackups=1"));
        HazelcastInstance instance = store.unwrap(HazelcastInstance.class);
        try {
            store.store("greeting", "hello");
            assertEquals(3L, store.incr("visits", 3));
            IMap<?, ?> map = store.unwrap(IMap.class);
            assertEquals("things", map.getName());
            assertEquals(2, map.size());
            assertEquals(port, instance.getCluster().getLocalMember().getAddress().getPort());
            assertEquals(2, instance.getConfig().getMapConfig("things").getBackupCount());
            assertEquals(1, instance.getConfig().getMapConfig("things").getAsyncBackupCount());
            assertFalse(instance.getConfig().getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
        } finally {
            store.close();
        }
        assertFalse(instance.getLifecycleService().isRunning(), "closing the store shut its member down");
    }

    @Test
    void aClientSeesTheMembersDataAndClosingItLeavesTheMemberRunning() {
        String cluster = "modes-" + UUID.randomUUID();
        Map<String, String> secret = Map.of("secret", MemberProcess.newSecret());
        int port = MemberProcess.freePorts(1)[0];
        try (StateStore member = StateStores.open(memberUri(cluster, port, "&map=shared"), secret)) {
            member.store("from-member", List.of(1L, "two"));
            StateStore client = StateStores.open("hazelcast:?mode=client&cluster=" + cluster + "&map=shared"
                    + "&members=127.0.0.1:" + port + "&connectTimeout=10", secret);
            HazelcastInstance clientInstance = client.unwrap(HazelcastInstance.class);
            try {
                assertEquals(List.of(1L, "two"), client.fetch("from-member").orElseThrow());
                assertEquals(5L, client.incr("hits", 5));
                assertTrue(client.compareAndSet("hits", 5L, "done"));
                assertEquals(java.util.Set.of("from-member", "hits"), client.keys());
                assertEquals(java.util.Set.of("hits"), client.keys("hi"));
                try (StateStore wrappedClient = HazelcastStateStore.wrap(clientInstance, "shared")) {
                    assertEquals(6L, wrappedClient.incr("wrapped-hits", 6), "a client instance can be wrapped too");
                }
                assertTrue(clientInstance.getLifecycleService().isRunning(), "closing the wrapper kept the client");
            } finally {
                client.close();
            }
            assertFalse(clientInstance.getLifecycleService().isRunning(), "closing shut the client down");
            assertEquals("done", member.fetch("hits").orElseThrow(), "the member keeps what the client wrote");
        }
    }

    @Test
    void aWrappedInstanceStaysRunningAfterClose() {
        int port = MemberProcess.freePorts(1)[0];
        Config config = StateSerialization.configure(new Config().setClusterName("modes-" + UUID.randomUUID()));
        config.getNetworkConfig().setPort(port).setPortAutoIncrement(false).getJoin().getAutoDetectionConfig()
                .setEnabled(false);
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        HazelcastInstance instance = Hazelcast.newHazelcastInstance(config);
        try {
            StateStore store = HazelcastStateStore.wrap(instance, "wrapped");
            store.store("kept", true);
            assertSame(instance, store.unwrap(HazelcastInstance.class));
            assertSame(instance.getMap("wrapped"), store.unwrap(IMap.class));
            store.close();
            assertTrue(instance.getLifecycleService().isRunning(), "a wrapped instance belongs to its owner");
            try (StateStore again = HazelcastStateStore.wrap(instance, "wrapped")) {
                assertEquals(true, again.fetch("kept").orElseThrow());
            }
        } finally {
            instance.getLifecycleService().terminate();
        }
    }

    @Test
    void wrappingAMemberWithoutTheSerializationFactorySaysHowToFixIt() {
        int port = MemberProcess.freePorts(1)[0];
        Config config = new Config().setClusterName("modes-" + UUID.randomUUID());
        config.getNetworkConfig().setPort(port).setPortAutoIncrement(false).getJoin().getAutoDetectionConfig()
                .setEnabled(false);
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        HazelcastInstance instance = Hazelcast.newHazelcastInstance(config);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HazelcastStateStore.wrap(instance, "state"));
            assertTrue(e.getMessage().contains("StateSerialization.configure"), e.getMessage());
        } finally {
            instance.getLifecycleService().terminate();
        }
    }

    @Test
    void aClientThatFindsNoClusterFailsNamingTheMembers() {
        int port = MemberProcess.freePorts(1)[0];
        StateStoreException e = assertThrows(StateStoreException.class, () -> StateStores.open(
                "hazelcast:?mode=client&connectTimeout=1&members=127.0.0.1:" + port,
                Map.of("secret", MemberProcess.newSecret())));
        assertTrue(e.getMessage().contains("connecting to [127.0.0.1:" + port + "] with the secret from the secret"
                + " option; the members must be running, with the same secret and cluster=statestore"), e.getMessage());
    }

    @Test
    void aMemberWhosePortIsTakenFailsNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            StateStoreException e = assertThrows(StateStoreException.class, () -> StateStores.open(
                    memberUri("modes-" + UUID.randomUUID(), taken.getLocalPort(), "")));
            assertTrue(e.getMessage().contains("member on port " + taken.getLocalPort()), e.getMessage());
        }
    }

    @Test
    void everyBadOptionIsReportedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateStores.open(
                "hazelcast:?mode=peer&backups=9&port=http&members=127.0.0.1:5901-5905,127.0.0.1:x&bogus=1&map="));
        String message = e.getMessage();
        for (String expected : List.of("mode=peer is not one of member, client", "backups=9 is out of range",
                "port=http is not a whole number", "127.0.0.1:5901-5905\" is a port range",
                "\"127.0.0.1:x\" is not host:port", "unknown option \"bogus\"", "map is empty")) {
            assertTrue(message.contains(expected), "expected <" + expected + "> in: " + message);
        }
    }

    @Test
    void optionsThatContradictTheModeAreRejected() {
        IllegalArgumentException client = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("hazelcast:?mode=client&port=5701&backups=2"));
        assertTrue(client.getMessage().contains("port applies to mode=member only"), client.getMessage());
        assertTrue(client.getMessage().contains("backups applies to mode=member only"), client.getMessage());
        assertTrue(client.getMessage().contains("mode=client needs members="), client.getMessage());

        IllegalArgumentException member = assertThrows(IllegalArgumentException.class, () -> StateStores.open(
                "hazelcast:?multicast=true&members=127.0.0.1:5701&backups=4&asyncBackups=3&connectTimeout=5"));
        assertTrue(member.getMessage().contains("Hazelcast joins by one method"), member.getMessage());
        assertTrue(member.getMessage().contains("is more than 6"), member.getMessage());
        assertTrue(member.getMessage().contains("connectTimeout applies to mode=client only"), member.getMessage());

        IllegalArgumentException target = assertThrows(IllegalArgumentException.class,
                () -> StateStores.open("hazelcast:state"));
        assertTrue(target.getMessage().contains("hazelcast:?map=state"), target.getMessage());
    }

    @Test
    void defaultsAreAPrivateSingleMemberOnLoopbackPort5701WithOneSynchronousBackup() {
        HazelcastSettings settings = HazelcastSettings.read(StoreOptions.parse("hazelcast:", Map.of()), name -> null);
        Config config = settings.memberConfig();
        assertEquals(HazelcastSettings.Mode.MEMBER, settings.mode);
        assertEquals(5701, config.getNetworkConfig().getPort());
        assertTrue(settings.secret.isRandom(), "no secret given, nobody to reach: a random one");
        assertTrue(config.getClusterName().matches("statestore-[0-9a-f]{32}"), config.getClusterName());
        assertEquals(List.of("127.0.0.1"), List.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
        assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
        assertEquals(1, config.getMapConfig("statestore").getBackupCount());
        assertEquals(0, config.getMapConfig("statestore").getAsyncBackupCount());
        assertFalse(config.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled(), "no members: no joining");
        assertEquals("0", config.getProperty("hazelcast.wait.seconds.before.join"));
        assertTrue(settings.exactlyOnce);
        assertEquals(64, settings.callersRemembered);
    }
}
