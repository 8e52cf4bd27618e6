package io.statestore.hazelcast;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link ClusterMemberMain} in a child JVM on the test class path, given the cluster's secret in its
 * environment; {@link #close()} kills it.
 */
final class MemberProcess implements AutoCloseable {

    private static final String EOF = "\u0000EOF";

    final int port;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path stderr;

    private MemberProcess(int port, Process process, Path stderr) {
        this.port = port;
        this.process = process;
        this.stderr = stderr;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process died; EOF below tells the waiting test
            }
            lines.add(EOF);
        }, "member-" + port + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** A fresh cluster secret, so that every test's cluster is closed to every other's. */
    static String newSecret() {
        return "test-secret-" + java.util.UUID.randomUUID();
    }

    /** Returns free loopback ports, all distinct. */
    static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // only a probe
                }
            }
        }
    }

    /** The URI of an embedded member on a port, joining members on the given loopback ports. */
    static String memberUri(String cluster, int port, int[] ports, String extraOptions) {
        StringBuilder members = new StringBuilder();
        for (int p : ports) {
            members.append(members.length() == 0 ? "" : ",").append("127.0.0.1:").append(p);
        }
        return "hazelcast:?mode=member&cluster=" + cluster + "&port=" + port + "&members=" + members
                + "&interface=127.0.0.1&joinTimeout=1&waitBeforeJoin=1" + extraOptions;
    }

    /** Starts a member JVM whose environment holds a cluster secret ({@code null}: none). */
    static MemberProcess start(int port, String uri, String secret) {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        try {
            Path stderr = Files.createTempFile("hazelcast-member-" + port + "-", ".log");
            ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    ClusterMemberMain.class.getName(), uri);
            builder.redirectError(stderr.toFile());
            builder.environment().remove(ClusterSecret.ENVIRONMENT_VARIABLE);
            if (secret != null) {
                builder.environment().put(ClusterSecret.ENVIRONMENT_VARIABLE, secret);
            }
            return new MemberProcess(port, builder.start(), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void send(String command) {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("member on port " + port + " does not take commands; " + tail(), e);
        }
    }

    /** Waits for a line matching a test, returning it; fails with the member's stderr tail otherwise. */
    String await(Predicate<String> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(EOF)) {
                throw new AssertionError("member on port " + port + (line == null ? " timed out" : " exited")
                        + " waiting for output; " + tail());
            }
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    String awaitPrefix(String prefix, Duration timeout) throws InterruptedException {
        return await(line -> line.startsWith(prefix), timeout);
    }

    /** Collects lines up to and including the first that starts with {@code last}. */
    List<String> collectUntil(String last, Duration timeout) throws InterruptedException {
        List<String> collected = new ArrayList<>();
        await(line -> {
            collected.add(line);
            return line.startsWith(last);
        }, timeout);
        return collected;
    }

    int clusterSize() throws InterruptedException {
        send("SIZE");
        return Integer.parseInt(awaitPrefix("SIZE ", Duration.ofSeconds(10)).substring(5));
    }

    /** Ends the process at once, as {@code kill -9} does, and waits for it. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private String tail() {
        try {
            List<String> all = Files.readAllLines(stderr);
            return "stderr tail:\n" + String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "no stderr: " + e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            kill();
        } finally {
            try {
                Files.deleteIfExists(stderr);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    /** Starts members on the given ports, joining each other, and waits until each sees all of them. */
    static List<MemberProcess> startCluster(String cluster, String secret, int[] ports, String extraOptions,
            Duration timeout)
            throws InterruptedException {
        List<MemberProcess> members = new ArrayList<>();
        boolean started = false;
        try {
            // The first member becomes master before the others start: members launched at the same moment
            // on a busy machine can each elect themselves and stay apart until split-brain healing.
            members.add(start(ports[0], memberUri(cluster, ports[0], ports, extraOptions), secret));
            members.get(0).awaitPrefix("READY", timeout);
            for (int i = 1; i < ports.length; i++) {
                members.add(start(ports[i], memberUri(cluster, ports[i], ports, extraOptions), secret));
            }
            for (MemberProcess member : members.subList(1, members.size())) {
                member.awaitPrefix("READY", timeout);
            }
            awaitClusterSize(members, ports.length, timeout);
            started = true;
            return members;
        } finally {
            if (!started) {
                closeAll(members);
            }
        }
    }

    static void awaitClusterSize(List<MemberProcess> members, int size, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (MemberProcess member : members) {
            int seen;
            while ((seen = member.clusterSize()) != size) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("member on port " + member.port + " sees " + seen + " members, not "
                            + size);
                }
                Thread.sleep(100);
            }
        }
    }

    static void closeAll(List<MemberProcess> members) throws InterruptedException {
        for (MemberProcess member : members) {
            member.close();
        }
    }
}
