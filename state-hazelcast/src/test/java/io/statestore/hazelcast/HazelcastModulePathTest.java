package io.statestore.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.Hazelcast;
import io.statestore.StateStore;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.msgpack.core.MessagePack;

/**
 * The backend as a modular application uses it: a small application module that requires only the API is
 * compiled, and two JVMs launched with {@code java -p ... -m} open {@code hazelcast:} URIs naming each
 * other, with the cluster's secret in their environment, form one cluster, and each sees the other's
 * increments.
 */
class HazelcastModulePathTest {

    /** Hazelcast's advice for full speed on the module path; without them it only warns. */
    static final List<String> HAZELCAST_FLAGS = List.of(
            "--add-opens", "java.base/java.lang=com.hazelcast.core",
            "--add-opens", "java.base/sun.nio.ch=com.hazelcast.core",
            "--add-opens", "java.management/sun.management=com.hazelcast.core",
            "--add-opens", "jdk.management/com.sun.management.internal=com.hazelcast.core",
            "--add-exports", "java.base/jdk.internal.ref=com.hazelcast.core");

    @Test
    @Timeout(120)
    void twoModularJvmsNamingEachOtherShareACounter() throws Exception {
        Path work = Files.createTempDirectory("statestore-modular-");
        List<Process> processes = new ArrayList<>();
        try {
            String modulePath = Stream.of(StateStore.class, HazelcastStateStore.class, Hazelcast.class,
                    MessagePack.class).map(HazelcastModulePathTest::location).collect(Collectors.joining(File.pathSeparator));
            Path app = compileApp(work, modulePath);
            int[] ports = MemberProcess.freePorts(2);
            String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
            String secret = MemberProcess.newSecret();
            Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
            for (int i = 0; i < 2; i++) {
                List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC"));
                command.addAll(HAZELCAST_FLAGS);
                command.addAll(List.of("-p", app + File.pathSeparator + modulePath, "-m",
                        "demo.counter/demo.SharedCounter", "hazelcast:?members=" + members + "&port=" + ports[i]
                                + "&cluster=modular&map=demo&interface=127.0.0.1&joinTimeout=1&waitBeforeJoin=1",
                        "jvm" + i, "300", "600", "2"));
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectOutput(work.resolve("jvm" + i + ".out").toFile())
                        .redirectError(work.resolve("jvm" + i + ".err").toFile());
                builder.environment().put(ClusterSecret.ENVIRONMENT_VARIABLE, secret);
                processes.add(builder.start());
                if (i == 0) {
                    // The first JVM is master before the second starts, so the second joins it.
                    awaitLine(work.resolve("jvm0.out"), "jvm0 opened", processes.get(0));
                }
            }
            for (int i = 0; i < 2; i++) {
                assertTrue(processes.get(i).waitFor(90, TimeUnit.SECONDS), "jvm" + i + " finished in time");
                String out = Files.readString(work.resolve("jvm" + i + ".out"));
                String err = Files.readString(work.resolve("jvm" + i + ".err"));
                assertEquals(0, processes.get(i).exitValue(), out + err);
                assertTrue(out.contains("opened io.statestore.hazelcast.HazelcastStateStore from module"
                        + " io.statestore.hazelcast"), out);
                assertTrue(out.contains("jvm" + i + " counter=600"), "sees both JVMs' increments: " + out);
                assertTrue(out.contains("keys=[demo-counter, done-jvm0, done-jvm1]"), out);
                assertTrue(err.contains("Members {size:2"), "formed one cluster of two: " + err);
            }
        } finally {
            for (Process process : processes) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static void awaitLine(Path file, String prefix, Process process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.readAllLines(file).stream().noneMatch(line -> line.startsWith(prefix))) {
            assertTrue(process.isAlive(), "the JVM exited before printing " + prefix + ": "
                    + Files.readString(file.resolveSibling("jvm0.err")));
            assertTrue(System.nanoTime() < deadline, "no " + prefix + " within 60 s");
            Thread.sleep(50);
        }
    }

    private static String location(Class<?> type) {
        try {
            return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path compileApp(Path work, String modulePath)
            throws IOException, URISyntaxException, InterruptedException {
        Path sources = Paths.get(HazelcastModulePathTest.class.getResource("/modular-app").toURI());
        Path classes = work.resolve("demo.counter");
        List<String> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).collect(Collectors.toList());
        }
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "javac").toString(),
                "-d", classes.toString(), "-p", modulePath));
        command.addAll(files);
        Path log = work.resolve("javac.log");
        Process javac = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(javac.waitFor(60, TimeUnit.SECONDS), "javac finished in time");
            assertEquals(0, javac.exitValue(), Files.readString(log));
        } finally {
            javac.destroyForcibly();
        }
        return classes;
    }
}
