package io.statestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hazelcast.core.HazelcastInstance;
import io.statestore.StateStore;
import io.statestore.StateStores;
import io.statestore.python.BridgeAddress;
import io.statestore.python.BridgeClient;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Three members of a Hazelcast cluster, each {@code statestore serve} in a container of the image build-image
 * makes (host networking), with Python workers on this host attached through the bridges of two of them, and
 * the faults production has: a member killed, a member frozen for 10 seconds, every member restarted in turn.
 * A control cluster without backups and without exactly-once increments takes the same kill and must lose
 * entries: the checks below can fail.
 *
 * <p>Without a Docker engine the tests skip with a message (the multi-JVM tests of state-hazelcast cover the same
 * guarantees), unless STATESTORE_CONTAINER_TESTS=required, as CI sets it, makes a missing engine a failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ContainerClusterIT {

    private static final String IMAGE = "statestore:test";
    private static final Duration MEMBER_READY = Duration.ofMinutes(2);
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path OUTPUT = MODULE.resolve("target/container-tests");

    private final String token = random(24);
    private final String secret = random(32);
    private Cluster cluster;
    private StateStore clusterClient;

    @BeforeAll
    void buildTheImageAndStartTheCluster() throws Exception {
        boolean engine = DockerClientFactory.instance().isDockerAvailable();
        if (!engine && "required".equals(System.getenv("STATESTORE_CONTAINER_TESTS"))) {
            fail("STATESTORE_CONTAINER_TESTS=required but no Docker engine answers");
        }
        assumeTrue(engine, "no Docker engine: the container tests are skipped (HazelcastMemberFailureTest and the"
                + " other multi-JVM tests cover the same guarantees)");
        if (Files.exists(OUTPUT)) {
            try (var old = Files.walk(OUTPUT)) {
                old.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        Files.createDirectories(OUTPUT);
        buildImage();
        cluster = new Cluster("main", "");
        cluster.start();
        clusterClient = StateStores.open("hazelcast:?mode=client&members=" + cluster.memberList(),
                Map.of("secret", secret));
        assertEquals(3, clusterSize());
    }

    @AfterAll
    void stopTheCluster() {
        if (clusterClient != null) {
            clusterClient.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    @DisplayName("docker kill of a member under load: no acknowledged entry lost, counters exact; a new member joins")
    void killedMember() throws Exception {
        Outcome outcome;
        double dropped;
        double joined;
        try (Load load = cluster.load("kill")) {
            load.runFor(Duration.ofSeconds(3));
            long killed = System.nanoTime();
            cluster.kill(2);
            awaitCondition("the cluster to drop the killed member", Duration.ofSeconds(60), () -> clusterSize() == 2);
            dropped = seconds(killed);
            load.runFor(Duration.ofSeconds(3));
            long replacing = System.nanoTime();
            cluster.replace(2);
            joined = seconds(replacing);
            load.runFor(Duration.ofSeconds(2));
            outcome = load.stopAndCheck(cluster.bridge(0));
        }
        report(String.format("kill (member dropped %.1f s after the kill; a new member joined in %.1f s)", dropped,
                joined), outcome);
        outcome.assertNothingLost();
        outcome.assertCountersExact();
        assertEquals(3, clusterSize());
    }

    @Test
    @Order(2)
    @DisplayName("docker pause of a member for 10 s under load: callers wait, nothing doubled or lost, the member stays")
    void pausedMember() throws Exception {
        Outcome outcome;
        try (Load load = cluster.load("pause")) {
            load.runFor(Duration.ofSeconds(3));
            cluster.pause(2, Duration.ofSeconds(10));
            load.runFor(Duration.ofSeconds(4));
            outcome = load.stopAndCheck(cluster.bridge(0));
        }
        report("pause", outcome);
        outcome.assertNothingLost();
        outcome.assertCountersExact();
        assertTrue(outcome.slowestSeconds() >= 5, "a caller whose key the frozen member owns waited for it: "
                + outcome);
        assertEquals(3, clusterSize());
        try (BridgeClient paused = cluster.bridge(2)) {
            paused.ping();
        }
    }

    @Test
    @Order(3)
    @DisplayName("a rolling restart of every member under load (docker stop, then a new container): no entry lost")
    void rollingRestart() throws Exception {
        Outcome outcome;
        List<String> steps = new ArrayList<>();
        try (Load load = cluster.load("rolling")) {
            load.runFor(Duration.ofSeconds(3));
            for (int member = 0; member < 3; member++) {
                long stopping = System.nanoTime();
                assertEquals(0, cluster.stop(member), "a member stopped by SIGTERM exits with 0");
                double stopped = seconds(stopping);
                long replacing = System.nanoTime();
                cluster.replace(member);
                steps.add(String.format("%.1f s + %.1f s", stopped, seconds(replacing)));
                load.runFor(Duration.ofSeconds(1));
            }
            load.runFor(Duration.ofSeconds(2));
            outcome = load.stopAndCheck(cluster.bridge(0));
        }
        report("rolling restart (graceful stop + a new member joined, per member: " + String.join(", ", steps) + ")",
                outcome);
        outcome.assertNothingLost();
        outcome.assertCountersWithinTheUnknown();
        assertEquals(3, clusterSize());
    }

    @Test
    @Order(4)
    @DisplayName("control: without backups and exactly-once, the same kill loses acknowledged entries")
    void controlLosesEntries() throws Exception {
        try (Cluster control = new Cluster("control", "&backups=0&exactlyOnce=false")) {
            control.start();
            Outcome outcome;
            try (Load load = control.load("control")) {
                load.runFor(Duration.ofSeconds(3));
                control.kill(2);
                load.runFor(Duration.ofSeconds(8));
                outcome = load.stopAndCheck(control.bridge(0));
            }
            report("control kill (backups=0, exactlyOnce=false)", outcome);
            assertTrue(outcome.lostKeys() > 0, "the control must lose the killed member's entries: " + outcome);
        }
    }

    private int clusterSize() {
        return clusterClient.unwrap(HazelcastInstance.class).getCluster().getMembers().size();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void report(String fault, Outcome outcome) {
        String line = fault + ": " + outcome;
        System.out.println(line);
        append(OUTPUT.resolve("figures.txt"), line + "\n");
    }

    /** Builds the image with the documented script, as a user does. */
    private static void buildImage() throws Exception {
        Path log = OUTPUT.resolve("build-image.log");
        Process build = new ProcessBuilder(MODULE.resolve("src/main/docker/build-image").toString(), IMAGE)
                .directory(MODULE.getParent().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!build.waitFor(10, TimeUnit.MINUTES)) {
            build.destroyForcibly();
            fail("build-image did not finish in 10 minutes; see " + log);
        }
        assertEquals(0, build.exitValue(), () -> "build-image failed:\n" + read(log));
    }

    private static void awaitCondition(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static String random(int bytes) {
        byte[] value = new byte[bytes];
        new SecureRandom().nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Three members, each serving a bridge on TCP; members and bridges on free loopback ports. */
    private final class Cluster implements AutoCloseable {

        private final String name;
        private final String options;
        private final int[] memberPorts = new int[3];
        private final int[] bridgePorts = new int[3];
        private final List<GenericContainer<?>> members = new ArrayList<>();
        private int generation;

        Cluster(String name, String options) throws IOException {
            this.name = name;
            this.options = options;
            for (int i = 0; i < 3; i++) {
                memberPorts[i] = freePort();
                bridgePorts[i] = freePort();
            }
        }

        String memberList() {
            return IntStream.of(memberPorts).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
        }

        void start() throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                members.add(container(i));
            }
            List<Thread> starting = new ArrayList<>();
            for (GenericContainer<?> member : members) {
                Thread thread = new Thread(member::start, name + " member start");
                thread.start();
                starting.add(thread);
            }
            for (Thread thread : starting) {
                thread.join();
            }
            for (int i = 0; i < 3; i++) {
                awaitMembers(i, 3);
            }
        }

        private GenericContainer<?> container(int member) {
            String label = name + "-" + member + "-" + generation++;
            Path log = OUTPUT.resolve(label + ".log");
            return new GenericContainer<>(DockerImageName.parse(IMAGE))
                    .withNetworkMode("host")
                    .withEnv("STATESTORE_STORE", "hazelcast:?port=" + memberPorts[member] + "&members=" + memberList()
                            + "&joinTimeout=2&waitBeforeJoin=1" + options)
                    .withEnv("STATESTORE_TCP", "127.0.0.1:" + bridgePorts[member])
                    .withEnv("STATESTORE_TOKEN", token)
                    .withEnv("STATESTORE_CLUSTER_SECRET", secret)
                    .withEnv("JAVA_TOOL_OPTIONS", "-Xmx256m")
                    .withLogConsumer(frame -> append(log, frame.getUtf8String()))
                    .waitingFor(Wait.forLogMessage("ready\\n", 1).withStartupTimeout(MEMBER_READY));
        }

        /** Waits until the member's latest view of the cluster has {@code size} members. */
        private void awaitMembers(int member, int size) throws InterruptedException {
            GenericContainer<?> container = members.get(member);
            awaitCondition(name + " member " + member + " to see " + size + " members", MEMBER_READY, () -> {
                String logs = container.getLogs();
                int latest = logs.lastIndexOf("Members {size:");
                return latest >= 0 && logs.startsWith("Members {size:" + size + ",", latest);
            });
        }

        void kill(int member) {
            GenericContainer<?> container = members.get(member);
            container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
        }

        void pause(int member, Duration duration) throws InterruptedException {
            GenericContainer<?> container = members.get(member);
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
            try {
                Thread.sleep(duration.toMillis());
            } finally {
                container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            }
        }

        /** Stops the member as {@code docker stop} does (SIGTERM), waiting for its graceful shutdown. */
        long stop(int member) {
            GenericContainer<?> container = members.get(member);
            container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(120).exec();
            return container.getDockerClient().inspectContainerCmd(container.getContainerId()).exec()
                    .getState().getExitCodeLong();
        }

        /** Removes the member's container and starts a new one in its place, waiting until it has joined. */
        void replace(int member) throws InterruptedException {
            members.get(member).stop();
            GenericContainer<?> fresh = container(member);
            members.set(member, fresh);
            fresh.start();
            awaitMembers(member, 3);
        }

        BridgeClient bridge(int member) throws IOException {
            return BridgeClient.connect(BridgeAddress.tcp("127.0.0.1", bridgePorts[member]), token);
        }

        /** Two Python workers on each of the bridges of members 0 and 1. */
        Load load(String phase) throws IOException {
            List<String> addresses = List.of("tcp:127.0.0.1:" + bridgePorts[0], "tcp:127.0.0.1:" + bridgePorts[0],
                    "tcp:127.0.0.1:" + bridgePorts[1], "tcp:127.0.0.1:" + bridgePorts[1]);
            return new Load(name + "-" + phase, addresses);
        }

        @Override
        public void close() {
            members.forEach(GenericContainer::stop);
        }
    }

    private static void append(Path log, String text) {
        try {
            Files.writeString(log, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Python worker processes on this host (cluster_load.py), one per address, until stopped. */
    private final class Load implements AutoCloseable {

        private final String name;
        private final Path directory;
        private final Path stopFile;
        private final List<Process> workers = new ArrayList<>();
        private final List<Path> reports = new ArrayList<>();

        Load(String name, List<String> addresses) throws IOException {
            this.name = name;
            this.directory = Files.createDirectories(OUTPUT.resolve(name));
            this.stopFile = directory.resolve("stop");
            Files.deleteIfExists(stopFile);
            Path script = MODULE.resolve("src/test/python/cluster_load.py");
            for (int i = 0; i < addresses.size(); i++) {
                String worker = name + "-w" + i;
                Path report = directory.resolve(worker + ".properties");
                Files.deleteIfExists(report);
                ProcessBuilder builder = new ProcessBuilder(System.getProperty("python.executable", "python3"),
                        script.toString(), worker, addresses.get(i), stopFile.toString(), report.toString())
                        .redirectErrorStream(true).redirectOutput(directory.resolve(worker + ".log").toFile());
                builder.environment().put("PYTHONPATH", Path.of(System.getProperty("statestore.python.dir",
                        MODULE.resolve("../state-python-bridge/src").toString()), "main", "python").toString());
                builder.environment().put("STATESTORE_TOKEN", token);
                workers.add(builder.start());
                reports.add(report);
            }
        }

        void runFor(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis());
            for (Process worker : workers) {
                assertTrue(worker.isAlive(), () -> "a worker of " + name + " died: "
                        + read(directory.resolve(name + "-w" + workers.indexOf(worker) + ".log")));
            }
        }

        /** Stops the workers and checks, through {@code bridge}, every key and counter they were told was written. */
        Outcome stopAndCheck(BridgeClient bridge) throws Exception {
            Files.writeString(stopFile, "stop");
            long keys = 0;
            long lostKeys = 0;
            long increments = 0;
            long unknown = 0;
            long counted = 0;
            long lostIncrements = 0;
            long doubledIncrements = 0;
            double slowest = 0;
            Map<String, Long> errors = new TreeMap<>();
            try (bridge) {
                for (int i = 0; i < workers.size(); i++) {
                    Process process = workers.get(i);
                    String worker = name + "-w" + i;
                    assertTrue(process.waitFor(2, TimeUnit.MINUTES), worker + " did not stop");
                    assertEquals(0, process.exitValue(), () -> worker + " failed: "
                            + read(directory.resolve(worker + ".log")));
                    Properties report = new Properties();
                    try (Reader in = Files.newBufferedReader(reports.get(i), StandardCharsets.UTF_8)) {
                        report.load(in);
                    }
                    long written = Long.parseLong(report.getProperty("keys"));
                    long acknowledged = Long.parseLong(report.getProperty("increments"));
                    long unknownHere = Long.parseLong(report.getProperty("unknown_increments"));
                    slowest = Math.max(slowest, Double.parseDouble(report.getProperty("slowest_seconds")));
                    for (String property : report.stringPropertyNames()) {
                        if (property.startsWith("error.")) {
                            String[] countAndKind = report.getProperty(property).split(" ", 2);
                            errors.merge(countAndKind[1], Long.parseLong(countAndKind[0]), Long::sum);
                        }
                    }
                    for (long from = 0; from < written; from += 1000) {
                        List<String> batch = new ArrayList<>();
                        for (long n = from; n < Math.min(written, from + 1000); n++) {
                            batch.add(worker + ":" + n);
                        }
                        Map<String, Object> found = bridge.fetchAll(batch);
                        for (long n = from; n < Math.min(written, from + 1000); n++) {
                            Object value = found.get(worker + ":" + n);
                            if (!(value instanceof Number number) || number.longValue() != n) {
                                lostKeys++;
                            }
                        }
                    }
                    Object count = bridge.fetch(worker + ":count").orElse(null);
                    long counter = count instanceof Number number ? number.longValue() : 0;
                    keys += written;
                    increments += acknowledged;
                    unknown += unknownHere;
                    counted += counter;
                    lostIncrements += Math.max(0, acknowledged - counter);
                    doubledIncrements += Math.max(0, counter - acknowledged - unknownHere);
                }
            }
            return new Outcome(workers.size(), keys, lostKeys, increments, unknown, counted, lostIncrements,
                    doubledIncrements, slowest, errors);
        }

        @Override
        public void close() throws IOException {
            Files.writeString(stopFile, "stop");
            for (Process worker : workers) {
                try {
                    if (!worker.waitFor(30, TimeUnit.SECONDS)) {
                        worker.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    worker.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** What the workers were told and what the cluster holds. */
    private record Outcome(int workers, long keys, long lostKeys, long increments, long unknownIncrements,
                           long counted, long lostIncrements, long doubledIncrements, double slowestSeconds,
                           Map<String, Long> errors) {

        void assertNothingLost() {
            assertEquals(0, lostKeys, () -> "acknowledged entries lost: " + this);
            assertEquals(0, lostIncrements, () -> "acknowledged increments lost: " + this);
        }

        void assertCountersExact() {
            assertEquals(0, unknownIncrements, () -> "increments with an unknown outcome: " + this);
            assertEquals(increments, counted, () -> "counters differ from the acknowledged increments: " + this);
        }

        void assertCountersWithinTheUnknown() {
            assertEquals(0, doubledIncrements, () -> "increments applied twice: " + this);
        }

        @Override
        public String toString() {
            return String.format("%d workers; %d acknowledged sets, %d lost; %d acknowledged increments, %d with an"
                            + " unknown outcome, counters sum to %d (%d lost, %d doubled); slowest call %.2f s;"
                            + " errors %s", workers, keys, lostKeys, increments, unknownIncrements, counted,
                    lostIncrements, doubledIncrements, slowestSeconds, errors.isEmpty() ? "none" : errors);
        }
    }
}
