package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.spi.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the cluster secret comes from, what happens without one, the cluster name derived from it, where a
 * member listens, and that the derived name stays out of Hazelcast's log.
 */
@Timeout(120)
class HazelcastClusterSecretTest {

    private static final String SECRET = "a-cluster-secret-of-some-length";
    private static final Function<String, String> NO_ENVIRONMENT = name -> null;

    @TempDir
    Path dir;

    private static HazelcastSettings read(String uri, Map<String, ?> options, Function<String, String> environment) {
        return HazelcastSettings.read(StoreOptions.parse(uri, options), environment);
    }

    private static String problemsOf(String uri, Map<String, ?> options, Function<String, String> environment) {
        return assertThrows(IllegalArgumentException.class, () -> read(uri, options, environment)).getMessage();
    }

    private Path secretFile(String content, String permissions) throws Exception {
        Path file = dir.resolve("secret-" + UUID.randomUUID());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    @Test
    void aMemberNobodyElseNeedsGetsARandomSecretOfItsOwn() {
        HazelcastSettings first = read("hazelcast:", Map.of(), NO_ENVIRONMENT);
        HazelcastSettings second = read("hazelcast:", Map.of(), NO_ENVIRONMENT);
        assertTrue(first.secret.isRandom());
        assertNotEquals(first.clusterName(), second.clusterName(), "two private members never share a cluster");
    }

    @Test
    void everyConfigurationThatOthersMustReachNeedsASecretAndSaysHowToGiveOne() {
        for (String uri : List.of("hazelcast:?members=127.0.0.1:5701", "hazelcast:?mode=client&members=127.0.0.1:5701",
                "hazelcast:?multicast=true", "hazelcast:?interface=10.1.2.3")) {
            String message = problemsOf(uri, Map.of(), NO_ENVIRONMENT);
            for (String expected : List.of("needs the cluster's secret", "environment variable STATESTORE_CLUSTER_SECRET",
                    "secretFile=PATH", "chmod 600", "docs/hazelcast.md#the-cluster-secret")) {
                assertTrue(message.contains(expected), uri + ": expected <" + expected + "> in: " + message);
            }
        }
    }

    @Test
    void theSameSecretAndClusterGiveTheSameNameWhichRevealsNeitherTheSecretNorAnotherClustersName() {
        String viaOption = read("hazelcast:?members=127.0.0.1:5701", Map.of("secret", SECRET), NO_ENVIRONMENT)
                .clusterName();
        String viaEnvironment = read("hazelcast:?mode=client&members=127.0.0.1:5701", Map.of(), name ->
                name.equals(ClusterSecret.ENVIRONMENT_VARIABLE) ? SECRET : null).clusterName();
        assertEquals(viaOption, viaEnvironment, "members and clients with one secret present one name");
        assertTrue(viaOption.matches("statestore-[0-9a-f]{32}"), viaOption);
        assertFalse(viaOption.contains(SECRET));
        assertNotEquals(viaOption, read("hazelcast:?members=127.0.0.1:5701&cluster=other", Map.of("secret", SECRET),
                NO_ENVIRONMENT).clusterName().replace("other-", "statestore-"), "each cluster name has its own suffix");
        assertNotEquals(viaOption, read("hazelcast:?members=127.0.0.1:5701", Map.of("secret", SECRET + "x"),
                NO_ENVIRONMENT).clusterName());
    }

    @Test
    void anOptionWinsOverTheEnvironment() {
        HazelcastSettings settings = read("hazelcast:?members=127.0.0.1:5701", Map.of("secret", SECRET),
                name -> "another-secret-from-the-environment");
        assertEquals("the secret option", settings.secret.toString());
    }

    @Test
    void aSecretWrittenInTheUriIsRefusedAsExposed() {
        String message = problemsOf("hazelcast:?members=127.0.0.1:5701&secret=" + SECRET, Map.of(), NO_ENVIRONMENT);
        assertTrue(message.contains("secret is written in the URI"), message);
        assertTrue(message.contains("treat that secret as exposed"), message);
    }

    @Test
    void aShortSecretIsRefusedWithoutEchoingIt() {
        String message = problemsOf("hazelcast:?members=127.0.0.1:5701", Map.of(), name -> "short-one");
        assertTrue(message.contains("has 9 characters; use at least 16"), message);
        assertFalse(message.contains("short-one"), message);
    }

    @Test
    void aSecretFileOnlyItsOwnerCanReadIsReadAndTrimmed() throws Exception {
        Path file = secretFile(SECRET + "\n", "rw-------");
        HazelcastSettings settings = read("hazelcast:?members=127.0.0.1:5701&secretFile=" + file, Map.of(),
                NO_ENVIRONMENT);
        assertEquals(read("hazelcast:?members=127.0.0.1:5701", Map.of("secret", SECRET), NO_ENVIRONMENT).clusterName(),
                settings.clusterName());
        assertEquals("secretFile " + file, settings.secret.toString());
    }

    @Test
    void aSecretFileOtherUsersCanReadOrChangeIsRefused() throws Exception {
        for (String permissions : List.of("rw-r--r--", "rw-r-----", "rw----rw-", "rw--w----")) {
            Path file = secretFile(SECRET, permissions);
            String message = problemsOf("hazelcast:?secretFile=" + file, Map.of(), NO_ENVIRONMENT);
            assertTrue(message.contains("can be read or changed by other users (" + permissions + ")"), message);
            assertTrue(message.contains("chmod 600 " + file), message);
            assertFalse(message.contains(SECRET), message);
        }
        String missing = problemsOf("hazelcast:?secretFile=" + dir.resolve("absent"), Map.of(), NO_ENVIRONMENT);
        assertTrue(missing.contains("is not a readable file"), missing);
    }

    @Test
    void aMemberListensOnLoopbackUnlessOthersOnTheNetworkMustReachIt() {
        Map<String, String> secret = Map.of("secret", SECRET);
        assertEquals("127.0.0.1", read("hazelcast:", Map.of(), NO_ENVIRONMENT).bindAddress);
        assertEquals("127.0.0.1", read("hazelcast:?members=127.0.0.1:5701,localhost:5702", secret, NO_ENVIRONMENT)
                .bindAddress);
        assertNull(read("hazelcast:?members=127.0.0.1:5701,10.0.0.6:5701", secret, NO_ENVIRONMENT).bindAddress,
                "a member on another host must reach this one");
        assertNull(read("hazelcast:?members=db1.example:5701", secret, NO_ENVIRONMENT).bindAddress,
                "a host name counts as another host");
        assertNull(read("hazelcast:?multicast=true", secret, NO_ENVIRONMENT).bindAddress);
        assertEquals("10.0.0.5", read("hazelcast:?interface=10.0.0.5", secret, NO_ENVIRONMENT).bindAddress);
    }

    @Test
    void aDefaultMemberCannotBeReachedOnTheMachinesOtherAddresses() throws Exception {
        int port = MemberProcess.freePorts(1)[0];
        try (StateStore store = StateStores.open("hazelcast:?port=" + port)) {
            HazelcastInstance instance = store.unwrap(HazelcastInstance.class);
            assertEquals("127.0.0.1", instance.getCluster().getLocalMember().getAddress().getHost());
            for (java.net.InetAddress address : NetworkAddresses.nonLoopback()) {
                assertFalse(NetworkAddresses.accepts(address, port), "the member's port answers on " + address);
            }
        }
    }

    @Test
    void theSecretDerivedClusterNameStaysOutOfHazelcastsLog() {
        List<String> logged = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (logged) {
                    logged.add(new java.util.logging.SimpleFormatter().formatMessage(record));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger hazelcast = Logger.getLogger("com.hazelcast");
        hazelcast.addHandler(handler);
        String cluster = "logged-" + UUID.randomUUID();
        Map<String, String> secret = Map.of("secret", SECRET);
        int port = MemberProcess.freePorts(1)[0];
        String derived;
        try (StateStore member = StateStores.open("hazelcast:?cluster=" + cluster + "&port=" + port, secret);
             StateStore client = StateStores.open("hazelcast:?mode=client&cluster=" + cluster + "&members=127.0.0.1:"
                     + port + "&connectTimeout=10", secret)) {
            client.store("k", 1L);
            derived = member.unwrap(HazelcastInstance.class).getConfig().getClusterName();
        } finally {
            hazelcast.removeHandler(handler);
        }
        synchronized (logged) {
            assertTrue(logged.stream().anyMatch(line -> line.contains("Cluster name: " + cluster + "-<secret-derived>")),
                    "the member's start-up line shows the cluster option only: " + logged);
            assertTrue(logged.stream().anyMatch(line -> line.contains("cluster: " + cluster + "-<secret-derived>")),
                    "so does the client's: " + logged);
            assertEquals(List.of(), logged.stream().filter(line -> line.contains(derived)).toList());
        }
    }
}
