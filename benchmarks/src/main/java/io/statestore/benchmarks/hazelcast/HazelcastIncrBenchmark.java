package io.statestore.benchmarks.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.statestore.StateStore;
import io.statestore.hazelcast.HazelcastStateStore;
import io.statestore.hazelcast.StateSerialization;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code incr} through the store against a raw {@code executeOnKey} with a plain increment processor, on
 * the same cluster and the same map configuration (one synchronous backup): one embedded member, or two
 * members in this JVM with the counter owned by the member that does not call (so every call crosses the
 * network stack and is backed up). {@code storeIncrUntracked} is the store with {@code exactlyOnce=false}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Dhazelcast.logging.type=none"})
public class HazelcastIncrBenchmark {

    @Param({"1", "2"})
    public int members;

    private final List<HazelcastInstance> instances = new ArrayList<>();
    private StateStore store;
    private StateStore untracked;
    private IMap<String, Long> raw;
    private String key;
    private final RawIncrement increment = new RawIncrement();

    @Setup(Level.Trial)
    public void startCluster() throws IOException {
        String cluster = "bench-" + UUID.randomUUID();
        int[] ports = freePorts(members);
        for (int port : ports) {
            instances.add(Hazelcast.newHazelcastInstance(config(cluster, port, ports)));
        }
        HazelcastInstance caller = instances.get(0);
        store = HazelcastStateStore.wrap(caller, "state");
        untracked = HazelcastStateStore.wrap(caller, "state", false, 64);
        raw = caller.getMap("raw");
        HazelcastInstance owner = instances.get(instances.size() - 1);
        for (int i = 0; ; i++) {
            key = "counter-" + i;
            Member member;
            // Partitions are assigned on first use; wait for the table.
            while ((member = owner.getPartitionService().getPartition(key).getOwner()) == null) {
                Thread.onSpinWait();
            }
            if (member.localMember()) {
                break;
            }
        }
    }

    private static Config config(String cluster, int port, int[] ports) {
        Config config = StateSerialization.configure(new Config().setClusterName(cluster));
        config.getSerializationConfig().addDataSerializableFactory(RawIncrement.FACTORY_ID, new RawIncrement.Factory());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", ports.length == 1 ? "0" : "1");
        config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        var join = config.getNetworkConfig().getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(ports.length > 1).setConnectionTimeoutSeconds(1);
        for (int p : ports) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p);
        }
        return config;
    }

    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    @TearDown(Level.Trial)
    public void stopCluster() {
        store.close();
        untracked.close();
        instances.forEach(instance -> instance.getLifecycleService().terminate());
        instances.clear();
    }

    @Benchmark
    public long storeIncr() {
        return store.incr(key);
    }

    @Benchmark
    public long storeIncrUntracked() {
        return untracked.incr(key);
    }

    @Benchmark
    public long rawExecuteOnKey() {
        return raw.executeOnKey(key, increment);
    }
}
