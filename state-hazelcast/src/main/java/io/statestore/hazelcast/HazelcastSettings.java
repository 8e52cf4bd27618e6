package io.statestore.hazelcast;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import io.statestore.spi.OptionsReader;
import io.statestore.spi.StoreOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

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
    /** Where a member listens when nothing says that others on the network must reach it. */
    static final String LOOPBACK = "127.0.0.1";
    /** Where a missing or bad secret is explained. */
    static final String SECRET_DOCS = "docs/hazelcast.md#the-cluster-secret";
    /** Hazelcast's own limit on the sum of synchronous and asynchronous backups. */
    static final int MAX_BACKUPS = 6;

    final Mode mode;
    final List<String> members;
    final String map;
    final String cluster;
    final int port;
    final String networkInterface;
    /** The address a member binds to and advertises, or {@code null} to let Hazelcast bind every interface. */
    final String bindAddress;
    /** The secret, given or (for a private member) random; {@code null} only when the options are invalid. */
    final ClusterSecret secret;
    final boolean multicast;
    final int backups;
    final int asyncBackups;
    final int joinTimeoutSeconds;
    final int waitBeforeJoinSeconds;
    final int connectTimeoutSeconds;
    final boolean exactlyOnce;
    final int callersRemembered;

    private HazelcastSettings(StoreOptions options, Function<String, String> environment) {
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
        String reachedBy = reachedByOthers();
        // A member listens on loopback only, unless told an interface or given peers on other hosts.
        bindAddress = mode == Mode.CLIENT ? null : networkInterface != null ? networkInterface
                : multicast || !members.stream().allMatch(HazelcastSettings::isLoopbackMember) ? null : LOOPBACK;
        secret = readSecret(options, reader, environment, reachedBy);
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
        return read(options, System::getenv);
    }

    /**
     * Reads options with a given environment (for {@link ClusterSecret#ENVIRONMENT_VARIABLE}).
     *
     * @throws IllegalArgumentException listing every problem
     */
    static HazelcastSettings read(StoreOptions options, Function<String, String> environment) {
        return new HazelcastSettings(options, environment);
    }

    /** Why other processes must reach this store's cluster, or {@code null} if nobody needs to. */
    private String reachedByOthers() {
        if (mode == Mode.CLIENT) {
            return "mode=client connects to a cluster";
        }
        if (!members.isEmpty()) {
            return "members=... forms a cluster with other members";
        }
        if (multicast) {
            return "multicast=true lets other members join";
        }
        if (networkInterface != null && !isLoopbackHost(networkInterface)) {
            return "interface=" + networkInterface + " listens for other hosts";
        }
        return null;
    }

    /**
     * Finds the secret: the {@code secretFile} option, the {@code secret} entry of the options map (never the
     * URI), or the environment; a member nobody else needs to reach gets a random one.
     */
    private static ClusterSecret readSecret(StoreOptions options, OptionsReader reader,
            Function<String, String> environment, String reachedBy) {
        String file = reader.string("secretFile", null);
        String given = reader.string("secret", null);
        if (given != null && StoreOptions.parse(options.uri(), Map.of()).asMap().containsKey("secret")) {
            reader.problem("secret is written in the URI, which is logged and shown to every user in process"
                    + " lists: treat that secret as exposed, make a new one, and give it by secretFile=PATH or"
                    + " the environment variable " + ClusterSecret.ENVIRONMENT_VARIABLE + " (see " + SECRET_DOCS + ")");
            return null;
        }
        if (file != null && given != null) {
            reader.problem("secretFile and secret both given; give the cluster secret one way");
            return null;
        }
        String fromEnvironment = environment.apply(ClusterSecret.ENVIRONMENT_VARIABLE);
        try {
            if (file != null) {
                if (file.isEmpty()) {
                    reader.problem("secretFile is empty; name a file holding the cluster secret");
                    return null;
                }
                return ClusterSecret.fromFile(Paths.get(file));
            }
            if (given != null) {
                return ClusterSecret.of(given, "the secret option");
            }
            if (fromEnvironment != null) {
                return ClusterSecret.of(fromEnvironment, "the environment variable "
                        + ClusterSecret.ENVIRONMENT_VARIABLE);
            }
        } catch (IllegalArgumentException e) {
            reader.problem(e.getMessage());
            return null;
        }
        if (reachedBy != null) {
            reader.problem(reachedBy + ", so it needs the cluster's secret (every member and client of the"
                    + " cluster must be given the same one; a process without it is refused): set the environment"
                    + " variable " + ClusterSecret.ENVIRONMENT_VARIABLE + ", or give secretFile=PATH, a file only"
                    + " you can read (chmod 600) holding at least " + ClusterSecret.MIN_LENGTH + " random"
                    + " characters; see " + SECRET_DOCS);
            return null;
        }
        return ClusterSecret.random();
    }

    /** The Hazelcast cluster name this store presents: the {@code cluster} option and a secret-derived part. */
    String clusterName() {
        return secret.clusterName(cluster);
    }

    private static boolean isLoopbackMember(String member) {
        int colon = member.lastIndexOf(':');
        String host = colon < 0 || member.indexOf(':') != colon && !member.startsWith("[")
                ? member : member.substring(0, colon);
        return isLoopbackHost(host);
    }

    /**
     * Whether a host is this machine's loopback, judged without a DNS lookup: {@code localhost} and loopback
     * address literals are; any other name counts as another host.
     */
    static boolean isLoopbackHost(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.toLowerCase(Locale.ROOT).equals("localhost")) {
            return true;
        }
        if (!bare.matches("[0-9.]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")) {
            return false;
        }
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
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
        config.setClusterName(clusterName());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // Without details the cluster name is not in every log line; see ClusterNameRedaction for the rest.
        config.setProperty("hazelcast.logging.details.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(waitBeforeJoinSeconds));
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        if (bindAddress != null) {
            network.getInterfaces().setEnabled(true).addInterface(bindAddress);
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
        config.setClusterName(clusterName());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.details.enabled", "false");
        config.getNetworkConfig().setAddresses(new ArrayList<>(members));
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(connectTimeoutSeconds * 1000L);
        return StateSerialization.configure(config);
    }
}
