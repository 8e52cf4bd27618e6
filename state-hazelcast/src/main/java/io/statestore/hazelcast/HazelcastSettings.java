package io.statestore.hazelcast;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import io.statestore.spi.OptionsReader;
import io.statestore.spi.StoreOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of a {@code hazelcast:} URI, read and checked all at once, and the Hazelcast configuration
 * they describe. Every option and its default is listed in {@code docs/hazelcast.md}.
 */
final class HazelcastSettings {

    /** How a store reaches the cluster. */
    enum Mode {
        /** Start a member in this JVM that holds a share of the data. */
        MEMBER,
        /** Connect as a client to running members. */
        CLIENT
    }

    static final String DEFAULT_MAP = "statestore";
    static final String DEFAULT_CLUSTER = "statestore";
    static final int DEFAULT_PORT = 5701;
    static final int DEFAULT_CALLERS_REMEMBERED = 64;
    /** Hazelcast's own limit on the sum of synchronous and asynchronous backups. */
    static final int MAX_BACKUPS = 6;

    final Mode mode;
    final List<String> members;
    final String map;
    final String cluster;
    final int port;
    final String networkInterface;
    final boolean multicast;
    final int backups;
    final int asyncBackups;
    final int joinTimeoutSeconds;
    final int waitBeforeJoinSeconds;
    final int connectTimeoutSeconds;
    final boolean exactlyOnce;
    final int callersRemembered;

    private HazelcastSettings(StoreOptions options) {
        OptionsReader reader = options.reader();
        if (!options.target().isEmpty()) {
            reader.problem("hazelcast URIs take no target (\"" + options.target()
                    + "\"); name the map with the map option, as in hazelcast:?map=" + options.target());
        }
        mode = reader.choice("mode", Mode.class, Mode.MEMBER);
        members = checkedMembers(reader, reader.list("members"));
        map = nonEmpty(reader, "map", DEFAULT_MAP);
        cluster = nonEmpty(reader, "cluster", DEFAULT_CLUSTER);
        port = reader.intValue("port", DEFAULT_PORT, 1, 65_535);
        networkInterface = reader.string("interface", null);
        multicast = reader.bool("multicast", false);
        backups = reader.intValue("backups", 1, 0, MAX_BACKUPS);
        asyncBackups = reader.intValue("asyncBackups", 0, 0, MAX_BACKUPS);
        joinTimeoutSeconds = reader.intValue("joinTimeout", 5, 1, 600);
        waitBeforeJoinSeconds = reader.intValue("waitBeforeJoin", members.isEmpty() && !multicast ? 0 : 5, 0, 600);
        connectTimeoutSeconds = reader.intValue("connectTimeout", 30, 1, 3_600);
        exactlyOnce = reader.bool("exactlyOnce", true);
        callersRemembered = reader.intValue("callersRemembered", DEFAULT_CALLERS_REMEMBERED, 1, 10_000);
        if (backups + asyncBackups > MAX_BACKUPS) {
            reader.problem("backups=" + backups + " plus asyncBackups=" + asyncBackups + " is more than "
                    + MAX_BACKUPS + ", Hazelcast's limit");
        }
        if (mode == Mode.CLIENT) {
            for (String memberOnly : List.of("port", "interface", "multicast", "backups", "asyncBackups",
                    "joinTimeout", "waitBeforeJoin")) {
                if (reader.has(memberOnly)) {
                    reader.problem(memberOnly + " applies to mode=member only; a client uses the members'"
                            + " configuration");
                }
            }
            if (members.isEmpty()) {
                reader.problem("mode=client needs members=host:port[,host:port...] to connect to");
            }
        } else {
            if (reader.has("connectTimeout")) {
                reader.problem("connectTimeout applies to mode=client only; a member uses joinTimeout");
            }
            if (multicast && !members.isEmpty()) {
                reader.problem("multicast=true and members=... both given; Hazelcast joins by one method:"
                        + " drop one of them");
            }
        }
        reader.validate();
    }

    static HazelcastSettings read(StoreOptions options) {
        return new HazelcastSettings(options);
    }

    private static String nonEmpty(OptionsReader reader, String name, String defaultValue) {
        String value = reader.string(name, defaultValue);
        if (value.isEmpty()) {
            reader.problem(name + " is empty; give a name or leave the option out for \"" + defaultValue + "\"");
            return defaultValue;
        }
        return value;
    }

    private static List<String> checkedMembers(OptionsReader reader, List<String> given) {
        List<String> checked = new ArrayList<>();
        for (String member : given) {
            int colon = member.lastIndexOf(':');
            if (colon < 0) {
                checked.add(member);
                continue;
            }
            String portText = member.substring(colon + 1);
            if (portText.contains("-")) {
                reader.problem("members entry \"" + member + "\" is a port range; list each host:port"
                        + " separately (Hazelcast rejects ranges here)");
                continue;
            }
            try {
                int memberPort = Integer.parseInt(portText);
                if (memberPort < 1 || memberPort > 65_535 || colon == 0) {
                    throw new NumberFormatException();
                }
                checked.add(member);
            } catch (NumberFormatException e) {
                reader.problem("members entry \"" + member + "\" is not host:port with a port of 1 to 65535");
            }
        }
        return List.copyOf(checked);
    }

    /** Builds the configuration of an embedded member. */
    Config memberConfig() {
        Config config = new Config();
        config.setClusterName(cluster);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(waitBeforeJoinSeconds));
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        if (networkInterface != null) {
            network.getInterfaces().setEnabled(true).addInterface(networkInterface);
            config.setProperty("hazelcast.socket.bind.any", "false");
        }
        JoinConfig join = network.getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(multicast);
        join.getTcpIpConfig().setEnabled(!members.isEmpty()).setConnectionTimeoutSeconds(joinTimeoutSeconds);
        members.forEach(join.getTcpIpConfig()::addMember);
        config.addMapConfig(mapConfig(map, backups, asyncBackups));
        return StateSerialization.configure(config);
    }

    static MapConfig mapConfig(String name, int backups, int asyncBackups) {
        return new MapConfig(name).setBackupCount(backups).setAsyncBackupCount(asyncBackups);
    }

    /** Builds the configuration of a client. */
    ClientConfig clientConfig() {
        ClientConfig config = new ClientConfig();
        config.setClusterName(cluster);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().setAddresses(new ArrayList<>(members));
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(connectTimeoutSeconds * 1000L);
        return StateSerialization.configure(config);
    }
}
